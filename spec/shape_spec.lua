local np = require "lumpy"
local fixture = require "fixtures.shape"

-- the inputs of the generated cases, built fresh for each case
local function inputs()
  local X = {}
  for k, f in pairs(fixture.inputs) do X[k] = f(np) end
  return X
end

local function check(expected, a, what)
  assert.is_true(np.isarray(a), what .. ": an array expected")
  assert.are.same(expected.shape, a.shape, what .. ": shape")
  assert.are.equal(expected.dtype, a.dtype, what .. ": dtype")
  if expected.dtype == "complex128" then
    assert.are.same(expected.re, np.flatten(a.real):totable(), what .. ": real parts")
    assert.are.same(expected.im, np.flatten(a.imag):totable(), what .. ": imaginary parts")
  else
    assert.are.same(expected.values, np.flatten(a):totable(), what .. ": values")
  end
end

-- is v a view sharing memory with base? (writes through)
local function shares(v, base, vidx, bidx)
  local old = base:get(table.unpack(bidx))
  local args = {table.unpack(vidx)}
  args[#args + 1] = 99
  v:set(table.unpack(args))
  local r = base:get(table.unpack(bidx)) == 99
  args = {table.unpack(bidx)}
  args[#args + 1] = old
  base:set(table.unpack(args))
  return r
end

local function errors(f, msg)
  local ok, err = pcall(f)
  assert.is_false(ok, "an error was expected")
  if msg then
    assert.is_truthy(tostring(err):find(msg, 1, true),
      string.format("error %q does not contain %q", tostring(err), msg))
  end
end

describe("lumpy.shape", function()
  describe("matches NumPy", function()
    for _, c in ipairs(fixture.cases) do
      it(c.name .. " (" .. c.numpy .. ")", function()
        local r = c.run(np, inputs())
        if c.one then check(c.one, r, c.name)
        else
          assert.are.equal(#c.many, #r, c.name .. ": number of results")
          for i, e in ipairs(c.many) do check(e, r[i], c.name .. " #" .. i) end
        end
      end)
    end
  end)

  describe("reshape", function()
    it("returns a view of a contiguous array", function()
      local a = np.arange(6)
      local b = a:reshape(2, 3)
      assert.is_true(shares(b, a, {2, 1}, {4}))
      assert.is_true(shares(a:reshape{3, -1}:reshape(6), a, {5}, {5}))
    end)
    it("returns a view when the strides allow it", function()
      local a = np.arange(24):reshape(4, 3, 2).T    -- shape {2, 3, 4}
      local b = a:reshape(2, 3, 2, 2)                -- splits the last axis
      assert.is_true(shares(b, a, {2, 3, 2, 1}, {2, 3, 3}))
      local c = np.arange(12):reshape(3, 4).T:reshape(2, 2, 3)
      assert.is_true(shares(c, c, {1, 1, 1}, {1, 1, 1}))
      local base = np.arange(12):reshape(3, 4)
      assert.is_true(shares(base.T:reshape(2, 2, 3), base, {1, 1, 2}, {2, 1}))  -- a split
      local t = base.T:reshape(2, 6)   -- the merged axes are not contiguous
      assert.is_false(shares(t, base, {1, 2}, {2, 1}))
    end)
    it("returns a copy otherwise", function()
      local a = np.arange(6):reshape(2, 3)
      local b = a.T:reshape(6)
      assert.are.same({0, 3, 1, 4, 2, 5}, b:totable())
      assert.is_false(shares(b, a, {2}, {2, 1}))
    end)
    it("gives views of stepped ranges when the strides allow it", function()
      local a = np.arange(40):reshape(5, 8)
      local v = a[{{1, -1, 2}, {}}]               -- rows 1, 3, 5
      assert.is_true(shares(v:reshape(3, 2, 4), a, {3, 2, 1}, {5, 5}))
      assert.is_false(shares(v:reshape(24), a, {9}, {3, 1}))
      local w = a[{{-1, 1, -2}, {-1, 1, -2}}]     -- negative steps
      assert.is_true(shares(w:reshape(3, 2, 2), a, {1, 1, 1}, {5, 8}))
      assert.are.same({5, 4}, a[{{}, {1, -1, 2}}]:reshape(5, 4).shape)
    end)
    it("reshapes a broadcast view by copying", function()
      local a = np.arange(3)
      local b = np.broadcast_to(a, {2, 3}):reshape(6)
      assert.is_false(shares(b, a, {1}, {1}))
    end)
    it("keeps a view of a 1-length axis", function()
      local a = np.arange(6):reshape(1, 6)
      assert.is_true(shares(a.T:reshape(2, 3), a, {1, 1}, {1, 1}))
    end)
    it("reports bad sizes", function()
      local a = np.arange(6)
      errors(function() return a:reshape{4} end, "cannot reshape array of size 6 into shape {4}")
      errors(function() return a:reshape(4, -1) end, "cannot reshape array of size 6 into shape {4, -1}")
      errors(function() return np.zeros(0):reshape(0, -1) end, "cannot reshape array of size 0 into shape {0, -1}")
      errors(function() return a:reshape(-1, -1) end, "can only specify one unknown dimension")
      errors(function() return a:reshape(-2, -3) end, "negative dimensions are not allowed")
      errors(function() return a:reshape{2, "x"} end, "shape must be a table of integers")
      errors(function() return a:reshape() end, "shape expected")
      errors(function() return a:reshape(2.5, 2) end, "bad argument #1 to 'reshape' (number has no integer representation)")
    end)
  end)

  describe("transpose", function()
    it("is a view", function()
      local a = np.arange(24):reshape(2, 3, 4)
      assert.is_true(shares(a:transpose{3, 1, 2}, a, {4, 2, 3}, {2, 3, 4}))
      assert.is_true(shares(np.swapaxes(a, 1, 3), a, {4, 3, 2}, {2, 3, 4}))
      assert.is_true(shares(np.moveaxis(a, 1, 3), a, {3, 4, 2}, {2, 3, 4}))
    end)
    it("reports bad axes", function()
      local a = np.zeros{2, 3, 4}
      errors(function() return a:transpose{1, 2} end, "axes don't match array")
      errors(function() return a:transpose(1, 2) end, "axes don't match array")
      errors(function() return a:transpose{1, 1, 2} end, "repeated axis in transpose")
      errors(function() return a:transpose{1, 2, 4} end, "axis 4 is out of bounds for array of dimension 3")
      errors(function() return a:transpose{1, 2, 0} end, "axis 0 is out of bounds")
      errors(function() return np.swapaxes(a, 1, 4) end, "axis 4 is out of bounds")
      errors(function() return np.swapaxes(a, -4, 1) end, "axis -4 is out of bounds")
      errors(function() return np.moveaxis(a, {1, 2}, {1}) end, "the same number of elements")
      errors(function() return np.moveaxis(a, {1, 1}, {1, 2}) end, "repeated axis in 'source' argument")
      errors(function() return np.moveaxis(a, 1, 5) end, "axis 5 is out of bounds")
    end)
  end)

  describe("ravel and flatten", function()
    it("ravel is a view of a contiguous array, flatten a copy", function()
      local a = np.arange(6):reshape(2, 3)
      assert.is_true(shares(np.ravel(a), a, {5}, {2, 2}))
      assert.is_false(shares(a:flatten(), a, {5}, {2, 2}))
      assert.is_false(shares(a.T:ravel(), a, {2}, {2, 1}))
    end)
  end)

  describe("squeeze and expand_dims", function()
    it("are views", function()
      local a = np.arange(6):reshape(1, 2, 1, 3)
      assert.is_true(shares(a:squeeze(), a, {2, 3}, {1, 2, 1, 3}))
      assert.is_true(shares(np.expand_dims(a, 2), a, {1, 1, 2, 1, 3}, {1, 2, 1, 3}))
    end)
    it("report bad axes", function()
      local a = np.zeros{1, 2}
      errors(function() return a:squeeze(2) end, "cannot select an axis to squeeze out which has size not equal to one")
      errors(function() return a:squeeze(3) end, "axis 3 is out of bounds")
      errors(function() return a:squeeze{1, 1} end, "repeated axis in squeeze")
      errors(function() return np.expand_dims(a, 4) end, "axis 4 is out of bounds for array of dimension 3")
      errors(function() return np.expand_dims(a, {1, 1}) end, "repeated axis in expand_dims")
      errors(function() return np.expand_dims(a, "x") end, "bad argument #2 to 'expand_dims' (number expected, got string)")
    end)
  end)

  describe("atleast_nd", function()
    it("returns the same array when it already has enough dimensions", function()
      local a = np.zeros{2, 2}
      assert.are.equal(a, np.atleast_2d(a))
      local b = np.atleast_3d(a)
      assert.are.same({2, 2, 1}, b.shape)
      assert.is_true(shares(b, a, {2, 1, 1}, {2, 1}))
    end)
  end)

  describe("fill", function()
    it("fills in place and returns the array", function()
      local a = np.zeros{2, 3}
      assert.are.equal(a, a:fill(4))
      assert.are.same({{4, 4, 4}, {4, 4, 4}}, a:totable())
      np.fill(a.T, 1.5)
      assert.are.same({{1.5, 1.5, 1.5}, {1.5, 1.5, 1.5}}, a:totable())
      a[2]:fill(-1)
      assert.are.same({{1.5, 1.5, 1.5}, {-1, -1, -1}}, a:totable())
      np.flip(a, 2)[1]:fill(0)
      assert.are.same({{0, 0, 0}, {-1, -1, -1}}, a:totable())
    end)
    it("accepts a one-element array", function()
      local a = np.zeros(2, "int32")
      a:fill(np.array{7})
      assert.are.same({7, 7}, a:totable())
    end)
    it("reports bad values", function()
      errors(function() return np.zeros(2):fill("x") end, "cannot store a string in a float64 array")
      errors(function() return np.zeros(2):fill(np.complex(1, 1)) end, "cannot store a complex value")
      errors(function() return np.zeros(2):fill() end, "bad argument #1 to 'fill' (value expected)")
    end)
  end)

  describe("concatenate and the stacks", function()
    it("report mismatched shapes naming both", function()
      local a, b = np.zeros{2, 3}, np.zeros{2, 4}
      errors(function() return np.concatenate{a, b} end,
        "all the input array dimensions except for the concatenation axis must match exactly, "
        .. "but array 1 has shape {2, 3} and array 2 has shape {2, 4} (concatenation axis 1)")
      errors(function() return np.concatenate{a, np.zeros(3)} end,
        "all the input arrays must have the same number of dimensions, but array 1 has shape {2, 3} and array 2 has shape {3}")
      errors(function() return np.vstack{a, b} end, "array 1 has shape {2, 3} and array 2 has shape {2, 4}")
      errors(function() return np.hstack{np.zeros{2, 3}, np.zeros{3, 3}} end, "array 1 has shape {2, 3} and array 2 has shape {3, 3}")
      errors(function() return np.stack{a, b} end,
        "all input arrays must have the same shape, but array 1 has shape {2, 3} and array 2 has shape {2, 4}")
      errors(function() return np.column_stack{np.zeros(2), np.zeros(3)} end, "array 1 has shape {2, 1} and array 2 has shape {3, 1}")
      errors(function() return np.dstack{np.zeros(2), np.zeros(3)} end, "array 2 has shape {1, 3, 1}")
    end)
    it("report bad arguments", function()
      local a = np.zeros{2, 3}
      errors(function() return np.concatenate{} end, "need at least one array")
      errors(function() return np.concatenate(a) end, "table of arrays expected")
      errors(function() return np.concatenate(5) end, "table expected")
      errors(function() return np.concatenate({a, a}, 3) end, "axis 3 is out of bounds for array of dimension 2")
      errors(function() return np.concatenate({a, a}, {axis = "x"}) end, "option 'axis' must be an integer")
      errors(function() return np.concatenate{np.array(1), np.array(2)} end, "zero-dimensional arrays cannot be concatenated")
      errors(function() return np.concatenate{a, {1, {2}}} end, "ragged")
      errors(function() return np.concatenate({a, a}, {dtype = "float16"}) end, "unknown dtype 'float16'")
      errors(function() return np.stack({a, a}, 4) end, "axis 4 is out of bounds for array of dimension 3")
    end)
    it("always copy", function()
      local a = np.arange(3)
      assert.is_false(shares(np.concatenate{a}, a, {1}, {1}))
      assert.is_false(shares(np.stack{a}, a, {1, 1}, {1}))
    end)
  end)

  describe("split", function()
    it("gives views", function()
      local a = np.arange(6)
      local p = np.split(a, {2, 4})
      assert.is_true(shares(p[2], a, {1}, {3}))
      local m = np.arange(12):reshape(3, 4)
      assert.is_true(shares(np.array_split(m.T, 2, 2)[2], m, {1, 1}, {3, 1}))
    end)
    it("reports an unequal division and bad sections", function()
      local a = np.arange(7)
      errors(function() return np.split(a, 3) end, "array split does not result in an equal division")
      errors(function() return np.split(a, 0) end, "number of sections must be larger than 0")
      errors(function() return np.array_split(a, -1) end, "number of sections must be larger than 0")
      errors(function() return np.split(a, {1, "x"}) end, "split points must be integers")
      errors(function() return np.split(a, 7, 2) end, "axis 2 is out of bounds for array of dimension 1")
      errors(function() return np.split(np.array(1), 1) end, "array must have at least one dimension")
    end)
  end)

  describe("tile and repeat", function()
    it("report bad repetitions", function()
      local a = np.arange(3)
      errors(function() return np.tile(a, -1) end, "negative dimensions are not allowed")
      errors(function() return np.tile(a, "x") end, "bad argument #2 to 'tile' (shape (table or integer) expected, got string)")
      errors(function() return np.repeat_(a, -1) end, "repeats may not contain negative values")
      errors(function() return np.repeat_(a, {1, -1, 1}) end, "repeats may not contain negative values")
      errors(function() return np.repeat_(a, {1, 2}) end, "operands could not be broadcast together with shapes {3} {2}")
      errors(function() return np.repeat_(a, 2, 2) end, "axis 2 is out of bounds")
      errors(function() return np.repeat_(np.array(1), 2, 1) end, "axis given for a 0-d array")
    end)
    it("np.repeat is reachable despite the Lua keyword", function()
      assert.are.equal(np["repeat"], np.repeat_)
      assert.are.same({1, 1, 2, 2}, np.array{1, 2}:repeat_(2):totable())
    end)
  end)

  describe("flip and roll", function()
    it("flip is a view with negative strides", function()
      local a = np.arange(6):reshape(2, 3)
      local f = np.flip(a)
      assert.are.same({-24, -8}, f.strides)
      assert.is_true(shares(f, a, {1, 1}, {2, 3}))
      assert.is_true(shares(np.fliplr(a), a, {1, 1}, {1, 3}))
      assert.is_true(shares(np.flipud(a), a, {1, 1}, {2, 1}))
      assert.are.same({}, np.flip(np.array(5)).shape)
    end)
    it("reports bad axes", function()
      local a = np.arange(3)
      errors(function() return np.flip(a, 2) end, "axis 2 is out of bounds")
      errors(function() return np.flip(np.zeros{2, 2}, {1, -2}) end, "repeated axis in flip")
      errors(function() return np.fliplr(a) end, "input must be >= 2-d")
      errors(function() return np.flipud(np.array(1)) end, "input must be >= 1-d")
      errors(function() return np.roll(a, 1, 2) end, "axis 2 is out of bounds")
      errors(function() return np.roll(a, {1, 2}) end, "integer shift expected when no axis is given")
      errors(function() return np.roll(np.zeros{2, 2}, {1, 2, 3}, {1, 2}) end, "shift and axis must have the same number of entries")
      errors(function() return np.roll(a, "x") end, "bad argument #2 to 'roll' (number expected, got string)")
    end)
    it("roll copies", function()
      local a = np.arange(3)
      assert.is_false(shares(np.roll(a, 0), a, {1}, {1}))
    end)
  end)

  describe("diag and diagonal", function()
    it("extract views", function()
      local a = np.arange(12):reshape(3, 4)
      assert.is_true(shares(np.diag(a, 1), a, {2}, {2, 3}))
      assert.is_true(shares(a:diagonal(-1), a, {2}, {3, 2}))
      assert.are.same({40}, a.T:diagonal().strides)
    end)
    it("report bad input", function()
      errors(function() return np.diag(np.zeros{2, 2, 2}) end, "input must be 1-d or 2-d")
      errors(function() return np.diag(np.array(1)) end, "input must be 1-d or 2-d")
      errors(function() return np.diag(np.zeros(2), {k = "x"}) end, "option 'k' must be an integer")
      errors(function() return np.diagonal(np.zeros(3)) end, "diagonal requires an array of at least two dimensions")
      errors(function() return np.diagonal(np.zeros{2, 2}, 0, 1, 1) end, "axis1 and axis2 cannot be the same")
      errors(function() return np.diagonal(np.zeros{2, 2}, 0, 1, 3) end, "axis 3 is out of bounds")
    end)
  end)

  describe("broadcast_to and meshgrid", function()
    it("broadcast_to is a view with zero strides", function()
      local a = np.arange(3)
      local b = np.broadcast_to(a, {2, 3})
      assert.are.same({0, 8}, b.strides)
      assert.is_true(shares(b, a, {2, 2}, {2}))
    end)
    it("broadcast_to reports incompatible shapes", function()
      errors(function() return np.broadcast_to(np.arange(3), {4}) end, "cannot broadcast an array of shape {3} to shape {4}")
      errors(function() return np.broadcast_to(np.zeros{2, 3}, {3}) end, "cannot broadcast an array of shape {2, 3} to shape {3}")
      errors(function() return np.broadcast_to(np.zeros(3), {-1, 3}) end, "negative dimensions are not allowed")
    end)
    it("meshgrid copies unless copy = false", function()
      local x = np.arange(3)
      local X = np.meshgrid(x, np.arange(2))
      assert.is_false(shares(X, x, {1, 1}, {1}))
      local V = np.meshgrid(x, np.arange(2), {copy = false})
      assert.are.same({0, 8}, V.strides)
      assert.is_true(shares(V, x, {2, 3}, {3}))
      assert.are.equal(0, select("#", np.meshgrid()))
    end)
    it("meshgrid reports bad options", function()
      errors(function() return np.meshgrid(np.arange(2), {indexing = "yx"}) end, "indexing must be \"xy\" or \"ij\"")
    end)
  end)

  describe("limits and odd arguments", function()
    local ones = {}
    for i = 1, 32 do ones[i] = 1 end
    local big = np.zeros(ones)   -- 32 dimensions
    it("reject results with too many dimensions", function()
      local t = {}
      for i = 1, 33 do t[i] = 1 end
      errors(function() return np.zeros(1):reshape(t) end, "shape has more than 32 dimensions")
      errors(function() return np.zeros(1):reshape(table.unpack(t)) end, "shape has more than 32 dimensions")
      errors(function() return np.expand_dims(big, 1) end, "result would have more than 32 dimensions")
      errors(function() return np.stack{big, big} end, "result would have too many dimensions")
      local reps = {}
      for i = 1, 17 do reps[i] = 2 end
      errors(function() return np.tile(np.zeros{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, reps) end,
        "tile: more than 16 axes with repetitions")
      errors(function() return np.squeeze(big, t) end, "too many axes")
      errors(function() return np.roll(big, t, 1) end, "too many entries")
      errors(function() return np.meshgrid(table.unpack(t)) end, "too many arrays")
    end)
    it("reject results too big to index", function()
      errors(function() return np.tile(np.zeros{2, 2}, {math.maxinteger, 3}) end, "tile: the result is too big")
      errors(function() return np.repeat_(np.zeros(2), {math.maxinteger, 3}) end, "repeat: the result is too big")
      errors(function() return np.diag(np.zeros(2), 2^40) end, "diagonal offset is too large")
      errors(function() return np.array_split(np.arange(3), 2^25) end, "too many sections")
    end)
    it("reject huge and non-integer axes", function()
      local a = np.zeros{2, 2}
      errors(function() return np.swapaxes(a, 4294967297, 1) end, "axis 4294967297 is out of bounds for array of dimension 2")
      errors(function() return np.flip(a, -4294967297) end, "axis -4294967297 is out of bounds")
      errors(function() return np.flip(a, {1, "x"}) end, "axes must be integers")
      errors(function() return a:transpose(1, "x") end, "number expected")
      errors(function() return np.roll(a, {1, "x"}, {1, 2}) end, "integers expected")
      errors(function() return np.diagonal(a, "x") end, "bad argument #2 to 'diagonal' (number expected, got string)")
    end)
    it("reject holes in lists of arrays", function()
      local a = np.zeros(2)
      errors(function() return np.concatenate{a, nil, a} end, "array 2 is nil")
      errors(function() return np.concatenate{a, "x"} end, "cannot make an array from a string")
    end)
    it("handle 32-dimensional arrays", function()
      assert.are.same({}, np.squeeze(big).shape)
      assert.are.equal(32, big.T:reshape(ones).ndim)
      assert.are.equal(32, np.flip(big).ndim)
      assert.are.equal(2, np.concatenate({big, big}, 32).shape[32])
    end)
  end)

  describe("closed arrays", function()
    local a = np.zeros{2, 3}
    a:close()
    local fns = {
      reshape = function() return np.reshape(a, 6) end,
      method = function() return a:reshape(6) end,
      transpose = function() return np.transpose(a) end,
      swapaxes = function() return np.swapaxes(a, 1, 2) end,
      moveaxis = function() return np.moveaxis(a, 1, 2) end,
      ravel = function() return np.ravel(a) end,
      flatten = function() return np.flatten(a) end,
      squeeze = function() return np.squeeze(a) end,
      expand_dims = function() return np.expand_dims(a, 1) end,
      fill = function() return np.fill(a, 1) end,
      concatenate = function() return np.concatenate{np.zeros{2, 3}, a} end,
      stack = function() return np.stack{a} end,
      hstack = function() return np.hstack{a} end,
      vstack = function() return np.vstack{a} end,
      dstack = function() return np.dstack{a} end,
      column_stack = function() return np.column_stack{a} end,
      split = function() return np.split(a, 2) end,
      array_split = function() return np.array_split(a, 2) end,
      tile = function() return np.tile(a, 2) end,
      ["repeat"] = function() return np.repeat_(a, 2) end,
      flip = function() return np.flip(a) end,
      fliplr = function() return np.fliplr(a) end,
      flipud = function() return np.flipud(a) end,
      roll = function() return np.roll(a, 1) end,
      diag = function() return np.diag(a) end,
      diagonal = function() return np.diagonal(a) end,
      meshgrid = function() return np.meshgrid(a) end,
      broadcast_to = function() return np.broadcast_to(a, {2, 3}) end,
      atleast_1d = function() return np.atleast_1d(a) end,
      atleast_2d = function() return np.atleast_2d(a) end,
      atleast_3d = function() return np.atleast_3d(a) end,
    }
    for name, f in pairs(fns) do
      it(name .. " rejects a closed array", function() errors(f, "closed") end)
    end
    it("a view of a closed array is closed too", function()
      local b = np.zeros{2, 2}
      local v = b.T
      b:close()
      errors(function() return v:reshape(4) end, "array is closed")
    end)
  end)
end)
