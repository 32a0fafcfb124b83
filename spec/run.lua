-- Runs the busted specs under this interpreter and ends with one line
-- "N passed, N failed". Usage: lua5.4 spec/run.lua [spec dirs or files...]
local args = {...}
if #args == 0 then args = {"spec"} end
local lua = arg[-1] or "lua5.4"
-- LUMPY_SPEC_WRAP: a command to run the interpreter under (make memcheck:
-- valgrind, whose failing exit status counts as one failure)
local wrap = os.getenv("LUMPY_SPEC_WRAP")
local cmd = string.format("%s%s /usr/bin/busted -o plainTerminal --pattern=_spec %s 2>&1",
  wrap and wrap ~= "" and wrap .. " " or "", lua, table.concat(args, " "))
local p = assert(io.popen(cmd))
local passed, failed, errors, seen
for line in p:lines() do
  io.write(line, "\n")
  io.flush()
  local s, f, e = line:match("^(%d+) successe?s? / (%d+) failures? / (%d+) errors?")
  if s then passed, failed, errors, seen = tonumber(s), tonumber(f), tonumber(e), true end
end
local ok, how, code = p:close()
if not seen then
  print(string.format("busted ended without a summary (%s %s)", tostring(how), tostring(code)))
  print("0 passed, 1 failed")
  os.exit(1)
end
if not ok and failed + errors == 0 then
  print(string.format("the run exited with %s %s (memory errors, if under valgrind)",
    tostring(how), tostring(code)))
  failed = failed + 1
end
print(string.format("%d passed, %d failed", passed, failed + errors))
os.exit((failed + errors == 0 and ok) and 0 or 1)
