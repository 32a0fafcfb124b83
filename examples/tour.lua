-- A short tour of lumpy: run with `make demo`.
local np = require "lumpy"

print("lumpy " .. np.version)
local a = np.array{{1, 2, 3}, {4, 5, 6}}
print("a =", a)
print("shape", table.concat(a.shape, "x"), "dtype", a.dtype)
print("a.T =", a.T)
print("second row:", a[2], " a:get(2, 3) =", a:get(2, 3))
print("linspace:", np.linspace(0, 1, 5))
