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

-- an input as the fixture describes it: scalar, contiguous, .T, B.T[1], or a
-- stepped and reversed view (B[::2, ::-1] / B[::-2] in NumPy)
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
  if s.layout == "S" then
    if #s.shape == 2 then return base[{{1, -1, 2}, {-1, 1, -1}}] end
    return base[{{-1, 1, -2}}]
  end
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

-- hand-written cases: operators, errors, aliasing, methods (closed forms)
local function vals(a)
  if not np.isarray(a) then return a end
  return a:totable()
end

local function raises(pat, f, ...)
  local ok, err = pcall(f, ...)
  assert.is_false(ok, "expected an error matching " .. pat)
  assert.is_truthy(tostring(err):find(pat, 1, true), tostring(err))
end

describe("lumpy.ufunc", function()
  describe("operators", function()
    local a = np.array{{1, 2, 3}, {4, 5, 6}}
    it("take a Lua number on either side", function()
      assert.are.same({{0, -1, -2}, {-3, -4, -5}}, vals(1 - a))
      assert.are.same({{2.0, 1.0, 2 / 3}, {0.5, 0.4, 1 / 3}}, vals(2 / a))
      assert.are.same({{2, 4, 8}, {16, 32, 64}}, vals(2 ^ a))
      assert.are.same({{1, 0, 1}, {0, 1, 0}}, vals(a % 2))
      assert.are.same({{7, 7, 7}, {7, 7, 7}}, vals(7 // (a // a)))
      assert.are.equal("int64", (2 ^ a).dtype)
    end)
    it("unary minus and ~ use one operand", function()
      assert.are.same({{-1, -2, -3}, {-4, -5, -6}}, vals(-a))
      assert.are.same({{-2, -3, -4}, {-5, -6, -7}}, vals(~a))
      assert.are.same({false, true}, vals(~np.array{true, false}))
      raises("not supported for bool", function() return -np.array{true} end)
    end)
    it("& | ~ are logical on bool and bitwise on integers", function()
      local p, q = np.array{true, true, false}, np.array{true, false, false}
      assert.are.same({true, false, false}, vals(p & q))
      assert.are.same({true, true, false}, vals(p | q))
      assert.are.same({false, true, false}, vals(p ~ q))
      local i = np.array({12, 10, 7}, "int32")
      assert.are.same({8, 10, 4}, vals(i & np.array({10, 11, 4}, "int32")))
      assert.are.same({14, 10, 7}, vals(i | 2))
      assert.are.same({6, 0, 13}, vals(i ~ 10))
      assert.are.equal("int32", (i | 2).dtype)
    end)
    it("reject bitwise operations on floats and complex", function()
      local f = np.array{1.5, 2.5}
      raises("bitwise_and: not supported for float64", function() return f & 1 end)
      raises("bitwise_or: not supported for float64", function() return 1 | f end)
      raises("bitwise_xor: not supported for float64", function() return f ~ f end)
      raises("invert: not supported for float64", function() return ~f end)
      raises("not supported for complex128", function() return ~np.complex(f, f) end)
      raises("not supported for float64", function() return np.array{1, 2} & 1.5 end)
    end)
    it("mix arrays with complex scalars and tables", function()
      local z = np.array{1.0, 2.0} * np.complex(0, 1)
      assert.are.equal("complex128", z.dtype)
      assert.are.equal(2.0, z:get(2).im)
      assert.are.same({{2, 4, 6}, {5, 7, 9}}, vals(a + {1, 2, 3}))
    end)
    it("give Lua values for 0-d results", function()
      assert.are.equal(2.0, np.sqrt(4))
      assert.are.equal(3, np.add(1, 2))
      assert.are.equal(math.type(np.add(1, 2)), "integer")
      assert.are.equal(true, np.less(1, 2))
      assert.are.equal(5.0, np.array(2.0) + 3)
      assert.are.equal(6, np.multiply(np.array(2), np.array(3)))
    end)
    it("== is whole-array equality", function()
      local b = np.array{{1, 2, 3}, {4, 5, 6}}
      assert.is_true(a == b)
      assert.is_true(a == b:astype("float64"))
      assert.is_false(a == b + 1)
      assert.is_false(a == np.array{1, 2, 3})
      assert.is_false(a == a.T)
      assert.is_true(a.T == a.T)
      local n = np.array{1.0, 0 / 0}
      assert.is_false(n == n:copy())
      assert.is_true(np.array_equal(n, n:copy(), true))
      assert.is_true(np.array_equal(n, n:copy(), {equal_nan = true}))
      assert.is_false(np.array_equal(n, n:copy()))
      assert.is_false(np.array_equal(a, np.array{1, 2, 3}))
      assert.is_true(np.array_equal({1, 2}, np.array({1, 2}, "uint8")))
      assert.is_false(a == 1)
      assert.is_true(np.zeros{0, 3} == np.zeros{0, 3})
    end)
  end)

  describe("errors", function()
    local a = np.array{1.0, 2.0, 3.0}
    it("name both shapes when operands do not broadcast", function()
      raises("operands could not be broadcast together with shapes {3} {4}",
        function() return a + np.zeros(4) end)
      raises("operands could not be broadcast together with shapes {3} {4}", np.add, a, np.zeros(4))
      raises("operands could not be broadcast together with shapes {2, 3} {2}",
        function() return np.zeros{2, 3}:lt(np.zeros(2)) end)
      raises("shapes {2, 1} {3} {4}", np.where, np.zeros({2, 1}, "bool"), a, np.zeros(4))
    end)
    it("check out", function()
      raises("output array has shape {2}, expected the broadcast shape {3}", np.add, a, a, np.zeros(2))
      raises("output array has shape {1, 3}, expected the broadcast shape {3}", np.sqrt, a, np.zeros{1, 3})
      raises("cannot cast the result from float64 to the output's int64", np.add, a, 1, np.zeros(3, "int64"))
      raises("cannot cast the result from float64 to the output's bool", np.sqrt, a, np.zeros(3, "bool"))
      raises("cannot cast the result from int64 to the output's uint8",
        np.add, np.array{1, 2, 3}, 1, np.zeros(3, "uint8"))
      raises("lumpy.array expected, got string", np.add, a, a, "out")
      raises("lumpy.array expected, got table", np.negative, a, {})
    end)
    it("reject closed arrays", function()
      local c = np.ones(3)
      c:close()
      raises("array is closed", function() return c + 1 end)
      raises("array is closed", function() return 1 + c end)
      raises("array is closed", np.add, a, c)
      raises("array is closed", np.sqrt, c)
      raises("array is closed", np.add, a, a, c)
      raises("array is closed", function() return c == a end)
      raises("array is closed", np.where, c, a, a)
    end)
    it("reject junk operands", function()
      raises("bad argument #2 to 'add' (array or number expected, got string)",
        function() return a + "x" end)
      raises("array or number expected, got string", function() return "x" * a end)
      raises("array or number expected, got function", np.add, a, print)
      raises("array or number expected, got nil", np.sqrt, nil)
      raises("bad argument #2 to", np.add, a)
      raises("(value expected)", np.add, a)
      raises("array or number expected, got nil", np.add, a, nil)
      raises("ragged", np.add, a, {1, {2}})
    end)
    it("report integer powers with negative exponents and out-of-range scalars", function()
      raises("integers to negative integer powers are not allowed",
        function() return np.array{1, 2} ^ -1 end)
      raises("integers to negative integer powers are not allowed",
        np.power, np.array{2, 3}, np.array{1, -2})
      raises("integer 300 out of bounds for uint8", function() return np.array({1}, "uint8") + 300 end)
      raises("integer -1 out of bounds for uint8", function() return np.array({1}, "uint8") * -1 end)
      assert.are.same({false}, vals(np.array({1}, "uint8"):lt(-1)))
      assert.are.same({true}, vals(np.array({1}, "int32"):lt(2 ^ 40 // 1)))
    end)
    it("check where, clip and round arguments", function()
      raises("where takes 1 or 3 arguments", np.where, np.array{true}, 1)
      raises("one of the bounds must be given", np.clip, a)
      raises("number expected, got string", np.round, a, "x")
      raises("decimals must be an integer", np.round, a, {decimals = 0.5})
      raises("rtol must be a number", np.isclose, a, a, {rtol = "x"})
      raises("not supported for complex128", np.floor, np.complex(a, a))
      raises("not supported for bool", np.subtract, np.array{true}, np.array{false})
    end)
  end)

  describe("semantics", function()
    it("IEEE results for float division", function()
      local r = np.array{1.0, -1.0, 0.0} / 0
      assert.are.equal(math.huge, r:get(1))
      assert.are.equal(-math.huge, r:get(2))
      assert.is_true(r:get(3) ~= r:get(3))
      assert.are.equal("float64", (np.array{1, 2} / np.array{0, 1}).dtype)
      assert.are.equal(math.huge, (np.array{1, 2} / np.array{0, 1}):get(1))
    end)
    it("integer division and modulo by zero give 0; MIN // -1 wraps", function()
      local i = np.array{7, -7, math.mininteger}
      assert.are.same({0, 0, 0}, vals(i // 0))
      assert.are.same({0, 0, 0}, vals(i % 0))
      assert.are.same({-7, 7, math.mininteger}, vals(i // -1))
      assert.are.same({0, 0, 0}, vals(i % -1))
      assert.are.same({2, -3, math.mininteger // 3}, vals(i // 3))
      assert.are.same({1, 2, math.mininteger % 3}, vals(i % 3))
      assert.are.same({-3, 2, math.mininteger // -3}, vals(i // -3))
      assert.are.same({-2, -1, math.mininteger % -3}, vals(i % -3))
    end)
    it("writes in place when out is an input", function()
      local x = np.array{{1.0, 2.0}, {3.0, 4.0}}
      local r = np.add(x, 1, x)
      assert.are.equal(x, r)
      assert.are.same({{2.0, 3.0}, {4.0, 5.0}}, vals(x))
      np.negative(x, x)
      assert.are.same({{-2.0, -3.0}, {-4.0, -5.0}}, vals(x))
    end)
    it("copies an input that overlaps out in another order", function()
      local x = np.array{{1, 2}, {3, 4}}
      np.add(x, x.T, x)
      assert.are.same({{2, 5}, {5, 8}}, vals(x))
      local y = np.array{{1.0, 2.0}, {3.0, 4.0}}
      np.multiply(y.T, 10, y)
      assert.are.same({{10.0, 30.0}, {20.0, 40.0}}, vals(y))
    end)
    it("writes into a strided out", function()
      local base = np.zeros{3, 2}
      np.add(np.array{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, 0.5, base.T)
      assert.are.same({{1.5, 4.5}, {2.5, 5.5}, {3.5, 6.5}}, vals(base))
      local iout = np.zeros({2, 3}, "int32")
      np.add(np.array{{1, 2, 3}, {4, 5, 6}}, np.array{10, 20, 30}, iout)
      assert.are.same({{11, 22, 33}, {14, 25, 36}}, vals(iout))
    end)
    it("converts long strided inputs in chunks", function()
      local n = 3000
      local x = np.arange(2 * n):astype("int32")
      local m = np.zeros({n, 2}, "int32")
      for i = 1, n do m:set(i, 1, i); m:set(i, 2, -i) end
      local col = m.T[1]                  -- stride 8 bytes, int32
      local r = col * 0.5 + np.arange(n)  -- float64
      assert.are.equal("float64", r.dtype)
      for _, i in ipairs{1, 2, 511, 512, 513, 1024, 2999, 3000} do
        assert.are.equal(i * 0.5 + (i - 1), r:get(i))
      end
      local cmp = col:gt(1500.5)
      assert.are.equal(false, cmp:get(1500))
      assert.are.equal(true, cmp:get(1501))
      local o = np.zeros(n, "float32")
      np.sqrt(col, o)
      assert.are.equal(math.sqrt(2999.0) // 1e-4, o:get(2999) // 1e-4)
      assert.are.equal(x.size, 2 * n)
    end)
    it("empty inputs give empty results of the broadcast shape", function()
      local e = np.zeros{0, 3} + np.ones(3)
      assert.are.same({0, 3}, e.shape)
      assert.are.same({0}, np.sqrt(np.zeros(0)).shape)
      assert.are.same({0, 3}, np.zeros{0, 1}:lt(np.ones{1, 3}).shape)
    end)
  end)

  describe("methods", function()
    local a = np.array{{1.0, 4.0}, {9.0, 16.0}}
    it("unary math as methods", function()
      assert.are.same({{1.0, 2.0}, {3.0, 4.0}}, vals(a:sqrt()))
      assert.are.same({{1.0, 4.0}, {9.0, 16.0}}, vals((-a):abs()))
      assert.are.same({{false, false}, {false, false}}, vals(a:isnan()))
      assert.are.same({{0.0, 2.0}, {3.0, 4.0}}, vals(a:log2():round(0)))
      assert.are.same({{1.0, 1.0}, {1.0, 2.0}}, vals(a:log10():ceil():clip(1, nil)))
    end)
    it("comparisons and clip", function()
      assert.are.same({{true, false}, {false, false}}, vals(a:lt(4)))
      assert.are.same({{true, true}, {false, false}}, vals(a:le(4)))
      assert.are.same({{false, false}, {true, true}}, vals(a:gt(4)))
      assert.are.same({{false, true}, {true, true}}, vals(a:ge(4)))
      assert.are.same({{false, true}, {false, false}}, vals(a:eq(4)))
      assert.are.same({{true, false}, {true, true}}, vals(a:ne(4)))
      assert.are.same({{2.0, 4.0}, {9.0, 10.0}}, vals(a:clip(2, 10)))
      assert.are.same({{1.0, 4.0}, {9.0, 10.0}}, vals(a:clip(nil, 10)))
      assert.are.same({{2, 3}, {3, 3}}, vals(np.array{{1, 3}, {5, 7}}:clip(2, 3)))
    end)
    it("round, conj, and aliases", function()
      assert.are.same({1.2, 2.5, -0.5}, vals(np.array{1.25, 2.5, -0.5}:round(1)))
      assert.are.same({1.2, 2.5}, vals(np.around(np.array{1.25, 2.5}, {decimals = 1})))
      local z = np.complex(np.array{1.0}, np.array{2.0}):conj()
      assert.are.equal(-2.0, z:get(1).im)
      assert.are.same({1, 0, 1}, vals(np.mod(np.array{7, 8, 9}, 2)))
      assert.are.same({1, 0, 1}, vals(np.remainder(np.array{7, 8, 9}, 2)))
      assert.are.same({3.5}, vals(np.true_divide(np.array{7}, 2)))
      assert.are.same({true, false}, vals(np.not_equal(np.array{1, 2}, 2)))
    end)
  end)

  describe("where", function()
    it("with one argument returns nonzero(cond)", function()
      local c = np.array{{true, false}, {false, true}}
      local w = table.pack(np.where(c))
      local nz = table.pack(np.nonzero(c))
      assert.are.equal(nz.n, w.n)
      for i = 1, nz.n do assert.is_true(np.array_equal(nz[i], w[i])) end
      -- the positions themselves (1-based): rows {1, 2}, columns {1, 2}
      assert.are.equal(2, w.n)
      assert.are.same({1, 2}, w[1]:totable())
      assert.are.same({1, 2}, w[2]:totable())
      local r = np.where(np.array{{false, true, true}, {false, false, true}})
      local r2 = select(2, np.where(np.array{{false, true, true}, {false, false, true}}))
      assert.are.same({1, 1, 2}, r:totable())
      assert.are.same({2, 3, 3}, r2:totable())
    end)
  end)

  describe("isclose", function()
    it("takes rtol, atol, equal_nan positionally", function()
      local x, y = np.array{1.0, 0 / 0}, np.array{1.05, 0 / 0}
      assert.are.same({true, true}, vals(np.isclose(x, y, 0.1, 0, true)))
      assert.are.same({false, false}, vals(np.isclose(x, y)))
      assert.is_true(np.allclose(x, y, 0.1, 0, true))
      assert.is_false(np.allclose(x, y))
      assert.are.equal(true, np.isclose(1, 1 + 1e-9))
    end)
  end)
end)

describe("lumpy.ufunc", function()
  describe("exp", function()
    it("agrees with the C library's exp to 2 ulp over the whole float64 range", function()
      local n = 20001
      local x = np.linspace(-746, 710, n)
      local y = np.exp(x)
      local worst = 0
      for i = 1, n, 7 do
        local xi = x:get(i)
        local e, g = math.exp(xi), y:get(i)
        if e == 0 or e == math.huge then
          assert.are.equal(e, g)
        else
          local err = math.abs(g - e) / e
          if err > worst then worst = err end
        end
      end
      assert.is_true(worst <= 4.5e-16, "relative error " .. worst)
      -- strided input takes the scalar path
      local m = np.zeros{n, 2}
      local s = m.T[1]
      np.add(s, x, s)
      assert.is_true(np.array_equal(np.exp(s), np.exp(x)) or np.allclose(np.exp(s), np.exp(x), 1e-15, 0))
      local sp = np.exp(np.array{0 / 0, math.huge, -math.huge, 0.0, -0.0, 709.5, -708.5, -745.5})
      assert.is_true(sp:get(1) ~= sp:get(1))
      assert.are.same({math.huge, 0.0, 1.0, 1.0, math.exp(709.5), math.exp(-708.5), math.exp(-745.5)},
        {sp:get(2), sp:get(3), sp:get(4), sp:get(5), sp:get(6), sp:get(7), sp:get(8)})
    end)
  end)

  -- calls of at least 2^20 contiguous elements run as two halves on two
  -- threads; the expected values are closed forms of the element index
  describe("big contiguous calls", function()
    local n = 2 ^ 20 + 37          -- not a multiple of the split
    n = math.tointeger(n)
    local function checkall(r, f)
      for _, i in ipairs({1, 2, n // 2 - 1, n // 2, n // 2 + 1, n // 2 + 64, n - 1, n}) do
        assert.are.equal(f(i), r:get(i))
      end
      local bad = 0
      for i = 1, n, 997 do if r:get(i) ~= f(i) then bad = bad + 1 end end
      assert.are.equal(0, bad)
    end

    it("adds into a new array, into out, and in place", function()
      local a, b = np.arange(n) * 1.0, np.arange(n) * 2.0     -- a[i] = i - 1
      checkall(a + b, function(i) return 3.0 * (i - 1) end)
      local out = np.empty(n)
      np.add(a, b, out)
      checkall(out, function(i) return 3.0 * (i - 1) end)
      np.add(a, b, a)
      checkall(a, function(i) return 3.0 * (i - 1) end)
      np.multiply(a, 2.5, a)
      checkall(a, function(i) return 7.5 * (i - 1) end)
      checkall(np.sqrt(np.arange(n) ^ 2), function(i) return (i - 1) * 1.0 end)
    end)

    it("computes integers and comparisons", function()
      local k = np.arange(n)
      checkall(k * 3 - 1, function(i) return 3 * (i - 1) - 1 end)
      checkall(k:ge(n // 2), function(i) return i - 1 >= n // 2 end)
    end)

    it("raises errors found in either half, leaving out untouched", function()
      local e = np.ones(n, "int64")
      e:set(n, -1)                                  -- in the second half
      local out = np.zeros(n, "int64")
      assert.has_error(function() np.power(np.full(n, 2, "int64"), e, out) end,
        "lumpy.power: integers to negative integer powers are not allowed")
      assert.are.equal(0, out:max())
      e:set(n, 1)
      e:set(1, -1)                                  -- in the first half
      assert.has_error(function() np.power(np.full(n, 2, "int64"), e) end,
        "lumpy.power: integers to negative integer powers are not allowed")
    end)
  end)
end)
