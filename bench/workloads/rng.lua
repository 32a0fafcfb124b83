-- bench/workloads/rng.lua: random number generation. rng.py beside it is
-- the NumPy side. Streams need not match NumPy's: the spec compares the
-- sample mean and standard deviation.
local np = require "lumpy"
local C = require "bench.common"

local function moments(a)
  local t = C.flat(a)
  local n, s, ss = #t, 0, 0
  for i = 1, n do s = s + t[i] end
  local m = s / n
  for i = 1, n do ss = ss + (t[i] - m) ^ 2 end
  return {m, math.sqrt(ss / n)}
end

-- the Generator has the method
local function generator(name)
  return function()
    local ok, g = pcall(np.random.default_rng, 0)
    return ok and g ~= nil and g[name] ~= nil, "Generator:" .. name
  end
end

local W = {}

W.standard_normal = {
  needs = {"np.random.default_rng", generator("standard_normal")},
  setup = function(n) return {rng = np.random.default_rng(0), n = n} end,
  run = function(s) return s.rng:standard_normal(s.n) end,
  fp = moments,
}

W.random = {
  needs = {"np.random.default_rng", generator("random")},
  setup = function(n) return {rng = np.random.default_rng(0), n = n} end,
  run = function(s) return s.rng:random(s.n) end,
  fp = moments,
}

return W
