-- lumpy.optimize benchmarks; bench/optimize.py runs the same problems in
-- SciPy. Prints one line per case: name, best wall time (s), nfev.
local np = require "lumpy"
local opt = np.optimize
local clock = os.clock

-- best of reps rounds; each round repeats f until 0.05 s have passed
local function best(reps, f)
  local tbest, out = math.huge, nil
  for _ = 1, reps do
    local t0, k = clock(), 0
    repeat out = f(); k = k + 1 until clock() - t0 >= 0.05
    local t = (clock() - t0) / k
    if t < tbest then tbest = t end
  end
  return tbest, out
end

-- objectives with a Lua loop: read x once with totable (the fast path for
-- scalar loops)
local function rosen(xa)
  local x, s = xa:totable(), 0
  for i = 1, #x - 1 do
    local a, b = x[i], x[i + 1]
    s = s + (100 * (b - a * a) ^ 2 + (1 - a) ^ 2)
  end
  return s
end

local function rosen_der(xa)
  local x, g = xa:totable(), {}
  local n = #x
  for i = 1, n do g[i] = 0 end
  for i = 1, n - 1 do
    local a, b = x[i], x[i + 1]
    g[i] = g[i] - 400 * a * (b - a * a) - 2 * (1 - a)
    g[i + 1] = g[i + 1] + 200 * (b - a * a)
  end
  return g
end

-- the same with lumpy array operations (slices and ufuncs), the counterpart
-- of SciPy's vectorised optimize.rosen / rosen_der
local function vrosen(x)
  local a, b = x[{{1, -2}}], x[{{2, -1}}]
  local d, e = b - a * a, 1 - a
  return (100 * (d * d) + e * e):sum()
end

local function vrosen_der(x)
  local xm, xm1, xp1 = x[{{2, -2}}], x[{{1, -3}}], x[{{3, -1}}]
  local der = np.zeros_like(x)
  der[{{2, -2}}] = 200 * (xm - xm1 * xm1) - 400 * (xp1 - xm * xm) * xm - 2 * (1 - xm)
  local x1, x2 = x[1], x[2]
  der[1] = -400 * x1 * (x2 - x1 * x1) - 2 * (1 - x1)
  local xl, xl2 = x[-1], x[-2]
  der[-1] = 200 * (xl - xl2 * xl2)
  return der
end

local x10, x100 = {}, {}
for i = 1, 10 do x10[i] = i % 2 == 1 and -1.2 or 1.0 end
for i = 1, 100 do x100[i] = i % 2 == 1 and -1.2 or 1.0 end

local t, r = best(5, function() return opt.minimize(vrosen, x10, {method = "BFGS"}) end)
print(("bfgs_rosen10 %.6f %d"):format(t, r.nfev))
t, r = best(5, function() return opt.minimize(rosen, x10, {method = "BFGS"}) end)
print(("bfgs_rosen10_loop %.6f %d"):format(t, r.nfev))
print(("bfgs_rosen10_seqsum %.6f %d"):format(t, r.nfev))
t, r = best(5, function() return opt.minimize(vrosen, {-1.2, 1.0}, {method = "Nelder-Mead"}) end)
print(("neldermead_rosen2 %.6f %d"):format(t, r.nfev))
t, r = best(5, function() return opt.minimize(rosen, {-1.2, 1.0}, {method = "Nelder-Mead"}) end)
print(("neldermead_rosen2_loop %.6f %d"):format(t, r.nfev))
t, r = best(5, function()
  return opt.minimize(vrosen, x100, {method = "L-BFGS-B", jac = vrosen_der})
end)
print(("lbfgsb_rosen100 %.6f %d"):format(t, r.nfev))
t, r = best(5, function() return opt.minimize(rosen, x100, {method = "L-BFGS-B", jac = rosen_der}) end)
print(("lbfgsb_rosen100_loop %.6f %d"):format(t, r.nfev))
local f = function(x) return x * x * x - 2 * x - 5 end
t, r = best(5, function()
  local rr
  for _ = 1, 1000 do _, rr = opt.brentq(f, 2, 3) end
  return rr
end)
print(("brentq_x1000 %.6f %d"):format(t, r.function_calls))
local xd, yd = {}, {}
for i = 1, 1000 do
  local x = (i - 1) * 4 / 999
  xd[i] = x
  yd[i] = 2.5 * math.exp(-1.3 * x) + 0.5 + 0.05 * math.sin(7 * x)
end
-- the model with lumpy's ufuncs on the xdata array
local xa, ya = np.array(xd), np.array(yd)
local model = function(x, a, b, c) return a * np.exp(-b * x) + c end
local nfev
t = best(5, function()
  local popt, pcov, info = opt.curve_fit(model, xa, ya, {1, 1, 1}, {full_output = true})
  nfev = info.nfev
  return popt
end)
print(("curve_fit_exp1000 %.6f %d"):format(t, nfev))
