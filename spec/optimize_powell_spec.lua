local np = require "lumpy"
local opt = np.optimize
local fx = dofile("spec/fixtures/optimize2.lua")
local mgh = dofile("spec/fixtures/mgh.lua")

local function close(a, b, rtol, atol)
  return math.abs(a - b) <= (atol or 0) + (rtol or 1e-12) * math.abs(b)
end

local rosen = mgh.objectives.rosenbrock

describe("lumpy.optimize", function()
  describe("minimize Powell: More-Garbow-Hillstrom problems", function()
    for _, c in ipairs(fx.powell) do
      local tight = c.opts.xtol ~= nil
      it(c.problem .. (tight and " (tight tolerances)" or "") .. " (SciPy nfev " .. c.nfev .. ")",
        function()
          local o = {method = "Powell"}
          for k, v in pairs(c.opts) do o[k] = v end
          local r = opt.minimize(mgh.objectives[c.problem], c.x0, o)
          assert.are.equal(c.status, r.status)
          assert.are.equal(c.success, r.success)
          assert.are.equal(#c.x0, r.x.size)
          -- SciPy's minimum, and the published one where SciPy reaches it
          assert.is_true(r.fun <= c.fun + 1e-8 * (1 + math.abs(c.fun)),
            ("fun %.12g vs scipy %.12g"):format(r.fun, c.fun))
          if close(c.fun, c.fmin_published, 1e-4, 1e-6) then
            assert.is_true(close(r.fun, c.fmin_published, 1e-4, 1e-6))
          end
          -- the same path as SciPy: evaluation and iteration counts
          assert.is_true(math.abs(r.nfev - c.nfev) <= 0.1 * c.nfev,
            ("nfev %d vs scipy %d"):format(r.nfev, c.nfev))
          assert.is_true(math.abs(r.nit - c.nit) <= math.max(1, 0.1 * c.nit),
            ("nit %d vs scipy %d"):format(r.nit, c.nit))
          assert.are.same({#c.x0, #c.x0}, r.direc.shape)
          assert.is_nil(r.jac)
        end)
    end
  end)

  describe("minimize Powell: bounds and options", function()
    local extra = {}
    for _, c in ipairs(fx.powell_extra) do extra[c.label] = c end

    local function check(r, c)
      assert.are.equal(c.status, r.status)
      assert.are.equal(c.nfev, r.nfev)
      assert.are.equal(c.nit, r.nit)
      assert.is_true(close(r.fun, c.fun, 1e-9, 1e-14), ("%.14g vs %.14g"):format(r.fun, c.fun))
      for i = 1, 2 do assert.is_true(close(r.x:get(i), c.x[i], 1e-8, 1e-10)) end
    end

    it("two-sided bounds: the line searches stay inside (fminbound)", function()
      local c = extra.bounds2
      local r = opt.minimize(rosen, {-1.2, 1}, {method = "Powell", bounds = {{-2, 2}, {-2, 2}}})
      check(r, c)
    end)

    it("bounds that cut the valley: the constrained minimum", function()
      local c = extra.bounds
      local r = opt.minimize(rosen, {-1.2, 1}, {method = "Powell",
        bounds = {{-2, 0.5}, {0, math.huge}}})
      check(r, c)
      assert.is_true(r.x:get(1) >= -2 and r.x:get(1) <= 0.5 and r.x:get(2) >= 0)
    end)

    it("one-sided bounds (the arctan map); nil means unbounded", function()
      local c = extra.lower_only
      local r = opt.minimize(rosen, {-1.2, 1}, {method = "Powell",
        bounds = {{0, nil}, {1.5, nil}}})
      check(r, c)
      assert.is_true(r.x:get(1) >= 0 and r.x:get(2) >= 1.5)
    end)

    it("maxfev stops mid line search as SciPy does", function()
      local c = extra.maxfev
      local r = opt.minimize(rosen, {-1.2, 1}, {method = "Powell", maxfev = 30})
      check(r, c)
      assert.are.equal(1, r.status)
      assert.is_false(r.success)
      assert.are.equal("Maximum number of function evaluations has been exceeded.", r.message)
    end)

    it("maxiter", function()
      local c = extra.maxiter
      local r = opt.minimize(rosen, {-1.2, 1}, {method = "Powell", options = {maxiter = 3}})
      check(r, c)
      assert.are.equal(2, r.status)
    end)

    it("direc: the initial directions, returned updated", function()
      local c = extra.direc
      local r = opt.minimize(rosen, {-1.2, 1}, {method = "Powell",
        direc = np.array{{1.0, 1.0}, {1.0, -1.0}}})
      check(r, c)
      for i = 1, 2 do for j = 1, 2 do
        assert.is_true(close(r.direc:get(i, j), c.direc[i][j], 1e-6, 1e-9))
      end end
      local r2 = opt.minimize(rosen, {-1.2, 1}, {method = "Powell", direc = {{1, 1}, {1, -1}}})
      assert.are.equal(r.nfev, r2.nfev)
    end)

    it("tol sets xtol and ftol", function()
      check(opt.minimize(rosen, {-1.2, 1}, {method = "Powell", tol = 1e-10}), extra.tol)
    end)

    it("x0 as an array (also non-contiguous) or a number; args", function()
      local a = np.array{{-1.2, 0}, {1, 0}}
      local r1 = opt.minimize(rosen, a.T[1], {method = "Powell"})
      local r2 = opt.minimize(rosen, {-1.2, 1}, {method = "Powell"})
      assert.are.equal(r2.nfev, r1.nfev)
      assert.are.equal(r2.fun, r1.fun)
      local r = opt.minimize(function(x, k) return (x:get(1) - k) ^ 2 end, 0,
        {method = "Powell", args = {3}})
      assert.is_true(close(r.x:get(1), 3, 1e-6))
    end)

    it("callback(xk) each iteration; returning true stops", function()
      local n = 0
      local r = opt.minimize(rosen, {-1.2, 1}, {method = "Powell", callback = function(xk)
        n = n + 1
        assert.are.equal(2, xk.size)
      end})
      assert.are.equal(r.nit, n)
      r = opt.minimize(rosen, {-1.2, 1}, {method = "Powell", callback = function() return true end})
      assert.are.equal(1, r.nit)
      assert.is_false(r.success)
    end)

    it("a start outside the bounds: SciPy's status and counts", function()
      local c = extra.outside
      local r = opt.minimize(function(x) return x:get(1) * x:get(1) + x:get(2) * x:get(2) end,
        {5, 0}, {method = "Powell", bounds = {{-1, 1}, {-1, 1}}})
      check(r, c)
    end)

    it("rejects constraints and bad direc", function()
      assert.has_error(function()
        opt.minimize(rosen, {1, 1}, {method = "Powell", constraints = {type = "eq", fun = rosen}})
      end, "lumpy.optimize.minimize: method 'Powell' cannot handle constraints")
      assert.has_error(function() opt.minimize(rosen, {1, 1}, {method = "Powell", direc = {{1, 0}}}) end,
        "lumpy.optimize.minimize: direc must be a 2 x 2 matrix")
      assert.has_error(function() opt.minimize(rosen, {1, 1}, {method = "Powell", direc = "x"}) end,
        "cannot make an array from a string")
      assert.has_error(function() opt.minimize(rosen, {1, 1}, {method = "Powell", bounds = {{0, 1}}}) end,
        "lumpy.optimize.minimize: 1 bounds given for 2 variables")
    end)
  end)

  describe("minimize Powell: misbehaving objectives", function()
    it("string errors get the kernel name, table errors arrive unchanged", function()
      local ok, err = pcall(opt.minimize, function() error("bad thing") end, {1, 2}, {method = "Powell"})
      assert.is_false(ok)
      assert.truthy(err:find("lumpy.optimize.minimize:", 1, true))
      assert.truthy(err:find("bad thing", 1, true))
      local obj = {}
      ok, err = pcall(opt.minimize, function() error(obj) end, {1, 2}, {method = "Powell"})
      assert.are.equal(obj, err)
      -- an error in the middle of a line search
      local n = 0
      ok, err = pcall(opt.minimize, function(x)
        n = n + 1
        if n == 17 then error(obj) end
        return rosen(x)
      end, {1, 2}, {method = "Powell"})
      assert.are.equal(obj, err)
      ok, err = pcall(opt.minimize, rosen, {1, 2}, {method = "Powell", callback = function() error(obj) end})
      assert.are.equal(obj, err)
    end)

    it("wrong return types are clear errors", function()
      local ok, err = pcall(opt.minimize, function() return nil end, {1, 2}, {method = "Powell"})
      assert.truthy(err:find("must be a number", 1, true))
      ok, err = pcall(opt.minimize, function() return {1, 2} end, {1, 2}, {method = "Powell"})
      assert.truthy(err:find("must be a number", 1, true))
    end)

    it("NaN objectives end without a crash", function()
      local r = opt.minimize(function() return 0 / 0 end, {1, 2}, {method = "Powell"})
      assert.are.equal(3, r.status)
      assert.is_false(r.success)
      r = opt.minimize(function(x) if x:get(1) > 1.5 then return 0 / 0 end return rosen(x) end,
        {1, 2}, {method = "Powell"})
      assert.is_number(r.fun)
    end)
  end)
end)
