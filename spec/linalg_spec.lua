local np = require "lumpy"
local F = require "fixtures.linalg"
local la = np.linalg

-- ---- helpers --------------------------------------------------------------

local H = require "helpers.layouts"
local T, arr, spread, reverse = H.T, H.arr, H.spread, H.reverse

-- the same matrix (or stack) as contiguous, transposed (Fortran-ordered),
-- stepped (a range view with step 2 of a bigger array) and negative-step
-- (a reversed range view) arrays
local function variants(v, dtype)
  local out = {contiguous = dtype and np.array(v, dtype) or arr(v)}
  local function build(f)
    if v.re then return np.complex(np.array(f(v.re)), np.array(f(v.im))) end
    return np.array(f(v), dtype)
  end
  local three = type((v.re or v)[1][1]) == "table"
  local step = three and {{}, {1, -1, 2}, {1, -1, 2}} or {{1, -1, 2}, {1, -1, 2}}
  local back = three and {{}, {-1, 1, -1}, {-1, 1, -1}} or {{-1, 1, -1}, {-1, 1, -1}}
  out.transposed = build(T).T
  out.stepped = build(spread)[step]
  out.negative_step = build(reverse)[back]
  if not v.re and not dtype then
    out.stepped_real = np.complex(np.array(v), 0).real
    out.stepped_transposed = np.complex(np.array(T(v)), 0).real.T
  end
  return out
end

-- Lua values (numbers, complex scalars, arrays) as {re, im} nested tables
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
  return x.re, x.im     -- complex scalar
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
    assert(type(a) == "number", "number expected at " .. path)
    local ok = math.abs(a - e) <= tol * (1 + math.abs(e)) or (a ~= a and e ~= e)
    assert(ok, string.format("%s: %.17g vs %.17g", path, a, e))
  end
end

local function close(actual, expected, tol)
  tol = tol or 1e-10
  local ar, ai = parts(actual)
  local er, ei = parts(expected)
  cmp(ar, er, tol, "re")
  if ei and type(ei) == "table" then cmp(ai, ei, tol, "im")
  elseif ei and ei ~= 0 then cmp(ai, ei, tol, "im")
  elseif ai and ai ~= 0 then
    -- a real expectation: a complex result must have no imaginary part
    cmp(ai, zeroslike(ai), tol, "im")
  end
end

