-- NIST StRD linear least squares (Norris, Pontius, NoInt1-2, Filip, Longley,
-- Wampler1-5): lstsq on the design matrix each model names, against the
-- exact solutions (rational arithmetic on the same data, in
-- spec/fixtures/nist_lls.lua, cross-checked with the csv's NIST-Beta column).
local np = require "lumpy"
local exact = require "fixtures.nist_lls"

local function datadir()
  for _, d in ipairs{"../shared/data/nist/lls", "/work/shared/data/nist/lls"} do
    local f = io.open(d .. "/norris.csv")
    if f then f:close(); return d end
  end
  error("NIST lls data not found")
end
local DIR = datadir()

local function readcsv(path)
  local rows = {}
  local f = assert(io.open(path))
  local first = true
  for line in f:lines() do
    if first then first = false
    else
      local r = {}
      for v in line:gmatch("[^,]+") do r[#r + 1] = tonumber(v) end
      if #r > 0 then rows[#rows + 1] = r end
    end
  end
  f:close()
  return rows
end

-- the design matrix and response of a model
local function design(name, m)
  local rows = readcsv(DIR .. "/" .. name .. ".csv")
  local X, y = {}, {}
  for i, r in ipairs(rows) do
    y[i] = r[1]
    local row = {}
    if m.kind == "poly" then
      if m.intercept then row[1] = 1.0 end
      local x, p = r[2], 1.0
      for _ = 1, m.degree do p = p * x; row[#row + 1] = p end
    else
      row[1] = 1.0
      for k = 1, m.degree do row[k + 1] = r[k + 1] end
    end
    X[i] = row
  end
  return np.array(X), np.array(y)
end

-- rank and singular values against numpy's lstsq on the same float64 design
local function numpyrank(m, rank, s, name)
  assert.are.equal(m.numpy_rank, rank, name .. " rank")
  assert.are.equal(#m.numpy_s, s.size, name .. " number of singular values")
  for k = 1, s.size do
    assert.is_true(math.abs(s:get(k) - m.numpy_s[k]) <= 1e-13 * m.numpy_s[1],
      string.format("%s s[%d] = %.17g, numpy %.17g", name, k, s:get(k), m.numpy_s[k]))
  end
end

-- the residual sum of squares against want (exact, or numpy's): relative
-- 1e-12, or rounding level (1e-28 of |y|^2) when want is (near) zero
local function rss(res, want, y, name)
  local yy = 0
  for _, v in ipairs(y:totable()) do yy = yy + v * v end
  assert.are.equal(1, res.size, name .. " residuals")
  local r = res:get(1)
  assert.is_true(math.abs(r - want) <= 1e-12 * want + 1e-28 * yy,
    string.format("%s residual sum of squares %.17g, expected %.17g", name, r, want))
end

-- half a unit in the last digit printed in a NIST certified value ("6.74E-04")
local function halfulp(str)
  local mant, ex = str:match("^([-+%d.]+)[Ee]([-+]?%d+)$")
  if not mant then mant, ex = str, "0" end
  local dec = mant:match("%.(%d+)$")
  return 0.5 * 10 ^ (tonumber(ex) - (dec and #dec or 0))
end

-- the NIST-Beta column of a model's _compare.csv, as printed
local function certified(name)
  local out, first = {}, true
  for line in io.lines(DIR .. "/" .. name .. "_compare.csv") do
    if first then first = false
    else
      local v = line:match("^([^,]*)")
      if v and v ~= "" then out[#out + 1] = v end
    end
  end
  return out
end

-- correct significant digits of x against the exact value e (17 if equal)
local function digits(x, e)
  if x == e then return 17 end
  if e == 0 then return -math.log(math.abs(x), 10) end
  local d = -math.log(math.abs((x - e) / e), 10)
  return d > 17 and 17 or d
end

local names = {"norris", "pontius", "noint1", "noint2", "longley", "wampler1", "wampler2",
               "wampler3", "wampler4", "wampler5", "filip"}

describe("lumpy.linalg", function()
  describe("lstsq on NIST StRD linear regressions", function()
    local report = {}
    for _, name in ipairs(names) do
      local m = exact[name]
      -- digits of every coefficient of x against the exact solution
      local function score(x)
        local worst, all = 17, {}
        for k = 1, #m.exact do
          local d = digits(x:get(k), m.exact[k])
          all[k] = string.format("%.1f", d)
          if d < worst then worst = d end
        end
        return worst, table.concat(all, " ")
      end
      it(name .. " with the default lstsq", function()
        local X, y = design(name, m)
        local x, res, rank, s = np.linalg.lstsq(X, y)
        local worst, all = score(x)
        report[#report + 1] = string.format("%-9s default %5.2f  numpy %5.2f  [%s]", name,
          worst, m.numpy_digits, all)
        -- rank and singular values are NumPy's (gelsd on the design as given)
        numpyrank(m, rank, s, name)
        if name == "filip" then
          -- NumPy's rank rule (rcond = eps * 82) finds the float64 design
          -- rank-deficient: the default returns NumPy's minimum-norm answer
          assert.are.equal(#m.exact - 1, rank)
          -- with rcond = -1 (machine precision, as NumPy's) it is full rank
          -- and the default refines: the ~7.9 digits the float64 design holds
          local x1, _, rank1 = np.linalg.lstsq(X, y, -1)
          local w1, all1 = score(x1)
          report[#report + 1] = string.format("%-9s default %5.2f with rcond = -1  [%s]",
            name, w1, all1)
          assert.are.equal(#m.exact, rank1)
          assert.is_true(w1 >= 7.5, "filip rcond=-1 digits " .. w1)
        else
          assert.are.equal(#m.exact, rank)
          assert.is_true(worst >= 8, name .. " digits " .. worst)
          rss(res, m.exact_rss, y, name)
        end
      end)
      it(name .. " with refine = false is NumPy's answer", function()
        local X, y = design(name, m)
        local x, res, rank, s = np.linalg.lstsq(X, y, {refine = false})
        numpyrank(m, rank, s, name)
        if #m.numpy_res == 0 then assert.are.equal(0, res.size)
        else rss(res, m.numpy_res[1], y, name) end
        local worst, all = score(x)
        report[#report + 1] = string.format("%-9s gelsd   %5.2f  numpy %5.2f (rcond=-1: %5.2f)"
          .. "  [%s]", name, worst, m.numpy_digits, m.numpy_digits_rcond_m1, all)
        -- the same LAPACK routine on the same matrix: NumPy's digits within rounding
        assert.is_true(math.abs(worst - math.max(m.numpy_digits, 0)) < 1.5,
          name .. " " .. worst .. " vs numpy " .. m.numpy_digits)
      end)
      it(name .. " with refine = true", function()
        local X, y = design(name, m)
        local x, res, rank = np.linalg.lstsq(X, y, {refine = true})
        assert.are.equal(#m.exact, rank)
        local worst, all = score(x)
        report[#report + 1] = string.format("%-9s refine  %5.2f  [%s]", name, worst, all)
        -- Filip: the float64 design (x^k rounded) itself limits any solver to
        -- about 7.9 digits; numpy reaches 0 (default rcond) or 5.7 (rcond=-1)
        if name == "filip" then assert.is_true(worst >= 7.5, "filip digits " .. worst)
        else assert.is_true(worst >= 8, name .. " digits " .. worst) end
        if m.exact_float_design then
          -- the solver's own error: against the exact solution for the
          -- float64 design it was given
          local w2 = 17
          for k = 1, #m.exact do w2 = math.min(w2, digits(x:get(k), m.exact_float_design[k])) end
          report[#report + 1] = string.format("%-9s refine  %5.2f against the exact solution "
            .. "of its float64 design", name, w2)
          assert.is_true(w2 >= 15, name .. " design digits " .. w2)
        end
        -- the residual sum of squares is the exact one (for Filip: of the
        -- float64 design it was given, as the coefficients above)
        rss(res, m.exact_float_design_rss or m.exact_rss, y, name)
      end)
      it(name .. ": the csv's NIST-Beta agrees with the exact solution to its printed digits",
        function()
          local printed = certified(name)
          assert.are.equal(#m.exact, #printed)
          for k = 1, #m.csv do
            local e, c = m.exact[k], tonumber(printed[k])
            assert.are.equal(m.csv[k], c)
            -- the certified value is the exact one rounded to the digits printed
            assert.is_true(math.abs(c - e) <= halfulp(printed[k]) * (1 + 1e-12),
              string.format("%s beta[%d]: certified %s, exact %.17g", name, k, printed[k], e))
          end
        end)
    end
    it("reports digits", function()
      -- correct significant digits of every coefficient, for the report
      io.stderr:write("\nNIST StRD lls, correct digits (worst, then each coefficient):\n"
        .. table.concat(report, "\n") .. "\n")
    end)
  end)
end)
