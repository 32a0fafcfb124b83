local np = require "lumpy"
local I = np.integrate
local fx = require("fixtures.integrate").samples

local function same(expected, got, rtol)
  rtol = rtol or 1e-13
  if type(expected) == "number" then
    assert.is_number(got)
    assert.is_true(math.abs(got - expected) <= rtol * math.max(1, math.abs(expected)),
      tostring(got) .. " vs " .. tostring(expected))
    return
  end
  local t = np.isarray(got) and got:totable() or got
  assert.are.equal(#expected, #t)
  for i = 1, #expected do same(expected[i], t[i], rtol) end
end

local Y, X1, X2 = np.array(fx.Y), np.array(fx.X1), np.array(fx.X2)

describe("lumpy.integrate", function()
  describe("trapezoid", function()
    it("integrates with dx along either axis (1-based)", function()
      same(fx.trap_dx_ax0, I.trapezoid(Y, {dx = 0.25, axis = 1}))
      same(fx.trap_dx_ax1, I.trapezoid(Y, {dx = 0.25}))
      same(fx.trap_dx_ax1, I.trapezoid(Y, {dx = 0.25, axis = 2}))
    end)
    it("takes x as 1-d, same-shape, table or transposed arrays", function()
      same(fx.trap_x1, I.trapezoid(Y, X1))
      same(fx.trap_x1, I.trapezoid(fx.Y, fx.X1))
      same(fx.trap_x2, I.trapezoid(Y, X2))
      same(fx.trap_x2_ax0, I.trapezoid(Y.T, X2.T, {axis = 1}))
      same(fx.trap_x2, I.trapezoid(Y.T, X2.T, {axis = 1}))
      same(fx.trap_dx_ax0, I.trapezoid(Y.T, {dx = 0.25, axis = -1}))
    end)
    it("stepped, reversed and broadcast views", function()
      same(fx.trap_step, I.trapezoid(Y[{{}, {1, -1, 2}}], X1[{{1, -1, 2}}]))
      same(fx.trap_rev_ax0, I.trapezoid(Y[{{-1, 1, -1}, {}}], {dx = 0.5, axis = 1}))
      same(fx.trap_bcast, I.trapezoid(Y, X2[{{1, 1}, {}}]))
      same(fx.cum_rev, I.cumulative_trapezoid(Y[{{}, {-1, 1, -1}}], X1[{{-1, 1, -1}}],
        {initial = 1.5}))
    end)
    it("returns a number for 1-d input and accepts integer arrays", function()
      assert.are.equal(4, I.trapezoid{1, 2, 3})
      assert.are.equal(6.5, I.trapezoid({1, 2, 3}, {0, 1, 3}))
      assert.are.equal(0, I.trapezoid{5})
    end)
    it("rejects bad arguments", function()
      assert.has_error(function() I.trapezoid(Y, {0, 1}) end,
        "bad argument #2 to 'trapezoid' (x must have the length of y along the axis (7), got 2)")
      -- the options table is argument 2 when it takes x's place, else 3
      assert.has_error(function() I.trapezoid(Y, {axis = 3}) end,
        "bad argument #2 to 'trapezoid' (axis 3 is out of bounds for array of dimension 2)")
      assert.has_error(function() I.trapezoid(Y, nil, {axis = -3}) end,
        "bad argument #3 to 'trapezoid' (axis -3 is out of bounds for array of dimension 2)")
      assert.has_error(function() I.romb(Y, {axis = 0}) end,
        "bad argument #2 to 'romb' (axis 0 is out of bounds for array of dimension 2)")
      assert.has_error(function() I.trapezoid(Y, {foo = 1}) end,
        "bad argument #2 to 'trapezoid' (unknown option 'foo')")
      assert.has_error(function() I.trapezoid(Y, nil, {foo = 1}) end,
        "bad argument #3 to 'trapezoid' (unknown option 'foo')")
      assert.has_error(function() I.trapezoid(Y, {dx = "a"}) end,
        "bad argument #2 to 'trapezoid' (option 'dx' must be a number)")
      assert.has_error(function() I.trapezoid(Y, 3) end,
        "bad argument #2 to 'trapezoid' (array expected, got number)")
      assert.has_error(function() I.trapezoid(nil) end,
        "bad argument #1 to 'trapezoid' (array expected, got nil)")
      assert.has_error(function() I.trapezoid(np.array{{1, 2}}, np.ones{2, 2, 2}) end,
        "bad argument #2 to 'trapezoid' (x must be 1-d or have y's shape, got {2, 2, 2} and {1, 2})")
      local c = np.array{1, 2, 3}
      c:close()
      assert.has_error(function() I.trapezoid(c) end, "bad argument #1 to 'trapezoid' (array is closed)")
      assert.has_error(function() I.trapezoid(np.zeros(3, "complex128")) end,
        "bad argument #1 to 'trapezoid' (real array expected, got complex128)")
      assert.has_error(function() I.trapezoid(np.array(3.0)) end,
        "bad argument #1 to 'trapezoid' (at least 1-d array expected, got 0-d)")
      assert.has_error(function() I.trapezoid(Y, {axis = 1.5}) end,
        "bad argument #2 to 'trapezoid' (option 'axis' must be an integer)")
    end)
  end)

  describe("simpson", function()
    it("odd sample counts with dx and x (equal and unequal spacing)", function()
      same(fx.simp_dx_ax0, I.simpson(Y, {dx = 0.25, axis = 1}))
      same(fx.simp_dx_ax1, I.simpson(Y, {dx = 0.25}))
      same(fx.simp_x1, I.simpson(Y, X1))
      same(fx.simp_x2, I.simpson(Y, X2))
      same(fx.simp_x2, I.simpson(Y.T, X2.T, {axis = 1}))
    end)
    it("stepped views and x along the first axis", function()
      same(fx.simp_step, I.simpson(Y[{{}, {1, -1, 2}}], X1[{{1, -1, 2}}]))
      same(fx.simp_x2_ax0, I.simpson(Y, X2, {axis = 1}))
    end)
    it("even sample counts as SciPy 1.10 (even = avg by default, first, last)", function()
      local Y6, X6 = np.array(fx.Y6), np.array(fx.X6)
      same(fx.simp6_avg, I.simpson(Y6, {dx = 0.5}))
      for _, even in ipairs{"avg", "first", "last"} do
        same(fx["simp6_" .. even], I.simpson(Y6, {dx = 0.5, even = even}))
        same(fx["simp6x_" .. even], I.simpson(Y6, X6, {even = even}))
      end
      same(fx.simp_2, I.simpson({1, 3}, {dx = 2}))
    end)
    it("rejects a bad even", function()
      assert.has_error(function() I.simpson(Y, {even = "middle"}) end,
        "bad argument #2 to 'simpson' (option 'even' must be 'avg', 'first' or 'last')")
      assert.has_error(function() I.simpson(Y, nil, {even = "middle"}) end,
        "bad argument #3 to 'simpson' (option 'even' must be 'avg', 'first' or 'last')")
    end)
  end)

  describe("cumulative_trapezoid", function()
    it("keeps the axis one shorter, or as long with initial", function()
      same(fx.cum_dx_ax0, I.cumulative_trapezoid(Y, {dx = 0.25, axis = 1}))
      same(fx.cum_dx_ax1, I.cumulative_trapezoid(Y, {dx = 0.25}))
      same(fx.cum_x1, I.cumulative_trapezoid(Y, X1))
      same(fx.cum_x1_init, I.cumulative_trapezoid(Y, X1, {initial = 0}))
      assert.are.same({4, 6}, I.cumulative_trapezoid(Y).shape)
      local t = I.cumulative_trapezoid(Y.T, {axis = 1})
      assert.are.same({6, 4}, t.shape)
      same(fx.cum_dx_ax1, I.cumulative_trapezoid(Y.T, {dx = 0.25, axis = 1}).T:totable())
    end)
    it("rejects a non-number initial", function()
      assert.has_error(function() I.cumulative_trapezoid(Y, {initial = {}}) end,
        "bad argument #2 to 'cumulative_trapezoid' (option 'initial' must be a number)")
    end)
  end)

  describe("romb", function()
    it("Romberg on 2^k + 1 samples", function()
      same(fx.romb17, I.romb(fx.R17, {dx = 0.125}))
      same(fx.romb2, I.romb({fx.R17[1], fx.R17[2]}, {dx = 0.5}))
      local R = fx.R17
      local cols = {}
      for i = 1, 9 do cols[i] = {R[i], R[i + 8]} end
      same(fx.romb_2d_ax0, I.romb(np.array(cols), {axis = 1}))
      same(fx.romb_2d_ax0, I.romb(np.array(cols).T))
    end)
    it("is exact for cubics", function()
      local y = {}
      for i = 0, 8 do local x = i / 8; y[i + 1] = x ^ 3 - x end
      same(0.25 - 0.5, I.romb(y, {dx = 1 / 8}), 1e-15)
    end)
    it("rejects other sample counts", function()
      assert.has_error(function() I.romb{1, 2, 3, 4} end,
        "lumpy.integrate.romb: number of samples must be one plus a non-negative power of 2, got 4")
    end)
  end)
end)
