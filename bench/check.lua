-- bench/check.lua: every workload once at its tiny size (column `tiny` of
-- bench/workloads.tsv), in a process of its own, printing one tab-separated
-- line per workload for spec/bench_spec.lua to compare with NumPy/SciPy:
--   ok NAME V1,V2,...   the result's fingerprint (floats as %a: exact)
--   missing NAME WHAT   the lumpy function it needs is not there
--   error NAME MSG      it raised
--   startup NAME CODE   a startup workload: the code `lua5.4 -e` runs
-- Running the workloads here rather than inside busted keeps the spec from
-- changing the heap the other specs measure, and a crash from ending the run.
local C = require "bench.common"

local all = C.load()

local function num(x)
  if x ~= x then return "nan" end
  if x == math.huge then return "inf" end
  if x == -math.huge then return "-inf" end
  return string.format("%a", x)
end

local function line(...)
  io.write((table.concat({...}, "\t"):gsub("\n", " | ")), "\n")
  io.flush()
end

for _, r in ipairs(C.workloads()) do
  local w = all[r.name]
  local miss = w and C.missing(w)
  if not w then
    line("error", r.name, "no Lua workload")
  elseif miss then
    line("missing", r.name, miss)
  elseif w.code then
    line("startup", r.name, w.code)
  else
    local ok, res = pcall(function()
      local out = w.run(w.setup(r.tiny))
      local vals = w.fp and w.fp(out) or C.flat(out)
      local t = {}
      for i, v in ipairs(vals) do t[i] = num(v) end
      return table.concat(t, ",")
    end)
    line(ok and "ok" or "error", r.name, tostring(res))
  end
  collectgarbage()
end
