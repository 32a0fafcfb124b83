local np = require "lumpy"
local I = np.integrate
local fx = require("fixtures.integrate").multi

local abs = math.abs
local function near(a, b, tol)
  assert.is_true(abs(a - b) <= tol, tostring(a) .. " vs " .. tostring(b))
end
local function cosv(x)
  local t = x:totable()
  for i = 1, #t do t[i] = math.cos(t[i]) end
  return t
end

describe("lumpy.integrate", function()
  describe("fixed_quad", function()
    it("Gauss-Legendre of order n as SciPy", function()
      for _, n in ipairs{1, 2, 5, 20} do
        near(I.fixed_quad(cosv, 0, 1, {n = n}), fx["fixed" .. n], 1e-14)
      end
      near(I.fixed_quad(cosv, 0, 1, {n = 20}), math.sin(1), 1e-15)
      -- n points integrate polynomials of degree 2n - 1 exactly
      local v = I.fixed_quad(function(x)
        local t = x:totable()
        for i = 1, #t do t[i] = t[i] ^ 9 end
        return np.array(t)
      end, -1, 2, {n = 5})
      near(v, (2 ^ 10 - 1) / 10, 1e-12)
      near(I.fixed_quad(function(x, k) return {k * x:get(1)} end, 0, 2, {n = 1, args = {3}}), 6, 1e-15)
    end)
    it("rejects bad arguments", function()
      assert.has_error(function() I.fixed_quad(1, 0, 1) end,
        "bad argument #1 to 'fixed_quad' (function expected, got number)")
      assert.has_error(function() I.fixed_quad(cosv, 0, 1, {n = 1.5}) end,
        "bad argument #4 to 'fixed_quad' (option 'n' must be an integer)")
      assert.has_error(function() I.fixed_quad(cosv, 0, 1, {n = 0}) end,
        "bad argument #4 to 'fixed_quad' (order must be between 1 and 100000)")
      assert.has_error(function() I.fixed_quad(cosv, 0, 1, {foo = 1}) end,
        "bad argument #4 to 'fixed_quad' (unknown option 'foo')")
      assert.has_error(function() I.fixed_quad(cosv, 0, math.huge) end,
        "lumpy.integrate.fixed_quad: infinite integration limits")
      local ok, e = pcall(I.fixed_quad, function() return {1} end, 0, 1)
      assert.is_false(ok)
      assert.is_truthy(e:find("must have 5 elements, got 1", 1, true))
    end)
  end)

  describe("nquad", function()
    it("four constant ranges (SciPy's example), with the evaluation count", function()
      local v, err, info = I.nquad(function(x0, x1, x2, x3)
        return x0 * x1 * x3 ^ 2 + math.sin(x2) + 1
      end, {{0, 1}, {-1, 1}, {0.13, 0.8}, {-0.15, 1}})
      near(v, fx.nquad4.value, 1e-13)
      near(err, fx.nquad4.abserr, 1e-18)
      assert.are.equal(fx.nquad4.neval, info.neval)
    end)
    it("range functions get the outer variables and args", function()
      local v, _, info = I.nquad(function(x, y, a) return a * x * y end,
        {function(y, a) return 0, y end, {0, 1}}, {args = {3.0}})
      near(v, 3 / 8, 1e-15)
      assert.are.equal(fx.nquad_fn.neval, info.neval)
      v = I.nquad(function(x, y) return x * y end, {function(y) return {0, y} end, {0, 1}})
      near(v, 1 / 8, 1e-15)
    end)
    it("per-level options with points", function()
      local v = I.nquad(function(x, y) return x < 0.5 and 0 or y end, {{0, 1}, {0, 2}},
        {opts = {{points = {0.5}}, {epsrel = 1e-10}}})
      near(v, 1, 1e-13)
    end)
    it("rejects bad arguments", function()
      assert.has_error(function() I.nquad(1, {{0, 1}}) end,
        "bad argument #1 to 'nquad' (function expected, got number)")
      assert.has_error(function() I.nquad(print, {}) end,
        "bad argument #2 to 'nquad' (a list of ranges expected)")
      assert.has_error(function() I.nquad(print, {{0}}) end,
        "bad argument #2 to 'nquad' (range 1 must be {lo, hi} or a function)")
      assert.has_error(function() I.nquad(print, {{0, 1}}, {opts = {foo = 1}}) end,
        "bad argument #3 to 'nquad' (unknown option 'foo')")
    end)
  end)

  describe("dblquad and tplquad", function()
    it("dblquad(func(y, x), a, b, gfun, hfun)", function()
      local v, err = I.dblquad(function(y, x) return x * y * y end, 0, 2, 0,
        function(x) return x end)
      near(v, 32 / 15, 1e-14)
      near(err, fx.dbl.abserr, 1e-20)
    end)
    it("tplquad(func(z, y, x), ...) with q(x, y), r(x, y) and args", function()
      local v, err = I.tplquad(function(z, y, x, a) return a * x * y * z end, 1, 2, 2, 3, 0,
        function(x, y) return x + y end, {args = {2.0}})
      near(v, fx.tpl.value, 1e-12)
      assert.is_true(err < 1e-10)
    end)
  end)
end)
