local np = require "lumpy"
local opt = np.optimize
local fx = dofile("spec/fixtures/optimize2.lua")

local function close(a, b, rtol, atol)
  return math.abs(a - b) <= (atol or 0) + (rtol or 1e-12) * math.abs(b)
end

local function dot(row, x)
  local s = 0
  for j = 1, #row do s = s + row[j] * x:get(j) end
  return s
end

local function options(c)
  return {A_ub = c.A_ub, b_ub = c.b_ub, A_eq = c.A_eq, b_eq = c.b_eq, bounds = c.bounds}
end

local CASES = {}
for _, c in ipairs(fx.linprog) do CASES[c.name] = c end

describe("lumpy.optimize", function()
  describe("linprog: textbook problems against HiGHS", function()
    for _, c in ipairs(fx.linprog) do
      it(c.name .. " (status " .. c.status .. ")", function()
        local r = opt.linprog(c.c, options(c))
        assert.are.equal(c.status, r.status)
        assert.are.equal(c.status == 0, r.success)
        assert.is_string(r.message)
        assert.is_number(r.nit)
        if c.status ~= 0 then
          assert.is_nil(r.x)
          return
        end
        assert.is_true(close(r.fun, c.fun, 1e-9, 1e-9), ("fun %.15g vs highs %.15g"):format(r.fun, c.fun))
        if c.known then assert.is_true(close(r.fun, c.known, 1e-12, 1e-12)) end
        -- feasibility of x, and slack/con as SciPy defines them
        local n = #c.c
        assert.are.equal(n, r.x.size)
        local lo, hi = {}, {}
        for j = 1, n do
          local b = c.bounds
          if b == nil then lo[j], hi[j] = 0, math.huge
          elseif type(b[1]) == "table" then lo[j], hi[j] = b[j][1], b[j][2]
          else lo[j], hi[j] = b[1], b[2] end
          local v = r.x:get(j)
          assert.is_true(v >= lo[j] - 1e-9 and v <= hi[j] + 1e-9, "bound " .. j)
        end
        if c.A_ub then
          assert.are.equal(#c.b_ub, r.slack.size)
          for i = 1, #c.b_ub do
            local s = c.b_ub[i] - dot(c.A_ub[i], r.x)
            assert.is_true(s >= -1e-9)
            assert.is_true(close(r.slack:get(i), s, 1e-9, 1e-9))
          end
        else
          assert.are.equal(0, r.slack.size)
        end
        if c.A_eq then
          for i = 1, #c.b_eq do
            assert.is_true(math.abs(c.b_eq[i] - dot(c.A_eq[i], r.x)) < 1e-9)
            assert.is_true(math.abs(r.con:get(i)) < 1e-9)
          end
        end
        -- fun is c'x
        local f = 0
        for j = 1, n do f = f + c.c[j] * r.x:get(j) end
        assert.is_true(close(r.fun, f, 1e-12, 1e-12))
      end)
    end
  end)

  describe("linprog: marginals (duals) as SciPy's", function()
    for _, name in ipairs{"scipy_doc", "wyndor", "eq_ub_bounds", "klee_minty6", "upper_bounded"} do
      it(name, function()
        local c = CASES[name]
        local r = opt.linprog(c.c, options(c))
        if c.ineq_marginals then
          for i = 1, #c.ineq_marginals do
            assert.is_true(close(r.ineqlin.marginals:get(i), c.ineq_marginals[i], 1e-9, 1e-9))
          end
        end
        if c.eq_marginals then
          for i = 1, #c.eq_marginals do
            assert.is_true(close(r.eqlin.marginals:get(i), c.eq_marginals[i], 1e-9, 1e-9))
          end
        end
      end)
    end

    it("strong duality: b'y + bound terms = c'x", function()
      local c = CASES.wyndor
      local r = opt.linprog(c.c, options(c))
      local s = 0
      for i = 1, 3 do s = s + c.b_ub[i] * r.ineqlin.marginals:get(i) end
      assert.is_true(close(s, r.fun, 1e-12))
      local d = CASES.scipy_doc
      r = opt.linprog(d.c, options(d))
      -- x2 sits at its lower bound -3 with reduced cost 6
      assert.is_true(close(r.lower.marginals:get(2), 6, 1e-12))
      assert.are.equal(0, r.upper.marginals:get(1))
    end)
  end)

  describe("linprog: inputs", function()
    it("bounds: default (0, inf), one pair for all, nil for none", function()
      local r = opt.linprog({1, 1}, {A_ub = {{-1, -1}}, b_ub = {-2}})
      assert.is_true(close(r.fun, 2, 1e-12))
      r = opt.linprog({1, 1}, {A_ub = {{-1, -1}}, b_ub = {-2}, bounds = {1.5, nil}})
      assert.is_true(close(r.fun, 3, 1e-12))
      r = opt.linprog({1, -1}, {bounds = {{nil, 3}, {-math.huge, 4}}, A_ub = {{-1, 0}}, b_ub = {5}})
      assert.is_true(close(r.fun, -9, 1e-12))
      r = opt.linprog({1}, {bounds = {{nil, nil}}})
      assert.are.equal(3, r.status)
      r = opt.linprog({0, 0}, {bounds = {{nil, nil}, {nil, nil}}})
      assert.are.equal(0, r.status)
      assert.are.equal(0, r.fun)
    end)

    it("arrays, including transposed and stepped views", function()
      local c = CASES.wyndor
      local At = np.array{{1, 0, 3}, {0, 2, 2}}.T               -- A_ub, transposed
      local bs = np.array{{4, 0}, {12, 0}, {18, 0}}.T[1]         -- b_ub, stride 2
      local cs = np.array{{-3, 7}, {-5, 7}}.T[1]
      local r1 = opt.linprog(np.array(c.c), {A_ub = np.array(c.A_ub), b_ub = np.array(c.b_ub)})
      local r2 = opt.linprog(cs, {A_ub = At, b_ub = bs})
      assert.is_true(close(r1.fun, -36, 1e-12))
      assert.are.equal(r1.fun, r2.fun)
      for j = 1, 2 do assert.are.equal(r1.x:get(j), r2.x:get(j)) end
      local r3 = opt.linprog(np.array{1, 2, 3}, {A_eq = np.ones{1, 3}, b_eq = np.array{6},
        A_ub = np.array{{-1.0, 0, 0}}, b_ub = {-1}, bounds = {0, 5}})
      assert.is_true(close(r3.fun, 7, 1e-12))
    end)

    it("iteration limit: status 1 with the current point", function()
      local c = CASES.klee_minty6
      local r = opt.linprog(c.c, {A_ub = c.A_ub, b_ub = c.b_ub, options = {maxiter = 2}})
      assert.are.equal(1, r.status)
      assert.is_false(r.success)
      assert.are.equal(2, r.nit)
      assert.are.equal("Iteration limit reached.", r.message)
      r = opt.linprog(c.c, {A_ub = c.A_ub, b_ub = c.b_ub, maxiter = 0})
      assert.are.equal(1, r.status)
    end)

    it("rejects malformed problems", function()
      local function msg(c, o)
        local ok, err = pcall(opt.linprog, c, o)
        assert.is_false(ok)
        return err
      end
      assert.truthy(msg({1, 2}, {A_ub = {{1, 2, 3}}, b_ub = {1}}):find("2 columns", 1, true))
      assert.truthy(msg({1, 2}, {A_ub = {{1, 2}}, b_ub = {1, 2}}):find("b_ub must have 1", 1, true))
      assert.truthy(msg({1, 2}, {A_ub = {{1, 2}}}):find("without b_ub", 1, true))
      assert.truthy(msg({1, 2}, {b_ub = {1}}):find("without A_ub", 1, true))
      assert.truthy(msg({1, 2}, {A_eq = {1, 2}, b_eq = {1}}):find("2-d", 1, true))
      assert.truthy(msg({1, 2}, {A_eq = {{1, 2}}}):find("without b_eq", 1, true))
      assert.truthy(msg({1, 2}, {bounds = {{0, 1}}}):find("1 bounds given for 2", 1, true))
      assert.truthy(msg({1, 2}, {bounds = {{2, 1}, {0, 1}}}):find("exceeds", 1, true))
      assert.truthy(msg({1, 2}, {bounds = {math.huge, nil}}):find("wrong side", 1, true))
      assert.truthy(msg({1, 2}, {bounds = {0 / 0, 1}}):find("NaN", 1, true))
      assert.truthy(msg({1, 2}, {bounds = {"a", 1}}):find("number", 1, true))
      assert.truthy(msg({1, 2}, {bogus = 1}):find("unknown option", 1, true))
      assert.truthy(msg({1, 2}, {method = "bogus"}):find("unknown method", 1, true))
      assert.truthy(msg({1, 2}, {maxiter = -1}):find("maxiter", 1, true))
      assert.truthy(msg({1, 2}, {tol = 0}):find("tol", 1, true))
      assert.truthy(msg({{1, 2}}, {}):find("1-d", 1, true))
      assert.truthy(msg({1, 0 / 0}, {}):find("finite", 1, true))
      assert.truthy(msg({1, 2}, {A_ub = {{1, 0 / 0}}, b_ub = {1}}):find("finite", 1, true))
      assert.truthy(msg({1, 2}, 5):find("options table", 1, true))
      assert.has_error(function() opt.linprog({1, "a"}) end,
        "cannot make an array from a table holding a string")
    end)

    it("a larger dense LP stays fast and exact", function()
      local c = CASES.random4
      local t0 = os.clock()
      local r = opt.linprog(c.c, options(c))
      assert.is_true(os.clock() - t0 < 1)
      assert.is_true(close(r.fun, c.fun, 1e-9, 1e-9))
    end)
  end)
end)
