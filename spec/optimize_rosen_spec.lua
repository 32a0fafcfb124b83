local np = require "lumpy"
local opt = np.optimize
local fx = dofile("spec/fixtures/rosen.lua")

-- the fixture's flat values as an array of its shape
local function build(flat, shape)
  if #shape == 0 then return np.array(flat[1]) end
  return np.array(flat):reshape(shape)
end

-- the same values as a stepped view (every other element of a padded array)
local function stepped(flat)
  local t = {}
  for i = 1, #flat do t[2 * i - 1], t[2 * i] = flat[i], 99.5 end
  return np.array(t)[{{1, -1, 2}}]
end

-- the same values as a reversed (negative step) view
local function reversed(flat)
  local t = {}
  for i = 1, #flat do t[#flat + 1 - i] = flat[i] end
  return np.array(t)[{{-1, 1, -1}}]
end

-- an n-d array with x's values laid out in reverse axis order, transposed
-- back: same values, Fortran strides
local function transposed(flat, shape)
  local a = build(flat, shape)
  local rev = {}
  for i = #shape, 1, -1 do rev[#rev + 1] = shape[i] end
  local b = np.empty(rev)
  b.T[{}] = a
  return b.T
end

local function check(got, c, tol)
  if type(got) == "number" then
    assert.are.equal(0, #c.wshape)
    assert.is_true(math.abs(got - c.want) <= tol * math.abs(c.want),
      ("%.17g vs %.17g"):format(got, c.want))
    return
  end
  assert.are.same(c.wshape, got.shape)
  local flat = got:flatten():totable()
  assert.are.equal(#c.want, #flat)
  for i = 1, #flat do
    assert.is_true(math.abs(flat[i] - c.want[i]) <= tol * math.abs(c.want[i]),
      ("element %d: %.17g vs %.17g"):format(i, flat[i], c.want[i]))
  end
end

-- f(...) raises "bad argument #k to '<name>' (msg)" (the name Lua finds
-- depends on how f was reached)
local function argerr(k, msg, f, ...)
  local ok, err = pcall(f, ...)
  assert.is_false(ok)
  err = tostring(err)
  assert.is_truthy(err:find(("bad argument #%d to '"):format(k), 1, true), err)
  assert.is_truthy(err:find("(" .. msg .. ")", 1, true), err)
end

local function call(c, x, p)
  if c.fn == "rosen_hess_prod" then return opt.rosen_hess_prod(x, p) end
  return opt[c.fn](x)
end

describe("lumpy.optimize", function()
  for _, fn in ipairs{"rosen", "rosen_der", "rosen_hess", "rosen_hess_prod"} do
    describe(fn, function()
      for _, c in ipairs(fx) do
        if c.fn == fn then
          local sh = table.concat(c.shape, "x")
          it(("matches SciPy to the last bit on a contiguous %s array"):format(sh), function()
            check(call(c, build(c.x, c.shape), c.p and np.array(c.p)), c, 0)
          end)
          if #c.shape == 1 then
            it(("matches SciPy on a %s Lua table, stepped and reversed views"):format(sh), function()
              check(call(c, c.x, c.p), c, 0)
              check(call(c, stepped(c.x), c.p and stepped(c.p)), c, 0)
              check(call(c, reversed(c.x), c.p and reversed(c.p)), c, 0)
            end)
            if c.shape[1] > 0 then
              it(("casts a float32 %s input and returns float64"):format(sh), function()
                local xi = np.array(c.x):astype("float32")
                local r = call(c, xi, c.p and np.array(c.p):astype("float32"))
                if type(r) ~= "number" then assert.are.equal("float64", r.dtype) end
                local xd = xi:astype("float64")
                local want = call(c, xd, c.p and np.array(c.p):astype("float32"):astype("float64"))
                if type(r) == "number" then assert.are.equal(want, r)
                else assert.are.same(want:totable(), r:totable()) end
              end)
            end
          else
            it(("matches SciPy on a transposed %s array and nested tables"):format(sh), function()
              check(call(c, transposed(c.x, c.shape)), c, 0)
              check(call(c, build(c.x, c.shape):totable()), c, 0)
            end)
          end
        end
      end
    end)
  end

  describe("rosen helpers", function()
    it("find the minimum at ones with L-BFGS-B as SciPy (n = 20)", function()
      local x0 = {}
      for i = 1, 20 do x0[i] = i % 2 == 1 and -1.2 or 1.0 end
      local r = opt.minimize(opt.rosen, x0, {method = "L-BFGS-B", jac = opt.rosen_der})
      assert.is_true(r.success)
      -- SciPy's run (gen_rosen.py): its iteration count and evaluations, its
      -- point to the default gtol's accuracy (1e-5 on the gradient)
      local ref = fx.lbfgsb20
      assert.is_true(math.abs(r.nit - ref.nit) <= 0.1 * ref.nit, ("nit %d vs %d"):format(r.nit, ref.nit))
      assert.is_true(math.abs(r.nfev - ref.nfev) <= 0.1 * ref.nfev, ("nfev %d vs %d"):format(r.nfev, ref.nfev))
      assert.is_true(r.fun <= 1e-8, "fun " .. r.fun)
      for i = 1, 20 do
        assert.is_true(math.abs(r.x:get(i) - ref.x[i]) < 1e-4,
          ("x[%d] %.12g vs scipy %.12g"):format(i, r.x:get(i), ref.x[i]))
      end
      assert.are.same(np.zeros(20):totable(), opt.rosen_der(np.ones(20)):totable())
      assert.are.equal(0, opt.rosen(np.ones(20)))
    end)

    it("reject non-numeric input", function()
      for _, fn in ipairs{"rosen", "rosen_der", "rosen_hess"} do
        argerr(1, "array expected, got string", opt[fn], "abc")
        argerr(1, "array expected, got boolean", opt[fn], true)
        argerr(1, "array expected, got no value", opt[fn])
        assert.has_error(function() opt[fn]({1, "a", 3}) end,
          "cannot make an array from a table holding a string")
        argerr(1, "real array expected, got complex128", opt[fn], np.array{1, 2, 3} * np.complex(0, 1))
      end
      argerr(2, "array expected, got string", opt.rosen_hess_prod, {1, 2}, "p")
    end)

    it("reject closed arrays", function()
      local a = np.array{1, 2, 3}
      a:close()
      for _, fn in ipairs{"rosen", "rosen_der", "rosen_hess"} do
        argerr(1, "array is closed", opt[fn], a)
      end
      argerr(1, "array is closed", opt.rosen_hess_prod, a, {1, 2, 3})
      argerr(2, "array is closed", opt.rosen_hess_prod, {1, 2, 3}, a)
    end)

    it("reject scalars and too short or n-d input where SciPy fails", function()
      argerr(1, "array of at least 1 dimension expected, got shape {}", opt.rosen, 3)
      argerr(1, "array with at least 2 elements along its first axis expected, got shape {1}", opt.rosen_der, {1})
      argerr(1, "array with at least 2 elements along its first axis expected, got shape {0}", opt.rosen_der, {})
      argerr(1, "1-d array of at least 2 elements expected, got shape {1}", opt.rosen_hess, {1})
      argerr(1, "1-d array of at least 2 elements expected, got shape {2, 2}", opt.rosen_hess, {{1, 2}, {3, 4}})
      argerr(1, "1-d array of at least 2 elements expected, got shape {2, 2}", opt.rosen_hess_prod, {{1, 2}, {3, 4}}, {1, 2})
    end)

    it("reject p of the wrong length or shape", function()
      argerr(2, "p must have 3 elements like x, got 2", opt.rosen_hess_prod, {1, 2, 3}, {1, 2})
      argerr(2, "p must have 3 elements like x, got 4", opt.rosen_hess_prod, {1, 2, 3}, {1, 2, 3, 4})
      argerr(2, "array expected, got no value", opt.rosen_hess_prod, {1, 2, 3})
      argerr(2, "1-d array expected, got shape {1, 3}", opt.rosen_hess_prod, {1, 2, 3}, {{1, 2, 3}})
    end)
  end)
end)
