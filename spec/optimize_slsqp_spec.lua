local np = require "lumpy"
local opt = np.optimize
local fx = dofile("spec/fixtures/optimize2.lua")
local mgh = dofile("spec/fixtures/mgh.lua")

local function close(a, b, rtol, atol)
  return math.abs(a - b) <= (atol or 0) + (rtol or 1e-12) * math.abs(b)
end

local huge = math.huge

-- the problems of gen_optimize2.py, defined the same way
local P = {}
local function g(x, i) return x:get(i) end

P.hs071_f = function(x) return g(x, 1) * g(x, 4) * (g(x, 1) + g(x, 2) + g(x, 3)) + g(x, 3) end
P.hs071_g = function(x)
  local a, b, c, d = g(x, 1), g(x, 2), g(x, 3), g(x, 4)
  return {d * (a + b + c) + a * d, a * d, a * d + 1, a * (a + b + c)}
end
P.hs071_c1 = function(x) return g(x, 1) * g(x, 2) * g(x, 3) * g(x, 4) - 25 end
P.hs071_c1j = function(x)
  local a, b, c, d = g(x, 1), g(x, 2), g(x, 3), g(x, 4)
  return {b * c * d, a * c * d, a * b * d, a * b * c}
end
P.hs071_c2 = function(x)
  local s = 0.0
  for i = 1, 4 do s = s + g(x, i) * g(x, i) end
  return s - 40
end
P.hs071_c2j = function(x) return np.array{2 * g(x, 1), 2 * g(x, 2), 2 * g(x, 3), 2 * g(x, 4)} end
P.hs035_f = function(x)
  local a, b, c = g(x, 1), g(x, 2), g(x, 3)
  return 9 - 8 * a - 6 * b - 4 * c + 2 * a * a + 2 * b * b + c * c + 2 * a * b + 2 * a * c
end
P.hs035_c = function(x) return 3 - g(x, 1) - g(x, 2) - 2 * g(x, 3) end
P.hs021_f = function(x) return 0.01 * g(x, 1) * g(x, 1) + g(x, 2) * g(x, 2) - 100 end
P.hs021_c = function(x) return 10 * g(x, 1) - g(x, 2) - 10 end
P.hs006_f = function(x) return (1 - g(x, 1)) * (1 - g(x, 1)) end
P.hs006_c = function(x) return 10 * (g(x, 2) - g(x, 1) * g(x, 1)) end
P.hs007_f = function(x) return math.log(1 + g(x, 1) * g(x, 1)) - g(x, 2) end
P.hs007_c = function(x)
  local a = 1 + g(x, 1) * g(x, 1)
  return a * a + g(x, 2) * g(x, 2) - 4
end
P.tut_f = function(x) return (g(x, 1) - 1) * (g(x, 1) - 1) + (g(x, 2) - 2.5) * (g(x, 2) - 2.5) end
P.tut_c1 = function(x) return g(x, 1) - 2 * g(x, 2) + 2 end
P.tut_c2 = function(x) return -g(x, 1) - 2 * g(x, 2) + 6 end
P.tut_c3 = function(x) return -g(x, 1) + 2 * g(x, 2) + 2 end
P.tut_cv = function(x)
  local a, b = g(x, 1), g(x, 2)
  return {a - 2 * b + 2, -a - 2 * b + 6, -a + 2 * b + 2}
end
P.tut_cvj = function() return np.array{{1.0, -2.0}, {-1.0, -2.0}, {-1.0, 2.0}} end
P.circle_f = function(x) return g(x, 1) + g(x, 2) end
P.circle_c = function(x) return 1 - g(x, 1) * g(x, 1) - g(x, 2) * g(x, 2) end
P.incompat_f = function(x) return g(x, 1) * g(x, 1) + g(x, 2) * g(x, 2) end
P.incompat_c1 = function(x) return g(x, 1) - 2 end
P.incompat_c2 = function(x) return 1 - g(x, 1) end
local rosen = mgh.objectives.rosenbrock

local hs071_cons = {{type = "ineq", fun = P.hs071_c1}, {type = "eq", fun = P.hs071_c2}}
local box4 = {{1, 5}, {1, 5}, {1, 5}, {1, 5}}
local tut_bounds = {{0, nil}, {0, nil}}
local tut_cons = {{type = "ineq", fun = P.tut_c1}, {type = "ineq", fun = P.tut_c2},
  {type = "ineq", fun = P.tut_c3}}

