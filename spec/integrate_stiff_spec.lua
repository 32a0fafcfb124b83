local np = require "lumpy"
local I = np.integrate
local fx = require "fixtures.stiff"

local abs, exp, max = math.abs, math.exp, math.max
local METHODS = {"Radau", "BDF", "LSODA"}

local MU = 1000.0
local function vdp(t, y)
  local a, b = y:get(1), y:get(2)
  return {b, MU * (1 - a * a) * b - a}
end
local function vdp_jac(t, y)
  local a, b = y:get(1), y:get(2)
  return {{0.0, 1.0}, {-2 * MU * a * b - 1, MU * (1 - a * a)}}
end
local function rob(t, y)
  local a, b, c = y:get(1), y:get(2), y:get(3)
  return {-0.04 * a + 1e4 * b * c, 0.04 * a - 1e4 * b * c - 3e7 * b * b, 3e7 * b * b}
end
local function rob_jac(t, y)
  local b, c = y:get(2), y:get(3)
  return np.array{{-0.04, 1e4 * c, 1e4 * b}, {0.04, -1e4 * c - 6e7 * b, -1e4 * b},
                  {0.0, 6e7 * b, 0.0}}
end
local A = np.array(fx.linear.A)
local AL = fx.linear.A
local function lin(t, y)
  local r = {}
  for i = 1, 3 do
    r[i] = AL[i][1] * y:get(1) + AL[i][2] * y:get(2) + AL[i][3] * y:get(3)
  end
  return r
end
local function decay(t, y) return {-0.5 * y:get(1)} end

-- |a - b| <= tol elementwise over nested tables
local function near(a, b, tol, what)
  if type(a) == "table" then
    for i = 1, #b do near(a[i], b[i], tol, (what or "") .. "[" .. i .. "]") end
    return
  end
  assert.is_true(abs(a - b) <= tol, (what or "") .. ": " .. tostring(a) .. " vs " .. tostring(b)
    .. " (tolerance " .. tostring(tol) .. ")")
