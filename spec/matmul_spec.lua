local np = require "lumpy"
local F = require "fixtures.linalg"

local H = require "helpers.layouts"
local T, arr, spread, reverse = H.T, H.arr, H.spread, H.reverse

-- the same matrix (or stack) as contiguous, transposed (Fortran-ordered),
-- stepped (a range view with step 2 of a bigger array) and negative-step
-- (a reversed range view) arrays
local function variants(v)
  local out = {contiguous = arr(v)}
  local function build(f)
    if v.re then return np.complex(np.array(f(v.re)), np.array(f(v.im))) end
    return np.array(f(v))
  end
  local three = type((v.re or v)[1][1]) == "table"
  local step = three and {{}, {1, -1, 2}, {1, -1, 2}} or {{1, -1, 2}, {1, -1, 2}}
  local back = three and {{}, {-1, 1, -1}, {-1, 1, -1}} or {{-1, 1, -1}, {-1, 1, -1}}
  out.transposed = build(T).T
  out.stepped = build(spread)[step]
  out.negative_step = build(reverse)[back]
  if not v.re then
    out.stepped_real = np.complex(np.array(v), 0).real
    out.stepped_transposed = np.complex(np.array(T(v)), 0).real.T
  end
  return out
end

local function parts(x)
  if type(x) == "number" then return x, 0 end
  if type(x) == "table" then
    if x.re then return x.re, x.im end
    return x, nil
  end
  if np.isarray(x) then
    if x.dtype == "complex128" then return x.real:totable(), x.imag:totable() end
    return x:totable(), nil
  end
  return x.re, x.im
end

-- a nested table of zeros shaped like t
local function zeroslike(t)
  if type(t) ~= "table" then return 0 end
  local z = {}
  for i = 1, #t do z[i] = zeroslike(t[i]) end
  return z
end