-- entries of an array as a flat list of complex-ish {re, im} pairs
local function flat(x)
  local re, im = parts(x)
  local out = {}
  local function walk(r, i)
    if type(r) == "table" then
      for k = 1, #r do walk(r[k], i and i[k]) end
    else out[#out + 1] = {r, i or 0} end
  end
  walk(re, im)
  return out
end

-- max |a - b| over all entries
local function maxdiff(a, b)
  local fa, fb = flat(a), flat(b)
  assert(#fa == #fb, "sizes differ: " .. #fa .. " vs " .. #fb)
  local m = 0
  for i = 1, #fa do
    local d = math.sqrt((fa[i][1] - fb[i][1]) ^ 2 + (fa[i][2] - fb[i][2]) ^ 2)
    if d > m then m = d end
  end
  return m
end

-- conjugate transpose of a 2-d array (as a new array, built from tables)
local function ctrans(a)
  if a.dtype == "complex128" then
    local re, im = T(a.real:totable()), T(a.imag:totable())
    for i = 1, #im do for j = 1, #im[i] do im[i][j] = -im[i][j] end end
    return np.complex(np.array(re), np.array(im))
  end
  return np.array(T(a:totable()))
end

local function eye(n) return np.eye(n) end

-- expected error message fragment
local function fails(f, msg)
  local ok, err = pcall(f)
  assert(not ok, "expected an error containing: " .. msg)
  assert(tostring(err):find(msg, 1, true), "error was: " .. tostring(err))
end

-- sort eigenvalues by (re, im) for comparison
local function sorted(w)
  local l = flat(w)
  table.sort(l, function(x, y)
    local a, b = math.floor(x[1] * 1e9 + 0.5), math.floor(y[1] * 1e9 + 0.5)
    if a ~= b then return a < b end
    return x[2] < y[2]
  end)
  local re, im = {}, {}
  for i, p in ipairs(l) do re[i], im[i] = p[1], p[2] end
  return {re = re, im = im}
end

-- ---- specs ----------------------------------------------------------------

describe("lumpy.linalg", function()
  describe("solve", function()
    it("matches numpy on contiguous, transposed and stepped inputs", function()
      for kind, a in pairs(variants(F.A)) do
        close(la.solve(a, np.array(F.b)), F.solve_Ab)
        close(la.solve(a, np.array(F.B)), F.solve_AB)
        for _, bv in pairs(variants(F.B)) do close(la.solve(a, bv), F.solve_AB) end
        assert.are.same({4}, la.solve(a, F.b).shape, kind)
      end
    end)
    it("solves complex systems", function()
      for _, z in pairs(variants(F.Z)) do close(la.solve(z, arr(F.zb)), F.solve_Zzb) end
      assert.are.equal("complex128", la.solve(arr(F.Z), arr(F.zb)).dtype)
    end)
    it("solves batches, with broadcasting of the batch dimensions", function()
      for _, a in pairs(variants(F.Bt)) do close(la.solve(a, np.array(F.bb)), F.solve_batch) end
      local b1 = np.array{{{F.bb[1][1]}, {F.bb[1][2]}, {F.bb[1][3]}}}
      close(la.solve(np.array(F.Bt), b1), F.solve_batch_bcast)
      assert.are.same({2, 3, 1}, la.solve(np.array(F.Bt), b1).shape)
      -- a 1-d b is a vector for every matrix of the stack (NumPy 2's rule)
      local x = la.solve(np.array(F.Bt), np.array(F.bb[1]))
      assert.are.same({2, 3}, x.shape)
      close(x[1], F.solve_batch[1])
    end)
    it("leaves its inputs alone and keeps float32", function()
      local a, b = np.array(F.A), np.array(F.b)
      la.solve(a, b)
      close(a, F.A, 0)
      close(b, F.b, 0)
      local x = la.solve(np.array(F.A, "float32"), np.array(F.b, "float32"))
      assert.are.equal("float32", x.dtype)
      close(x, F.solve_Ab, 1e-5)
      close(la.solve({{2, 0}, {0, 4}}, {1, 1}), {0.5, 0.25})
    end)
    it("reports errors", function()
      fails(function() la.solve(np.zeros{3, 4}, np.zeros(3)) end,
        "bad argument #1 to 'solve' (square matrix expected, got 3x4)")
      fails(function() la.solve(np.array(F.A), np.zeros(3)) end,
        "lumpy.linalg.solve: shapes {4, 4} and {3} do not match")
      fails(function() la.solve(np.array(F.Sg), np.ones(3)) end, "lumpy.linalg.solve: singular matrix")
      fails(function() la.solve(np.ones(3), np.ones(3)) end,
        "1-dimensional array given. Array must be at least two-dimensional")
      fails(function() la.solve(np.array(F.Bt), np.ones{3, 3, 1}) end, "could not be broadcast")
      fails(function() la.solve(np.array(F.A), 2) end, "b must be at least one-dimensional")
      fails(function() la.solve(np.ones{2, 3, 3}, np.ones(4)) end, "do not match")
      fails(function() la.solve("x", 1) end, "cannot make an array from a string")
      local a = np.array(F.A)
      a:close()
      fails(function() la.solve(a, np.ones(4)) end, "array is closed")
    end)
  end)

  describe("inv", function()
    it("matches numpy on every layout, complex and batches", function()
      for _, a in pairs(variants(F.A)) do close(la.inv(a), F.inv_A) end
      for _, z in pairs(variants(F.Z)) do close(la.inv(z), F.inv_Z) end
      for _, b in pairs(variants(F.Bt)) do close(la.inv(b), F.inv_batch) end
      assert.is_true(maxdiff(np.matmul(la.inv(np.array(F.A)), np.array(F.A)), eye(4)) < 1e-13)
      assert.are.equal("float32", la.inv(np.array(F.A, "float32")).dtype)
    end)
    it("reports singular matrices", function()
      fails(function() la.inv(np.array(F.Sg)) end, "lumpy.linalg.inv: singular matrix")
      fails(function() la.inv(np.zeros{2, 3}) end, "square matrix expected, got 2x3")
    end)
  end)

  describe("det and slogdet", function()
    it("match numpy", function()
      for _, a in pairs(variants(F.A)) do
        close(la.det(a), F.det_A)
        local s, l = la.slogdet(a)
        close(s, F.slogdet_A[1]); close(l, F.slogdet_A[2])
      end
      for _, z in pairs(variants(F.Z)) do
        close(la.det(z), F.det_Z)
        local s, l = la.slogdet(z)
        close(s, F.slogdet_Z[1]); close(l, F.slogdet_Z[2])
      end
    end)
    it("work on batches", function()
      for _, b in pairs(variants(F.Bt)) do
        close(la.det(b), F.det_batch)
        local s, l = la.slogdet(b)
        close(s, F.slogdet_batch[1]); close(l, F.slogdet_batch[2])
      end
    end)
    it("give 0 and (0, -inf) for singular matrices", function()
      assert.is_true(math.abs(la.det(np.array{{1.0, 2}, {2, 4}})) < 1e-15)
      local s, l = la.slogdet(np.zeros{3, 3})
      assert.are.equal(0, s)
      assert.are.equal(-math.huge, l)
      assert.are.equal(1, la.det(np.zeros{0, 0}))
      fails(function() la.det(np.zeros{2, 3}) end, "square matrix expected, got 2x3")
    end)
  end)

  describe("cholesky", function()
    it("matches numpy (lower) and scipy (upper)", function()
      for _, s in pairs(variants(F.S)) do
        close(la.cholesky(s), F.chol_S)
        close(la.cholesky(s, {upper = true}), F.chol_S_upper)
        close(la.cholesky(s, {lower = false}), F.chol_S_upper)
      end
      for _, h in pairs(variants(F.H)) do
        local l = la.cholesky(h)
        close(l, F.chol_H)
        assert.is_true(maxdiff(np.matmul(l, ctrans(l)), arr(F.H)) < 1e-12)
        local u = la.cholesky(h, {upper = true})
        assert.is_true(maxdiff(np.matmul(ctrans(u), u), arr(F.H)) < 1e-12)
        assert.is_true(maxdiff(u, ctrans(l)) < 1e-14)
      end
    end)
    it("works on batches", function()
      local l = la.cholesky(np.array{F.S, F.S})
      assert.are.same({2, 4, 4}, l.shape)
      close(l, {F.chol_S, F.chol_S})
    end)
    it("reports matrices that are not positive definite", function()
      fails(function() la.cholesky(np.array{{1.0, 2}, {2, 1}}) end,
        "lumpy.linalg.cholesky: matrix is not positive definite")
      fails(function() la.cholesky(np.array(F.S), {bogus = 1}) end, "unknown option 'bogus'")
      fails(function() la.cholesky(np.array(F.S), {lower = 1}) end, "option 'lower' must be a boolean")
    end)
  end)

  describe("eigh and eigvalsh", function()
    it("match numpy, with orthonormal eigenvectors", function()
      for _, s in pairs(variants(F.S)) do
        close(la.eigvalsh(s), F.eigvalsh_S)
        local w, v = la.eigh(s)
        close(w, F.eigvalsh_S)
        assert.is_true(maxdiff(np.matmul(ctrans(v), v), eye(4)) < 1e-13)
        -- A v = v diag(w)
        local av = np.matmul(s, v)
        for j = 1, 4 do
          for i = 1, 4 do
            assert.is_true(math.abs(av:get(i, j) - v:get(i, j) * w:get(j)) < 1e-12)
          end
        end
      end
    end)
    it("handle Hermitian matrices", function()
      for _, h in pairs(variants(F.H)) do
        local w, v = la.eigh(h)
        close(w, F.eigvalsh_H)
        assert.are.equal("float64", w.dtype)
        assert.is_true(maxdiff(np.matmul(ctrans(v), v), eye(3)) < 1e-13)
        local lhs, rhs = flat(np.matmul(h, v)), flat(v)
        for k = 1, 9 do
          local j = (k - 1) % 3 + 1
          assert.is_true(math.abs(lhs[k][1] - rhs[k][1] * w:get(j)) < 1e-12)
          assert.is_true(math.abs(lhs[k][2] - rhs[k][2] * w:get(j)) < 1e-12)
        end
      end
    end)
    it("read the triangle UPLO names", function()
      for _, s in pairs(variants(F.SU)) do
        close(la.eigvalsh(s, "U"), F.eigvalsh_SU_U)
        close(la.eigvalsh(s, {UPLO = "U"}), F.eigvalsh_SU_U)
        close(la.eigvalsh(s), F.eigvalsh_SU_L)
      end
    end)
    it("work on batches", function()
      local w, v = la.eigh(np.array{F.S, F.S})
      close(w, {F.eigvalsh_S, F.eigvalsh_S})
      assert.are.same({2, 4, 4}, v.shape)
    end)
    it("report errors", function()
      fails(function() la.eigh(np.array(F.S), "X") end, "UPLO argument must be 'L' or 'U'")
      fails(function() la.eigh(np.array{{1, 0 / 0}, {0, 1}}) end,
        "lumpy.linalg.eigh: array must not contain infs or NaNs")
      fails(function() la.eigvalsh(np.zeros{2, 3}) end, "square matrix expected, got 2x3")
    end)
  end)

  describe("eig and eigvals", function()
    it("return float64 when every eigenvalue is real, complex128 otherwise", function()
      local w = la.eigvals(np.array(F.S))
      assert.are.equal("float64", w.dtype)
      local wn = la.eigvals(np.array(F.N))
      assert.are.equal("complex128", wn.dtype)
      close(sorted(wn), F.eigvals_N)
      close(sorted(la.eigvals(np.array(F.A))), F.eigvals_A)
      assert.are.equal(F.eigvals_A_real, la.eigvals(np.array(F.A)).dtype == "float64")
    end)
    it("give eigenvectors with A v = v diag(w) on every layout", function()
      for _, src in ipairs{F.A, F.N, F.Z} do
        for _, a in pairs(variants(src)) do
          local w, v = la.eig(a)
          local av, vv, ww = flat(np.matmul(a, v)), flat(v), flat(w)
          local n = #ww
          for k = 1, n * n do
            local j = (k - 1) % n + 1
            local vr, vi, wr, wi = vv[k][1], vv[k][2], ww[j][1], ww[j][2]
            assert.is_true(math.abs(av[k][1] - (vr * wr - vi * wi)) < 1e-12)
            assert.is_true(math.abs(av[k][2] - (vr * wi + vi * wr)) < 1e-12)
          end
          close(sorted(w), sorted(la.eigvals(a)), 1e-12)
        end
      end
      close(sorted(la.eigvals(arr(F.Z))), F.eigvals_Z)
    end)
    it("work on batches", function()
      local w, v = la.eig(np.array{F.N, F.N})
      assert.are.same({2, 3}, w.shape)
      assert.are.same({2, 3, 3}, v.shape)
      assert.are.equal("complex128", w.dtype)
    end)
    it("report non-finite input", function()
      fails(function() la.eig(np.array{{1, math.huge}, {0, 1}}) end,
        "lumpy.linalg.eig: array must not contain infs or NaNs")
      fails(function() la.eigvals(np.zeros{2, 3}) end, "square matrix expected, got 2x3")
    end)
  end)

  describe("svd", function()
    it("matches numpy's singular values on every layout", function()
      for name, src in pairs{R = F.R, W = F.W, Z = F.Z, Bt = F.Bt} do
        for _, a in pairs(variants(src)) do
          close(la.svd(a, {compute_uv = false}), F["svd_" .. (name == "Bt" and "batch" or name)])
        end
      end
    end)
    it("reconstructs A from U S V^H, full and reduced", function()
      for _, src in ipairs{F.R, F.W, F.Z} do
        for _, a in pairs(variants(src)) do
          local m, n = a.shape[1], a.shape[2]
          local k = math.min(m, n)
          for _, full in ipairs{true, false} do
            local u, s, vh = la.svd(a, {full_matrices = full})
            assert.are.same({m, full and m or k}, u.shape)
            assert.are.same({full and n or k, n}, vh.shape)
            assert.is_true(maxdiff(np.matmul(ctrans(u), u), eye(u.shape[2])) < 1e-13)
            assert.is_true(maxdiff(np.matmul(vh, ctrans(vh)), eye(vh.shape[1])) < 1e-13)
            -- U[:, :k] diag(s) Vh[:k, :]
            local sd = {}
            for i = 1, u.shape[2] do
              sd[i] = {}
              for j = 1, vh.shape[1] do sd[i][j] = (i == j and i <= k) and s:get(i) or 0 end
            end
            local us = np.matmul(u, np.array(sd))
            assert.is_true(maxdiff(np.matmul(us, vh), a) < 1e-12)
          end
        end
      end
    end)
    it("works on batches", function()
      local u, s, vh = la.svd(np.array(F.Bt))
      assert.are.same({2, 3, 3}, u.shape)
      close(s, F.svd_batch)
      assert.are.same({2, 3, 3}, vh.shape)
    end)
    it("handles empty matrices and reports errors", function()
      local u, s, vh = la.svd(np.zeros{0, 3})
      assert.are.same({0}, s.shape)
      assert.are.same({3, 3}, vh.shape)
      close(vh, {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}})
      assert.are.same({0, 0}, u.shape)
      fails(function() la.svd(np.array{{0 / 0, 1}}) end, "lumpy.linalg.svd: array must not contain infs or NaNs")
      fails(function() la.svd(np.ones(3)) end, "1-dimensional array given")
      fails(function() la.svd(np.ones{2, 2}, {full = true}) end, "unknown option 'full'")
    end)
  end)

  describe("qr", function()
    it("gives orthonormal Q and upper triangular R with Q R = A", function()
      for _, src in ipairs{F.R, F.W, F.Z} do
        for _, a in pairs(variants(src)) do
          local m, n = a.shape[1], a.shape[2]
          local k = math.min(m, n)
          for _, mode in ipairs{"reduced", "complete"} do
            local q, r = la.qr(a, mode)
            local qc = mode == "complete" and m or k
            assert.are.same({m, qc}, q.shape)
            assert.are.same({qc, n}, r.shape)
            assert.is_true(maxdiff(np.matmul(ctrans(q), q), eye(qc)) < 1e-13)
            assert.is_true(maxdiff(np.matmul(q, r), a) < 1e-12)
            for i = 1, qc do
              for j = 1, math.min(i - 1, n) do
                local v = r:get(i, j)
                assert.is_true((type(v) == "number" and v or v.re) == 0)
              end
            end
          end
          local r = la.qr(a, {mode = "r"})
          local _, r2 = la.qr(a)
          assert.is_true(maxdiff(r, r2) == 0)
        end
      end
    end)
    it("works on batches and reports a bad mode", function()
      local q, r = la.qr(np.array(F.Bt))
      assert.are.same({2, 3, 3}, q.shape)
      assert.is_true(maxdiff(np.matmul(q, r), np.array(F.Bt)) < 1e-12)
      fails(function() la.qr(np.array(F.A), "raw2") end, "unrecognized mode 'raw2'")
    end)
  end)

  describe("lstsq", function()
    it("matches numpy: x, residuals, rank and singular values", function()
      for _, a in pairs(variants(F.R)) do
        local x, res, rank, s = la.lstsq(a, np.array(F.lstsq_b))
        close(x, F.lstsq_R.x); close(res, F.lstsq_R.res)
        assert.are.equal(F.lstsq_R.rank, rank)
        close(s, F.lstsq_R.s)
        x, res, rank, s = la.lstsq(a, np.array(F.RB))
        close(x, F.lstsq_RB.x); close(res, F.lstsq_RB.res); close(s, F.lstsq_RB.s)
      end
      for name, src in pairs{W = F.W, Sg = F.Sg} do
        local x, res, rank, s = la.lstsq(np.array(src), np.array{1.0, 2, 3})
        local e = F["lstsq_" .. name]
        close(x, e.x); close(s, e.s)
        assert.are.equal(e.rank, rank)
        assert.are.same({0}, res.shape)
      end
      local x, res, rank = la.lstsq(arr(F.Zr), arr(F.Zrb))
      close(x, F.lstsq_Zr.x); close(res, F.lstsq_Zr.res)
      assert.are.equal(3, rank)
    end)
    it("takes rcond and the refine option", function()
      local _, _, rank = la.lstsq(np.array(F.Sg), np.array{1.0, 2, 3}, 0.5)
      assert.are.equal(1, rank)
      local x, res = la.lstsq(np.array(F.R), np.array(F.lstsq_b), {refine = true})
      close(x, F.lstsq_R.x, 1e-12); close(res, F.lstsq_R.res, 1e-12)
    end)
    it("refines ill-conditioned full-rank problems by default", function()
      -- y = 1 + 2x + 3x^2 + 4x^3 at x = 101..108, exact in float64: the
      -- coefficients are the exact solution (closed form), residual 0;
      -- the cubic design has cond ~1e11
      local X, Y = {}, {}
      for i = 1, 8 do
        local x = 100 + i
        X[i] = {1, x, x * x, x * x * x}
        local y = 1 + 2 * x + 3 * x * x + 4 * x * x * x
        Y[i] = {y, 2 * y}
      end
      local a, b = np.array(X, "float64"), np.array(Y, "float64")
      local _, _, _, s = la.lstsq(a, b)
      assert.is_true(s:get(1) / s:get(4) > 1e3)
      local x, res, rank = la.lstsq(a, b)
      local x0 = la.lstsq(a, b, {refine = false})
      assert.are.equal(4, rank)
      assert.are.same({4, 2}, x.shape)
      local worst, worst0 = 0, 0
      for j = 1, 2 do
        for k = 1, 4 do
          local e = j * (k)
          worst = math.max(worst, math.abs(x:get(k, j) - e) / e)
          worst0 = math.max(worst0, math.abs(x0:get(k, j) - e) / e)
        end
        assert.is_true(res:get(j) >= 0 and res:get(j) < 1e-12)
      end
      -- refinement with double-double residuals reaches the exact answer;
      -- gelsd alone 3e-5
      assert.is_true(worst < 1e-14, "default relative error " .. worst)
      assert.is_true(worst < 1e-3 * worst0, "refined " .. worst .. " vs gelsd " .. worst0)
      -- transposed and stepped layouts of the same design agree
      for _, v in pairs(variants(X)) do
        local xv = la.lstsq(v, b)
        for k = 1, 4 do assert.is_true(math.abs(xv:get(k, 1) - k) < 1e-14 * k) end
      end
    end)
    it("reports errors", function()
      fails(function() la.lstsq(np.array(F.R), np.ones(4)) end, "lumpy.linalg.lstsq: incompatible dimensions")
      fails(function() la.lstsq(np.array(F.R), np.ones(5), {refine = 1}) end, "option 'refine' must be a boolean")
      fails(function() la.lstsq(np.array(F.R), np.ones(5), {bad = 1}) end, "unknown option 'bad'")
      fails(function() la.lstsq(np.array{{1, 0 / 0}}, np.ones(1)) end, "must not contain infs or NaNs")
    end)
  end)

  describe("pinv, matrix_rank and cond", function()
    it("pinv matches numpy", function()
      for name, src in pairs{R = F.R, W = F.W, Z = F.Z, Sg = F.Sg} do
        for _, a in pairs(variants(src)) do close(la.pinv(a), F["pinv_" .. name]) end
      end
      local p = la.pinv(np.array{F.R, F.R})
      close(p, {F.pinv_R, F.pinv_R})
    end)
    it("matrix_rank matches numpy", function()
      assert.are.equal(F.rank_A, la.matrix_rank(np.array(F.A)))
      assert.are.equal(F.rank_Sg, la.matrix_rank(np.array(F.Sg)))
      assert.are.equal(1, la.matrix_rank(np.array(F.Sg), 5))
      close(la.matrix_rank(np.array{F.Sg, {{1, 0, 0}, {0, 1, 0}, {0, 0, 1}}}), {2, 3}, 0)
      assert.are.equal(1, la.matrix_rank(np.array{0, 2}))
      assert.are.equal(0, la.matrix_rank(np.zeros(3)))
    end)
    it("cond matches numpy for every p", function()
      local keys = {None = "nil", ["2"] = 2, m2 = -2, ["1"] = 1, m1 = -1, inf = math.huge,
                    minf = -math.huge, fro = "fro", nuc = "nuc"}
      for k, p in pairs(keys) do
        if p == "nil" then p = nil end
        for _, a in pairs(variants(F.A)) do close(la.cond(a, p), F.cond[k]) end
      end
      close(la.cond(arr(F.Z)), F.cond_Z)
      close(la.cond(np.array(F.Bt), 1), F.cond_batch)
      assert.are.equal(math.huge, la.cond(np.array{{1.0, 1}, {1, 1}}, 1))
      assert.are.equal(math.huge, la.cond(np.zeros{2, 2}))
      fails(function() la.cond(np.zeros{0, 0}) end, "cond is not defined on empty arrays")
    end)
  end)

  describe("norm", function()
    it("matrix norms match numpy", function()
      local ords = {none = nil, fro = "fro", nuc = "nuc", one = 1, mone = -1, two = 2,
                    mtwo = -2, inf = math.huge, minf = -math.huge}
      for k, e in pairs(F.norm_A) do
        for _, a in pairs(variants(F.A)) do close(la.norm(a, ords[k]), e) end
      end
      close(la.norm(arr(F.Z)), F.norm_Z)
      close(la.norm(arr(F.Z), 2), F.norm_Z_2)
    end)
    it("vector norms match numpy", function()
      local ords = {none = nil, one = 1, mone = -1, two = 2, mtwo = -2, inf = math.huge,
                    minf = -math.huge, zero = 0, three = 3, half = 0.5}
      for k, e in pairs(F.norm_b) do
        close(la.norm(np.array(F.b), ords[k]), e)
        close(la.norm(np.complex(np.array(F.b), 0).real, ords[k]), e)
      end
      close(la.norm(arr(F.zb), 1), F.norm_zb_1)
      close(la.norm({3, 4}), 5)
      close(la.norm(np.array{3, 4}, {ord = 1}), 7)
    end)
    it("reduces over axes, with keepdims", function()
      local q = np.array(F.Q3)
      close(la.norm(q), F.norm_Q3)
      close(la.norm(q, nil, 3), F.norm_Q3_ax3)
      close(la.norm(q, nil, -1), F.norm_Q3_ax3)
      close(la.norm(q, 1, 1), F.norm_Q3_ax1_1)
      close(la.norm(q, "nuc", {2, 3}), F.norm_Q3_ax23_nuc)
      close(la.norm(q, {ord = math.huge, axis = {3, 1}}), F.norm_Q3_ax31_inf)
      local k = la.norm(np.array(F.A), {axis = 2, keepdims = true})
      assert.are.same({4, 1}, k.shape)
      close(k, F.norm_A_keep)
      assert.are.same({1, 1, 1}, la.norm(q, {keepdims = true}).shape)
    end)
    it("reports bad orders and axes", function()
      fails(function() la.norm(np.array(F.A), 3) end, "invalid norm order for matrices")
      fails(function() la.norm(np.array(F.b), "fro") end, "invalid norm order for vectors")
      fails(function() la.norm(np.array(F.Q3), 1) end, "improper number of dimensions to norm")
      fails(function() la.norm(np.array(F.A), nil, {1, 1}) end, "duplicate axes given")
      fails(function() la.norm(np.array(F.A), nil, 3) end, "axis 3 is out of bounds")
      fails(function() la.norm(np.array(F.A), {axes = 1}) end, "unknown option 'axes'")
    end)
  end)

  describe("matrix_power, trace, kron, outer, multi_dot", function()
    it("matrix_power matches numpy", function()
      for _, a in pairs(variants(F.A)) do
        close(la.matrix_power(a, 3), F.mpow_A3)
        close(la.matrix_power(a, -2), F.mpow_Am2)
        close(la.matrix_power(a, 0), np.eye(4))
        close(la.matrix_power(a, 1), F.A)
      end
      close(la.matrix_power(np.array(F.Bt), 5), F.mpow_batch5, 1e-10)
      local p = la.matrix_power(np.array{{1, 2}, {3, 4}}, 10)
      assert.are.equal("int64", p.dtype)
      close(p, F.mpow_int10, 0)
      fails(function() la.matrix_power(np.zeros{2, 3}, 2) end, "square matrix expected, got 2x3")
      fails(function() la.matrix_power(np.array(F.A), 1.5) end, "number has no integer representation")
    end)
    it("trace matches numpy", function()
      for _, a in pairs(variants(F.A)) do close(la.trace(a), F.trace_A) end
      close(la.trace(np.array(F.Q3), 1, 2, 3), F.trace_Q3)
      close(la.trace(np.array(F.Q3), {offset = -1, axis1 = 3, axis2 = 2}), F.trace_Q3_neg)
      assert.are.equal(5, la.trace(np.array{{1, 2}, {3, 4}}))
      assert.are.equal(math.type(la.trace(np.array{{1, 2}, {3, 4}})), "integer")
      fails(function() la.trace(np.ones(3)) end, "array must be at least 2-d")
    end)
    it("kron and outer match numpy", function()
      close(la.kron(np.array(F.B), np.array(F.R)), F.kron_BR)
      close(la.kron(np.array(F.B).T, np.array(F.R).T), T(F.kron_BR))
      local k = la.kron(np.array{1, 2, 3}, np.array{{1, 10}, {100, 1000}})
      assert.are.equal("int64", k.dtype)
      close(k, F.kron_int, 0)
      close(la.outer(np.array(F.b), np.array{1.0, -2, 3}), F.outer_bb)
      close(la.outer(np.complex(np.array(F.b), 0).real, {1.0, -2, 3}), F.outer_bb)
    end)
    it("multi_dot matches numpy", function()
      local c = np.array{{0.0, 1, 2, 3, 4, 5}, {6, 7, 8, 9, 10, 11}}
      close(la.multi_dot{np.array(F.b), np.array(F.A), np.array(F.B), c}, F.multi_dot)
      close(la.multi_dot{np.array(F.A), np.array(F.A)}, np.matmul(np.array(F.A), np.array(F.A)))
      fails(function() la.multi_dot{np.array(F.A)} end, "expecting at least two arrays")
      fails(function() la.multi_dot{np.array(F.A), np.array(F.Q3), np.array(F.A)} end,
        "must be two-dimensional")
      fails(function() la.multi_dot{np.array(F.A), np.array(F.R), np.array(F.A)} end, "not aligned")
    end)
  end)

  describe("expm", function()
    it("matches scipy across the Pade degrees and with scaling", function()
      for _, name in ipairs{"expm_small", "expm_mid", "expm_E", "expm_E8"} do
        local scale = name == "expm_small" and 1e-3 or name == "expm_E8" and 8 or 1
        local e = np.array(F.E)
        local em = name == "expm_mid" and nil or e
        if name == "expm_mid" then
          -- 0.5 E / ||E||_1
          local n1 = la.norm(e, 1)
          local t = e:totable()
          for i = 1, 4 do for j = 1, 4 do t[i][j] = 0.5 * t[i][j] / n1 end end
          em = np.array(t)
        else
          local t = e:totable()
          for i = 1, 4 do for j = 1, 4 do t[i][j] = scale * t[i][j] end end
          em = np.array(t)
        end
        for _, v in pairs(variants(em:totable())) do close(la.expm(v), F[name], 1e-12) end
      end
      close(la.expm(arr(F.Z)), F.expm_Z, 1e-12)
      close(la.expm(np.zeros{2, 2}), {{1, 0}, {0, 1}}, 0)
      close(la.expm(np.array{{0.0, 1}, {-1, 0}}), {{math.cos(1), math.sin(1)}, {-math.sin(1), math.cos(1)}}, 1e-15)
      fails(function() la.expm(np.array{{math.huge}}) end, "must not contain infs or NaNs")
    end)
  end)

  describe("argument errors", function()
    it("are reported for every function", function()
      local cases = {
        {la.lu, {np.ones{2, 2, 2}}, "2-d array expected, got 3 dimensions"},
        {la.lstsq, {np.ones{2, 2, 2}, np.ones(2)}, "2-d array expected"},
        {la.lstsq, {np.ones{2, 2}, np.ones{2, 2, 2}}, "1-d or 2-d array expected"},
        {la.lstsq, {np.ones{2, 2}, np.ones(2), "x"}, "rcond number or options table expected"},
        {la.schur, {np.ones{2, 2, 2}}, "2-d array expected"},
        {la.pinv, {np.ones{2, 2}, "x"}, "rcond number or options table expected"},
        {la.matrix_rank, {np.ones{2, 2}, "x"}, "tol number or options table expected"},
        {la.expm, {np.ones{2, 3}}, "square matrix expected, got 2x3"},
        {la.trace, {np.ones{2, 2}, 0, 1, 1}, "axis1 and axis2 cannot be the same"},
        {la.trace, {np.ones{2, 2}, 0, 1, 3}, "axis 3 is out of bounds for array of dimension 2"},
        {la.qr, {np.ones{2, 2}, 5}, "mode string or options table expected"},
        {la.eigh, {np.ones{2, 2}, 5}, "'L', 'U' or options table expected"},
        {la.norm, {np.ones{2, 2}, nil, "x"}, "integer or table of axes expected"},
        {la.norm, {np.ones{2, 2}, nil, {1, 2, 1}}, "a table of 1 or 2 integers"},
        {la.cond, {np.ones{2, 2}, 3}, "invalid norm order for matrices"},
        {la.cond, {np.ones{2, 3}, 1}, "square matrix expected, got 2x3"},
        {la.matrix_power, {np.ones{2, 2}, "x"}, "number expected"},
        {la.lu_solve, {np.ones{2, 3}, np.array{1, 2}, np.ones(2)}, "square matrix expected"},
        {la.lu_solve, {np.ones{2, 2}, np.array{1.0, 2.0}, np.ones(2)}, "pivots must be 2 integers"},
        {la.cho_solve, {{np.eye(2), true}, np.ones(3)}, "lumpy.linalg.cho_solve: shapes of a (2 x 2) and b {3} are incompatible"},
        {la.solve_triangular, {np.eye(2), np.ones(3)}, "are incompatible"},
        {la.solve_triangular, {np.eye(2), np.ones(2), {low = true}}, "unknown option 'low' for solve_triangular"},
        {la.multi_dot, {5}, "table of arrays expected"},
        {la.kron, {np.ones(2), nil}, "cannot make an array from a nil"},
        {la.outer, {np.ones(2), "x"}, "cannot make an array from a string"},
        {la.svd, {np.ones{2, 2}, {compute_uv = "no"}}, "option 'compute_uv' must be a boolean"},
        {la.svd, {np.ones{2, 2}, 5}, "table expected, got number"},
        {la.lstsq, {np.ones{2, 2}, np.ones(2), {rcond = "x"}}, "option 'rcond' must be a number"},
      }
      for i, c in ipairs(cases) do
        local ok, err = pcall(c[1], table.unpack(c[2], 1, 4))
        assert(not ok, "case " .. i .. " did not fail")
        assert(tostring(err):find(c[3], 1, true), "case " .. i .. ": " .. tostring(err))
      end
      fails(function() la.kron(np.ones(2)) end, "bad argument #2")
      fails(function() la.outer(np.ones(2)) end, "bad argument #2")
      local closed = np.ones{2, 2}
      closed:close()
      for _, f in ipairs{la.inv, la.det, la.eigh, la.svd, la.qr, la.norm, la.expm, la.trace} do
        fails(function() f(closed) end, "array is closed")
      end
    end)
  end)

  describe("hermitian option", function()
    -- u diag(s) vh for 2-d u, vh and 1-d s
    local function usv(u, s, vh)
      local n = s.size
      local d = {}
      for i = 1, n do
        d[i] = {}
        for j = 1, n do d[i][j] = i == j and s:get(i) or 0 end
      end
      return np.matmul(np.matmul(u, np.array(d)), vh)
    end
    it("svd of a symmetric or Hermitian matrix matches numpy", function()
      for _, c in ipairs{{F.Sy, F.svdh_Sy_s}, {F.HZ, F.svdh_HZ_s}} do
        for name, a in pairs(variants(c[1])) do
          local s = la.svd(a, {hermitian = true, compute_uv = false})
          close(s, c[2], 1e-12)
          local u, s2, vh = la.svd(a, {hermitian = true})
          close(s2, c[2], 1e-12)
          local n = a.shape[1]
          assert.are.same({n, n}, u.shape)
          assert.are.same({n, n}, vh.shape)
          assert.is_true(maxdiff(np.matmul(ctrans(u), u), eye(n)) < 1e-13, name)
          assert.is_true(maxdiff(usv(u, s2, vh), a) < 1e-12, name)
        end
      end
      -- the signs of the eigenvalues go into vh: vh = diag(sign(w)) u^H
      local u, s, vh = la.svd(np.array(F.Sy), {hermitian = true})
      local w = F.svdh_Sy_w
      for j = 1, s.size do
        local neg = 0
        for _, x in ipairs(w) do if x < 0 and math.abs(math.abs(x) - s:get(j)) < 1e-9 then neg = 1 end end
        local sg = neg == 1 and -1 or 1
        for i = 1, s.size do
          assert.is_true(math.abs(vh:get(j, i) - sg * u:get(i, j)) < 1e-14)
        end
      end
    end)
    it("svd works on batches and keeps float32", function()
      local st = {}
      for i = 1, 3 do st[i] = {F.Sy[i][1], F.Sy[i][2], F.Sy[i][3]} end
      local b = np.array{st, F.Sgs}
      close(la.svd(b, {hermitian = true, compute_uv = false}), F.svdh_batch_s, 1e-12)
      local u, s, vh = la.svd(b, {hermitian = true})
      assert.are.same({2, 3, 3}, u.shape)
      assert.are.same({2, 3}, s.shape)
      assert.are.same({2, 3, 3}, vh.shape)
      for k = 1, 2 do
        local uk, vk = np.array(u:totable()[k]), np.array(vh:totable()[k])
        assert.is_true(maxdiff(usv(uk, np.array(s:totable()[k]), vk), b:totable()[k]) < 1e-12)
      end
      local u32, s32 = la.svd(np.array(F.Sy, "float32"), {hermitian = true})
      assert.are.equal("float32", u32.dtype)
      assert.are.equal("float32", s32.dtype)
      close(s32, F.svdh_Sy_s, 1e-5)
    end)
    it("pinv and matrix_rank take it", function()
      for _, a in pairs(variants(F.Sy)) do close(la.pinv(a, {hermitian = true}), F.pinvh_Sy) end
      close(la.pinv(arr(F.HZ), {hermitian = true}), F.pinvh_HZ)
      close(la.pinv(np.array(F.Sgs), {hermitian = true, rcond = 1e-12}), F.pinvh_Sgs)
      assert.are.equal(F.rankh_Sgs, la.matrix_rank(np.array(F.Sgs), {hermitian = true}))
      local st = {}
      for i = 1, 3 do st[i] = {F.Sy[i][1], F.Sy[i][2], F.Sy[i][3]} end
      close(la.matrix_rank(np.array{F.Sgs, st}, {hermitian = true}), F.rankh_batch)
    end)
    it("reports non-square matrices and bad values", function()
      fails(function() la.svd(np.ones{2, 3}, {hermitian = true}) end,
        "lumpy.linalg.svd: hermitian needs square matrices, got 2x3")
      fails(function() la.pinv(np.ones{2, 3}, {hermitian = true}) end,
        "lumpy.linalg.pinv: hermitian needs square matrices, got 2x3")
      fails(function() la.svd(np.eye(2), {hermitian = 1}) end, "option 'hermitian' must be a boolean")
      fails(function() la.matrix_rank(np.eye(2), {hermit = true}) end, "unknown option 'hermit'")
      fails(function() la.svd(np.array{{1, 0 / 0}, {0, 1}}, {hermitian = true}) end,
        "lumpy.linalg.svd: array must not contain infs or NaNs")
    end)
  end)

  describe("qr mode raw", function()
    it("returns NumPy's h (n x m) and tau", function()
      for _, name in ipairs{"R", "W", "Z"} do
        local e = F["qr_raw_" .. name]
        for vname, a in pairs(variants(F[name])) do
          local h, tau = la.qr(a, "raw")
          local m, n = a.shape[1], a.shape[2]
          assert.are.same({n, m}, h.shape, vname)
          assert.are.same({math.min(m, n)}, tau.shape)
          close(h, e.h, 1e-12)
          close(tau, e.tau, 1e-12)
        end
      end
      local h, tau = la.qr(np.array(F.Bt), {mode = "raw"})
      assert.are.same({2, 3, 3}, h.shape)
      close(h, F.qr_raw_Bt.h, 1e-12)
      close(tau, F.qr_raw_Bt.tau, 1e-12)
      local h32, t32 = la.qr(np.array(F.R, "float32"), "raw")
      assert.are.equal("float32", h32.dtype)
      assert.are.equal("float32", t32.dtype)
      close(h32, F.qr_raw_R.h, 1e-5)
      h, tau = la.qr(np.zeros{0, 3}, "raw")
      assert.are.same({3, 0}, h.shape)
      assert.are.same({0}, tau.shape)
    end)
  end)

  describe("non-finite input", function()
    -- every function that reaches LAPACK, with the name its message carries
    local b3 = np.array{1.0, 2, 3}
    local calls = {
      {"solve", function(a) return la.solve(a, b3) end},
      {"solve", function(_, r) return la.solve(np.eye(3), r) end, true},
      {"inv", la.inv}, {"det", la.det}, {"slogdet", la.slogdet},
      {"eig", la.eig}, {"eigvals", la.eigvals}, {"eigh", la.eigh}, {"eigvalsh", la.eigvalsh},
      {"svd", la.svd}, {"svd", function(a) return la.svd(a, {compute_uv = false}) end},
      {"qr", la.qr}, {"qr", function(a) return la.qr(a, "raw") end},
      {"cholesky", la.cholesky},
      {"lstsq", function(a) return la.lstsq(a, b3) end},
      {"lstsq", function(_, r) return la.lstsq(np.eye(3), r) end, true},
      {"pinv", la.pinv}, {"pinv", function(a) return la.pinv(a, {hermitian = true}) end},
      {"matrix_rank", la.matrix_rank}, {"cond", la.cond},
      {"cond", function(a) return la.cond(a, 1) end},
      {"norm", function(a) return la.norm(a, 2) end},
      {"norm", function(a) return la.norm(a, "nuc") end},
      {"inv", function(a) return la.matrix_power(a, -1) end},
      {"lu", la.lu}, {"lu_factor", la.lu_factor},
      {"lu_solve", function(a) return la.lu_solve(a, np.array{1, 2, 3}, b3) end},
      {"lu_solve", function(_, r) return la.lu_solve(np.eye(3), np.array{1, 2, 3}, r) end, true},
      {"cho_factor", la.cho_factor},
      {"cho_solve", function(a) return la.cho_solve(a, true, b3) end},
      {"cho_solve", function(_, r) return la.cho_solve(np.eye(3), true, r) end, true},
      {"solve_triangular", function(a) return la.solve_triangular(a, b3) end},
      {"solve_triangular", function(_, r) return la.solve_triangular(np.eye(3), r) end, true},
      {"expm", la.expm}, {"schur", la.schur},
    }
    -- a 3x3 matrix with v at (i, j), in each layout and dtype
    local function bad(v, i, j, dtype, layout)
      local t = {{4.0, 1, 0}, {1, 4, 1}, {0, 1, 4}}
      t[i][j] = v
      if layout == "transposed" then
        local a = np.array(T(t), dtype)
        return a.T
      elseif layout == "stepped" then
        return np.array(spread(t), dtype)[{{1, -1, 2}, {1, -1, 2}}]
      end
      return np.array(t, dtype)
    end
    it("is rejected by every function that calls LAPACK", function()
      for _, v in ipairs{math.huge, -math.huge, 0 / 0} do
        for _, dtype in ipairs{"float64", "float32", "complex128"} do
          for _, layout in ipairs{"contiguous", "transposed", "stepped"} do
            for _, pos in ipairs{{1, 1}, {3, 3}, {1, 3}} do
              local a = bad(v, pos[1], pos[2], dtype, layout)
              for _, c in ipairs(calls) do
                fails(function() if c[3] then c[2](a, a[pos[1]]) else c[2](a) end end,
                  "lumpy.linalg." .. c[1] .. ": array must not contain infs or NaNs")
              end
            end
          end
        end
      end
      -- an imaginary part counts too
      local z = np.complex(np.eye(3), np.array{{0, 0, 0}, {0, 0 / 0, 0}, {0, 0, 0}})
      for _, c in ipairs(calls) do
        fails(function() if c[3] then c[2](z, z[2]) else c[2](z) end end, "lumpy.linalg." .. c[1] .. ": array must not contain infs or NaNs")
      end
      -- and so does any matrix of a batch
      local st = np.ones{3, 3, 3}
      st:set(3, 2, 1, 0 / 0)
      for _, f in ipairs{la.solve, la.inv, la.det, la.slogdet, la.eig, la.eigh, la.svd,
                         la.cholesky} do
        fails(function() f(st, f == la.solve and np.ones{3, 3} or nil) end,
          "must not contain infs or NaNs")
      end
    end)
    it("is not needed by the products, which follow IEEE arithmetic", function()
      local r = np.matmul(np.array{{math.huge, 0}}, np.array{{1.0}, {1.0}})
      assert.are.equal(math.huge, r:get(1, 1))
    end)
  end)

  describe("dtypes", function()
    it("computes float32 in float64 and returns float32 (complex128 when needed)", function()
      local a32 = np.array(F.S, "float32")
      local w, v = la.eigh(a32)
      assert.are.equal("float32", w.dtype); assert.are.equal("float32", v.dtype)
      close(w, F.eigvalsh_S, 1e-6)
      local u, s, vh = la.svd(a32)
      assert.are.equal("float32", u.dtype); assert.are.equal("float32", s.dtype)
      assert.are.equal("float32", vh.dtype)
      assert.are.equal("float32", la.cholesky(a32).dtype)
      assert.are.equal("float32", la.qr(a32, "r").dtype)
      assert.are.equal("float32", la.eigvals(a32).dtype)
      assert.are.equal("complex128", la.eigvals(np.array(F.N, "float32")).dtype)
      assert.are.equal("float32", la.det(np.array({F.S, F.S}, "float32")).dtype)
    end)
    it("solves, inverts and factors float32 in single precision", function()
      for _, a32 in pairs(variants(F.A, "float32")) do
        assert.are.equal("float32", a32.dtype)
        close(la.inv(a32), F.inv_A, 1e-5)
        close(la.solve(a32, np.array(F.B, "float32")), F.solve_AB, 1e-5)
        assert.are.equal("float32", la.solve(a32, np.array(F.b, "float32")).dtype)
      end
      for _, s32 in pairs(variants(F.S, "float32")) do
        local l = la.cholesky(s32)
        assert.are.equal("float32", l.dtype)
        close(l, F.chol_S, 1e-5)
        close(la.cholesky(s32, {upper = true}), F.chol_S_upper, 1e-5)
      end
      -- mixed float32 and float64 promote to float64
      assert.are.equal("float64", la.solve(np.array(F.A, "float32"), np.array(F.b)).dtype)
    end)
    it("converts integer and bool input to float64", function()
      close(la.inv(np.array{{1, 2}, {3, 4}}), {{-2, 1}, {1.5, -0.5}})
      assert.are.equal(-2.0, la.det(np.array{{1, 2}, {3, 4}}))
      local q, r = la.qr(np.array({{3, 4}, {1, 2}}, "int32"))
      assert.are.equal("float64", q.dtype)
      assert.is_true(maxdiff(np.matmul(q, r), {{3, 4}, {1, 2}}) < 1e-14)
      close(la.norm(np.array{true, false, true}), math.sqrt(2))
    end)
  end)

  describe("scipy.linalg extras", function()
    it("lu gives P L U = A as scipy", function()
      for name, src in pairs{R = F.R, W = F.W} do
        for _, a in pairs(variants(src)) do
          local p, l, u = la.lu(a)
          local e = F["lu_" .. name]
          close(p, e.P, 0); close(l, e.L); close(u, e.U)
          assert.is_true(maxdiff(np.matmul(p, np.matmul(l, u)), a) < 1e-13)
          local pl, u2 = la.lu(a, {permute_l = true})
          assert.is_true(maxdiff(np.matmul(pl, u2), a) < 1e-13)
        end
      end
    end)
    it("lu_factor and lu_solve match scipy", function()
      for _, a in pairs(variants(F.A)) do
        local lu, piv = la.lu_factor(a)
        close(lu, F.lu_factor_A.lu)
        close(piv, F.lu_factor_A.piv, 0)
        close(la.lu_solve({lu, piv}, np.array(F.b)), F.solve_Ab)
        close(la.lu_solve(lu, piv, np.array(F.b), {trans = 1}), F.lu_solve_A_T)
        close(la.lu_solve({lu, piv}, np.array(F.b), {trans = "T"}), F.lu_solve_A_T)
        close(la.lu_solve({lu, piv}, np.array(F.B)), F.solve_AB)
      end
      local lu, piv = la.lu_factor(np.array(F.A))
      fails(function() la.lu_solve({lu, np.array{9, 9, 9, 9}}, np.array(F.b)) end, "out of range")
      fails(function() la.lu_solve({lu, piv}, np.array(F.b), {trans = 5}) end, "option 'trans'")
      fails(function() la.lu_solve({lu, piv}, np.ones(3)) end, "incompatible")
    end)
    it("cho_factor and cho_solve match scipy", function()
      for _, s in pairs(variants(F.S)) do
        local c, lower = la.cho_factor(s)
        assert.is_false(lower)
        close(la.cho_solve({c, lower}, np.array(F.b)), F.cho_solve_S)
        local c2, lower2 = la.cho_factor(s, {lower = true})
        assert.is_true(lower2)
        close(la.cho_solve({c2, lower2}, F.b), F.cho_solve_S)
      end
      fails(function() la.cho_factor(np.array{{1.0, 2}, {2, 1}}) end, "not positive definite")
    end)
    it("solve_triangular matches scipy", function()
      local lo, up = {}, {}
      for i = 1, 4 do
        lo[i], up[i] = {}, {}
        for j = 1, 4 do
          lo[i][j] = j <= i and F.A[i][j] or 0
          up[i][j] = j >= i and F.A[i][j] or 0
        end
      end
      for _, l in pairs(variants(lo)) do
        close(la.solve_triangular(l, np.array(F.b), {lower = true}), F.solve_tri_lower)
        close(la.solve_triangular(l, np.array(F.b), {lower = true, unit_diagonal = true}),
          F.solve_tri_unit)
      end
      for _, u in pairs(variants(up)) do
        close(la.solve_triangular(u, np.array(F.B), {trans = "T"}), F.solve_tri_upper_T)
      end
      fails(function() la.solve_triangular(np.array{{1.0, 0}, {1, 0}}, np.ones(2), {lower = true}) end,
        "lumpy.linalg.solve_triangular: singular matrix: resolution failed at diagonal 2")
    end)
    it("take complex128 input", function()
      local zb = arr(F.zb)
      for _, z in pairs(variants(F.Z)) do
        local p, l, u = la.lu(z)
        assert.are.equal("complex128", l.dtype)
        assert.is_true(maxdiff(np.matmul(p, np.matmul(l, u)), z) < 1e-13)
        local lu, piv = la.lu_factor(z)
        close(la.lu_solve({lu, piv}, zb), F.solve_Zzb)
        local xc = la.lu_solve({lu, piv}, zb, {trans = "C"})
        assert.is_true(maxdiff(np.matmul(ctrans(z), xc), zb) < 1e-13)
        local xt = la.lu_solve({lu, piv}, zb, {trans = 1})
        assert.is_true(maxdiff(np.matmul(z.T, xt), zb) < 1e-13)
        local low = {re = {}, im = {}}
        for i = 1, 3 do
          low.re[i], low.im[i] = {}, {}
          for j = 1, 3 do
            low.re[i][j] = j <= i and F.Z.re[i][j] or 0
            low.im[i][j] = j <= i and F.Z.im[i][j] or 0
          end
        end
        local lt = arr(low)
        local y = la.solve_triangular(lt, zb, {lower = true})
        assert.is_true(maxdiff(np.matmul(lt, y), zb) < 1e-13)
        close(la.matrix_power(z, -1), F.inv_Z)
        close(la.matrix_power(z, 3), F.mpow_Z3, 1e-12)
        close(la.multi_dot{z, z, zb}, F.multi_dot_ZZzb, 1e-12)
        local tr = la.trace(z)
        close({tr.re, tr.im}, {F.Z.re[1][1] + F.Z.re[2][2] + F.Z.re[3][3],
                               F.Z.im[1][1] + F.Z.im[2][2] + F.Z.im[3][3]}, 1e-15)
      end
      for _, h in pairs(variants(F.H)) do
        for _, lower in ipairs{false, true} do
          local c, lw = la.cho_factor(h, {lower = lower})
          local x = la.cho_solve({c, lw}, zb)
          assert.are.equal("complex128", x.dtype)
          assert.is_true(maxdiff(np.matmul(h, x), zb) < 1e-13)
        end
      end
      -- kron and outer: closed forms
      local v = np.complex(np.array{1.0, 0}, np.array{0.0, 1})       -- {1, i}
      close(la.kron(v, np.array{1.0, 2}), {re = {1, 2, 0, 0}, im = {0, 0, 1, 2}})
      close(la.outer(v, np.array{1.0, 2}), {re = {{1, 2}, {0, 0}}, im = {{0, 0}, {1, 2}}})
    end)
    it("schur gives Z T Z^H = A with T (quasi) upper triangular", function()
      for _, src in ipairs{F.A, F.N, F.Z} do
        for _, a in pairs(variants(src)) do
          for _, out in ipairs{"real", "complex"} do
            local t, z = la.schur(a, out)
            assert.is_true(maxdiff(np.matmul(ctrans(z), z), eye(a.shape[1])) < 1e-13)
            assert.is_true(maxdiff(np.matmul(z, np.matmul(t, ctrans(z))), a) < 1e-12)
            local n, sub = a.shape[1], 0
            for i = 3, n do for j = 1, i - 2 do
              local v = t:get(i, j); sub = math.max(sub, math.abs(type(v) == "number" and v or v:abs()))
            end end
            assert.are.equal(0, sub)
            if out == "complex" then assert.are.equal("complex128", t.dtype) end
          end
        end
      end
      fails(function() la.schur(np.array(F.A), "imaginary") end, "output must be 'real' or 'complex'")
    end)
  end)
end)
