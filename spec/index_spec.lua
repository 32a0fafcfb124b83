local np = require "lumpy"
-- expected values from spec/fixtures/gen_index.py (NumPy) or closed forms
local fx = require "fixtures.index"

local SHAPES = {{10}, {6, 8}, {4, 5, 6}}

-- nested Lua table of shape from a flat list
local function nest(flat, shape)
  local function build(d, off)
    local t, n, inner = {}, shape[d], 1
    for k = d + 1, #shape do inner = inner * shape[k] end
    for i = 1, n do
      if d == #shape then t[i] = flat[off + i]
      else t[i] = build(d + 1, off + (i - 1) * inner) end
    end
    return t
  end
  return build(1, 0)
end

-- the fixture's base array: 1..N in C order (bool: i % 3 == 0, complex: i - i*1j)
local function base(nd, dtype)
  local shape, n, flat = SHAPES[nd], 1, {}
  for _, s in ipairs(shape) do n = n * s end
  for i = 1, n do
    if dtype == "bool" then flat[i] = i % 3 == 0
    elseif dtype == "complex128" then flat[i] = np.complex(i, -i)
    else flat[i] = i end
  end
  return np.array(nest(flat, shape), dtype)
end

local function view(a, kind)
  if kind == "c" then return a end
  if kind == "T" then return a.T end
  local key = {}
  for d = 1, a.ndim do key[d] = kind == "step" and {1, -1, 2} or {-1, 1, -1} end
  return a[key]
end

