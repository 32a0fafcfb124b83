-- lumpy.optimize: root finding, minimisation and fitting.
-- The kernels are C (src/optimize.c, src/opt_*.c) and call the user's Lua
-- functions; this module normalises options, fills SciPy's defaults and
-- builds SciPy-named result tables.
local core = require "lumpy.core"
local C = core._optimize
local K = require "lumpy.optimize_constrained"  -- Powell, SLSQP, linprog

local error, type, pairs, ipairs, select = error, type, pairs, ipairs, select
local tostring, string, math, table = tostring, string, math, table
local io = io
local debug_getinfo = debug.getinfo
local setmetatable, getmetatable, rawget = setmetatable, getmetatable, rawget

local _ENV = nil

local M = {}

local EPS = 2.220446049250313e-16
local XTOL, RTOL, ITER = 2e-12, 4 * EPS, 100

-- rejects unknown option keys; returns opts or an empty table
local function checkopts(fname, opts, allowed)
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    error(string.format("bad argument to '%s' (options table expected, got %s)",
      fname, type(opts)), 3)
  end
  for k in pairs(opts) do
    if not allowed[k] then
      error(string.format("lumpy.optimize.%s: unknown option '%s'", fname, tostring(k)), 3)
    end
  end
  return opts
end

local function set(...)
  local t = {}
  for i = 1, select("#", ...) do t[select(i, ...)] = true end
  return t
end

local function checknumber(fname, v, what)
  if type(v) ~= "number" then
    error(string.format("lumpy.optimize.%s: %s must be a number, got %s",
      fname, what, type(v)), 3)
  end
  return v
end

-- f must be callable; it is argument n of fname, or its option `option`
local function checkcallable(fname, f, n, option)
  local t = type(f)
  if t == "function" then return f end
  if t == "table" or t == "userdata" then
    local mt = getmetatable(f)
    if type(mt) == "table" and rawget(mt, "__call") then return f end
  end
  if option then
    error(string.format("bad argument #%d to '%s' (option '%s' must be a function, got %s)",
      n, fname, option, t), 3)
  end
  error(string.format("bad argument #%d to '%s' (function expected, got %s)", n, fname, t), 3)
end

------------------------------------------------------------------------------
-- scalar roots

local FLAGS = {
  [0] = "converged", [-1] = "sign error", [-2] = "convergence error",
  [-3] = "value error", [-4] = "convergence error",
}

local function rootresults(x, it, fc, flag)
  return { root = x, iterations = it, function_calls = fc, converged = flag == 0,
           flag = FLAGS[flag] }
end

local BRACKET_OPTS = set("xtol", "rtol", "maxiter", "args", "disp", "full_output", "k")

local NOOPTS = {}   -- for calls without options: read, never written

local function bracketroot(method)
  return function(f, a, b, opts)
    checkcallable(method, f, 1)
    checknumber(method, a, "a")
    checknumber(method, b, "b")
    if opts == nil then opts = NOOPTS else opts = checkopts(method, opts, BRACKET_OPTS) end
    local xtol = opts.xtol or XTOL
    local rtol = opts.rtol or RTOL
    local maxiter = opts.maxiter or ITER
    local k = opts.k or 1
    if type(xtol) ~= "number" or xtol <= 0 then
      error(string.format("lumpy.optimize.%s: xtol too small (%s <= 0)", method,
        tostring(xtol)), 2)
    end
    local rmin = method == "toms748" and RTOL / 4 or RTOL
    if type(rtol) ~= "number" or rtol < rmin then
      error(string.format("lumpy.optimize.%s: rtol too small (%s < %s)", method,
        tostring(rtol), tostring(rmin)), 2)
    end
    if math.type(maxiter) ~= "integer" or maxiter < 0 or (method == "toms748" and maxiter < 1) then
      error(string.format("lumpy.optimize.%s: maxiter must be a nonnegative integer", method), 2)
    end
    if method == "toms748" then
      if not (a < b) then
        error(string.format("lumpy.optimize.toms748: a and b are not an interval [%s, %s]",
          tostring(a), tostring(b)), 2)
      end
      if a ~= a or b ~= b or a == math.huge or b == math.huge or a == -math.huge or b == -math.huge then
        error("lumpy.optimize.toms748: a and b must be finite", 2)
      end
      if math.type(k) ~= "integer" or k < 1 then
        error("lumpy.optimize.toms748: k must be an integer >= 1", 2)
      end
    end
    local x, it, fc, flag = C._zero(method, f, a, b, xtol, rtol, maxiter, opts, k)
    if flag == -1 then
      error(string.format("lumpy.optimize.%s: f(a) and f(b) must have different signs", method), 2)
    end
    if flag == -3 then
      error(string.format("lumpy.optimize.%s: invalid function value at x = %s", method,
        tostring(x)), 2)
    end
    if flag ~= 0 and opts.disp ~= false then
      error(string.format("lumpy.optimize.%s: failed to converge after %d iterations, value is %s",
        method, it, tostring(x)), 2)
    end
    return x, rootresults(x, it, fc, flag)
  end
