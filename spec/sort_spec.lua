local np = require "lumpy"
local fx = require "fixtures.sort"
local check = require "fixtures.reduce_check"

local nan, inf = 0 / 0, math.huge

local function haserr(pat, f, ...)
  local ok, e = pcall(f, ...)
  assert(not ok, "expected an error matching '" .. pat .. "'")
  e = tostring(e)
  assert(e:find(pat, 1, true), "error '" .. e .. "' does not contain '" .. pat .. "'")
end

-- n pseudo-random numbers (an LCG), as floats in [lo, hi) or integers
local function randoms(n, lo, hi, int)
  local t, x = {}, 20261127
  for i = 1, n do
    x = (x * 1103515245 + 12345) % 2147483648
    local u = x / 2147483648
    t[i] = int and (lo + math.floor(u * (hi - lo))) or (lo + u * (hi - lo))
  end
  return t
end

-- checks r (an array) equals the Lua table t sorted with table.sort
local function sortedlike(r, t, lt)
  local s = {table.unpack(t)}
  table.sort(s, lt)
  local rt = r:totable()
  assert.are.equal(#s, #rt)
  for i = 1, #s do
    if rt[i] ~= s[i] then error("position " .. i .. ": " .. tostring(rt[i]) .. " ~= " .. tostring(s[i])) end
  end
end

local function runcases(cases)
  for i, c in ipairs(cases) do
    local a = check.input(fx, c)
    local args = {table.unpack(c.args)}
    if c.argdtype then args[1] = np.array(args[1], c.argdtype) end
    local res
    if c.fn == "argsort" and i % 2 == 0 then res = {a:argsort(table.unpack(args))}
    else res = {np[c.fn](a, table.unpack(args))} end
    local expect = (c.fn == "unique" or c.fn == "nonzero") and c.expect or {c.expect}
    assert(#res == #expect, check.describe(c) .. ": " .. #res .. " results, expected " .. #expect)
    for k = 1, #expect do
      local ed = (c.fn == "unique" and k > 1) and "int64" or c.edtype
      local err = check.check(res[k], expect[k], ed, false, c.dtype)
      assert(err == nil, check.describe(c) .. " result " .. k .. ": " .. tostring(err))
    end
  end
end

describe("lumpy.sort", function()
  describe("sort", function()
    it("sorts long arrays of every real dtype (radix path) like table.sort", function()
      local f = randoms(5000, -1e6, 1e6)
      sortedlike(np.sort(np.array(f)), f)
      local i = randoms(5000, -1000, 1000, true)
      sortedlike(np.sort(np.array(i)), i)
      sortedlike(np.sort(np.array(i, "int32")), i)
      local u = randoms(3000, 0, 256, true)
      sortedlike(np.sort(np.array(u, "uint8")), u)
      local h = randoms(3000, -2, 2)
      local a32 = np.array(h, "float32")
      local back = a32:totable()
      sortedlike(np.sort(a32), back)
      local big = randoms(2000, -2^62, 2^62, true)
      sortedlike(np.sort(np.array(big)), big)
    end)
    it("puts NaNs last and keeps infinities in order", function()
      local t = randoms(2000, -5, 5)
      for k = 1, 2000, 97 do t[k] = nan end
      t[5], t[6] = inf, -inf
      local r = np.sort(np.array(t)):totable()
      local nn = 0
      for k = 1, #t do if t[k] ~= t[k] then nn = nn + 1 end end
      assert.are.equal(-inf, r[1])
      assert.are.equal(inf, r[#t - nn])
      for k = #t - nn + 1, #t do assert.is_true(r[k] ~= r[k]) end
      for k = 2, #t - nn do assert.is_true(r[k - 1] <= r[k]) end
    end)
    it("a:sort() sorts in place, np.sort returns a copy", function()
      local a = np.array{3, 1, 2}
      local b = np.sort(a)
      assert.are.same({3, 1, 2}, a:totable())
      assert.are.same({1, 2, 3}, b:totable())
      assert.is_nil(a:sort())
      assert.are.same({1, 2, 3}, a:totable())
      -- through a view: the base changes
      local m = np.array{{3, 1}, {2, 4}}
      m.T:sort(2)
      assert.are.same({{2, 1}, {3, 4}}, m:totable())
      local v = np.array{{{9, 8}, {7, 6}}, {{5, 4}, {3, 2}}}
      v[2]:sort(1)
      assert.are.same({{{9, 8}, {7, 6}}, {{3, 2}, {5, 4}}}, v:totable())
    end)
    it("accepts the sort kinds and false as axis (flatten)", function()
      local a = np.array{{3, 1}, {2, 0}}
      for _, k in ipairs{"quicksort", "mergesort", "heapsort", "stable"} do
        assert.are.same({{1, 3}, {0, 2}}, np.sort(a, {kind = k}):totable())
      end
      assert.are.same({0, 1, 2, 3}, np.sort(a, false):totable())
      assert.are.same({0, 1, 2, 3}, np.sort(a, {axis = false}):totable())
      assert.are.same({{2, 0}, {3, 1}}, np.sort(a, 1):totable())
      assert.are.same({5}, np.sort(np.array(5)):totable())
      assert.are.same({0}, np.sort(np.zeros(0)).shape)
    end)
    it("errors", function()
      local a = np.array{{1, 2}, {3, 4}}
      haserr("axis 3 is out of bounds for array of dimension 2", np.sort, a, 3)
      haserr("axis -3 is out of bounds for array of dimension 2", np.argsort, a, {axis = -3})
      haserr("axis must be an integer", np.sort, a, "x")
      haserr("unknown sort kind 'bubble'", np.sort, a, {kind = "bubble"})
      haserr("unknown option 'order'", np.argsort, a, {order = 1})
      haserr("in-place sort needs an axis", a.sort, a, false)
      local c = np.array{1, 2}
      c:close()
      haserr("array is closed", np.sort, c)
      haserr("array is closed", c.sort, c)
      haserr("array is closed", np.argsort, c)
    end)
  end)

  describe("argsort", function()
    it("is stable on long arrays with ties (radix path)", function()
      local t = randoms(4000, 0, 10, true)
      local r = np.argsort(np.array(t)):totable()
      for k = 2, #t do
        local p, q = r[k - 1], r[k]
        assert.is_true(t[p] < t[q] or (t[p] == t[q] and p < q))
      end
      local f = randoms(3000, 0, 4, true)
      for k = 1, #f, 7 do f[k] = nan end
      for k = 2, #f, 11 do f[k] = -0.0 end
      local a = np.array(f, "float64")
      local s = np.argsort(a):totable()
      local function key(x) return x ~= x and math.huge or x end
      for k = 2, #f do
        local p, q = s[k - 1], s[k]
        local kp, kq = key(f[p]), key(f[q])
        assert.is_true(kp < kq or (kp == kq and p < q))
        -- NaN after +inf? none here; all NaNs at the end
      end
      assert.is_true(f[s[#f]] ~= f[s[#f]])
    end)
    it("is stable on mid-length arrays with ties and NaNs (introsort path)", function()
      for _, n in ipairs{17, 100, 511} do
        local t = randoms(n, 0, 5, true)
        for k = 1, n, 9 do t[k] = nan end
        local r = np.argsort(np.array(t, "float64")):totable()
        local function key(x) return x ~= x and math.huge or x end
        for k = 2, n do
          local p, q = r[k - 1], r[k]
          assert.is_true(key(t[p]) < key(t[q]) or (key(t[p]) == key(t[q]) and p < q))
        end
      end
    end)
    it("sorts complex arrays lexicographically (introsort path)", function()
      local re, im = randoms(300, 0, 4, true), randoms(300, -3, 3, true)
      local zs, pairs_ = {}, {}
      for k = 1, 300 do
        zs[k] = np.complex(re[k] + 0.0, im[k] + 0.0)
        pairs_[k] = {re[k], im[k], k}
      end
      table.sort(pairs_, function(a, b)
        if a[1] ~= b[1] then return a[1] < b[1] end
        if a[2] ~= b[2] then return a[2] < b[2] end
        return a[3] < b[3]
      end)
      local a = np.array(zs)
      local s, r = np.sort(a):totable(), np.argsort(a):totable()
      for k = 1, 300 do
        assert.are.equal(pairs_[k][1], s[k].re)
        assert.are.equal(pairs_[k][2], s[k].im)
        assert.are.equal(pairs_[k][3], r[k])
      end
    end)
    it("returns 1-based int64 positions", function()
      local r = np.array{30, 10, 20}:argsort()
      assert.are.equal("int64", r.dtype)
      assert.are.same({2, 3, 1}, r:totable())
    end)
  end)

  describe("searchsorted", function()
    local s = np.array{1, 2, 2, 3}
    it("gives 1-based insertion positions, scalars for scalars", function()
      assert.are.equal(2, s:searchsorted(2))
      assert.are.equal("integer", math.type(s:searchsorted(2)))
      assert.are.equal(4, np.searchsorted(s, 2, "right"))
      assert.are.equal(4, np.searchsorted(s, 2, {side = "right"}))
      assert.are.equal(1, np.searchsorted(s, -5))
      assert.are.equal(5, np.searchsorted(s, 10))
      assert.are.equal(4, np.searchsorted(s, 2.5))
      assert.are.same({1, 4, 5}, np.searchsorted(s, {0, 2.5, 3}, "right"):totable())
      local f = np.array{1.0, 2.0, nan}
      assert.are.equal(3, f:searchsorted(nan))
      assert.are.equal(3, f:searchsorted(inf))
      assert.are.equal(3, np.array{0.5, 1.5, 2.5}:searchsorted(2))
    end)
    it("errors", function()
      haserr("1-d sorted array expected", np.searchsorted, np.zeros{2, 2}, 1)
      haserr("side must be 'left' or 'right', got 'up'", np.searchsorted, s, 1, "up")
      haserr("unknown option 'sorter'", np.searchsorted, s, 1, {sorter = 1})
      haserr("bad argument #2", np.searchsorted, s)
    end)
  end)

  describe("unique", function()
    it("returns sorted unique values and 1-based extras as multiple values", function()
      local u = np.unique{3, 1, 3, 2, 1}
      assert.are.same({1, 2, 3}, u:totable())
      local v, idx, inv, cnt = np.unique(np.array{3, 1, 3, 2, 1},
        {return_index = true, return_inverse = true, return_counts = true})
      assert.are.same({1, 2, 3}, v:totable())
      assert.are.same({2, 4, 1}, idx:totable())
      assert.are.same({3, 1, 3, 2, 1}, inv:totable())
      assert.are.same({2, 1, 2}, cnt:totable())
      local w, c = np.unique(np.array{nan, 1, nan}, {return_counts = true})
      assert.are.equal(2, #w)
      assert.are.same({1, 2}, c:totable())
      assert.are.same({0}, np.unique(np.zeros(0)).shape)
    end)
    it("errors", function()
      haserr("unknown option 'axis'", np.unique, np.array{1}, {axis = 1})
    end)
  end)

  describe("nonzero", function()
    it("returns one 1-based array per axis", function()
      local i, j = np.nonzero(np.array{{0, 1}, {2, 0}})
      assert.are.same({1, 2}, i:totable())
      assert.are.same({2, 1}, j:totable())
      local r = np.array{0, 5, 0, 7}:nonzero()
      assert.are.same({2, 4}, r:totable())
      assert.are.same({1}, np.nonzero(np.array(3)):totable())
      assert.are.same({0}, np.nonzero(np.zeros(3)).shape)
      local e1, e2 = np.nonzero(np.zeros{0, 2})
      assert.are.same({0}, e1.shape)
      assert.are.same({0}, e2.shape)
    end)
  end)

  describe("numpy fixtures", function()
    for _, g in ipairs(check.groups(fx)) do
      it(g[1] .. " (" .. #g[2] .. " cases)", function() runcases(g[2]) end)
    end
  end)
end)
