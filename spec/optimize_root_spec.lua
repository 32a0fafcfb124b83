local np = require "lumpy"
local opt = np.optimize
local fx = dofile("spec/fixtures/optimize.lua")
local mgh = dofile("spec/fixtures/mgh.lua")

local function close(a, b, rtol, atol)
  return math.abs(a - b) <= (atol or 0) + (rtol or 1e-12) * math.abs(b)
end

local SYS = {
  sys1 = function(x)
    local a, b = x:get(1), x:get(2)
    return {a + 0.5 * (a - b) ^ 3 - 1, 0.5 * (b - a) ^ 3 + b}
  end,
}
setmetatable(SYS, {__index = mgh.residuals})

describe("lumpy.optimize", function()
  describe("root", function()
    for _, c in ipairs(fx.roots_nd) do
      it(("%s %s matches SciPy (nfev %d)"):format(c.method, c.system, c.nfev), function()
        local r = opt.root(SYS[c.system], c.x0, {method = c.method})
        assert.are.equal(c.success, r.success)
        assert.are.equal(c.status, r.status)
        for i = 1, #c.x0 do
          assert.is_true(close(r.x:get(i), c.x[i], 1e-6, 1e-9), ("x%d %.12g vs %.12g"):format(i, r.x:get(i), c.x[i]))
        end
        assert.is_true(math.abs(r.nfev - c.nfev) <= 0.1 * c.nfev, ("nfev %d vs %d"):format(r.nfev, c.nfev))
        if r.success and c.method == "hybr" then
          for i = 1, r.fun.size do assert.is_true(math.abs(r.fun:get(i)) < 1e-6) end
        end
      end)
    end

    it("uses an analytic Jacobian, args and options", function()
      local f = function(x, a) return {x:get(1) ^ 2 - a, x:get(2) - 1} end
      local jac = function(x) return {{2 * x:get(1), 0}, {0, 1}} end
      for _, m in ipairs{"hybr", "lm"} do
        local r = opt.root(f, {1, 0}, {method = m, jac = jac, args = {2}})
        assert.is_true(r.success)
        assert.is_true(close(r.x:get(1), math.sqrt(2), 1e-9))
        assert.is_number(r.njev)
        r = opt.root(f, {1, 0}, {method = m, args = {2}, options = {xtol = 1e-12}})
        assert.is_true(close(r.x:get(1), math.sqrt(2), 1e-11))
      end
      local r = opt.root(f, {1, 0}, {args = {2}, maxfev = 3})
      assert.are.equal(2, r.status)
      assert.is_false(r.success)
    end)

    it("reports errors and bad results", function()
      local ok, err = pcall(opt.root, function() error("sys boom") end, {1, 2})
      assert.truthy(err:find("lumpy.optimize.root:", 1, true))
      assert.truthy(err:find("sys boom", 1, true))
      local obj = {}
      ok, err = pcall(opt.root, function() error(obj) end, {1, 2}, {method = "lm"})
      assert.are.equal(obj, err)
      ok, err = pcall(opt.root, function() return {1} end, {1, 2})
      assert.truthy(err:find("must have 2 elements", 1, true))
      ok, err = pcall(opt.root, function(x) return {x:get(1), x:get(2)} end, {1, 2},
        {jac = function() return {1, 2, 3} end})
      assert.truthy(err:find("jac must return a 2 x 2 array", 1, true))
      assert.has_error(function() opt.root(SYS.sys1, {0, 0}, {method = "krylov"}) end,
        "lumpy.optimize.root: unknown method 'krylov'")
      assert.has_error(function() opt.root(SYS.sys1, {0, 0}, {bogus = 1}) end,
        "lumpy.optimize.root: unknown option 'bogus'")
      assert.has_error(function() opt.root(SYS.sys1, {0, 0}, {jac = true}) end,
        "lumpy.optimize.root: jac = true is not supported; pass the Jacobian function")
      assert.has_error(function() opt.root(SYS.sys1, {}) end, "lumpy.optimize.root: x0 must not be empty")
    end)
  end)
end)
