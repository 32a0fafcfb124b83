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

-- objectives read x once with totable (the fast path for scalar loops)
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

local x10, x100 = {}, {}
for i = 1, 10 do x10[i] = i % 2 == 1 and -1.2 or 1.0 end
for i = 1, 100 do x100[i] = i % 2 == 1 and -1.2 or 1.0 end

local t, r = best(5, function() return opt.minimize(rosen, x10, {method = "BFGS"}) end)
print(("bfgs_rosen10 %.6f %d"):format(t, r.nfev))
print(("bfgs_rosen10_seqsum %.6f %d"):format(t, r.nfev))
t, r = best(5, function() return opt.minimize(rosen, {-1.2, 1.0}, {method = "Nelder-Mead"}) end)
print(("neldermead_rosen2 %.6f %d"):format(t, r.nfev))
t, r = best(5, function() return opt.minimize(rosen, x100, {method = "L-BFGS-B", jac = rosen_der}) end)
print(("lbfgsb_rosen100 %.6f %d"):format(t, r.nfev))
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
local xa = np.array(xd)
local model = function(x, a, b, c) return a * np.exp(-b * x) + c end
local nfev
t = best(5, function()
  local popt, pcov, info = opt.curve_fit(model, xa, yd, {1, 1, 1}, {full_output = true})
  nfev = info.nfev
  return popt
end)
print(("curve_fit_exp1000 %.6f %d"):format(t, nfev))
