local np = require "lumpy"
local fx = require "fixtures.array"

-- exact comparison of an array's elements with a nested Lua table
local function same(expected, a)
  assert.are.same(expected, a:totable())
end

describe("lumpy array core", function()
  describe("creation from Lua values", function()
    it("infers dtypes like NumPy", function()
      assert.are.equal("int64", np.array{1, 2, 3}.dtype)
      assert.are.equal("float64", np.array{1, 2.5}.dtype)
      assert.are.equal("bool", np.array{true, false}.dtype)
      assert.are.equal("int64", np.array{true, 2}.dtype)
      assert.are.equal("complex128", np.array{np.complex(1, 2), 3}.dtype)
      assert.are.equal("float64", np.array{}.dtype)
      assert.are.same({0}, np.array{}.shape)
    end)
    it("builds n-d arrays from nested tables", function()
      local a = np.array{{{1, 2}, {3, 4}, {5, 6}}, {{7, 8}, {9, 10}, {11, 12}}}
      assert.are.same({2, 3, 2}, a.shape)
      assert.are.equal(3, a.ndim)
      assert.are.equal(12, a.size)
      assert.are.same({48, 16, 8}, a.strides)
      assert.are.equal(10, a:get(2, 2, 2))
      assert.are.equal(12, a:get(-1, -1, -1))
    end)
    it("accepts arrays inside tables", function()
      local a = np.array{np.array{1, 2}, np.array{3.5, 4}}
      assert.are.equal("float64", a.dtype)
      same({{1, 2}, {3.5, 4}}, a)
    end)
    it("takes a dtype as string or option", function()
      assert.are.equal("float32", np.array({1, 2}, "float32").dtype)
      assert.are.equal("int32", np.array({1, 2}, {dtype = "int32"}).dtype)
      assert.are.equal("uint8", np.array({1, 2}, np.uint8).dtype)
      same(fx.int32_from_floats, np.array({1.7, -2.5, 3.999}, "int32"))
      same(fx.f32_round, np.array({0.1, 1 / 3}, "float32"):astype("float64"))
    end)
    it("rejects ragged and junk tables", function()
      assert.has_error(function() np.array{{1, 2}, {3}} end,
        "cannot make an array from a ragged table (sub-tables differ in length)")
      assert.has_error(function() np.array{{1, 2}, 3} end,
        "cannot make an array from a ragged table (sub-tables differ in length)")
      assert.has_error(function() np.array{1, "x"} end,
        "cannot make an array from a table holding a string")
      assert.has_error(function() np.array{{1}, {{2}}} end,
        "cannot make an array from a ragged table (sub-tables differ in length)")
      assert.has_error(function() np.array({1}, "float16") end,
        "bad argument #2 to 'array' (unknown dtype 'float16')")
      assert.has_error(function() np.array(print) end, "cannot make an array from a function")
    end)
    it("makes 0-d arrays from scalars", function()
      local a = np.array(5)
      assert.are.equal(0, a.ndim)
      assert.are.same({}, a.shape)
      assert.are.equal(5, a:item())
      assert.are.equal(5, a:totable())
    end)
  end)

  describe("creation functions", function()
    it("zeros ones empty full", function()
      same({{0, 0, 0}, {0, 0, 0}}, np.zeros{2, 3})
      same({1, 1, 1}, np.ones(3))
      assert.are.equal("int32", np.zeros({2}, "int32").dtype)
      assert.are.equal("int64", np.ones(2, {dtype = "int64"}).dtype)
      assert.are.same({4, 5}, np.empty{4, 5}.shape)
      same({7.5, 7.5}, np.full({2}, 7.5))
      assert.are.equal("int64", np.full({2}, 7).dtype)
      assert.are.equal("bool", np.full(2, true).dtype)
      same({{1, 1}}, np.full({1, 2}, 1.9, "int32"))
      same({}, np.zeros(0))
      assert.are.same({0, 3}, np.zeros{0, 3}.shape)
    end)
    it("*_like keep shape and dtype", function()
      local a = np.array({{1, 2, 3}}, "int32")
      local z = np.zeros_like(a)
      assert.are.equal("int32", z.dtype)
      same({{0, 0, 0}}, z)
      same({{1, 1, 1}}, np.ones_like(a))
      same({{9, 9, 9}}, np.full_like(a, 9))
      assert.are.equal("float64", np.zeros_like(a, "float64").dtype)
      assert.are.same({1, 3}, np.empty_like(a).shape)
    end)
    it("arange, linspace, logspace match NumPy", function()
      same(fx.arange_5, np.arange(5))
      same(fx.arange_2_11_3, np.arange(2, 11, 3))
      same(fx.arange_10_0_m3, np.arange(10, 0, -3))
      same(fx.arange_float, np.arange(0, 1, 0.1))
      same(fx.arange_float_neg, np.arange(1.5, -1, -0.5))
      same({}, np.arange(5, 1))
      same(fx.linspace_0_1_5, np.linspace(0, 1, 5))
      same(fx.linspace_m3_7_11, np.linspace(-3, 7, 11))
      same(fx.linspace_noend, np.linspace(0, 1, 4, {endpoint = false}))
      same(fx.linspace_1, np.linspace(2, 5, 1))
      same(fx.linspace_tenth, np.linspace(0.1, 0.9, 9))
      same(fx.logspace_0_3_4, np.logspace(0, 3, 4))
      same(fx.logspace_base2, np.logspace(0, 4, 5, {base = 2}))
      assert.are.equal(50, np.linspace(0, 1).size)
      assert.has_error(function() np.arange(1, 2, 0) end,
        "bad argument #3 to 'arange' (step must not be zero)")
      assert.has_error(function() np.linspace(0, 1, -1) end,
        "bad argument #3 to 'linspace' (number of samples must be non-negative)")
    end)
    it("eye and identity", function()
      same(fx.eye_3_4_k1, np.eye(3, 4, 1))
      same(fx.eye_4_3_km1, np.eye(4, 3, -1))
      same({{1, 0}, {0, 1}}, np.identity(2))
      assert.are.equal("int32", np.identity(2, "int32").dtype)
    end)
    it("rejects bad shapes and sizes", function()
      assert.has_error(function() np.zeros(-1) end,
        "bad argument #1 to 'zeros' (negative dimensions are not allowed)")
      assert.has_error(function() np.zeros{2, -3} end,
        "bad argument #1 to 'zeros' (negative dimensions are not allowed)")
      assert.has_error(function() np.zeros{2, "x"} end,
        "bad argument #1 to 'zeros' (shape must be a table of integers)")
      assert.has_error(function() np.zeros(2.5) end, "bad argument #1 to 'zeros' (shape must be integers)")
      assert.has_error(function() np.zeros{1 << 40, 1 << 40} end,
        "array is too big: {1099511627776, 1099511627776} elements do not fit in memory")
      assert.has_error(function() np.zeros{1 << 62, 4} end,
        "array is too big: {4611686018427387904, 4} elements do not fit in memory")
      local ok, err = pcall(np.empty, {1 << 45})
      assert.is_false(ok)
      assert.matches("array is too big", err)
    end)
  end)

  describe("conversion", function()
    it("astype follows NumPy's casts", function()
      same(fx.uint8_wrap, np.array{255, 256, 257, -1}:astype("uint8"))
      same(fx.bool_from_num, np.array{0, 2, -1.5, 0.0}:astype("bool"))
      same({1, 0}, np.array{true, false}:astype("int64"))
      local z = np.array{np.complex(1.5, 2)}:astype("float64")
      same({1.5}, z)
      -- NaN to int is defined (INT64_MIN), not undefined behaviour
      assert.are.equal(math.mininteger, np.array{0 / 0}:astype("int64"):get(1))
    end)
    it("copy is independent of the original", function()
      local a = np.array{1, 2, 3}
      local b = a:copy()
      b:set(1, 10)
      assert.are.equal(1, a:get(1))
      same({10, 2, 3}, np.copy(b))
    end)
    it("totable and item", function()
      local a = np.array{{1.5, 2}, {3, 4}}
      assert.are.same({{1.5, 2}, {3, 4}}, a:totable())
      assert.are.equal(4, a:item(4))
      assert.are.equal(3, a:item(-2))
      assert.are.equal(7, np.array{{7}}:item())
      assert.has_error(function() a:item() end,
        "can only convert an array of size 1 to a Lua value (size is 4)")
      assert.is_true(np.array{true}:get(1))
      assert.are.equal(math.type(np.array{1}:get(1)), "integer")
      assert.are.equal(math.type(np.array{1.0}:get(1)), "float")
    end)
  end)

  describe("attributes", function()
    it("shape ndim size dtype strides itemsize nbytes", function()
      local a = np.zeros({3, 4}, "float32")
      assert.are.same({3, 4}, a.shape)
      assert.are.equal(2, a.ndim)
      assert.are.equal(12, a.size)
      assert.are.equal("float32", a.dtype)
      assert.are.same({16, 4}, a.strides)
      assert.are.equal(4, a.itemsize)
      assert.are.equal(48, a.nbytes)
      assert.are.equal(3, #a)
      assert.is_nil(a.nosuchthing)
      assert.has_error(function() a.shape = {4, 3} end, "cannot set field 'shape' of an array")
      assert.has_error(function() return #np.array(1) end, "len() of a 0-d array")
    end)
    it("T is a transposed view", function()
      local a = np.array{{1, 2, 3}, {4, 5, 6}}
      local t = a.T
      assert.are.same({3, 2}, t.shape)
      assert.are.same({8, 24}, t.strides)
      same({{1, 4}, {2, 5}, {3, 6}}, t)
      t:set(3, 1, 30)
      assert.are.equal(30, a:get(1, 3))
    end)
    it("real and imag", function()
      local c = np.array{np.complex(1, 2), np.complex(3, -4)}
      same({1, 3}, c.real)
      same({2, -4}, c.imag)
      c.imag:set(1, 20)
      assert.are.equal(20, c:get(1).im)
      c.real = np.array{5, 6}
      assert.are.equal(6, c:get(2).re)
      local r = np.array{1.5, 2}
      same({1.5, 2}, r.real)
      same({0, 0}, r.imag)
      assert.has_error(function() r.imag = np.array{1, 1} end,
        "cannot set the imaginary part of a float64 array")
    end)
  end)

  describe("get and set", function()
    it("read and write one element with 1-based and negative indices", function()
      local a = np.zeros{2, 3}
      a:set(1, 1, 5)
      a:set(-1, -1, 7)
      a:set(2, 1, true)
      assert.are.equal(5, a:get(1, 1))
      assert.are.equal(7, a:get(2, 3))
      assert.are.equal(1, a:get(2, 1))
    end)
    it("names the axis and size when out of range", function()
      local a = np.zeros{2, 3}
      assert.has_error(function() a:get(3, 1) end, "index 3 is out of bounds for axis 1 with size 2")
      assert.has_error(function() a:get(1, 0) end, "index 0 is out of bounds for axis 2 with size 3")
      assert.has_error(function() a:get(1, -4) end, "index -4 is out of bounds for axis 2 with size 3")
      assert.has_error(function() a:get(1) end, "expected 2 indices for an array of dimension 2, got 1")
      assert.has_error(function() a:set(1, 1, "x") end, "cannot store a string in a float64 array")
      assert.has_error(function() a:set(1, 1, np.complex(1, 1)) end,
        "cannot store a complex value in a float64 array")
      assert.error_matches(function() np.zeros(2, "int64"):set(1, 0 / 0) end,
        "cannot convert float %-?nan to int64")
      assert.has_error(function() a:get(1, 1.5) end, "index 1.5 is not an integer")
    end)
    it("converts on store", function()
      local a = np.zeros(3, "int32")
      a:set(1, 2.9)
      a:set(2, -2.9)
      a:set(3, np.array{4})
      assert.are.same({2, -2, 4}, a:totable())
      local u = np.zeros(1, "uint8")
      u:set(1, 258)
      assert.are.equal(2, u:get(1))
    end)
  end)

  describe("complex scalars", function()
    it("have re, im and arithmetic", function()
      local z = np.complex(1, 2)
      assert.are.equal(1, z.re)
      assert.are.equal(2, z.im)
      local w = z * z
      assert.are.equal(-3, w.re)
      assert.are.equal(4, w.im)
      assert.are.equal(2, (z + 1).re)
      assert.are.equal(0, (1 - z).re)
      assert.are.equal(-2, (-z).im)
      assert.is_true(z == np.complex(1, 2))
      assert.are.equal("(1+2j)", tostring(z))
      assert.are.equal("(1-2j)", tostring(z:conj()))
      assert.are.equal(5, np.complex(3, 4):abs())
    end)
    it("np.complex of arrays broadcasts", function()
      local c = np.complex(np.array{1, 2}, np.array{{3}, {4}})
      assert.are.same({2, 2}, c.shape)
      assert.are.equal(4, c:get(2, 1).im)
      assert.are.equal(2, c:get(2, 2).re)
      assert.has_error(function() np.complex(np.array{1, 2}, np.array{1, 2, 3}) end,
        "operands could not be broadcast together with shapes {2} {3}")
    end)
  end)

  describe("memory", function()
    local function status(field)
      local f = io.open("/proc/self/status")
      local s = f:read("a")
      f:close()
      return tonumber(s:match(field .. ":%s*(%d+)"))
    end
    it("stays bounded when 10,000 arrays of 8 MB are dropped without collectgarbage", function()
      -- address space (VmSize) would grow by 80 GB if the buffers were not freed
      collectgarbage()
      local before = status("VmSize")
      local peak = before
      -- (under AddressSanitizer each 8 MB allocation costs ~5 ms: 1,000 there)
      local n = os.getenv("LUMPY_ASAN") and 1000 or 10000
      for i = 1, n do
        local a = np.empty(1000000)
        a:set(i % 1000000 + 1, 2)
        if i % 100 == 0 then peak = math.max(peak, status("VmSize")) end
      end
      assert.is_true(peak - before < 1024 * 1024, "VmSize grew by " .. (peak - before) .. " kB")
    end)
    it("keeps resident memory bounded for arrays that are written", function()
      collectgarbage()
      local before = status("VmRSS")
      for _ = 1, os.getenv("LUMPY_ASAN") and 60 or 300 do
        local a = np.ones(1000000)
        a:set(1, 2)
      end
      local grew = status("VmRSS") - before
      assert.is_true(grew < 600 * 1024, "RSS grew by " .. grew .. " kB")
    end)
    it("memstats counts live buffers, and dropped ones are freed by a collection", function()
      collectgarbage()
      local before = np.memstats().live
      local keep = np.ones(100000)
      assert.is_true(np.memstats().live - before >= 800000)
      keep = nil
      collectgarbage()
      assert.is_true(np.memstats().live - before < 1000)
      local st = np.memstats()
      assert.is_number(st.cached)
      assert.is_number(st.collections)
    end)
    it("bounds garbage from many medium arrays (full collections every few MB)", function()
      collectgarbage()
      local c0 = np.memstats().collections
      local peak = 0
      for _ = 1, 5000 do
        local a = np.empty(10000)      -- 80 kB each, 400 MB in all
        a:set(1, 1)
        peak = math.max(peak, np.memstats().live)
      end
      assert.is_true(peak < 64 * 1024 * 1024, "live buffers reached " .. peak)
      assert.is_true(np.memstats().collections > c0)
    end)
    it("<close> frees at once and later use is an error", function()
      local a = np.ones(10)
      do
        local b <close> = a
      end
      assert.is_true(a:isclosed())
      assert.has_error(function() a:get(1) end, "calling 'get' on bad self (array is closed)")
      assert.has_error(function() return a + 1 end, "bad argument #1 to 'add' (array is closed)")
    end)
    it("views keep their base alive and see a closed base", function()
      local v
      do
        local a = np.array{{1, 2}, {3, 4}}
        v = a[2]
      end
      collectgarbage()
      collectgarbage()
      assert.are.same({3, 4}, v:totable())
      local b = np.ones{2, 2}
      local w = b[1]
      b:close()
      assert.has_error(function() w:get(1) end, "calling 'get' on bad self (array is closed)")
    end)
  end)
end)
