-- bench/common.lua: what the Lua workloads share: deterministic inputs that
-- bench/common.py reproduces bit for bit, the fingerprint of a result that the
-- spec compares with NumPy's, and the lookup that tells a missing lumpy
-- function from a broken one.
local np = require "lumpy"

local M = {}

-- u(k): splitmix64 of the integer k, as a double in (0, 1). k = (seed << 32) + i
-- for element i (1-based, row-major) of input number seed.
local function u(k)
  local z = k * 0x9E3779B97F4A7C15
  z = (z ~ (z >> 30)) * 0xBF58476D1CE4E5B9
  z = (z ~ (z >> 27)) * 0x94D049BB133111EB
  z = z ~ (z >> 31)
  return ((z >> 11) + 0.5) * 0x1p-53
end
M.u = u

-- a float64 vector of n values lo + (hi - lo) * u
function M.vec(n, seed, lo, hi)
  lo, hi = lo or 0, hi or 1
  local a = np.empty(n)
  local set, base, w = a.set, seed << 32, hi - lo
  for i = 1, n do set(a, i, lo + w * u(base + i)) end
  return a
end

-- an r x c float64 matrix of values lo + (hi - lo) * u, row-major
function M.mat(r, c, seed, lo, hi)
  lo, hi = lo or 0, hi or 1
  local a = np.empty{r, c}
  local set, base, w = a.set, seed << 32, hi - lo
  for i = 1, r do
    local row = base + (i - 1) * c
    for j = 1, c do set(a, i, j, lo + w * u(row + j)) end
  end
  return a
end

-- n x n: u plus shift on the diagonal (shift = n: diagonally dominant)
function M.shifted(n, seed, shift)
  local a = M.mat(n, n, seed)
  for i = 1, n do a:set(i, i, a:get(i, i) + shift) end
  return a
end

-- symmetric n x n: element (i, j) is u of (min, max), plus shift on the diagonal
-- (shift = n: positive definite)
function M.sym(n, seed, shift)
  local a, base = np.empty{n, n}, seed << 32
  for i = 1, n do
    for j = i, n do
      local v = u(base + (i - 1) * n + j)
      if i == j then v = v + shift end
      a:set(i, j, v)
      a:set(j, i, v)
    end
  end
  return a
end

-- ---- fingerprints: a result as a flat list of numbers, row-major ----

local function flatten(v, out)
  local t = type(v)
  if t == "number" then
    out[#out + 1] = v
  elseif t == "boolean" then
    out[#out + 1] = v and 1 or 0
  elseif t == "table" then
    for i = 1, #v do flatten(v[i], out) end
  elseif np.isarray(v) then
    flatten(v:totable(), out)
  elseif t == "userdata" and v.re ~= nil then  -- complex scalar
    out[#out + 1] = v.re
    out[#out + 1] = v.im
  else
    error("cannot fingerprint a " .. t)
  end
  return out
end
function M.flat(v) return flatten(v, {}) end

-- ---- what a workload needs from lumpy ----

-- resolves "np.linalg.solve", "meta.__mul" or "methods.sum"; returns the value
-- or nil when any step is missing (a submodule that fails to load is missing)
function M.resolve(path)
  local first, rest = path:match("^(%w+)%.(.+)$")
  local v
  if first == "np" then v = np
  elseif first == "meta" then v = getmetatable(np.zeros(1))
  elseif first == "methods" then v = getmetatable(np.zeros(1)).methods
  else error("bad need " .. path) end
  for key in rest:gmatch("[^.]+") do
    if type(v) ~= "table" then return nil end
    local ok, nv = pcall(function() return v[key] end)
    if not ok then return nil end
    v = nv
  end
  return v
end

-- the first of the workload's needs that is missing, as a name, or nil. A
-- need is a path for resolve, or a function returning true when the feature
-- works, or false and its name
function M.missing(w)
  for _, need in ipairs(w.needs or {}) do
    if type(need) == "function" then
      local fine, ok, name = pcall(need)
      if not fine then return "a feature whose test raised: " .. tostring(ok) end
      if not ok then return name or "an unnamed feature" end
    elseif M.resolve(need) == nil then
      return need
    end
  end
  return nil
end

-- the workloads of the given groups (default: every group bench/workloads.tsv
-- names), by name
function M.load(groups)
  if not groups then
    local seen
    groups, seen = {}, {}
    for _, r in ipairs(M.workloads()) do
      if not seen[r.group] then
        seen[r.group] = true
        groups[#groups + 1] = r.group
      end
    end
  end
  local all = {}
  for _, g in ipairs(groups) do
    local ws = require("bench.workloads." .. g)
    for name, w in pairs(ws) do
      w.name, w.group = name, g
      all[name] = w
    end
  end
  return all
end

-- bench/workloads.tsv as a list of rows (tables keyed by column name)
function M.workloads(path)
  local f = assert(io.open(path or "bench/workloads.tsv"))
  local rows, cols = {}, nil
  for line in f:lines() do
    if line ~= "" and not line:match("^#") then
      local fields = {}
      for x in (line .. "\t"):gmatch("([^\t]*)\t") do fields[#fields + 1] = x end
      if not cols then
        cols = fields
      else
        local r = {}
        for i, c in ipairs(cols) do r[c] = fields[i] end
        r.n, r.tiny, r.tol = tonumber(r.n), tonumber(r.tiny), tonumber(r.tol)
        rows[#rows + 1] = r
      end
    end
  end
  f:close()
  return rows
end

return M
