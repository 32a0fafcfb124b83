-- OpenBLAS and LAPACKE load on first use (src/blas.c), not at require. Each
-- check runs in a fresh lua5.4 (same LUA_PATH, LUA_CPATH and, under make
-- asan, LD_PRELOAD), since the busted process has long since loaded them,
-- and reads /proc/self/maps there.
local np = require "lumpy"

local prelude = [[
local function mapped(name)
  for l in io.lines("/proc/self/maps") do
    if l:find(name, 1, true) then return true end
  end
  return false
end
local function say(...) io.write(table.concat({...}, " "), "\n") end
]]

-- runs the script in a fresh lua5.4 (env: assignments put before the
-- command); returns its output
local function fresh(script, env)
  local name = os.tmpname()
  local f = assert(io.open(name, "w"))
  f:write(prelude, script)
  f:close()
  local p = io.popen((env and "env " .. env .. " " or "") .. "lua5.4 " .. name .. " 2>&1")
  local out = p:read("a")
  local ok = p:close()
  os.remove(name)
  assert.is_true(ok, out)
  return out
end

describe("lumpy.blas", function()
  describe("core.so", function()
    it("needs no BLAS symbol from elsewhere (each one is a forwarder in src/blas.c)", function()
      local so = assert(package.searchpath("lumpy.core", package.cpath))
      local p = io.popen("nm -D --undefined-only " .. so .. " 2>&1")
      local out = p:read("a")
      assert.is_true(p:close(), out)
      local missing = {}
      for sym in out:gmatch("U ([%w_]+)") do
        if sym:match("^cblas_") or sym:match("^LAPACKE_") or sym:match("^openblas_") then
          missing[#missing + 1] = sym
        end
      end
      assert.are.same({}, missing)
    end)

    it("does not export the forwarders", function()
      local so = assert(package.searchpath("lumpy.core", package.cpath))
      local p = io.popen("nm -D --defined-only " .. so .. " 2>&1")
      local out = p:read("a")
      assert.is_true(p:close(), out)
      assert.is_nil(out:match("[TW] cblas_") or out:match("[TW] LAPACKE_"))
      assert.matches("T luaopen_lumpy_core", out)
    end)
  end)

  describe("require", function()
    it("does not load OpenBLAS or LAPACKE", function()
      local out = fresh([[
local np = require "lumpy"
say(tostring(mapped("libopenblas")), tostring(mapped("liblapacke")))
]])
      assert.are.equal("false false\n", out)
    end)

    it("leaves it unloaded through work that needs no BLAS", function()
      local out = fresh([[
local np = require "lumpy"
local a = np.arange(12):reshape{3, 4}
local s = (a * 2.5 + 1):sum()
local m = np.array{{1, 2}, {3, 4}}:matmul(np.array{{5, 6}, {7, 8}})  -- int64: no BLAS
local nm = np.optimize.minimize(function(x) return (x:get(1) - 1)^2 end, {0},
                                {method = "Nelder-Mead"})
say(tostring(mapped("libopenblas")), s, m:get(2, 2), m.dtype)
]])
      -- sum of 2.5 i + 1 for i = 0..11 is 2.5 * 66 + 12
      assert.are.equal("false 177.0 50 int64\n", out)
    end)
  end)

  describe("first use", function()
    it("linalg.solve loads it and solves", function()
      local out = fresh([[
local np = require "lumpy"
local x = np.linalg.solve(np.array{{2, 0}, {0, 4}}, np.array{2, 4})
say(tostring(mapped("libopenblas")), tostring(mapped("liblapacke")), x:get(1), x:get(2))
]])
      assert.are.equal("true true 1.0 1.0\n", out)
    end)

    it("a float matmul loads it", function()
      local out = fresh([[
local np = require "lumpy"
local c = np.array{{1.0, 2.0}, {3.0, 4.0}}:matmul(np.array{{5.0, 6.0}, {7.0, 8.0}})
say(tostring(mapped("libopenblas")), c:get(1, 1), c:get(2, 2))
]])
      assert.are.equal("true 19.0 50.0\n", out)
    end)

    it("an optimizer that uses BLAS loads it", function()
      local out = fresh([[
local np = require "lumpy"
local r = np.optimize.minimize(function(x) return (x:get(1) - 3)^2 end, {0},
                               {method = "BFGS"})
say(tostring(mapped("libopenblas")), string.format("%.6f", r.x:get(1)))
]])
      assert.are.equal("true 3.000000\n", out)
    end)

    it("loads one copy of OpenBLAS", function()
      local out = fresh([[
local np = require "lumpy"
np.linalg.inv(np.eye(3))
local files = {}
for l in io.lines("/proc/self/maps") do
  local f = l:match("(/%S*libopenblas%S*)$")
  if f then files[f] = true end
end
local n = 0
for _ in pairs(files) do n = n + 1 end
say(n)
]])
      assert.are.equal("1\n", out)
    end)
  end)

  describe("a library that cannot be loaded", function()
    it("raises a Lua error at each call that needs it, and the rest still works", function()
      local out = fresh([[
local np = require "lumpy"
local ok1, e1 = pcall(np.linalg.solve, np.eye(2), np.ones(2))
local ok2, e2 = pcall(np.matmul, np.ones{2, 2}, np.ones{2, 2})
local ok3, e3 = pcall(np.config)
local ok4, e4 = pcall(np.linalg.inv, np.eye(2))
local m = np.array{{1, 2}, {3, 4}}:matmul(np.array{{1, 0}, {0, 1}})
say(tostring(ok1), tostring(ok2), tostring(ok3), tostring(ok4), m:get(2, 1),
    (np.arange(5) * 2):sum())
say(e1)
say(e2)
say(e3)
say(e4)
]], "LUMPY_BLAS_LIBRARY=/nonexistent/libopenblas.so.0")
      local lines = {}
      for l in out:gmatch("[^\n]+") do lines[#lines + 1] = l end
      assert.are.equal("false false false false 3 20", lines[1], out)
      for i = 2, 5 do
        assert.matches("lumpy: cannot load OpenBLAS: /nonexistent/libopenblas%.so%.0: cannot open",
                       lines[i])
      end
    end)
  end)

  describe("config", function()
    it("loads it and names the files", function()
      local out = fresh([[
local np = require "lumpy"
local before = mapped("libopenblas")
local c = np.config()
say(tostring(before), tostring(mapped("libopenblas")), c.blas_library,
    c.lapack_library)
]])
      local before, after, blas, lapack = out:match("^(%S+) (%S+) (%S+) (%S+)\n$")
      assert.are.equal("false", before, out)
      assert.are.equal("true", after, out)
      assert.matches("libopenblas%.so%.0$", blas)
      assert.matches("liblapacke%.so%.3$", lapack)
    end)

    it("reports the same files in this process", function()
      local c = np.config()
      assert.matches("libopenblas", c.blas_library)
      assert.matches("lapacke", c.lapack_library)
      assert.are.equal("OpenBLAS", c.blas)
    end)
  end)
end)