-- name -> objective, options (as the generator's)
local CASES = {
  hs071 = {P.hs071_f, {bounds = box4, constraints = hs071_cons}},
  hs071_jac = {P.hs071_f, {bounds = box4, jac = P.hs071_g, constraints = {
    {type = "ineq", fun = P.hs071_c1, jac = P.hs071_c1j},
    {type = "eq", fun = P.hs071_c2, jac = P.hs071_c2j}}}},
  hs035 = {P.hs035_f, {bounds = {{0, huge}, {0, huge}, {0, huge}},
    constraints = {type = "ineq", fun = P.hs035_c}}},
  hs021 = {P.hs021_f, {bounds = {{2, 50}, {-50, 50}}, constraints = {{type = "ineq", fun = P.hs021_c}}}},
  hs006 = {P.hs006_f, {constraints = {{type = "eq", fun = P.hs006_c}}}},
  hs007 = {P.hs007_f, {constraints = {{type = "eq", fun = P.hs007_c}}}},
  tutorial = {P.tut_f, {bounds = tut_bounds, constraints = tut_cons}},
  tutorial_vector = {P.tut_f, {bounds = tut_bounds,
    constraints = {{type = "ineq", fun = P.tut_cv, jac = P.tut_cvj}}}},
  tutorial_vector_fd = {P.tut_f, {bounds = tut_bounds, constraints = {{type = "ineq", fun = P.tut_cv}}}},
  circle = {P.circle_f, {constraints = {{type = "ineq", fun = P.circle_c}}}},
  rosenbrock = {rosen, {}},
  rosenbrock_bounds = {rosen, {bounds = {{-2, 0.5}, {0, nil}}}},
  hs071_maxiter = {P.hs071_f, {bounds = box4, constraints = hs071_cons, options = {maxiter = 3}}},
  incompatible = {P.incompat_f, {constraints = {{type = "ineq", fun = P.incompat_c1},
    {type = "ineq", fun = P.incompat_c2}}}},
  hs071_2point = {P.hs071_f, {bounds = box4, constraints = hs071_cons, jac = "2-point"}},
  hs071_3point = {P.hs071_f, {bounds = box4, constraints = hs071_cons, jac = "3-point"}},
  hs071_fixed = {P.hs071_f, {bounds = {{1, 1}, {1, 5}, {1, 5}, {1, 5}}, constraints = hs071_cons}},
  hs071_ftol = {P.hs071_f, {bounds = box4, constraints = hs071_cons, options = {ftol = 1e-10}}},
}

local X0 = {}
for _, c in ipairs(fx.slsqp) do X0[c.name] = c.x0 end

local function run(name, extra)
  local c = CASES[name]
  local o = {method = "SLSQP"}
  for k, v in pairs(c[2]) do o[k] = v end
  for k, v in pairs(extra or {}) do o[k] = v end
  return opt.minimize(c[1], X0[name], o)
end

describe("lumpy.optimize", function()
  describe("minimize SLSQP: constrained problems with known solutions", function()
    for _, c in ipairs(fx.slsqp) do
      it(c.name .. " (SciPy nit " .. c.nit .. ", nfev " .. c.nfev .. ")", function()
        local case = CASES[c.name]
        local o = {method = "SLSQP"}
        for k, v in pairs(case[2]) do o[k] = v end
        local r = opt.minimize(case[1], c.x0, o)
        assert.are.equal(c.status, r.status)
        assert.are.equal(c.message, r.message)
        assert.are.equal(c.nit, r.nit)
        assert.are.equal(c.nfev, r.nfev)
        assert.are.equal(c.njev, r.njev)
        local n = #c.x0
        assert.are.equal(n, r.x.size)
        assert.are.equal(n, r.jac.size)
        -- SciPy's result, and the published solution where there is one
        assert.is_true(close(r.fun, c.fun, 1e-7, 1e-9), ("fun %.12g vs scipy %.12g"):format(r.fun, c.fun))
        for i = 1, n do
          assert.is_true(close(r.x:get(i), c.x[i], 1e-5, 1e-6), ("x%d %.10g vs %.10g"):format(i, r.x:get(i), c.x[i]))
        end
        if c.f_published then
          assert.is_true(close(r.fun, c.f_published, 1e-6, 1e-6),
            ("fun %.12g vs published %.12g"):format(r.fun, c.f_published))
          for i = 1, n do assert.is_true(close(r.x:get(i), c.x_published[i], 1e-4, 1e-4)) end
        end
        -- bounds and constraints hold at the solution
        if c.bounds then
          for i = 1, n do
            local v = r.x:get(i)
            assert.is_true(v >= c.bounds[i][1] and v <= c.bounds[i][2], "bound " .. i)
          end
        end
        if r.success then
          local cons = case[2].constraints
          if cons then
            if cons.type then cons = {cons} end
            for _, k in ipairs(cons) do
              local v = k.fun(r.x)
              if type(v) == "number" then v = {v} end
              for _, e in ipairs(v) do
                if k.type == "eq" then assert.is_true(math.abs(e) < 1e-6, "eq " .. e)
                else assert.is_true(e > -1e-6, "ineq " .. e) end
              end
            end
          end
        end
      end)
    end
  end)

  describe("minimize SLSQP: More-Garbow-Hillstrom problems", function()
    for _, c in ipairs(fx.slsqp_mgh) do
      it(c.problem .. " (SciPy nfev " .. c.nfev .. ")", function()
        local r = opt.minimize(mgh.objectives[c.problem], c.x0, {method = "SLSQP"})
        assert.are.equal(c.status, r.status)
        assert.is_true(r.fun <= c.fun + 1e-6 * (1 + math.abs(c.fun)),
          ("fun %.12g vs scipy %.12g"):format(r.fun, c.fun))
        -- the same path as SciPy's Fortran, to the evaluation
        assert.are.equal(c.nfev, r.nfev)
        assert.are.equal(c.nit, r.nit)
        assert.are.equal(c.njev, r.njev)
        assert.is_true(close(r.fun, c.fun, 1e-8, 1e-14), ("fun %.14g vs scipy %.14g"):format(r.fun, c.fun))
      end)
    end
  end)

  describe("minimize SLSQP: options and forms", function()
    it("is the default method when constraints are given", function()
      local r = opt.minimize(P.tut_f, {2, 0}, {bounds = tut_bounds, constraints = tut_cons})
      assert.are.equal("Optimization terminated successfully", r.message)
      assert.is_true(close(r.fun, 0.8, 1e-6))
    end)

    it("constraint args, jac = true, an objective given as a callable table", function()
      local cons = {{type = "ineq", fun = function(x, a, b) return a * g(x, 1) - 2 * g(x, 2) + b end,
        args = {1, 2}}, tut_cons[2], tut_cons[3]}
      local r1 = opt.minimize(P.tut_f, {2, 0}, {method = "SLSQP", bounds = tut_bounds, constraints = cons})
      local r0 = run("tutorial", {})
      assert.are.equal(r0.nfev, r1.nfev)
      assert.are.equal(r0.fun, r1.fun)
      local callable = setmetatable({}, {__call = function(_, x)
        local a, b = g(x, 1) - 1, g(x, 2) - 2.5
        return a * a + b * b, {2 * a, 2 * b}
      end})
      local r = opt.minimize(callable, {2, 0}, {method = "SLSQP", jac = true, bounds = tut_bounds,
        constraints = tut_cons})
      assert.is_true(close(r.x:get(1), 1.4, 1e-6))
      local o = opt.minimize(function(x, k) return (g(x, 1) - k) ^ 2 end, {0}, {method = "SLSQP", args = {3}})
      assert.is_true(close(o.x:get(1), 3, 1e-5))
    end)

    it("x0 outside the bounds is clipped; x0 as an array view", function()
      local r = opt.minimize(P.hs021_f, {-1, -1}, {method = "SLSQP", bounds = {{2, 50}, {-50, 50}},
        constraints = {type = "ineq", fun = P.hs021_c}})
      assert.is_true(close(r.fun, -99.96, 1e-8))
      local a = np.array{{2, 9}, {0, 9}}
      local r2 = opt.minimize(P.tut_f, a.T[1], {method = "SLSQP", bounds = tut_bounds, constraints = tut_cons})
      local r3 = opt.minimize(P.tut_f, {2, 0}, {method = "SLSQP", bounds = tut_bounds, constraints = tut_cons})
      assert.are.equal(r3.fun, r2.fun)
      assert.are.equal(r3.nfev, r2.nfev)
    end)

    it("constraint Jacobians as tables of rows, 2-d arrays or flat vectors", function()
      local rows = function() return {{1.0, -2.0}, {-1.0, -2.0}, {-1.0, 2.0}} end
      local r1 = opt.minimize(P.tut_f, {2, 0}, {method = "SLSQP", bounds = tut_bounds,
        constraints = {type = "ineq", fun = P.tut_cv, jac = rows}})
      local r2 = run("tutorial_vector")
      assert.are.equal(r2.nfev, r1.nfev)
      assert.are.equal(r2.fun, r1.fun)
      local r3 = opt.minimize(P.tut_f, {2, 0}, {method = "SLSQP", bounds = tut_bounds, constraints = {
        {type = "ineq", fun = P.tut_c1, jac = function() return {1, -2} end},
        {type = "ineq", fun = P.tut_c2, jac = function() return np.array{{-1, -2}} end},
        {type = "ineq", fun = P.tut_c3, jac = function() return np.array{-1, 2} end}}})
      assert.are.equal(r2.fun, r3.fun)
    end)

    it("callback each major iteration; returning true stops", function()
      local n = 0
      local r = opt.minimize(P.hs071_f, {1, 5, 5, 1}, {method = "SLSQP", bounds = box4,
        constraints = hs071_cons, callback = function(xk) n = n + 1 assert.are.equal(4, xk.size) end})
      assert.are.equal(r.nit, n)
      r = opt.minimize(P.hs071_f, {1, 5, 5, 1}, {method = "SLSQP", bounds = box4,
        constraints = hs071_cons, callback = function() return true end})
      assert.are.equal(1, r.nit)
      assert.are.equal(99, r.status)
      assert.is_false(r.success)
    end)

    it("tol sets ftol; exact line search for ftol < 0", function()
      local a = run("hs071", {tol = 1e-10})
      local b = run("hs071_ftol")
      assert.are.equal(b.nfev, a.nfev)
      local e = run("hs071", {ftol = -1e-8})
      assert.is_true(close(e.fun, 17.0140173, 1e-6))
    end)

    it("rejects malformed constraints and bounds", function()
      local function bad(cons)
        return pcall(opt.minimize, P.tut_f, {2, 0}, {method = "SLSQP", constraints = cons})
      end
      local ok, err = bad({type = "neq", fun = P.tut_c1})
      assert.is_false(ok)
      assert.truthy(err:find("'eq' or 'ineq'", 1, true))
      ok, err = bad({type = "eq"})
      assert.truthy(err:find("fun must be a function", 1, true))
      ok, err = bad({type = "eq", fun = P.tut_c1, jac = 3})
      assert.truthy(err:find("jac must be a function", 1, true))
      ok, err = bad({type = "eq", fun = P.tut_c1, foo = 1})
      assert.truthy(err:find("unknown key", 1, true))
      ok, err = bad({type = "eq", fun = P.tut_c1, args = 1})
      assert.truthy(err:find("args must be a table", 1, true))
      ok, err = bad(5)
      assert.truthy(err:find("constraints must be", 1, true))
      ok, err = bad({5})
      assert.truthy(err:find("constraint 1 must be a table", 1, true))
      assert.has_error(function()
        opt.minimize(P.tut_f, {2, 0}, {method = "SLSQP", bounds = {{1, 0}, {0, 1}}})
      end, "lumpy.optimize.minimize: lower bound 1 exceeds the upper bound")
      assert.has_error(function() opt.minimize(P.tut_f, {2, 0}, {method = "SLSQP", bounds = {{0, 1}}}) end,
        "lumpy.optimize.minimize: 1 bounds given for 2 variables")
      assert.has_error(function() opt.minimize(P.tut_f, {}, {method = "SLSQP"}) end,
        "lumpy.optimize.minimize: method 'SLSQP' needs x0 of at least one element")
    end)
  end)

  describe("minimize SLSQP: misbehaving callbacks", function()
    local obj = {}
    it("errors in the objective, the gradient, constraints and their Jacobians", function()
      local ok, err = pcall(opt.minimize, function() error("bad thing") end, {1, 2}, {method = "SLSQP"})
      assert.is_false(ok)
      assert.truthy(err:find("lumpy.optimize.minimize:", 1, true))
      assert.truthy(err:find("bad thing", 1, true))
      ok, err = pcall(opt.minimize, function() error(obj) end, {1, 2}, {method = "SLSQP"})
      assert.are.equal(obj, err)
      ok, err = pcall(opt.minimize, P.tut_f, {1, 2}, {method = "SLSQP", jac = function() error(obj) end})
      assert.are.equal(obj, err)
      local n = 0
      ok, err = pcall(opt.minimize, P.tut_f, {2, 0}, {method = "SLSQP", constraints = {
        type = "ineq", fun = function(x) n = n + 1 if n > 5 then error("con fails") end return P.tut_c1(x) end}})
      assert.truthy(err:find("lumpy.optimize.minimize:", 1, true))
      assert.truthy(err:find("con fails", 1, true))
      ok, err = pcall(opt.minimize, P.tut_f, {2, 0}, {method = "SLSQP", constraints = {
        type = "ineq", fun = P.tut_c1, jac = function() error(obj) end}})
      assert.are.equal(obj, err)
      ok, err = pcall(opt.minimize, P.tut_f, {2, 0}, {method = "SLSQP", constraints = tut_cons,
        callback = function() error(obj) end})
      assert.are.equal(obj, err)
    end)

    it("wrong return types and sizes are clear errors", function()
      local ok, err = pcall(opt.minimize, function() return "x" end, {1, 2}, {method = "SLSQP"})
      assert.truthy(err:find("must be a number", 1, true))
      ok, err = pcall(opt.minimize, P.tut_f, {1, 2}, {method = "SLSQP", jac = function() return {1} end})
      assert.truthy(err:find("must have 2 elements", 1, true))
      ok, err = pcall(opt.minimize, P.tut_f, {2, 0}, {method = "SLSQP", constraints = {
        type = "eq", fun = function() return "c" end}})
      assert.truthy(err:find("constraint value", 1, true))
      -- a constraint that changes its size between calls
      local n = 0
      ok, err = pcall(opt.minimize, P.tut_f, {2, 0}, {method = "SLSQP", constraints = {
        type = "ineq", fun = function(x) n = n + 1 if n > 2 then return {1, 2} end return P.tut_c1(x) end}})
      assert.truthy(err:find("must have 1 elements, got 2", 1, true))
      ok, err = pcall(opt.minimize, P.tut_f, {2, 0}, {method = "SLSQP", constraints = {
        type = "ineq", fun = P.tut_cv, jac = function() return np.zeros{2, 2} end}})
      assert.truthy(err:find("shape {3, 2}", 1, true))
      ok, err = pcall(opt.minimize, P.tut_f, {2, 0}, {method = "SLSQP", constraints = {
        type = "ineq", fun = P.tut_cv, jac = function() return {{1, 2}} end}})
      assert.truthy(err:find("3 rows", 1, true))
      ok, err = pcall(opt.minimize, P.tut_f, {2, 0}, {method = "SLSQP", constraints = {
        type = "ineq", fun = P.tut_c1, jac = function() return true end}})
      assert.truthy(err:find("array or a table", 1, true))
    end)

    it("NaN objectives and constraints end without a crash", function()
      local r = opt.minimize(function() return 0 / 0 end, {1, 2}, {method = "SLSQP"})
      assert.is_false(r.success)
      r = opt.minimize(P.tut_f, {2, 0}, {method = "SLSQP", constraints = {type = "ineq",
        fun = function() return 0 / 0 end}})
      assert.is_false(r.success)
      r = opt.minimize(function(x) if g(x, 1) > 1.1 then return 0 / 0 end return rosen(x) end,
        {1, 2}, {method = "SLSQP"})
      assert.is_number(r.status)
    end)

    it("10,000 failing calls leave memory flat", function()
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
        local e = function() error({}) end
        local q = function(x) return x:get(1) ^ 2 + x:get(2) ^ 2 end
        local function run()
          for i = 1, 10000 do
            local k = i % 4
            if k == 0 then pcall(opt.minimize, f, {1, 2, 3}, {method = "SLSQP"})
            elseif k == 1 then pcall(opt.minimize, e, {1, 2}, {method = "Powell"})
            elseif k == 2 then pcall(opt.minimize, q, {1, 2}, {method = "SLSQP",
              constraints = {{type = "eq", fun = q}, {type = "ineq", fun = e}}})
            else pcall(opt.minimize, q, {1, 2}, {method = "SLSQP",
              constraints = {type = "ineq", fun = q, jac = function() return {1, "x"} end}}) end
          end
          collectgarbage() collectgarbage()
        end
        run()
        local m0, r0 = collectgarbage("count"), rss()
        run()
        local m1, r1 = collectgarbage("count"), rss()
        io.write(string.format("%.1f %d", m1 - m0, r1 - r0))
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
      local dm, dr = out:match("^(%S+) (%S+)$")
      assert.is_not_nil(dm, out)
      assert.is_true(tonumber(dm) < 50, "lua heap grew by " .. dm .. " KB")
      if not os.getenv("ASAN_OPTIONS") then
        assert.is_true(tonumber(dr) < 1024, "rss grew by " .. dr .. " KB")
      end
    end)
  end)
end)
