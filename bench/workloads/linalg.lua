-- bench/workloads/linalg.lua: matrix product and LAPACK. linalg.py beside it
-- is the NumPy side.
local np = require "lumpy"
local C = require "bench.common"

local W = {}

local function matmul()
  return {
    needs = {"methods.matmul"},
    setup = function(n) return {a = C.mat(n, n, 1), b = C.mat(n, n, 2)} end,
    run = function(s) return s.a:matmul(s.b) end,
  }
end
W.matmul1000 = matmul()
W.matmul2000 = matmul()

W.solve1000 = {
  needs = {"np.linalg.solve"},
  setup = function(n) return {a = C.shifted(n, 1, n), b = C.vec(n, 2)} end,
  run = function(s) return np.linalg.solve(s.a, s.b) end,
}

W.inv1000 = {
  needs = {"np.linalg.inv"},
  setup = function(n) return {a = C.shifted(n, 1, n)} end,
  run = function(s) return np.linalg.inv(s.a) end,
}

W.cholesky1000 = {
  needs = {"np.linalg.cholesky"},
  setup = function(n) return {a = C.sym(n, 1, n)} end,
  run = function(s) return np.linalg.cholesky(s.a) end,
}

-- R's rows may differ in sign between implementations: compare |R|
local function absall(x)
  local t = C.flat(x)
  for i = 1, #t do t[i] = math.abs(t[i]) end
  return t
end

W.qr1000 = {
  needs = {"np.linalg.qr"},
  setup = function(n) return {a = C.mat(n, n, 1)} end,
  run = function(s)
    local _, r = np.linalg.qr(s.a)
    return r
  end,
  fp = absall,
}

W.eigh500 = {
  needs = {"np.linalg.eigh"},
  setup = function(n) return {a = C.sym(n, 1, 0)} end,
  run = function(s) return (np.linalg.eigh(s.a)) end,
}

-- eigenvalues come in an order LAPACK chooses: compare the sorted moduli and
-- the sum of the real parts
W.eig300 = {
  needs = {"np.linalg.eig"},
  setup = function(n) return {a = C.mat(n, n, 1)} end,
  run = function(s) return (np.linalg.eig(s.a)) end,
  fp = function(w)
    local t, mods, sumre = w:totable(), {}, 0
    for i, z in ipairs(t) do
      local re, im = z, 0
      if type(z) ~= "number" then re, im = z.re, z.im end
      mods[i] = math.sqrt(re * re + im * im)
      sumre = sumre + re
    end
    table.sort(mods)
    mods[#mods + 1] = sumre
    return mods
  end,
}

W.svd500 = {
  needs = {"np.linalg.svd"},
  setup = function(n) return {a = C.mat(n, n, 1)} end,
  run = function(s)
    local _, sv = np.linalg.svd(s.a)
    return sv
  end,
}

W["lstsq2000x100"] = {
  needs = {"np.linalg.lstsq"},
  setup = function(n) return {a = C.mat(n, n // 20, 1), b = C.vec(n, 2)} end,
  run = function(s) return (np.linalg.lstsq(s.a, s.b)) end,
}

return W
