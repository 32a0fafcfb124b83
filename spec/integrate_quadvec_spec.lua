local np = require "lumpy"
local I = np.integrate
local fx = require("fixtures.integrate").quad_vec

local abs, exp, sin, cos, sqrt = math.abs, math.exp, math.sin, math.cos, math.sqrt
local inf = math.huge

local P = {
  powers = {function(x) local r = {} for k = 1, 5 do r[k] = x ^ k end return r end, 0, 2},
  gauss = {function(x) return exp(-x * x) end, -inf, inf},
  semi = {function(x) return {exp(-x), exp(-2 * x)} end, 0, inf},
  left = {function(x) return np.array{exp(x)} end, -inf, 0},
  kink_max = {function(x) return {sqrt(abs(x - 0.3)), sin(20 * x)} end, 0, 1,
              {points = {0.3}, norm = "max"}},
  sing = {function(x) return {1 / sqrt(x)} end, 0, 1},
  gk15 = {function(x) return {cos(x), sin(x)} end, 0, 3, {quadrature = "gk15"}},
  limit = {function(x) return {sin(1 / x)} end, 0, 1, {limit = 20}},
}

describe("lumpy.integrate", function()
  describe("quad_vec", function()
    for name, p in pairs(P) do
      it(name .. ": values, error and counts as SciPy", function()
        local ref = fx[name]
        local v, err, info = I.quad_vec(p[1], p[2], p[3], p[4])
        assert.are.equal(ref.neval, info.neval)
        assert.are.equal(ref.status, info.status)
        assert.are.equal(ref.status == 0, info.success)
        local t = type(v) == "number" and {v} or v:totable()
        assert.are.equal(#ref.value, #t)
        for i = 1, #t do
          assert.is_true(abs(t[i] - ref.value[i]) <= 1e-12 * (1 + abs(ref.value[i])),
            name .. ": " .. t[i] .. " vs " .. ref.value[i])
        end
        assert.is_true(abs(err - ref.abserr) <= 1e-6 * ref.abserr + 1e-300)
      end)
    end

    it("closed forms within the returned error", function()
      local v, err = I.quad_vec(function(x, a) return {a * x, x * x} end, 0, 3, {args = {2}})
      -- Gauss-Kronrod is exact on these polynomials: the estimate is rounding
      -- level (SciPy returns 4.27e-13), so "within err" cannot hide a wrong value
      assert.is_true(err < 1e-11, "error estimate " .. err)
      assert.is_true(abs(v:get(1) - 9) <= err + 1e-14)
      assert.is_true(abs(v:get(2) - 9) <= err + 1e-14)
      local g = I.quad_vec(function(x) return exp(-x * x) end, -inf, inf)
      assert.is_number(g)
      assert.is_true(abs(g - sqrt(math.pi)) < 1e-12)
    end)

    it("memory stays flat after many failing calls", function()
      local f = function(x) if x > 0.7 then error("late") end return {x, x} end
      for _ = 1, 50 do pcall(I.quad_vec, f, 0, 1) end
      collectgarbage()
      local before = collectgarbage("count")
      for _ = 1, 500 do pcall(I.quad_vec, f, 0, 1) end
      collectgarbage()
      assert.is_true(collectgarbage("count") - before < 100)
    end)

    it("nested inside quad, and quad inside it", function()
      local v = I.quad_vec(function(x)
        return {(I.quad(function(y) return x * y end, 0, 1)), x}
      end, 0, 1)
      assert.is_true(abs(v:get(1) - 0.25) < 1e-13)
      assert.is_true(abs(v:get(2) - 0.5) < 1e-13)
    end)

    it("errors: callback errors, changing sizes, bad options", function()
      local ok, e = pcall(I.quad_vec, function() error("vec boom") end, 0, 1)
      assert.is_false(ok)
      assert.is_truthy(e:find("lumpy.integrate.quad_vec: ", 1, true))
      local n = 0
      ok, e = pcall(I.quad_vec, function() n = n + 1; return n < 5 and {1, 2} or {1} end, 0, 1)
      assert.is_false(ok)
      assert.is_truthy(e:find("must have 2 elements, got 1", 1, true))
      assert.has_error(function() I.quad_vec(1, 0, 1) end,
        "bad argument #1 to 'quad_vec' (function expected, got number)")
      assert.has_error(function() I.quad_vec(print, 0, 1, {norm = "1"}) end,
        "bad argument #4 to 'quad_vec' (option 'norm' must be '2' or 'max')")
      assert.has_error(function() I.quad_vec(print, 0, 1, {quadrature = "trapz"}) end,
        "bad argument #4 to 'quad_vec' (option 'quadrature' must be 'gk21' or 'gk15')")
      assert.has_error(function() I.quad_vec(print, 0, 1, {bad = 1}) end,
        "bad argument #4 to 'quad_vec' (unknown option 'bad')")
    end)
  end)
end)
