local np = require "lumpy"
local fx = require "fixtures.reduce"
local check = require "fixtures.reduce_check"

-- runs every fixture case of a group, as np.f(a, ...) and as a:f(...)
local function runcases(cases)
  for i, c in ipairs(cases) do
    local a = check.input(fx, c)
    local r
    if i % 2 == 0 then r = a[c.fn](a, table.unpack(c.args))
    else r = np[c.fn](a, table.unpack(c.args)) end
    local err = check.check(r, c.expect, c.edtype, c.scalar, c.dtype)
    assert(err == nil, check.describe(c) .. ": " .. tostring(err))
  end
end

-- the error message of f(...), or nil
local function errof(f, ...)
  local ok, e = pcall(f, ...)
  if ok then return nil end
  return tostring(e)
end

local function haserr(pat, f, ...)
  local e = errof(f, ...)
  assert(e, "expected an error matching '" .. pat .. "'")
  assert(e:find(pat, 1, true), "error '" .. e .. "' does not contain '" .. pat .. "'")
end

describe("lumpy.reduce", function()
  describe("results", function()
    it("whole-array reductions return Lua scalars of the right type", function()
      local i = np.array{{1, 2}, {3, 4}}
      assert.are.equal("integer", math.type(i:sum()))
      assert.are.equal(10, i:sum())
      assert.are.equal("integer", math.type(np.array{true, true, false}:sum()))
      assert.are.equal(2, np.array{true, true, false}:sum())
      assert.are.equal("float", math.type(i:mean()))
      assert.are.equal(2.5, i:mean())
      assert.are.equal(true, i:any())
      assert.are.equal(false, np.array{0, 0}:any())
      assert.are.equal(24, i:prod())
      assert.are.equal(4, i:count_nonzero())
      local z = np.array{np.complex(1, 2), np.complex(3, -1)}:sum()
      assert.are.equal(4, z.re)
      assert.are.equal(1, z.im)
      -- tables and numbers are converted
      assert.are.equal(6, np.sum{1, 2, 3})
      assert.are.equal(5, np.max(5))
    end)
    it("keepdims without an axis keeps every axis as length 1", function()
      local r = np.array{{1, 2}, {3, 4}}:sum{keepdims = true}
      assert.are.same({1, 1}, r.shape)
      assert.are.equal(10, r:get(1, 1))
    end)
    it("sums of integer types are int64, of float32 float32", function()
      assert.are.equal("int64", np.array({{1, 2}}, "int32"):sum(1).dtype)
      assert.are.equal("int64", np.array({{1, 2}}, "uint8"):sum(1).dtype)
      assert.are.equal("int64", np.array{{true, false}}:sum(2).dtype)
      assert.are.equal("float32", np.array({{1, 2}}, "float32"):sum(1).dtype)
      assert.are.equal("float64", np.array({{1, 2}}, "int32"):mean(1).dtype)
      assert.are.equal("int64", np.array{{1, 2}}:argmax(2).dtype)
      -- uint8 does not wrap in a sum
      assert.are.equal(510, np.array({255, 255}, "uint8"):sum())
    end)
    it("writes into out and returns it", function()
      local a = np.array{{1, 2, 3}, {4, 5, 6}}
      local o = np.zeros(3)
      local r = np.sum(a, {axis = 1, out = o})
      assert.are.equal(o, r)
      assert.are.same({5.0, 7.0, 9.0}, o:totable())
      local m = np.zeros(2, "int64")
      a:max{axis = 2, out = m}
      assert.are.same({3, 6}, m:totable())
      local p = np.zeros(3, "int64")
      assert.are.equal(p, a:argmax{axis = 1, out = p})
      assert.are.same({2, 2, 2}, p:totable())
      local q = np.zeros{2, 3}
      a:cumsum{axis = 2, out = q}
      assert.are.same({{1.0, 3.0, 6.0}, {4.0, 9.0, 15.0}}, q:totable())
      local md = np.zeros(2)
      np.median(a, {axis = 2, out = md})
      assert.are.same({2.0, 5.0}, md:totable())
    end)
    it("axis lists reduce several axes, negative axes count from the end", function()
      local a = np.array{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}}
      assert.are.same({14, 22}, a:sum{1, 3}:totable())
      assert.are.same({14, 22}, a:sum{axis = {-1, 1}}:totable())
      assert.are.same({{4, 6}, {12, 14}}, a:sum(-2):totable())
      assert.are.equal(36, a:sum{1, 2, 3})
    end)
    it("sums accurately (pairwise or better)", function()
      -- 1 + 10^6 * 1e-16: a left-to-right sum returns exactly 1, NumPy's
      -- pairwise sum is 1.1e-14 off
      local a = np.full(1000001, 1e-16)
      a:set(1, 1.0)
      assert.is_true(math.abs(a:sum() - (1 + 1e-10)) < 4e-15)
      assert.is_true(math.abs(a:mean() / ((1 + 1e-10) / 1000001) - 1) < 4e-15)
      -- 0.1 summed 10^6 times: the error of a naive sum is ~1e-6
      local t = np.full(1000000, 0.1)
      assert.is_true(math.abs(t:sum() - 100000) < 1e-9)
    end)
    it("sums big 2-d arrays over each axis", function()
      local a = np.full({3000, 3000}, 0.5)
      a:set(1, 2, 1.5)
      local c, r = a:sum(1), a:sum(2)
      assert.are.same({3000}, c.shape)
      assert.are.equal(1500, c:get(1))
      assert.are.equal(1501, c:get(2))
      assert.are.equal(1501, r:get(1))
      assert.are.equal(1500, r:get(3000))
      assert.are.equal(4500001, a:sum())
      assert.are.equal(1501, a.T:sum(2):get(2))
    end)
    it("max and min propagate NaN anywhere in long runs", function()
      for _, pos in ipairs{1, 2, 5, 1000, 1001} do
        local a = np.full(1001, 1.0)
        a:set(pos, 0 / 0)
        local m, n = a:max(), a:min()
        assert.is_true(m ~= m and n ~= n)
        assert.are.equal(pos, a:argmax())
        assert.are.equal(1.0, a:nanmax())
        local f = np.full(1001, 2.0, "float32")
        f:set(pos, 0 / 0)
        assert.is_true(f:max() ~= f:max())
      end
      local i = np.full(1001, 3, "int32")
      i:set(777, 9)
      i:set(778, -9)
      assert.are.equal(9, i:max())
      assert.are.equal(-9, i:min())
      assert.are.equal(777, i:argmax())
      local u = np.full(1001, 3, "uint8")
      u:set(5, 255)
      assert.are.equal(255, u:max())
      assert.are.equal(252, u:ptp())
    end)
    it("reduces big negative-step and stepped views (closed forms)", function()
      -- a[i, j] = 300 i + j (0-based); v = rows reversed, every third column
      local a = np.arange(3000 * 300):reshape{3000, 300}:astype("float64")
      local v = a[{{-1, 1, -1}, {1, -1, 3}}]
      local rows = 3000 * 2999 / 2
      local s1 = v:sum(1)
      assert.are.same({100}, s1.shape)
      for k = 1, 100, 33 do assert.are.equal(300 * rows + 3000 * 3 * (k - 1), s1:get(k)) end
      local s2 = v:sum(2)
      -- row r of v is row 3000 - r of a: sum_k 300 i + 3k over k < 100
      for r = 1, 3000, 999 do
        local i = 3000 - r
        assert.are.equal(100 * 300 * i + 3 * 99 * 100 / 2, s2:get(r))
      end
      assert.are.equal(1, v:argmax(1):get(7))          -- the last row of a comes first
      assert.are.equal(100, v:argmax(2):get(5))
      assert.are.equal(3000, v:argmin(1):get(1))
      assert.are.equal(300 * 2999 + 297, v:max())
      assert.are.equal(0, v:min())
      assert.are.equal((300 * 2999 + 297) / 2, v:mean())
      assert.are.equal(300 * 2999 + 297, v:ptp())
      local c = v:cumsum(1)
      assert.are.equal(300 * 2999 + 300 * 2998, c:get(2, 1))
      assert.are.equal(300 * 1499 + 150 + 3 * 4, v:median(1):get(5))
    end)
    it("reduces broadcast views (zero strides)", function()
      local b = np.broadcast_to(np.array{1.0, 2.0, 3.0}, {4, 3})
      assert.are.equal(24, b:sum())
      assert.are.same({4.0, 8.0, 12.0}, b:sum(1):totable())
      assert.are.same({6.0, 6.0, 6.0, 6.0}, b:sum(2):totable())
      assert.are.same({1, 1, 1}, b:argmax(1):totable())
      assert.are.same({3, 3, 3, 3}, b:argmax(2):totable())
      assert.are.same({0.0, 0.0, 0.0}, b:var(1):totable())
      assert.are.same({1.0, 2.0, 3.0}, b:median(1):totable())
      assert.are.same({3.0, 6.0, 9.0}, b:cumsum(1):totable()[3])
      assert.are.same({1.0, 2.0, 3.0}, np.sort(b, 1):totable()[4])
      assert.are.equal(12, b:count_nonzero())
      local big = np.broadcast_to(np.array{0.5}, {2000, 3000})
      assert.are.equal(3000000, big:sum())
      assert.are.equal(1000, big:sum(1):get(17))
    end)
    it("var uses ddof and a two-pass formula", function()
      local a = np.array{1e9 + 1, 1e9 + 2, 1e9 + 3, 1e9 + 4}
      assert.are.equal(1.25, a:var())
      assert.are.equal(5 / 3, a:var{ddof = 1})
      assert.is_true(math.abs(a:std() - math.sqrt(1.25)) < 1e-15)
      local v = np.array{1.0}:var{ddof = 1}     -- 0 / 0 as NumPy
      assert.is_true(v ~= v)
      assert.are.equal(1 / 0, np.array{1.0, 2.0}:var{ddof = 2})
    end)
  end)

  describe("empty arrays", function()
    it("follow NumPy's identities", function()
      local e = np.zeros(0)
      assert.are.equal(0.0, e:sum())
      assert.are.equal("float", math.type(e:sum()))
      assert.are.equal(0, np.zeros(0, "int64"):sum())
      assert.are.equal(1.0, e:prod())
      assert.is_true(e:mean() ~= e:mean())
      assert.is_true(e:var() ~= e:var())
      assert.is_true(e:median() ~= e:median())
      assert.are.equal(false, e:any())
      assert.are.equal(true, e:all())
      assert.are.equal(0, e:count_nonzero())
      assert.are.same({0}, e:cumsum().shape)
      local z = np.zeros{0, 3}
      assert.are.same({0.0, 0.0, 0.0}, z:sum(1):totable())
      assert.are.same({0}, z:max(2).shape)
      assert.are.same({0}, z:sum(2).shape)
    end)
    it("max, min and argmax of nothing are errors", function()
      haserr("zero-size array to reduction operation max which has no identity",
        np.max, np.zeros(0))
      haserr("zero-size array to reduction operation min which has no identity",
        np.min, np.zeros{0, 3}, 1)
      haserr("attempt to get argmax of an empty sequence", np.argmax, np.zeros(0))
      haserr("attempt to get argmin of an empty sequence", np.argmin, np.zeros{0, 2}, 1)
      haserr("zero-size array", np.ptp, np.zeros(0))
    end)
  end)

  describe("errors", function()
    local a = np.array{{1.0, 2.0}, {3.0, 4.0}}
    it("bad axes name the axis and the dimension", function()
      for _, f in ipairs{"sum", "prod", "mean", "var", "std", "min", "max", "argmin",
                         "argmax", "cumsum", "cumprod", "any", "all", "nansum", "nanmean",
                         "nanmin", "nanmax", "median", "ptp", "count_nonzero"} do
        haserr("axis 3 is out of bounds for array of dimension 2", np[f], a, 3)
        haserr("axis -3 is out of bounds for array of dimension 2", np[f], a, {axis = -3})
        haserr("axis 0 is out of bounds", np[f], a, 0)
      end
      haserr("axis 3 is out of bounds for array of dimension 2", np.percentile, a, 50, 3)
      haserr("axis 3 is out of bounds for array of dimension 2", np.diff, a, 1, 3)
      haserr("axis 1 is out of bounds for array of dimension 0", np.sum, np.array(1.0), 1)
      haserr("duplicate value in 'axis'", np.sum, a, {1, -2})
      haserr("out of bounds for array of dimension 2", np.sum, a, 2^32 + 1)
      haserr("out of bounds for array of dimension 2", np.diff, a, 1, 2^32 + 1)
      haserr("out of bounds for array of dimension 2", np.sort, a, -2^32 - 1)
      haserr("axis must be an integer", np.argmax, a, {1, 2})
      haserr("axis must be an integer", np.cumsum, a, {axis = {1}})
      haserr("axis must be an integer", np.sum, a, "x")
      haserr("axis must be an integer", np.sum, a, 1.5)
    end)
    it("bad options", function()
      haserr("unknown option 'keepdim'", np.sum, a, {keepdim = true})
      haserr("unknown option 'ddof'", np.sum, a, {ddof = 1})
      haserr("option 'ddof' must be a number", np.var, a, {ddof = "x"})
      haserr("unknown dtype 'float16'", np.sum, a, {dtype = "float16"})
      haserr("options table expected", np.sum, a, 1, 2)
      haserr("output array has wrong shape: expected {2}, got {3}", np.sum, a,
        {axis = 1, out = np.zeros(3)})
      haserr("unknown method 'cubic'", np.percentile, a, 50, {method = "cubic"})
      haserr("axis given twice", np.sum, a, 1, {axis = 2})
      haserr("unknown option 'out'", np.count_nonzero, a, {out = np.zeros(2)})
      haserr("unknown option 'k'", np.diff, a, {n = 1, axis = 1, k = 2})
    end)
    it("bad q", function()
      haserr("percentiles must be in the range [0, 100]", np.percentile, a, 101)
      haserr("percentiles must be in the range [0, 100]", np.percentile, a, {50, -1})
      haserr("quantiles must be in the range [0, 1]", np.quantile, a, 1.5)
      haserr("quantiles must be in the range [0, 1]", np.quantile, a, 0 / 0)
      haserr("bad argument #2", np.quantile, a)
    end)
    it("all-NaN slices", function()
      local n = np.array{{0 / 0, 1.0}, {0 / 0, 0 / 0}}
      haserr("nanargmax: all-NaN slice encountered", np.nanargmax, n, 2)
      haserr("nanargmin: all-NaN slice encountered", np.nanargmin, n, 1)
      haserr("nanargmax: all-NaN slice encountered", np.nanargmax, np.array{0 / 0, 0 / 0})
      assert.are.same({2, 1}, np.nanargmax(np.array{{0 / 0, 1.0}, {2.0, 0 / 0}}, 1):totable())
      assert.are.equal(2, n:nanargmin())
      local m = n:nanmedian(2)
      assert.are.equal(1.0, m:get(1))
      assert.is_true(m:get(2) ~= m:get(2))
      local x = n:nanmax(2)
      assert.is_true(x:get(2) ~= x:get(2))
    end)
    it("unsupported dtypes and orders", function()
      haserr("not supported for complex", np.median, np.array{np.complex(1, 1)})
      haserr("not supported for bool", np.ptp, np.array{true, false})
      haserr("order must be non-negative but got -1", np.diff, a, -1)
      haserr("diff requires input that is at least one dimensional", np.diff, np.array(1.0))
    end)
    it("closed arrays and non-arrays", function()
      local c = np.array{1, 2, 3}
      c:close()
      for _, f in ipairs{"sum", "mean", "max", "argmax", "cumsum", "median", "diff"} do
        haserr("array is closed", np[f], c)
      end
      haserr("cannot make an array from a string", np.sum, "abc")
      haserr("bad argument #1", np.sum)
    end)
  end)

  describe("numpy fixtures", function()
    for _, g in ipairs(check.groups(fx)) do
      it(g[1] .. " (" .. #g[2] .. " cases)", function() runcases(g[2]) end)
    end
  end)

  -- sums over an outer axis go down the axis in blocks of 8 rows (each row
  -- added into the output vector); expected values are closed forms
  describe("sums over an outer axis", function()
    -- column j (1-based) of arange(n*m):reshape(n, m) sums to
    -- m*n*(n-1)/2 + n*(j-1), exact in float64
    local function colsum(n, m, j) return m * n * (n - 1) // 2 + n * (j - 1) end

    it("sums the rows of every dtype, row counts not multiples of 8", function()
      for _, n in ipairs({8, 9, 15, 1003}) do
        local m = 13
        local k = np.arange(n * m):reshape(n, m)
        for _, dt in ipairs({"int32", "int64", "float32", "float64"}) do
          local s = k:astype(dt):sum(1)
          for j = 1, m do assert.are.equal(colsum(n, m, j), s:get(j)) end
        end
        local c = np.complex(k * 1.0, k * -1.0):sum(1)
        for j = 1, m do
          assert.are.equal(colsum(n, m, j), c:get(j).re)
          assert.are.equal(-colsum(n, m, j), c:get(j).im)
        end
        local u = (k % 2):astype("uint8"):sum(1)      -- 1 on odd k
        local b = (k % 2):eq(1):sum(1)
        for j = 1, m do
          local odd = 0
          for i = 0, n - 1 do odd = odd + ((i * m + j - 1) % 2) end
          assert.are.equal(odd, u:get(j))
          assert.are.equal(odd, b:get(j))
        end
      end
    end)

    it("sums with dtype, mean, nansum and nanmean", function()
      local n, m = 21, 5
      local a = np.arange(n * m):reshape(n, m):astype("int32")
      local s = a:sum(1, {dtype = "float64"})
      local mu = a:mean(1)
      for j = 1, m do
        assert.are.equal(colsum(n, m, j) * 1.0, s:get(j))
        assert.are.equal(colsum(n, m, j) / n, mu:get(j))
      end
      local f = np.arange(n * m):reshape(n, m) * 1.0
      f[{{1, -1, 4}, 2}] = 0 / 0                       -- rows 1, 5, ..., 21 of column 2
      local ns, nm = np.nansum(f, 1), np.nanmean(f, 1)
      local want, cnt = 0, 0
      for i = 0, n - 1 do
        if i % 4 ~= 0 then want = want + i * m + 1; cnt = cnt + 1 end
      end
      assert.are.equal(want, ns:get(2))
      assert.are.equal(want / cnt, nm:get(2))
      assert.are.equal(colsum(n, m, 3), ns:get(3))
    end)

    it("sums 3-d arrays, strided views and several axes", function()
      local a = np.arange(11 * 4 * 6):reshape(11, 4, 6) * 1.0
      local s = a:sum(1)                                 -- (4, 6)
      for i = 1, 4 do
        for j = 1, 6 do
          local want = 0
          for k = 0, 10 do want = want + k * 24 + (i - 1) * 6 + (j - 1) end
          assert.are.equal(want, s:get(i, j))
        end
      end
      local t = a:sum({1, 2})                            -- (6)
      for j = 1, 6 do
        local want = 0
        for k = 0, 10 do for i = 0, 3 do want = want + k * 24 + i * 6 + j - 1 end end
        assert.are.equal(want, t:get(j))
      end
      local v = a[{{-1, 1, -1}, {}, {1, -1, 2}}]:sum(1)   -- reversed rows, stepped columns
      for i = 1, 4 do
        for j = 1, 3 do assert.are.equal(s:get(i, 2 * j - 1), v:get(i, j)) end
      end
      local w = a:sum(1, {keepdims = true})
      assert.are.same({1, 4, 6}, w.shape)
      assert.are.equal(s:get(2, 3), w:get(1, 2, 3))
    end)

    it("stays accurate over many rows", function()
      -- 100003 rows of 0.1 in each column: the exact sum of the stored
      -- doubles is 100003 * 0.1000000000000000055511151231257827
      local a = np.full({100003, 3}, 0.1)
      local s = a:sum(1)
      local want = 100003 * 0.1000000000000000055511151231257827
      for j = 1, 3 do assert.is_true(math.abs(s:get(j) - want) < 1e-12 * want) end
    end)
  end)
end)
