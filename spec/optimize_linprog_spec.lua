local np = require "lumpy"
local opt = np.optimize
local fx = dofile("spec/fixtures/optimize.lua")

local function close(a, b, rtol, atol)
  return math.abs(a - b) <= (atol or 0) + (rtol or 1e-12) * math.abs(b)
end

-- the fixture writes missing bounds as +-1e300; here they become nil
local function bounds_of(c)
  local b = {}
  for i, p in ipairs(c.bounds) do
    b[i] = {p[1] > -1e299 and p[1] or nil, p[2] < 1e299 and p[2] or nil}
  end
  return b
end

describe("lumpy.optimize", function()
  describe("linprog", function()
    for k, c in ipairs(fx.lps) do
      it(("random LP %d (n = %d) matches SciPy (status %d)"):format(k, #c.c, c.status), function()
        local b = bounds_of(c)
        local r = opt.linprog(c.c, {A_ub = c.A_ub, b_ub = c.b_ub, A_eq = c.A_eq, b_eq = c.b_eq, bounds = b})
        assert.are.equal(c.status, r.status)
        if c.status == 0 then
          assert.is_true(r.success)
          assert.is_true(close(r.fun, c.fun, 1e-8, 1e-8), ("fun %.12g vs %.12g"):format(r.fun, c.fun))
          for i = 1, #c.c do
            local v = r.x:get(i)
            if b[i][1] then assert.is_true(v >= b[i][1] - 1e-9) end
            if b[i][2] then assert.is_true(v <= b[i][2] + 1e-9) end
          end
          if c.A_ub then for i = 1, r.slack.size do assert.is_true(r.slack:get(i) >= -1e-8) end end
          if c.A_eq then for i = 1, r.con.size do assert.is_true(math.abs(r.con:get(i)) < 1e-8) end end
        end
      end)
    end

    it("solves SciPy's documentation example", function()
      local r = opt.linprog({-1, 4}, {A_ub = {{-3, 1}, {1, 2}}, b_ub = {6, 4},
        bounds = {{nil, nil}, {-3, nil}}})
      assert.is_true(close(r.fun, -22, 1e-12))
      assert.is_true(close(r.x:get(1), 10, 1e-12))
      assert.is_true(close(r.x:get(2), -3, 1e-12))
      assert.is_true(close(r.slack:get(1), 39, 1e-12))
    end)

    it("accepts arrays and a single bounds pair", function()
      local r = opt.linprog(np.array{1, 1}, {A_ub = np.array{{-1, -1}}, b_ub = np.array{-1}, bounds = {0, 2}})
      assert.is_true(close(r.fun, 1, 1e-12))
    end)

    it("reports infeasible and unbounded problems", function()
      local r = opt.linprog({1, 1}, {A_ub = {{-1, -1}}, b_ub = {-5}, bounds = {0, 2}})
      assert.are.equal(2, r.status)
      assert.is_false(r.success)
      r = opt.linprog({-1, -1}, {A_ub = {{1, -1}}, b_ub = {1}})
      assert.are.equal(3, r.status)
      r = opt.linprog({1}, {bounds = {{2, 1}}})
      assert.are.equal(2, r.status)
    end)

    it("stops at maxiter", function()
      local c = fx.lps[1]
      local r = opt.linprog(c.c, {A_ub = c.A_ub, b_ub = c.b_ub, A_eq = c.A_eq, b_eq = c.b_eq,
        bounds = bounds_of(c), options = {maxiter = 1}})
      assert.are.equal(1, r.status)
    end)

    it("rejects bad arguments", function()
      assert.has_error(function() opt.linprog({1, 1}, {A_ub = {{1, 1, 1}}, b_ub = {1}}) end)
      assert.has_error(function() opt.linprog({1, 1}, {A_ub = {{1, 1}}, b_ub = {1, 2}}) end)
      assert.has_error(function() opt.linprog({1, 1}, {A_ub = {{1, 1}}}) end)
      assert.has_error(function() opt.linprog({1, 1}, {bounds = {{0, 1}}}) end)
      assert.has_error(function() opt.linprog({1, 1}, {bounds = {{0, "x"}, {0, 1}}}) end)
      assert.has_error(function() opt.linprog({1, 1}, {method = "interior-point-x"}) end)
      assert.has_error(function() opt.linprog({1, 1}, {nope = true}) end)
      assert.has_error(function() opt.linprog({}, {}) end)
    end)
  end)
end)
