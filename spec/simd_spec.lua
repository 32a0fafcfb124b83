-- The kernels with vector-instruction builds (exp, the float operators, the
-- long-vector least-squares kernels, L-BFGS-B's two-loop recursion) run at
-- every level this CPU offers, chosen with lumpy.config{simd = ...}, against
-- the C library (math.exp), Lua's own arithmetic and closed-form answers.
local np = require "lumpy"
local opt = np.optimize
-- SciPy's L-BFGS-B on the 100-d Rosenbrock function (gen_optimize.py)
local big
for _, c in ipairs(dofile("spec/fixtures/optimize.lua").big) do
  if not c.bounded then big = c end
end

local LEVELS = {none = 0, avx2 = 1, avx512 = 2}
local cpu = np.config().simd_cpu
local levels = {}
for _, name in ipairs{"none", "avx2", "avx512"} do
  if LEVELS[name] <= LEVELS[cpu] then levels[#levels + 1] = name end
end

-- runs f at the level, then restores the CPU's own level whatever happens
local function at(level, f)
  np.config{simd = level}
  local ok, err = pcall(f)
  np.config{simd = "native"}
  if not ok then error(err, 0) end
end

describe("lumpy simd levels", function()
  it("config reports and sets the level", function()
    assert.are.equal(cpu, np.config().simd)
    assert.truthy(LEVELS[cpu])
    for _, name in ipairs(levels) do
      assert.are.equal(name, np.config{simd = name}.simd)
      assert.are.equal(name, np.config().simd)
      assert.are.equal(cpu, np.config().simd_cpu)
    end
    assert.are.equal(cpu, np.config{simd = "native"}.simd)
  end)

  it("config rejects unknown and unavailable levels", function()
    assert.has_error(function() np.config{simd = 2} end,
      "bad argument #1 to 'config' (simd must be 'none', 'avx2', 'avx512' or 'native')")
    assert.has_error(function() np.config{simd = "sse9"} end,
      "bad argument #1 to 'config' (simd must be 'none', 'avx2', 'avx512' or 'native', got 'sse9')")
    if cpu ~= "avx512" then
      assert.has_error(function() np.config{simd = "avx512"} end,
        "bad argument #1 to 'config' (this CPU has no avx512 (it offers '" .. cpu .. "'))")
    end
    assert.are.equal(cpu, np.config().simd)
  end)

  for _, level in ipairs(levels) do
    describe(level, function()
      it("exp agrees with the C library's to 2 ulp, specials included", function()
        at(level, function()
          local n = 4001
          local x = np.linspace(-746, 710, n)
          local y = np.exp(x)
          for i = 1, n do
            local e, g = math.exp(x:get(i)), y:get(i)
            if e == 0 or e == math.huge then
              assert.are.equal(e, g)
            else
              assert.is_true(math.abs(g - e) <= 4.5e-16 * e, ("x = %.17g"):format(x:get(i)))
            end
          end
          local sp = np.exp(np.array{0 / 0, math.huge, -math.huge, 0.0, 709.5, -708.5, -745.5, 1})
          assert.is_true(sp:get(1) ~= sp:get(1))
          assert.are.same({math.huge, 0.0, 1.0, math.exp(709.5), math.exp(-708.5),
            math.exp(-745.5), math.exp(1)}, {sp:get(2), sp:get(3), sp:get(4), sp:get(5),
            sp:get(6), sp:get(7), sp:get(8)})
        end)
      end)

      it("the float operators equal Lua's arithmetic on every operand layout", function()
        at(level, function()
          local n = 1003
          local a, b = np.linspace(-3, 5, n), np.linspace(0.5, 7, n)
          local af, bf = a:astype("float32"), b:astype("float32")
          local cases = {
            {"+", a + b, function(p, q) return p + q end},
            {"-", a - b, function(p, q) return p - q end},
            {"*", a * b, function(p, q) return p * q end},
            {"/", a / b, function(p, q) return p / q end},
          }
          for _, c in ipairs(cases) do
            local got, f = c[2], c[3]
            for i = 1, n do assert.are.equal(f(a:get(i), b:get(i)), got:get(i), c[1]) end
          end
          local s1, s2 = a * 2.5, 2.5 / b
          for i = 1, n do
            assert.are.equal(a:get(i) * 2.5, s1:get(i))
            assert.are.equal(2.5 / b:get(i), s2:get(i))
          end
          -- float32: each result is the float64 result rounded once (by
          -- string.pack's C float conversion, round to nearest)
          local f32 = af * bf
          for i = 1, n do
            local want = string.unpack("f", string.pack("f", af:get(i) * bf:get(i)))
            assert.are.equal(want, f32:get(i))
          end
        end)
      end)

      it("curve_fit on 400 exact points finds the parameters", function()
        at(level, function()
          local x = np.linspace(0, 4, 400)
          local y = np.exp(x * -1.3) * 2.5 + 0.5
          local p = opt.curve_fit(function(xs, a, b, c) return np.exp(xs * -b) * a + c end,
            x, y, {1, 1, 1})
          assert.is_true(math.abs(p:get(1) - 2.5) < 1e-9 and math.abs(p:get(2) - 1.3) < 1e-9
            and math.abs(p:get(3) - 0.5) < 1e-9, ("%.17g %.17g %.17g"):format(p:get(1), p:get(2), p:get(3)))
        end)
      end)

      it("L-BFGS-B follows SciPy's path on the 100-d Rosenbrock function", function()
        at(level, function()
          local t = {}
          for i = 1, 100 do t[i] = i % 2 == 1 and -1.2 or 1.0 end
          local r = opt.minimize(opt.rosen, np.array(t), {method = "L-BFGS-B", jac = opt.rosen_der})
          assert.is_true(r.success)
          -- an optimizer can converge through a wrong kernel: the evaluation
          -- count and the point reached are SciPy's, not just "near 1"
          assert.is_true(r.fun <= big.fun + 1e-9, ("fun %.12g vs scipy %.12g"):format(r.fun, big.fun))
          assert.is_true(math.abs(r.nfev - big.nfev) <= 0.1 * big.nfev,
            ("nfev %d vs scipy %d"):format(r.nfev, big.nfev))
          for i = 1, 100 do
            assert.is_true(math.abs(r.x:get(i) - big.x[i]) < 1e-4,
              ("x[%d] %.12g vs scipy %.12g"):format(i, r.x:get(i), big.x[i]))
          end
        end)
      end)
    end)
  end
end)