local function flatten(v, out)
  out = out or {}
  if type(v) == "table" then
    for _, x in ipairs(v) do flatten(x, out) end
  else out[#out + 1] = v end
  return out
end

-- compares a Lua value from lumpy with a fixture value (complex as {re, im})
local function same(got, want)
  if type(want) == "table" then
    return type(got) == "userdata" and got.re == want[1] and got.im == want[2]
  end
  return got == want
end

local function checkvalues(got, want, what)
  assert(#got == #want, what .. ": " .. #got .. " values, expected " .. #want)
  for i = 1, #want do
    if not same(got[i], want[i]) then
      error(string.format("%s: value %d is %s, expected %s", what, i, tostring(got[i]),
        type(want[i]) == "table" and (want[i][1] .. "+" .. want[i][2] .. "j") or tostring(want[i])), 2)
    end
  end
end

local function shapestr(s) return "{" .. table.concat(s, ", ") .. "}" end

local function groups(cases)
  local order, by = {}, {}
  for _, c in ipairs(cases) do
    local g = string.format("%d-d, view %s, %s", c.nd, c.view, c.dtype)
    if not by[g] then by[g] = {}; order[#order + 1] = g end
    table.insert(by[g], c)
  end
  return order, by
end

local function run(f, ...)
  local ok, err = pcall(f, ...)
  assert(not ok, "expected an error")
  return tostring(err)
end

local function errmatch(pat, f, ...)
  local msg = run(f, ...)
  assert(msg:find(pat, 1, true), "error '" .. msg .. "' does not contain '" .. pat .. "'")
end

describe("lumpy.index", function()

  describe("a[key] against NumPy", function()
    local order, by = groups(fx.get)
    for _, g in ipairs(order) do
      it(g .. " (" .. #by[g] .. " keys)", function()
        for _, c in ipairs(by[g]) do
          local a = view(base(c.nd, c.dtype), c.view)
          local r = a[c.key(np)]
          local what = "a" .. c.keysrc
          if c.scalar then
            assert(not np.isarray(r), what .. ": expected an element, got an array")
            checkvalues({r}, c.values, what)
          else
            assert(np.isarray(r), what .. ": expected an array, got " .. type(r))
            assert(shapestr(r.shape) == shapestr(c.shape),
              what .. ": shape " .. shapestr(r.shape) .. ", expected " .. shapestr(c.shape))
            assert(r.dtype == c.dtype, what .. ": dtype " .. r.dtype)
            checkvalues(flatten(r:totable()), c.values, what)
          end
        end
      end)
    end
  end)

  describe("a[key] = value against NumPy (through views, checking the base)", function()
    local order, by = groups(fx.set)
    for _, g in ipairs(order) do
      it(g .. " (" .. #by[g] .. " assignments)", function()
        for _, c in ipairs(by[g]) do
          local b = base(c.nd, c.dtype)
          local v = view(b, c.view)
          v[c.key(np)] = c.value(np)
          checkvalues(flatten(b:totable()), c.base, "a" .. c.keysrc .. " = " .. c.valsrc)
        end
      end)
    end
  end)

  describe("random keys against NumPy (seeded, empty axes included)", function()
    local function arange(shape)
      local n, flat = 1, {}
      for _, d in ipairs(shape) do n = n * d end
      if n == 0 then return np.zeros(shape, "int64") end
      for i = 1, n do flat[i] = i end
      return np.array(nest(flat, shape), "int64")
    end

    it("a[key] (" .. #fx.random .. " keys)", function()
      for _, c in ipairs(fx.random) do
        local r = arange(c.shape)[c.key(np)]
        local what = "a" .. c.keysrc .. " on " .. shapestr(c.shape)
        if c.scalar then checkvalues({r}, c.values, what)
        else
          assert(shapestr(r.shape) == shapestr(c.rshape), what .. ": shape " .. shapestr(r.shape))
          checkvalues(flatten(r:totable()), c.values, what)
        end
      end
    end)

    it("a[key] = value (" .. #fx.random .. " assignments)", function()
      for _, c in ipairs(fx.random) do
        local a = arange(c.shape)
        a[c.key(np)] = c.value(np)
        checkvalues(flatten(a:totable()), c.base,
          "a" .. c.keysrc .. " = " .. c.valsrc .. " on " .. shapestr(c.shape))
      end
    end)
  end)

  describe("a[i]", function()
    it("returns Lua values of the element's kind on 1-d arrays", function()
      assert.are.equal(math.type(np.array({5, 6}, "int32")[2]), "integer")
      assert.are.equal(math.type(np.array({5, 6}, "uint8")[-1]), "integer")
      assert.are.equal(math.type(np.array({5, 6}, "float32")[1]), "float")
      assert.are.equal(np.array{1.5, 2.5}[-1], 2.5)
      assert.are.equal(np.array{true, false}[2], false)
      local z = np.array{np.complex(1, 2)}[1]
      assert.are.equal(z.re, 1)
      assert.are.equal(z.im, 2)
    end)

    it("returns a view of the sub-array on n-d arrays", function()
      local a = np.array{{1, 2, 3}, {4, 5, 6}}
      local r = a[-1]
      assert.are.same({3}, r.shape)
      assert.are.same({4, 5, 6}, r:totable())
      r[2] = 50
      assert.are.equal(50, a:get(2, 2))
      a[1][3] = 30
      assert.are.equal(30, a:get(1, 3))
    end)

    it("accepts integral floats", function()
      local a = np.array{10, 20, 30}
      assert.are.equal(20, a[2.0])
      assert.are.equal(30, a[-1.0])
      a[3.0] = 33
      assert.are.equal(33, a[3])
    end)

    it("indexes the whole 0-d array with an empty key", function()
      local z = np.zeros({}, "int32")
      assert.are.equal(0, z[{}])
      z[{}] = 7
      assert.are.equal(7, z[{}])
    end)
  end)

  describe("views", function()
    it("ranges write through to the base, also through views of views", function()
      local a = np.zeros({4, 6}, "int64")
      local v = a[{{2, 4}, {-1, 1, -2}}]      -- rows 2..4, columns 6, 4, 2
      assert.are.same({3, 3}, v.shape)
      local w = v[{{}, {2, 3}}]                -- columns 4, 2
      w[{}] = 9
      assert.are.equal(9, a:get(2, 4))
      assert.are.equal(9, a:get(4, 2))
      assert.are.equal(0, a:get(2, 6))
      assert.are.equal(0, a:get(1, 4))
      local t = a.T[{{-1, 1, -1}}]
      t[1] = 5                                 -- column 6 of a
      for i = 1, 4 do assert.are.equal(5, a:get(i, 6)) end
    end)

    it("keep their base alive after the base is dropped", function()
      local v, w
      do
        local a = np.array{{1, 2, 3}, {4, 5, 6}}
        v = a[{{}, {-1, 1, -1}}]
        w = a[2]
      end
      collectgarbage()
      collectgarbage()
      local junk = {}
      for i = 1, 50 do junk[i] = np.zeros(1000) end
      collectgarbage()
      assert.are.same({{3, 2, 1}, {6, 5, 4}}, v:totable())
      w[1] = 40
      assert.are.same({{3, 2, 1}, {6, 5, 40}}, v:totable())
    end)

    it("advanced indexing gives copies", function()
      local a = np.array{1, 2, 3, 4}
      local c = a[np.array{1, 2}]
      c[1] = 100
      assert.are.equal(1, a[1])
      local m = a[a:totable() and np.array{true, false, true, false}]
      m[1] = 100
      assert.are.equal(1, a[1])
      local d = a[{{}}]     -- a range view, not a copy
      d[1] = 100
      assert.are.equal(100, a[1])
    end)

    it("empty ranges give empty views that accept assignment", function()
      local a = np.array{1, 2, 3}
      local e = a[{{3, 1}}]
      assert.are.same({0}, e.shape)
      a[{{3, 1}}] = 5
      a[{{3, 1}}] = np.array{}
      assert.are.same({1, 2, 3}, a:totable())
    end)
  end)

  describe("ranges", function()
    local a = np.array{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
    local function r(key) return a[{key}]:totable() end

    it("have an inclusive stop like string.sub", function()
      assert.are.same({2, 3, 4}, r{2, 4})
      assert.are.same({("abcdefghij"):byte(2, 4)}, {("abcdefghij"):byte(2, 4)})
      assert.are.same({8, 9, 10}, r{-3, -1})
      assert.are.same({3, 4, 5, 6, 7, 8, 9, 10}, r{3})
    end)

    it("walk backwards with a negative step", function()
      assert.are.same({10, 9, 8, 7, 6, 5, 4, 3, 2, 1}, r{-1, 1, -1})
      assert.are.same({10, 8, 6, 4, 2}, r{nil, nil, -2})
      assert.are.same({10, 7, 4, 1}, r{step = -3})
      assert.are.same({5, 4, 3}, r{5, 3, -1})
      assert.are.same({}, r{3, 5, -1})
    end)

    it("take named fields with natural ends for the step's direction", function()
      assert.are.same({4, 5, 6, 7, 8, 9, 10}, r{start = 4})
      assert.are.same({1, 2, 3}, r{stop = 3})
      assert.are.same({4, 3, 2, 1}, r{start = 4, step = -1})
      assert.are.same({10, 9, 8}, r{stop = 8, step = -1})
    end)

    it("clip out-of-range bounds like Python slices", function()
      assert.are.same({1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, r{-100, 100})
      assert.are.same({}, r{11, 20})
      assert.are.same({}, r{-20, -11})
      assert.are.same({1, 2}, r{0, 2})
      assert.are.same({10, 9}, r{100, 9, -1})
      assert.are.same({1}, r{1, 1, 1000})
      assert.are.same({10}, r{-1, 1, math.mininteger})
      assert.are.same({1, 10}, r{1, 10, 9})
    end)
  end)

  describe("masks and index arrays", function()
    it("a[mask] gives the true elements in C order", function()
      local a = np.array{{1, 2, 3}, {4, 5, 6}}
      local m = np.array{{true, false, true}, {false, true, false}}
      assert.are.same({1, 3, 5}, a[m]:totable())
      assert.are.same({1, 5, 3}, a.T[m.T]:totable())
    end)

    it("a leading-axes mask keeps the remaining axes", function()
      local a = np.array{{1, 2}, {3, 4}, {5, 6}}
      assert.are.same({{1, 2}, {5, 6}}, a[np.array{true, false, true}]:totable())
      assert.are.same({{2}, {4}, {6}}, a[{{}, np.array{false, true}}]:totable())
    end)

    it("masks and index arrays may be strided views", function()
      local a = np.array{10, 20, 30, 40, 50, 60}
      local m = np.array{true, true, false, false, true, false, false, true, true, true, false, true}
      local ms = m[{{1, -1, 2}}]                -- true, false, true, false, true, false
      assert.are.same({10, 30, 50}, a[ms]:totable())
      local ix = np.array{1, 9, 2, 9, 3}[{{-1, 1, -2}}]   -- 3, 2, 1
      assert.are.same({30, 20, 10}, a[ix]:totable())
      a[ms] = 0
      assert.are.same({0, 20, 0, 40, 0, 60}, a:totable())
    end)

    it("a[idx] gathers along the first axis with 1-based and negative indices", function()
      local a = np.array{{1, 2}, {3, 4}, {5, 6}}
      assert.are.same({{5, 6}, {1, 2}, {5, 6}}, a[np.array{3, 1, -1}]:totable())
      assert.are.same({{{3, 4}}, {{1, 2}}}, a[np.array{{2}, {1}}]:totable())
      assert.are.same({0, 2}, a[np.array({}, "int32")].shape)
    end)

    it("advanced entries broadcast together and place their axes like NumPy", function()
      local a = np.array{{1, 2, 3}, {4, 5, 6}}
      -- a[[[0],[1]], [0, 2]] in NumPy
      assert.are.same({{1, 3}, {4, 6}}, a[{np.array{{1}, {2}}, np.array{1, 3}}]:totable())
      local b = np.zeros{2, 3, 4}
      assert.are.same({2, 3}, b[{1, {}, np.array{1, 2}}].shape)        -- apart: first
      assert.are.same({2, 2}, b[{{}, 1, np.array{1, 2}}].shape)        -- adjacent: in place
      assert.are.same({2, 3}, b[{np.array{1, 2}, {}, np.array{2, 1}}].shape)
      assert.are.same({2, 2, 4}, b[{{}, np.array{1, 3}}].shape)
    end)

    it("index arrays and masks may share memory with the array they index", function()
      local a = np.array{3, 1, 2}
      a[a] = np.array{10, 20, 30}          -- a[{3, 1, 2}] = ... as NumPy's a[a - 1]
      assert.are.same({20, 30, 10}, a:totable())
      local b = np.array{true, false, true, true}
      b[b] = false
      assert.are.same({false, false, false, false}, b:totable())
      local c = np.array({2, 1, 1}, "int32")
      c[c[{{1, 2}}]] = 3                   -- c[{2, 1}] = 3
      assert.are.same({3, 3, 1}, c:totable())
    end)

    it("assignment with repeated indices stores the last value", function()
      local a = np.zeros(3, "int64")
      a[np.array{2, 2, 2}] = np.array{1, 2, 3}
      assert.are.same({0, 3, 0}, a:totable())
    end)
  end)

  describe("assignment", function()
    it("broadcasts the value", function()
      local a = np.zeros({3, 4}, "int64")
      a[{{}, 2}] = np.array{1, 2, 3}
      a[{{1, 2}, {3, 4}}] = np.array{7, 8}
      a[3] = 9
      assert.are.same({{0, 1, 7, 8}, {0, 2, 7, 8}, {9, 9, 9, 9}}, a:totable())
      a[{{1, 3}}] = 0
      assert.are.same({{0, 0, 0, 0}, {0, 0, 0, 0}, {0, 0, 0, 0}}, a:totable())
      a[{}] = {1, 2, 3, 4}
      assert.are.same({{1, 2, 3, 4}, {1, 2, 3, 4}, {1, 2, 3, 4}}, a:totable())
      a[np.array{false, true, false}] = np.array{{5}}
      assert.are.same({{1, 2, 3, 4}, {5, 5, 5, 5}, {1, 2, 3, 4}}, a:totable())
    end)

    it("casts the value to the array's dtype", function()
      local a = np.zeros(4, "int32")
      a[{{}}] = np.array{1.9, -2.9, 3.5, 0.2}
      assert.are.same({1, -2, 3, 0}, a:totable())
      a[1] = 7.9
      assert.are.equal(7, a[1])
      a[2] = np.array{5.5}                 -- a one-element array stores its element
      a[{3}] = {6}
      assert.are.same({7, 5, 6, 0}, a:totable())
      local u = np.zeros(3, "uint8")
      u[{{}}] = np.array{true, false, true}
      assert.are.same({1, 0, 1}, u:totable())
      local f = np.zeros(2, "float32")
      f[np.array{true, true}] = np.array({1, 2}, "int64")
      assert.are.same({1.0, 2.0}, f:totable())
      local b = np.zeros(3, "bool")
      b[{{2, 3}}] = 2.5
      assert.are.same({false, true, true}, b:totable())
      local c = np.zeros(2, "complex128")
      c[{{}}] = np.complex(1, -1)
      assert.are.equal(-1, c[2].im)
    end)

    it("a[mask] = values takes one value per true element, in order", function()
      local a = np.array{1, 2, 3, 4, 5}
      local m = np.array{false, true, false, true, true}
      a[m] = np.array{20, 40, 50}
      assert.are.same({1, 20, 3, 40, 50}, a:totable())
      a[m] = {-2, -4, -5}
      assert.are.same({1, -2, 3, -4, -5}, a:totable())
    end)

    it("handles overlapping source and destination", function()
      local function ar() return np.array{1, 2, 3, 4, 5, 6} end
      local a = ar()
      a[{{2, -1}}] = a[{{1, -2}}]
      assert.are.same({1, 1, 2, 3, 4, 5}, a:totable())
      a = ar()
      a[{{1, -2}}] = a[{{2, -1}}]
      assert.are.same({2, 3, 4, 5, 6, 6}, a:totable())
      a = ar()
      a[{}] = a[{{-1, 1, -1}}]
      assert.are.same({6, 5, 4, 3, 2, 1}, a:totable())
      local m = np.array{{1, 2}, {3, 4}}
      m[{}] = m.T
      assert.are.same({{1, 3}, {2, 4}}, m:totable())
      a = ar()
      a[np.array{true, true, true, false, false, false}] = a[{{4, 6}}]
      assert.are.same({4, 5, 6, 4, 5, 6}, a:totable())
    end)
  end)

  describe("get and set", function()
    it("read and write one element with negative indices", function()
      local a = np.array{{1, 2, 3}, {4, 5, 6}}
      assert.are.equal(6, a:get(2, 3))
      assert.are.equal(4, a:get(-1, 1))
      assert.are.equal(2, a:get(1.0, -2.0))
      a:set(-1, -1, 60)
      a:set(1, 1, 2.9)
      assert.are.same({{2, 2, 3}, {4, 5, 60}}, a:totable())
      local t = a.T
      assert.are.equal(60, t:get(3, 2))
      local f = np.zeros(3)
      f:set(2, 1.5)
      f:set(3, 2)
      f:set(1, true)
      assert.are.same({1.0, 1.5, 2.0}, f:totable())
      assert.are.equal("float", math.type(f:get(3)))
    end)

    it("work when taken from the methods table", function()
      local a = np.array{1, 2, 3}
      local get, set = a.get, a.set
      set(a, 2, 20)
      assert.are.equal(20, get(a, 2))
    end)

    it("raise clear errors", function()
      local a = np.array{{1, 2}, {3, 4}}
      errmatch("index 3 is out of bounds for axis 1 with size 2", a.get, a, 3, 1)
      errmatch("index -3 is out of bounds for axis 2 with size 2", a.get, a, 1, -3)
      errmatch("expected 2 indices for an array of dimension 2, got 1", a.get, a, 1)
      errmatch("index 1.5 is not an integer", a.get, a, 1.5, 1)
      errmatch("integer index expected, got string", a.get, a, "1", 1)
      errmatch("lumpy.array expected, got table", a.get, {}, 1, 1)
      errmatch("lumpy.array expected", a.set, np.complex(1, 1), 1, 1)
      errmatch("value expected", a.set, a)
      errmatch("index 0 is out of bounds for axis 1 with size 2", a.set, a, 0, 1, 5)
      errmatch("cannot store a string", a.set, a, 1, 1, "x")
      local c = np.array{1}
      c:close()
      errmatch("array is closed", c.get, c, 1)
      errmatch("array is closed", c.set, c, 1, 2)
    end)
  end)

  describe("errors", function()
    local a = np.array{{1, 2, 3}, {4, 5, 6}}
    local v = np.array{1, 2, 3, 4}

    it("name the index, the axis and its size when out of range", function()
      errmatch("index 5 is out of bounds for axis 1 with size 4", function() return v[5] end)
      errmatch("index -5 is out of bounds for axis 1 with size 4", function() return v[-5] end)
      errmatch("index 0 is out of bounds for axis 1 with size 4", function() return v[0] end)
      errmatch("index 4 is out of bounds for axis 2 with size 3", function() return a[{1, 4}] end)
      errmatch("index 3 is out of bounds for axis 1 with size 2", function() return a[{3, {}}] end)
      errmatch("index 4 is out of bounds for axis 2 with size 3",
        function() return a[{{}, np.array{1, 4}}] end)
      errmatch("index -3 is out of bounds for axis 1 with size 2",
        function() return a[np.array({-3}, "int32")] end)
      errmatch("index 5 is out of bounds for axis 1 with size 4", function() v[5] = 1 end)
      errmatch("index 3 is out of bounds for axis 1 with size 2", function() a[3] = 1 end)
      errmatch("index 9 is out of bounds for axis 1 with size 4",
        function() v[np.array({9}, "uint8")] = 1 end)
      errmatch("index 4 is out of bounds for axis 2 with size 2",
        function() return a.T[{{}, {}}][{{}, 4}] end)
      errmatch("index 3 is out of bounds for axis 1 with size 2",
        function() return np.zeros{2, 3, 4}[{{}, {}, 1}][{3, 1}] end)
    end)

    it("reject bad key types", function()
      errmatch("index 1.5 is not an integer", function() return v[1.5] end)
      errmatch("index 2.5 is not an integer", function() return a[{1, 2.5}] end)
      errmatch("invalid index of type boolean", function() return v[true] end)
      errmatch("invalid index of type function", function() return v[{print}] end)
      errmatch("invalid index 'x'", function() return v[{"x"}] end)
      errmatch("invalid index of type userdata", function() return v[np.complex(1, 0)] end)
      errmatch("index entry 1 is nil", function() return a[{nil, 1}] end)
      errmatch("arrays used as indices must be of integer or bool type, got float64",
        function() return v[np.array{1.0}] end)
      errmatch("a 0-dimensional bool array is not a valid index",
        function() return v[np.array(true)] end)
      errmatch("range step must not be zero", function() return v[{{1, 2, 0}}] end)
      errmatch("range start 1.5 is not an integer", function() return v[{{1.5}}] end)
      errmatch("range stop must be an integer, got string", function() return v[{{1, "2"}}] end)
      errmatch("range step given twice", function() return v[{{1, 2, 1, step = 1}}] end)
      errmatch("a range has at most 3 entries", function() return v[{{1, 2, 1, 4}}] end)
      errmatch("a range has at most 3 entries", function() return v[{{[0] = 1}}] end)
      errmatch("unknown range field 'strat' (expected start, stop or step)",
        function() return v[{{strat = 2}}] end)
      errmatch("invalid key of type boolean in a range", function() return v[{{[true] = 1}}] end)
      errmatch("a range must be an entry of the key table", function() return v[{start = 2}] end)
      local c = np.array{1}
      c:close()
      errmatch("index array is closed", function() return v[c] end)
    end)

    it("reject too many indices", function()
      errmatch("too many indices for array: array is 1-dimensional, but 2 were indexed",
        function() return v[{1, 1}] end)
      errmatch("too many indices for array: array is 2-dimensional, but 3 were indexed",
        function() return a[{1, {}, {}}] end)
      errmatch("too many indices for array: array is 2-dimensional, but 3 were indexed",
        function() return a[{np.array{{true, true, true}, {true, true, true}}, 1}] end)
      errmatch("too many indices for array: array is 1-dimensional, but 2 were indexed",
        function() return v[{np.array{1}, np.array{1}}] end)
      errmatch("too many indices for array: array is 0-dimensional, but 1 were indexed",
        function() return np.zeros{}[1] end)
      errmatch("too many indices for array: array is 1-dimensional, but 2 were indexed",
        function() v[{1, 1}] = 0 end)
      local long = {}
      for i = 1, 40 do long[i] = 1 end
      errmatch("too many indices for array: array is 2-dimensional, but 40 were indexed",
        function() return a[long] end)
    end)

    it("reject masks of the wrong shape and index arrays that do not broadcast", function()
      errmatch("boolean index did not match indexed array along axis 1; size of axis is 2 "
        .. "but size of corresponding boolean axis is 3",
        function() return a[np.array{true, false, true}] end)
      errmatch("boolean index did not match indexed array along axis 2; size of axis is 3 "
        .. "but size of corresponding boolean axis is 2",
        function() return a[np.array{{true, false}, {false, true}}] end)
      errmatch("boolean index did not match indexed array along axis 1",
        function() v[np.array{true}] = 1 end)
      errmatch("shape mismatch: indexing arrays could not be broadcast together with shapes {2} {3}",
        function() return a[{np.array{1, 2}, np.array{1, 2, 3}}] end)
    end)

    it("reject results with more than 32 dimensions", function()
      local ones = {}
      for i = 1, 30 do ones[i] = 1 end
      local big, ix = np.zeros(ones), np.zeros(ones, "int64")
      ix[{}] = 1
      errmatch("indexing result would have 59 dimensions, more than 32",
        function() return big[ix] end)
      errmatch("indexing result would have 59 dimensions, more than 32",
        function() big[ix] = 1 end)
    end)

    it("reject values of the wrong shape or type", function()
      errmatch("could not broadcast input array from shape {3} into shape {2}",
        function() a[{{}, 1}] = np.array{1, 2, 3} end)
      errmatch("could not broadcast input array from shape {2} into shape {3}",
        function() v[np.array{true, false, true, true}] = np.array{1, 2} end)
      errmatch("could not broadcast input array from shape {2, 2} into shape {2, 3}",
        function() a[np.array{1, 2}] = np.array{{1, 2}, {3, 4}} end)
      errmatch("could not broadcast input array from shape {4} into shape {3}",
        function() a[1] = {1, 2, 3, 4} end)
      errmatch("could not broadcast input array from shape {2} into shape {}",
        function() a[{1, 1}] = np.array{1, 2} end)
      errmatch("could not broadcast input array from shape {2} into shape {}",
        function() v[1] = {1, 2} end)
      errmatch("cannot assign nil to array elements", function() a[1] = nil end)
      errmatch("cannot assign nil to array elements", function() v[1] = nil end)
      errmatch("cannot make an array from a string", function() v[1] = "x" end)
      errmatch("cannot make an array from a string", function() a[{{}}] = "x" end)
      errmatch("cannot make an array from a ragged table", function() a[1] = {1, {2}} end)
    end)

    it("leave the array unchanged", function()
      local b = np.array{{1, 2, 3}, {4, 5, 6}}
      local before = b:totable()
      local tries = {
        function() b[np.array{1, 5}] = 0 end,
        function() b[{{}, np.array{1, -9}}] = 0 end,
        function() b[{{}, 1}] = np.array{1, 2, 3} end,
        function() b[np.array{true, false}] = np.array{1, 2} end,
        function() b[{np.array{1, 2}, np.array{1, 2}}] = np.array{9, 9, 9} end,
        function() b[{1, {}, 1}] = 0 end,
        function() b[{2, 9}] = 0 end,
        function() b[2] = "x" end,
        function() b[{{}, np.array{true, false}}] = 0 end,
      }
      for _, f in ipairs(tries) do
        run(f)
        assert.are.same(before, b:totable())
      end
    end)

    it("reject closed arrays", function()
      local c = np.array{{1, 2}, {3, 4}}
      local r = c[1]
      c:close()
      errmatch("array is closed", function() return c[1] end)
      errmatch("array is closed", function() c[1] = 0 end)
      errmatch("array is closed", function() return r[1] end)
      errmatch("array is closed", function() return c[{{}, 1}] end)
      errmatch("array is closed", function() v[{{}}] = c end)
    end)
  end)
end)
