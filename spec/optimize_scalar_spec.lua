local np = require "lumpy"
local opt = np.optimize
local fx = dofile("spec/fixtures/optimize.lua")

local function close(a, b, rtol, atol)
  return math.abs(a - b) <= (atol or 0) + (rtol or 1e-12) * math.abs(b)
end

local SCALAR = {
  cubic = {function(x) return x ^ 3 - 2 * x - 5 end, function(x) return 3 * x ^ 2 - 2 end,
           function(x) return 6 * x end},
  cosx = {function(x) return math.cos(x) - x end, function(x) return -math.sin(x) - 1 end,
          function(x) return -math.cos(x) end},
  expm2 = {function(x) return math.exp(x) - 2 end, math.exp, math.exp},
  steep = {function(x) return math.atan(1000 * (x - 0.3)) end,
           function(x) return 1000 / (1 + (1000 * (x - 0.3)) ^ 2) end,
           function(x) return -2e9 * (x - 0.3) / (1 + (1000 * (x - 0.3)) ^ 2) ^ 2 end},
}

local MINS = {
  sinquad = function(x) return (x - 1.5) ^ 2 + math.sin(x) end,
  quartic = function(x) return x ^ 4 - 3 * x ^ 2 + x end,
  absexp = function(x) return math.exp(math.abs(x - 0.7)) + 0.1 * x end,
}

