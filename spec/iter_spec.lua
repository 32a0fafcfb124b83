local np = require "lumpy"

-- Copies whose source and destination are contiguous along different axes
-- take the cache-blocked transpose kernel of lumpy_assign (tiles of 16-64
-- elements a side); everything is checked element by element against the
-- closed form of the source: element k (0-based, C order) of the base array
-- is val(k) below, so a transposed copy's (i, j) is the base's (j, i).

local DTYPES = {"bool", "uint8", "int32", "int64", "float32", "float64", "complex128"}

-- the base array's element k in dtype dt (closed form)
local function val(dt, k)
  if dt == "bool" then return k % 3 == 0
  elseif dt == "uint8" then return k % 251
  elseif dt == "complex128" then return {re = k, im = -2 * k}
  else return k end
end

-- an n-d array of dtype dt holding val(dt, k) at flat position k
local function base(dt, shape)
  local n = 1
  for _, s in ipairs(shape) do n = n * s end
  local k = np.arange(n)
  local a
  if dt == "bool" then a = (k % 3):eq(0)
  elseif dt == "uint8" then a = (k % 251):astype("uint8")
  elseif dt == "complex128" then a = np.complex(k * 1.0, k * -2.0)
  else a = k:astype(dt) end
  return a:reshape(shape)
end

local function same(dt, got, want)
  if dt == "complex128" then return got.re == want.re and got.im == want.im end
  return got == want
end

-- checks every element of the 2-d r: r(i, j) == val(dt, f(i, j))
local function check2(r, dt, f)
  local m, n = r.shape[1], r.shape[2]
  for i = 1, m do
    for j = 1, n do
      local got, want = r:get(i, j), val(dt, f(i, j))
      if not same(dt, got, want) then
        error(string.format("%s (%d, %d): got %s, want %s", dt, i, j,
                            tostring(got), tostring(want)))
      end
    end
  end
end

