-- stiff solve_ivp and odeint timing (lumpy side); run from the repository root:
--   LUA_PATH="lua/?.lua;lua/?/init.lua;;" LUA_CPATH="lua/?.so;;" lua5.4 bench/integrate_stiff.lua
-- bench/integrate_stiff.py is the SciPy side; run them interleaved (several
-- rounds each, alternately) and compare the best times.
local np = require "lumpy"
local I = np.integrate
local clock = os.clock
local mu = 1000
local function vdp(t, y) local a, b = y:get(1), y:get(2); return {b, mu * (1 - a * a) * b - a} end
local function vdp_jac(t, y)
  local a, b = y:get(1), y:get(2)
  return {{0, 1}, {-2 * mu * a * b - 1, mu * (1 - a * a)}}
end
local function vdp_odeint(y, t) return vdp(t, y) end
-- best of reps
local function timeit(name, reps, f)
  local best, r = math.huge, nil
  for _ = 1, reps do
    local t0 = clock()
    r = f()
    best = math.min(best, clock() - t0)
  end
  print(string.format("lumpy %-40s %9.3f ms  nfev=%-6d njev=%-4d (%.2f us/eval)", name, best * 1e3,
    r.nfev, r.njev or 0, best * 1e6 / r.nfev))
end
for _, m in ipairs{"BDF", "Radau", "LSODA"} do
  timeit("VdP mu=1000 [0,3000] " .. m, 5, function()
    return I.solve_ivp(vdp, {0, 3000}, {2, 0}, {method = m})
  end)
  timeit("VdP mu=1000 [0,3000] " .. m .. " jac", 5, function()
    return I.solve_ivp(vdp, {0, 3000}, {2, 0}, {method = m, jac = vdp_jac})
  end)
end
local t = np.linspace(0, 3000, 301)
timeit("odeint VdP mu=1000 [0,3000] 301 points", 5, function()
  local _, info = I.odeint(vdp_odeint, {2, 0}, t, {mxstep = 5000})
  return {nfev = info.nfev, njev = info.njev}
end)