end

M.brentq = bracketroot("brentq")
M.brenth = bracketroot("brenth")
M.ridder = bracketroot("ridder")
M.bisect = bracketroot("bisect")
M.toms748 = bracketroot("toms748")

-- fprime = true: f returns f, f' (and f'' when fprime2 = true too); split
-- into memoised functions so each value costs one call of f
local function splitderivs(f, fprime, fprime2, args)
  if fprime ~= true and fprime2 ~= true then return f, fprime, fprime2 end
  local lastx, v1, v2, v3
  local function eval(x, ...)
    if x ~= lastx then
      v1, v2, v3 = f(x, ...)
      lastx = x
    end
  end
  local g = function(x, ...) eval(x, ...) return v1 end
  local d1 = fprime == true and function(x, ...) eval(x, ...) return v2 end or fprime
  local d2 = fprime2 == true and function(x, ...) eval(x, ...) return v3 end or fprime2
  return g, d1, d2
end

local NEWTON_OPTS = set("fprime", "fprime2", "x1", "tol", "rtol", "maxiter", "args",
  "disp", "full_output")

local function newtonlike(fname, f, x0, opts, kernel)
  checkcallable(fname, f, 1)
  checknumber(fname, x0, "x0")
  local tol = opts.tol or 1.48e-8
  local rtol = opts.rtol or 0.0
  local maxiter = opts.maxiter or 50
  if type(tol) ~= "number" or tol <= 0 then
    error(string.format("lumpy.optimize.%s: tol too small (%s <= 0)", fname, tostring(tol)), 3)
  end
  if math.type(maxiter) ~= "integer" or maxiter < 1 then
    error(string.format("lumpy.optimize.%s: maxiter must be greater than 0", fname), 3)
  end
  if opts.x1 ~= nil then
    checknumber(fname, opts.x1, "x1")
    if opts.x1 == x0 and opts.fprime == nil then
      error(string.format("lumpy.optimize.%s: x1 and x0 must be different", fname), 3)
    end
  end
  if opts.fprime2 ~= nil and opts.fprime == nil then
    error(string.format("lumpy.optimize.%s: fprime2 needs fprime", fname), 3)
  end
  local g, d1, d2 = splitderivs(f, opts.fprime, opts.fprime2)
  local x, it, fc, flag = C._newton(g, x0, d1, d2, opts.x1, tol, rtol, maxiter, opts, kernel)
  if flag ~= 0 and opts.disp ~= false then
    local why = flag == -4 and (d1 and "derivative was zero" or "tolerance reached with f(x1) == f(x0)")
      or "failed to converge"
    error(string.format("lumpy.optimize.%s: %s after %d iterations, value is %s", fname, why,
      it, tostring(x)), 3)
  end
  return x, rootresults(x, it, fc, flag)
end

function M.newton(f, x0, opts)
  opts = checkopts("newton", opts, NEWTON_OPTS)
  return newtonlike("newton", f, x0, opts, "lumpy.optimize.newton")
end

function M.secant(f, x0, opts)
  opts = checkopts("secant", opts, set("x1", "tol", "rtol", "maxiter", "args", "disp"))
  return newtonlike("secant", f, x0, opts, "lumpy.optimize.secant")
end

function M.halley(f, x0, opts)
  opts = checkopts("halley", opts, NEWTON_OPTS)
  if opts.fprime == nil or opts.fprime2 == nil then
    error("lumpy.optimize.halley: fprime and fprime2 are required", 2)
  end
  return newtonlike("halley", f, x0, opts, "lumpy.optimize.halley")
end

local ROOT_SCALAR_OPTS = set("method", "bracket", "x0", "x1", "fprime", "fprime2", "xtol",
  "rtol", "maxiter", "args", "options")

-- root_scalar(f, {method=, bracket=, x0=, x1=, fprime=, fprime2=, ...}) ->
-- RootResults table {root, iterations, function_calls, converged, flag}
function M.root_scalar(f, opts)
  opts = checkopts("root_scalar", opts, ROOT_SCALAR_OPTS)
  local method = opts.method
  if method == nil then
    if opts.bracket then method = "brentq"
    elseif opts.x0 ~= nil then
      if opts.fprime then method = opts.fprime2 and "halley" or "newton"
      elseif opts.x1 ~= nil then method = "secant"
      else method = "newton" end
    else
      error("lumpy.optimize.root_scalar: unable to select a solver as neither bracket nor x0 is given", 2)
    end
  end
  method = string.lower(method)
  local extra = opts.options or {}
  local function o(k, d) if opts[k] ~= nil then return opts[k] end
    if extra[k] ~= nil then return extra[k] end return d end
  if method == "brentq" or method == "brenth" or method == "ridder" or method == "bisect"
      or method == "toms748" then
    local br = opts.bracket
    if type(br) ~= "table" or #br ~= 2 then
      error("lumpy.optimize.root_scalar: method '" .. method .. "' needs bracket = {a, b}", 2)
    end
    local _, r = M[method](f, br[1], br[2], { xtol = o("xtol"), rtol = o("rtol"),
      maxiter = o("maxiter"), args = opts.args, disp = false, k = extra.k })
    return r
  elseif method == "newton" or method == "secant" or method == "halley" then
    if type(opts.x0) ~= "number" then
      error("lumpy.optimize.root_scalar: method '" .. method .. "' needs x0", 2)
    end
    local no = { tol = o("xtol"), rtol = o("rtol"), maxiter = o("maxiter"), args = opts.args,
      disp = false }
    if method == "newton" then
      if not opts.fprime then
        -- SciPy falls back to the secant method
        no.x1 = opts.x1
      else
        no.fprime = opts.fprime
      end
    elseif method == "secant" then
      no.x1 = opts.x1
    else
      if not opts.fprime or not opts.fprime2 then
        error("lumpy.optimize.root_scalar: method 'halley' needs fprime and fprime2", 2)
      end
      no.fprime, no.fprime2 = opts.fprime, opts.fprime2
    end
    local _, r = newtonlike("root_scalar", f, opts.x0, no, "lumpy.optimize.root_scalar")
    return r
  end
  error("lumpy.optimize.root_scalar: unknown method '" .. tostring(opts.method) .. "'", 2)
