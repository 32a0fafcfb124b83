local np = require "lumpy"
local cases = require "fixtures.print"

-- builds a case's array as gen_print.py did in NumPy
local function build(c)
  local a
  if c.dtype == "complex128" then
    a = np.complex(np.array(c.re, "float64"), np.array(c.im, "float64"))
  elseif c.arange then
    a = np.arange(c.arange)
  else
    a = np.array(c.values, c.dtype)
  end
  a = a:reshape(c.shape)
  if c.tile then a = np.tile(a, c.tile) end
  if c.step then a = a[{{1, -1, 2}}] end
  if c.T then a = a.T end
  if c.flip then a = np.flip(a, c.flip) end
  return a
end

describe("lumpy.print", function()
  describe("tostring", function()
    for _, c in ipairs(cases) do
      it("prints like NumPy's repr: " .. c.name, function()
        assert.are.equal(c.expected, tostring(build(c)))
      end)
    end

    it("is np.array_repr", function()
      local a = np.array{1.5, 2}
      assert.are.equal(tostring(a), np.array_repr(a))
    end)

    it("prints views of a transposed base with negative strides", function()
      local a = np.flip(np.arange(6):reshape(2, 3).T, 1)
      assert.are.equal("array([[2, 5],\n       [1, 4],\n       [0, 3]])", tostring(a))
    end)

    it("prints broadcast (zero-stride) views", function()
      local a = np.broadcast_to(np.array{1, 2}, {2, 2})
      assert.are.equal("array([[1, 2],\n       [1, 2]])", tostring(a))
    end)

    it("prints closed arrays as 'array (closed)'; array_repr rejects them", function()
      local a = np.zeros(3)
      a:close()
      assert.are.equal("array (closed)", tostring(a))
      assert.has_error(function() return np.array_repr(a) end,
        "bad argument #1 to 'array_repr' (array is closed)")
    end)

    it("formats a summarised 10^7-element array quickly", function()
      local a = np.zeros{10000, 1000}
      local t = os.clock()
      local s = tostring(a)
      assert.is_true(os.clock() - t < 0.05)
      assert.are.equal("array([[0., 0., 0., ..., 0., 0., 0.],", s:sub(1, 37))
    end)
  end)
end)
