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
local quad_weight     -- quad with a weight function (below)

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
    return quad_weight(f, a, b, o, opts)
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

local WEIGHTS = {cos = true, sin = true, alg = true, ["alg-loga"] = true, ["alg-logb"] = true,
                 ["alg-log"] = true, cauchy = true}
QUAD_MESSAGES[7] = "Bad integrand behavior occurs within one or more of the cycles of the "
  .. "oscillatory integrand."

quad_weight = function(f, a, b, o, opts)
  local weight = opts.weight
  if not WEIGHTS[weight] then
    error(string.format("bad argument #4 to 'quad' (unknown weight '%s')", tostring(weight)), 3)
  end
  local wvar = opts.wvar
  if core.isarray(wvar) then wvar = wvar:totable() end
  if weight:sub(1, 3) == "alg" then
    if type(wvar) ~= "table" or type(wvar[1]) ~= "number" or type(wvar[2]) ~= "number" then
      error("bad argument #4 to 'quad' (option 'wvar' must be {alpha, beta} for this weight)", 3)
    end
    o.wvar1, o.wvar2 = wvar[1], wvar[2]
  else
    if type(wvar) ~= "number" then
      error("bad argument #4 to 'quad' (option 'wvar' must be a number for this weight)", 3)
    end
    o.wvar1 = wvar
  end
  if opts.limlst ~= nil then o.limlst = opts.limlst end
  if opts.maxp1 ~= nil then o.maxp1 = opts.maxp1 end
  local flip = b < a
  if flip then a, b = b, a end
  local inf = math.huge
  local g = f
  if weight == "cos" or weight == "sin" then
    if a == -inf and b == inf then
      error("lumpy.integrate.quad: cannot integrate with this weight from -inf to inf", 3)
    elseif a == -inf then
      -- remap to (-b, inf)
      local args = o.args
      local n = args and #args or 0
      if weight == "cos" then
        g = function(x) if n > 0 then return f(-x, table.unpack(args, 1, n)) end return f(-x) end
      else
        g = function(x) if n > 0 then return -f(-x, table.unpack(args, 1, n)) end return -f(-x) end
      end
      o.args = nil
      a, b = -b, inf
    end
  elseif a == -inf or b == inf then
    error("lumpy.integrate.quad: cannot integrate with this weight over an infinite interval", 3)
  end
  o.weight = weight
  local value, abserr, ier, neval, last = C.quad_weight(g, a, b, o)
  if flip then value = -value end
  local info = info_table(ier, neval, last, o.limit)
  if b == inf then info.lst, info.last = last, nil end
  return value, abserr, info
end

---------------------------------------------------------------------------
-- quad_vec
---------------------------------------------------------------------------
local QUADVEC_OPTS = {epsabs = true, epsrel = true, norm = true, limit = true, points = true,
                      quadrature = true, args = true}

