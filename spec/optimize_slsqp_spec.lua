local np = require "lumpy"
local opt = np.optimize
local fx = dofile("spec/fixtures/optimize.lua")

local function close(a, b, rtol, atol)
  return math.abs(a - b) <= (atol or 0) + (rtol or 1e-12) * math.abs(b)
end

local function rosen(xa)
  local x, s = xa:totable(), 0
  for i = 1, #x - 1 do s = s + (100 * (x[i + 1] - x[i] * x[i]) ^ 2 + (1 - x[i]) ^ 2) end
  return s
end

local function g(x, i) return x:get(i) end

-- the Hock-Schittkowski problems of spec/fixtures/gen_optimize.py
local HS = {
  hs006 = {f = function(x) return (1 - g(x, 1)) * (1 - g(x, 1)) end, x0 = {-1.2, 1.0},
    cons = {{type = "eq", fun = function(x) return 10 * (g(x, 2) - g(x, 1) * g(x, 1)) end}}},
  hs021 = {f = function(x) return 0.01 * g(x, 1) * g(x, 1) + g(x, 2) * g(x, 2) - 100 end,
    x0 = {-1.0, -1.0}, bounds = {{2, 50}, {-50, 50}},
    cons = {{type = "ineq", fun = function(x) return 10 * g(x, 1) - g(x, 2) - 10 end}}},
  hs035 = {f = function(x)
      local a, b, c = g(x, 1), g(x, 2), g(x, 3)
      return 9 - 8 * a - 6 * b - 4 * c + 2 * a * a + 2 * b * b + c * c + 2 * a * b + 2 * a * c
    end, x0 = {0.5, 0.5, 0.5}, bounds = {{0, math.huge}, {0, math.huge}, {0, math.huge}},
    cons = {{type = "ineq", fun = function(x) return 3 - g(x, 1) - g(x, 2) - 2 * g(x, 3) end}}},
  hs071 = {f = function(x) return g(x, 1) * g(x, 4) * (g(x, 1) + g(x, 2) + g(x, 3)) + g(x, 3) end,
    x0 = {1.0, 5.0, 5.0, 1.0}, bounds = {{1, 5}, {1, 5}, {1, 5}, {1, 5}},
    cons = {{type = "ineq", fun = function(x) return g(x, 1) * g(x, 2) * g(x, 3) * g(x, 4) - 25 end},
            {type = "eq", fun = function(x)
              return g(x, 1) * g(x, 1) + g(x, 2) * g(x, 2) + g(x, 3) * g(x, 3) + g(x, 4) * g(x, 4) - 40
            end}}},
  tutorial = {f = function(x) return (g(x, 1) - 1) * (g(x, 1) - 1) + (g(x, 2) - 2.5) * (g(x, 2) - 2.5) end,
    x0 = {2.0, 0.0}, bounds = {{0, math.huge}, {0, math.huge}},
    cons = {{type = "ineq", fun = function(x) return g(x, 1) - 2 * g(x, 2) + 2 end},
            {type = "ineq", fun = function(x) return -g(x, 1) - 2 * g(x, 2) + 6 end},
            {type = "ineq", fun = function(x) return -g(x, 1) + 2 * g(x, 2) + 2 end}}},
  rosen_circle = {f = rosen, x0 = {-1.2, 1.0},
    cons = {{type = "eq", fun = function(x) return g(x, 1) * g(x, 1) + g(x, 2) * g(x, 2) - 1 end}}},
  rosen_unc = {f = rosen, x0 = {-1.2, 1.0}, cons = {}},
}