end

------------------------------------------------------------------------------
-- scalar minimisation

local MINSCALAR_OPTS = set("method", "bracket", "bounds", "tol", "args", "options",
  "maxiter", "xtol", "xatol", "disp")

local MINSCALAR_MSG = {
  brent = { [0] = "Optimization terminated successfully.",
    [1] = "Maximum number of iterations exceeded.",
    [2] = "NaN result encountered." },
  golden = { [0] = "Optimization terminated successfully.",
    [1] = "Maximum number of iterations exceeded.",
    [2] = "NaN result encountered." },
  bounded = { [0] = "Solution found.",
    [1] = "Maximum number of function calls reached.",
    [2] = "NaN result encountered." },
}

-- minimize_scalar(f, {method = "brent"|"bounded"|"golden", bracket, bounds,
-- tol, maxiter, xatol, args}) -> {x, fun, nit, nfev, success, status, message}
function M.minimize_scalar(f, opts)
  opts = checkopts("minimize_scalar", opts, MINSCALAR_OPTS)
  checkcallable("minimize_scalar", f, 1)
  local extra = opts.options or {}
  local function o(k) if opts[k] ~= nil then return opts[k] end return extra[k] end
  local method = opts.method
  if method == nil then method = opts.bounds and "bounded" or "brent" end
  method = string.lower(method)
  if not MINSCALAR_MSG[method] then
    error("lumpy.optimize.minimize_scalar: unknown method '" .. tostring(method) .. "'", 2)
  end
  local x, fun, nit, nfev, flag
  if method == "bounded" then
    local b = opts.bounds
    if type(b) ~= "table" or #b ~= 2 or type(b[1]) ~= "number" or type(b[2]) ~= "number" then
      error("lumpy.optimize.minimize_scalar: method 'bounded' needs bounds = {lo, hi}", 2)
    end
    if not (b[1] > -math.huge and b[2] < math.huge) then
      error("lumpy.optimize.minimize_scalar: optimization bounds must be finite scalars", 2)
    end
    if b[1] > b[2] then
      error("lumpy.optimize.minimize_scalar: the lower bound exceeds the upper bound", 2)
    end
    local xatol = o("xatol") or opts.tol or 1e-5
    x, fun, nit, nfev, flag = C._minscalar("bounded", f, b, xatol, o("maxiter") or 500, opts)
  else
    if opts.bounds ~= nil then
      error("lumpy.optimize.minimize_scalar: use of bounds needs method 'bounded'", 2)
    end
    local tol = o("xtol") or opts.tol or (method == "brent" and 1.48e-8 or 1.4901161193847656e-08)
    local maxiter = o("maxiter") or (method == "brent" and 500 or 5000)
    x, fun, nit, nfev, flag = C._minscalar(method, f, opts.bracket, tol, maxiter, opts)
  end
  return { x = x, fun = fun, nit = nit, nfev = nfev, success = flag == 0, status = flag,
           message = MINSCALAR_MSG[method][flag] }
end

-- bracket(f, xa, xb, {grow_limit, maxiter, args}) -> xa, xb, xc, fa, fb, fc, funcalls
function M.bracket(f, xa, xb, opts)
  opts = checkopts("bracket", opts, set("grow_limit", "maxiter", "args"))
  return C._bracket(f, xa or 0.0, xb or 1.0, opts.grow_limit or 110.0, opts.maxiter or 1000,
    opts)
end

------------------------------------------------------------------------------
-- multivariate minimisation

local MINIMIZE_OPTS = set("method", "jac", "bounds", "constraints", "tol", "callback",
  "options", "args", "maxiter", "maxfev", "maxfun", "gtol", "ftol", "xtol", "xatol", "fatol",
  "disp", "eps", "adaptive", "norm", "xrtol", "finite_diff_rel_step", "return_all",
  "initial_simplex", "maxcor", "maxls", "iprint")

