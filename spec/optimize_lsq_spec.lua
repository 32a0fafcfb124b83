local np = require "lumpy"
local opt = np.optimize
local fx = dofile("spec/fixtures/optimize.lua")
local mgh = dofile("spec/fixtures/mgh.lua")
local N = dofile("spec/fixtures/nist.lua")

local function close(a, b, rtol, atol)
  return math.abs(a - b) <= (atol or 0) + (rtol or 1e-12) * math.abs(b)
end

local function digits(a, b)
  local rel = math.abs(a - b) / math.abs(b)
  if rel == 0 then return 17 end
  return -math.log(rel, 10)
end

local function unpackarr(b)
  local t = {}
  for k = 1, b.size do t[k] = b:get(k) end
  return table.unpack(t)
end

local function expmodel(x, a, b, c)
  local y = {}
  for i = 1, x.size do y[i] = a * math.exp(-b * x:get(i)) + c end
  return y
end

-- biggs_exp6 reaches a zero residual along a path that rounding bends
local NFEV_LOOSE = {biggs_exp6 = true}

describe("lumpy.optimize", function()
  describe("least_squares: MGH residuals x methods x losses", function()
    for _, c in ipairs(fx.lsq) do
      local label = ("%s %s %s%s (SciPy nfev %d)"):format(c.problem, c.method, c.loss,
        c.bounds and " bounded" or "", c.nfev)
      it(label, function()
        local r = opt.least_squares(mgh.residuals[c.problem], c.x0,
          {method = c.method, loss = c.loss, bounds = c.bounds})
        assert.is_true(close(r.cost, c.cost, 1e-5, 1e-12), ("cost %.10g vs %.10g"):format(r.cost, c.cost))
        local tol = NFEV_LOOSE[c.problem] and 0.25 or 0.1
        assert.is_true(math.abs(r.nfev - c.nfev) <= tol * c.nfev, ("nfev %d vs %d"):format(r.nfev, c.nfev))
        assert.are.equal(c.status, r.status)
        assert.are.equal(r.status > 0, r.success)
        if c.bounds then
          for i = 1, #c.x0 do
            assert.is_true(r.x:get(i) >= c.bounds[1][i] and r.x:get(i) <= c.bounds[2][i])
          end
        end
        local m = #mgh.residuals[c.problem](c.x0)
        assert.are.same({m, #c.x0}, r.jac.shape)
        assert.are.equal(m, r.fun.size)
      end)
    end

    it("accepts a Jacobian function and x_scale", function()
      local jac = function(x) return {{-20 * x:get(1), 10}, {-1, 0}} end
      for _, m in ipairs{"trf", "lm"} do
        local r = opt.least_squares(mgh.residuals.rosenbrock, {-1.2, 1}, {method = m, jac = jac})
        assert.is_true(r.success)
        assert.is_true(close(r.x:get(1), 1, 1e-8))
        assert.is_number(r.njev)
        r = opt.least_squares(mgh.residuals.rosenbrock, {-1.2, 1}, {method = m, x_scale = {1, 2}})
        assert.is_true(close(r.x:get(2), 1, 1e-6))
        r = opt.least_squares(mgh.residuals.rosenbrock, {-1.2, 1}, {method = m, x_scale = "jac"})
        assert.is_true(close(r.x:get(2), 1, 1e-6))
      end
      local r = opt.least_squares(mgh.residuals.rosenbrock, {-1.2, 1}, {jac = "3-point"})
      assert.is_true(close(r.x:get(1), 1, 1e-6))
    end)

    it("reports active constraints and the optimality", function()
      local r = opt.least_squares(mgh.residuals.rosenbrock, {-1.2, 1}, {bounds = {{-2, 0}, {0.5, 2}}})
      assert.are.equal(1, r.active_mask:get(1))
      assert.are.equal(0, r.active_mask:get(2))
      assert.is_true(r.optimality < 1e-6)
    end)

    it("rejects bad options", function()
      local f = mgh.residuals.rosenbrock
      assert.has_error(function() opt.least_squares(f, {2, 2}, {bounds = {{0, 0}, {1, 1}}}) end,
        "lumpy.optimize.least_squares: x0 is infeasible")
      assert.has_error(function() opt.least_squares(f, {0.5, 0.5}, {bounds = {{1, 0}, {0, 1}}}) end,
        "lumpy.optimize.least_squares: each lower bound must be strictly less than the upper bound")
      assert.has_error(function() opt.least_squares(f, {0.5, 0.5}, {bounds = {0}}) end,
        "lumpy.optimize.least_squares: bounds must be {lb, ub}")
      assert.has_error(function() opt.least_squares(f, {1, 1}, {method = "lm", loss = "huber"}) end,
        "lumpy.optimize.least_squares: method 'lm' supports only 'linear' loss function")
      assert.has_error(function() opt.least_squares(f, {1, 1}, {method = "lm", bounds = {0, 2}}) end,
        "lumpy.optimize.least_squares: method 'lm' does not support bounds")
      assert.has_error(function() opt.least_squares(f, {1, 1}, {loss = "l3"}) end,
        "lumpy.optimize.least_squares: unknown loss 'l3'")
      assert.has_error(function() opt.least_squares(f, {1, 1}, {method = "dogleg"}) end,
        "lumpy.optimize.least_squares: unknown method 'dogleg'")
      assert.has_error(function() opt.least_squares(f, {1, 1}, {ftol = -1}) end,
        "lumpy.optimize.least_squares: ftol must be a nonnegative number")
      assert.has_error(function() opt.least_squares(f, {1, 1}, {f_scale = 0}) end,
        "lumpy.optimize.least_squares: f_scale must be positive")
      assert.has_error(function() opt.least_squares(f, {1, 1}, {x_scale = {1, -1}}) end,
        "lumpy.optimize.least_squares: x_scale must be 'jac' or positive numbers")
      assert.has_error(function() opt.least_squares(f, {1, 1}, {nope = 1}) end,
        "lumpy.optimize.least_squares: unknown option 'nope'")
      assert.has_error(function() opt.least_squares(function(x) return {x:get(1)} end, {1, 1}, {method = "lm"}) end,
        "lumpy.optimize.least_squares: method 'lm' needs at least as many residuals (1) as variables (2)")
    end)

    it("callback errors and wrong results are reported", function()
      for _, m in ipairs{"trf", "lm"} do
        local ok, err = pcall(opt.least_squares, function() error("resid boom") end, {1, 1}, {method = m})
        assert.truthy(err:find("lumpy.optimize.least_squares:", 1, true))
        assert.truthy(err:find("resid boom", 1, true))
        local obj = {}
        ok, err = pcall(opt.least_squares, function() error(obj) end, {1, 1}, {method = m})
        assert.are.equal(obj, err)
        local n = 0
        ok, err = pcall(opt.least_squares, function() n = n + 1 return n == 1 and {1, 2} or {1} end, {1, 1}, {method = m})
        assert.truthy(err:find("must have 2 elements", 1, true))
        ok, err = pcall(opt.least_squares, function() return "r" end, {1, 1}, {method = m})
        assert.is_false(ok)
        assert.truthy(err:find("lumpy.optimize.least_squares: residuals must be an array or a table of numbers, got string",
          1, true), err)
        ok, err = pcall(opt.least_squares, mgh.residuals.rosenbrock, {1, 1}, {method = m, jac = function() return {1, 2} end})
        assert.truthy(err:find("jac must return a 2 x 2 array", 1, true))
      end
    end)

    it("NaN residuals shrink the trust region instead of failing", function()
      local r = opt.least_squares(function(x)
        local a = x:get(1)
        if a > 2 then return {0 / 0, 0 / 0} end
        return {a - 1.5, 0}
      end, {0}, {method = "trf"})
      assert.is_true(close(r.x:get(1), 1.5, 1e-6))
    end)
  end)

  describe("curve_fit", function()
    it("takes a long model value in any form (y = 2x + 1 exactly, 300 points)", function()
      local n = 300
      local x = np.linspace(0, 3, n)
      local y = x * 2 + 1
      local forms = {
        array = function(xs, a, b) return xs * a + b end,
        column = function(xs, a, b) return (xs * a + b):reshape(n, 1) end,
        strided = function(xs, a, b) local v = xs * a + b return np.stack({v, v}, 2).T[1] end,
        table = function(xs, a, b) return (xs * a + b):totable() end,
      }
      for name, f in pairs(forms) do
        local p = opt.curve_fit(f, x, y, {1, 1})
        assert.is_true(close(p:get(1), 2, 1e-10, 0) and close(p:get(2), 1, 1e-10, 0), name)
      end
      local ok, err = pcall(opt.curve_fit, function(xs, a, b)
        local v = xs * a + b
        v:close()
        return v
      end, x, y, {1, 1})
      assert.is_false(ok)
      assert.truthy(tostring(err):find("array is closed", 1, true), err)
      ok, err = pcall(opt.curve_fit, function(xs, a, b) return np.zeros(n - 1) end, x, y, {1, 1})
      assert.truthy(tostring(err):find("lumpy.optimize.curve_fit: model value must have 300 elements, got 299", 1, true), err)
      ok, err = pcall(opt.curve_fit, function(xs, a, b) return (xs * a + b) * np.complex(1, 0) end, x, y, {1, 1})
      assert.truthy(tostring(err):find("must be real", 1, true), err)
    end)

    for i, c in ipairs(fx.curve) do
      it(("matches SciPy (case %d)"):format(i), function()
        local popt, pcov = opt.curve_fit(expmodel, np.array(fx.curve_x), fx.curve_y, {1, 1, 1},
          {sigma = c.sigma, absolute_sigma = c.absolute_sigma, bounds = c.bounds, method = c.method})
        for k = 1, 3 do
          assert.is_true(close(popt:get(k), c.popt[k], 1e-7, 1e-9), ("p%d %.12g vs %.12g"):format(k, popt:get(k), c.popt[k]))
          for l = 1, 3 do
            assert.is_true(close(pcov:get(k, l), c.pcov[k][l], 1e-5, 1e-12))
          end
        end
      end)
    end

    it("guesses p0 from the model's parameters and returns full output", function()
      local popt, pcov, info = opt.curve_fit(function(x, a, b, c) return expmodel(x, a, b, c) end,
        np.array(fx.curve_x), np.array(fx.curve_y), nil, {full_output = true})
      assert.is_true(close(popt:get(1), fx.curve[1].popt[1], 1e-7))
      assert.is_number(info.nfev)
      assert.are.equal(#fx.curve_y, info.fvec.size)
      assert.are.same({3, 3}, pcov.shape)
    end)

    it("fits with an analytic Jacobian", function()
      local jac = function(x, a, b, c)
        local J = {}
        for i = 1, x.size do
          local e = math.exp(-b * x:get(i))
          J[i] = {e, -a * x:get(i) * e, 1}
        end
        return J
      end
      for _, m in ipairs{"lm", "trf"} do
        local popt = opt.curve_fit(expmodel, np.array(fx.curve_x), fx.curve_y, {1, 1, 1}, {jac = jac, method = m})
        assert.is_true(close(popt:get(2), fx.curve[1].popt[2], 1e-7))
      end
    end)

    it("an indeterminate covariance is inf", function()
      -- a parameter the model ignores (a zero column in the Jacobian), and as
      -- many points as parameters: SciPy 1.10 gives inf for both
      local popt, pcov = opt.curve_fit(function(x, a, b) local y = {} for i = 1, #x do y[i] = a end return y end,
        {1, 2, 3}, {1, 2, 3}, {1, 1})
      assert.are.equal(math.huge, pcov:get(1, 1))
      assert.are.equal(math.huge, pcov:get(2, 2))
      assert.is_true(close(popt:get(1), 2, 1e-8))
      popt, pcov = opt.curve_fit(function(x, a, b) return x * b + a end, np.array{1, 2}, {1, 2}, {1, 1})
      assert.are.equal(math.huge, pcov:get(1, 2))
      assert.is_true(close(popt:get(2), 1, 1e-8))
    end)

    it("raises when the fit fails or arguments are wrong", function()
      local f = function(x, a) local y = {} for i = 1, #x do y[i] = a end return y end
      assert.has_error(function() opt.curve_fit(f, {1, 2}, {1, 2}, {1}, {maxfev = 1}) end,
        "lumpy.optimize.curve_fit: optimal parameters not found: The maximum number of function evaluations is exceeded.")
      assert.has_error(function() opt.curve_fit(f, {1, 2}, {1, 2}, {1}, {method = "lm", bounds = {0, 2}}) end,
        "lumpy.optimize.curve_fit: method 'lm' only works for unconstrained problems; use 'trf' or 'dogbox' for bounds")
      assert.has_error(function() opt.curve_fit(f, {1, 2}, {1, 2}, {1}, {sigma = {1}}) end,
        "lumpy.optimize.curve_fit: sigma must have 2 elements, got 1")
      assert.has_error(function() opt.curve_fit(f, {1, 2}, {1, 2, 3}, {1}) end,
        "lumpy.optimize.curve_fit: model value must have 3 elements, got 2")
      assert.has_error(function() opt.curve_fit(function(...) return {} end, {1, 2}, {1, 2}) end,
        "lumpy.optimize.curve_fit: p0 is needed (the number of parameters cannot be told from f)")
      assert.has_error(function() opt.curve_fit(f, {1, 2}, {1, 2}, {1}, {what = 1}) end,
        "lumpy.optimize.curve_fit: unknown option 'what'")
      local ok, err = pcall(opt.curve_fit, function() error("model boom") end, {1, 2}, {1, 2}, {1})
      assert.truthy(err:find("lumpy.optimize.curve_fit:", 1, true))
      assert.truthy(err:find("model boom", 1, true))
    end)
  end)

  describe("NIST StRD nonlinear regression", function()
    for _, name in ipairs{"MGH17", "Lanczos1", "Kirby2", "Hahn1"} do
      local d = N.read(name)
      local M = N.models[name]
      for s = 1, 2 do
        it(("%s from start %d: curve_fit (lm)"):format(name, s), function()
          assert.is_not_nil(d, "NIST data not found")
          local p0 = s == 1 and d.start1 or d.start2
          local popt, pcov = opt.curve_fit(M.f, d.x, d.y, p0, {ftol = 1e-15, xtol = 1e-15, maxfev = 100000})
          -- Lanczos1's residuals (RSS 1.4e-25, each about 8e-14 on values
          -- near 1) are at the level of double rounding: the RSS at any
          -- computed minimum is off by about 0.2% (1.4280e-25 from start 1
          -- against the certified 1.4308e-25), and the standard errors
          -- scale with its square root. (J'J)^-1 itself is good to 11
          -- digits (from the QR as here, or from the SVD of J as SciPy's
          -- trf path: 3.01 digits instead of 2.99-3.00); SciPy lands at
          -- 3.4 and 4.3 digits from the two starts, by where the rounding
          -- noise puts its last iterate
          local sedig = name == "Lanczos1" and 2.9 or 3
          for k = 1, #d.cert do
            assert.is_true(digits(popt:get(k), d.cert[k]) >= 6,
              ("b%d %.12g vs %.12g"):format(k, popt:get(k), d.cert[k]))
            assert.is_true(digits(math.sqrt(pcov:get(k, k)), d.sd[k]) >= sedig,
              ("se%d %.8g vs %.8g"):format(k, math.sqrt(pcov:get(k, k)), d.sd[k]))
          end
        end)
        for _, m in ipairs{"trf", "lm"} do
          it(("%s from start %d: least_squares (%s, analytic jac)"):format(name, s, m), function()
            assert.is_not_nil(d, "NIST data not found")
            local p0 = s == 1 and d.start1 or d.start2
            local res = function(b)
              local y = M.f(d.x, unpackarr(b))
              for i = 1, #y do y[i] = y[i] - d.y[i] end
              return y
            end
            local jac = function(b) return M.jac(d.x, unpackarr(b)) end
            local r = opt.least_squares(res, p0, {method = m, jac = jac,
              x_scale = m == "trf" and "jac" or nil, ftol = 1e-15, xtol = 1e-15, gtol = 1e-15,
              max_nfev = 20000})
            for k = 1, #d.cert do
              assert.is_true(digits(r.x:get(k), d.cert[k]) >= 6,
                ("b%d %.12g vs %.12g"):format(k, r.x:get(k), d.cert[k]))
            end
          end)
        end
      end
    end
  end)
end)
