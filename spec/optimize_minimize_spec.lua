local np = require "lumpy"
local opt = np.optimize
local fx = dofile("spec/fixtures/optimize.lua")
local mgh = dofile("spec/fixtures/mgh.lua")

local function close(a, b, rtol, atol)
  return math.abs(a - b) <= (atol or 0) + (rtol or 1e-12) * math.abs(b)
end

local function rosen(x)
  local s = 0
  for i = 1, x.size - 1 do
    local a, b = x:get(i), x:get(i + 1)
    s = s + (100 * (b - a * a) ^ 2 + (1 - a) ^ 2)
  end
  return s
end

local function rosen_der(x)
  local n, g = x.size, {}
  for i = 1, n do g[i] = 0 end
  for i = 1, n - 1 do
    local a, b = x:get(i), x:get(i + 1)
    g[i] = g[i] - 400 * a * (b - a * a) - 2 * (1 - a)
    g[i + 1] = g[i + 1] + 200 * (b - a * a)
  end
  return g
end

-- cases where finite-difference rounding sends lumpy and SciPy down
-- different paths on badly conditioned problems: nfev is allowed 50%
local NFEV_LOOSE = {["ext_rosenbrock10 L-BFGS-B"] = true, ["brown_badly_scaled L-BFGS-B"] = true}
-- cases where SciPy's own run ends at maxiter or with precision loss: the
-- value must still be at least as good as SciPy's within rounding
local SUCCESS_MAY_DIFFER = {}