local METHODS = {
  ["nelder-mead"] = "nelder-mead", bfgs = "bfgs", cg = "cg", ["l-bfgs-b"] = "l-bfgs-b",
}
METHODS.powell, METHODS.slsqp, MINIMIZE_OPTS.direc = "powell", "slsqp", true

local function print_summary(r)
  local w = r.success and "" or "Warning: "
  io.write(w, r.message, "\n")
  io.write(string.format("         Current function value: %f\n", r.fun))
  io.write(string.format("         Iterations: %d\n", r.nit))
  io.write(string.format("         Function evaluations: %d\n", r.nfev))
  if r.njev then io.write(string.format("         Gradient evaluations: %d\n", r.njev)) end
end

-- bounds {{lo, hi}, ...} (nil for none) -> lb, ub tables of n numbers
local function splitbounds(fname, bounds, n)
  if bounds == nil then return nil end
  if type(bounds) ~= "table" then
    error("lumpy.optimize." .. fname .. ": bounds must be a table of {lo, hi} pairs", 3)
  end
  if #bounds ~= n then
    error(string.format("lumpy.optimize.%s: %d bounds given for %d variables", fname,
      #bounds, n), 3)
  end
  local lb, ub = {}, {}
  for i = 1, n do
    local b = bounds[i]
    if type(b) ~= "table" then
      error(string.format("lumpy.optimize.%s: bound %d must be a {lo, hi} pair", fname, i), 3)
    end
    local lo, hi = b[1], b[2]
    if lo == nil then lo = -math.huge end
    if hi == nil then hi = math.huge end
    if type(lo) ~= "number" or type(hi) ~= "number" then
      error(string.format("lumpy.optimize.%s: bound %d must hold numbers", fname, i), 3)
    end
    if lo > hi then
      error(string.format("lumpy.optimize.%s: lower bound %d exceeds the upper bound", fname, i), 3)
    end
    lb[i], ub[i] = lo, hi
  end
  return lb, ub
end

-- L-BFGS-B's inverse Hessian approximation as SciPy's LbfgsInvHessProduct:
-- H = V_k' ... (V_1' I V_1) ... V_k + sum rho_i s_i s_i' from the stored
-- pairs (rows of sk, yk), applied by the two-loop recursion (Nocedal &
-- Wright, Algorithm 7.4, with H0 = I)
local InvHess = {}
InvHess.__index = InvHess

-- H v for a vector v (array or table of n numbers) -> array
function InvHess.matvec(self, v)
  local q = core.array(v, "float64")
  if q.ndim == 2 and q.shape[2] == 1 then q = q:reshape(q.size) end
  if q.ndim ~= 1 or q.size ~= self.shape[1] then
    error("lumpy.optimize: hess_inv:matvec needs a vector of " .. self.shape[1]
          .. " elements", 2)
  end
  local s, y, rho, k = self.sk, self.yk, self.rho, self.n_corrs
  local alpha = {}
  for i = k, 1, -1 do
    alpha[i] = rho[i] * s[i]:dot(q)
    q = q - alpha[i] * y[i]
  end
  for i = 1, k do
    local beta = rho[i] * y[i]:dot(q)
    q = q + (alpha[i] - beta) * s[i]
  end
  return q
end
InvHess.__call = InvHess.matvec
InvHess.dot = InvHess.matvec

-- the n x n matrix H
function InvHess.todense(self)
  local n = self.shape[1]
  local I = core.eye(n)
  local H = I
  for i = 1, self.n_corrs do
    local s, y, rho = self.sk[i], self.yk[i], self.rho[i]
    local sc, yc, sr, yr = s:reshape{n, 1}, y:reshape{n, 1}, s:reshape{1, n}, y:reshape{1, n}
    local A1 = I - sc * yr * rho
    local A2 = I - yc * sr * rho
    H = A1:matmul(H:matmul(A2)) + rho * sc * sr
  end
  return H
end

function InvHess.__tostring(self)
  return ("<%dx%d LbfgsInvHessProduct with dtype=float64>"):format(self.shape[1], self.shape[2])
end

local function lbfgs_invhess(sk, yk)
  local k, n = sk.shape[1], sk.shape[2]
  local rho = {}
  for i = 1, k do rho[i] = 1 / sk[i]:dot(yk[i]) end
  return setmetatable({sk = sk, yk = yk, rho = rho, n_corrs = k, shape = {n, n}}, InvHess)
end

local function size_of(x0)
  if type(x0) == "number" then return 1 end
  if type(x0) == "table" then return #x0 end
  return core.asarray(x0).size
end

-- the solver options of minimize and root in one table: those given in
-- opts.options (SciPy's options dict; any allowed key but method and options)
-- and those given directly in opts, less the keys in skip
local function flatoptions(fname, opts, allowed, skip)
  local o = {}
  if opts.options ~= nil then
    if type(opts.options) ~= "table" then
      error("lumpy.optimize." .. fname .. ": option 'options' must be a table", 3)
    end
    for k, v in pairs(opts.options) do
      if not allowed[k] or k == "method" or k == "options" then
        error("lumpy.optimize." .. fname .. ": unknown option '" .. tostring(k) .. "'", 3)
      end
      o[k] = v
    end
  end
  for k, v in pairs(opts) do
    if not skip[k] then o[k] = v end
  end
  return o
end

-- minimize(fun, x0, {method, jac, bounds, constraints, tol, callback,
-- options, args, ...}) -> {x, fun, jac, hess_inv, nit, nfev, njev, status,
-- success, message}
function M.minimize(fun, x0, opts)
  opts = checkopts("minimize", opts, MINIMIZE_OPTS)
  checkcallable("minimize", fun, 1)
  local o = flatoptions("minimize", opts, MINIMIZE_OPTS,
    {options = true, method = true, jac = true, bounds = true, constraints = true})
  local method = opts.method
  if method == nil then
    if opts.constraints ~= nil then method = "SLSQP"
    elseif opts.bounds ~= nil then method = "L-BFGS-B"
    else method = "BFGS" end
  end
  if type(method) ~= "string" or not METHODS[string.lower(method)] then
    error("lumpy.optimize.minimize: unknown method '" .. tostring(method) .. "'", 2)
  end
  local m = METHODS[string.lower(method)]
  if o.maxfun ~= nil and o.maxfev == nil then o.maxfev = o.maxfun end
  if o.maxfev ~= nil and o.maxfun == nil then o.maxfun = o.maxfev end
  if opts.tol ~= nil then
    if m == "nelder-mead" then
      o.xatol = o.xatol or opts.tol
      o.fatol = o.fatol or opts.tol
    elseif m == "bfgs" or m == "cg" then
      o.gtol = o.gtol or opts.tol
    elseif m == "l-bfgs-b" then
      o.ftol = o.ftol or opts.tol
      o.gtol = o.gtol or opts.tol
    end
  end
  for _, k in ipairs{"maxiter", "maxfev"} do
    local v = o[k]
    if v ~= nil and (type(v) ~= "number" or v < 0) then
      error("lumpy.optimize.minimize: option '" .. k .. "' must be a nonnegative number", 2)
    end
  end
  local jac = opts.jac
  if jac ~= nil and jac ~= true and jac ~= false and jac ~= "2-point" and jac ~= "3-point"
      and jac ~= "cs" then
    checkcallable("minimize", jac, 3, "jac")
  end
  if jac == false then jac = nil end
  if jac == "cs" then jac = "3-point" end
  if (jac == nil) and o.eps == nil and (m == "bfgs" or m == "cg") then
    o.eps = 1.4901161193847656e-08
  end
  local n = size_of(x0)
  local lb, ub = splitbounds("minimize", opts.bounds, n)
  if m == "powell" or m == "slsqp" then return K.minimize(m, fun, x0, jac, o, opts, lb, ub) end
  if lb and m ~= "nelder-mead" and m ~= "l-bfgs-b" then
    error("lumpy.optimize.minimize: method '" .. method .. "' cannot handle bounds", 2)
  end
  if opts.constraints ~= nil then
    error("lumpy.optimize.minimize: method '" .. method .. "' cannot handle constraints", 2)
  end
  local r
  if m == "l-bfgs-b" then
    r = C._lbfgsb(fun, x0, jac, o, lb, ub)
    r.hess_inv = lbfgs_invhess(r._sk, r._yk)
    r._sk, r._yk = nil, nil
  else r = C._minimize(m, fun, x0, jac, o, lb, ub) end
  if o.disp then print_summary(r) end
  return r
end

-- approx_fprime(xk, f, epsilon, {args}) -> gradient (scalar f) or Jacobian
function M.approx_fprime(xk, f, epsilon, opts)
  opts = checkopts("approx_fprime", opts, set("args"))
  checkcallable("approx_fprime", f, 2)
  return C._approx_fprime(xk, f, epsilon or 1.4901161193847656e-08, opts)
end

-- check_grad(func, grad, x0, {epsilon, args}) -> 2-norm of the difference
function M.check_grad(func, grad, x0, opts)
  opts = checkopts("check_grad", opts, set("args", "epsilon"))
  checkcallable("check_grad", func, 1)
  checkcallable("check_grad", grad, 2)
  return C._check_grad(func, grad, x0, opts.epsilon or 1.4901161193847656e-08, opts)
end

------------------------------------------------------------------------------
-- systems of equations

local ROOT_OPTS = set("method", "jac", "tol", "args", "options", "xtol", "maxfev", "eps",
  "factor", "diag", "ftol", "gtol", "col_deriv", "band")

local LM_MSG = {
  [1] = "Both actual and predicted relative reductions in the sum of squares\n  are at most %s",
  [2] = "The relative error between two consecutive iterates is at most %s",
  [3] = "Both actual and predicted relative reductions in the sum of squares\n  are at most %s and the relative error between two consecutive iterates is at \n  most %s",
  [4] = "The cosine of the angle between func(x) and any column of the\n  Jacobian is at most %s in absolute value",
  [5] = "Number of calls to function has reached maxfev = %d.",
}

-- root(fun, x0, {method = "hybr"|"lm", jac, tol, args, options}) ->
-- {x, fun, nfev, njev, status, success, message, ...}
function M.root(fun, x0, opts)
  opts = checkopts("root", opts, ROOT_OPTS)
  checkcallable("root", fun, 1)
  local o = flatoptions("root", opts, ROOT_OPTS, {options = true, method = true, jac = true})
  local jac = opts.jac
  if jac == false then jac = nil end
  if jac == true then
    error("lumpy.optimize.root: jac = true is not supported; pass the Jacobian function", 2)
  end
  if jac ~= nil then checkcallable("root", jac, 3, "jac") end
  local method = string.lower(opts.method or "hybr")
  if method == "hybr" then
    local r = C._hybr(fun, x0, jac, { xtol = o.xtol or opts.tol, maxfev = o.maxfev,
      epsfcn = o.eps, factor = o.factor, diag = o.diag, args = opts.args })
    return r
  elseif method == "lm" then
    local tol = opts.tol
    local n = size_of(x0)
    local lo = { ftol = o.ftol or tol or 1.49012e-08, xtol = o.xtol or tol or 1.49012e-08,
      gtol = o.gtol or 0.0, max_nfev = (o.maxfev and o.maxfev > 0) and o.maxfev
        or (jac and 100 * (n + 1) or 200 * (n + 1)),
      epsfcn = o.eps or EPS, factor = o.factor or 100, diag = o.diag, args = opts.args,
      kernel = "lumpy.optimize.root" }
    local r = C._lm(fun, x0, jac, lo)
    local info = r.info
    local msg = LM_MSG[info] and string.format(LM_MSG[info], info == 3 and lo.ftol or
      (info == 2 and lo.xtol or (info == 4 and lo.gtol or (info == 5 and lo.max_nfev or lo.ftol))),
      lo.xtol) or "An error occurred."
    return { x = r.x, fun = r.fun, nfev = r.nfev, njev = r.njev, status = info,
      success = info >= 1 and info <= 4, message = msg, cov_x = r.cov_x }
  end
  error("lumpy.optimize.root: unknown method '" .. tostring(opts.method) .. "'", 2)
end

------------------------------------------------------------------------------
-- least squares and curve fitting


-- bounds = {lb, ub} (numbers or tables, SciPy's form) -> lb, ub tables of n
local function lsqbounds(fname, bounds, n)
  if bounds == nil then return nil end
  if type(bounds) ~= "table" or #bounds ~= 2 then
    error("lumpy.optimize." .. fname .. ": bounds must be {lb, ub}", 3)
  end
  local out = {}
  for k = 1, 2 do
    local b, t = bounds[k], {}
    if type(b) == "number" then
      for i = 1, n do t[i] = b end
    elseif type(b) == "table" then
      if #b ~= n then
        error(string.format("lumpy.optimize.%s: bounds must have %d elements", fname, n), 3)
      end
      for i = 1, n do
        if type(b[i]) ~= "number" then
          error("lumpy.optimize." .. fname .. ": bounds must hold numbers", 3)
        end
        t[i] = b[i]
      end
    else
      error("lumpy.optimize." .. fname .. ": bounds must be {lb, ub}", 3)
    end
    out[k] = t
  end
  for i = 1, n do
    if not (out[1][i] < out[2][i]) then
      error("lumpy.optimize." .. fname .. ": each lower bound must be strictly less than the upper bound", 3)
    end
  end
  return out[1], out[2]
end

local LOSSES = set("linear", "soft_l1", "huber", "cauchy", "arctan")

-- the trf kernel for least_squares and curve_fit (curve = {xdata, ydata,
-- sigma, absolute_sigma})
local function trf(fname, fun, x0, jac, opts, curve)
  local n = size_of(x0)
  local lb, ub = lsqbounds(fname, opts.bounds, n)
  if lb then
    local x = type(x0) == "table" and x0 or core.totable(core.asarray(x0))
    if type(x) == "number" then x = {x} end
    for i = 1, n do
      if x[i] < lb[i] or x[i] > ub[i] then
        error("lumpy.optimize." .. fname .. ": x0 is infeasible", 3)
      end
    end
  end
  local loss = opts.loss or "linear"
  if not LOSSES[loss] then
    error("lumpy.optimize." .. fname .. ": unknown loss '" .. tostring(loss) .. "'", 3)
  end
  local xs = opts.x_scale
  if xs ~= nil and xs ~= "jac" and type(xs) ~= "number" and type(xs) ~= "table" then
    error("lumpy.optimize." .. fname .. ": x_scale must be 'jac' or positive numbers", 3)
  end
  local fscale = opts.f_scale or 1.0
  if type(fscale) ~= "number" or fscale <= 0 then
    error("lumpy.optimize." .. fname .. ": f_scale must be positive", 3)
  end
  local o = { ftol = opts.ftol or 1e-8, xtol = opts.xtol or 1e-8, gtol = opts.gtol or 1e-8,
    max_nfev = opts.max_nfev or 100 * n, loss = loss, f_scale = fscale, x_scale = xs,
    diff_step = opts.diff_step, fd3 = opts.jac == "3-point", args = opts.args,
    kernel = "lumpy.optimize." .. fname,
    absolute_sigma = curve and curve[4] or nil }
  if curve then
    return C._trf(fun, x0, jac, o, lb, ub, curve[1], curve[2], curve[3])
  end
  return C._trf(fun, x0, jac, o, lb, ub)
end

-- the dogbox kernel (src/opt_dogbox.c) with least_squares' checks, for
-- least_squares and curve_fit (curve = {xdata, ydata, sigma, absolute_sigma})
local function dogbox(fname, fun, x0, jac, opts, curve)
  local n = size_of(x0)
  local x = type(x0) == "table" and x0 or core.totable(core.asarray(x0))
  if type(x) == "number" then x = {x} end
  if type(x[1]) == "table" then x = core.totable(core.asarray(x0):reshape(n)) end
  local lb, ub = lsqbounds(fname, opts.bounds, n)
  if lb then
    for i = 1, n do
      if x[i] < lb[i] or x[i] > ub[i] then
        error("lumpy.optimize." .. fname .. ": x0 is infeasible", 3)
      end
    end
  end
  local loss = opts.loss or "linear"
  if not LOSSES[loss] then
    error("lumpy.optimize." .. fname .. ": unknown loss '" .. tostring(loss) .. "'", 3)
  end
  local fscale = opts.f_scale or 1.0
  if type(fscale) ~= "number" or fscale <= 0 then
    error("lumpy.optimize." .. fname .. ": f_scale must be positive", 3)
  end
  local o = { ftol = opts.ftol or 1e-8, xtol = opts.xtol or 1e-8, gtol = opts.gtol or 1e-8,
    max_nfev = opts.max_nfev, x_scale = opts.x_scale, loss = loss, f_scale = fscale,
    diff_step = opts.diff_step, fd3 = opts.jac == "3-point", args = opts.args,
    kernel = "lumpy.optimize." .. fname, absolute_sigma = curve and curve[4] or nil }
  if curve then
    return C._dogbox(fun, x, jac, o, lb, ub, curve[1], curve[2], curve[3])
  end
  return C._dogbox(fun, x, jac, o, lb, ub)
end

local LSQ_OPTS = set("method", "jac", "bounds", "ftol", "xtol", "gtol", "x_scale", "loss",
  "f_scale", "diff_step", "max_nfev", "args", "verbose", "tr_solver")

-- least_squares(fun, x0, {method = "trf"|"lm", jac, bounds = {lb, ub}, loss,
-- f_scale, x_scale, ftol, xtol, gtol, max_nfev, diff_step, args}) ->
-- {x, cost, fun, jac, grad, optimality, active_mask, nfev, njev, status,
-- message, success}
function M.least_squares(fun, x0, opts)
  opts = checkopts("least_squares", opts, LSQ_OPTS)
  checkcallable("least_squares", fun, 1)
  local method = string.lower(opts.method or "trf")
  for _, k in ipairs{"ftol", "xtol", "gtol"} do
    local v = opts[k]
    if v ~= nil and (type(v) ~= "number" or v < 0) then
      error("lumpy.optimize.least_squares: " .. k .. " must be a nonnegative number", 2)
    end
  end
  local n = size_of(x0)
  local jac = opts.jac
  if jac == "2-point" or jac == "3-point" or jac == "cs" then jac = nil end
  if jac ~= nil then checkcallable("least_squares", jac, 3, "jac") end
  local loss = opts.loss or "linear"
  if method == "lm" then
    if loss ~= "linear" then
      error("lumpy.optimize.least_squares: method 'lm' supports only 'linear' loss function", 2)
    end
    if opts.bounds ~= nil then
      error("lumpy.optimize.least_squares: method 'lm' does not support bounds", 2)
    end
    local diag
    local xs = opts.x_scale or 1.0
    if xs ~= "jac" then
      diag = {}
      for i = 1, n do
        local v = type(xs) == "number" and xs or xs[i]
        if type(v) ~= "number" then
          error("lumpy.optimize.least_squares: x_scale must be 'jac' or positive numbers", 2)
        end
        diag[i] = 1 / v
      end
    end
    local max_nfev = opts.max_nfev or (jac and 100 * n or 100 * n * (n + 1))
    local o = { ftol = opts.ftol or 1e-8, xtol = opts.xtol or 1e-8, gtol = opts.gtol or 1e-8,
      max_nfev = max_nfev, epsfcn = opts.diff_step and opts.diff_step ^ 2 or EPS,
      diag = diag, args = opts.args, kernel = "lumpy.optimize.least_squares" }
    local r = C._lm(fun, x0, jac, o)
    r.info, r.cov_x = nil, nil
    return r
  elseif method == "trf" then
    return trf("least_squares", fun, x0, opts.jac ~= nil and jac or nil, opts, nil)
  elseif method == "dogbox" then
    return dogbox("least_squares", fun, x0, jac, opts)
  end
  error("lumpy.optimize.least_squares: unknown method '" .. tostring(opts.method) .. "'", 2)
end

local CURVE_OPTS = set("sigma", "absolute_sigma", "bounds", "method", "jac", "maxfev",
  "max_nfev", "full_output", "ftol", "xtol", "gtol", "loss", "f_scale", "x_scale",
  "diff_step", "epsfcn", "factor", "check_finite", "nan_policy")

-- curve_fit(f, xdata, ydata, p0, {sigma, absolute_sigma, bounds, method, jac,
-- maxfev, full_output, ...}) -> popt, pcov [, infodict]; f is called as
-- f(xdata, p1, ..., pk) like SciPy's
function M.curve_fit(f, xdata, ydata, p0, opts)
  opts = checkopts("curve_fit", opts, CURVE_OPTS)
  checkcallable("curve_fit", f, 1)
  if p0 == nil then
    local info = type(f) == "function" and debug_getinfo(f, "u")
    if not info or info.isvararg or info.nparams < 2 then
      error("lumpy.optimize.curve_fit: p0 is needed (the number of parameters cannot be told from f)", 2)
    end
    p0 = {}
    for i = 1, info.nparams - 1 do p0[i] = 1.0 end
  end
  local n = size_of(p0)
  local method = opts.method
  local bounds = opts.bounds
  local bounded = false
  if bounds ~= nil then
    if type(bounds) ~= "table" or #bounds ~= 2 then
      error("lumpy.optimize.curve_fit: bounds must be {lb, ub}", 2)
    end
    for k = 1, 2 do
      local b = bounds[k]
      if type(b) == "number" then
        if b ~= (k == 1 and -math.huge or math.huge) then bounded = true end
      elseif type(b) == "table" then
        for i = 1, #b do
          if b[i] ~= (k == 1 and -math.huge or math.huge) then bounded = true end
        end
      else
        bounded = true
      end
    end
  end
  if method == nil then method = bounded and "trf" or "lm" end
  method = string.lower(method)
  if method == "lm" and bounded then
    error("lumpy.optimize.curve_fit: method 'lm' only works for unconstrained problems; use 'trf' or 'dogbox' for bounds", 2)
  end
  local jac = opts.jac
  if jac == "2-point" or jac == "3-point" or jac == "cs" then jac = nil end
  if jac ~= nil then checkcallable("curve_fit", jac, 5, "jac") end
  local r
  if method == "lm" then
    local maxfev = opts.maxfev or opts.max_nfev or (jac and 100 * (n + 1) or 200 * (n + 1))
    local o = { ftol = opts.ftol or 1.49012e-08, xtol = opts.xtol or 1.49012e-08,
      gtol = opts.gtol or 0.0, max_nfev = maxfev, epsfcn = opts.epsfcn or EPS,
      factor = opts.factor or 100, absolute_sigma = opts.absolute_sigma,
      kernel = "lumpy.optimize.curve_fit" }
    r = C._lm(f, p0, jac, o, xdata, ydata, opts.sigma)
    if not (r.info >= 1 and r.info <= 4) then
      error("lumpy.optimize.curve_fit: optimal parameters not found: " .. r.message, 2)
    end
  elseif method == "trf" then
    r = trf("curve_fit", f, p0, jac, {
      jac = opts.jac, bounds = bounds, ftol = opts.ftol, xtol = opts.xtol, gtol = opts.gtol,
      max_nfev = opts.max_nfev or opts.maxfev, loss = opts.loss, f_scale = opts.f_scale,
      x_scale = opts.x_scale, diff_step = opts.diff_step }, {xdata, ydata, opts.sigma,
      opts.absolute_sigma})
    if not r.success then
      error("lumpy.optimize.curve_fit: optimal parameters not found: " .. r.message, 2)
    end
  elseif method == "dogbox" then
    r = dogbox("curve_fit", f, p0, jac, {
      jac = opts.jac, bounds = bounds, ftol = opts.ftol, xtol = opts.xtol, gtol = opts.gtol,
      max_nfev = opts.max_nfev or opts.maxfev, loss = opts.loss, f_scale = opts.f_scale,
      x_scale = opts.x_scale, diff_step = opts.diff_step }, {xdata, ydata, opts.sigma,
      opts.absolute_sigma})
    if not r.success then
      error("lumpy.optimize.curve_fit: optimal parameters not found: " .. r.message, 2)
    end
  else
    error("lumpy.optimize.curve_fit: unknown method '" .. tostring(method) .. "'", 2)
  end
  if opts.full_output then
    return r.x, r.pcov, { nfev = r.nfev, fvec = r.fun }, r.message, r.info or r.status
  end
  return r.x, r.pcov
end

M.linprog = K.linprog

-- SciPy's Rosenbrock test function, its gradient, Hessian and Hessian-vector
-- product, in C (src/opt_rosen.c)
M.rosen, M.rosen_der = C.rosen, C.rosen_der
M.rosen_hess, M.rosen_hess_prod = C.rosen_hess, C.rosen_hess_prod

return M
