-- bench/workloads/integrate.lua: quadrature and ODE solvers calling a Lua
-- function from C. integrate.py beside it is the SciPy side.
local np = require "lumpy"

local W = {}

W.quad_oscil = {
  needs = {"np.integrate.quad"},
  counted = {"f"},
  setup = function(n)
    return {b = n, f = function(x) return math.exp(-x * x) * math.cos(x) end}
  end,
  run = function(s) return (np.integrate.quad(s.f, 0, s.b)) end,
}

W.quad_inf = {
  needs = {"np.integrate.quad"},
  counted = {"f"},
  setup = function() return {f = function(x) return math.exp(-x * x) end} end,
  run = function(s) return (np.integrate.quad(s.f, -math.huge, math.huge)) end,
}

-- solve_ivp knows the method (an error naming the method counts as not
-- knowing it; any other error lets the workload run and show it)
local function method(name)
  return function()
    local ok, err = pcall(np.integrate.solve_ivp, function(_, y) return {-y:get(1)} end,
      {0, 1}, {1}, {method = name})
    return ok or not tostring(err):find("method", 1, true), "solve_ivp method " .. name
  end
end

-- the state at the end of the interval
local function last(res)
  local y = res.y
  local n = y.shape[1]
  local t = {}
  for i = 1, n do t[i] = y:get(i, -1) end
  return t
end

W.ivp_lv_rk45 = {
  needs = {"np.integrate.solve_ivp", method("RK45")},
  counted = {"f"},
  setup = function(n)
    return {
      T = n,
      f = function(_, y)
        local a, b = y:get(1), y:get(2)
        return {1.5 * a - a * b, -3 * b + a * b}
      end,
    }
  end,
  run = function(s)
    return np.integrate.solve_ivp(s.f, {0, s.T}, {10, 5},
      {method = "RK45", rtol = 1e-8, atol = 1e-6})
  end,
  fp = last,
}

local function vdp(name)
  return {
    needs = {"np.integrate.solve_ivp", method(name)},
    counted = {"f"},
    setup = function(n)
      return {
        T = n,
        f = function(_, y)
          local a, b = y:get(1), y:get(2)
          return {b, 1000 * (1 - a * a) * b - a}
        end,
      }
    end,
    run = function(s) return np.integrate.solve_ivp(s.f, {0, s.T}, {2, 0}, {method = name}) end,
    fp = last,
  }
end
W.ivp_vdp_bdf = vdp("BDF")
W.ivp_vdp_radau = vdp("Radau")
W.ivp_vdp_lsoda = vdp("LSODA")

-- BDF with the Jacobian given (instead of finite differences of f)
W.ivp_vdp_bdf_jac = vdp("BDF")
W.ivp_vdp_bdf_jac.counted = {"f", "j"}
local setup_vdp = W.ivp_vdp_bdf_jac.setup
W.ivp_vdp_bdf_jac.setup = function(n)
  local s = setup_vdp(n)
  s.j = function(_, y)
    local a, b = y:get(1), y:get(2)
    return {{0, 1}, {-2000 * a * b - 1, 1000 * (1 - a * a)}}
  end
  return s
end
W.ivp_vdp_bdf_jac.run = function(s)
  return np.integrate.solve_ivp(s.f, {0, s.T}, {2, 0}, {method = "BDF", jac = s.j})
end

-- odeint (LSODA) on the same problem, 301 output times over [0, T]
W.odeint_vdp = {
  needs = {"np.integrate.odeint", "np.linspace"},
  counted = {"f"},
  setup = function(n)
    return {
      t = np.linspace(0, n, 301),
      f = function(y)
        local a, b = y:get(1), y:get(2)
        return {b, 1000 * (1 - a * a) * b - a}
      end,
    }
  end,
  run = function(s)
    local y = np.integrate.odeint(s.f, {2, 0}, s.t, {mxstep = 5000})
    return {y:get(-1, 1), y:get(-1, 2)}
  end,
}

return W
