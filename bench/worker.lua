-- bench/worker.lua: the lumpy side of bench/run. Reads one command a line on
-- stdin and answers one line on stdout:
--   info              "info" and tab-separated key=value facts (lumpy.config())
--   setup NAME N      "ok", "missing WHAT", "startup CODE" or "error MSG"
--   run K             runs the workload K times: "time SECONDS" (total) or "error MSG"
--   evals             one untimed run counting calls of the workload's
--                     callbacks: "evals COUNT" ("evals -" when it has none)
--   free              drops the workload's inputs: "ok"
--   quit
local np = require "lumpy"
local C = require "bench.common"
local clock = require "bench.clock"

local all = C.load()

local function say(...)
  io.write((table.concat({...}, " "):gsub("\n", " | ")), "\n")
  io.flush()
end

local function info()
  local t = {"info"}
  local ok, cfg = pcall(function() return np.config() end)
  if ok and type(cfg) == "table" then
    local keys = {}
    for k in pairs(cfg) do keys[#keys + 1] = k end
    table.sort(keys)
    for _, k in ipairs(keys) do t[#t + 1] = k .. "=" .. tostring(cfg[k]) end
  else
    t[#t + 1] = "config=missing"
  end
  io.write(table.concat(t, "\t"), "\n")
  io.flush()
end

local w, s   -- the current workload and its inputs

local function setup(name, n)
  w, s = all[name], nil
  if not w then return say("error", "no Lua workload " .. name) end
  local miss = C.missing(w)
  if miss then
    w = nil
    return say("missing", miss)
  end
  if w.code then return say("startup", w.code) end
  local ok, res = pcall(w.setup, n)
  if not ok then
    w = nil
    return say("error", tostring(res))
  end
  s = res
  collectgarbage()
  say("ok")
end

local function run(k)
  if not s then return say("error", "no workload set up") end
  local f, st = w.run, s
  collectgarbage()
  local ok, err = pcall(function()
    local t0 = clock.now()
    for _ = 1, k do f(st) end
    return clock.now() - t0
  end)
  if ok then say("time", string.format("%.9g", err)) else say("error", tostring(err)) end
end

local function evals()
  if not s then return say("error", "no workload set up") end
  if not w.counted then return say("evals", "-") end
  local count, saved = 0, {}
  for _, key in ipairs(w.counted) do
    local f = s[key]
    saved[key] = f
    s[key] = function(...)
      count = count + 1
      return f(...)
    end
  end
  local ok, err = pcall(w.run, s)
  for key, f in pairs(saved) do s[key] = f end
  if ok then say("evals", tostring(count)) else say("error", tostring(err)) end
end

for line in io.lines() do
  local cmd, a, b = line:match("^(%S+)%s*(%S*)%s*(%S*)")
  if cmd == "info" then info()
  elseif cmd == "setup" then setup(a, math.tointeger(tonumber(b)))
  elseif cmd == "run" then run(math.tointeger(tonumber(a)) or 1)
  elseif cmd == "evals" then evals()
  elseif cmd == "free" then
    w, s = nil, nil
    collectgarbage()
    say("ok")
  elseif cmd == "quit" then break
  else say("error", "unknown command " .. tostring(cmd)) end
end
