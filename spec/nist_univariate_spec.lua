-- NIST StRD univariate summary statistics: lumpy's mean and std (ddof = 1)
-- against the certified values, to at least 13 significant digits (9 for
-- NumAcc4, whose 1001 values differ only in the 9th digit).
local np = require "lumpy"

local SETS = {
  Lew = 13, Lottery = 13, Mavro = 13, Michelso = 13, NumAcc1 = 13,
  NumAcc2 = 13, NumAcc3 = 13, NumAcc4 = 9, PiDigits = 13,
}
local ORDER = {"Lew", "Lottery", "Mavro", "Michelso", "NumAcc1", "NumAcc2",
               "NumAcc3", "NumAcc4", "PiDigits"}

-- the shared data folder: ../shared from the repository root in CI
local function datadir()
  for _, d in ipairs{"../shared/data/nist", "/work/shared/data/nist"} do
    local f = io.open(d .. "/Lew.txt")
    if f then f:close(); return d end
  end
  error("NIST data not found in ../shared/data/nist or /work/shared/data/nist")
end

-- certified mean, certified std and the data of one file (two layouts:
-- NIST's .dat with "ybar:" and "s:", and a commented one with "mean =")
local function load(path)
  local lines = {}
  for l in io.lines(path) do lines[#lines + 1] = l end
  local mean, sd, first, last, indata
  local data = {}
  for i, l in ipairs(lines) do
    mean = mean or tonumber(l:match("ybar:%s*(%S+)")) or tonumber(l:match("^mean%s*=%s*(%S+)"))
    sd = sd or tonumber(l:match("%ss:%s*(%S+)")) or
      tonumber(l:match("^standardDeviation%s*=%s*(%S+)"))
    local a, b = l:match("Data%s*: lines%s+(%d+)%s+to%s+(%d+)")
    if a and not first then first, last = tonumber(a), tonumber(b) end
    if l:match("^# Data%s*$") then indata = i end
  end
  if first then
    for i = first, last do data[#data + 1] = assert(tonumber(lines[i]:match("^%s*(%S+)"))) end
  else
    for i = assert(indata, "no data in " .. path) + 1, #lines do
      local v = tonumber(lines[i]:match("^%s*([-+%d.eE]+)%s*$") or "")
      if v then data[#data + 1] = v end
    end
  end
  return assert(mean, "no mean"), assert(sd, "no sd"), data
end

-- correct significant digits of x against the reference c
local function digits(x, c)
  if x == c then return 17 end
  return -math.log(math.abs(x - c) / math.abs(c), 10)
end

-- An independent reference in double-double arithmetic (Dekker 1971; Knuth's
-- TwoSum): the mean and sample std of the data exactly as stored in float64.
local function twosum(a, b)
  local s = a + b
  local bb = s - a
  return s, (a - (s - bb)) + (b - bb)
end
local function twoprod(a, b)
  local p = a * b
  local function split(x)
    local c = 134217729.0 * x
    local hi = c - (c - x)
    return hi, x - hi
  end
  local ah, al = split(a)
  local bh, bl = split(b)
  return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl
end
local function ddadd(h, l, x, xl)
  local s, e = twosum(h, x)
  e = e + l + (xl or 0)
  return twosum(s, e)
end
local function reference(data)
  local n = #data
  local sh, sl = 0.0, 0.0
  for _, x in ipairs(data) do sh, sl = ddadd(sh, sl, x) end
  local mh = sh / n
  local ph, pl = twoprod(mh, n)              -- mh * n, exactly
  local ml = ((sh - ph) - pl + sl) / n       -- the mean is mh + ml
  local qh, ql = 0.0, 0.0
  for _, x in ipairs(data) do
    local dh, dl = twosum(x, -mh)
    dl = dl - ml
    local p, pe = twoprod(dh, dh)
    qh, ql = ddadd(qh, ql, p, pe + 2 * dh * dl)
  end
  return mh + ml, math.sqrt((qh + ql) / (n - 1))
end

-- the data with a common decimal offset removed while still decimal text:
-- the float64 values of "1000000.2" and "1000000.1" differ by 0.1 only to
-- about 1e-10, so the certified std of NumAcc3/NumAcc4 cannot be reached from
-- the plain float64 values (NumPy gets 9.5 and 8.3 digits, as does exact
-- arithmetic on them); centred data keep every digit
local function centred(path)
  local lines, offset = {}, nil
  for l in io.lines(path) do lines[#lines + 1] = l end
  local first, last
  for _, l in ipairs(lines) do
    local a, b = l:match("Data%s*: lines%s+(%d+)%s+to%s+(%d+)")
    if a and not first then first, last = tonumber(a), tonumber(b) end
  end
  if not first then return nil end
  local vals = {}
  for i = first, last do
    local t = lines[i]:match("^%s*(%S+)")
    local ip, fp = t:match("^(%-?%d+)%.?(%d*)$")
    if not ip then return nil end
    offset = offset or math.tointeger(tonumber(ip))
    -- integer part minus the offset is exact; the fraction is read as is
    local frac = #fp > 0 and tonumber("0." .. fp) or 0.0
    local v = (tonumber(ip) - offset)
    vals[#vals + 1] = (t:sub(1, 1) == "-") and (v - frac) or (v + frac)
  end
  return vals, offset
end

describe("lumpy.reduce", function()
  describe("NIST StRD univariate", function()
    local dir = datadir()
    for _, name in ipairs(ORDER) do
      it(name .. ": mean and std of the float64 data", function()
        local cmean, csd, data = load(dir .. "/" .. name .. ".txt")
        local a = np.array(data, "float64")
        local m, s = a:mean(), a:std{ddof = 1}
        local rm, rs = reference(data)
        local dm, ds = digits(m, cmean), digits(s, csd)
        print(string.format("NIST %-9s n=%-5d certified: mean %4.1f std %4.1f digits;"
          .. " exact float64 reference: mean %4.1f std %4.1f digits", name, #data,
          math.min(dm, 17), math.min(ds, 17), math.min(digits(m, rm), 17),
          math.min(digits(s, rs), 17)))
        -- lumpy against the exact statistics of the stored values
        assert.is_true(digits(m, rm) >= 14, name .. " mean vs reference")
        assert.is_true(digits(s, rs) >= 14, name .. " std vs reference")
        -- and against the certified values, as far as float64 input allows:
        -- the certified value's own distance from the exact float64 statistic
        -- bounds what any algorithm can reach
        local need = SETS[name]
        assert.is_true(dm >= math.min(need, digits(rm, cmean) - 0.5), name .. " mean: " .. dm)
        assert.is_true(ds >= math.min(need, digits(rs, csd) - 0.5), name .. " std: " .. ds)
        assert.are.equal(m, np.mean(a))
        assert.are.equal(s, np.std(a, {ddof = 1}))
      end)
      it(name .. ": mean and std to " .. SETS[name] .. " digits (decimally centred data)",
        function()
        local cmean, csd, data = load(dir .. "/" .. name .. ".txt")
        local vals, offset = centred(dir .. "/" .. name .. ".txt")
        if not vals then vals, offset = data, 0 end
        local a = np.array(vals, "float64")
        local m, s = offset + a:mean(), a:std{ddof = 1}
        local dm, ds = digits(m, cmean), digits(s, csd)
        print(string.format("NIST %-9s centred: mean %.17g (%4.1f digits) std %.17g (%4.1f digits)",
          name, m, math.min(dm, 17), s, math.min(ds, 17)))
        assert.is_true(dm >= SETS[name], name .. " mean: " .. dm .. " digits")
        assert.is_true(ds >= SETS[name], name .. " std: " .. ds .. " digits")
      end)
    end
  end)
end)
