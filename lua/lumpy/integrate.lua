-- lumpy.integrate: quadrature, sample-based rules and ODE solvers.
-- The kernels are C (the core module's _integrate table); this layer
-- normalises options (unknown keys are an error), fills SciPy's defaults and
-- builds the result tables.
local core = require "lumpy.core"
local C = core._integrate
local error, type, pairs, ipairs, tostring, select = error, type, pairs, ipairs, tostring, select
local getmetatable, setmetatable, next_key = getmetatable, setmetatable, next
local math, string, table = math, string, table
local _ENV = nil

local M = {}

-- rejects option keys not in allowed; returns opts or an empty table
local function checkopts(fname, opts, allowed, argn)
  if opts == nil then return {} end
  if type(opts) ~= "table" then
    error(string.format("bad argument #%d to '%s' (options table expected, got %s)",
      argn, fname, type(opts)), 3)
  end
  for k in pairs(opts) do
    if not allowed[k] then
      error(string.format("bad argument #%d to '%s' (unknown option '%s')",
        argn, fname, tostring(k)), 3)
    end
  end
  return opts
end

local function iscallable(f)
  if type(f) == "function" then return true end
  local mt = getmetatable(f)
  return mt ~= nil and type(mt) == "table" and mt.__call ~= nil
end

---------------------------------------------------------------------------
-- quad
---------------------------------------------------------------------------
local QUAD_MESSAGES = {
  [1] = "The maximum number of subdivisions (%d) has been achieved. If increasing "
     .. "the limit yields no improvement, analyse the integrand to locate the "
     .. "difficulties (singularity, discontinuity) and split the range there.",
  [2] = "The occurrence of roundoff error is detected, which prevents the requested "
     .. "tolerance from being achieved. The error may be underestimated.",
  [3] = "Extremely bad integrand behavior occurs at some points of the integration "
     .. "interval.",
  [4] = "The algorithm does not converge. Roundoff error is detected in the "
     .. "extrapolation table. It is assumed that the requested tolerance cannot be "
     .. "achieved, and that the returned result is the best which can be obtained.",
  [5] = "The integral is probably divergent, or slowly convergent.",
}

local QUAD_OPTS = {
  epsabs = true, epsrel = true, limit = true, points = true, args = true,
  weight = true, wvar = true, limlst = true, maxp1 = true,
}

local function checknum(fname, v, what, argn)
  if type(v) ~= "number" then
    error(string.format("bad argument #%d to '%s' (%s must be a number, got %s)",
      argn, fname, what, type(v)), 3)
  end
end

local function info_table(ier, neval, last, limit)
  local info = {neval = neval, last = last, ier = ier}
  if ier ~= 0 then
    info.message = string.format(QUAD_MESSAGES[ier] or "unknown failure", limit)
    info.warning = true
  end
  return info
end

local function quad(f, a, b, opts)
  if not iscallable(f) and type(f) ~= "userdata" then
    error(string.format("bad argument #1 to 'quad' (function expected, got %s)", type(f)), 2)
  end
  checknum("quad", a, "lower limit", 2)
  checknum("quad", b, "upper limit", 3)
  opts = checkopts("quad", opts, QUAD_OPTS, 4)
  local o = {epsabs = opts.epsabs or 1.49e-8, epsrel = opts.epsrel or 1.49e-8,
             limit = opts.limit or 50, args = opts.args}
  if opts.args ~= nil and type(opts.args) ~= "table" then
    error("bad argument #4 to 'quad' (option 'args' must be a table)", 2)
  end
  for _, k in ipairs{"epsabs", "epsrel", "limit"} do
    if type(o[k]) ~= "number" then
      error(string.format("bad argument #4 to 'quad' (option '%s' must be a number)", k), 2)
    end
  end
  if opts.weight ~= nil then
    return M._quad_weight(f, a, b, o, opts)
  end
  if opts.points ~= nil then
    local p = opts.points
    if core.isarray(p) then p = p:totable() end
    if type(p) == "number" then p = {p} end
    if type(p) ~= "table" then
      error("bad argument #4 to 'quad' (option 'points' must be a table or an array)", 2)
    end
    local lo, hi = math.min(a, b), math.max(a, b)
    local s = {}
    for _, v in ipairs(p) do
      if type(v) ~= "number" then
        error("bad argument #4 to 'quad' (option 'points' must hold numbers)", 2)
      end
      if v > lo and v < hi then s[#s + 1] = v end
    end
    table.sort(s)
    o.points = s
  end
  local value, abserr, ier, neval, last = C.quad(f, a, b, o)
  return value, abserr, info_table(ier, neval, last, o.limit)
end
M.quad = quad

M._quad_weight = function()
  error("lumpy.integrate.quad: weighted integrands are not available in this build", 3)
end

---------------------------------------------------------------------------
-- sample-based rules: f(y [, x] [, opts]) with opts dx, axis (1-based), x
---------------------------------------------------------------------------
local function samples_args(fname, y, x, opts, allowed)
  if opts == nil and type(x) == "table" and not core.isarray(x) and x[1] == nil
     and next_key(x) ~= nil then
    opts, x = x, nil
  end
  opts = checkopts(fname, opts, allowed, 3)
  if x == nil then x = opts.x end
  if x ~= nil and type(x) ~= "table" and not core.isarray(x) then
    error(string.format("bad argument #2 to '%s' (array expected, got %s)", fname, type(x)), 3)
  end
  if opts.dx ~= nil and type(opts.dx) ~= "number" then
    error(string.format("bad argument #3 to '%s' (option 'dx' must be a number)", fname), 3)
  end
  if opts.axis ~= nil and math.type(opts.axis) ~= "integer" then
    error(string.format("bad argument #3 to '%s' (option 'axis' must be an integer)", fname), 3)
  end
  return x, opts
end

function M.trapezoid(y, x, opts)
  x, opts = samples_args("trapezoid", y, x, opts, {x = true, dx = true, axis = true})
  return C.trapezoid(y, x, opts.dx, opts.axis)
end

local EVEN = {avg = 0, first = 1, last = 2}
function M.simpson(y, x, opts)
  x, opts = samples_args("simpson", y, x, opts, {x = true, dx = true, axis = true, even = true})
  local even = EVEN[opts.even or "avg"]
  if even == nil then
    error("bad argument #3 to 'simpson' (option 'even' must be 'avg', 'first' or 'last')", 2)
  end
  return C.simpson(y, x, opts.dx, opts.axis, even)
end

function M.cumulative_trapezoid(y, x, opts)
  x, opts = samples_args("cumulative_trapezoid", y, x, opts,
    {x = true, dx = true, axis = true, initial = true})
  if opts.initial ~= nil and type(opts.initial) ~= "number" then
    error("bad argument #3 to 'cumulative_trapezoid' (option 'initial' must be a number)", 2)
  end
  return C.cumulative_trapezoid(y, x, opts.dx, opts.axis, opts.initial)
end

function M.romb(y, opts)
  local _
  _, opts = samples_args("romb", y, nil, opts, {dx = true, axis = true})
  return C.romb(y, nil, opts.dx, opts.axis)
end

return M
