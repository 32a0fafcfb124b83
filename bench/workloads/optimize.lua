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

-- Powell on the n-d Rosenbrock above (tiny: the 2-d one)
W.powell_rosen10 = {
  needs = {"np.optimize.minimize", method("Powell")},
  counted = {"f"},
  setup = function(n) return {f = rosen, x0 = start(n)} end,
  run = function(s) return np.optimize.minimize(s.f, s.x0, {method = "Powell"}).x end,
}

-- Powell on Wood's function (More, Garbow and Hillstrom no. 14), 4-d
W.powell_wood = {
  needs = {"np.optimize.minimize", method("Powell")},
  counted = {"f"},
  setup = function()
    return {
      f = function(xa)
        local a, b, c, d = xa:get(1), xa:get(2), xa:get(3), xa:get(4)
        return 100 * (b - a * a) ^ 2 + (1 - a) ^ 2 + 90 * (d - c * c) ^ 2 + (1 - c) ^ 2
          + 10 * (b + d - 2) ^ 2 + 0.1 * (b - d) ^ 2
      end,
      x0 = np.array{-3, -1, -3, -1},
    }
  end,
  run = function(s) return np.optimize.minimize(s.f, s.x0, {method = "Powell"}).x end,
}

-- SLSQP on Hock-Schittkowski problem 71: a product inequality, a sphere
-- equality and the box [1, 5]^4, from (1, 5, 5, 1). The constraint tables are
-- built in run so that bench/run can count c1 and c2.
W.slsqp_hs071 = {
  needs = {"np.optimize.minimize", method("SLSQP")},
  counted = {"f", "c1", "c2"},
  setup = function()
    return {
      f = function(x)
        local a, b, c, d = x:get(1), x:get(2), x:get(3), x:get(4)
        return a * d * (a + b + c) + c
      end,
      c1 = function(x) return x:get(1) * x:get(2) * x:get(3) * x:get(4) - 25 end,
      c2 = function(x)
        local q = 0
        for i = 1, 4 do q = q + x:get(i) ^ 2 end
        return q - 40
      end,
      x0 = np.array{1, 5, 5, 1},
      bounds = {{1, 5}, {1, 5}, {1, 5}, {1, 5}},
    }
  end,
  run = function(s)
    return np.optimize.minimize(s.f, s.x0, {method = "SLSQP", bounds = s.bounds,
      constraints = {{type = "ineq", fun = s.c1}, {type = "eq", fun = s.c2}}}).x
  end,
}

-- SLSQP without constraints on the n-d Rosenbrock (gradient by differences)
W.slsqp_rosen10 = {
  needs = {"np.optimize.minimize", method("SLSQP")},
  counted = {"f"},
  setup = function(n) return {f = rosen, x0 = start(n)} end,
  run = function(s) return np.optimize.minimize(s.f, s.x0, {method = "SLSQP"}).x end,
}

-- a dense LP with n variables in [0, 3], 2n/3 inequality and n/6 equality
-- rows, feasible by construction (xf satisfies them all): minimize c x with
-- A x <= A xf + slack, Ae x = Ae xf. SciPy uses HiGHS. The optimal value is
-- compared (the optimal x need not be unique).
W.linprog40x60 = {
  needs = {"np.optimize.linprog"},
  setup = function(n)
    local m, me = 2 * n // 3, n // 6
    local a, ae, xf = C.mat(m, n, 1, -1, 1), C.mat(me, n, 4, -1, 1), C.vec(n, 2)
    local bounds = {}
    for i = 1, n do bounds[i] = {0, 3} end
    return {
      c = C.vec(n, 5, -1, 1), a = a, b = a:matmul(xf) + C.vec(m, 3, 0.1, 1),
      ae = ae, be = ae:matmul(xf), bounds = bounds,
    }
  end,
  run = function(s)
    return np.optimize.linprog(s.c, {A_ub = s.a, b_ub = s.b, A_eq = s.ae, b_eq = s.be,
      bounds = s.bounds})
  end,
  fp = function(r) return {r.fun} end,
}

return W