local function cmp(a, e, tol, path)
  if type(e) == "table" then
    assert(type(a) == "table", "shape differs at " .. path)
    assert(#a == #e, "length differs at " .. path .. ": " .. #a .. " vs " .. #e)
    for i = 1, #e do cmp(a[i], e[i], tol, path .. "[" .. i .. "]") end
  else
    if type(a) == "boolean" then a = a and 1 or 0 end
    if type(e) == "boolean" then e = e and 1 or 0 end
    assert(type(a) == "number", "number expected at " .. path)
    assert(math.abs(a - e) <= tol * (1 + math.abs(e)), string.format("%s: %.17g vs %.17g", path, a, e))
  end
end

local function close(actual, expected, tol)
  tol = tol or 1e-12
  local ar, ai = parts(actual)
  local er, ei = parts(expected)
  cmp(ar, er, tol, "re")
  if type(ei) == "table" then cmp(ai, ei, tol, "im")
  elseif ai and ai ~= 0 then
    -- a real expectation: a complex result must have no imaginary part
    cmp(ai, zeroslike(ai), tol, "im")
  end
end

local function fails(f, msg)
  local ok, err = pcall(f)
  assert(not ok, "expected an error containing: " .. msg)
  assert(tostring(err):find(msg, 1, true), "error was: " .. tostring(err))
end

describe("lumpy.linalg", function()
  describe("matmul", function()
    it("multiplies float64 matrices in every layout", function()
      for _, a in pairs(variants(F.A)) do
        for _, b in pairs(variants(F.B)) do
          close(np.matmul(a, b), F.matmul_AB)
          close(a:matmul(b), F.matmul_AB)
        end
      end
    end)
    it("multiplies complex and float32 matrices", function()
      for _, z in pairs(variants(F.Z)) do close(np.matmul(z, arr(F.Z)), F.matmul_ZZ) end
      local c = np.matmul(np.array(F.A, "float32"), np.array(F.B, "float32"))
      assert.are.equal("float32", c.dtype)
      close(c, F.matmul_AB, 1e-5)
      assert.are.equal("complex128", np.matmul(np.array(F.A), arr({re = F.B, im = F.B})).dtype)
      assert.are.equal("float64", np.matmul(np.array(F.A, "float32"), np.array(F.B)).dtype)
    end)
    it("promotes 1-d operands and drops the added dimension", function()
      for _, a in pairs(variants(F.A)) do
        local v = np.matmul(a, np.array(F.b))
        assert.are.same({4}, v.shape)
        close(v, F.matmul_vec)
        close(np.matmul(np.array(F.b), a), F.matmul_vecmat)
        close(np.matmul(np.complex(np.array(F.b), 0).real, a), F.matmul_vecmat)
      end
      local s = np.matmul(np.array{1.0, 2, 3}, np.array{4.0, 5, 6})
      assert.are.equal(32.0, s)
      assert.are.equal(32, np.matmul(np.array{1, 2, 3}, np.array{4, 5, 6}))
    end)
    it("broadcasts batch dimensions", function()
      for _, bt in pairs(variants(F.Bt)) do
        close(np.matmul(bt, np.array(F.Bt)), F.matmul_batch)
        local a3 = {}
        for i = 1, 3 do a3[i] = {F.A[i][1], F.A[i][2], F.A[i][3]} end
        close(np.matmul(bt, np.array(a3)), F.matmul_bcast)
        assert.are.same({2, 3, 3}, np.matmul(np.array(a3), bt).shape)
      end
      assert.are.same({5, 2, 3, 4}, np.matmul(np.ones{5, 1, 3, 2}, np.ones{2, 2, 4}).shape)
      assert.are.same({2, 3}, np.matmul(np.ones{2, 3, 4}, np.ones(4)).shape)
    end)
    it("computes integer and bool products with a plain loop", function()
      local mi = np.array(F.Mi, "int32")
      local r = np.matmul(mi, mi.T)
      assert.are.equal("int32", r.dtype)
      close(r, F.matmul_int, 0)
      local b = np.matmul(np.array{{true, false}, {false, false}}, np.array{{false, true}, {true, false}})
      assert.are.equal("bool", b.dtype)
      close(b, F.matmul_bool, 0)
      local m = np.matmul(np.array{{1, 2}}, np.array{{0.5}, {0.25}})
      assert.are.equal("float64", m.dtype)
      close(m, {{1.0}})
    end)
    it("handles empty dimensions", function()
      local z = np.matmul(np.ones{2, 0}, np.ones{0, 3})
      assert.are.same({2, 3}, z.shape)
      close(z, {{0, 0, 0}, {0, 0, 0}}, 0)
      assert.are.same({0, 3}, np.matmul(np.ones{0, 2}, np.ones{2, 3}).shape)
    end)
    it("writes into out", function()
      local out = np.zeros{4, 2}
      local r = np.matmul(np.array(F.A), np.array(F.B), out)
      assert.are.equal(out, r)
      close(out, F.matmul_AB)
      local o32 = np.zeros({4, 2}, "float32")
      np.matmul(np.array(F.A), np.array(F.B), o32)
      close(o32, F.matmul_AB, 1e-6)
      fails(function() np.matmul(np.array(F.A), np.array(F.B), np.zeros{2, 4}) end,
        "matmul: output array has shape {2, 4}, expected {4, 2}")
    end)
    it("reports mismatched core dimensions and bad operands", function()
      fails(function() np.matmul(np.ones{2, 3}, np.ones{4, 5}) end,
        "matmul: Input operand 1 has a mismatch in its core dimension 0, with gufunc signature " ..
        "(n?,k),(k,m?)->(n?,m?) (size 4 is different from 3); shapes {2, 3} and {4, 5}")
      fails(function() np.matmul(np.ones(3), np.ones(4)) end, "(size 4 is different from 3)")
      fails(function() np.matmul(np.ones{2, 2, 2}, np.ones{3, 2, 2}) end,
        "matmul: operands could not be broadcast together with shapes {2, 2, 2} {3, 2, 2}")
      fails(function() np.matmul(np.ones{2, 2}, 3) end, "Input operand 1 does not have enough dimensions")
      fails(function() np.matmul(3, np.ones{2, 2}) end, "Input operand 0 does not have enough dimensions")
      fails(function() np.matmul(np.ones{2, 2}) end, "bad argument #2 to 'matmul'")
      local a = np.ones{2, 2}
      a:close()
      fails(function() np.matmul(a, np.ones{2, 2}) end, "array is closed")
    end)
    it("leaves its operands unchanged", function()
      local a, b = np.array(F.A), np.array(F.B)
      np.matmul(a, b)
      close(a, F.A, 0); close(b, F.B, 0)
    end)
  end)

  describe("dot, vdot, inner", function()
    it("dot agrees with matmul up to 2-d", function()
      for _, a in pairs(variants(F.A)) do
        close(np.dot(a, np.array(F.B)), F.matmul_AB)
        close(a:dot(np.array(F.b)), F.matmul_vec)
      end
      assert.are.equal(14.0, np.dot(np.array{1.0, 2, 3}, np.array{1.0, 2, 3}))
      close(np.dot(2, np.array{1.0, 2}), {2, 4})
      close(np.dot(np.array{{1, 2}}, 3), {{3, 6}}, 0)
    end)
    it("dot sums over the last axis of a and the second-to-last of b", function()
      local q = np.array(F.Q3)
      local b2 = np.array{{0.0, 1}, {2, 3}, {4, 5}, {6, 7}}
      close(np.dot(q, b2), F.dot_nd)
      local b3 = {}
      for i = 1, 3 do
        b3[i] = {}
        for j = 1, 4 do b3[i][j] = {(i - 1) * 8 + (j - 1) * 2, (i - 1) * 8 + (j - 1) * 2 + 1} end
      end
      local r = np.dot(q, np.array(b3, "float64"))
      assert.are.same({2, 3, 3, 2}, r.shape)
      close(r, F.dot_nd_3)
      fails(function() np.dot(q, np.ones{3, 2}) end, "dot: shapes {2, 3, 4} and {3, 2} not aligned")
    end)
    it("vdot conjugates its first argument", function()
      local zb = arr(F.zb)
      local rev = np.complex(np.array{F.zb.re[3], F.zb.re[2], F.zb.re[1]},
                             np.array{F.zb.im[3], F.zb.im[2], F.zb.im[1]})
      local v = np.vdot(zb, rev)
      close(v, F.vdot_z)
      assert.are.equal(20.0, np.vdot(np.array{{1.0, 2}, {3, 0}}, np.array{{4.0, 5}, {2, 9}}))
      fails(function() np.vdot(np.ones(3), np.ones(4)) end, "vdot: cannot take the inner product")
    end)
    it("inner sums over the last axes", function()
      local bt = T(F.B)
      close(np.inner(np.array(F.A), np.array(bt)), F.inner_AB)
      assert.are.equal(32, np.inner(np.array{1, 2, 3}, np.array{4, 5, 6}))
      fails(function() np.inner(np.ones{2, 3}, np.ones{2, 4}) end, "inner: shapes {2, 3} and {2, 4} not aligned")
    end)
  end)
end)
