-- The benchmark workloads (bench/) at tiny sizes: each runs once, so none can
-- rot, and agrees with NumPy/SciPy's result from spec/fixtures/gen_bench.py. A
-- workload whose lumpy function has not landed yet is reported as pending,
-- with what it needs. The workloads run in a process of their own
-- (bench/check.lua), so they leave nothing in this one. Nothing here depends on
-- timing.
local np = require "lumpy"
local C = require "bench.common"
local want = require "fixtures.bench"

local rows = C.workloads()
local lua = arg and arg[-1] or "lua5.4"

-- bench/check.lua's verdict on every workload: results[name] = {status, text}
local results = {}
do
  local p = assert(io.popen(lua .. " bench/check.lua 2>&1"))
  local out = p:read("a")
  p:close()
  for line in out:gmatch("[^\n]+") do
    local status, name, text = line:match("^(%a+)\t([^\t]+)\t?(.*)$")
    if status then results[name] = {status, text} end
  end
  results._output = out
end

local function parse(text)
  local t = {}
  for x in text:gmatch("[^,]+") do
    t[#t + 1] = x == "nan" and 0 / 0 or x == "inf" and math.huge or x == "-inf" and -math.huge
      or assert(tonumber(x), x)
  end
  return t
end

-- got and want agree within tol, relative to each value plus the largest
-- |want| (so tiny entries of a large result are judged at the result's scale)
local function agree(got, exp, tol)
  assert.are.equal(#exp, #got, "result length")
  local scale = 0
  for _, v in ipairs(exp) do scale = math.max(scale, math.abs(v)) end
  for i = 1, #exp do
    local d = math.abs(got[i] - exp[i])
    if not (d <= tol * (math.abs(exp[i]) + scale)) then
      error(string.format("value %d: lumpy %.17g, NumPy %.17g (tolerance %g)",
        i, got[i], exp[i], tol), 2)
    end
  end
end

local function flat(x) return C.flat(x) end

describe("lumpy.bench", function()
  describe("inputs", function()
    it("are NumPy's bit for bit (bench/common.lua and bench/common.py)", function()
      local inp = want._inputs
      agree(flat(C.vec(5, 1)), inp.vec, 0)
      agree(flat(C.vec(4, 7, -5, 5)), inp.vec_lohi, 0)
      agree(flat(C.mat(2, 3, 2)), inp.mat, 0)
      agree(flat(C.shifted(3, 1, 3)), inp.shifted, 0)
      agree(flat(C.sym(3, 1, 3)), inp.sym, 0)
    end)
  end)

  describe("workloads.tsv", function()
    it("names only workloads that bench/workloads/*.lua defines, each once", function()
      local groups = {}   -- every file in bench/workloads/
      for f in assert(io.popen("ls bench/workloads")):lines() do
        groups[#groups + 1] = f:match("^(.+)%.lua$")
      end
      assert.is_true(#groups >= 8)
      local all = C.load(groups)
      local seen = {}
      for _, r in ipairs(rows) do
        assert.is_nil(seen[r.name], r.name)
        seen[r.name] = true
        assert.is_table(all[r.name], r.name)
        assert.is_number(r.n, r.name)
        assert.is_number(r.tiny, r.name)
        assert.is_number(r.tol, r.name)
      end
      for name in pairs(all) do assert.is_true(seen[name], name) end
    end)
  end)

  describe("workloads", function()
    it("all ran in bench/check.lua", function()
      for _, r in ipairs(rows) do
        assert.is_table(results[r.name], "no line for " .. r.name .. " in:\n" .. results._output)
      end
    end)
    for _, r in ipairs(rows) do
      local res = results[r.name] or {"error", "bench/check.lua gave no line"}
      local status, text = res[1], res[2]
      local title = string.format("%s (n = %d)", r.name, r.tiny)
      if status == "missing" then
        pending(string.format("%s: lumpy lacks %s", title, text))
      elseif status == "startup" then
        it(title .. ": the startup command runs", function()
          local cmd = string.format("%s -e %q", lua, text)
          assert.is_true(os.execute(cmd), cmd)
        end)
      else
        it(title .. " agrees with NumPy/SciPy", function()
          assert.are.equal("ok", status, text)
          agree(parse(text), assert(want[r.name], "no fixture for " .. r.name), r.tol)
        end)
      end
    end
  end)

  describe("bench/run", function()
    it("runs end to end at tiny sizes and writes its table and plot", function()
      local out = os.tmpname()
      os.remove(out)
      local cmd = string.format(
        "env -u LD_PRELOAD bench/run --tiny --out %s loop startup >%s.log 2>&1", out, out)
      local ok = os.execute(cmd)
      local log = io.open(out .. ".log"):read("a")
      assert.is_true(ok, log)
      assert.truthy(log:match("OPENBLAS_CORETYPE="), log)
      assert.truthy(log:match("\nloop%s"), log)
      local tsv = io.open(out .. "/results.tsv"):read("a")
      assert.truthy(tsv:match("\nloop\tarrays\t"), tsv)
      local svg = io.open(out .. "/results.svg"):read("a")
      assert.truthy(svg:match("^<svg") and svg:match("</svg>\n$"), svg)
      os.execute(string.format("rm -rf %s %s.log", out, out))
    end)
  end)
end)
