-- bench/workloads/stats.lua: distribution functions and special functions
-- over large arrays. stats.py beside it is the SciPy side.
local np = require "lumpy"
local C = require "bench.common"

local W = {}

W.norm_cdf = {
  needs = {"np.stats.norm.cdf"},
  setup = function(n) return {x = C.vec(n, 1, -5, 5)} end,
  run = function(s) return np.stats.norm.cdf(s.x) end,
}

W.norm_ppf = {
  needs = {"np.stats.norm.ppf"},
  setup = function(n) return {x = C.vec(n, 1)} end,
  run = function(s) return np.stats.norm.ppf(s.x) end,
}

W.t_cdf = {
  needs = {"np.stats.t.cdf"},
  setup = function(n) return {x = C.vec(n, 1, -5, 5)} end,
  run = function(s) return np.stats.t.cdf(s.x, 5) end,
}

W.gammaln = {
  needs = {"np.special.gammaln"},
  setup = function(n) return {x = C.vec(n, 1, 0, 50)} end,
  run = function(s) return np.special.gammaln(s.x) end,
}

return W