describe("lumpy.optimize", function()
  describe("minimize: More-Garbow-Hillstrom problems x methods", function()
    for _, c in ipairs(fx.matrix) do
      local key = c.problem .. " " .. c.method
      it(key .. " (SciPy nfev " .. c.nfev .. ")", function()
        local o = {method = c.method}
        if c.method == "Nelder-Mead" then
          o.maxiter, o.maxfev, o.xatol, o.fatol = 20000, 20000, 1e-8, 1e-12
        end
        local r = opt.minimize(mgh.objectives[c.problem], c.x0, o)
        assert.are.equal(#c.x0, r.x.size)
        if not SUCCESS_MAY_DIFFER[key] then assert.are.equal(c.success, r.success) end
        if c.success then
          -- reaches SciPy's minimum (and the published one where SciPy does)
          assert.is_true(r.fun <= c.fun + 1e-6 * (1 + math.abs(c.fun)),
            ("fun %.10g vs scipy %.10g"):format(r.fun, c.fun))
          if close(c.fun, c.fmin_published, 1e-4, 1e-6) then
            assert.is_true(close(r.fun, c.fmin_published, 1e-4, 1e-6))
          end
        else
          assert.is_true(r.fun <= c.fun * 1.5 + 1e-6, ("fun %.10g vs scipy %.10g"):format(r.fun, c.fun))
        end
        local tol = NFEV_LOOSE[key] and 0.5 or 0.1
        assert.is_true(math.abs(r.nfev - c.nfev) <= tol * c.nfev,
          ("nfev %d vs scipy %d"):format(r.nfev, c.nfev))
      end)
    end
  end)

  describe("minimize: gradients", function()
    for _, c in ipairs(fx.jacruns) do
      it(c.method .. " with jac = " .. c.jac .. " on 4-d Rosenbrock", function()
        local ntol = 0.1
        local jac = c.jac
        if jac == "none" then jac = nil elseif jac == "fn" then jac = rosen_der end
        local r = opt.minimize(rosen, {-1.2, 1.0, 0.5, 2.0}, {method = c.method, jac = jac})
        assert.is_true(close(r.fun, c.fun, 1e-5, 1e-9), ("%.12g vs %.12g"):format(r.fun, c.fun))
        for i = 1, 4 do assert.is_true(close(r.x:get(i), c.x[i], 1e-4, 1e-6)) end
        assert.is_true(math.abs(r.nfev - c.nfev) <= ntol * c.nfev, ("nfev %d vs %d"):format(r.nfev, c.nfev))
        assert.is_true(math.abs(r.njev - c.njev) <= ntol * c.njev)
        assert.are.equal(4, r.jac.size)
      end)
    end

    it("jac = true: fun returns the value and the gradient", function()
      local calls = 0
      local r = opt.minimize(function(x) calls = calls + 1 return rosen(x), rosen_der(x) end,
        {-1.2, 1}, {method = "BFGS", jac = true})
      assert.is_true(r.success)
      assert.is_true(close(r.x:get(1), 1, 1e-6))
      assert.are.equal(r.nfev, calls)
      assert.are.same({2, 2}, r.hess_inv.shape)
    end)

    it("the gradient may be an array", function()
      local r = opt.minimize(rosen, {-1.2, 1}, {jac = function(x) return np.array(rosen_der(x)) end})
      assert.is_true(r.success)
    end)

    it("default method is BFGS", function()
      local r = opt.minimize(rosen, {-1.2, 1})
      assert.is_not_nil(r.hess_inv)
      assert.is_true(r.success)
    end)

    it("approx_fprime and check_grad agree with SciPy", function()
      local x = {-1.2, 1.0, 0.5, 2.0}
      local g = opt.approx_fprime(x, rosen)
      for i = 1, 4 do
        assert.is_true(close(g:get(i), fx.extras.approx_fprime_rosen[i], 1e-12, 1e-12))
      end
      local e = opt.check_grad(rosen, rosen_der, x)
      assert.is_true(close(e, fx.extras.check_grad_rosen, 1e-9))
      local J = opt.approx_fprime({-1.2, 1.0}, mgh.residuals.rosenbrock)
      assert.are.same({2, 2}, J.shape)
      for i = 1, 2 do for j = 1, 2 do
        assert.is_true(close(J:get(i, j), fx.extras.approx_jac_rosenbrock[i][j], 1e-12, 1e-12))
      end end
    end)
  end)

  describe("minimize: L-BFGS-B with bounds", function()
    for _, c in ipairs(fx.bounded) do
      it(c.problem .. " jac = " .. c.jac .. " (SciPy nfev " .. c.nfev .. ")", function()
        local r = opt.minimize(mgh.objectives[c.problem], c.x0,
          {method = "L-BFGS-B", bounds = c.bounds, jac = c.jac ~= "none" and c.jac or nil})
        for i = 1, #c.x0 do
          local v = r.x:get(i)
          assert.is_true(v >= c.bounds[i][1] and v <= c.bounds[i][2], "bound " .. i)
          assert.is_true(close(v, c.x[i], 1e-4, 1e-6), ("x%d %.10g vs %.10g"):format(i, v, c.x[i]))
        end
        assert.is_true(close(r.fun, c.fun, 1e-6, 1e-10), ("%.12g vs %.12g"):format(r.fun, c.fun))
        assert.is_true(math.abs(r.nfev - c.nfev) <= 0.1 * c.nfev, ("nfev %d vs %d"):format(r.nfev, c.nfev))
        assert.are.equal(c.status, r.status)
      end)
    end

    for _, c in ipairs(fx.big) do
      it("100-d Rosenbrock with gradient" .. (c.bounded and " and bounds" or ""), function()
        local x0, b = {}, nil
        for i = 1, 100 do x0[i] = i % 2 == 1 and -1.2 or 1.0 end
        if c.bounded then
          b = {}
          for i = 1, 100 do b[i] = {-1, 0.8} end
        end
        local r = opt.minimize(rosen, x0, {method = "L-BFGS-B", jac = rosen_der, bounds = b})
        assert.is_true(close(r.fun, c.fun, 1e-6, 1e-8), ("%.12g vs %.12g"):format(r.fun, c.fun))
        assert.is_true(math.abs(r.nfev - c.nfev) <= 0.1 * c.nfev, ("nfev %d vs %d"):format(r.nfev, c.nfev))
        for i = 1, 100 do assert.is_true(close(r.x:get(i), c.x[i], 1e-3, 1e-4)) end
      end)
    end

    it("is the default with bounds; infinite and missing bounds mean none", function()
      local r = opt.minimize(rosen, {-1.2, 1}, {bounds = {{-math.huge, 0.5}, {}}})
      assert.is_true(r.message:find("CONVERGENCE", 1, true) ~= nil)
      assert.is_true(r.x:get(1) <= 0.5)
      assert.are.same({2, 2}, r.hess_inv:todense().shape)
    end)

    it("starts from x0 clipped into the box; fixed variables stay fixed", function()
      local r = opt.minimize(rosen, {5, 5}, {method = "L-BFGS-B", bounds = {{0.3, 0.3}, {-1, 1}}})
      assert.are.equal(0.3, r.x:get(1))
      assert.is_true(close(r.x:get(2), 0.09, 1e-6))
    end)

    it("maxiter, maxfun, tol and callback", function()
      local r = opt.minimize(rosen, {-1.2, 1}, {method = "L-BFGS-B", maxiter = 3})
      assert.are.equal(1, r.status)
      assert.are.equal(3, r.nit)
      r = opt.minimize(rosen, {-1.2, 1}, {method = "L-BFGS-B", maxfun = 10})
      assert.are.equal(1, r.status)
      local r1 = opt.minimize(rosen, {-1.2, 1}, {method = "L-BFGS-B", tol = 1e-12})
      local r2 = opt.minimize(rosen, {-1.2, 1}, {method = "L-BFGS-B"})
      assert.is_true(r1.fun <= r2.fun)
      r = opt.minimize(rosen, {-1.2, 1}, {method = "L-BFGS-B", callback = function() return true end})
      assert.are.equal(99, r.status)
    end)

    it("rejects bad bounds and reports errors from the objective", function()
      assert.has_error(function() opt.minimize(rosen, {1, 1}, {method = "L-BFGS-B", bounds = {{1, 0}, {0, 1}}}) end,
        "lumpy.optimize.minimize: lower bound 1 exceeds the upper bound")
      assert.has_error(function() opt.minimize(rosen, {1, 1}, {method = "L-BFGS-B", bounds = {{0, "x"}, {0, 1}}}) end,
        "lumpy.optimize.minimize: bound 1 must hold numbers")
      assert.has_error(function() opt.minimize(rosen, {1, 1}, {method = "L-BFGS-B", bounds = 3}) end,
        "lumpy.optimize.minimize: bounds must be a table of {lo, hi} pairs")
      local ok, err = pcall(opt.minimize, function() error("lb boom") end, {1, 1}, {method = "L-BFGS-B"})
      assert.truthy(err:find("lb boom", 1, true))
      local r = opt.minimize(function() return 0 / 0 end, {1, 1}, {method = "L-BFGS-B"})
      assert.is_false(r.success)
    end)
  end)

  describe("minimize: Nelder-Mead", function()
    for _, c in ipairs(fx.nm) do
      it(("n = %d adaptive = %s matches SciPy"):format(c.n, tostring(c.adaptive)), function()
        local x0 = {}
        for i = 1, c.n do x0[i] = i % 2 == 1 and -1.2 or 1.0 end
        local r = opt.minimize(rosen, x0, {method = "Nelder-Mead", adaptive = c.adaptive,
          maxiter = 40000, maxfev = 40000})
        assert.is_true(close(r.fun, c.fun, 1e-6, 1e-12))
        assert.is_true(math.abs(r.nfev - c.nfev) <= 0.1 * c.nfev, ("nfev %d vs %d"):format(r.nfev, c.nfev))
        assert.are.equal(c.status, r.status)
      end)
    end

    it("respects bounds", function()
      local r = opt.minimize(rosen, {-1.2, 1}, {method = "Nelder-Mead", bounds = {{-2, 0.5}, {0, 2}}})
      assert.is_true(r.x:get(1) <= 0.5 and r.x:get(1) >= -2)
      assert.is_true(close(r.fun, fx.nm_bounds.fun, 1e-6, 1e-10))
      assert.are.equal(fx.nm_bounds.nfev, r.nfev)
    end)

    it("stops at maxfev and maxiter", function()
      local r = opt.minimize(rosen, {-1.2, 1}, {method = "Nelder-Mead", maxfev = 20})
      assert.are.equal(1, r.status)
      assert.is_false(r.success)
      assert.is_true(r.nfev <= 20)
      r = opt.minimize(rosen, {-1.2, 1}, {method = "Nelder-Mead", maxiter = 5})
      assert.are.equal(2, r.status)
    end)

    it("tol sets xatol and fatol", function()
      local r1 = opt.minimize(rosen, {-1.2, 1}, {method = "Nelder-Mead", tol = 1e-10})
      local r2 = opt.minimize(rosen, {-1.2, 1}, {method = "Nelder-Mead", options = {xatol = 1e-10, fatol = 1e-10}})
      assert.are.equal(r1.nfev, r2.nfev)
    end)
  end)

  describe("minimize: options and callbacks", function()
    it("callback(xk) runs each iteration; returning true stops", function()
      local seen = 0
      local r = opt.minimize(rosen, {-1.2, 1}, {callback = function(xk)
        seen = seen + 1
        assert.are.equal(2, xk.size)
      end})
      assert.are.equal(r.nit, seen)
      for _, m in ipairs{"BFGS", "CG", "Nelder-Mead"} do
        r = opt.minimize(rosen, {-1.2, 1}, {method = m, callback = function() return true end})
        assert.are.equal(99, r.status)
        assert.is_false(r.success)
      end
    end)

    it("maxiter is honoured", function()
      local r = opt.minimize(rosen, {-1.2, 1}, {method = "CG", maxiter = 3})
      assert.are.equal(3, r.nit)
      assert.are.equal(1, r.status)
    end)

    it("args are passed after x", function()
      local r = opt.minimize(function(x, a, b) return (x:get(1) - a) ^ 2 + (x:get(2) - b) ^ 2 end,
        {0, 0}, {args = {3, -2}})
      assert.is_true(close(r.x:get(1), 3, 1e-6))
      assert.is_true(close(r.x:get(2), -2, 1e-6))
    end)

    it("x0 may be an array, transposed or not", function()
      local x0 = np.array{{-1.2}, {1.0}}
      local r = opt.minimize(rosen, x0.T, {method = "BFGS"})
      assert.are.equal(2, r.x.size)
      assert.is_true(r.success)
      assert.are.equal(-1.2, x0:get(1, 1))     -- not modified
    end)

    it("disp prints a summary", function()
      local old = io.write
      local out = {}
      io.write = function(...) for _, s in ipairs{...} do out[#out + 1] = s end end
      local ok = pcall(opt.minimize, rosen, {-1.2, 1}, {disp = true})
      io.write = old
      assert.is_true(ok)
      local text = table.concat(out)
      assert.truthy(text:find("Optimization terminated successfully.", 1, true))
      assert.truthy(text:find("Function evaluations: 117", 1, true))
    end)

    it("rejects unknown options, methods, bad jac and bounds", function()
      assert.has_error(function() opt.minimize(rosen, {1, 1}, {bogus = 1}) end,
        "lumpy.optimize.minimize: unknown option 'bogus'")
      assert.has_error(function() opt.minimize(rosen, {1, 1}, {method = "simplex"}) end,
        "lumpy.optimize.minimize: unknown method 'simplex'")
      assert.has_error(function() opt.minimize(rosen, {1, 1}, {jac = 5}) end,
        "bad argument #3 to 'minimize' (option 'jac' must be a function, got number)")
      assert.has_error(function() opt.root(function(x) return x end, {1}, {jac = 5}) end,
        "bad argument #3 to 'root' (option 'jac' must be a function, got number)")
      assert.has_error(function() opt.least_squares(function(x) return x end, {1}, {jac = 5}) end,
        "bad argument #3 to 'least_squares' (option 'jac' must be a function, got number)")
      assert.has_error(function()
        opt.curve_fit(function(x, a) return x end, {1, 2}, {1, 2}, {1}, {jac = 5})
      end, "bad argument #5 to 'curve_fit' (option 'jac' must be a function, got number)")
      assert.has_error(function() opt.minimize(rosen, {1, 1}, {method = "BFGS", bounds = {{0, 1}, {0, 1}}}) end,
        "lumpy.optimize.minimize: method 'BFGS' cannot handle bounds")
      assert.has_error(function() opt.minimize(rosen, {1, 1}, {method = "Nelder-Mead", bounds = {{0, 1}}}) end,
        "lumpy.optimize.minimize: 1 bounds given for 2 variables")
      assert.has_error(function() opt.minimize(rosen, {1, 1}, {method = "Nelder-Mead", bounds = {{1, 0}, {0, 1}}}) end,
        "lumpy.optimize.minimize: lower bound 1 exceeds the upper bound")
      assert.has_error(function() opt.minimize(rosen, {1, 1}, {maxiter = -1}) end,
        "lumpy.optimize.minimize: option 'maxiter' must be a nonnegative number")
      assert.has_error(function() opt.minimize(nil, {1, 1}) end,
        "bad argument #1 to 'minimize' (function expected, got nil)")
      assert.has_error(function() opt.minimize(rosen, {1, "a"}) end,
        "cannot make an array from a table holding a string")
    end)
  end)

  describe("minimize: misbehaving objectives", function()
    it("string errors get the kernel name, table errors arrive unchanged", function()
      for _, m in ipairs{"BFGS", "CG", "Nelder-Mead"} do
        local ok, err = pcall(opt.minimize, function() error("bad thing") end, {1, 2}, {method = m})
        assert.is_false(ok)
        assert.truthy(err:find("lumpy.optimize.minimize:", 1, true))
        assert.truthy(err:find("bad thing", 1, true))
        local obj = {}
        ok, err = pcall(opt.minimize, function() error(obj) end, {1, 2}, {method = m})
        assert.are.equal(obj, err)
      end
      local ok, err = pcall(opt.minimize, rosen, {1, 2}, {jac = function() error("in jac") end})
      assert.truthy(err:find("in jac", 1, true))
      local stop = {}
      ok, err = pcall(opt.minimize, rosen, {1, 2}, {callback = function() error(stop) end})
      assert.are.equal(stop, err)
    end)

    it("wrong return types and sizes are clear errors", function()
      local ok, err = pcall(opt.minimize, function() return nil end, {1, 2})
      assert.truthy(err:find("must be a number", 1, true))
      ok, err = pcall(opt.minimize, function() return "x" end, {1, 2}, {method = "Nelder-Mead"})
      assert.truthy(err:find("must be a number", 1, true))
      ok, err = pcall(opt.minimize, rosen, {1, 2}, {jac = function() return {1, 2, 3} end})
      assert.truthy(err:find("must have 2 elements", 1, true))
      ok, err = pcall(opt.minimize, rosen, {1, 2}, {jac = function() return {1, "a"} end})
      assert.truthy(err:find("element 2", 1, true))
      ok, err = pcall(opt.minimize, rosen, {1, 2}, {jac = function() return "g" end})
      assert.truthy(err:find("gradient", 1, true))
      ok, err = pcall(opt.minimize, function(x) return rosen(x) end, {1, 2}, {jac = true})
      assert.is_false(ok)
    end)

    it("NaN objectives end with success = false", function()
      for _, m in ipairs{"BFGS", "CG"} do
        local r = opt.minimize(function() return 0 / 0 end, {1, 2}, {method = m})
        assert.is_false(r.success)
      end
      local r = opt.minimize(function(x) if x:get(1) > 1.02 then return 0 / 0 end return rosen(x) end,
        {1, 2}, {method = "Nelder-Mead"})
      assert.is_number(r.fun)
    end)

    it("nested calls: an objective that calls minimize and brentq", function()
      local r = opt.minimize(function(x)
        local a = x:get(1)
        local inner = opt.minimize(function(y) return (y:get(1) - a) ^ 2 end, {0}, {method = "BFGS"})
        local z = opt.brentq(function(t) return t - a end, -100, 100)
        return (inner.x:get(1) - 2) ^ 2 + (z - 2) ^ 2
      end, {0}, {method = "Nelder-Mead"})
      assert.is_true(close(r.x:get(1), 2, 1e-3))
    end)

    it("10,000 failing calls leave memory flat", function()
      -- run in a fresh interpreter: RSS inside busted is dominated by
      -- allocator fragmentation from everything else the specs did
      local script = [[
        local np = require "lumpy"
        local opt = np.optimize
        local function rss()
          local f = io.open("/proc/self/statm")
          local _, res = f:read("n", "n")
          f:close()
          return res * 4
        end
        local f = function() error("fail") end
        local g = function() error({}) end
        local function run()
          for i = 1, 10000 do
            pcall(opt.minimize, (i % 2 == 0) and f or g, {1, 2, 3},
              {method = (i % 3 == 0) and "Nelder-Mead" or (i % 3 == 1) and "BFGS" or "CG"})
            pcall(opt.brentq, f, 0, 1)
            pcall(opt.minimize, function(x) return x:get(1) ^ 2 end, {1, 2},
              {jac = function() return {1, "x"} end})
            local k = i % 7
            if k == 0 then pcall(opt.least_squares, f, {1, 2}, {method = "trf"})
            elseif k == 1 then pcall(opt.least_squares, g, {1, 2}, {method = "lm"})
            elseif k == 2 then pcall(opt.root, f, {1, 2})
            elseif k == 3 then pcall(opt.curve_fit, f, {1, 2, 3}, {1, 2, 3}, {1})
            elseif k == 4 then pcall(opt.minimize, f, {1, 2}, {method = "CG"})
            elseif k == 5 then pcall(opt.minimize, g, {1, 2}, {method = "L-BFGS-B"})
            else pcall(opt.least_squares, g, {1, 2}, {bounds = {0, 3}}) end
          end
          collectgarbage() collectgarbage()
        end
        run()
        local m0, r0, b0 = collectgarbage("count"), rss(), np.memstats().live
        run()
        local m1, r1, b1 = collectgarbage("count"), rss(), np.memstats().live
        io.write(string.format("%.1f %d %d", m1 - m0, r1 - r0, b1 - b0))
      ]]
      local tmp = os.tmpname()
      local fh = assert(io.open(tmp, "w"))
      fh:write(script)
      fh:close()
      local p = assert(io.popen(string.format('LUA_PATH="%s" LUA_CPATH="%s" lua5.4 %s 2>&1',
        os.getenv("LUA_PATH") or "lua/?.lua;lua/?/init.lua;;",
        os.getenv("LUA_CPATH") or "lua/?.so;;", tmp)))
      local out = p:read("a")
      p:close()
      os.remove(tmp)
      local dm, dr, db = out:match("^(%S+) (%S+) (%S+)$")
      assert.is_not_nil(dm, out)
      assert.is_true(tonumber(dm) < 50, "lua heap grew by " .. dm .. " KB")
      -- array buffers, counted exactly by the pool
      assert.are.equal(0, tonumber(db), "array buffers grew by " .. db .. " bytes")
      -- RSS is a coarse guard only: with every block freed (valgrind finds
      -- no leak, and the two counts above stay flat) glibc's heap still
      -- grows by a few MB per 10,000 mixed failing calls from fragmentation,
      -- depending on the layout of the binary (AddressSanitizer's quarantine
      -- keeps freed memory: RSS says nothing there)
      if not os.getenv("ASAN_OPTIONS") then
        assert.is_true(tonumber(dr) < 16384, "rss grew by " .. dr .. " KB")
      end
    end)
  end)
end)
