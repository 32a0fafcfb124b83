local np = require "lumpy"
local I = np.integrate
local fx = require "fixtures.integrate"

local exp, sqrt, log, cos, sin, abs, floor = math.exp, math.sqrt, math.log, math.cos,
  math.sin, math.abs, math.floor
local inf = math.huge

-- the same integrands as spec/fixtures/gen_integrate.py
local P = {
  gauss_cos = {function(x) return exp(-x * x) * cos(x) end, 0, 10},
  inv_sqrt = {function(x) return 1 / sqrt(x) end, 0, 1},
  log = {function(x) return log(x) end, 0, 1},
  log_over_sqrt = {function(x) return log(x) / sqrt(x) end, 0, 1},
  x_pow_m09 = {function(x) return x ^ -0.9 end, 0, 1},
  peak = {function(x) return 1 / ((x - 0.3) ^ 2 + 0.001) end, 0, 1},
  osc = {function(x) return x * sin(30 * x) end, 0, 2 * math.pi},
  cauchy_inf = {function(x) return 1 / (1 + x * x) end, -inf, inf},
  exp_semi = {function(x) return exp(-x) end, 0, inf},
  exp_left = {function(x) return exp(x) end, -inf, 0},
  gauss_inf = {function(x) return exp(-x * x) end, -inf, inf},
  decay_inf = {function(x) return exp(-x) / sqrt(x) end, 0, inf},
  floor_points = {function(x) return floor(x) end, 0, 5, {points = {1, 2, 3, 4}}},
  kink_points = {function(x) return abs(x - 1 / 3) end, 0, 1, {points = {1 / 3}}},
  sing_points = {function(x) return 1 / sqrt(abs(x - 0.5)) end, 0, 1, {points = {0.5}}},
  reversed = {function(x) return exp(x) end, 1, 0},
  tight = {function(x) return exp(-x * x) * cos(x) end, 0, 10, {epsabs = 0, epsrel = 1e-13}},
  sin_inv = {function(x) return sin(1 / x) end, 0, 1},
  limit3 = {function(x) return sqrt(x) * log(x) end, 0, 1, {limit = 3}},
}

local function close(a, b, rtol)
  return abs(a - b) <= rtol * abs(b) + 1e-300
end

