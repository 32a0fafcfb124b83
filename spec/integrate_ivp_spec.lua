local np = require "lumpy"
local I = np.integrate
local fx = require("fixtures.integrate").ode

local exp, sin, cos, abs = math.exp, math.sin, math.cos, math.abs

local function lv(t, y)
  local a, b = y:get(1), y:get(2)
  return {1.5 * a - a * b, -3 * b + a * b}
end
local function decay(t, y) return {-0.5 * y:get(1)} end
local function decay_t(t, y)
  local r = {}
  for i = 1, y.size do r[i] = -0.5 * y:get(i) end
  return r
end
local function osc(t, y) return {y:get(2), -y:get(1)} end
local function fall(t, y) return {y:get(2), -9.81} end

local function near(a, b, tol, what)
  assert.is_true(abs(a - b) <= tol, (what or "") .. ": " .. tostring(a) .. " vs " .. tostring(b))
end
local function rows(a) return a:totable() end

describe("lumpy.integrate", function()
  describe("solve_ivp", function()
    for _, m in ipairs{"RK23", "RK45", "DOP853"} do
      describe(m, function()
        it("Lotka-Volterra: counts as SciPy, accurate against a tight reference", function()
          local r = I.solve_ivp(lv, {0, 15}, {10, 5}, {method = m, rtol = 1e-8, atol = 1e-8})
          local ref = fx["lv_" .. m]
          assert.is_true(r.success)
          assert.are.equal(0, r.status)
          assert.are.equal(ref.nfev, r.nfev)
          assert.are.equal(0, r.njev)
          assert.are.equal(0, r.nlu)
          assert.are.equal(ref.nt, r.t.size)
          assert.are.same({2, ref.nt}, r.y.shape)
          local nt = r.t.size
          for i = 1, 2 do
            near(r.y:get(i, nt), ref.y[i], 1e-9 * abs(ref.y[i]), "vs SciPy")
            near(r.y:get(i, nt), fx.lv_ref[i], 1e-5, "vs reference")
          end
        end)

        it("exponential decay: every step as SciPy, error within tolerance", function()
          local r = I.solve_ivp(decay_t, {0, 10}, {2, 4, 8}, {method = m})
          local ref = fx["decay_" .. m]
          assert.are.equal(ref.nfev, r.nfev)
          local t, y = r.t:totable(), rows(r.y)
          assert.are.equal(#ref.t, #t)
          for j = 1, #t do
            near(t[j], ref.t[j], 1e-9 * (1 + abs(ref.t[j])), "t")
            for i = 1, 3 do
              near(y[i][j], ref.y[i][j], 1e-9, "y")
              -- the steps are SciPy's (above, to 1e-9); at the default rtol = 1e-3
              -- the global error against the closed form reaches 1.5% (RK23),
              -- 0.24% (RK45) and 0.008% (DOP853), as SciPy's own
              local exact = 2 ^ i * exp(-0.5 * t[j])
              near(y[i][j], exact, 3e-2 * exact + 1e-5, "exact")
            end
          end
        end)

        it("t_eval and dense output", function()
          local r = I.solve_ivp(decay, {0, 10}, {2.0},
            {method = m, t_eval = {0, 1, 2.5, 7, 10}, dense_output = true})
          local ref = fx["teval_" .. m]
          assert.are.equal(ref.nfev, r.nfev)
          assert.are.same({0, 1, 2.5, 7, 10}, r.t:totable())
          local y = rows(r.y)[1]
          for j = 1, 5 do near(y[j], ref.y[j], 1e-12, "y(t_eval)") end
          local s = r.sol(np.array{0.3, 3.3, 9.9})
          assert.are.same({1, 3}, s.shape)
          for j, tt in ipairs{0.3, 3.3, 9.9} do
            near(s:get(1, j), ref.sol[j], 1e-12, "sol")
            near(r.sol(tt):get(1), ref.sol[j], 1e-12, "sol scalar")
          end
          assert.are.equal(#ref.ts, r.sol.ts.size)
          assert.are.equal(0, r.sol.t_min)
          assert.are.equal(10, r.sol.t_max)
        end)

        it("integrates backwards", function()
          local r = I.solve_ivp(decay, {10, 0}, {2.0}, {method = m, t_eval = {10, 7, 2.5, 0}})
          local ref = fx["back_" .. m]
          assert.are.equal(ref.nfev, r.nfev)
          assert.are.same(ref.t, r.t:totable())
          local y = rows(r.y)[1]
          for j = 1, 4 do
            near(y[j], ref.y[j], 1e-12, "y")
            -- default rtol = 1e-3: the global error reaches 0.55% (RK23)
            near(y[j], 2 * exp(-0.5 * (ref.t[j] - 10)), 1e-2 * y[j], "exact")
          end
        end)

        it("a terminal event with a direction stops the integration at the root", function()
          local ground = setmetatable({terminal = true, direction = -1},
            {__call = function(_, t, y) return y:get(1) end})
          local r = I.solve_ivp(fall, {0, 10}, {0, 10}, {method = m, events = ground})
          local ref = fx["fall_" .. m]
          assert.are.equal(1, r.status)
          assert.are.equal("A termination event occurred.", r.message)
          assert.is_true(r.success)
          assert.are.equal(ref.nfev, r.nfev)
          assert.are.equal(ref.nt, r.t.size)
          near(r.t_events[1]:get(1), 2 * 10 / 9.81, 1e-12, "t_event")
          near(r.t:get(r.t.size), 2 * 10 / 9.81, 1e-12, "last t")
          assert.are.same({1, 2}, r.y_events[1].shape)
          near(r.y_events[1]:get(1, 2), -10, 1e-9, "y_event")
          -- the same event as {fun, terminal =, direction =}
          local r2 = I.solve_ivp(fall, {0, 10}, {0, 10}, {method = m,
            events = {function(t, y) return y:get(1) end, terminal = true, direction = -1}})
          assert.are.equal(r.t_events[1]:get(1), r2.t_events[1]:get(1))
        end)

        it("a list of non-terminal events", function()
          local r = I.solve_ivp(osc, {0, 20}, {0, 1}, {method = m, rtol = 1e-10, atol = 1e-10,
            events = {function(t, y) return y:get(1) - 0.5 end,
                      function(t, y) return y:get(2) end}})
          local ref = fx["osc_" .. m]
          assert.are.equal(ref.nfev, r.nfev)
          assert.are.equal(0, r.status)
          local t1, t2 = r.t_events[1]:totable(), r.t_events[2]:totable()
          assert.are.equal(#ref.te1, #t1)
          assert.are.equal(#ref.te2, #t2)
          for j = 1, #t1 do
            near(t1[j], ref.te1[j], 1e-9, "te1")
            near(sin(t1[j]), 0.5, 1e-8, "sin(te) = 1/2")
          end
          for j = 1, #t2 do near(cos(t2[j]), 0, 1e-8, "cos(te) = 0") end
        end)

        it("per-component atol, max_step, first_step and args", function()
          local r = I.solve_ivp(lv, {0, 15}, {10, 5},
            {method = m, atol = {1e-6, 1e-9}, rtol = 1e-6, max_step = 0.5})
          local ref = fx["lvopts_" .. m]
          assert.are.equal(ref.nfev, r.nfev)
          assert.are.equal(ref.nt, r.t.size)
          local t = r.t:totable()
          for j = 2, #t do assert.is_true(t[j] - t[j - 1] <= 0.5 + 1e-15) end
          r = I.solve_ivp(lv, {0, 1}, {10, 5}, {method = m, first_step = 1e-3})
          assert.are.equal(fx["first_" .. m].nfev, r.nfev)
          assert.are.equal(fx["first_" .. m].nt, r.t.size)
          r = I.solve_ivp(function(t, y, a, b) return {a * y:get(1) + b} end, {0, 1}, {1.0},
            {method = m, args = {-2.0, 1.0}})
          assert.are.equal(fx["args_" .. m].nfev, r.nfev)
          near(r.y:get(1, r.t.size), fx["args_" .. m].y, 1e-12, "args")
        end)
      end)
    end

    it("harmonic oscillator against the exact solution (DOP853, tight)", function()
      local r = I.solve_ivp(osc, {0, 10}, {0, 1}, {method = "DOP853", rtol = 1e-12,
        atol = 1e-12, dense_output = true})
      for _, t in ipairs{0.5, 3, 7.25, 10} do
        local y = r.sol(t)
        near(y:get(1), sin(t), 1e-10, "sin")
        near(y:get(2), cos(t), 1e-10, "cos")
      end
    end)

    it("NaN in the right-hand side ends with status -1", function()
      local r = I.solve_ivp(function(t, y)
        if t > 0.5 then return {0 / 0} end
        return {-y:get(1)}
      end, {0, 1}, {1})
      assert.are.equal(-1, r.status)
      assert.is_false(r.success)
      assert.are.equal("Required step size is less than spacing between numbers.", r.message)
      r = I.solve_ivp(function(t, y) return {0 / 0} end, {0, 1}, {1})
      assert.are.equal(-1, r.status)
      assert.are.equal("The step size is not finite (the right-hand side gave NaN or inf).",
        r.message)
    end)

    it("callback errors keep their message or object; wrong sizes are errors", function()
      local ok, e = pcall(I.solve_ivp, function() error("bad rhs") end, {0, 1}, {1})
      assert.is_false(ok)
      assert.is_truthy(e:find("lumpy.integrate.solve_ivp: ", 1, true))
      assert.is_truthy(e:find("bad rhs", 1, true))
      local obj = {}
      ok, e = pcall(I.solve_ivp, function() error(obj) end, {0, 1}, {1})
      assert.are.equal(obj, e)
      ok, e = pcall(I.solve_ivp, function() return {1, 2} end, {0, 1}, {1})
      assert.is_false(ok)
      assert.is_truthy(e:find("must have 1 elements, got 2", 1, true))
      ok, e = pcall(I.solve_ivp, function() return "x" end, {0, 1}, {1})
      assert.is_false(ok)
      assert.is_truthy(e:find("the right-hand side must be an array or a table of numbers, got string", 1, true), e)
      ok, e = pcall(I.solve_ivp, osc, {0, 1}, {0, 1}, {events = function() return "x" end})
      assert.is_false(ok)
      assert.is_truthy(e:find("event function", 1, true))
    end)

    it("memory stays flat after many failing calls", function()
      local f = function(t, y) if t > 0.5 then error("late") end return {-y:get(1)} end
      for _ = 1, 50 do pcall(I.solve_ivp, f, {0, 1}, {1}, {dense_output = true}) end
      collectgarbage() collectgarbage()   -- a second cycle frees what the first finalized
      local before = collectgarbage("count")
      for _ = 1, 300 do pcall(I.solve_ivp, f, {0, 1}, {1}, {dense_output = true}) end
      collectgarbage() collectgarbage()
      assert.is_true(collectgarbage("count") - before < 200)
    end)

    it("rejects bad arguments", function()
      assert.has_error(function() I.solve_ivp(1, {0, 1}, {1}) end,
        "bad argument #1 to 'solve_ivp' (function expected, got number)")
      assert.has_error(function() I.solve_ivp(osc, 1, {1}) end,
        "bad argument #2 to 'solve_ivp' (t_span must be a table of two numbers)")
      assert.has_error(function() I.solve_ivp(osc, {0, 1}, "y") end,
        "bad argument #3 to 'solve_ivp' (y0 must be an array or a table of numbers, got string)")
      assert.has_error(function() I.solve_ivp(osc, {0, 1}, {{1, 2}}) end,
        "bad argument #3 to 'solve_ivp' (y0 must be 1-d)")
      assert.has_error(function() I.solve_ivp(osc, {0, 1}, {1}, {method = "Euler"}) end,
        "bad argument #4 to 'solve_ivp' (unknown method 'Euler')")
      assert.has_error(function() I.solve_ivp(osc, {0, 1}, {1}, {bogus = 1}) end,
        "bad argument #4 to 'solve_ivp' (unknown option 'bogus')")
      assert.has_error(function() I.solve_ivp(osc, {0, 1}, {1}, {atol = -1}) end,
        "bad argument #4 to 'solve_ivp' (option 'atol' must be non-negative)")
      assert.has_error(function() I.solve_ivp(osc, {0, 1}, {1, 2}, {atol = {1}}) end,
        "bad argument #4 to 'solve_ivp' (option 'atol' must be a number or have 2 values)")
      assert.has_error(function() I.solve_ivp(osc, {0, 1}, {1}, {max_step = 0}) end,
        "bad argument #4 to 'solve_ivp' (option 'max_step' must be positive)")
      assert.has_error(function() I.solve_ivp(osc, {0, 1}, {1}, {first_step = 2}) end,
        "bad argument #4 to 'solve_ivp' (option 'first_step' exceeds bounds)")
      assert.has_error(function() I.solve_ivp(osc, {0, 1}, {1}, {t_eval = {0, 2}}) end,
        "bad argument #4 to 'solve_ivp' (values in 't_eval' are not within 't_span')")
      assert.has_error(function() I.solve_ivp(osc, {0, 1}, {1}, {t_eval = {0.5, 0.2}}) end,
        "bad argument #4 to 'solve_ivp' (values in 't_eval' are not properly sorted)")
      assert.has_error(function() I.solve_ivp(osc, {0, 1}, {1}, {events = {1}}) end,
        "bad argument #4 to 'solve_ivp' (event 1 must be a function or {fun, terminal =, direction =})")
      assert.has_error(function() I.solve_ivp(osc, {0, 1}, {1}, {args = 1}) end,
        "bad argument #4 to 'solve_ivp' (option 'args' must be a table)")
    end)
  end)
end)
