-- A short tour of lumpy: Anscombe's quartet (F. J. Anscombe, "Graphs in
-- Statistical Analysis", The American Statistician 27(1), 1973).
-- Four data sets with the same summary statistics and very different shapes.
-- Run with `make demo`.
local np = require "lumpy"

-- one row per data set: x values and y values (11 points each)
local x = np.array{
  {10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5},
  {10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5},
  {10, 8, 13, 9, 11, 14, 6, 4, 12, 7, 5},
  { 8, 8,  8, 8,  8,  8, 8, 19, 8, 8, 8},
}
local y = np.array{
  {8.04, 6.95, 7.58, 8.81, 8.33, 9.96, 7.24, 4.26, 10.84, 4.82, 5.68},
  {9.14, 8.14, 8.74, 8.77, 9.26, 8.10, 6.13, 3.10, 9.13, 7.26, 4.74},
  {7.46, 6.77, 12.74, 7.11, 7.81, 8.84, 6.08, 5.39, 8.15, 6.42, 5.73},
  {6.58, 5.76, 7.71, 8.84, 8.47, 7.04, 5.25, 12.50, 5.56, 7.91, 6.89},
}
print("x =", x)
print("shape of y:", table.concat(y.shape, " x "), "dtype", y.dtype)

-- reductions along the second axis (axes are 1-based): one value per data set
local mx, my = x:mean(2), y:mean(2)
print("mean x:", mx)
print("mean y:", my)
print("var x (ddof=1):", x:var{axis = 2, ddof = 1})

-- broadcasting: centre each row by its own mean (shape {4, 11} minus {4, 1})
local dx = x - x:mean{axis = 2, keepdims = true}
local dy = y - y:mean{axis = 2, keepdims = true}
local slope = (dx * dy):sum(2) / (dx * dx):sum(2)
local intercept = my - slope * mx
local r = (dx * dy):sum(2) / np.sqrt((dx * dx):sum(2) * (dy * dy):sum(2))
print("least-squares line  y = a + b x")
print("  a =", intercept)
print("  b =", slope)
print("correlation r =", r)

-- slicing: 1-based, inclusive ranges, views
print("data set 4, first five x:", x[{4, {1, 5}}])
print("every other y of set 1, backwards:", y[{1, {-1, 1, -2}}])

-- masks: the outlier that drives data set 4's fit
local set4 = y[4]
print("set 4 points above 10:", set4[set4:gt(10)], "at position", np.argmax(set4))

-- residuals, and the largest one per data set
local fit = intercept:reshape{4, 1} + slope:reshape{4, 1} * x
local resid = y - fit
print("largest |residual| per set:", np.abs(resid):max(2))
print("sorted residuals of set 3:", np.sort(resid[3]))
