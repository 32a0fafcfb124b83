-- lumpy.optimize_constrained: the Lua side of minimize's Powell and SLSQP
-- methods and of linprog (src/opt_powell.c, src/opt_slsqp.c,
-- src/opt_linprog.c). lumpy.optimize dispatches here; this module
-- normalises options, constraints and bounds, and fills SciPy's defaults.
local core = require "lumpy.core"
local C = core._optimize

local error, type, pairs, ipairs, tostring = error, type, pairs, ipairs, tostring
local string, math, io = string, math, io
local getmetatable, rawget = getmetatable, rawget

local _ENV = nil

local K = {}

local function callable(f)
  local t = type(f)
  if t == "function" then return true end
  if t == "table" or t == "userdata" then
    local mt = getmetatable(f)
    return type(mt) == "table" and rawget(mt, "__call") ~= nil
  end
  return false
end

local function print_summary(r)
  io.write(r.success and "" or "Warning: ", r.message, "\n")
  io.write(string.format("         Current function value: %f\n", r.fun))
  io.write(string.format("         Iterations: %d\n", r.nit))
  io.write(string.format("         Function evaluations: %d\n", r.nfev))
  if r.njev then io.write(string.format("         Gradient evaluations: %d\n", r.njev)) end
end

-- constraints: one {type=, fun=, jac=, args=} table or a list of them ->
-- a list of checked copies
local function checkconstraints(cons)
  if type(cons) ~= "table" then
    error("lumpy.optimize.minimize: constraints must be a table or a list of tables", 4)
  end
  local list = cons
  if cons.type ~= nil or cons.fun ~= nil then list = {cons} end
  local out = {}
  for i, c in ipairs(list) do
    if type(c) ~= "table" then
      error(string.format("lumpy.optimize.minimize: constraint %d must be a table", i), 4)
    end
    for k in pairs(c) do
      if k ~= "type" and k ~= "fun" and k ~= "jac" and k ~= "args" then
        error(string.format("lumpy.optimize.minimize: constraint %d: unknown key '%s'", i,
          tostring(k)), 4)
      end
    end
    if c.type ~= "eq" and c.type ~= "ineq" then
      error(string.format("lumpy.optimize.minimize: constraint %d: type must be 'eq' or 'ineq', got %s",
        i, tostring(c.type)), 4)
    end
    if not callable(c.fun) then
      error(string.format("lumpy.optimize.minimize: constraint %d: fun must be a function", i), 4)
    end
    if c.jac ~= nil and not callable(c.jac) then
      error(string.format("lumpy.optimize.minimize: constraint %d: jac must be a function", i), 4)
    end
    if c.args ~= nil and type(c.args) ~= "table" then
      error(string.format("lumpy.optimize.minimize: constraint %d: args must be a table", i), 4)
    end
    out[i] = {type = c.type, fun = c.fun, jac = c.jac, args = c.args}
  end
  return out
end

-- minimize for method "powell" or "slsqp": o holds the merged options,
-- opts the caller's table, lb/ub the split bounds (or nil)
function K.minimize(m, fun, x0, jac, o, opts, lb, ub)
  local r
  if m == "powell" then
    if opts.constraints ~= nil then
      error("lumpy.optimize.minimize: method 'Powell' cannot handle constraints", 3)
    end
    if o.tol ~= nil then
      if o.xtol == nil then o.xtol = o.tol end
      if o.ftol == nil then o.ftol = o.tol end
    end
    r = C._powell(fun, x0, o, lb, ub, o.direc)
  else
    if o.tol ~= nil and o.ftol == nil then o.ftol = o.tol end
    local cons = {}
    if opts.constraints ~= nil then cons = checkconstraints(opts.constraints) end
    r = C._slsqp(fun, x0, jac, o, lb, ub, cons)
  end
  if o.disp then print_summary(r) end
  return r
end

------------------------------------------------------------------------------
-- linprog

local LINPROG_OPTS = {
  A_ub = true, b_ub = true, A_eq = true, b_eq = true, bounds = true, method = true,
  options = true, maxiter = true, tol = true, disp = true,
}

local LINPROG_MSG = {
  [0] = "Optimization terminated successfully.",
  [1] = "Iteration limit reached.",
  [2] = "The problem is infeasible.",
  [3] = "The problem is unbounded.",
  [4] = "Numerical difficulties encountered.",
}