describe("lumpy.optimize", function()
  describe("minimize: SLSQP", function()
    for _, c in ipairs(fx.slsqp) do
      it(c.problem .. " matches SciPy (nfev " .. c.nfev .. ")", function()
        local p = HS[c.problem]
        local r = opt.minimize(p.f, p.x0, {method = "SLSQP", bounds = p.bounds,
          constraints = #p.cons > 0 and p.cons or nil})
        assert.are.equal(c.status, r.status)
        assert.is_true(close(r.fun, c.fun, 1e-7, 1e-9), ("fun %.12g vs %.12g"):format(r.fun, c.fun))
        if c.fstar then assert.is_true(close(r.fun, c.fstar, 1e-5, 1e-7)) end
        for i = 1, #p.x0 do assert.is_true(close(r.x:get(i), c.x[i], 1e-5, 1e-7)) end
        assert.is_true(math.abs(r.nfev - c.nfev) <= 0.1 * c.nfev, ("nfev %d vs %d"):format(r.nfev, c.nfev))
        assert.are.equal(c.nit, r.nit)
        if p.bounds then
          for i = 1, #p.x0 do
            assert.is_true(r.x:get(i) >= p.bounds[i][1] - 1e-10 and r.x:get(i) <= p.bounds[i][2] + 1e-10)
          end
        end
        for _, con in ipairs(p.cons) do
          local v = con.fun(r.x)
          if con.type == "eq" then assert.is_true(math.abs(v) < 1e-6) else assert.is_true(v > -1e-6) end
        end
      end)
    end

    it("is the default with constraints; takes jac functions and vector constraints", function()
      local p = HS.hs071
      local jac = function(x)
        local a, b, cc, d = g(x, 1), g(x, 2), g(x, 3), g(x, 4)
        return {a * d + d * (a + b + cc), a * d, a * d + 1, a * (a + b + cc)}
      end
      local cons = {
        {type = "ineq", fun = p.cons[1].fun, jac = function(x)
          local a, b, cc, d = g(x, 1), g(x, 2), g(x, 3), g(x, 4)
          return {{b * cc * d, a * cc * d, a * b * d, a * b * cc}}
        end},
        {type = "eq", fun = p.cons[2].fun, jac = function(x)
          return {2 * g(x, 1), 2 * g(x, 2), 2 * g(x, 3), 2 * g(x, 4)}
        end},
      }
      local r = opt.minimize(p.f, p.x0, {jac = jac, bounds = p.bounds, constraints = cons})
      assert.is_true(r.success)
      assert.is_true(close(r.fun, 17.0140173, 1e-6))
      r = opt.minimize(rosen, {0.5, 0}, {method = "SLSQP", bounds = {{0, 1}, {-0.5, 2}},
        constraints = {{type = "ineq", fun = function(x)
          return {1 - g(x, 1) - 2 * g(x, 2), 1 - g(x, 1) ^ 2 - g(x, 2)} end},
          {type = "eq", fun = function(x) return 2 * g(x, 1) + g(x, 2) - 1 end, args = {}}}})
      assert.is_true(close(r.fun, 0.34271757499503896, 1e-8))
    end)

    it("reports incompatible constraints and the iteration limit", function()
      local r = opt.minimize(rosen, {0, 0}, {method = "SLSQP", constraints = {
        {type = "ineq", fun = function(x) return g(x, 1) - 2 end},
        {type = "ineq", fun = function(x) return 1 - g(x, 1) end}}})
      assert.is_false(r.success)
      r = opt.minimize(rosen, {-1.2, 1}, {method = "SLSQP", maxiter = 3})
      assert.are.equal(9, r.status)
      assert.are.equal("Iteration limit reached", r.message)
    end)

    it("rejects malformed constraints and reports callback errors", function()
      local f = HS.tutorial.f
      assert.has_error(function() opt.minimize(f, {0, 0}, {constraints = {{type = "le", fun = f}}}) end)
      assert.has_error(function() opt.minimize(f, {0, 0}, {constraints = {{type = "eq"}}}) end)
      assert.has_error(function() opt.minimize(f, {0, 0}, {constraints = {{type = "eq", fun = f, foo = 1}}}) end)
      assert.has_error(function() opt.minimize(f, {0, 0}, {method = "BFGS", constraints = {type = "eq", fun = f}}) end)
      assert.has_error(function() opt.minimize(f, {0, 0}, {constraints = 5}) end)
      local ok, err = pcall(opt.minimize, f, {0, 0}, {constraints = {type = "eq", fun = function() error("con boom") end}})
      assert.truthy(err:find("lumpy.optimize.minimize:", 1, true))
      assert.truthy(err:find("con boom", 1, true))
      ok, err = pcall(opt.minimize, f, {0, 0}, {constraints = {type = "eq", fun = function() return "x" end}})
      assert.is_false(ok)
      local n = 0
      ok, err = pcall(opt.minimize, f, {0, 0}, {constraints = {type = "eq", fun = function()
        n = n + 1
        return n == 1 and {1, 2} or {1}
      end}})
      assert.truthy(err:find("expected 2", 1, true))
    end)
  end)
end)
