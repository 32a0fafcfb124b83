local np = require "lumpy"
local fx = require "fixtures.reduce"
local check = require "fixtures.reduce_check"

local nan, inf = 0 / 0, math.huge

-- runs every fixture case of a group, as np.f(a, ...) and as a:f(...)
local function runcases(cases)
  for i, c in ipairs(cases) do
    local a = check.input(fx, c)
    local r
    if i % 2 == 0 then r = a[c.fn](a, table.unpack(c.args))
    else r = np[c.fn](a, table.unpack(c.args)) end
    local err = check.check(r, c.expect, c.edtype, c.scalar, c.dtype)
    assert(err == nil, check.describe(c) .. ": " .. tostring(err))
  end
end

describe("lumpy.reduce", function()
  describe("numpy fixtures", function()
    for _, g in ipairs(check.groups(fx)) do
      it(g[1] .. " (" .. #g[2] .. " cases)", function() runcases(g[2]) end)
    end
  end)
end)