local function tonumber_or(v, d, what)
  if v == nil then return d end
  if type(v) ~= "number" then
    error("lumpy.optimize.linprog: " .. what .. " must be a number or nil", 4)
  end
  return v
end

-- bounds: nil (0, inf for all), one {lo, hi} pair for all, or n pairs
local function linbounds(bounds, n)
  local lb, ub = {}, {}
  if bounds == nil then
    for i = 1, n do lb[i], ub[i] = 0.0, math.huge end
    return lb, ub
  end
  if type(bounds) ~= "table" then
    error("lumpy.optimize.linprog: bounds must be a {lo, hi} pair or a list of them", 3)
  end
  local single = type(bounds[1]) ~= "table" and (#bounds <= 2)
  if single then
    local lo = tonumber_or(bounds[1], -math.huge, "a bound")
    local hi = tonumber_or(bounds[2], math.huge, "a bound")
    for i = 1, n do lb[i], ub[i] = lo, hi end
  else
    if #bounds ~= n then
      error(string.format("lumpy.optimize.linprog: %d bounds given for %d variables", #bounds,
        n), 3)
    end
    for i = 1, n do
      local b = bounds[i]
      if type(b) ~= "table" then
        error(string.format("lumpy.optimize.linprog: bound %d must be a {lo, hi} pair", i), 3)
      end
      lb[i] = tonumber_or(b[1], -math.huge, "a bound")
      ub[i] = tonumber_or(b[2], math.huge, "a bound")
    end
  end
  for i = 1, n do
    if lb[i] ~= lb[i] or ub[i] ~= ub[i] then
      error(string.format("lumpy.optimize.linprog: bound %d is NaN", i), 3)
    end
    if lb[i] == math.huge or ub[i] == -math.huge then
      error(string.format("lumpy.optimize.linprog: bound %d is infinite on the wrong side", i), 3)
    end
  end
  return lb, ub
end

-- linprog(c, {A_ub, b_ub, A_eq, b_eq, bounds, maxiter, tol}) -> {x, fun,
-- slack, con, success, status, message, nit}
function K.linprog(c, opts)
  if opts == nil then opts = {} end
  if type(opts) ~= "table" then
    error("bad argument #2 to 'linprog' (options table expected, got " .. type(opts) .. ")", 2)
  end
  for k in pairs(opts) do
    if not LINPROG_OPTS[k] then
      error("lumpy.optimize.linprog: unknown option '" .. tostring(k) .. "'", 2)
    end
  end
  local o = {}
  if opts.options ~= nil then
    if type(opts.options) ~= "table" then
      error("lumpy.optimize.linprog: option 'options' must be a table", 2)
    end
    for k, v in pairs(opts.options) do
      if k ~= "maxiter" and k ~= "tol" and k ~= "disp" then
        error("lumpy.optimize.linprog: unknown option '" .. tostring(k) .. "'", 2)
      end
      o[k] = v
    end
  end
  if opts.maxiter ~= nil then o.maxiter = opts.maxiter end
  if opts.tol ~= nil then o.tol = opts.tol end
  local method = opts.method
  if method ~= nil and method ~= "highs" and method ~= "simplex" and method ~= "revised simplex"
      and method ~= "highs-ds" then
    error("lumpy.optimize.linprog: unknown method '" .. tostring(method) .. "'", 2)
  end
  local maxiter = o.maxiter
  if maxiter ~= nil and (math.type(maxiter) ~= "integer" or maxiter < 0) then
    error("lumpy.optimize.linprog: maxiter must be a nonnegative integer", 2)
  end
  local tol = o.tol
  if tol ~= nil and (type(tol) ~= "number" or not (tol > 0)) then
    error("lumpy.optimize.linprog: tol must be a positive number", 2)
  end
  c = core.asarray(c)
  if c.ndim > 1 then
    error("lumpy.optimize.linprog: c must be a 1-d array", 2)
  end
  local n = c.size
  local lb, ub = linbounds(opts.bounds, n)
  local r = C._linprog(c, opts.A_ub, opts.b_ub, opts.A_eq, opts.b_eq, lb, ub,
    maxiter or -1, tol or 1e-9)
  r.success = r.status == 0
  r.message = LINPROG_MSG[r.status]
  if o.disp or opts.disp then io.write(r.message, "\n") end
  return r
end

return K