function M.quad_vec(f, a, b, opts)
  if not iscallable(f) and type(f) ~= "userdata" then
    error(string.format("bad argument #1 to 'quad_vec' (function expected, got %s)", type(f)), 2)
  end
  checknum("quad_vec", a, "lower limit", 2)
  checknum("quad_vec", b, "upper limit", 3)
  opts = checkopts("quad_vec", opts, QUADVEC_OPTS, 4)
  local o = {epsabs = opts.epsabs or 1e-200, epsrel = opts.epsrel or 1e-8,
             limit = opts.limit or 10000, args = opts.args, norm = opts.norm or "2"}
  for _, k in ipairs{"epsabs", "epsrel", "limit"} do
    if type(o[k]) ~= "number" then
      error(string.format("bad argument #4 to 'quad_vec' (option '%s' must be a number)", k), 2)
    end
  end
  if o.norm ~= "2" and o.norm ~= "max" then
    error("bad argument #4 to 'quad_vec' (option 'norm' must be '2' or 'max')", 2)
  end
  if opts.args ~= nil and type(opts.args) ~= "table" then
    error("bad argument #4 to 'quad_vec' (option 'args' must be a table)", 2)
  end
  local q = opts.quadrature
  if q ~= nil and q ~= "gk21" and q ~= "gk15" then
    error("bad argument #4 to 'quad_vec' (option 'quadrature' must be 'gk21' or 'gk15')", 2)
  end
  local points = opts.points
  if core.isarray(points) then points = points:totable() end
  if points ~= nil and type(points) ~= "table" then
    error("bad argument #4 to 'quad_vec' (option 'points' must be a table)", 2)
  end
  local inf = math.huge
  local sign = 1
  local function mapped(pts, fn)
    if pts == nil then return nil end
    local r = {}
    for i, p in ipairs(pts) do r[i] = fn(p) end
    return r
  end
  if a ~= a or b ~= b then
    error("bad argument #2 to 'quad_vec' (invalid integration bounds)", 2)
  end
  if math.abs(a) ~= inf and math.abs(b) ~= inf then
    o.rule = (q == "gk15") and 15 or 21
    o.map = 0
  elseif math.abs(a) ~= inf then        -- (a, +-inf)
    local sgn = b < 0 and -1 or 1
    o.rule, o.map, o.start, o.sgn = (q == "gk21") and 21 or 15, 1, a, sgn
    points = mapped(points, function(x)
      local z = sgn * (x - a) + 1
      return z == 0 and inf or 1 / z
    end)
    a, b = 0, 1
  elseif math.abs(b) ~= inf then        -- (+-inf, b): the mirror, negated
    local sgn = a < 0 and -1 or 1
    o.rule, o.map, o.start, o.sgn = (q == "gk21") and 21 or 15, 1, b, sgn
    points = mapped(points, function(x)
      local z = sgn * (x - b) + 1
      return z == 0 and inf or 1 / z
    end)
    a, b, sign = 0, 1, -1
  else
    sign = b < a and -1 or 1
    o.rule, o.map = (q == "gk21") and 21 or 15, 2
    local p = {0}
    for _, x in ipairs(points or {}) do p[#p + 1] = (x < 0 and -1 or 1) / (math.abs(x) + 1) end
    points = p
    if a ~= b then a, b = -1, 1 else a, b = 1, 1 end
  end
  if points then
    local s = {}
    for _, v in ipairs(points) do s[#s + 1] = v end
    table.sort(s)
    o.points = s
  end
  local value, err, neval, status, message = C.quad_vec(f, a, b, o)
  if sign == -1 then
    if type(value) == "number" then value = -value
    else
      local t = value:totable()
      for i = 1, #t do t[i] = -t[i] end
      value = core.array(t, "float64")
    end
  end
  return value, err, {neval = neval, status = status, success = status == 0, message = message}
end

---------------------------------------------------------------------------
-- fixed_quad, nquad, dblquad, tplquad
---------------------------------------------------------------------------
function M.fixed_quad(f, a, b, opts)
  if not iscallable(f) and type(f) ~= "userdata" then
    error(string.format("bad argument #1 to 'fixed_quad' (function expected, got %s)", type(f)), 2)
  end
  checknum("fixed_quad", a, "lower limit", 2)
  checknum("fixed_quad", b, "upper limit", 3)
  opts = checkopts("fixed_quad", opts, {n = true, args = true}, 4)
  local n = opts.n or 5
  if math.type(n) ~= "integer" then
    error("bad argument #4 to 'fixed_quad' (option 'n' must be an integer)", 2)
  end
  if opts.args ~= nil and type(opts.args) ~= "table" then
    error("bad argument #4 to 'fixed_quad' (option 'args' must be a table)", 2)
  end
  return C.fixed_quad(f, a, b, n, {args = opts.args}), nil
end

local pack, unpack = table.pack, table.unpack

-- nquad(func, ranges, opts): func(x1, ..., xn, args...) over ranges[1] (the
-- innermost, x1) ... ranges[n]; a range is {lo, hi} or a function of the
-- outer variables (and args) returning lo, hi (or {lo, hi}); opts.opts is a
-- quad options table, or a list of them (or functions returning them), one
-- per level
local NQUAD_OPTS = {args = true, opts = true}
local QUAD_LEVEL_OPTS = {epsabs = true, epsrel = true, limit = true, points = true}

function M.nquad(func, ranges, opts)
  if not iscallable(func) then
    error(string.format("bad argument #1 to 'nquad' (function expected, got %s)", type(func)), 2)
  end
  if type(ranges) ~= "table" or #ranges == 0 then
    error("bad argument #2 to 'nquad' (a list of ranges expected)", 2)
  end
  opts = checkopts("nquad", opts, NQUAD_OPTS, 3)
  local extra = opts.args or {}
  if type(extra) ~= "table" then
    error("bad argument #3 to 'nquad' (option 'args' must be a table)", 2)
  end
  local depthmax = #ranges
  local rfun, ofun = {}, {}
  for i, r in ipairs(ranges) do
    if iscallable(r) then
      rfun[i] = function(...)
        local lo, hi = r(...)
        if type(lo) == "table" then lo, hi = lo[1], lo[2] end
        return lo, hi
      end
    elseif type(r) == "table" and type(r[1]) == "number" and type(r[2]) == "number" then
      rfun[i] = function() return r[1], r[2] end
    else
      error(string.format("bad argument #2 to 'nquad' (range %d must be {lo, hi} or a function)", i), 2)
    end
  end
  local qo = opts.opts
  for i = 1, depthmax do
    local o = qo
    if type(qo) == "table" and (qo[1] ~= nil) then o = qo[i] end
    if o == nil then o = {} end
    if iscallable(o) then ofun[i] = o
    elseif type(o) == "table" then
      checkopts("nquad", o, QUAD_LEVEL_OPTS, 3)
      ofun[i] = function() return o end
    else
      error("bad argument #3 to 'nquad' (option 'opts' must be a table, a list or functions)", 2)
    end
  end
  local abserr, neval = 0, 0
  local function counted(...)
    neval = neval + 1
    return func(...)
  end
  -- integrates over variable `level` (depthmax = outermost) given the outer
  -- variables and extra arguments in ...
  local function integrate(level, ...)
    local lo, hi = rfun[level](...)
    local o = ofun[level](...)
    local qopts = {args = pack(...), epsabs = o.epsabs, epsrel = o.epsrel, limit = o.limit}
    if o.points then
      local p = {}
      for _, v in ipairs(o.points) do if lo <= v and v <= hi then p[#p + 1] = v end end
      qopts.points = p
    end
    local f
    if level == 1 then f = counted
    else f = function(x, ...) return integrate(level - 1, x, ...) end end
    local value, err = quad(f, lo, hi, qopts)
    if err > abserr then abserr = err end
    return value
  end
  local value = integrate(depthmax, unpack(extra))
  return value, abserr, {neval = neval}
end

function M.dblquad(func, a, b, gfun, hfun, opts)
  opts = checkopts("dblquad", opts, {args = true, epsabs = true, epsrel = true}, 6)
  local function yrange(x, ...)
    return iscallable(gfun) and gfun(x, ...) or gfun, iscallable(hfun) and hfun(x, ...) or hfun
  end
  local o = {epsabs = opts.epsabs, epsrel = opts.epsrel}
  local v, e = M.nquad(func, {yrange, {a, b}}, {args = opts.args, opts = o})
  return v, e
end

function M.tplquad(func, a, b, gfun, hfun, qfun, rfun, opts)
  opts = checkopts("tplquad", opts, {args = true, epsabs = true, epsrel = true}, 8)
  local function yrange(x, ...)
    return iscallable(gfun) and gfun(x, ...) or gfun, iscallable(hfun) and hfun(x, ...) or hfun
  end
  local function zrange(y, x, ...)
    return iscallable(qfun) and qfun(x, y, ...) or qfun, iscallable(rfun) and rfun(x, y, ...) or rfun
  end
  local o = {epsabs = opts.epsabs, epsrel = opts.epsrel}
  local v, e = M.nquad(func, {zrange, yrange, {a, b}}, {args = opts.args, opts = o})
  return v, e
end

---------------------------------------------------------------------------
-- sample-based rules: f(y [, x] [, opts]) with opts dx, axis (1-based), x
---------------------------------------------------------------------------
-- checks the arguments (opts is argument optsarg, or 2 when given in x's
-- place); returns y (as an array when an axis is given, checked against its
-- dimensions), x, opts and the options' argument number
local function samples_args(fname, y, x, opts, allowed, optsarg)
  if opts == nil and type(x) == "table" and not core.isarray(x) and x[1] == nil
     and next_key(x) ~= nil then
    opts, x, optsarg = x, nil, 2
  end
  opts = checkopts(fname, opts, allowed, optsarg)
  if x == nil then x = opts.x end
  if x ~= nil and type(x) ~= "table" and not core.isarray(x) then
    error(string.format("bad argument #2 to '%s' (array expected, got %s)", fname, type(x)), 3)
  end
  if opts.dx ~= nil and type(opts.dx) ~= "number" then
    error(string.format("bad argument #%d to '%s' (option 'dx' must be a number)", optsarg,
      fname), 3)
  end
  local axis = opts.axis
  if axis ~= nil then
    if math.type(axis) ~= "integer" then
      error(string.format("bad argument #%d to '%s' (option 'axis' must be an integer)",
        optsarg, fname), 3)
    end
    if y ~= nil then
      y = core.asarray(y)
      local nd = y.ndim
      if nd > 0 and (axis == 0 or axis > nd or axis < -nd) then
        error(string.format("bad argument #%d to '%s' (axis %d is out of bounds for array of "
          .. "dimension %d)", optsarg, fname, axis, nd), 3)
      end
    end
  end
  return y, x, opts, optsarg
end

function M.trapezoid(y, x, opts)
  y, x, opts = samples_args("trapezoid", y, x, opts, {x = true, dx = true, axis = true}, 3)
  return C.trapezoid(y, x, opts.dx, opts.axis)
end

local EVEN = {avg = 0, first = 1, last = 2}
function M.simpson(y, x, opts)
  local optsarg
  y, x, opts, optsarg = samples_args("simpson", y, x, opts,
    {x = true, dx = true, axis = true, even = true}, 3)
  local even = EVEN[opts.even or "avg"]
  if even == nil then
    error(string.format("bad argument #%d to 'simpson' (option 'even' must be 'avg', "
      .. "'first' or 'last')", optsarg), 2)
  end
  return C.simpson(y, x, opts.dx, opts.axis, even)
end

function M.cumulative_trapezoid(y, x, opts)
  local optsarg
  y, x, opts, optsarg = samples_args("cumulative_trapezoid", y, x, opts,
    {x = true, dx = true, axis = true, initial = true}, 3)
  if opts.initial ~= nil and type(opts.initial) ~= "number" then
    error(string.format("bad argument #%d to 'cumulative_trapezoid' (option 'initial' must "
      .. "be a number)", optsarg), 2)
  end
  return C.cumulative_trapezoid(y, x, opts.dx, opts.axis, opts.initial)
end

function M.romb(y, opts)
  local _
  y, _, opts = samples_args("romb", y, nil, opts, {dx = true, axis = true}, 2)
  return C.romb(y, nil, opts.dx, opts.axis)
end

---------------------------------------------------------------------------
-- solve_ivp
---------------------------------------------------------------------------
local METHODS = {RK23 = true, RK45 = true, DOP853 = true, Radau = true, BDF = true, LSODA = true}
local IVP_OPTS = {
  method = true, t_eval = true, dense_output = true, events = true, args = true,
  rtol = true, atol = true, max_step = true, first_step = true, jac = true,
  vectorized = true,
}
local EPS = 2.220446049250313e-16

local function ivp_error(msg, argn)
  error(string.format("bad argument #%d to 'solve_ivp' (%s)", argn, msg), 3)
end

local function tolist(v)
  if core.isarray(v) then return v:totable() end
  return v
end

-- an event: a callable (with optional fields terminal, direction) or a
-- table {fun, terminal = ..., direction = ...}
local function event_spec(e, i)
  local fun, terminal, direction
  if iscallable(e) then
    fun = e
    if type(e) == "table" then terminal, direction = e.terminal, e.direction end
  elseif type(e) == "table" and iscallable(e[1] or e.fun) then
    fun = e[1] or e.fun
    terminal, direction = e.terminal, e.direction
  else
    ivp_error(string.format("event %d must be a function or {fun, terminal =, direction =}", i), 4)
  end
  if direction ~= nil and type(direction) ~= "number" then
    ivp_error(string.format("event %d: direction must be a number", i), 4)
  end
  return {fun = fun, terminal = terminal and true or false, direction = direction or 0}
end

local function normalise_events(events)
  if events == nil then return nil end
  if iscallable(events) or (type(events) == "table"
      and (events.terminal ~= nil or events.direction ~= nil or events.fun ~= nil)) then
    return {event_spec(events, 1)}
  end
  if type(events) ~= "table" then
    ivp_error("option 'events' must be a function or a list of events", 4)
  end
  local list = {}
  for i, e in ipairs(events) do list[i] = event_spec(e, i) end
  return list
end

function M.solve_ivp(fun, t_span, y0, opts)
  if not iscallable(fun) and type(fun) ~= "userdata" then
    ivp_error("function expected, got " .. type(fun), 1)
  end
  t_span = tolist(t_span)
  if type(t_span) ~= "table" or type(t_span[1]) ~= "number" or type(t_span[2]) ~= "number" then
    ivp_error("t_span must be a table of two numbers", 2)
  end
  local t0, tf = t_span[1], t_span[2]
  if type(y0) == "number" then y0 = {y0} end
  if type(y0) ~= "table" and not core.isarray(y0) then
    ivp_error("y0 must be an array or a table of numbers, got " .. type(y0), 3)
  end
  local y = core.array(y0, "float64")
  if y.ndim ~= 1 then ivp_error("y0 must be 1-d", 3) end
  local n = y.size
  opts = checkopts("solve_ivp", opts, IVP_OPTS, 4)
  local method = opts.method or "RK45"
  if not METHODS[method] then
    ivp_error("unknown method '" .. tostring(method) .. "'", 4)
  end
  if opts.vectorized then ivp_error("option 'vectorized' is not supported", 4) end
  local o = {method = method, args = opts.args, dense_output = opts.dense_output and true or false,
             jac = opts.jac}
  if o.jac ~= nil and not iscallable(o.jac) and (type(o.jac) ~= "userdata" or core.isarray(o.jac)) then
    o.jac_const, o.jac = o.jac, nil   -- a constant Jacobian (array or table of rows)
  end
  if opts.args ~= nil and type(opts.args) ~= "table" then
    ivp_error("option 'args' must be a table", 4)
  end
  local rtol = opts.rtol or 1e-3
  if type(rtol) ~= "number" then ivp_error("option 'rtol' must be a number", 4) end
  if rtol < 100 * EPS then rtol = 100 * EPS end
  o.rtol = rtol
  local atol = opts.atol or 1e-6
  if type(atol) == "number" then
    if atol < 0 then ivp_error("option 'atol' must be non-negative", 4) end
    o.atol = atol
  else
    local a = core.array(atol, "float64")
    if a.ndim ~= 1 or a.size ~= n then
      ivp_error(string.format("option 'atol' must be a number or have %d values", n), 4)
    end
    for _, v in ipairs(a:totable()) do
      if v < 0 then ivp_error("option 'atol' must be non-negative", 4) end
    end
    o.atol = a
  end
  if opts.max_step ~= nil then
    if type(opts.max_step) ~= "number" or opts.max_step <= 0 then
      ivp_error("option 'max_step' must be positive", 4)
    end
    o.max_step = opts.max_step
  end
  if opts.first_step ~= nil then
    local h = opts.first_step
    if type(h) ~= "number" or h <= 0 then ivp_error("option 'first_step' must be positive", 4) end
    if h > math.abs(tf - t0) then ivp_error("option 'first_step' exceeds bounds", 4) end
    o.first_step = h
  end
  if opts.t_eval ~= nil then
    local te = core.array(opts.t_eval, "float64")
    if te.ndim ~= 1 then ivp_error("option 't_eval' must be 1-d", 4) end
    local tt = te:totable()
    local lo, hi = math.min(t0, tf), math.max(t0, tf)
    for i, v in ipairs(tt) do
      if v < lo or v > hi then ivp_error("values in 't_eval' are not within 't_span'", 4) end
      if i > 1 and ((tf > t0 and v <= tt[i - 1]) or (tf < t0 and v >= tt[i - 1])) then
        ivp_error("values in 't_eval' are not properly sorted", 4)
      end
    end
    if tf < t0 then
      local r = {}
      for i = #tt, 1, -1 do r[#r + 1] = tt[i] end
      te = core.array(r, "float64")
    end
    o.t_eval = te
  end
  o.events = normalise_events(opts.events)
  return C.solve_ivp(fun, t0, tf, y, o)
end

---------------------------------------------------------------------------
-- odeint (LSODA, C in int_stiff_lsoda.c)
---------------------------------------------------------------------------
local ODEINT_OPTS = {
  args = true, Dfun = true, col_deriv = true, full_output = true, rtol = true, atol = true,
  h0 = true, hmax = true, mxstep = true, tfirst = true, printmessg = true,
}

local function odeint_error(msg, argn)
  error(string.format("bad argument #%d to 'odeint' (%s)", argn, msg), 3)
end

-- odeint(func, y0, t, opts) -> y (len(t) x n), info
function M.odeint(func, y0, t, opts)
  if not iscallable(func) and type(func) ~= "userdata" then
    odeint_error("function expected, got " .. type(func), 1)
  end
  if type(y0) == "number" then y0 = {y0} end
  if type(y0) ~= "table" and not core.isarray(y0) then
    odeint_error("y0 must be an array or a table of numbers, got " .. type(y0), 2)
  end
  local y = core.array(y0, "float64")
  if y.ndim ~= 1 then odeint_error("y0 must be 1-d", 2) end
  if type(t) ~= "table" and not core.isarray(t) then
    odeint_error("t must be an array or a table of numbers, got " .. type(t), 3)
  end
  local ta = core.array(t, "float64")
  if ta.ndim ~= 1 or ta.size < 1 then odeint_error("t must be a non-empty 1-d sequence", 3) end
  if not C.ismonotonic(ta) then odeint_error("t must be monotonic", 3) end
  opts = checkopts("odeint", opts, ODEINT_OPTS, 4)
  local o = {args = opts.args, tfirst = opts.tfirst and true or false}
  if opts.args ~= nil and type(opts.args) ~= "table" then
    odeint_error("option 'args' must be a table", 4)
  end
  for _, k in ipairs{"rtol", "h0", "hmax", "mxstep"} do
    local v = opts[k]
    if v ~= nil and (type(v) ~= "number" or v < 0) then
      odeint_error("option '" .. k .. "' must be a non-negative number", 4)
    end
    if v ~= nil and v > 0 then o[k] = v end
  end
  if o.rtol and o.rtol < 100 * EPS then o.rtol = 100 * EPS end
  if opts.atol ~= nil then
    if type(opts.atol) == "number" then
      if opts.atol < 0 then odeint_error("option 'atol' must be non-negative", 4) end
      o.atol = opts.atol
    else
      local a = core.array(opts.atol, "float64")
      if a.ndim ~= 1 or a.size ~= y.size then
        odeint_error(string.format("option 'atol' must be a number or have %d values", y.size), 4)
      end
      o.atol = a
    end
  end
  local D = opts.Dfun
  if D ~= nil then
    if not iscallable(D) and type(D) ~= "userdata" then
      odeint_error("option 'Dfun' must be a function", 4)
    end
    if opts.col_deriv then
      local D0 = D
      D = function(...) return core.array(D0(...), "float64").T end
    end
    o.jac = D
  end
  return C.odeint(func, ta:get(1), ta:get(-1), y, o, ta)
end

return M
