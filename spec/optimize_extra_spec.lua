local np = require "lumpy"
local opt = np.optimize
local fx = dofile("spec/fixtures/optimize3.lua")
local mgh = dofile("spec/fixtures/mgh.lua")

local function close(a, b, rtol, atol)
  return math.abs(a - b) <= (atol or 0) + rtol * math.abs(b)
end

-- the problems of spec/fixtures/gen_optimize3.py
local W, C = {1.0, 10.0, 100.0}, {1.0, 2.0, 3.0}
local function quad(x)
  local s = 0
  for i = 1, 3 do s = s + W[i] * (x:get(i) - C[i]) ^ 2 end
  return s + (x:get(1) * x:get(2)) ^ 2
end
local function quad_der(x)
  local g = {}
  for i = 1, 3 do g[i] = 2 * W[i] * (x:get(i) - C[i]) end
  local a, b = x:get(1), x:get(2)
  g[1] = g[1] + 2 * a * b * b
  g[2] = g[2] + 2 * b * a * a
  return g
end
local function rosen(x)
  local t, s = x:totable(), 0
  for i = 1, #t - 1 do s = s + 100 * (t[i + 1] - t[i] ^ 2) ^ 2 + (1 - t[i]) ^ 2 end
  return s
end
local function rosen_der(x)
  local t, g = x:totable(), {}
  local n = #t
  for i = 1, n do g[i] = 0 end
  for i = 1, n - 1 do
    g[i] = g[i] - 400 * t[i] * (t[i + 1] - t[i] ^ 2) - 2 * (1 - t[i])
    g[i + 1] = g[i + 1] + 200 * (t[i + 1] - t[i] ^ 2)
  end
  return g
end

