-- quad timing (per call and per evaluation); run from the repository root
local np = require "lumpy"
local I = np.integrate
local exp, cos = math.exp, math.cos
local function bench(name, f, a, b, n)
  local _, _, info = I.quad(f, a, b)
  local t0 = os.clock()
  for _ = 1, n do I.quad(f, a, b) end
  local dt = (os.clock() - t0) / n
  print(string.format("lumpy %-24s %8.2f us/call %6.3f us/eval neval=%d", name, dt * 1e6,
    dt * 1e6 / info.neval, info.neval))
end
bench("exp(-x^2)cos(x) [0,10]", function(x) return exp(-x * x) * cos(x) end, 0, 10, 20000)
bench("exp(-x^2) (-inf,inf)", function(x) return exp(-x * x) end, -math.huge, math.huge, 10000)
