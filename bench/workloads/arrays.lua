-- bench/workloads/arrays.lua: elementwise, reductions, broadcasting, copies,
-- slicing, sorting and the scalar element loop. arrays.py beside it is the
-- NumPy side.
local np = require "lumpy"
local C = require "bench.common"

-- range indexing a[{{1, -1, 2}, ...}] works
local function slicing()
  local ok = pcall(function() return np.zeros{4, 4}[{{1, -1, 2}, {1, -1, 2}}] end)
  return ok, "range indexing a[{{1, -1, 2}, ...}]"
end

local W = {}

W.triad = {
  needs = {"meta.__mul", "meta.__add"},
  setup = function(n) return {a = C.vec(n, 1), b = C.vec(n, 2)} end,
  run = function(s) return s.a * 2.5 + s.b end,
}

W.triad_out = {
  needs = {"np.multiply", "np.add"},
  setup = function(n) return {a = C.vec(n, 1), b = C.vec(n, 2), out = np.empty(n)} end,
  run = function(s)
    np.multiply(s.a, 2.5, s.out)
    return np.add(s.out, s.b, s.out)
  end,
}

W.iadd_out = {
  needs = {"np.add"},
  setup = function(n) return {a = C.vec(n, 1), b = C.vec(n, 2)} end,
  run = function(s) return np.add(s.a, s.b, s.a) end,
}

W.sum = {
  needs = {"methods.sum"},
  setup = function(n) return {a = C.vec(n, 1)} end,
  run = function(s) return s.a:sum() end,
}

W.sum_axis1 = {
  needs = {"methods.sum"},
  setup = function(n) return {a = C.mat(n, n, 1)} end,
  run = function(s) return s.a:sum(1) end,
}

W.sum_axis2 = {
  needs = {"methods.sum"},
  setup = function(n) return {a = C.mat(n, n, 1)} end,
  run = function(s) return s.a:sum(2) end,
}

W.exp = {
  needs = {"np.exp"},
  setup = function(n) return {a = C.vec(n, 1, -5, 5)} end,
  run = function(s) return np.exp(s.a) end,
}

W.sqrt = {
  needs = {"np.sqrt"},
  setup = function(n) return {a = C.vec(n, 1, 0, 100)} end,
  run = function(s) return np.sqrt(s.a) end,
}

W.bcast_add = {
  needs = {"meta.__add"},
  setup = function(n) return {a = C.mat(n, n, 1), b = C.vec(n, 2)} end,
  run = function(s) return s.a + s.b end,
}

W.transpose_copy = {
  needs = {"methods.copy"},
  setup = function(n) return {a = C.mat(n, n, 1)} end,
  run = function(s) return s.a.T:copy() end,
}

W.slice_sum2 = {
  needs = {"methods.sum", slicing},
  setup = function(n) return {a = C.mat(n, n, 1)} end,
  run = function(s) return s.a[{{1, -1, 2}, {1, -1, 2}}]:sum() end,
}

W.slice_sum3 = {
  needs = {"methods.sum", slicing},
  setup = function(n) return {a = C.mat(n, n, 1)} end,
  run = function(s) return s.a[{{1, -1, 3}, {1, -1, 3}}]:sum() end,
}

W.sort = {
  needs = {"np.sort"},
  setup = function(n) return {a = C.vec(n, 1)} end,
  run = function(s) return np.sort(s.a) end,
}

-- the scalar loop as a user writes it: one get and one set per element
W.loop = {
  needs = {"methods.get", "methods.set"},
  setup = function(n) return {a = C.vec(n, 1), n = n} end,
  run = function(s)
    local a = s.a
    for i = 1, s.n do a:set(i, a:get(i) * 2) end
    return a
  end,
}

return W
