-- Powell, SLSQP and linprog benchmarks; bench/optimize2.py runs the same
-- problems in SciPy. One line per case: name, best time (s), nfev (nit for
-- linprog).
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

local function rosen(xa)
  local x, s = xa:totable(), 0
  for i = 1, #x - 1 do
    local a, b = x[i], x[i + 1]
    s = s + (100 * (b - a * a) ^ 2 + (1 - a) ^ 2)
  end
  return s
end

local function wood(xa)
  local a, b, c, d = xa:get(1), xa:get(2), xa:get(3), xa:get(4)
  return 100 * (b - a * a) ^ 2 + (1 - a) ^ 2 + 90 * (d - c * c) ^ 2 + (1 - c) ^ 2
    + 10 * (b + d - 2) ^ 2 + 0.1 * (b - d) ^ 2
end

local function hs071(x)
  local a, b, c, d = x:get(1), x:get(2), x:get(3), x:get(4)
  return a * d * (a + b + c) + c
end
local hs071_cons = {
  {type = "ineq", fun = function(x) return x:get(1) * x:get(2) * x:get(3) * x:get(4) - 25 end},
  {type = "eq", fun = function(x)
    local s = 0
    for i = 1, 4 do s = s + x:get(i) ^ 2 end
    return s - 40
  end}}
local box4 = {{1, 5}, {1, 5}, {1, 5}, {1, 5}}

local x10 = {}
for i = 1, 10 do x10[i] = i % 2 == 1 and -1.2 or 1.0 end

local t, r = best(5, function() return opt.minimize(rosen, {-1.2, 1.0}, {method = "Powell"}) end)
print(("powell_rosen2 %.6f %d"):format(t, r.nfev))
t, r = best(5, function() return opt.minimize(wood, {-3, -1, -3, -1}, {method = "Powell"}) end)
print(("powell_wood %.6f %d"):format(t, r.nfev))
t, r = best(5, function() return opt.minimize(rosen, x10, {method = "Powell"}) end)
print(("powell_rosen10 %.6f %d"):format(t, r.nfev))
t, r = best(5, function()
  return opt.minimize(hs071, {1, 5, 5, 1}, {method = "SLSQP", bounds = box4, constraints = hs071_cons})
end)
print(("slsqp_hs071 %.6f %d"):format(t, r.nfev))
t, r = best(5, function() return opt.minimize(rosen, x10, {method = "SLSQP"}) end)
print(("slsqp_rosen10 %.6f %d"):format(t, r.nfev))

-- a random dense LP (the generator's random4 shape: 40 rows, 60 columns)
local fx = dofile("spec/fixtures/optimize2.lua")
local lp
for _, c in ipairs(fx.linprog) do if c.name == "random4" then lp = c end end
local A_ub, b_ub, A_eq, b_eq = np.array(lp.A_ub), np.array(lp.b_ub), np.array(lp.A_eq), np.array(lp.b_eq)
t, r = best(5, function()
  return opt.linprog(lp.c, {A_ub = A_ub, b_ub = b_ub, A_eq = A_eq, b_eq = b_eq, bounds = lp.bounds})
end)
print(("linprog_40x60 %.6f %d"):format(t, r.nit))
