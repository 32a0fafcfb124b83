local np = require "lumpy"
local fx = require "fixtures.sort"
local check = require "fixtures.reduce_check"

local nan, inf = 0 / 0, math.huge

local function runcases(cases)
  for i, c in ipairs(cases) do
    local a = check.input(fx, c)
    local args = {table.unpack(c.args)}
    if c.argdtype then args[1] = np.array(args[1], c.argdtype) end
    local res
    if c.fn == "argsort" and i % 2 == 0 then res = {a:argsort(table.unpack(args))}
    else res = {np[c.fn](a, table.unpack(args))} end
    local expect = (c.fn == "unique" or c.fn == "nonzero") and c.expect or {c.expect}
    assert(#res == #expect, check.describe(c) .. ": " .. #res .. " results, expected " .. #expect)
    for k = 1, #expect do
      local ed = (c.fn == "unique" and k > 1) and "int64" or c.edtype
      local err = check.check(res[k], expect[k], ed, false, c.dtype)
      assert(err == nil, check.describe(c) .. " result " .. k .. ": " .. tostring(err))
    end
  end
end

describe("lumpy.sort", function()
  describe("numpy fixtures", function()
    for _, g in ipairs(check.groups(fx)) do
      it(g[1] .. " (" .. #g[2] .. " cases)", function() runcases(g[2]) end)
    end
  end)
end)