describe("lumpy.integrate", function()
  describe("quad", function()
    for name, p in pairs(P) do
      local ref = fx.quad[name]
      it(name .. ": result, abserr and counts as QUADPACK (SciPy)", function()
        local v, err, info = I.quad(p[1], p[2], p[3], p[4])
        assert.are.equal(ref.neval, info.neval)
        assert.are.equal(ref.last, info.last)
        assert.is_true(close(v, ref.value, 1e-12), name .. ": " .. v .. " vs " .. ref.value)
        assert.is_true(close(err, ref.abserr, 1e-4), name .. ": " .. err .. " vs " .. ref.abserr)
        if ref.ier == 0 then
          assert.are.equal(0, info.ier)
          assert.is_nil(info.message)
          -- the true error is within abserr (with a little slack for the
          -- rounding of the exact value) and abserr is honest
          local actual = abs(v - ref.exact)
          assert.is_true(actual <= err + 4e-16 * abs(ref.exact),
            name .. ": error " .. actual .. " > abserr " .. err)
          local o = p[4] or {}
          local tol = math.max(o.epsabs or 1.49e-8, (o.epsrel or 1.49e-8) * abs(ref.exact))
          assert.is_true(err <= math.max(100 * actual, tol),
            name .. ": abserr " .. err .. " too pessimistic (error " .. actual .. ")")
        else
          assert.are.equal(1, info.ier)
          assert.is_true(info.warning)
          assert.is_truthy(info.message:find("maximum number of subdivisions"))
        end
      end)
    end

    -- weighted integrands (QAWC, QAWS, QAWO, QAWF), as in the fixture generator
    local W = {
      cauchy_const = {function() return 1 end, 0, 5, "cauchy", 2},
      cauchy_exp = {math.exp, -1, 1, "cauchy", 0.5},
      alg_chebyshev = {function() return 1 end, 0, 1, "alg", {-0.5, -0.5}},
      alg_loga = {math.exp, 0, 1, "alg-loga", {-0.5, 0}},
      alg_logb = {function(x) return 1 / (1 + x) end, 0, 1, "alg-logb", {0, 0.3}},
      alg_log = {function() return 1 end, 0, 1, "alg-log", {0, 0}},
      alg_mid = {math.cos, -1, 2, "alg", {0.5, -0.3}},
      cos_decay = {function(x) return exp(-x) end, 0, 10, "cos", 20},
      sin_lin = {function(x) return x end, 0, 3, "sin", 1.5},
      cos_short = {function(x) return exp(-x) end, 0, 0.5, "cos", 2},
      sin_many = {function(x) return log(1 + x) end, 0, 20, "sin", 50},
      sin_neg = {function(x) return x * x end, 0, 2, "sin", -3},
      qawf_cos = {function(x) return exp(-x) end, 0, inf, "cos", 2},
      qawf_sin = {function(x) return 1 / (1 + x * x) end, 0, inf, "sin", 3},
      qawf_left = {function(x) return exp(x) end, -inf, 0, "sin", 1},
      qawf_slow = {function(x) return 1 / sqrt(x + 1) end, 0, inf, "cos", 1},
    }
    for name, p in pairs(W) do
      local ref = fx.wquad[name]
      it("weight " .. p[4] .. " (" .. name .. "): result, abserr and counts as QUADPACK", function()
        local v, err, info = I.quad(p[1], p[2], p[3], {weight = p[4], wvar = p[5]})
        assert.are.equal(ref.neval, info.neval)
        assert.are.equal(ref.last, info.last or info.lst)
        assert.are.equal(0, info.ier)
        assert.is_true(close(v, ref.value, 1e-12), name .. ": " .. v .. " vs " .. ref.value)
        assert.is_true(abs(err - ref.abserr) <= 1e-3 * ref.abserr + 1e-15,
          name .. ": " .. err .. " vs " .. ref.abserr)
        local actual = abs(v - ref.exact)
        assert.is_true(actual <= err + 1e-14 * abs(ref.exact) + 1e-15,
          name .. ": error " .. actual .. " > abserr " .. err)
        local tol = math.max(1.49e-8, 1.49e-8 * abs(ref.exact))
        assert.is_true(err <= math.max(100 * actual, tol), name .. ": abserr too pessimistic")
      end)
    end

    it("weights: reversed limits, args and errors", function()
      local v = I.quad(function(x, k) return k end, 5, 0, {weight = "cauchy", wvar = 2, args = {2}})
      assert.is_true(close(v, -2 * fx.wquad.cauchy_const.exact, 1e-14))
      assert.has_error(function() I.quad(print, 0, 1, {weight = "tan", wvar = 1}) end,
        "bad argument #4 to 'quad' (unknown weight 'tan')")
      assert.has_error(function() I.quad(print, 0, 1, {weight = "alg", wvar = 1}) end,
        "bad argument #4 to 'quad' (option 'wvar' must be {alpha, beta} for this weight)")
      assert.has_error(function() I.quad(print, 0, 1, {weight = "cos"}) end,
        "bad argument #4 to 'quad' (option 'wvar' must be a number for this weight)")
      assert.has_error(function() I.quad(print, -inf, inf, {weight = "cos", wvar = 1}) end,
        "lumpy.integrate.quad: cannot integrate with this weight from -inf to inf")
      assert.has_error(function() I.quad(print, 0, inf, {weight = "cauchy", wvar = 1}) end,
        "lumpy.integrate.quad: cannot integrate with this weight over an infinite interval")
      assert.has_error(function() I.quad(print, 0, 1, {weight = "cauchy", wvar = 1}) end,
        "lumpy.integrate.quad: the Cauchy weight's c must not be a limit")
      assert.has_error(function() I.quad(print, 0, 1, {weight = "alg", wvar = {-1, 0}}) end,
        "lumpy.integrate.quad: the algebraic weight needs alpha > -1 and beta > -1")
      assert.has_error(function() I.quad(print, 0, inf, {weight = "cos", wvar = 1, limlst = 2}) end,
        "lumpy.integrate.quad: limlst must be at least 3")
      assert.has_error(function() I.quad(print, 0, 1, {weight = "cos", wvar = 1, maxp1 = 0}) end,
        "lumpy.integrate.quad: maxp1 must be at least 1")
      assert.has_error(function() I.quad(print, 0, inf, {weight = "cos", wvar = 1, epsabs = 0}) end,
        "lumpy.integrate.quad: epsabs must be positive")
      assert.has_error(function() I.quad(print, 0, 1, {weight = "alg", wvar = {0, 0}, limit = 1}) end,
        "lumpy.integrate.quad: limit must be at least 2 for this weight")
      assert.has_error(function()
        I.quad(print, 0, 1, {weight = "sin", wvar = 1, epsabs = 0, epsrel = 0})
      end, "lumpy.integrate.quad: tolerances too small (epsabs <= 0 and epsrel < 50 * eps)")
      -- QAWF with omega = 0 is QAGI (cos) or zero (sin)
      local v = I.quad(function(x) return exp(-x) end, 0, inf, {weight = "cos", wvar = 0})
      assert.is_true(close(v, 1, 1e-10))
      assert.are.equal(0, (I.quad(function(x) return exp(-x) end, 0, inf, {weight = "sin", wvar = 0})))
      local ok, e = pcall(I.quad, function() error("inside") end, 0, 1, {weight = "sin", wvar = 9})
      assert.is_false(ok)
      assert.is_truthy(e:find("inside", 1, true))
    end)

    it("passes args after x", function()
      local v = I.quad(function(x, a, b) return a * x * x + b end, 0, 2, {args = {3, 1}})
      assert.is_true(close(v, 10, 1e-14))
    end)

    it("accepts a callable table", function()
      local f = setmetatable({k = 2}, {__call = function(self, x) return self.k * x end})
      local v = I.quad(f, 0, 1)
      assert.is_true(close(v, 1, 1e-14))
    end)

    it("accepts break points as an array, ignoring duplicates and outside points", function()
      local v, _, info = I.quad(function(x) return floor(x) end, 0, 5,
        {points = np.array{4, 1, 3, 2, 2, 7, -1}})
      assert.is_true(close(v, 10, 1e-14))
      assert.are.equal(fx.quad.floor_points.neval, info.neval)
    end)

    it("nests: quad inside the integrand (reentrant)", function()
      local v, err = I.quad(function(x)
        return (I.quad(function(y) return x * y end, 0, 1))
      end, 0, 1)
      assert.is_true(close(v, 0.25, 1e-13))
      assert.is_true(err < 1e-10)
    end)

    it("zero-width and empty integrals", function()
      local v, err, info = I.quad(function(x) return x end, 1, 1)
      assert.are.equal(0, v)
      assert.are.equal(0, err)
      assert.are.equal(21, info.neval)
      -- (inf, inf) is QAGI from inf, as SciPy
      v, err, info = I.quad(function(x) return exp(-x) end, inf, inf)
      assert.are.equal(0, v)
      assert.are.equal(0, err)
      assert.are.equal(15, info.neval)
    end)

    it("propagates NaN integrands to the result", function()
      local v = I.quad(function(x) return 0 / 0 end, 0, 1)
      assert.is_true(v ~= v)
    end)

    it("callback errors reach the caller with the kernel name", function()
      local ok, e = pcall(I.quad, function(x) error("boom") end, 0, 1)
      assert.is_false(ok)
      assert.is_truthy(e:find("lumpy.integrate.quad: ", 1, true))
      assert.is_truthy(e:find("boom", 1, true))
      local obj = {code = 7}
      ok, e = pcall(I.quad, function(x) error(obj) end, 0, 1)
      assert.is_false(ok)
      assert.are.equal(obj, e)
    end)

    it("rejects wrong return types", function()
      local ok, e = pcall(I.quad, function(x) return "x" end, 0, 1)
      assert.is_false(ok)
      assert.is_truthy(e:find("must return a number", 1, true))
      ok, e = pcall(I.quad, function(x) return {1, 2} end, 0, 1)
      assert.is_false(ok)
      assert.is_truthy(e:find("must return a number", 1, true))
    end)

    it("memory stays flat after many failing calls", function()
      local f = function() error("fail") end
      for _ = 1, 200 do pcall(I.quad, f, 0, 1) end
      collectgarbage()
      local before = collectgarbage("count")
      for _ = 1, 2000 do pcall(I.quad, f, 0, 1, {limit = 1000}) end
      collectgarbage()
      assert.is_true(collectgarbage("count") - before < 100)
    end)

    it("rejects bad arguments", function()
      local f = function(x) return x end
      assert.has_error(function() I.quad(42, 0, 1) end,
        "bad argument #1 to 'quad' (function expected, got number)")
      assert.has_error(function() I.quad(f, "a", 1) end,
        "bad argument #2 to 'quad' (lower limit must be a number, got string)")
      assert.has_error(function() I.quad(f, 0, nil) end,
        "bad argument #3 to 'quad' (upper limit must be a number, got nil)")
      assert.has_error(function() I.quad(f, 0, 1, {foo = 1}) end,
        "bad argument #4 to 'quad' (unknown option 'foo')")
      assert.has_error(function() I.quad(f, 0, 1, {epsabs = "x"}) end,
        "bad argument #4 to 'quad' (option 'epsabs' must be a number)")
      assert.has_error(function() I.quad(f, 0, 1, {args = 3}) end,
        "bad argument #4 to 'quad' (option 'args' must be a table)")
      assert.has_error(function() I.quad(f, 0, 1, {points = "x"}) end,
        "bad argument #4 to 'quad' (option 'points' must be a table or an array)")
      assert.has_error(function() I.quad(f, 0, 1, {limit = 0}) end,
        "lumpy.integrate.quad: limit must be at least 1, got 0")
      assert.has_error(function() I.quad(f, 0, inf, {points = {1}}) end,
        "lumpy.integrate.quad: infinite limits cannot be used with break points")
      local ok, e = pcall(I.quad, f, 0, 1, {epsabs = 0, epsrel = 0})
      assert.is_false(ok)
      assert.is_truthy(e:find("tolerances too small", 1, true))
    end)
  end)
end)