end
-- a count within a relative margin of SciPy's; a negative margin only
-- bounds it from above (LSODA, whose heuristics are not ODEPACK's code)
local function ratio(ours, theirs, margin, what)
  local r = ours / theirs
  local ok = margin < 0 and r <= 1 - margin or abs(r - 1) <= margin
  assert.is_true(ok, string.format("%s: %d vs SciPy's %d (ratio %.3f)", what, ours, theirs, r))
end
-- the largest relative error of rows (tables) against reference rows
local function relerr(got, ref, floor)
  local e = 0
  for i = 1, #ref do
    for j = 1, #ref[i] do
      e = max(e, abs(got[i][j] - ref[i][j]) / max(abs(ref[i][j]), floor))
    end
  end
  return e
end

describe("lumpy.integrate", function()
  describe("solve_ivp (stiff methods)", function()
    for _, m in ipairs(METHODS) do
      describe(m, function()
        it("Van der Pol mu = 1000 on [0, 3000]: succeeds with counts near SciPy's", function()
          local r = I.solve_ivp(vdp, {0, 3000}, {2, 0}, {method = m})
          local s = fx.vdp[m].default
          assert.are.equal(0, r.status)
          assert.is_true(r.success)
          local margin = m == "LSODA" and -0.25 or 0.05
          ratio(r.nfev, s.nfev, margin, "nfev")
          ratio(r.njev, s.njev, margin, "njev")
          ratio(r.nlu, s.nlu, margin, "nlu")
          ratio(r.t.size, s.n, margin, "steps")
          if m == "LSODA" then assert.are.equal(r.njev, r.nlu) end
        end)

        it("Van der Pol with jac, rtol 1e-6: matches the rtol 1e-10 reference", function()
          local r = I.solve_ivp(vdp, {0, 3000}, {2, 0}, {method = m, rtol = 1e-6, atol = 1e-6,
                                                         jac = vdp_jac, t_eval = fx.vdp.t})
          assert.are.equal(0, r.status)
          local got = r.y.T:totable()
          -- SciPy's own error at this tolerance, and ours
          local theirs = relerr(fx.vdp[m].tight_y, fx.vdp.ref, 1e-3)
          local ours = relerr(got, fx.vdp.ref, 1e-3)
          assert.is_true(ours <= max(4 * theirs, 2e-3),
            string.format("error %.3g vs SciPy's %.3g", ours, theirs))
          local s = fx.vdp[m].tight
          ratio(r.nfev, s.nfev, m == "LSODA" and -0.3 or 0.1, "nfev")
        end)

        it("Van der Pol: the Jacobian function and finite differences agree", function()
          local a = I.solve_ivp(vdp, {0, 3000}, {2, 0}, {method = m, jac = vdp_jac})
          local b = I.solve_ivp(vdp, {0, 3000}, {2, 0}, {method = m})
          ratio(a.nfev, fx.vdp[m].jac.nfev, m == "LSODA" and -0.25 or 0.05, "nfev with jac")
          ratio(a.njev, fx.vdp[m].jac.njev, m == "LSODA" and -0.25 or 0.05, "njev with jac")
          -- both on the same slow branch at the end, near the reference
          near(a.y:get(1, -1), fx.vdp.ref[7][1], 0.05, "jac")
          near(b.y:get(1, -1), fx.vdp.ref[7][1], 0.05, "fd")
        end)

        it("Robertson kinetics: accurate at rtol 1e-6, counts near SciPy's", function()
          local opts = {method = m, rtol = 1e-6, atol = {1e-8, 1e-14, 1e-6}, t_eval = fx.robertson.t}
          local r = I.solve_ivp(rob, {0, 1e5}, {1, 0, 0}, opts)
          assert.are.equal(0, r.status)
          local got, ref = r.y.T:totable(), fx.robertson.ref
          for i = 2, 3 do
            near(got[i][1], ref[i][1], 1e-4 * ref[i][1] + 1e-8, "y1")
            near(got[i][2], ref[i][2], 1e-3 * ref[i][2], "y2")
            near(got[i][3], ref[i][3], 1e-4 * ref[i][3] + 1e-8, "y3")
          end
          local s = fx.robertson[m].fd
          ratio(r.nfev, s.nfev, m == "LSODA" and -0.2 or 0.05, "nfev")
          ratio(r.njev, s.njev, m == "LSODA" and -0.25 or 0.05, "njev")
          ratio(r.nlu, s.nlu, m == "LSODA" and -0.25 or 0.05, "nlu")
          local rj = I.solve_ivp(rob, {0, 1e5}, {1, 0, 0},
            {method = m, rtol = 1e-6, atol = {1e-8, 1e-14, 1e-6}, jac = rob_jac})
          near(rj.y:get(1, -1), ref[3][1], 1e-4 * ref[3][1], "y1 with jac")
          ratio(rj.njev, fx.robertson[m].jac.njev, m == "LSODA" and -0.25 or 0.05, "njev with jac")
        end)

        it("a stiff linear system against expm, at three tolerances", function()
          for _, k in ipairs{3, 6, 9} do
            local rtol = 10.0 ^ -k
            local r = I.solve_ivp(lin, {0, 5}, fx.linear.y0,
              {method = m, rtol = rtol, atol = rtol * 1e-3, t_eval = fx.linear.t})
            local s = fx.linear[m]["r" .. k]
            local e = relerr(r.y.T:totable(), fx.linear.exact, math.huge) -- absolute
            local e2 = 0
            local got = r.y.T:totable()
            for i = 1, #got do
              for j = 1, 3 do e2 = max(e2, abs(got[i][j] - fx.linear.exact[i][j])) end
            end
            assert.is_true(e <= e2 + 1e-300)
            assert.is_true(e2 <= max(10 * s.err, 100 * rtol),
              string.format("rtol %g: error %.3g, SciPy's %.3g", rtol, e2, s.err))
            ratio(r.nfev, s.nfev, m == "LSODA" and -0.35 or 0.05, "nfev at rtol " .. rtol)
          end
        end)

        it("the heat equation on 10 and 24 points against expm", function()
          for _, key in ipairs{"n10", "n24"} do
            local h = fx.heat[key]
            local n, k = h.n, (h.n + 1) ^ 2
            local heat = function(t, y)
              local u, r = y:totable(), {}
              for i = 1, n do
                r[i] = k * ((u[i - 1] or 0) - 2 * u[i] + (u[i + 1] or 0))
              end
              return r
            end
            local r = I.solve_ivp(heat, {0, h.T}, h.y0, {method = m, rtol = 1e-6, atol = 1e-9})
            assert.are.equal(0, r.status)
            local e = 0
            for i = 1, n do e = max(e, abs(r.y:get(i, -1) - h.exact[i])) end
            local s = h[m]
            assert.is_true(e <= max(10 * s.err, 1e-7),
              string.format("%s: error %.3g, SciPy's %.3g", key, e, s.err))
            ratio(r.nfev, s.nfev, m == "LSODA" and -0.35 or 0.05, key .. " nfev")
          end
        end)

        it("a constant Jacobian matrix (no evaluations for Radau and BDF)", function()
          for _, k in ipairs{3, 6} do
            local rtol = 10.0 ^ -k
            local r = I.solve_ivp(lin, {0, 5}, fx.linear.y0,
              {method = m, rtol = rtol, atol = rtol * 1e-3, jac = A})
            local s = fx.linear[m]["r" .. k].const_jac
            assert.are.equal(0, r.status)
            if m ~= "LSODA" then
              assert.are.equal(0, r.njev)
              ratio(r.nfev, s.nfev, 0.05, "nfev")
              ratio(r.nlu, s.nlu, 0.05, "nlu")
            end
            local rt = I.solve_ivp(lin, {0, 5}, fx.linear.y0,
              {method = m, rtol = rtol, atol = rtol * 1e-3, jac = fx.linear.A})
            assert.are.equal(r.nfev, rt.nfev)
          end
        end)

        it("accuracy follows the tolerance on exponential decay", function()
          local last = math.huge
          for _, k in ipairs{3, 5, 7, 9} do
            local rtol = 10.0 ^ -k
            local r = I.solve_ivp(decay, {0, 10}, {1}, {method = m, rtol = rtol, atol = rtol * 1e-2})
            local e = abs(r.y:get(1, -1) / exp(-5) - 1)
            local s = fx.decay[m]["r" .. k]
            assert.is_true(e <= max(4 * s.err, 10 * rtol),
              string.format("rtol %g: error %.3g, SciPy's %.3g", rtol, e, s.err))
            assert.is_true(e < last)
            last = e
          end
        end)

        it("integrates backwards", function()
          local r = I.solve_ivp(decay, {10, 0}, {exp(-5)}, {method = m, rtol = 1e-8, atol = 1e-12})
          assert.are.equal(0, r.status)
          near(r.y:get(1, -1), 1.0, 1e-6, "y(0)")
          assert.is_true(r.t:get(2) < 10)
        end)

        it("events and dense output", function()
          local r = I.solve_ivp(lin, {0, 5}, fx.linear.y0, {method = m, rtol = 1e-8, atol = 1e-11,
            events = function(t, y) return y:get(1) - 0.5 end, dense_output = true})
          assert.are.equal(0, r.status)
          assert.are.equal(1, r.t_events[1].size)
          near(r.t_events[1]:get(1), fx.events.exact, 1e-6, "event time")
          near(r.t_events[1]:get(1), fx.events[m].t_event[1], 1e-6, "SciPy's event time")
          near(r.y_events[1]:get(1, 1), 0.5, 1e-7, "y at the event")
          near(r.sol(1.0):totable(), fx.events.exact_sol_1, 1e-7, "sol(1)")
          near(r.sol(0.001):totable(), fx.events.exact_sol_001, 1e-6, "sol(0.001)")
          local s = r.sol({0.5, 1.0})
          assert.are.same({3, 2}, s.shape)
          assert.is_truthy(tostring(r.sol):find(m, 1, true))
          -- a terminal event stops the integration there
          local ev = setmetatable({terminal = true, direction = -1},
            {__call = function(_, t, y) return y:get(1) - 0.5 end})
          local rt = I.solve_ivp(lin, {0, 5}, fx.linear.y0, {method = m, rtol = 1e-8, atol = 1e-11,
            events = ev})
          assert.are.equal(1, rt.status)
          near(rt.t:get(-1), fx.events.exact, 1e-6, "terminal time")
        end)

        it("passes args to fun and jac", function()
          local r = I.solve_ivp(function(t, y, k) return {-k * y:get(1)} end, {0, 1}, {1},
            {method = m, args = {2.0}, rtol = 1e-8, atol = 1e-10,
             jac = function(t, y, k) return {{-k}} end})
          near(r.y:get(1, -1), exp(-2), 1e-6, "y(1)")
        end)

        it("a callback error (string or table) reaches the caller", function()
          local ok, e = pcall(I.solve_ivp, function() error("boom") end, {0, 1}, {1}, {method = m})
          assert.is_false(ok)
          assert.is_truthy(e:find("lumpy.integrate.solve_ivp", 1, true))
          assert.is_truthy(e:find("boom", 1, true))
          local obj = {}
          ok, e = pcall(I.solve_ivp, function(t, y)
            if t > 0.1 then error(obj) end
            return {-y:get(1)}
          end, {0, 1}, {1}, {method = m})
          assert.is_false(ok)
          assert.are.equal(obj, e)
          -- in jac (VdP needs it at once in BDF mode for LSODA)
          ok, e = pcall(I.solve_ivp, vdp, {0, 10}, {2, 0},
            {method = m, jac = function() error("jacfail") end})
          assert.is_false(ok)
          assert.is_truthy(e:find("jacfail", 1, true))
          ok, e = pcall(I.solve_ivp, vdp, {0, 10}, {2, 0},
            {method = m, jac = function() error(obj) end})
          assert.is_false(ok)
          assert.are.equal(obj, e)
        end)

        it("wrong return sizes and Jacobian shapes are clear errors", function()
          local ok, e = pcall(I.solve_ivp, function() return {1, 2} end, {0, 1}, {1}, {method = m})
          assert.is_false(ok)
          assert.is_truthy(e:find("must have 1 elements, got 2", 1, true))
          local bad = {
            {function() return {{1, 2}} end, "must have 2 rows, got 1"},
            {function() return np.zeros{3, 3} end, "must have shape {2, 2}, got {3, 3}"},
            {function() return {{0, 1}, {2, "x"}} end, "element {2, 2} is string"},
            {function() return "no" end, "got string"},
            {function() return np.zeros({2, 2}, "complex128") end, "must be real"},
            {function() return {{0, 1}, 5} end, "row 2 of the Jacobian"},
          }
          for _, b in ipairs(bad) do
            ok, e = pcall(I.solve_ivp, vdp, {0, 10}, {2, 0}, {method = m, jac = b[1]})
            assert.is_false(ok)
            assert.is_truthy(e:find(b[2], 1, true), e)
          end
          ok, e = pcall(I.solve_ivp, vdp, {0, 10}, {2, 0}, {method = m, jac = np.zeros{3, 3}})
          assert.is_false(ok)
          assert.is_truthy(e:find("must have shape {2, 2}, got {3, 3}", 1, true))
        end)

        it("NaN in the right-hand side: a clean failure status, no hang", function()
          local c0 = os.clock()
          local r = I.solve_ivp(function(t, y)
            if t > 0.5 then return {0 / 0} end
            return {-y:get(1)}
          end, {0, 1}, {1}, {method = m})
          assert.are.equal(-1, r.status)
          assert.is_false(r.success)
          assert.is_string(r.message)
          assert.is_true(r.t:get(-1) <= 0.5)
          assert.is_true(os.clock() - c0 < 2)
          -- NaN from the start
          r = I.solve_ivp(function() return {0 / 0} end, {0, 1}, {1}, {method = m})
          assert.are.equal(-1, r.status)
        end)

        it("memory stays flat over many failing calls", function()
          local function run()
            pcall(I.solve_ivp, function(t, y)
              if t > 1 then error("stop") end
              return {y:get(2), MU * (1 - y:get(1) ^ 2) * y:get(2) - y:get(1)}
            end, {0, 10}, {2, 0}, {method = m})
          end
          for _ = 1, 20 do run() end
          collectgarbage()
          collectgarbage()
          local before = collectgarbage("count")
          for _ = 1, 300 do run() end
          collectgarbage()
          collectgarbage()
          -- each call holds about 10 KB of work memory while it runs
          local grown = collectgarbage("count") - before
          assert.is_true(grown < 500, string.format("grew by %.0f KB", grown))
        end)

        it("strided and transposed inputs: y0, atol and the Jacobian", function()
          local base = np.array{{2.0, 7.0}, {0.0, 7.0}}
          local y0 = base.T[1]                      -- {2, 0} with a stride of 16 bytes
          local atol = np.array{{1e-6, 5.0}, {1e-6, 5.0}}.T[1]
          local r = I.solve_ivp(vdp, {0, 100}, y0, {method = m, atol = atol,
            jac = function(t, y) return np.array(vdp_jac(t, y)).T.T end})
          local c = I.solve_ivp(vdp, {0, 100}, {2, 0}, {method = m, atol = 1e-6,
            jac = vdp_jac})
          assert.are.equal(c.nfev, r.nfev)
          near(r.y:get(1, -1), c.y:get(1, -1), 0, "same result")
          -- a transposed (non-contiguous) Jacobian: pass J^T of the transpose
          local rt = I.solve_ivp(vdp, {0, 100}, {2, 0}, {method = m, atol = 1e-6,
            jac = function(t, y)
              local j = vdp_jac(t, y)
              return np.array{{j[1][1], j[2][1]}, {j[1][2], j[2][2]}}.T
            end})
          assert.are.equal(c.nfev, rt.nfev)
          near(rt.y:get(1, -1), c.y:get(1, -1), 0, "transposed Jacobian")
        end)

        it("max_step and first_step are honoured", function()
          local r = I.solve_ivp(decay, {0, 10}, {1}, {method = m, max_step = 0.5, first_step = 0.01})
          local t = r.t:totable()
          near(t[2], 0.01, 1e-15, "first step")
          for i = 2, #t do assert.is_true(t[i] - t[i - 1] <= 0.5 + 1e-12) end
          near(r.y:get(1, -1), exp(-5), 1e-4, "y(10)")
        end)

        it("a system of size zero and t_span of length zero", function()
          local r = I.solve_ivp(function() return {} end, {0, 1}, {}, {method = m})
          assert.are.equal(0, r.status)
          r = I.solve_ivp(decay, {1, 1}, {2}, {method = m})
          assert.are.equal(0, r.status)
          near(r.y:get(1, -1), 2, 0, "y")
        end)
      end)
    end

    describe("LSODA", function()
      it("stays with Adams on non-stiff problems (no Jacobian)", function()
        local r = I.solve_ivp(function(t, y) return {y:get(2), -y:get(1)} end, {0, 20}, {1, 0},
          {method = "LSODA", rtol = 1e-6, atol = 1e-9})
        local s = fx.nonstiff.osc
        assert.are.equal(0, r.njev)
        near(r.y:get(1, -1), s.exact[1], 2e-5, "cos(20)")
        ratio(r.nfev, s.nfev, 0.35, "nfev")
        local lv = I.solve_ivp(function(t, y)
          local a, b = y:get(1), y:get(2)
          return {1.5 * a - a * b, -3 * b + a * b}
        end, {0, 15}, {10, 5}, {method = "LSODA", rtol = 1e-8, atol = 1e-8})
        assert.are.equal(0, lv.njev)
        -- a sensitive problem: SciPy's own error is about 1e-5 here
        local theirs = abs(fx.nonstiff.lv.y_end[1] - fx.nonstiff.lv.ref[1])
        near(lv.y:get(1, -1), fx.nonstiff.lv.ref[1], 3 * theirs, "Lotka-Volterra")
        ratio(lv.nfev, fx.nonstiff.lv.nfev, 0.35, "nfev")
      end)

      it("switches to BDF on Van der Pol (njev = nlu > 0)", function()
        local r = I.solve_ivp(vdp, {0, 100}, {2, 0}, {method = "LSODA"})
        assert.is_true(r.njev > 0)
        assert.are.equal(r.njev, r.nlu)
      end)
    end)
  end)

  describe("odeint", function()
    it("a non-stiff system against the closed form, counts near SciPy's", function()
      local y, info = I.odeint(function(y, t) return {-0.5 * y:get(1), y:get(1) - y:get(2)} end,
        {1, 0}, fx.odeint.t)
      assert.are.same({11, 2}, y.shape)
      near(y:totable(), fx.odeint.exact, 2e-7, "y")
      near(y:totable(), fx.odeint.y, 2e-7, "SciPy's y")
      assert.are.equal("Integration successful.", info.message)
      assert.are.equal(0, info.nje:get(-1))
      ratio(info.nfe:get(-1), fx.odeint.nfe, 0.05, "nfe")
      assert.are.equal(10, info.hu.size)
      for i = 1, 10 do assert.are.equal(1, info.mused:get(i)) end
    end)

    it("Robertson (stiff), with and without Dfun", function()
      local R = fx.odeint.rob
      local f = function(y, t) return rob(t, y) end
      local y, info = I.odeint(f, {1, 0, 0}, R.t, {rtol = 1e-6, atol = {1e-8, 1e-14, 1e-6}})
      local got = y:totable()
      for i = 2, #R.t do
        near(got[i][1], R.ref[i][1], 2e-4 * R.ref[i][1], "y1 at " .. R.t[i])
        near(got[i][3], R.ref[i][3], 2e-4 * R.ref[i][3] + 1e-9, "y3 at " .. R.t[i])
      end
      assert.are.equal(2, info.mused:get(-1))
      ratio(info.nfe:get(-1), R.nfe, 0.35, "nfe")
      local yj, infoj = I.odeint(f, {1, 0, 0}, R.t, {rtol = 1e-6, atol = {1e-8, 1e-14, 1e-6},
        Dfun = function(y, t) return rob_jac(t, y) end})
      near(yj:get(-1, 1), R.ref[#R.t][1], 2e-4 * R.ref[#R.t][1], "y1 with Dfun")
      ratio(infoj.nje:get(-1), R.jac_nje, -0.35, "nje with Dfun")
      assert.is_true(infoj.nfe:get(-1) < info.nfe:get(-1))
      -- col_deriv: Dfun returns the transpose
      local yc = I.odeint(f, {1, 0, 0}, R.t, {rtol = 1e-6, atol = {1e-8, 1e-14, 1e-6},
        col_deriv = true, Dfun = function(y, t) return rob_jac(t, y).T end})
      near(yc:get(-1, 1), yj:get(-1, 1), 1e-12, "col_deriv")
    end)

    it("tfirst and args", function()
      local y = I.odeint(function(t, y, k) return {-k * y:get(1)} end, 1.0, {0, 1, 2},
        {tfirst = true, args = {0.5}, rtol = 1e-10, atol = 1e-12})
      near(y:get(3, 1), exp(-1), 1e-8, "y(2)")
    end)

    it("backwards in time, with h0 and hmax", function()
      local y, info = I.odeint(function(y) return {-0.5 * y:get(1)} end, {exp(-5)},
        {10, 8, 4, 0}, {rtol = 1e-10, atol = 1e-14, h0 = 0.01, hmax = 0.25})
      near(y:get(4, 1), 1.0, 1e-8, "y(0)")
      near(y:get(3, 1), exp(-2), 1e-8, "y(4)")
      for i = 1, 3 do assert.is_true(abs(info.hu:get(i)) <= 0.25 + 1e-12) end
      assert.is_true(info.hu:get(1) < 0)
    end)

    it("t as a stepped view", function()
      -- {0, 1, 2, 3, 4} with a stride of 16 bytes
      local t = np.array{{0, 9}, {1, 9}, {2, 9}, {3, 9}, {4, 9}}.T[1]
      local y = I.odeint(function(y) return {-y:get(1)} end, {1}, t, {rtol = 1e-10, atol = 1e-12})
      assert.are.same({5, 1}, y.shape)
      near(y:get(5, 1), exp(-4), 1e-9, "y(4)")
      near(y:get(3, 1), exp(-2), 1e-9, "y(2)")
    end)

    it("excess work is a result with NaN rows, not an error", function()
      local y, info = I.odeint(function(y, t) return vdp(t, y) end, {2, 0}, {0, 3000},
        {mxstep = 50})
      assert.is_true(info.istate < 0)
      assert.is_truthy(info.message:find("Excess work", 1, true))
      assert.is_true(y:get(2, 1) ~= y:get(2, 1))
    end)

    it("NaN in func: a failure state with NaN rows, no hang", function()
      local c0 = os.clock()
      local y, info = I.odeint(function(y, t)
        if t > 0.5 then return {0 / 0} end
        return {-y:get(1)}
      end, {1}, {0, 0.25, 1, 2})
      assert.is_true(info.istate < 0)
      assert.is_string(info.message)
      near(y:get(2, 1), exp(-0.25), 1e-6, "y(0.25)")
      assert.is_true(y:get(3, 1) ~= y:get(3, 1))
      assert.is_true(os.clock() - c0 < 2)
    end)

    it("errors: arguments, options and callbacks", function()
      local f = function(y) return {-y:get(1)} end
      assert.has_error(function() I.odeint(1, {1}, {0, 1}) end,
        "bad argument #1 to 'odeint' (function expected, got number)")
      assert.has_error(function() I.odeint(f, "x", {0, 1}) end,
        "bad argument #2 to 'odeint' (y0 must be an array or a table of numbers, got string)")
      assert.has_error(function() I.odeint(f, {1}, {0, 2, 1}) end, "bad argument #3 to 'odeint' (t must be monotonic)")
      assert.has_error(function() I.odeint(f, {1}, {}) end,
        "bad argument #3 to 'odeint' (t must be a non-empty 1-d sequence)")
      assert.has_error(function() I.odeint(f, {{1}}, {0, 1}) end,
        "bad argument #2 to 'odeint' (y0 must be 1-d)")
      assert.has_error(function() I.odeint(f, {1}, {0, 1}, {args = 1}) end,
        "bad argument #4 to 'odeint' (option 'args' must be a table)")
      assert.has_error(function() I.odeint(f, {1}, {0, 1}, {Dfun = 3}) end,
        "bad argument #4 to 'odeint' (option 'Dfun' must be a function)")
      local okj, ej = pcall(I.odeint, function(y, t) return vdp(t, y) end, {2, 0}, {0, 10},
        {Dfun = function() return {{1, 2, 3}} end})
      assert.is_false(okj)
      assert.is_truthy(ej:find("must have 2 rows, got 1", 1, true))
      assert.has_error(function() I.odeint(f, {1}, {0, 1}, {bogus = 1}) end, "bad argument #4 to 'odeint' (unknown option 'bogus')")
      assert.has_error(function() I.odeint(f, {1}, {0, 1}, {rtol = -1}) end,
        "bad argument #4 to 'odeint' (option 'rtol' must be a non-negative number)")
      assert.has_error(function() I.odeint(f, {1}, {0, 1}, {atol = {1, 2}}) end,
        "bad argument #4 to 'odeint' (option 'atol' must be a number or have 1 values)")
      local ok, e = pcall(I.odeint, function() error("oops") end, {1}, {0, 1})
      assert.is_false(ok)
      assert.is_truthy(e:find("lumpy.integrate.odeint", 1, true))
      local obj = {}
      ok, e = pcall(I.odeint, function(y, t) return vdp(t, y) end, {2, 0}, {0, 10},
        {Dfun = function() error(obj) end})
      assert.is_false(ok)
      assert.are.equal(obj, e)
      ok, e = pcall(I.odeint, function() return {1, 2} end, {1}, {0, 1})
      assert.is_false(ok)
      assert.is_truthy(e:find("must have 1 elements", 1, true))
    end)

    it("a single time point returns y0", function()
      local y = I.odeint(function(y) return {-y:get(1)} end, {3}, {0})
      assert.are.same({1, 1}, y.shape)
      assert.are.equal(3, y:get(1, 1))
    end)
  end)
end)
