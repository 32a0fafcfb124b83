-- lumpy.optimize's least_squares(method = "dogbox"): a dogleg trust-region
-- method in a rectangular trust region for bound-constrained nonlinear
-- least squares.
--
-- C. Voglis, I. E. Lagaris, "A Rectangular Trust Region Dogleg Approach for
-- Unconstrained and Bound Constrained Nonlinear Optimization", WSEAS 2004;
-- the iteration follows SciPy 1.10's least_squares(method='dogbox')
-- (variables on a bound whose gradient points outward are fixed; the
-- Gauss-Newton step of the free variables from a least-squares solve; the
-- Cauchy step along the anti-gradient minimising the quadratic model within
-- the box; then from the Cauchy point towards the Gauss-Newton point up to
-- the boundary of the trust box intersected with the bounds), so the
-- evaluation counts compare. The work is per iteration (one lstsq on the
-- free columns, a few matrix-vector products), the m-sized vectors are
-- lumpy arrays and the n-sized ones Lua tables.
local core = require "lumpy.core"
local la = require "lumpy.linalg"

local error, type, ipairs = error, type, ipairs
local math, table, string = math, table, string
local huge, abs, max, min, sqrt = math.huge, math.abs, math.max, math.min, math.sqrt

local _ENV = nil

local EPS = 2.220446049250313e-16

local MESSAGES = {
  [0] = "The maximum number of function evaluations is exceeded.",
  [1] = "`gtol` termination condition is satisfied.",
  [2] = "`ftol` termination condition is satisfied.",
  [3] = "`xtol` termination condition is satisfied.",
  [4] = "Both `ftol` and `xtol` termination conditions are satisfied.",
}

