-- bench/workloads/optimize.lua: root finding, minimizers and curve fitting,
-- each calling a Lua function from C. optimize.py beside it is the SciPy side.
-- The functions a workload's kernel calls are listed in `counted`: bench/run
-- counts their calls in a separate, untimed run.
local np = require "lumpy"
local C = require "bench.common"

-- the n-d Rosenbrock function and its gradient, written as a Lua user would
-- for speed: x read once with totable (one C call), then plain Lua
local function rosen(xa)
  local x, s = xa:totable(), 0
  for i = 1, #x - 1 do
    local a, b = x[i], x[i + 1]
    local d, e = b - a * a, 1 - a
    s = s + 100 * d * d + e * e
  end
  return s
end

local function rosen_der(xa)
  local x, g = xa:totable(), {}
  local n = #x
  for i = 1, n do
    local gi = 0
    if i > 1 then gi = 200 * (x[i] - x[i - 1] * x[i - 1]) end
    if i < n then gi = gi - 400 * x[i] * (x[i + 1] - x[i] * x[i]) - 2 * (1 - x[i]) end
    g[i] = gi
  end
  return g
end

-- -1.2, 1, -1.2, 1, ...
local function start(n)
  local t = {}
  for i = 1, n do t[i] = i % 2 == 1 and -1.2 or 1.0 end
  return np.array(t)
end

-- minimize knows the method (an error naming the method counts as not knowing
-- it; any other error lets the workload run and show it)
local function method(name)
  return function()
    local ok, err = pcall(np.optimize.minimize, function(x) return x:get(1) ^ 2 end,
      np.array{1.0}, {method = name})
    return ok or not tostring(err):find("method", 1, true), "minimize method " .. name
  end
end

local W = {}

W.brentq = {
  needs = {"np.optimize.brentq"},
  counted = {"f"},
  setup = function() return {f = function(x) return x * x * x - 2 * x - 5 end} end,
  run = function(s) return (np.optimize.brentq(s.f, 2, 3)) end,
}

W.bfgs_rosen10 = {
  needs = {"np.optimize.minimize", method("BFGS")},
  counted = {"f"},
  setup = function(n) return {f = rosen, x0 = start(n)} end,
  run = function(s) return np.optimize.minimize(s.f, s.x0, {method = "BFGS"}).x end,
}

W.bfgs_rosen10_jac = {
  needs = {"np.optimize.minimize", method("BFGS")},
  counted = {"f", "g"},
  setup = function(n) return {f = rosen, g = rosen_der, x0 = start(n)} end,
  run = function(s)
    return np.optimize.minimize(s.f, s.x0, {method = "BFGS", jac = s.g}).x
  end,
}

W.nelder_mead2 = {
  needs = {"np.optimize.minimize", method("Nelder-Mead")},
  counted = {"f"},
  setup = function(n) return {f = rosen, x0 = start(n)} end,
  run = function(s) return np.optimize.minimize(s.f, s.x0, {method = "Nelder-Mead"}).x end,
}

-- L-BFGS-B with np.optimize.rosen / rosen_der (C), as SciPy's side uses
-- scipy.optimize.rosen / rosen_der: the optimizers' own cost
W.lbfgsb100 = {
  needs = {"np.optimize.minimize", method("L-BFGS-B"), "np.optimize.rosen",
    "np.optimize.rosen_der"},
  counted = {"f", "g"},
  setup = function(n)
    return {f = np.optimize.rosen, g = np.optimize.rosen_der, x0 = start(n)}
  end,
  run = function(s)
    return np.optimize.minimize(s.f, s.x0, {method = "L-BFGS-B", jac = s.g}).x
  end,
}

-- the same with the plain-Lua objective above (SciPy keeps its rosen): what a
-- hand-written Lua objective costs
W.lbfgsb100_lua = {
  needs = {"np.optimize.minimize", method("L-BFGS-B")},
  counted = {"f", "g"},
  setup = function(n) return {f = rosen, g = rosen_der, x0 = start(n)} end,
  run = function(s)
    return np.optimize.minimize(s.f, s.x0, {method = "L-BFGS-B", jac = s.g}).x
  end,
}

-- y = 2.5 exp(-1.3 x) + 0.5 plus deterministic noise, x = 4 (i - 1) / (n - 1)
W.curve_fit = {
  needs = {"np.optimize.curve_fit", "np.exp", "meta.__mul", "meta.__add"},
  counted = {"f"},
  setup = function(n)
    local x, y, base = np.empty(n), np.empty(n), 3 << 32
    for i = 1, n do
      local xi = 4 * (i - 1) / (n - 1)
      x:set(i, xi)
      y:set(i, 2.5 * math.exp(-1.3 * xi) + 0.5 + 0.1 * (C.u(base + i) - 0.5))
    end
    return {
      f = function(xs, a, b, c) return np.exp(xs * -b) * a + c end,
      x = x, y = y, p0 = {1, 1, 1},
    }
  end,
  run = function(s) return (np.optimize.curve_fit(s.f, s.x, s.y, s.p0)) end,
}

return W
