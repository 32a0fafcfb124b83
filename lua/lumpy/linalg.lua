-- lumpy.linalg: NumPy's numpy.linalg plus the scipy.linalg extras, in Lua's
-- idiom. The kernels are C (src/linalg*.c, src/matmul.c); this module adds
-- multi_dot (the cheapest parenthesisation of a chain of products) and
-- builds the public table.
local core = require "lumpy.core"
local C = core._linalg
local matmul, asarray = core.matmul, core.asarray
local error, pairs, type = error, pairs, type
local huge = math.huge

local _ENV = nil

local M = {}
for k, v in pairs(C) do M[k] = v end

-- multi_dot({a, b, c, ...}): the product of the chain in the order that
-- needs the fewest scalar multiplications (the classic dynamic programme,
-- Cormen et al., "Introduction to Algorithms", sec. 15.2). The first array
-- may be 1-d (a row), the last 1-d (a column); the others must be 2-d.
function M.multi_dot(arrays)
  if type(arrays) ~= "table" then
    error("bad argument #1 to 'multi_dot' (table of arrays expected)", 2)
  end
  local n = #arrays
  if n < 2 then error("bad argument #1 to 'multi_dot' (expecting at least two arrays)", 2) end
  local a = {}
  for i = 1, n do a[i] = asarray(arrays[i]) end
  if n == 2 then return matmul(a[1], a[2]) end
  local p = {}
  for i = 1, n do
    local nd = a[i].ndim
    local sh = a[i].shape
    if (i == 1 or i == n) and nd == 1 then
      if i == 1 then p[0] = 1; p[1] = sh[1] else p[n] = 1 end
    elseif nd ~= 2 then
      error("bad argument #1 to 'multi_dot' (array " .. i .. " is " .. nd ..
        "-dimensional; it must be two-dimensional)", 2)
    else
      if i == 1 then p[0] = sh[1] end
      p[i] = sh[2]
      if sh[1] ~= p[i - 1] then
        error("lumpy.linalg.multi_dot: shapes of arrays " .. (i - 1) .. " and " .. i ..
          " are not aligned (" .. p[i - 1] .. " vs " .. sh[1] .. ")", 2)
      end
    end
  end
  if a[n].ndim == 1 and a[n].shape[1] ~= p[n - 1] then
    error("lumpy.linalg.multi_dot: shapes of arrays " .. (n - 1) .. " and " .. n ..
      " are not aligned (" .. p[n - 1] .. " vs " .. a[n].shape[1] .. ")", 2)
  end
  -- m[i][j]: cheapest cost of a[i..j]; s[i][j]: where to split
  local m, s = {}, {}
  for i = 1, n do m[i] = {[i] = 0}; s[i] = {} end
  for len = 2, n do
    for i = 1, n - len + 1 do
      local j = i + len - 1
      m[i][j] = huge
      for k = i, j - 1 do
        local c = m[i][k] + m[k + 1][j] + p[i - 1] * p[k] * p[j]
        if c < m[i][j] then m[i][j] = c; s[i][j] = k end
      end
    end
  end
  local function prod(i, j)
    if i == j then return a[i] end
    local k = s[i][j]
    return matmul(prod(i, k), prod(k + 1, j))
  end
  return prod(1, n)
end

return M
