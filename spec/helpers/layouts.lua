-- Helpers shared by the linalg and matmul specs: nested Lua tables rearranged
-- so the same matrix can be built contiguous, transposed, stepped or reversed.
local np = require "lumpy"
local M = {}

-- nested table transposed (2-d) or with its axes reversed (3-d)
function M.T(t)
  if type(t[1][1]) == "table" then
    local r = {}
    for k = 1, #t[1][1] do
      r[k] = {}
      for j = 1, #t[1] do
        r[k][j] = {}
        for i = 1, #t do r[k][j][i] = t[i][j][k] end
      end
    end
    return r
  end
  local r = {}
  for j = 1, #t[1] do
    r[j] = {}
    for i = 1, #t do r[j][i] = t[i][j] end
  end
  return r
end

-- an array from a fixture value (real nested table or {re =, im =})
function M.arr(v)
  if v.re then return np.complex(np.array(v.re), np.array(v.im)) end
  return np.array(v)
end

-- the same matrix (or stack) as contiguous, transposed (Fortran-ordered)
-- and stepped (row and column strides twice the item size) arrays
-- t padded to twice its size (t[i][j] at [2i-1][2j-1]) or with both axes
-- reversed, for the last two axes of a 2-d or 3-d table
function M.spread(t)
  if type(t[1][1]) == "table" then
    local r = {}
    for b = 1, #t do r[b] = M.spread(t[b]) end
    return r
  end
  local m, n, r = #t, #t[1], {}
  for i = 1, 2 * m do
    r[i] = {}
    for j = 1, 2 * n do r[i][j] = 99.5 end
  end
  for i = 1, m do for j = 1, n do r[2 * i - 1][2 * j - 1] = t[i][j] end end
  return r
end

function M.reverse(t)
  if type(t[1][1]) == "table" then
    local r = {}
    for b = 1, #t do r[b] = M.reverse(t[b]) end
    return r
  end
  local m, n, r = #t, #t[1], {}
  for i = 1, m do
    r[i] = {}
    for j = 1, n do r[i][j] = t[m + 1 - i][n + 1 - j] end
  end
  return r
end

return M
