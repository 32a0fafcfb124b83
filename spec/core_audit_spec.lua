-- Cross-cutting checks of the array core (issue 2 audit, docs/issue2_audit.md):
-- every public function on closed arrays and on junk arguments, broadcast
-- errors naming both shapes, no half-written arrays after an error, option
-- forms, and NumPy values (spec/fixtures/gen_audit.py) for the functions the
-- audit added: nanprod nanvar nanstd nancumsum nancumprod, diff with
-- prepend/append, concatenate with axis false, unique's equal_nan.
local np = require "lumpy"
local fx = require "fixtures.audit"

local function errof(f, ...)
  local ok, e = pcall(f, ...)
  if ok then return nil end
  return e
end

local function haserr(pat, f, ...)
  local e = errof(f, ...)
  assert(e ~= nil, "expected an error matching '" .. pat .. "'")
  assert(type(e) == "string", "error object is a " .. type(e))
  assert(e:find(pat, 1, true), "error '" .. e .. "' does not contain '" .. pat .. "'")
end

-- a closed array: a closed view (reshape gives one), or with owner set a
-- closed owning array
local closedowner = false
local function closedarray()
  local a = np.arange(6.0):reshape{2, 3}
  if closedowner then a = a:copy() end
  a:close()
  return a
end

local function fresh() return np.arange(6.0):reshape{2, 3} end