describe("lumpy.optimize", function()
  describe("bracketing root finders", function()
    for _, c in ipairs(fx.roots) do
      it(c.method .. " on " .. c.fn .. " matches SciPy (root, iterations, calls)", function()
        local calls = 0
        local f = SCALAR[c.fn][1]
        local x, r = opt[c.method](function(t) calls = calls + 1 return f(t) end, c.a, c.b)
        assert.is_true(close(x, c.root, 4 * 2.2e-16, 2e-12))
        assert.are.equal(c.function_calls, r.function_calls)
        assert.are.equal(c.function_calls, calls)
        assert.are.equal(c.iterations, r.iterations)
        assert.is_true(r.converged)
        assert.are.equal("converged", r.flag)
        assert.are.equal(x, r.root)
      end)
    end

    it("passes args after x", function()
      local x = opt.brentq(function(t, a, b) return t * t - a - b end, 0, 3, {args = {1, 1}})
      assert.is_true(close(x, math.sqrt(2), 1e-12))
    end)

    it("accepts callables and returns an exact root at an end point", function()
      local obj = setmetatable({}, {__call = function(_, t) return t - 1 end})
      local x, r = opt.brentq(obj, 1, 3)
      assert.are.equal(1, x)
      assert.are.equal(2, r.function_calls)
    end)

    it("raises on a sign error and on bad tolerances", function()
      local f = function(t) return t * t + 1 end
      for _, m in ipairs{"brentq", "brenth", "ridder", "bisect", "toms748"} do
        assert.has_error(function() opt[m](f, 0, 1) end,
          "lumpy.optimize." .. m .. ": f(a) and f(b) must have different signs")
        local ok, err = pcall(opt[m], f, 0, 1)
        assert.is_false(ok)
        assert.truthy(err:find("different signs", 1, true) or err:find("bracket", 1, true))
      end
      assert.has_error(function() opt.brentq(f, -1, 1, {xtol = 0}) end,
        "lumpy.optimize.brentq: xtol too small (0 <= 0)")
      assert.has_error(function() opt.brentq(f, -1, 1, {rtol = 1e-20}) end,
        "lumpy.optimize.brentq: rtol too small (1e-20 < 8.8817841970013e-16)")
      assert.has_error(function() opt.brentq(f, -1, 1, {bogus = 1}) end,
        "lumpy.optimize.brentq: unknown option 'bogus'")
      assert.has_error(function() opt.brentq(f, "a", 1) end,
        "lumpy.optimize.brentq: a must be a number, got string")
      assert.has_error(function() opt.brentq(42, 0, 1) end,
        "bad argument #1 to 'brentq' (function expected, got number)")
      assert.has_error(function() opt.toms748(function(t) return t end, 1, -1) end,
        "lumpy.optimize.toms748: a and b are not an interval [1, -1]")
    end)

    it("reports non-convergence as a result with disp = false, an error otherwise", function()
      local f = function(t) return t - 0.123456789 end
      local x, r = opt.bisect(f, 0, 1, {maxiter = 5, disp = false})
      assert.is_false(r.converged)
      assert.are.equal("convergence error", r.flag)
      assert.error_matches(function() opt.bisect(f, 0, 1, {maxiter = 5}) end,
        "lumpy%.optimize%.bisect: failed to converge after 5 iterations, value is ")
      local ok, err = pcall(opt.bisect, f, 0, 1, {maxiter = 5})
      assert.truthy(err:find("lumpy.optimize.bisect: failed to converge", 1, true))
      assert.is_number(x)
    end)

    it("toms748 rejects non-finite values", function()
      assert.has_error(function() opt.toms748(function(t) return 0 / 0 end, 0, 1) end,
        "lumpy.optimize.toms748: invalid function value at x = 0.0")
    end)
  end)

  describe("newton", function()
    for _, c in ipairs(fx.newton) do
      it(c.kind .. " on " .. c.fn .. " matches SciPy", function()
        local f, d1, d2 = SCALAR[c.fn][1], SCALAR[c.fn][2], SCALAR[c.fn][3]
        local x, r
        if c.kind == "newton" then x, r = opt.newton(f, c.x0, {fprime = d1})
        elseif c.kind == "halley" then x, r = opt.newton(f, c.x0, {fprime = d1, fprime2 = d2})
        else x, r = opt.newton(f, c.x0) end
        assert.is_true(close(x, c.root, 1e-10, 1e-12))
        assert.are.equal(c.iterations, r.iterations)
        assert.are.equal(c.function_calls, r.function_calls)
      end)
    end

    it("secant and halley are also direct functions", function()
      local f, d1, d2 = table.unpack(SCALAR.cubic)
      local x = opt.secant(f, 2, {x1 = 2.1})
      assert.is_true(close(x, 2.0945514815423265, 1e-10))
      x = opt.halley(f, 2, {fprime = d1, fprime2 = d2})
      assert.is_true(close(x, 2.0945514815423265, 1e-10))
      assert.has_error(function() opt.halley(f, 2, {fprime = d1}) end,
        "lumpy.optimize.halley: fprime and fprime2 are required")
    end)

    it("fprime = true: f returns the value and the derivative", function()
      local calls = 0
      local x, r = opt.newton(function(t) calls = calls + 1 return t ^ 3 - 2 * t - 5, 3 * t ^ 2 - 2 end,
        2, {fprime = true})
      assert.is_true(close(x, 2.0945514815423265, 1e-10))
      assert.are.equal(r.iterations, calls)
    end)

    it("reports a zero derivative", function()
      local ok, err = pcall(opt.newton, function(t) return t * t + 1 end, 0, {fprime = function(t) return 2 * t end})
      assert.is_false(ok)
      assert.truthy(err:find("derivative was zero", 1, true))
      local _, r = opt.newton(function(t) return t * t + 1 end, 0,
        {fprime = function(t) return 2 * t end, disp = false})
      assert.is_false(r.converged)
    end)

    it("validates tol and maxiter", function()
      assert.has_error(function() opt.newton(math.sin, 1, {tol = -1}) end,
        "lumpy.optimize.newton: tol too small (-1 <= 0)")
      assert.has_error(function() opt.newton(math.sin, 1, {maxiter = 0}) end,
        "lumpy.optimize.newton: maxiter must be greater than 0")
      assert.has_error(function() opt.newton(math.sin, 1, {x1 = 1}) end,
        "lumpy.optimize.newton: x1 and x0 must be different")
    end)
  end)

  describe("root_scalar", function()
    it("picks brentq for a bracket, newton for fprime, secant for x0 and x1", function()
      local f, d1, d2 = table.unpack(SCALAR.cubic)
      local r = opt.root_scalar(f, {bracket = {2, 3}})
      assert.are.equal(fx.roots[1].function_calls, r.function_calls)
      assert.is_true(r.converged)
      r = opt.root_scalar(f, {x0 = 2, fprime = d1})
      assert.is_true(close(r.root, 2.0945514815423265, 1e-10))
      r = opt.root_scalar(f, {x0 = 2, x1 = 2.5})
      assert.is_true(close(r.root, 2.0945514815423265, 1e-10))
      r = opt.root_scalar(f, {x0 = 2, fprime = d1, fprime2 = d2})
      assert.is_true(close(r.root, 2.0945514815423265, 1e-10))
      for _, m in ipairs{"brentq", "brenth", "ridder", "bisect", "toms748"} do
        r = opt.root_scalar(f, {method = m, bracket = {2, 3}})
        assert.is_true(close(r.root, 2.0945514815423265, 1e-10))
      end
      r = opt.root_scalar(f, {method = "bisect", bracket = {2, 3}, maxiter = 3})
      assert.is_false(r.converged)
    end)

    it("raises when it cannot choose or the method is unknown", function()
      assert.has_error(function() opt.root_scalar(math.sin, {}) end,
        "lumpy.optimize.root_scalar: unable to select a solver as neither bracket nor x0 is given")
      assert.has_error(function() opt.root_scalar(math.sin, {method = "nope", x0 = 1}) end,
        "lumpy.optimize.root_scalar: unknown method 'nope'")
      assert.has_error(function() opt.root_scalar(math.sin, {method = "brentq", x0 = 1}) end,
        "lumpy.optimize.root_scalar: method 'brentq' needs bracket = {a, b}")
      assert.has_error(function() opt.root_scalar(math.sin, {method = "halley", x0 = 1}) end,
        "lumpy.optimize.root_scalar: method 'halley' needs fprime and fprime2")
    end)
  end)

  describe("minimize_scalar", function()
    for _, c in ipairs(fx.minscalar) do
      local label = c.method .. " on " .. c.fn .. (c.bracket and " bracket" or "")
      it(label .. " matches SciPy", function()
        local r = opt.minimize_scalar(MINS[c.fn], {method = c.method, bracket = c.bracket,
          bounds = c.bounds})
        assert.is_true(close(r.x, c.x, 1e-9, 1e-12))
        assert.is_true(close(r.fun, c.fun, 1e-12, 1e-15))
        assert.are.equal(c.nfev, r.nfev)
        assert.are.equal(c.nit, r.nit)
        assert.are.equal(c.success, r.success)
      end)
    end

    it("uses bounded when bounds are given", function()
      local r = opt.minimize_scalar(MINS.sinquad, {bounds = {0, 3}})
      assert.is_true(r.success)
      assert.are.equal("Solution found.", r.message)
    end)

    it("validates brackets and bounds", function()
      local f = MINS.quartic
      assert.has_error(function() opt.minimize_scalar(f, {bracket = {0, 1, 0.5}}) end,
        "lumpy.optimize.minimize_scalar: bracketing values (xa, xb, xc) must satisfy xa < xb < xc")
      assert.has_error(function() opt.minimize_scalar(f, {bracket = {0}}) end,
        "lumpy.optimize.minimize_scalar: bracket must have 2 or 3 numbers, got 1")
      assert.has_error(function() opt.minimize_scalar(f, {bracket = 3}) end,
        "lumpy.optimize.minimize_scalar: bracket must be a table of 2 or 3 numbers, got number")
      assert.has_error(function() opt.minimize_scalar(f, {bracket = {0, "x"}}) end,
        "lumpy.optimize.minimize_scalar: bracket must hold numbers")
      -- a kernel's message carries no position inside lumpy's own Lua files
      local ok, err = pcall(opt.minimize_scalar, f, {bracket = {0}})
      assert.is_false(ok)
      assert.is_nil(err:find("lumpy/optimize.lua", 1, true), err)
      assert.has_error(function() opt.minimize_scalar(f, {method = "bounded"}) end,
        "lumpy.optimize.minimize_scalar: method 'bounded' needs bounds = {lo, hi}")
      assert.has_error(function() opt.minimize_scalar(f, {bounds = {1, 0}}) end,
        "lumpy.optimize.minimize_scalar: the lower bound exceeds the upper bound")
      assert.has_error(function() opt.minimize_scalar(f, {bounds = {0, math.huge}}) end,
        "lumpy.optimize.minimize_scalar: optimization bounds must be finite scalars")
      assert.has_error(function() opt.minimize_scalar(f, {method = "brent", bounds = {0, 1}}) end,
        "lumpy.optimize.minimize_scalar: use of bounds needs method 'bounded'")
      assert.has_error(function() opt.minimize_scalar(f, {method = "simplex"}) end,
        "lumpy.optimize.minimize_scalar: unknown method 'simplex'")
      assert.has_error(function() opt.minimize_scalar(f, {frobnicate = 1}) end,
        "lumpy.optimize.minimize_scalar: unknown option 'frobnicate'")
    end)

    it("stops at maxiter with success = false", function()
      local r = opt.minimize_scalar(MINS.sinquad, {method = "bounded", bounds = {0, 3}, maxiter = 3})
      assert.is_false(r.success)
      assert.are.equal(1, r.status)
      r = opt.minimize_scalar(MINS.sinquad, {method = "brent", maxiter = 2})
      assert.is_false(r.success)
    end)

    it("reports NaN objectives", function()
      local r = opt.minimize_scalar(function() return 0 / 0 end, {method = "bounded", bounds = {0, 1}})
      assert.is_false(r.success)
      assert.are.equal(2, r.status)
    end)
  end)

  describe("bracket", function()
    it("brackets a minimum downhill", function()
      local xa, xb, xc, fa, fb, fc, n = opt.bracket(MINS.quartic, 0, 1)
      assert.is_true(fb < fa and fb < fc)
      assert.is_true((xa - xb) * (xb - xc) > 0)
      assert.is_true(n >= 3)
    end)
  end)

  describe("scalar callbacks", function()
    it("an error in f reaches the caller with the kernel's name", function()
      local ok, err = pcall(opt.brentq, function() error("boom") end, 0, 1)
      assert.is_false(ok)
      assert.truthy(err:find("lumpy.optimize.brentq:", 1, true))
      assert.truthy(err:find("boom", 1, true))
    end)

    it("a table error object arrives unchanged", function()
      local obj = {code = 7}
      local ok, err = pcall(opt.minimize_scalar, function() error(obj) end, {})
      assert.is_false(ok)
      assert.are.equal(obj, err)
    end)

    it("a non-number result is a clear error", function()
      local ok, err = pcall(opt.brentq, function() return "x" end, 0, 1)
      assert.is_false(ok)
      assert.truthy(err:find("must return a number", 1, true))
      ok, err = pcall(opt.newton, function() return nil end, 1)
      assert.truthy(err:find("must return a number", 1, true))
    end)

    it("nested calls: an objective that itself calls brentq", function()
      local r = opt.minimize_scalar(function(a)
        local x = opt.brentq(function(t) return t * t - a end, 0, 10)
        return (x - 2) ^ 2
      end, {bounds = {1, 9}})
      assert.is_true(close(r.x, 4, 1e-4))
    end)
  end)
end)
