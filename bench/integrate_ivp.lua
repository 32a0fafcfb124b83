-- solve_ivp timing; run from the repository root
local np = require "lumpy"
local I = np.integrate
local function lv(t, y) local a, b = y:get(1), y:get(2); return {1.5 * a - a * b, -3 * b + a * b} end
local function timeit(name, n, f)
  local r = f()
  local t0 = os.clock()
  for _ = 1, n do f() end
  local dt = (os.clock() - t0) / n
  print(string.format("lumpy %-34s %9.3f ms nfev=%d (%.2f us/eval)", name, dt * 1e3, r.nfev,
    dt * 1e6 / r.nfev))
end
timeit("RK45 Lotka-Volterra rtol 1e-8", 20, function()
  return I.solve_ivp(lv, {0, 15}, {10, 5}, {method = "RK45", rtol = 1e-8})
end)
local mu = 1000
local function vdp(t, y) local a, b = y:get(1), y:get(2); return {b, mu * (1 - a * a) * b - a} end
for _, m in ipairs{"BDF", "Radau"} do
  local ok = pcall(I.solve_ivp, vdp, {0, 1}, {2, 0}, {method = m})
  if ok then
    timeit("Van der Pol mu=1000 [0,3000] " .. m, 3, function()
      return I.solve_ivp(vdp, {0, 3000}, {2, 0}, {method = m})
    end)
  end
end
