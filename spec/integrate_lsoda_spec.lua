local np = require "lumpy"
local I = np.integrate
local fx = require("fixtures.integrate").ode

local abs, sin = math.abs, math.sin
local function lv(t, y)
  local a, b = y:get(1), y:get(2)
  return {1.5 * a - a * b, -3 * b + a * b}
end
local mu = 1000
local function vdp(t, y)
  local a, b = y:get(1), y:get(2)
  return {b, mu * (1 - a * a) * b - a}
end
local function rober(t, y)
  local a, b, c = y:get(1), y:get(2), y:get(3)
  return {-0.04 * a + 1e4 * b * c, 0.04 * a - 1e4 * b * c - 3e7 * b * b, 3e7 * b * b}
end
local function pend(y, t, b, c) return {y:get(2), -b * y:get(2) - c * sin(y:get(1))} end

local function near(a, b, tol, what)
  assert.is_true(abs(a - b) <= tol, (what or "") .. ": " .. tostring(a) .. " vs " .. tostring(b))
end

describe("lumpy.integrate", function()
  describe("solve_ivp LSODA", function()
    it("stays with Adams on a nonstiff problem (no Jacobians)", function()
      local r = I.solve_ivp(lv, {0, 15}, {10, 5}, {method = "LSODA", rtol = 1e-8, atol = 1e-8})
      assert.are.equal(0, r.status)
      assert.are.equal(0, r.njev)
      local nt = r.t.size
      for i = 1, 2 do near(r.y:get(i, nt), fx.lv_ref[i], 1e-4, "vs reference") end
      assert.is_true(abs(r.nfev - fx.lv_LSODA.nfev) <= 0.1 * fx.lv_LSODA.nfev,
        r.nfev .. " vs " .. fx.lv_LSODA.nfev)
    end)

    it("switches to BDF on Van der Pol mu = 1000", function()
      local r = I.solve_ivp(vdp, {0, 3000}, {2, 0}, {method = "LSODA",
        t_eval = {500, 1000, 2000, 3000}})
      assert.are.equal(0, r.status)
      assert.is_true(r.njev > 0)
      assert.is_true(abs(r.nfev - fx.vdp_LSODA.nfev) <= 0.1 * fx.vdp_LSODA.nfev,
        r.nfev .. " vs " .. fx.vdp_LSODA.nfev)
      local y = r.y:totable()
      for k = 1, 4 do
        near(y[1][k], fx.vdp_ref[1][k], 5e-2, "y1")
        near(y[2][k], fx.vdp_ref[2][k], 5e-5, "y2")
      end
    end)

    it("Robertson with a user Jacobian and with finite differences", function()
      local function jac(t, y)
        local a, b, c = y:get(1), y:get(2), y:get(3)
        return {{-0.04, 1e4 * c, 1e4 * b}, {0.04, -1e4 * c - 6e7 * b, -1e4 * b}, {0, 6e7 * b, 0}}
      end
      for _, j in ipairs{false, true} do
        local r = I.solve_ivp(rober, {0, 1e5}, {1, 0, 0}, {method = "LSODA", rtol = 1e-6,
          atol = 1e-10, jac = j and jac or nil})
        assert.are.equal(0, r.status)
        assert.is_true(r.njev > 0)
        if not j then
          assert.is_true(abs(r.nfev - fx.rober_LSODA.nfev) <= 0.1 * fx.rober_LSODA.nfev,
            r.nfev .. " vs " .. fx.rober_LSODA.nfev)
        end
        local nt = r.t.size
        for i = 1, 3 do
          near(r.y:get(i, nt), fx.rober_ref[i], 1e-4 * abs(fx.rober_ref[i]) + 1e-10, "y")
        end
      end
    end)

    it("dense output, events and errors", function()
      local r = I.solve_ivp(function(t, y) return {y:get(2), -9.81} end, {0, 10}, {0, 10},
        {method = "LSODA", dense_output = true,
         events = {function(t, y) return y:get(1) end, terminal = true, direction = -1}})
      assert.are.equal(1, r.status)
      near(r.t_events[1]:get(1), 20 / 9.81, 1e-6, "t_event")
      near(r.sol(1):get(1), 10 - 9.81 / 2, 1e-6, "sol")
      local ok, e = pcall(I.solve_ivp, function() error("lsoda rhs") end, {0, 1}, {1},
        {method = "LSODA"})
      assert.is_false(ok)
      assert.is_truthy(e:find("lsoda rhs", 1, true))
      r = I.solve_ivp(function() return {0 / 0} end, {0, 1}, {1}, {method = "LSODA"})
      assert.are.equal(-1, r.status)
    end)
  end)

  describe("odeint", function()
    it("func(y, t) with args at the requested times (len(t) x n)", function()
      local t = np.linspace(0, 10, 11)
      local y, info = I.odeint(pend, {math.pi - 0.1, 0}, t, {args = {0.25, 5.0}})
      assert.are.same({11, 2}, y.shape)
      assert.are.equal(math.pi - 0.1, y:get(1, 1))
      assert.are.equal(0, y:get(1, 2))
      local yt = y:totable()
      for k = 1, 11 do
        for i = 1, 2 do near(yt[k][i], fx.odeint_pend_ref[k][i], 1e-5, "vs reference") end
      end
      assert.is_true(info.success)
      assert.is_true(abs(info.nfe - fx.odeint_pend.nfe) <= 0.1 * fx.odeint_pend.nfe)
    end)

    it("tfirst, Dfun and backwards times", function()
      local y = I.odeint(function(t, y) return {-2 * y:get(1)} end, {1}, {0, 0.5, 1},
        {tfirst = true, Dfun = function() return {{-2}} end})
      near(y:get(3, 1), math.exp(-2), 1e-7, "tfirst")
      y = I.odeint(function(y, t) return {-2 * y:get(1)} end, {1}, {1, 0.5, 0})
      near(y:get(3, 1), math.exp(2), 1e-6 * math.exp(2), "backwards")
    end)

    it("rejects bad arguments", function()
      assert.has_error(function() I.odeint(1, {1}, {0, 1}) end,
        "bad argument #1 to 'odeint' (function expected, got number)")
      assert.has_error(function() I.odeint(pend, {1}, {0, 1, 0.5}) end,
        "bad argument #3 to 'odeint' (t must be strictly monotonic)")
      assert.has_error(function() I.odeint(pend, {1}, {0, 1}, {mxstep = 3}) end,
        "bad argument #4 to 'odeint' (unknown option 'mxstep')")
    end)
  end)
end)