describe("lumpy.optimize", function()
  describe("minimize L-BFGS-B hess_inv", function()
    local cases = {
      quad = {quad, quad_der, {0, 0, 0}, {}},
      rosen4_m3 = {rosen, rosen_der, {-1.2, 1, -1.2, 1}, {maxcor = 3}},
      rosen2_bounds = {rosen, rosen_der, {-1.2, 1}, {bounds = {{-2, 0.5}, {-1, 2}}}},
    }
    for name, c in pairs(cases) do
      it("matches SciPy's LbfgsInvHessProduct: " .. name, function()
        local e = fx[name]
        local o = {method = "L-BFGS-B", jac = c[2]}
        for k, v in pairs(c[4]) do o[k] = v end
        local r = opt.minimize(c[1], c[3], o)
        assert.are.equal(e.nfev, r.nfev)
        assert.are.equal(e.nit, r.nit)
        local H = r.hess_inv
        assert.are.equal(e.n_corrs, H.n_corrs)
        local n = #c[3]
        assert.are.same({n, n}, H.shape)
        local D = H:todense()
        assert.are.same({n, n}, D.shape)
        local big = 0
        for i = 1, n do for j = 1, n do big = math.max(big, math.abs(e.dense[i][j])) end end
        for i = 1, n do
          for j = 1, n do assert.is_true(close(D:get(i, j), e.dense[i][j], 1e-6, 1e-9 * big)) end
        end
        local v = {}
        for i = 1, n do v[i] = i end
        local mv, cv = H:matvec(v), H(np.array(v))
        for i = 1, n do
          assert.is_true(close(mv:get(i), e.matvec[i], 1e-6, 1e-9 * big))
          assert.are.equal(mv:get(i), cv:get(i))
        end
        -- matvec agrees with the dense matrix, also for a column vector
        local dv = D:matmul(np.array(v))
        local mc = H:matvec(np.array(v):reshape{n, 1})
        for i = 1, n do
          assert.is_true(close(mv:get(i), dv:get(i), 1e-10, 1e-12 * big))
          assert.are.equal(mv:get(i), mc:get(i))
        end
        assert.truthy(tostring(H):find("LbfgsInvHessProduct", 1, true))
      end)
    end

    it("is the identity when x0 is already optimal; matvec checks its vector", function()
      local r = opt.minimize(function(x) return (x * x):sum() end, {0, 0},
        {method = "L-BFGS-B", jac = function(x) return 2 * x end})
      assert.are.equal(0, r.hess_inv.n_corrs)
      assert.are.equal(np.eye(2), r.hess_inv:todense())
      assert.are.equal(np.array{3.0, 4.0}, r.hess_inv:matvec{3, 4})
      assert.has_error(function() r.hess_inv:matvec{1, 2, 3} end,
        "lumpy.optimize: hess_inv:matvec needs a vector of 2 elements")
    end)
  end)

  describe("least_squares dogbox", function()
    for _, c in ipairs(fx.dogbox) do
      local label = ("%s %s%s%s %s (SciPy nfev %d)"):format(c.problem, c.loss,
        c.bounds and " bounded" or "", c.x_scale == "jac" and " x_scale=jac" or "", c.jac, c.nfev)
      it(label, function()
        local r = opt.least_squares(mgh.residuals[c.problem], c.x0, {method = "dogbox",
          loss = c.loss, bounds = c.bounds or nil, x_scale = c.x_scale, jac = c.jac})
        assert.is_true(close(r.cost, c.cost, 1e-6, 1e-12), ("cost %.10g vs %.10g"):format(r.cost, c.cost))
        assert.is_true(math.abs(r.nfev - c.nfev) <= 0.1 * c.nfev, ("nfev %d vs %d"):format(r.nfev, c.nfev))
        assert.are.equal(c.status, r.status)
        assert.are.equal(r.status > 0, r.success)
        for i = 1, #c.x0 do
          assert.is_true(close(r.x:get(i), c.x[i], 1e-5, 1e-7), ("x%d %.10g vs %.10g"):format(i, r.x:get(i), c.x[i]))
          assert.are.equal(c.active_mask[i], r.active_mask:get(i))
          if c.bounds then
            assert.is_true(r.x:get(i) >= c.bounds[1][i] and r.x:get(i) <= c.bounds[2][i])
          end
        end
        local m = #mgh.residuals[c.problem](c.x0)
        assert.are.same({m, #c.x0}, r.jac.shape)
        assert.are.equal(m, r.fun.size)
        assert.are.equal(#c.x0, r.grad.size)
      end)
    end

    it("takes a Jacobian function, args, and x0 as an array", function()
      local res = function(x, k) return {k * (x:get(2) - x:get(1) ^ 2), 1 - x:get(1)} end
      local jac = function(x, k) return {{-2 * k * x:get(1), k}, {-1, 0}} end
      local r = opt.least_squares(res, np.array{-1.2, 1}, {method = "dogbox", jac = jac, args = {10}})
      assert.is_true(r.success)
      assert.is_true(close(r.x:get(1), 1, 1e-8))
      assert.are.equal(r.nfev >= r.njev, true)
    end)

    it("stops at max_nfev with status 0", function()
      local r = opt.least_squares(mgh.residuals.wood, {-3, -1, -3, -1}, {method = "dogbox", max_nfev = 5})
      assert.are.equal(0, r.status)
      assert.are.equal(5, r.nfev)
      assert.is_false(r.success)
    end)

    it("reports errors from fun and jac, and bad arguments", function()
      local f = mgh.residuals.rosenbrock
      local ok, err = pcall(opt.least_squares, function() error("boom") end, {1, 2}, {method = "dogbox"})
      assert.is_false(ok)
      assert.truthy(err:find("boom", 1, true))
      local obj = {}
      ok, err = pcall(opt.least_squares, function() error(obj) end, {1, 2}, {method = "dogbox"})
      assert.are.equal(obj, err)
      ok, err = pcall(opt.least_squares, f, {1, 2}, {method = "dogbox", jac = function() return {1, 2} end})
      assert.truthy(err:find("lumpy.optimize.least_squares: jac must return a 2 x 2 array", 1, true))
      ok, err = pcall(opt.least_squares, function(x) return x:get(1) > 1 and {1} or {1, 2} end,
        {1, 2}, {method = "dogbox"})
      assert.truthy(err:find("lumpy.optimize.least_squares: residuals must have 2 elements, got 1", 1, true))
      ok, err = pcall(opt.least_squares, function() return "x" end, {1, 2}, {method = "dogbox"})
      assert.truthy(err:find("lumpy.optimize.least_squares: residuals must be an array or a table of numbers, got string", 1, true))
      assert.has_error(function() opt.least_squares(f, {2, 2}, {method = "dogbox", bounds = {{0, 0}, {1, 1}}}) end,
        "lumpy.optimize.least_squares: x0 is infeasible")
      assert.has_error(function() opt.least_squares(f, {1, 1}, {method = "dogbox", loss = "l3"}) end,
        "lumpy.optimize.least_squares: unknown loss 'l3'")
      assert.has_error(function() opt.least_squares(f, {1, 1}, {method = "dogbox", f_scale = 0}) end,
        "lumpy.optimize.least_squares: f_scale must be positive")
      assert.has_error(function() opt.least_squares(f, {1, 1}, {method = "dogbox", x_scale = {1, -1}}) end,
        "lumpy.optimize.least_squares: x_scale must be 'jac' or positive numbers")
    end)

    it("reports errors raised mid-run, non-finite Jacobians and bad x_scale", function()
      local f = mgh.residuals.rosenbrock
      local calls = 0
      local ok, err = pcall(opt.least_squares, function(x)
        calls = calls + 1
        if calls > 6 then error("late boom") end
        return f(x)
      end, {-1.2, 1}, {method = "dogbox"})
      assert.is_false(ok)
      assert.truthy(err:find("lumpy.optimize.least_squares: ", 1, true))
      assert.truthy(err:find("late boom", 1, true))
      calls = 0
      ok, err = pcall(opt.least_squares, function(x)
        calls = calls + 1
        return calls == 2 and {0 / 0, 1} or f(x)
      end, {-1.2, 1}, {method = "dogbox"})
      assert.truthy(err:find("lumpy.optimize.least_squares: the Jacobian must be finite", 1, true))
      ok, err = pcall(opt.least_squares, function() return {1, 2} end, {1, 2}, {method = "dogbox",
        jac = function() error("jac boom") end})
      assert.truthy(err:find("jac boom", 1, true))
      for _, xs in ipairs{"foo", {1, 2, 3}, {1, 0}, false} do
        ok, err = pcall(opt.least_squares, f, {1, 1}, {method = "dogbox", x_scale = xs})
        assert.is_false(ok)
        assert.truthy(err:find("lumpy.optimize.least_squares: x_scale must be 'jac' or positive numbers", 1, true), err)
      end
      ok, err = pcall(opt.least_squares, f, {1, 1}, {method = "dogbox", x_scale = "foo"})
      assert.truthy(err:find("x_scale must be 'jac' or positive numbers", 1, true))
      ok, err = pcall(opt.least_squares, function() return {} end, {1, 2}, {method = "dogbox"})
      assert.truthy(err:find("fun must return at least one residual", 1, true))
    end)
  end)

  describe("least_squares dogbox on the NIST StRD problems", function()
    local N = dofile("spec/fixtures/nist.lua")
    local function unpackarr(b)
      local t = {}
      for k = 1, b.size do t[k] = b:get(k) end
      return table.unpack(t)
    end
    for _, name in ipairs{"MGH17", "Lanczos1", "Kirby2", "Hahn1"} do
      for s = 1, 2 do
        local e = fx.nist_dogbox[name .. "_" .. s]
        -- the tolerances of 1e-15 end these runs in rounding noise, so the
        -- counts differ from SciPy's; success and failure agree
        it(("%s from start %d (SciPy: %.1f digits, nfev %d)"):format(name, s, e.digits, e.nfev), function()
          local d, M = N.read(name), N.models[name]
          assert.is_not_nil(d, "NIST data not found")
          local res = function(b)
            local y = M.f(d.x, unpackarr(b))
            for i = 1, #y do y[i] = y[i] - d.y[i] end
            return y
          end
          local jac = function(b) return M.jac(d.x, unpackarr(b)) end
          local r = opt.least_squares(res, s == 1 and d.start1 or d.start2, {method = "dogbox",
            jac = jac, x_scale = "jac", ftol = 1e-15, xtol = 1e-15, gtol = 1e-15, max_nfev = 20000})
          local dig = math.huge
          for k = 1, #d.cert do
            dig = math.min(dig, -math.log(math.abs(r.x:get(k) - d.cert[k]) / math.abs(d.cert[k]), 10))
          end
          if e.digits >= 6 then assert.is_true(dig >= 6, ("%.1f digits"):format(dig))
          else assert.is_true(dig < 1, ("%.1f digits"):format(dig)) end
          assert.is_true(r.status > 0)
        end)
      end
    end
  end)

  describe("curve_fit dogbox", function()
    local xd = np.linspace(0, 4, 50)
    local yd = 2.5 * np.exp(-1.3 * xd) + 0.5 + 0.05 * np.sin(7 * xd)
    local model = function(x, a, b, c) return a * np.exp(-b * x) + c end
    local S = np.eye(50) * 0.01 + 0.001
    local cases = {
      plain = {},
      bounded_sigma = {bounds = {{0, 0, 0}, {2, 3, 1}}, sigma = 0.1 + xd / 10},
      sigma2d_absolute = {sigma = S, absolute_sigma = true},
    }
    for name, o in pairs(cases) do
      it("as SciPy: " .. name, function()
        local e = fx.curve_dogbox[name]
        local opts = {method = "dogbox", full_output = true}
        for k, v in pairs(o) do opts[k] = v end
        local p, c, info = opt.curve_fit(model, xd, yd, {1, 1, 1}, opts)
        assert.are.equal(e.nfev, info.nfev)
        for i = 1, 3 do
          assert.is_true(close(p:get(i), e.popt[i], 1e-7, 1e-12))
          for j = 1, 3 do
            assert.is_true(close(c:get(i, j), e.pcov[i][j], 1e-5, 1e-12 * math.abs(e.pcov[i][i])))
          end
        end
      end)
    end

    it("with a Jacobian; errors", function()
      local jac = function(x, a, b, c)
        local e = np.exp(-b * x)
        return np.stack({e, -a * x * e, np.ones_like(x)}, 2)
      end
      local p = opt.curve_fit(model, xd, yd, {1, 1, 1}, {method = "dogbox", jac = jac})
      assert.is_true(close(p:get(1), fx.curve_dogbox.plain.popt[1], 1e-6))
      assert.has_error(function()
        opt.curve_fit(model, xd, yd, {1, 1, 1}, {method = "dogbox", sigma = {1, 2}})
      end, "lumpy.optimize.curve_fit: sigma must have 50 elements, got 2")
      local ok, err = pcall(opt.curve_fit, function() return {1, 2} end, xd, yd, {1}, {method = "dogbox"})
      assert.truthy(err:find("lumpy.optimize.curve_fit: model value must have 50 elements, got 2", 1, true))
      assert.has_error(function()
        opt.curve_fit(model, xd, yd, {1, 1, 1}, {method = "dogbox", max_nfev = 2})
      end, "lumpy.optimize.curve_fit: optimal parameters not found: "
        .. "The maximum number of function evaluations is exceeded.")
    end)
  end)

  describe("minimize: disp on every method", function()
    local function r2(x) local a, b = x:get(1), x:get(2) return 100 * (b - a * a) ^ 2 + (1 - a) ^ 2 end
    for _, m in ipairs{"Nelder-Mead", "Powell", "CG", "BFGS", "L-BFGS-B", "SLSQP"} do
      it(m .. " prints the summary", function()
        local old, out = io.write, {}
        io.write = function(...) for _, v in ipairs{...} do out[#out + 1] = v end end
        local ok, r = pcall(opt.minimize, r2, {-1.2, 1}, {method = m, disp = true})
        io.write = old
        assert.is_true(ok, tostring(r))
        local text = table.concat(out)
        assert.truthy(text:find(r.message, 1, true))
        assert.truthy(text:find("Current function value:", 1, true))
        assert.truthy(text:find("Function evaluations: " .. r.nfev, 1, true))
        assert.truthy(text:find("Iterations: " .. r.nit, 1, true))
      end)
    end
  end)

  describe("minimize: iteration and evaluation limits on every method", function()
    local function r2(x) local a, b = x:get(1), x:get(2) return 100 * (b - a * a) ^ 2 + (1 - a) ^ 2 end
    for key, e in pairs(fx.limits) do
      it(key .. " as SciPy", function()
        local m, k = key:match("^(.-)_(max%a+)$")
        m = m:gsub("_", "-")
        local r = opt.minimize(r2, {-1.2, 1}, {method = m, options = {[k] = k == "maxiter" and 3 or 12}})
        assert.are.equal(e.nit, r.nit)
        assert.are.equal(e.nfev, r.nfev)
        assert.are.equal(e.status, r.status)
        assert.is_false(r.success)
      end)
    end
  end)
end)
