-- lumpy: NumPy and SciPy for Lua 5.4.
-- The public entry: the C core's functions, plus submodules loaded on first use
-- (np.linalg, np.optimize, ...).
local core = require "lumpy.core"

local np = {}
for k, v in pairs(core) do
  if k:sub(1, 1) ~= "_" then np[k] = v end
end
np.methods = nil
-- Lua's argument errors name a function by searching package.loaded; leave the
-- core's functions only in this module's table so they are named 'lumpy.add'
-- (not 'lumpy.core.add' by chance of hash order). Submodules still reach the
-- core's tables through the proxy.
package.loaded["lumpy.core"] = setmetatable({}, {__index = core})

np.version = "0.1.0"
np.pi = math.pi
np.e = math.exp(1)
np.inf = math.huge
np.nan = 0 / 0
np.newaxis = nil

local submodules = {
  linalg = true, optimize = true, integrate = true, special = true, stats = true,
  random = true, fft = true, interpolate = true,
}

return setmetatable(np, {
  __index = function(t, k)
    if submodules[k] then
      local m = require("lumpy." .. k)
      rawset(t, k, m)
      return m
    end
  end,
})
