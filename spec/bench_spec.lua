-- The benchmark workloads (bench/) at tiny sizes: each runs once, so none can
-- rot, and agrees with NumPy/SciPy's result from spec/fixtures/gen_bench.py. A
-- workload whose lumpy function has not landed yet is reported as pending,
-- with what it needs. Nothing here depends on timing.
local np = require "lumpy"
local C = require "bench.common"
local want = require "fixtures.bench"

local all = C.load({"arrays", "linalg", "optimize", "integrate", "stats", "rng", "fft", "startup"})
local rows = C.workloads()

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
  -- leave nothing behind for the specs that follow (some measure the heap)
  teardown(function()
    all, want, rows = nil, nil, nil
    package.loaded["fixtures.bench"] = nil
    for k in pairs(package.loaded) do
      if k:match("^bench%.") then package.loaded[k] = nil end
    end
    collectgarbage()
    collectgarbage()
  end)

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
    for _, r in ipairs(rows) do
      local w = all[r.name]
      local miss = w and C.missing(w)
      local title = string.format("%s (n = %d)", r.name, r.tiny)
      if miss then
        pending(string.format("%s: lumpy lacks %s", title,
          miss))
      elseif r.group == "startup" then
        it(title .. ": the startup command runs", function()
          local cmd = string.format("%s -e %q", arg and arg[-1] or "lua5.4", w.code)
          local ok = os.execute(cmd)
          assert.is_true(ok, cmd)
        end)
      else
        it(title .. " agrees with NumPy/SciPy", function()
          local s = w.setup(r.tiny)
          local res = w.run(s)
          local got = w.fp and w.fp(res) or flat(res)
          agree(got, assert(want[r.name], "no fixture for " .. r.name), r.tol)
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
