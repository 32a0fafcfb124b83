local np = require "lumpy"
local I = np.integrate
local fx = require("fixtures.integrate").ode

local abs, exp = math.abs, math.exp
local mu = 1000
local function vdp(t, y)
  local a, b = y:get(1), y:get(2)
  return {b, mu * (1 - a * a) * b - a}
end
local function vdp_jac(t, y)
  local a, b = y:get(1), y:get(2)
  return {{0, 1}, {-2 * mu * a * b - 1, mu * (1 - a * a)}}
end
local function rober(t, y)
  local a, b, c = y:get(1), y:get(2), y:get(3)
  return {-0.04 * a + 1e4 * b * c, 0.04 * a - 1e4 * b * c - 3e7 * b * b, 3e7 * b * b}
end
local function decay(t, y) return {-0.5 * y:get(1)} end
local function fall(t, y) return {y:get(2), -9.81} end

local function near(a, b, tol, what)
  assert.is_true(abs(a - b) <= tol, (what or "") .. ": " .. tostring(a) .. " vs " .. tostring(b))
end
-- within 10% of SciPy's count (exactly equal where rounding does not steer)
local function count(got, ref, what)
  assert.is_true(abs(got - ref) <= 0.1 * ref, what .. ": " .. got .. " vs SciPy's " .. ref)
end

describe("lumpy.integrate", function()
  describe("solve_ivp (stiff)", function()
    for _, m in ipairs{"BDF", "Radau"} do
      describe(m, function()
        it("Van der Pol mu = 1000 with finite-difference and user Jacobians", function()
          for _, j in ipairs{"fd", "jac"} do
            local r = I.solve_ivp(vdp, {0, 3000}, {2, 0}, {method = m,
              jac = j == "jac" and vdp_jac or nil, t_eval = {500, 1000, 2000, 3000}})
            local ref = fx["vdp_" .. m .. "_" .. j]
            assert.are.equal(0, r.status)
            count(r.nfev, ref.nfev, "nfev")
            count(r.njev, ref.njev, "njev")
            count(r.nlu, ref.nlu, "nlu")
            local y = r.y:totable()
            for k = 1, 4 do
              near(y[1][k], fx.vdp_ref[1][k], 5e-2, "y1 vs reference")
              near(y[1][k], ref.y[1][k], 5e-2, "y1 vs SciPy")
              near(y[2][k], fx.vdp_ref[2][k], 5e-5, "y2 vs reference")
            end
          end
        end)

        it("Robertson's chemical kinetics", function()
          local r = I.solve_ivp(rober, {0, 1e5}, {1, 0, 0}, {method = m, rtol = 1e-6, atol = 1e-10})
          local ref = fx["rober_" .. m]
          count(r.nfev, ref.nfev, "nfev")
          local nt = r.t.size
          for i = 1, 3 do
            near(r.y:get(i, nt), fx.rober_ref[i], 1e-5 * abs(fx.rober_ref[i]) + 1e-10, "y")
          end
        end)

        it("a constant Jacobian, t_eval and dense output", function()
          local r = I.solve_ivp(decay, {0, 10}, {2.0}, {method = m, jac = {{-0.5}},
            t_eval = {0, 1, 2.5, 7, 10}, dense_output = true})
          local ref = fx["teval_" .. m]
          assert.are.equal(ref.nfev, r.nfev)
          assert.are.equal(0, r.njev)
          assert.are.equal(ref.nlu, r.nlu)
          local y = r.y:totable()[1]
          for k = 1, 5 do near(y[k], ref.y[k], 1e-12, "y") end
          for k, t in ipairs{0.3, 3.3, 9.9} do
            near(r.sol(t):get(1), ref.sol[k], 1e-12, "sol")
            near(r.sol(t):get(1), 2 * exp(-0.5 * t), 2e-2 * exp(-0.5 * t), "exact")
          end
        end)

        it("locates a terminal event", function()
          local r = I.solve_ivp(fall, {0, 10}, {0, 10}, {method = m,
            events = {function(t, y) return y:get(1) end, terminal = true, direction = -1}})
          assert.are.equal(1, r.status)
          assert.are.equal(fx["fall_" .. m].nfev, r.nfev)
          near(r.t_events[1]:get(1), fx["fall_" .. m].te[1], 1e-9, "t_event")
          near(r.t_events[1]:get(1), 20 / 9.81, 1e-6, "exact")
        end)

        it("integrates backwards", function()
          local r = I.solve_ivp(decay, {10, 0}, {2.0}, {method = m, rtol = 1e-8, atol = 1e-10})
          near(r.y:get(1, r.t.size), 2 * exp(5), 1e-5 * 2 * exp(5), "y(0)")
        end)

        it("Jacobian errors are clear", function()
          local ok, e = pcall(I.solve_ivp, vdp, {0, 1}, {2, 0},
            {method = m, jac = function() return {{1, 2}} end})
          assert.is_false(ok)
          assert.is_truthy(e:find("Jacobian", 1, true))
          ok, e = pcall(I.solve_ivp, vdp, {0, 1}, {2, 0},
            {method = m, jac = function() error("no jac") end})
          assert.is_false(ok)
          assert.is_truthy(e:find("no jac", 1, true))
          ok, e = pcall(I.solve_ivp, vdp, {0, 1}, {2, 0}, {method = m, jac = np.zeros{3, 3}})
          assert.is_false(ok)
          assert.is_truthy(e:find("must have shape {2, 2}, got {3, 3}", 1, true))
        end)
      end)
    end
  end)
end)