-- the robust losses: rho, rho', rho'' of z = (f / f_scale)^2, elementwise
-- on arrays (SciPy's loss functions)
local LOSS = {
  soft_l1 = function(z)
    local t = 1 + z
    return 2 * (core.sqrt(t) - 1), t ^ -0.5, -0.5 * t ^ -1.5
  end,
  huber = function(z)
    local inl = z:le(1)
    local s = core.sqrt(z)
    return core.where(inl, z, 2 * s - 1), core.where(inl, 1.0, 1 / s),
      core.where(inl, 0.0, -0.5 / (z * s))
  end,
  cauchy = function(z)
    local t = 1 + z
    return core.log1p(z), 1 / t, -1 / (t * t)
  end,
  arctan = function(z)
    local t = 1 + z * z
    return core.arctan(z), 1 / t, -2 * z / (t * t)
  end,
}

-- the next double after a toward b (numpy's nextafter)
local function nextafter(a, b)
  if a == b or a ~= a or b ~= b then return a end
  if a == 0 then return b > 0 and 4.9406564584124654e-324 or -4.9406564584124654e-324 end
  local bits = string.unpack("<i8", string.pack("<d", a))
  if (b > a) == (a > 0) then bits = bits + 1 else bits = bits - 1 end
  return (string.unpack("<d", string.pack("<i8", bits)))
end

-- min over i of the step t >= 0 along s from x to [lb, ub]; hits[i] = sign
-- of s[i] where the minimum is reached
local function step_to_bound(x, s, lb, ub, n)
  local best, steps = huge, {}
  for i = 1, n do
    local t = huge
    if s[i] ~= 0 then t = max((lb[i] - x[i]) / s[i], (ub[i] - x[i]) / s[i]) end
    steps[i] = t
    if t < best then best = t end
  end
  local hits = {}
  for i = 1, n do
    hits[i] = steps[i] == best and (s[i] > 0 and 1 or s[i] < 0 and -1 or 0) or 0
  end
  return best, hits
end

-- argmin over [lo, hi] of a t^2 + b t
local function minquad1d(a, b, lo, hi)
  local ts = {lo, hi}
  if a ~= 0 then
    local e = -0.5 * b / a
    if lo < e and e < hi then ts[3] = e end
  end
  local bt, by = nil, huge
  for _, t in ipairs(ts) do
    local y = t * (a * t + b)
    if bt == nil or y < by then bt, by = t, y end
  end
  return bt
end

local function dot(a, b, n)
  local s = 0
  for i = 1, n do s = s + a[i] * b[i] end
  return s
end

local function normi(a, n)
  local s = 0
  for i = 1, n do s = max(s, abs(a[i])) end
  return s
end

-- dogbox(fun, x0, jac, o, lb, ub) with o = {ftol, xtol, gtol, max_nfev,
-- x_scale, loss, f_scale, diff_step, args, kernel}; x0 a table within the
-- bounds (tables, infinite for none); returns SciPy's result table
return function(fun, x0, jac, o, lb, ub)
  local kernel = o.kernel
  local n = #x0
  local args = o.args or {}
  local nargs = #args
  if not lb then
    lb, ub = {}, {}
    for i = 1, n do lb[i], ub[i] = -huge, huge end
  end
  local m
  local function callf(x)
    local a = core.array(x, "float64")
    local r = fun(a, table.unpack(args, 1, nargs))
    if type(r) == "number" then r = {r} end
    if type(r) ~= "table" and type(r) ~= "userdata" then
      error(kernel .. ": fun must return an array or a table of numbers, got " .. type(r), 0)
    end
    r = core.array(r, "float64")
    if r.ndim ~= 1 then r = r:reshape(r.size) end
    if m and r.size ~= m then
      error(string.format("%s: fun must return %d residuals, got %d", kernel, m, r.size), 0)
    end
    return r
  end
  local loss, fs = o.loss or "linear", o.f_scale or 1.0
  local rhofn = loss ~= "linear" and LOSS[loss] or nil

  -- the Jacobian at x (table) with residuals f (array) -> m x n array
  local fd3 = o.fd3
  local rel = o.diff_step or (fd3 and EPS ^ (1 / 3) or sqrt(EPS))
  local function jacobian(x, f)
    if jac then
      local J = core.array(jac(core.array(x, "float64"), table.unpack(args, 1, nargs)), "float64")
      if J.ndim == 1 and n == 1 then J = J:reshape{J.size, 1}
      elseif J.ndim == 1 and m == 1 then J = J:reshape{1, J.size} end
      if J.ndim ~= 2 or J.shape[1] ~= m or J.shape[2] ~= n then
        error(string.format("%s: jac must return a %d x %d array", kernel, m, n), 0)
      end
      return J
    end
    -- approx_derivative '2-point' or '3-point', steps kept inside the bounds
    local J = core.zeros({m, n}, "float64")
    local xt = {}
    for i = 1, n do xt[i] = x[i] end
    for i = 1, n do
      local xi = x[i]
      local h = rel * (xi >= 0 and 1 or -1) * max(1, abs(xi))
      h = (xi + h) - xi
      local lo, up = xi - lb[i], ub[i] - xi
      if fd3 then
        local one = false
        local bounded = lb[i] > -huge or ub[i] < huge
        if bounded and not (lo >= abs(h) and up >= abs(h)) then
          -- near a bound: one-sided x, x + h, x + 2h unless a smaller
          -- central step fits (approx_derivative's rules)
          h = up >= lo and min(abs(h), 0.5 * up) or -min(abs(h), 0.5 * lo)
          one = true
          local md = min(up, lo)
          if abs(h) <= md then h, one = md, false end
        end
        local d
        if one then
          xt[i] = xi + h
          local f1 = callf(xt)
          xt[i] = xi + 2 * h
          local f2 = callf(xt)
          d = (-3 * f + 4 * f1 - f2) / (xt[i] - xi)
        else
          xt[i] = xi - h
          local x1 = xt[i]
          local f1 = callf(xt)
          xt[i] = xi + h
          d = (callf(xt) - f1) / (xt[i] - x1)
        end
        J[{{}, i}] = d
        xt[i] = xi
        goto continue
      end
      local xh = xi + h
      local fitting = abs(h) <= max(lo, up)
      if (xh < lb[i] or xh > ub[i]) and fitting then h = -h
      elseif not fitting then h = up >= lo and up or -lo end
      xt[i] = xi + h
      local dx = xt[i] - xi
      J[{{}, i}] = (callf(xt) - f) / dx
      xt[i] = xi
      ::continue::
    end
    return J
  end

  -- robust loss: cost, and J, f scaled in place of the plain ones
  local function lossed(f, J)
    if not rhofn then return 0.5 * f:dot(f), J, f end
    local r0, r1, r2 = rhofn((f / fs) ^ 2)
    local c = 0.5 * (r0 * (fs * fs)):sum()
    if not J then return c end
    -- scale_for_robust_loss_function: J and f as for a linear loss
    local js = r1 + 2 * (r2 / (fs * fs)) * f * f
    js = core.sqrt(core.maximum(js, EPS))
    return c, J * js:reshape{m, 1}, f * (r1 / js)
  end

  local x = {}
  for i = 1, n do x[i] = x0[i] end
  local f = callf(x)
  m = f.size
  if m == 0 then error(kernel .. ": fun must return at least one residual", 0) end
  local nfev, njev = 1, 1
  local f_true = f
  local J = jacobian(x, f)
  local cost
  cost, J, f = lossed(f, J)
  local g = J.T:matmul(f):totable()

  local jac_scale = o.x_scale == "jac"
  local scale, scale_inv = {}, {}
  local function jacscale(first)
    local cn = (J * J):sum(1):totable()
    for i = 1, n do
      local s = sqrt(cn[i])
      if first then
        if s == 0 then s = 1 end
      else
        s = max(s, scale_inv[i])
      end
      scale_inv[i], scale[i] = s, 1 / s
    end
  end
  if jac_scale then jacscale(true)
  else
    local xs = o.x_scale or 1.0
    for i = 1, n do
      local v = type(xs) == "number" and xs or xs[i]
      if type(v) ~= "number" or not (v > 0) then
        error(kernel .. ": x_scale must be 'jac' or positive numbers", 0)
      end
      scale[i], scale_inv[i] = v, 1 / v
    end
  end
  local Delta = 0
  for i = 1, n do Delta = max(Delta, abs(x[i] * scale_inv[i])) end
  if Delta == 0 then Delta = 1.0 end

  local on_bound = {}
  for i = 1, n do
    on_bound[i] = x[i] == lb[i] and -1 or x[i] == ub[i] and 1 or 0
  end
  local max_nfev = o.max_nfev or 100 * n
  local ftol, xtol, gtol = o.ftol, o.xtol, o.gtol
  local status, g_full, g_norm
  local step, x_new, f_new, cost_new = {}, {}, nil, nil
  local nit = 0

  while true do
    local free, gf = {}, {}
    g_full = {}
    for i = 1, n do
      g_full[i] = g[i]
      if on_bound[i] * g[i] < 0 then g[i] = 0
      else free[#free + 1] = i; gf[#gf + 1] = g[i] end
    end
    g_norm = normi(g, n)
    if g_norm < gtol then status = 1 end
    if status ~= nil or nfev == max_nfev then break end
    local nf = #free
    local Jf = nf == n and J or J[{{}, core.array(free)}]
    local nstep = la.lstsq(Jf, -f, -1):totable()
    -- the quadratic model along -g_free: a t^2 + b t
    local ngf = {}
    for k = 1, nf do ngf[k] = -gf[k] end
    local v = Jf:matmul(core.array(ngf, "float64"))
    local qa, qb = 0.5 * v:dot(v), dot(gf, ngf, nf)
    local actual = -1.0
    local ob_free, step_norm
    while actual <= 0 and nfev < max_nfev do
      -- the trust box intersected with the bounds, around x_free
      local lt, ut, ol, ou, tl, tu = {}, {}, {}, {}, {}, {}
      for k = 1, nf do
        local i = free[k]
        local tb = Delta * scale[i]
        local lc, uc = lb[i] - x[i], ub[i] - x[i]
        lt[k], ut[k] = max(lc, -tb), min(uc, tb)
        ol[k], ou[k] = lt[k] == lc, ut[k] == uc
        tl[k], tu[k] = lt[k] == -tb, ut[k] == tb
      end
      -- dogleg
      local sf, tr_hit = {}, false
      ob_free = {}
      local inside = true
      for k = 1, nf do
        ob_free[k] = 0
        if not (nstep[k] >= lt[k] and nstep[k] <= ut[k]) then inside = false end
      end
      if inside then
        for k = 1, nf do sf[k] = nstep[k] end
      else
        local zero, ng = {}, {}
        for k = 1, nf do zero[k] = 0; ng[k] = -gf[k] end
        local tob = step_to_bound(zero, ng, lt, ut, nf)
        local tc = minquad1d(qa, qb, 0, tob)
        local cp, diff = {}, {}
        for k = 1, nf do cp[k] = -tc * gf[k]; diff[k] = nstep[k] - cp[k] end
        local ss, hits = step_to_bound(cp, diff, lt, ut, nf)
        for k = 1, nf do
          if hits[k] < 0 and ol[k] then ob_free[k] = -1 end
          if hits[k] > 0 and ou[k] then ob_free[k] = 1 end
          if (hits[k] < 0 and tl[k]) or (hits[k] > 0 and tu[k]) then tr_hit = true end
          sf[k] = cp[k] + ss * diff[k]
        end
      end
      for i = 1, n do step[i] = 0.0 end
      for k = 1, nf do step[free[k]] = sf[k] end
      local Js = Jf:matmul(core.array(sf, "float64"))
      local predicted = -(0.5 * Js:dot(Js) + dot(sf, gf, nf))
      -- x + step made strictly feasible (make_strictly_feasible, rstep 0)
      for i = 1, n do
        local xi = x[i] + step[i]
        if xi <= lb[i] then xi = nextafter(lb[i], ub[i])
        elseif xi >= ub[i] then xi = nextafter(ub[i], lb[i]) end
        if xi < lb[i] or xi > ub[i] then xi = 0.5 * (lb[i] + ub[i]) end
        x_new[i] = xi
      end
      f_new = callf(x_new)
      nfev = nfev + 1
      local shn = 0
      for i = 1, n do shn = max(shn, abs(step[i] * scale_inv[i])) end
      local finite = core.isfinite(f_new):all()
      if not finite then
        Delta = 0.25 * shn
      else
        cost_new = lossed(f_new)
        actual = cost - cost_new
        -- the trust radius update
        local ratio
        if predicted > 0 then ratio = actual / predicted
        elseif predicted == 0 and actual == 0 then ratio = 1
        else ratio = 0 end
        if ratio < 0.25 then Delta = 0.25 * shn
        elseif ratio > 0.75 and tr_hit then Delta = Delta * 2.0 end
        step_norm = sqrt(dot(step, step, n))
        local ftol_ok = actual < ftol * cost and ratio > 0.25
        local xtol_ok = step_norm < xtol * (xtol + sqrt(dot(x, x, n)))
        if ftol_ok and xtol_ok then status = 4
        elseif ftol_ok then status = 2
        elseif xtol_ok then status = 3 end
        if status ~= nil then break end
      end
    end
    if actual > 0 then
      for k = 1, nf do on_bound[free[k]] = ob_free[k] end
      for i = 1, n do
        x[i] = x_new[i]
        if on_bound[i] == -1 then x[i] = lb[i] elseif on_bound[i] == 1 then x[i] = ub[i] end
      end
      f = f_new
      f_true = f
      cost = cost_new
      J = jacobian(x, f)
      njev = njev + 1
      if rhofn then
        local _
        _, J, f = lossed(f, J)
      end
      g = J.T:matmul(f):totable()
      if jac_scale then jacscale(false) end
    end
    nit = nit + 1
  end
  if status == nil then status = 0 end
  local am = {}
  for i = 1, n do am[i] = on_bound[i] end
  return {
    x = core.array(x, "float64"), cost = cost, fun = f_true, jac = J,
    grad = core.array(g_full, "float64"), optimality = g_norm,
    active_mask = core.array(am), nfev = nfev, njev = njev, status = status,
    message = MESSAGES[status], success = status > 0,
  }
end
