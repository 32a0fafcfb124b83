-- bench/workloads/fft.lua: fast Fourier transforms of a real signal. fft.py
-- beside it is the NumPy side.
local np = require "lumpy"
local C = require "bench.common"

local W = {}

W.rfft = {
  needs = {"np.fft.rfft"},
  setup = function(n) return {x = C.vec(n, 1, -1, 1)} end,
  run = function(s) return np.fft.rfft(s.x) end,
}

W.fft = {
  needs = {"np.fft.fft"},
  setup = function(n) return {x = C.vec(n, 1, -1, 1)} end,
  run = function(s) return np.fft.fft(s.x) end,
}

return W