describe("lumpy.iter", function()
  describe("transposed copy", function()
    it("copies a.T of every dtype, sizes not multiples of the tile", function()
      for _, dt in ipairs(DTYPES) do
        for _, sz in ipairs({{37, 70}, {65, 33}, {129, 8}}) do
          local m, n = sz[1], sz[2]
          local a = base(dt, {m, n})
          local r = a.T:copy()
          assert.are.same({n, m}, r.shape)
          assert.are.equal(dt, r.dtype)
          assert.is_true(r.strides[2] < r.strides[1])   -- C-contiguous result
          check2(r, dt, function(i, j) return (j - 1) * n + (i - 1) end)
        end
      end
    end)

    it("copies planes of 8 MiB and more on two threads, every item size", function()
      -- sizes just past the threshold, rows not a multiple of two tiles
      local sizes = {uint8 = {2909, 2887}, int32 = {1453, 1447}, float64 = {1043, 1021},
                     complex128 = {733, 719}}
      for _, dt in ipairs{"uint8", "int32", "float64", "complex128"} do
        local m, n = sizes[dt][1], sizes[dt][2]
        local a = base(dt, {m, n})
        local r = a.T:copy()
        -- r(i, j) = val((j - 1) n + (i - 1)), built by broadcasting (no transposed copy)
        local k = np.arange(n):reshape(n, 1) + np.arange(m):reshape(1, m) * n
        local want
        if dt == "uint8" then want = (k % 251):astype("uint8")
        elseif dt == "complex128" then want = np.complex(k * 1.0, k * -2.0)
        else want = k:astype(dt) end
        assert.are.same({n, m}, r.shape)
        assert.is_true(np.array_equal(r, want), dt)
      end
    end)

    it("writes into a transposed destination", function()
      for _, dt in ipairs(DTYPES) do
        local a = base(dt, {45, 71})
        local d = np.zeros({71, 45}, dt)
        d.T[{}] = a
        check2(d, dt, function(i, j) return (j - 1) * 71 + (i - 1) end)
      end
    end)

    it("casts while transposing", function()
      local a = base("int64", {50, 37})
      local r = a.T:astype("float32")
      assert.are.equal("float32", r.dtype)
      check2(r, "float32", function(i, j) return (j - 1) * 37 + (i - 1) end)
      local c = base("float64", {33, 41}).T:astype("complex128")
      assert.are.equal("complex128", c.dtype)
      check2(c.real, "float64", function(i, j) return (j - 1) * 41 + (i - 1) end)
      check2(c.imag, "float64", function() return 0 end)
      local z = np.zeros({20, 30}, "int32")
      z.T[{}] = base("float64", {30, 20})
      check2(z, "int32", function(i, j) return (j - 1) * 20 + (i - 1) end)
    end)

    it("copies 3-d arrays with a transposed pair of axes", function()
      for _, dt in ipairs({"uint8", "int32", "float64", "complex128"}) do
        local a = base(dt, {3, 20, 30})
        local r = a:transpose({1, 3, 2}):copy()          -- (3, 30, 20)
        assert.are.same({3, 30, 20}, r.shape)
        for k = 1, 3 do
          check2(r[k], dt, function(i, j) return (k - 1) * 600 + (j - 1) * 30 + (i - 1) end)
        end
        local s = a:transpose({3, 2, 1}):copy()          -- (30, 20, 3)
        assert.are.same({30, 20, 3}, s.shape)
        for k = 1, 3 do
          check2(s[{{}, {}, k}], dt, function(i, j)
            return (k - 1) * 600 + (j - 1) * 30 + (i - 1)
          end)
        end
        local t = a:transpose({2, 1, 3}):copy()          -- (20, 3, 30): rows move
        for k = 1, 3 do
          check2(t[{{}, k, {}}], dt, function(i, j)
            return (k - 1) * 600 + (i - 1) * 30 + (j - 1)
          end)
        end
      end
    end)

    it("copies stepped and reversed views", function()
      for _, dt in ipairs({"bool", "int64", "float64", "complex128"}) do
        local a = base(dt, {61, 53})
        -- rows 1, 3, ..., 61 and columns 53, 50, ..., 2, transposed: (18, 31)
        local v = a[{{1, -1, 2}, {-1, 1, -3}}].T
        local r = v:copy()
        assert.are.same({18, 31}, r.shape)
        check2(r, dt, function(i, j) return (2 * (j - 1)) * 53 + (53 - 3 * (i - 1) - 1) end)
        -- a stepped destination
        local d = np.zeros({40, 70}, dt)
        d[{{1, -1, 2}, {1, -1, 2}}] = base(dt, {35, 20}).T
        check2(d[{{1, -1, 2}, {1, -1, 2}}], dt, function(i, j)
          return (j - 1) * 20 + (i - 1)
        end)
      end
    end)

    it("copies planes of 2^20 elements and more", function()
      local m, n = 1100, 1001
      for _, dt in ipairs({"uint8", "float64", "complex128"}) do
        local a = base(dt, {m, n})
        local r = a.T:copy()                        -- (n, m)
        local function check(i, j)
          local got, want = r:get(i, j), val(dt, (j - 1) * n + (i - 1))
          if not same(dt, got, want) then
            error(string.format("%s (%d, %d): got %s, want %s", dt, i, j,
                                tostring(got), tostring(want)))
          end
        end
        for _, i in ipairs({1, 2, 479, 480, 481, 511, 512, 513, 544, 1000, 1001}) do
          for j = 1, m do check(i, j) end
        end
        for i = 1, n, 7 do
          for j = 1, m, 13 do check(i, j) end
        end
      end
      local c = base("int32", {m, n}).T:astype("float64")     -- a cast
      for _, i in ipairs({1, 500, 501, 1001}) do
        for j = 1, m, 3 do assert.are.equal((j - 1) * n + (i - 1), c:get(i, j)) end
      end
    end)

    it("transposes a square array in place (overlapping source)", function()
      local a = base("float64", {50, 50})
      a[{}] = a.T
      check2(a, "float64", function(i, j) return (j - 1) * 50 + (i - 1) end)
    end)

    it("keeps small and broadcast copies right", function()
      local a = base("int32", {5, 7})
      check2(a.T:copy(), "int32", function(i, j) return (j - 1) * 7 + (i - 1) end)
      local row = base("float64", {1, 40})
      local d = np.zeros({40, 30})
      d.T[{}] = row                              -- broadcast along the rows of d.T
      check2(d, "float64", function(i, j) return i - 1 end)
    end)
  end)
end)
