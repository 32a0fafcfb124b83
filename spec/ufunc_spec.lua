local np = require "lumpy"

-- expected values: spec/fixtures/ufunc.lua, written by gen_ufunc.py from NumPy
local cases = dofile("spec/fixtures/ufunc.lua")

local unpack = table.unpack

-- nested table of shape from a flat list
local function nest(flat, shape, d, off)
  local t, n = {}, shape[d]
  local stride = 1
  for k = d + 1, #shape do stride = stride * shape[k] end
  for i = 1, n do
    if d == #shape then t[i] = flat[off + i]
    else t[i] = nest(flat, shape, d + 1, off + (i - 1) * stride) end
  end
  return t
end

local function build(flat, shape, dt)
  if #shape == 0 then return np.array(flat[1], dt) end
  for _, n in ipairs(shape) do
    if n == 0 then return np.zeros(shape, dt) end
  end
  return np.array(nest(flat, shape, 1, 0), dt)
end

-- an input as the fixture describes it: scalar, contiguous, .T, or B.T[1]
local function mk(s)
  if s.scalar then
    if s.re then return np.complex(s.re, s.im) end
    return s.value
  end
  local base
  if s.dtype == "complex128" then
    local re, im = {}, {}
    for i = 1, #s.data, 2 do re[#re + 1] = s.data[i]; im[#im + 1] = s.data[i + 1] end
    base = np.complex(build(re, s.bshape, "float64"), build(im, s.bshape, "float64"))
  else
    base = build(s.data, s.bshape, s.dtype)
  end
  if s.layout == "T" then return base.T end
  if s.layout == "Ti" then return base.T[1] end
  return base
end

local function flatten(t, out)
  if type(t) ~= "table" then out[#out + 1] = t; return out end
  for i = 1, #t do flatten(t[i], out) end
  return out
end

local function close(x, e, tol)
  if e ~= e then return x ~= x end
  if tol == 0 or e == math.huge or e == -math.huge then return x == e end
  return math.abs(x - e) <= tol * math.max(math.abs(e), 1e-300)
end

local INT = {uint8 = true, int32 = true, int64 = true}

-- checks a result against {dtype, shape, data}
local function check(r, ex, tol)
  local got
  if #ex.shape == 0 then
    assert(not np.isarray(r), "expected a Lua value for a 0-d result")
    got = {r}
  else
    assert(np.isarray(r), "expected an array, got " .. type(r))
    assert.are.equal(ex.dtype, r.dtype)
    assert.are.same(ex.shape, r.shape)
    got = flatten(r:totable(), {})
  end
  if ex.dtype == "complex128" then
    assert.are.equal(#ex.data, 2 * #got)
    for i, z in ipairs(got) do
      local re, im = ex.data[2 * i - 1], ex.data[2 * i]
      if not (close(z.re, re, tol) and close(z.im, im, tol)) then
        error(string.format("element %d: got %s, expected (%s, %s)", i, tostring(z), re, im))
      end
    end
    return
  end
  assert.are.equal(#ex.data, #got)
  for i, x in ipairs(got) do
    local e = ex.data[i]
    local ok
    if ex.dtype == "bool" then ok = x == e
    elseif INT[ex.dtype] then ok = math.type(x) == "integer" and x == e
    else ok = math.type(x) == "float" and close(x, e, tol) end
    if not ok then
      error(string.format("element %d: got %s, expected %s (%s)", i, tostring(x),
        tostring(e), ex.dtype))
    end
  end
end

local OPS = {
  ["+"] = function(a, b) return a + b end, ["-"] = function(a, b) return a - b end,
  ["*"] = function(a, b) return a * b end, ["/"] = function(a, b) return a / b end,
  ["//"] = function(a, b) return a // b end, ["%"] = function(a, b) return a % b end,
  ["^"] = function(a, b) return a ^ b end, ["&"] = function(a, b) return a & b end,
  ["|"] = function(a, b) return a | b end, ["~"] = function(a, b) return a ~ b end,
}

local function label(c)
  local parts = {}
  for i = 1, c.n do
    local s = c.args[i]
    if s == nil then parts[#parts + 1] = "nil"
    elseif s.scalar then parts[#parts + 1] = s.re and "complex" or tostring(s.value)
    else
      parts[#parts + 1] = string.format("%s{%s}%s", s.dtype, table.concat(s.shape, ","),
        s.layout == "c" and "" or "." .. s.layout)
    end
  end
  local extra = c.out and (" out=" .. c.out.dtype .. "{" .. table.concat(c.out.shape, ",") .. "}") or ""
  return string.format("%s(%s)%s%s", c.via == "fn" and c.op or c.via, table.concat(parts, ", "),
    extra, c.error and (" -> error: " .. c.error) or "")
end

local function runcase(c)
  local args = {}
  for i = 1, c.n do if c.args[i] ~= nil then args[i] = mk(c.args[i]) end end
  local n = c.n
  local out
  if c.opts then n = n + 1; args[n] = c.opts end
  if c.out then out = np.zeros(c.out.shape, c.out.dtype); n = n + 1; args[n] = out end
  local f = c.via == "fn" and np[c.op] or OPS[c.via]
  assert(f, "no function " .. c.op)
  if c.error then
    local ok, err = pcall(f, unpack(args, 1, n))
    assert.is_false(ok, "expected an error")
    assert.is_truthy(tostring(err):find(c.error, 1, true), tostring(err))
    return
  end
  local r = f(unpack(args, 1, n))
  if out then assert.are.equal(out, r) end
  check(r, c.expect, c.tol)
end

describe("lumpy.ufunc", function()
  describe("against NumPy", function()
    local byop, order = {}, {}
    for i, c in ipairs(cases) do
      if not byop[c.op] then byop[c.op] = {}; order[#order + 1] = c.op end
      table.insert(byop[c.op], {i, c})
    end
    for _, op in ipairs(order) do
      describe(op, function()
        for _, ic in ipairs(byop[op]) do
          it(label(ic[2]) .. " #" .. ic[1], function() runcase(ic[2]) end)
        end
      end)
    end
  end)
end)
