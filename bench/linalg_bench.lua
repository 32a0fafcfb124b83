-- lumpy.linalg timings, paired with bench/linalg_bench.py (same matrices, same
-- OpenBLAS). Usage: lua5.4 bench/linalg_bench.lua [names...]
-- Prints "name seconds" (best of several runs of a repeated loop): wall clock,
-- or process CPU time when LUMPY_BENCH_CPU is set (steadier on a loaded
-- machine; pair it with OPENBLAS_NUM_THREADS=1 on both sides).
local np = require "lumpy"
local la = np.linalg

local cpu = os.getenv("LUMPY_BENCH_CPU")

local function now()
  if cpu then return os.clock() end
  local p = io.popen("date +%s.%N")
  local t = tonumber(p:read("l"))
  p:close()
  return t
end

-- the same pseudo-random matrix as the Python side: an LCG in [-1, 1)
local function mat(m, n, seed, spd)
  local x = seed
  local t = {}
  for i = 1, m do
    local r = {}
    for j = 1, n do
      x = (x * 1103515245 + 12345) % 2147483648
      r[j] = x / 1073741824 - 1
    end
    t[i] = r
  end
  if spd then   -- symmetric, diagonally dominant: positive definite
    for i = 1, m do
      for j = 1, i - 1 do t[i][j] = t[j][i] end
      t[i][i] = n
    end
  end
  return np.array(t)
end

local function best(f, reps, runs)
  local b = math.huge
  for _ = 1, runs do
    local t0 = now()
    for _ = 1, reps do f() end
    local t = (now() - t0) / reps
    if t < b then b = t end
  end
  return b
end

local cases = {
  {"matmul1000", function() local a, b = mat(1000, 1000, 1), mat(1000, 1000, 2)
    return function() np.matmul(a, b) end, 10 end},
  {"matmul2000", function() local a, b = mat(2000, 2000, 1), mat(2000, 2000, 2)
    return function() np.matmul(a, b) end, 2 end},
  {"solve1000", function() local a, b = mat(1000, 1000, 3), mat(1, 1000, 4)[1]
    return function() la.solve(a, b) end, 10 end},
  {"inv1000", function() local a = mat(1000, 1000, 3)
    return function() la.inv(a) end, 5 end},
  {"cholesky1000", function() local a = mat(1000, 1000, 5, true)
    return function() la.cholesky(a) end, 20 end},
  {"qr1000", function() local a = mat(1000, 1000, 6)
    return function() la.qr(a) end, 3 end},
  {"eigh500", function() local a = mat(500, 500, 7, true)
    return function() la.eigh(a) end, 5 end},
  {"svd500", function() local a = mat(500, 500, 8)
    return function() la.svd(a) end, 5 end},
  {"lstsq2000x100", function() local a, b = mat(2000, 100, 9), mat(1, 2000, 10)[1]
    return function() la.lstsq(a, b) end, 20 end},
}

local want = {}
for _, n in ipairs(arg) do want[n] = true end
for _, c in ipairs(cases) do
  if next(want) == nil or want[c[1]] then
    local f, reps = c[2]()
    f()
    io.write(string.format("%s %.6f\n", c[1], best(f, reps, 5)))
    io.flush()
  end
end