-- the module's functions, sorted by name
local function modulefunctions()
  local names = {}
  for k, v in pairs(np) do
    if type(v) == "function" then names[#names + 1] = k end
  end
  table.sort(names)
  return names
end

-- functions that take no array argument at all
local NOARRAY = {
  zeros = true, ones = true, empty = true, full = true, arange = true, linspace = true,
  logspace = true, eye = true, identity = true, dtype = true, isarray = true,
  close = true, complex = true, memstats = true, config = true,
}
-- functions whose array arguments come in a table
local LISTARG = {
  concatenate = true, stack = true, hstack = true, vstack = true, dstack = true,
  column_stack = true,
}
-- functions of two (or more) arrays: the closed array is tried second too
local BINARY = {
  add = true, subtract = true, multiply = true, divide = true, true_divide = true,
  floor_divide = true, mod = true, remainder = true, power = true, maximum = true,
  minimum = true, fmax = true, fmin = true, hypot = true, arctan2 = true, eq = true,
  ne = true, lt = true, le = true, gt = true, ge = true, equal = true, not_equal = true,
  less = true, less_equal = true, greater = true, greater_equal = true,
  logical_and = true, logical_or = true, logical_xor = true, bitwise_and = true,
  bitwise_or = true, bitwise_xor = true, outer = true, isclose = true, allclose = true,
  array_equal = true, dot = true, matmul = true,
}

-- views of the fixture input, as gen_audit.py names them
local function view(x, name)
  if name == "c" then return x end
  if name == "T" then return x.T end
  if name == "step" then return x[{{}, {1, -1, 2}}] end
  if name == "neg" then return x[{{-1, 1, -1}, {-1, 1, -2}}] end
  if name == "bc" then return np.broadcast_to(x[2], {3, 5}) end
  error("unknown view " .. name)
end

local function close(x, e, tol)
  if e ~= e then return x ~= x end
  if e == math.huge or e == -math.huge then return x == e end
  return type(x) == "number" and math.abs(x - e) <= tol * math.max(1, math.abs(e))
end

-- compares r (array or number) with e (nested table or number)
local function same(r, e, tol, path)
  path = path or "value"
  if np.isarray(r) then r = r:totable() end
  if type(e) == "table" then
    assert(type(r) == "table", path .. ": expected a table, got " .. tostring(r))
    assert(#r == #e, path .. ": length " .. #r .. " ~= " .. #e)
    for i = 1, #e do same(r[i], e[i], tol, path .. "[" .. i .. "]") end
    return
  end
  assert(close(r, e, tol), path .. ": got " .. tostring(r) .. ", expected " .. tostring(e))
end

describe("lumpy.core_audit", function()
  describe("closed arrays", function()
    it("every module function given a closed array raises 'array is closed'", function()
      for pass = 1, 2 do
        closedowner = pass == 2       -- closed views, then closed owners
        for _, k in ipairs(modulefunctions()) do
          local f = np[k]
          if LISTARG[k] then
            haserr("closed", f, {fresh(), closedarray()})
            haserr("closed", f, {closedarray()})
          elseif not NOARRAY[k] then
            if BINARY[k] then
              haserr("closed", f, closedarray(), fresh())
              haserr("closed", f, fresh(), closedarray())
            elseif k == "searchsorted" then
              haserr("closed", f, closedarray(), 1)
              haserr("closed", f, np.arange(3), closedarray())
            elseif k == "clip" then
              haserr("closed", f, closedarray(), 0, 1)
              haserr("closed", f, fresh(), closedarray(), 1)
            elseif k == "where" then
              haserr("closed", f, closedarray())
              haserr("closed", f, fresh():gt(1), closedarray(), 0)
            else
              haserr("closed", f, closedarray())
            end
          end
        end
      end
      closedowner = false
    end)

    it("every method called on a closed array raises 'array is closed'", function()
      local methods = getmetatable(fresh()).methods
      local n = 0
      for pass = 1, 2 do
        closedowner = pass == 2
        for k, f in pairs(methods) do
          if k ~= "close" and k ~= "isclosed" then
            if BINARY[k] or k == "searchsorted" then haserr("closed", f, closedarray(), fresh())
            elseif k == "clip" then haserr("closed", f, closedarray(), 0, 1)
            else haserr("closed", f, closedarray()) end
            n = n + 1
          end
        end
      end
      closedowner = false
      assert.is_true(n > 100)
    end)

    it("creation functions, out and values reject closed arrays", function()
      haserr("closed", np.full, {2}, closedarray())
      haserr("closed", np.complex, closedarray(), fresh())
      haserr("closed", np.add, fresh(), fresh(), closedarray())
      haserr("closed", np.sqrt, fresh(), closedarray())
      haserr("closed", np.sum, fresh(), {axis = 1, out = closedarray()})
      haserr("closed", function() local a = fresh(); a[1] = closedarray() end)
      haserr("closed", function() local a = fresh(); a[{{}, 1}] = closedarray()[{{}, 1}] end)
      haserr("closed", np.meshgrid, closedarray(), fresh())
    end)

    it("indexing, attributes and metamethods of a closed array raise", function()
      local c = closedarray()
      haserr("closed", function() return c[1] end)
      haserr("closed", function() c[1] = 0 end)
      haserr("closed", function() return c:get(1, 1) end)
      haserr("closed", function() c:set(1, 1, 0) end)
      haserr("closed", function() return c.shape end)
      haserr("closed", function() return c.T end)
      haserr("closed", function() return #c end)
      haserr("closed", function() return c + 1 end)
      haserr("closed", function() return 1 - c end)
      haserr("closed", function() return -c end)
      haserr("closed", function() return c == fresh() end)
    end)

    it("a view of a closed array is closed too", function()
      local a = np.zeros{2, 3}
      local v = a[{{}, {1, 2}}]
      a:close()
      assert.is_true(v:isclosed())
      haserr("closed", np.sum, v)
      haserr("closed", function() return v:get(1, 1) end)
      assert.are.equal("array (closed)", tostring(v))
    end)

    it("tostring of a closed array does not raise; array_repr does", function()
      local c = closedarray()
      assert.are.equal("array (closed)", tostring(c))
      haserr("closed", np.array_repr, c)
      -- closing twice is harmless
      c:close()
      assert.is_true(c:isclosed())
    end)
  end)

  describe("junk arguments", function()
    -- each function and method with a junk value in each of its first three
    -- argument positions (the others valid arrays): a Lua error with a string
    -- message or a result, never a crash; the state stays usable
    local junks = {
      function() end, "junk", "float64", {}, {1, "x"}, {{1}, 2}, true, false, io.stdout,
      1e308, -1, 0, 2^63, 0 / 0, math.huge, coroutine.create(function() end),
      np.complex(1, 2), np.array(5.0), np.zeros{0}, np.array{true, false},
    }
    local NJ = #junks + 1     -- the last one is nil

    local function fuzz(label, f, selfarg)
      for j = 1, NJ do
        for pos = 1, 3 do
          local args = {fresh(), fresh(), fresh()}
          if selfarg and pos == 1 then args[1] = fresh() end
          args[pos] = junks[j]
          local ok, e = pcall(f, args[1], args[2], args[3])
          if not ok then
            assert(type(e) == "string",
                   label .. " with junk " .. j .. " at " .. pos .. ": error is a " .. type(e))
          end
        end
      end
    end

    it("module functions", function()
      for _, k in ipairs(modulefunctions()) do fuzz("np." .. k, np[k]) end
      assert.are.equal(15, np.arange(6):sum())
    end)

    it("methods", function()
      local methods = getmetatable(fresh()).methods
      local names = {}
      for k in pairs(methods) do names[#names + 1] = k end
      table.sort(names)
      for _, k in ipairs(names) do fuzz("a:" .. k, methods[k], true) end
      assert.are.equal(15, np.arange(6):sum())
    end)

    it("metamethods and indexing", function()
      local ops = {
        function(a, b) return a + b end, function(a, b) return a - b end,
        function(a, b) return a * b end, function(a, b) return a / b end,
        function(a, b) return a // b end, function(a, b) return a % b end,
        function(a, b) return a ^ b end, function(a, b) return a & b end,
        function(a, b) return a | b end, function(a, b) return a ~ b end,
        function(a, b) return a == b end, function(a) return -a end,
        function(a) return ~a end, function(a) return #a end,
        function(a, b) return a[b] end, function(a, b) a[b] = 1 end,
        function(a, b, c) a[b] = c end, function(a, b) return tostring(a) .. tostring(b) end,
      }
      for i, op in ipairs(ops) do fuzz("op " .. i, op) end
      assert.are.equal(15, np.arange(6):sum())
    end)
  end)

  describe("broadcast errors", function()
    it("name both shapes in every binary function and operator", function()
      local a, b = fresh(), np.arange(4.0)
      for k in pairs(BINARY) do
        if k:sub(1, 8) == "bitwise_" then
          haserr("{2, 3} {4}", np[k], np.zeros({2, 3}, "int32"), np.arange(4))
        elseif k == "dot" or k == "matmul" then
          haserr("{2, 3} and {4}", np[k], a, b)
        elseif k ~= "outer" and k ~= "array_equal" then
          haserr("{2, 3} {4}", np[k], a, b)
        end
      end
      for _, op in ipairs{
        function() return a + b end, function() return a - b end,
        function() return a * b end, function() return a / b end,
        function() return a // b end, function() return a % b end,
        function() return a ^ b end,
        function() return np.array{{1, 2, 3}, {4, 5, 6}} & np.arange(4) end,
        function() return a:lt(b) end, function() return np.clip(a, b, 5) end,
        function() return np.clip(a, 0, b) end, function() return np.where(a:gt(1), b, 0) end,
      } do
        haserr("{2, 3} {4}", op)
      end
      haserr("{2, 3} {4} {5}", np.where, a:gt(1), b, np.zeros(5))
    end)

    it("name both shapes for out, assignment and shape functions", function()
      local a = fresh()
      haserr("{3}", np.add, a, a, np.zeros{3})
      haserr("{2, 3}", np.add, a, a, np.zeros{3})
      haserr("{3, 2}", np.sqrt, a, np.zeros{3, 2})
      haserr("from shape {4} into shape {3}", function() a[1] = np.zeros(4) end)
      haserr("from shape {3} into shape {2, 2}", function() a[{{}, {1, 2}}] = np.zeros(3) end)
      haserr("{2, 3} to shape {3, 3}", np.broadcast_to, a, {3, 3})
      haserr("{2, 3}", np.concatenate, {a, np.zeros{2, 2}})
      haserr("{2, 2}", np.concatenate, {a, np.zeros{2, 2}})
      haserr("lumpy.sum: output array has wrong shape: expected {3}, got {2}", np.sum, a,
             {axis = 1, out = np.zeros(2)})
    end)
  end)

  describe("no half-written arrays", function()
    local function unchanged(x, t) same(x, t, 0) end

    it("assignments that fail leave the target as it was", function()
      local x = np.arange(5)
      local before = x:totable()
      assert.is_truthy(errof(function() x[np.array{1, 2, 10}] = 99 end))
      unchanged(x, before)
      assert.is_truthy(errof(function() x[np.array{1, -2, -10}] = np.array{7, 8, 9} end))
      unchanged(x, before)
      assert.is_truthy(errof(function() x[{{1, 4}}] = {9, 9, "z", 9} end))
      unchanged(x, before)
      assert.is_truthy(errof(function() x[{{1, 4}}] = {9, 9, {1}, 9} end))
      unchanged(x, before)
      assert.is_truthy(errof(function() x[x:gt(1)] = np.array{1, 2} end))
      unchanged(x, before)
      assert.is_truthy(errof(function() x[np.array{true, false}] = 1 end))
      unchanged(x, before)
      assert.is_truthy(errof(function() x:fill("s") end))
      unchanged(x, before)
      assert.is_truthy(errof(function() x:set(1, {}) end))
      unchanged(x, before)
      local m = np.arange(6.0):reshape{2, 3}
      local mt = m:totable()
      assert.is_truthy(errof(function() m[np.array{1, 3}] = 0 end))
      unchanged(m, mt)
      assert.is_truthy(errof(function() m:set(1, 1, np.complex(1, 2)) end))
      unchanged(m, mt)
      assert.is_truthy(errof(function() m.T[{{}, 1}] = np.zeros(2) end))
      unchanged(m, mt)
    end)

    it("ufuncs and reductions with a bad out leave out as it was", function()
      local y = np.arange(4.0)
      local o = np.arange(4.0) + 10
      local ot = o:totable()
      assert.is_truthy(errof(np.add, y, np.ones{3}, o))
      unchanged(o, ot)
      assert.is_truthy(errof(np.add, y, {1, 2, "x", 4}, o))
      unchanged(o, ot)
      assert.is_truthy(errof(np.add, y, 0.5, np.zeros({4}, "int64")))
      assert.is_truthy(errof(np.sqrt, y, o[{{1, 3}}]))
      unchanged(o, ot)
      -- the output aliased with an input
      assert.is_truthy(errof(np.add, o, np.ones{3}, o))
      unchanged(o, ot)
      local s = np.zeros(3) + 7
      assert.is_truthy(errof(np.sum, np.ones{2, 3}, {axis = 1, out = np.zeros(2)}))
      assert.is_truthy(errof(np.sum, np.ones{2, 3}, {axis = 9, out = s}))
      unchanged(s, {7, 7, 7})
      assert.is_truthy(errof(np.cumsum, np.ones{2, 3}, {axis = 2, out = np.zeros(3)}))
    end)

    it("integer power failing halfway (a negative exponent) leaves out as it was", function()
      local o = np.array{7, 7, 7}
      haserr("negative integer powers", np.power, np.array{2, 3, 4}, np.array{2, 2, -1}, o)
      unchanged(o, {7, 7, 7})
      local x = np.array{2, 3, 4}
      haserr("negative integer powers", np.power, x, np.array{2, -1, 2}, x)
      unchanged(x, {2, 3, 4})
      local i32 = np.array({2, 3}, "int32")
      haserr("negative integer powers", np.power, i32, np.array({-1, 1}, "int32"), i32)
      unchanged(i32, {2, 3})
      -- and when it succeeds, out (also aliased with an input) gets the result
      assert.are.equal(x, np.power(x, 2, x))
      unchanged(x, {4, 9, 16})
    end)
  end)

  describe("values and printing", function()
    it("tostring of views and 0-d arrays", function()
      local a = np.arange(6):reshape{2, 3}
      assert.are.equal("array([[0, 3],\n       [1, 4],\n       [2, 5]])", tostring(a.T))
      assert.are.equal("array([2, 0])", tostring(a[{{}, {-1, 1, -2}}][1]))
      assert.are.equal("array(5)", tostring(np.array(5)))
      assert.are.equal("array(5.5)", tostring(np.array(5.5)))
      assert.are.equal("array(True)", tostring(np.array(true)))
      assert.are.equal("array(3, dtype=int32)", tostring(np.array(3, "int32")))
    end)

    it("complex scalar powers are exact for small integer exponents, as NumPy's", function()
      local z = np.complex(1, 2)
      local function eqz(w, re, im)
        assert.are.equal(re, w.re)
        assert.are.equal(im, w.im)
      end
      eqz(z ^ 2, -3, 4)
      eqz(z ^ 3, -11, -2)
      eqz(z ^ 7, 29, 278)
      eqz(z ^ 0, 1, 0)
      eqz(np.complex(0, 0) ^ 2, 0, 0)
      local w = np.complex(0, 0) ^ -1
      assert.is_true(w.re ~= w.re and w.im ~= w.im)
      -- the array power agrees element for element
      local a = np.complex(np.array{1, 1.5}, np.array{2, -0.5}) ^ 3
      eqz(a:get(1), -11, -2)
      eqz(a:get(2), 2.25, -3.25)
    end)

    it("out-of-range and NaN floats cast to int32 give INT32_MIN, as NumPy on x86", function()
      local r = np.array{2.0 ^ 40, 1e20, 0 / 0, -2.0 ^ 40, 3e9, -2147483648.5, 2147483647.5}
      same(r:astype("int32"), {-2147483648, -2147483648, -2147483648, -2147483648,
                               -2147483648, -2147483648, 2147483647}, 0)
      same(np.array({3e9}, "float32"):astype("int32"), {-2147483648}, 0)
      -- int64 to int32 keeps the low 32 bits, as NumPy
      same(np.array{4294967301, -2147483649}:astype("int32"), {5, 2147483647}, 0)
      same(np.array{2.0 ^ 40, 300.0, -1.0, 0 / 0}:astype("uint8"), {0, 44, 255, 0}, 0)
    end)

    it("np.array of arrays of different dtypes promotes like NumPy", function()
      local r = np.array{np.array{1, 2}, np.array{1.5, 2}}
      assert.are.equal("float64", r.dtype)
      same(r, {{1, 2}, {1.5, 2}}, 0)
      r = np.array{np.array{true, false}, np.array{1, 2}}
      assert.are.equal("int64", r.dtype)
      same(r, {{1, 0}, {1, 2}}, 0)
      r = np.array{np.array({1, 2}, "int32"), np.array({3, 4}, "uint8")}
      assert.are.equal("int32", r.dtype)
      r = np.array{np.array({1, 2}, "float32"), {3, 4}}
      assert.are.equal("float64", r.dtype)
      r = np.array{np.array{1, 2}, np.complex(np.array{1, 2}, np.array{0, 1})}
      assert.are.equal("complex128", r.dtype)
      haserr("ragged", np.array, {np.array{1, 2}, np.array{1, 2, 3}})
    end)

    it("totable of 0-d and empty arrays, #a", function()
      assert.are.equal(5, np.array(5):totable())
      assert.are.same({}, np.zeros{0}:totable())
      assert.are.same({{}, {}}, np.zeros{2, 0}:totable())
      assert.are.same({}, np.zeros{0, 3}:totable())
      assert.are.equal(2, #np.zeros{2, 3})
      assert.are.equal(3, #np.zeros{2, 3}.T)
      assert.are.equal(0, #np.zeros{0})
      haserr("0-d", function() return #np.array(5) end)
    end)

    it("a == b is whole-array equality, false for different shapes", function()
      assert.is_false(np.zeros{2} == np.zeros{3})
      assert.is_false(np.zeros{2, 2} == np.zeros{2})
      assert.is_false(np.zeros{1, 2} == np.zeros{2})
      assert.is_true(np.zeros{2} == np.zeros{2})
      assert.is_true(np.zeros({2}, "int32") == np.zeros{2})
      assert.is_true(np.arange(6):reshape{2, 3}.T == np.array{{0, 3}, {1, 4}, {2, 5}})
      assert.is_false(np.array{0 / 0} == np.array{0 / 0})
    end)
  end)

  describe("options", function()
    it("every creation function takes a dtype as a string, a constant or an option", function()
      local a = fresh()
      local makers = {
        function(dt) return np.zeros({2}, dt) end, function(dt) return np.ones({2}, dt) end,
        function(dt) return np.empty({2}, dt) end, function(dt) return np.full({2}, 1, dt) end,
        function(dt) return np.zeros_like(a, dt) end, function(dt) return np.ones_like(a, dt) end,
        function(dt) return np.empty_like(a, dt) end,
        function(dt) return np.full_like(a, 1, dt) end,
        function(dt) return np.arange(5, dt) end, function(dt) return np.arange(0, 5, 1, dt) end,
        function(dt) return np.linspace(0, 1, 5, dt) end,
        function(dt) return np.logspace(0, 1, 5, dt) end,
        function(dt) return np.eye(3, dt) end, function(dt) return np.identity(3, dt) end,
        function(dt) return np.array({1, 2}, dt) end,
        function(dt) return np.asarray({1, 2}, dt) end,
        function(dt) return np.asarray(np.arange(3), dt) end,
      }
      for i, make in ipairs(makers) do
        assert.are.equal("float32", make("float32").dtype, "maker " .. i .. " string")
        assert.are.equal("float32", make(np.float32).dtype, "maker " .. i .. " constant")
        assert.are.equal("float32", make({dtype = "float32"}).dtype, "maker " .. i .. " option")
        haserr("unknown option 'dtyp'", make, {dtyp = "float32"})
        haserr("float128", make, "float128")
      end
    end)

    it("unknown option keys are rejected", function()
      local a = fresh()
      haserr("unknown option 'endpoin'", np.linspace, 0, 1, 5, {endpoin = false})
      haserr("unknown option 'bas'", np.logspace, 0, 1, 5, {bas = 2})
      haserr("unknown option 'kk'", np.eye, 3, {kk = 1})
      haserr("unknown option 'kk'", np.diag, np.arange(3), {kk = 1})
      haserr("unknown option 'indexin'", np.meshgrid, np.arange(2), np.arange(3), {indexin = "ij"})
      haserr("unknown option 'axes'", np.concatenate, {a, a}, {axes = 1})
      haserr("unknown option 'axes'", np.stack, {a, a}, {axes = 1})
      haserr("unknown option 'axis'", np.hstack, {a, a}, {axis = 1})
      haserr("unknown option 'axis'", np.column_stack, {a, a}, {axis = 1})
      haserr("unknown option 'axes'", np.split, np.arange(4), 2, {axes = 1})
      haserr("unknown option 'decimal'", np.round, a, {decimal = 1})
      haserr("unknown option 'rtoll'", np.isclose, a, a, {rtoll = 1})
      haserr("unknown option 'rtoll'", np.allclose, a, a, {rtoll = 1})
      haserr("unknown option 'equalnan'", np.array_equal, a, a, {equalnan = true})
      haserr("unknown option 'axes'", np.sum, a, {axes = 1})
      haserr("unknown option 'ddf'", np.nanvar, a, {ddf = 1})
      haserr("unknown option 'prepnd'", np.diff, a, {prepnd = 1})
      haserr("unknown option 'equalnan'", np.unique, a, {equalnan = true})
      haserr("unknown option 'kind_'", np.sort, a, {kind_ = "stable"})
      haserr("unknown option 'sid'", np.searchsorted, np.arange(3), 1, {sid = "left"})
    end)

    it("a table that is not a plain list is never read as an empty list", function()
      local a = np.arange(6):reshape{2, 3}
      -- shapes and reps
      haserr("shape must be a list of integers", np.zeros, {shape = 3})
      haserr("shape must be a list of integers", np.ones, {2, n = 3})
      haserr("shape must be a list of integers", np.tile, a, {reps = 2})
      haserr("shape must be a list of integers", np.broadcast_to, a, {shape = {2, 3}})
      haserr("shape must be a list of integers", np.reshape, a, {shape = {3, 2}})
      -- axes of reductions: options go in their own table
      haserr("plain list", np.sum, a, {1, keepdims = true})
      haserr("plain list", np.mean, a, {1, [3] = 2})
      -- axis tables of shape functions: {axis = } is an options table
      same(np.flip(a, {axis = 1}), {{3, 4, 5}, {0, 1, 2}}, 0)
      same(np.flip(a, {axis = {1, 2}}), {{5, 4, 3}, {2, 1, 0}}, 0)
      assert.are.same({3, 1}, np.squeeze(np.zeros{1, 3, 1}, {axis = 1}).shape)
      assert.are.same({1, 2, 3}, np.expand_dims(a, {axis = 1}).shape)
      same(np.roll(a, 1, {axis = 1}), {{3, 4, 5}, {0, 1, 2}}, 0)
      same(np.transpose(a, {axes = {2, 1}}), {{0, 3}, {1, 4}, {2, 5}}, 0)
      haserr("unknown option 'axes'", np.flip, a, {axes = 1})
      haserr("integer or list of integers expected", np.flip, a, {1, axis = 2})
      haserr("integer or list of integers expected", np.roll, a, {shift = 1})
      haserr("integer or list of integers expected", np.moveaxis, a, {source = 1}, 2)
      -- index tables: entries 1..n only (named range fields stay allowed)
      haserr("no other keys", function() return a[{1, foo = 2}] end)
      haserr("no other keys", function() a[{2, axis = 1}] = 0 end)
      haserr("no other keys", function() return a[{foo = 1}] end)
      haserr("index entry 2 is nil", function() return a[{1, nil, 2}] end)
      same(a[{{1, 2, step = 2}}], {{0, 1, 2}}, 0)
      same(a[{{start = 2, stop = 2}}], {{3, 4, 5}}, 0)
      haserr("options table expected", np.sort, a, {1})
      haserr("options table expected", np.argsort, a, {1, kind = "stable"})
      -- empty lists keep their meaning
      same(np.flip(a, {}), a:totable(), 0)
      same(np.sum(a, {axis = {}}), a:totable(), 0)
    end)

    it("meshgrid, eye and diag options still work", function()
      local x, y = np.meshgrid(np.array{1, 2, 3}, np.array{4, 5}, {indexing = "ij"})
      same(x, {{1, 1}, {2, 2}, {3, 3}}, 0)
      same(y, {{4, 5}, {4, 5}, {4, 5}}, 0)
      same(np.eye(3, {k = 1, dtype = "int32"}), {{0, 1, 0}, {0, 0, 1}, {0, 0, 0}}, 0)
      same(np.diag(np.array{1, 2}, {k = -1}), {{0, 0, 0}, {1, 0, 0}, {0, 2, 0}}, 0)
      same(np.linspace(0, 1, 5, {endpoint = false, dtype = "float64"}), {0, 0.2, 0.4, 0.6, 0.8}, 1e-15)
    end)
  end)

  describe("nan reductions (NumPy fixtures)", function()
    local X = np.array(fx.X)
    it("nanprod nanvar nanstd nancumsum nancumprod nansum nanmean on every view", function()
      for i, c in ipairs(fx.nan) do
        local v = view(X, c.view)
        local r
        local opts = {axis = c.axis, ddof = c.ddof}
        if c.fn:sub(1, 6) == "nancum" then
          opts.ddof = nil
          r = (i % 2 == 0) and v[c.fn](v, opts) or np[c.fn](v, c.axis)
        elseif i % 2 == 0 then r = v[c.fn](v, opts)
        else r = np[c.fn](v, opts) end
        if type(c.expect) == "number" then
          assert(type(r) == "number", c.fn .. " " .. c.view .. ": expected a number")
        else
          assert.are.equal("float64", r.dtype)
        end
        same(r, c.expect, 1e-13, c.fn .. " " .. c.view .. " axis " .. tostring(c.axis))
      end
    end)

    it("float32 inputs stay float32 and skip NaNs", function()
      local f = np.array({1.5, 0 / 0, 2, 4}, "float32")
      assert.are.equal("float32", np.nanvar(f:reshape{2, 2}, {axis = 1}).dtype)
      assert.are.equal("float32", np.nanstd(f:reshape{2, 2}, 2).dtype)
      assert.is_true(math.abs(np.nanvar(f) - 3.5 / 3) < 1e-6)
      assert.is_true(math.abs(np.nanprod(f) - 12) < 1e-6)
      same(np.nancumsum(f), {1.5, 1.5, 3.5, 7.5}, 1e-7)
      same(np.nancumprod(f), {1.5, 1.5, 3, 12}, 1e-7)
      assert.are.equal("float32", np.nancumsum(f).dtype)
    end)

    it("integer inputs behave like the plain reductions", function()
      local i = np.array{{1, 2, 3}, {4, 5, 6}}
      -- closed forms: 6! = 720, the variance of 1..6 is 35/12, with ddof = 1 3.5
      assert.are.equal(720, np.nanprod(i))
      assert.is_true(math.type(np.nanprod(i)) == "integer")
      assert.is_true(math.abs(np.nanvar(i) - 35 / 12) <= 1e-15)
      assert.is_true(math.abs(np.nanstd(i, {ddof = 1}) - math.sqrt(3.5)) <= 1e-15)
      same(np.nancumsum(i, 2), {{1, 3, 6}, {4, 9, 15}}, 0)
      same(np.nancumprod(i), {1, 2, 6, 24, 120, 720}, 0)
      assert.are.equal("int64", np.nancumsum(i, 2).dtype)
    end)

    it("all-NaN slices and ddof past the count give NaN", function()
      local a = np.array{{0 / 0, 0 / 0}, {1, 3}}
      local v = np.nanvar(a, 2)
      assert.is_true(v:get(1) ~= v:get(1))
      assert.are.equal(1, v:get(2))
      local s = np.nanstd(a, {axis = 2, ddof = 2})
      assert.is_true(s:get(2) ~= s:get(2))
      assert.are.equal(1, np.nanprod(np.array{0 / 0, 0 / 0}))
      same(np.nancumsum(np.array{0 / 0, 0 / 0}), {0, 0}, 0)
    end)

    it("dtype and out options, with NaNs replaced before an integer conversion", function()
      local a = np.array{1.5, 0 / 0, 2}
      assert.are.equal(3.5, np.nansum(np.array({1.5, 0 / 0, 2}, "float32"), {dtype = "float64"}))
      assert.are.equal(3, np.nansum(a, {dtype = "int64"}))
      assert.are.equal(2, np.nanprod(a, {dtype = "int64"}))
      same(np.nancumsum(a, {dtype = "int64"}), {1, 1, 3}, 0)
      same(np.nancumprod(a, {dtype = "int64"}), {1, 1, 2}, 0)
      local o = np.zeros(2)
      local r = np.nanvar(np.array{{1, 0 / 0, 3}, {2, 2, 0 / 0}}, {axis = 2, out = o})
      assert.are.equal(o, r)
      same(o, {1, 0}, 1e-15)
      haserr("axis 3 is out of bounds", np.nanvar, a, 3)
      haserr("axis 3 is out of bounds", np.nancumsum, a, 3)
      haserr("option 'ddof' must be a number", np.nanstd, a, {ddof = "x"})
    end)
  end)

  describe("diff with prepend and append (NumPy fixtures)", function()
    local X = np.array(fx.X)
    it("on every view along each axis", function()
      for _, c in ipairs(fx.diff) do
        local v = view(X, c.view)
        local opts = {axis = c.axis, n = c.n, prepend = c.prepend}
        if c.append then opts.append = np.array(c.append) end
        if type(opts.prepend) == "table" then opts.prepend = np.array(opts.prepend) end
        same(np.diff(v, opts), c.expect, 1e-15, "diff " .. c.view .. " axis " .. c.axis)
      end
    end)

    it("promotes integer input with a float prepend; tables are accepted", function()
      local I = np.array(fx.I)
      local r = np.diff(I, {prepend = 1.5})
      assert.are.equal("float64", r.dtype)
      same(r, fx.diff_int, 0)
      r = np.diff(I, {axis = 1, append = {{2, 6, 5}}})
      assert.are.equal("int64", r.dtype)
      same(r, fx.diff_int_app, 0)
    end)

    it("rejects ends whose shape does not match", function()
      local a = np.zeros{2, 3}
      haserr("prepend has shape {3}", np.diff, a, {prepend = np.zeros(3), axis = 1})
      haserr("append has shape {2, 2, 1}", np.diff, a, {append = np.zeros{2, 2, 1}})
      haserr("append has shape {3, 1}", np.diff, a, {append = np.zeros{3, 1}})
      haserr("closed", np.diff, a, {append = closedarray()})
      haserr("cannot make an array", np.diff, a, {append = "x"})
    end)
  end)

  describe("concatenate with axis false", function()
    local X = np.array(fx.X)
    it("ravels every input (views included) and joins them", function()
      local parts = {view(X, "step"), view(X, "T"), view(X, "bc"), view(X, "neg")}
      same(np.concatenate(parts, false), fx.cat, 0)
      same(np.concatenate(parts, {axis = false}), fx.cat, 0)
      -- nil is the default axis 1, as an absent argument
      same(np.concatenate({np.zeros{1, 2}, np.ones{1, 2}}, nil), {{0, 0}, {1, 1}}, 0)
      local r = np.concatenate({np.array(fx.I), {2.5, 3.5}}, false)
      assert.are.equal("float64", r.dtype)
      same(r, fx.cat_int, 0)
      r = np.concatenate({np.array(fx.I), np.zeros{0, 2}, np.array(7)}, {axis = false, dtype = "int32"})
      assert.are.equal("int32", r.dtype)
      same(r, {3, 1, 4, 1, 5, 9, 7}, 0)
      -- 0-d inputs are fine once raveled
      same(np.concatenate({np.array(1), np.array(2)}, false), {1, 2}, 0)
      haserr("zero-dimensional", np.concatenate, {np.array(1), np.array(2)})
    end)
  end)

  describe("unique equal_nan (NumPy fixtures)", function()
    it("defaults to one NaN, like NumPy 1.24", function()
      local U = np.array(fx.U)
      local u, idx, inv, cnt = np.unique(U, {return_index = true, return_inverse = true,
                                             return_counts = true})
      local e = fx.unique_equal
      same(u, e.u, 0); same(idx, e.index, 0); same(inv, e.inverse, 0); same(cnt, e.counts, 0)
      assert.are.equal(-math.huge, 1 / u:get(1))     -- -0.0 kept, as NumPy
    end)

    it("equal_nan = false keeps every NaN", function()
      local U = np.array(fx.U)
      local u, idx, inv, cnt = np.unique(U, {return_index = true, return_inverse = true,
                                             return_counts = true, equal_nan = false})
      local e = fx.unique_distinct
      same(u, e.u, 0); same(idx, e.index, 0); same(inv, e.inverse, 0); same(cnt, e.counts, 0)
      same(np.unique(np.array({2, 0 / 0, 1, 0 / 0}, "float32"), {equal_nan = false}),
           {1, 2, 0 / 0, 0 / 0}, 0)
      -- integers are unaffected (the largest int64 is not a NaN key)
      same(np.unique(np.array{math.maxinteger, math.maxinteger, 1}, {equal_nan = false}),
           {1, math.maxinteger}, 0)
    end)

    it("complex NaNs: one group by default, each its own with equal_nan = false", function()
      local c = np.complex(np.array{1, 0 / 0, 1, 2}, np.array{0, 0, 0 / 0, 0})
      assert.are.equal(3, np.unique(c).size)
      assert.are.equal(4, np.unique(c, {equal_nan = false}).size)
    end)
  end)
end)

-- the differential battery of spec/fixtures/gen_audit_views.py: every ufunc,
-- reduction, sort and shape function of issue 2 on five layouts
describe("lumpy.core_audit layouts", function()
  local fv = require "fixtures.audit_views"
  local function lview(x, name)
    if name == "c" then return x end
    if name == "T" then return x.T end
    if name == "step" then return x[{{}, {1, -1, 2}}] end
    if name == "neg" then return x[{{-1, 1, -1}, {-1, 1, -2}}] end
    return np.broadcast_to(x[2], {3, 5})
  end
  local function close(x, e)
    if type(e) == "boolean" then return x == e end
    if e ~= e then return x ~= x end
    if e == math.huge or e == -math.huge then return x == e end
    return type(x) == "number" and math.abs(x - e) <= 1e-12 * math.max(1, math.abs(e))
  end
  local function same(r, e)
    if np.isarray(r) then r = r:totable() end
    if type(e) == "table" then
      if type(r) ~= "table" or #r ~= #e then return false end
      for i = 1, #e do if not same(r[i], e[i]) then return false end end
      return true
    end
    return close(r, e)
  end

  local function run(kinds)
    local X, Xi = np.array(fv.X), np.array(fv.Xi)
    local n = 0
    for _, c in ipairs(fv) do
      if kinds[c.kind] then
        local v = lview(c.src == "f" and X or Xi, c.view)
        local ok, r
        if c.kind == "un" then ok, r = pcall(np[c.fn], v)
        elseif c.kind == "bi" or c.kind == "bierr" then
          local w = c.other == "same" and v or c.other == "row" and v[1] or 2
          ok, r = pcall(np[c.fn], v, w)
        elseif c.kind == "red" then ok, r = pcall(np[c.fn], v, c.axis)
        elseif c.kind == "sort" then ok, r = pcall(np[c.fn], v, c.axis, {kind = "stable"})
        else
          local f = assert(load("return " .. c.expr, c.expr, "t",
                                {np = np, v = v, select = select}))
          ok, r = pcall(f)
        end
        local desc = c.kind .. " " .. c.src .. " " .. c.view .. " " ..
                     (c.fn or c.expr) .. " " .. tostring(c.other or c.axis)
        if c.kind == "bierr" then
          assert(not ok, desc .. ": NumPy raises, lumpy gave " .. tostring(r))
          -- NumPy's message, without its capital and full stop
          local want = c.err:gsub("%.$", ""):lower()
          assert(tostring(r):lower():find(want, 1, true), desc .. ": error '" .. tostring(r)
            .. "', NumPy's '" .. c.err .. "'")
        else
          assert(ok, desc .. ": " .. tostring(r))
          assert(same(r, c.expect), desc .. ": got " .. tostring(r))
          if np.isarray(r) then assert.are.equal(c.dtype, r.dtype, desc) end
        end
        n = n + 1
      end
    end
    assert.is_true(n > 0)
  end

  it("ufuncs on every layout", function() run{un = true, bi = true, bierr = true} end)
  it("reductions and sorts on every layout", function() run{red = true, sort = true} end)
  it("shape, search and set functions on every layout", function() run{expr = true} end)
end)
