/*
** opt_dogbox.c: least_squares(method = "dogbox") and curve_fit's dogbox.
**
** C. Voglis, I. E. Lagaris, "A Rectangular Trust Region Dogleg Approach for
** Unconstrained and Bound Constrained Nonlinear Optimization", WSEAS 2004.
** The iteration follows SciPy 1.10's least_squares(method='dogbox'), so
** the evaluation counts compare: variables on a bound whose gradient
** points outward are fixed; the Gauss-Newton step of the free variables
** comes from a least-squares solve (LAPACK dgelsd, rcond = eps); the
** Cauchy step minimises the quadratic model along the anti-gradient within
** the trust box; the dogleg then goes from the Cauchy point towards the
** Gauss-Newton point up to the boundary of the trust box intersected with
** the bounds. Residuals, Jacobians, losses and the result table are the
** ones opt_lsq.c's trf uses; work memory is one array on the Lua stack.
*/
#include <math.h>
#include <float.h>
#include <lapacke.h>
#include "optimize.h"

typedef struct Dogbox {
  Res *r;
  int m, n, fd3;
  const double *lb, *ub;
  double rel;              /* relative finite-difference step */
  double *w1, *w2;         /* scratch: m each */
} Dogbox;


/* J at x (f = r(x) there; column major): the user's jac, or 2-point
** (3-point) differences with relative steps kept inside the bounds as
** approx_derivative; these evaluations are not counted in nfev */
static void db_jac(Dogbox *d, double *x, const double *f, double *J) {
  Res *r = d->r;
  int i, j, m = d->m;
  if (r->hasjac) { opt_res_userjac(r, x, J); return; }
  for (j = 0; j < d->n; j++) {
    double xi = x[j], h, lo, up, dx, *col = J + (size_t)j * m;
    h = d->rel * (xi >= 0 ? 1.0 : -1.0) * fmax(1.0, fabs(xi));
    h = (xi + h) - xi;
    lo = xi - d->lb[j];
    up = d->ub[j] - xi;
    if (d->fd3) {
      int one = 0;
      if ((d->lb[j] > -INFINITY || d->ub[j] < INFINITY) && !(lo >= fabs(h) && up >= fabs(h))) {
        /* near a bound: one-sided x, x + h, x + 2h unless a smaller
        ** central step fits */
        double md = fmin(up, lo);
        h = up >= lo ? fmin(fabs(h), 0.5 * up) : -fmin(fabs(h), 0.5 * lo);
        one = 1;
        if (fabs(h) <= md) { h = md; one = 0; }
      }
      if (one) {
        x[j] = xi + h; opt_res_eval(r, x, d->w1);
        x[j] = xi + 2 * h; opt_res_eval(r, x, d->w2);
        dx = x[j] - xi;
        for (i = 0; i < m; i++) col[i] = (-3 * f[i] + 4 * d->w1[i] - d->w2[i]) / dx;
      }
      else {
        double x1 = xi - h;
        x[j] = x1; opt_res_eval(r, x, d->w1);
        x[j] = xi + h; opt_res_eval(r, x, d->w2);
        dx = x[j] - x1;
        for (i = 0; i < m; i++) col[i] = (d->w2[i] - d->w1[i]) / dx;
      }
    }
    else {
      double xh = xi + h;
      int fitting = fabs(h) <= fmax(lo, up);
      if ((xh < d->lb[j] || xh > d->ub[j]) && fitting) h = -h;
      else if (!fitting) h = up >= lo ? up : -lo;
      x[j] = xi + h;
      dx = x[j] - xi;
      opt_res_eval(r, x, d->w1);
      for (i = 0; i < m; i++) col[i] = (d->w1[i] - f[i]) / dx;
    }
    x[j] = xi;
  }
}

/* the largest |a[i]|, NaNs skipped */
static double normi(const double *a, int n) {
  double s = 0;
  int i;
  for (i = 0; i < n; i++) if (fabs(a[i]) > s) s = fabs(a[i]);
  return s;
}

/* min over i of the step t >= 0 along s from x to [lb, ub]; hits[i] = the
** sign of s[i] where the minimum is reached (hits may be NULL) */
static double tobox(const double *x, const double *s, const double *lb, const double *ub,
                    int n, int *hits) {
  double best = INFINITY;
  int i;
  for (i = 0; i < n; i++)
    if (s[i] != 0) {
      double t = fmax((lb[i] - x[i]) / s[i], (ub[i] - x[i]) / s[i]);
      if (t < best) best = t;
    }
  if (hits)
    for (i = 0; i < n; i++) {
      double t = s[i] != 0 ? fmax((lb[i] - x[i]) / s[i], (ub[i] - x[i]) / s[i]) : INFINITY;
      hits[i] = t == best ? (s[i] > 0) - (s[i] < 0) : 0;
    }
  return best;
}

/* argmin over [lo, hi] of a t^2 + b t */
static double minquad(double a, double b, double lo, double hi) {
  double ts[3], bt, by;
  int k, nt = 2;
  ts[0] = lo; ts[1] = hi;
  if (a != 0) {
    double e = -0.5 * b / a;
    if (lo < e && e < hi) ts[nt++] = e;
  }
  bt = ts[0]; by = ts[0] * (a * ts[0] + b);
  for (k = 1; k < nt; k++) {
    double y = ts[k] * (a * ts[k] + b);
    if (y < by) { bt = ts[k]; by = y; }
  }
  return bt;
}

/* J v for the m x n column-major J into out (m); zero entries of v skipped */
static void matvec(const double *J, int m, int n, const double *v, double *out) {
  int i, j;
  for (i = 0; i < m; i++) out[i] = 0;
  for (j = 0; j < n; j++) {
    double vj = v[j];
    if (vj == 0) continue;
    for (i = 0; i < m; i++) out[i] += J[i + (size_t)j * m] * vj;
  }
}

/*
** _dogbox(fun, x0, jac, opts, lb, ub[, xdata, ydata, sigma]) -> result
** opts: ftol xtol gtol max_nfev loss f_scale x_scale ("jac" or values)
** diff_step fd3 kernel absolute_sigma; x0 within the bounds (checked by
** the caller). With xdata the residuals are curve_fit's weighted model
** residuals and the table also gets pcov.
*/
static int optimize_dogbox(lua_State *L) {
  int n, m, i, j, k, curve = !lua_isnoneornil(L, 7), loss, jacscale, status = -1, nf;
  int *hits, *freev;
  long max_nfev, nfev, njev;
  lapack_int lwork = 1, liwork = 1, *iwork;
  double *x, *lb, *ub, *f, *ftrue, *J, *g, *gfull, *scale, *sinv, *ob, *obf, *rho, *A, *b;
  double *sv, *nstep, *gf, *ngf, *lt, *ut, *cp, *dif, *sf, *step, *xnew, *fnew, *work;
  double *lw, *pcovmem;
  char *flags;
  double ftol, xtol, gtol, fs, cost, cost_new = 0, Delta, gnorm = 0;
  const char *kernel, *lname;
  Res r;
  Dogbox d;
  x = opt_lsq_begin(L, 9, &r, &n, &kernel);
  opt_lsq_bounds(L, n, &lb, &ub);
  ftol = opt_optnum(L, 4, "ftol", 1e-8);
  xtol = opt_optnum(L, 4, "xtol", 1e-8);
  gtol = opt_optnum(L, 4, "gtol", 1e-8);
  fs = opt_optnum(L, 4, "f_scale", 1.0);
  max_nfev = opt_optint(L, 4, "max_nfev", 100L * n);
  d.fd3 = opt_optbool(L, 4, "fd3");
  d.rel = opt_optnum(L, 4, "diff_step", d.fd3 ? cbrt(DBL_EPSILON) : sqrt(DBL_EPSILON));
  lua_getfield(L, 4, "loss");
  lname = lua_isstring(L, -1) ? lua_tostring(L, -1) : "linear";
  lua_pop(L, 1);
  if (strcmp(lname, "linear") == 0) loss = LOSS_LINEAR;
  else if (strcmp(lname, "soft_l1") == 0) loss = LOSS_SOFT_L1;
  else if (strcmp(lname, "huber") == 0) loss = LOSS_HUBER;
  else if (strcmp(lname, "cauchy") == 0) loss = LOSS_CAUCHY;
  else if (strcmp(lname, "arctan") == 0) loss = LOSS_ARCTAN;
  else return lumpy_kerror(L, "%s: unknown loss '%s'", kernel, lname);
  /* the residuals at x0 tell m */
  if (curve) {
    r.mode = RES_CURVE;
    r.xidx = 7;
    r.y = opt_checkx0(L, 8, &m);
    r.m = m;
    if (!lua_isnil(L, 9)) opt_res_sigma(L, &r, 9, kernel);
    f = NULL;
  }
  else {
    lua_pushvalue(L, 1);
    opt_pushvec(L, x, n);
    lumpy_fn_pcall(&r.fun, 1, 1);
    r.m = m = lumpy_fn_veclen(&r.fun, -1, "residuals");
    f = opt_work(L, m > 0 ? (size_t)m : 1);
    lumpy_fn_checkvector(&r.fun, -2, f, m, "residuals");
    lua_remove(L, -2);
  }
  if (m < 1) return lumpy_kerror(L, "%s: fun must return at least one residual", kernel);
  /* LAPACK's dgelsd workspace, the largest over the free column counts */
  for (k = 1; k <= n; k++) {
    double wq = 0, dummy = 0;
    lapack_int iq = 1, rank;
    LAPACKE_dgelsd_work(LAPACK_COL_MAJOR, m, k, 1, &dummy, m, &dummy, m > k ? m : k, &dummy,
                        -1.0, &rank, &wq, -1, &iq);
    if ((lapack_int)wq > lwork) lwork = (lapack_int)wq;
    if (iq > liwork) liwork = iq;
  }
  {
    size_t M = (size_t)(m > n ? m : n), mn = (size_t)m * n;
    work = opt_work(L, 8 * (size_t)m + 4 * mn + M + 22 * (size_t)n + 2 * (size_t)n * n
                       + (size_t)lwork + (size_t)liwork);
  }
  if (f) memcpy(work, f, sizeof(double) * (size_t)m);
  f = work; ftrue = f + m; fnew = ftrue + m; d.w1 = fnew + m; d.w2 = d.w1 + m;
  J = d.w2 + m; A = J + (size_t)m * n; rho = A + (size_t)m * n; b = rho + 3 * (size_t)m;
  g = b + (m > n ? m : n); gfull = g + n; scale = gfull + n; sinv = scale + n;
  ob = sinv + n; obf = ob + n; sv = obf + n; nstep = sv + n; gf = nstep + n; ngf = gf + n;
  lt = ngf + n; ut = lt + n; cp = ut + n; dif = cp + n; sf = dif + n;
  step = sf + n; xnew = step + n; flags = (char *)(xnew + n);
  lw = xnew + 2 * (size_t)n;
  iwork = (lapack_int *)(lw + lwork);
  hits = (int *)(lw + lwork + liwork);
  freev = hits + n;
  pcovmem = (double *)(freev + n);
  d.r = &r; d.m = m; d.n = n; d.lb = lb; d.ub = ub;
  if (curve) opt_res_eval(&r, x, f);
  memcpy(ftrue, f, sizeof(double) * (size_t)m);
  nfev = 1;
  db_jac(&d, x, f, J);
  njev = 1;
  cost = opt_lsq_grad(J, f, m, n, loss, fs, rho, g);
  jacscale = opt_lsq_xscale(L, kernel, J, m, n, scale, sinv);
  Delta = 0;
  for (j = 0; j < n; j++) Delta = fmax(Delta, fabs(x[j] * sinv[j]));
  if (Delta == 0) Delta = 1.0;
  for (j = 0; j < n; j++) ob[j] = x[j] == lb[j] ? -1 : x[j] == ub[j] ? 1 : 0;
  for (;;) {
    double qa, qb, actual = -1;
    lapack_int rank, info;
    nf = 0;
    for (j = 0; j < n; j++) {
      gfull[j] = g[j];
      if (ob[j] * g[j] < 0) g[j] = 0;
      else { freev[nf] = j; gf[nf] = g[j]; nf++; }
    }
    gnorm = normi(g, n);
    if (gnorm < gtol) status = 1;
    if (status >= 0 || nfev == max_nfev) break;
    /* the Gauss-Newton step of the free variables: min ||Jf p + f|| */
    for (k = 0; k < nf; k++)
      memcpy(A + (size_t)k * m, J + (size_t)freev[k] * m, sizeof(double) * (size_t)m);
    for (i = 0; i < (m > nf ? m : nf); i++) b[i] = i < m ? -f[i] : 0;
    for (i = 0; i < m * nf; i++)
      if (!isfinite(A[i])) return lumpy_kerror(L, "%s: the Jacobian must be finite", kernel);
    for (i = 0; i < m; i++)
      if (!isfinite(b[i])) return lumpy_kerror(L, "%s: the residuals must be finite", kernel);
    info = LAPACKE_dgelsd_work(LAPACK_COL_MAJOR, m, nf, 1, A, m, b, m > nf ? m : nf, sv, -1.0,
                               &rank, lw, lwork, iwork);
    if (info != 0)
      return lumpy_kerror(L, "%s: SVD did not converge in the least-squares step", kernel);
    /* the quadratic model along -g_free: qa t^2 + qb t (full-length
    ** vectors with zeros at the fixed variables) */
    for (j = 0; j < n; j++) { nstep[j] = 0; ngf[j] = 0; }
    for (k = 0; k < nf; k++) { nstep[k] = b[k]; ngf[freev[k]] = -gf[k]; }
    matvec(J, m, n, ngf, fnew);
    qa = 0.5 * opt_dot(fnew, fnew, m);
    qb = 0;
    for (k = 0; k < nf; k++) qb += gf[k] * -gf[k];
    while (actual <= 0 && nfev < max_nfev) {
      double predicted, shn, ratio, step_norm, xnorm;
      int trhit = 0, inside = 1, finite = 1;
      /* the trust box intersected with the bounds, around x_free; flags:
      ** bit 1 lower is the bound, 2 upper is the bound, 4 lower is the
      ** trust box, 8 upper is the trust box */
      for (k = 0; k < nf; k++) {
        double tb = Delta * scale[freev[k]], lc = lb[freev[k]] - x[freev[k]];
        double uc = ub[freev[k]] - x[freev[k]];
        lt[k] = fmax(lc, -tb); ut[k] = fmin(uc, tb);
        flags[k] = (char)((lt[k] == lc) | (ut[k] == uc) << 1 | (lt[k] == -tb) << 2
                          | (ut[k] == tb) << 3);
        obf[k] = 0;
        if (!(nstep[k] >= lt[k] && nstep[k] <= ut[k])) inside = 0;
      }
      if (inside) memcpy(sf, nstep, sizeof(double) * (size_t)nf);
      else {
        /* dogleg: the Cauchy point, then towards the Gauss-Newton point */
        double tob, tc, ss;
        for (k = 0; k < nf; k++) { cp[k] = 0; dif[k] = -gf[k]; }
        tob = tobox(cp, dif, lt, ut, nf, NULL);
        tc = minquad(qa, qb, 0, tob);
        for (k = 0; k < nf; k++) { cp[k] = -tc * gf[k]; dif[k] = nstep[k] - cp[k]; }
        ss = tobox(cp, dif, lt, ut, nf, hits);
        for (k = 0; k < nf; k++) {
          if (hits[k] < 0 && (flags[k] & 1)) obf[k] = -1;
          if (hits[k] > 0 && (flags[k] & 2)) obf[k] = 1;
          if ((hits[k] < 0 && (flags[k] & 4)) || (hits[k] > 0 && (flags[k] & 8))) trhit = 1;
          sf[k] = cp[k] + ss * dif[k];
        }
      }
      for (j = 0; j < n; j++) step[j] = 0.0;
      for (k = 0; k < nf; k++) step[freev[k]] = sf[k];
      matvec(J, m, n, step, fnew);
      predicted = 0;
      for (k = 0; k < nf; k++) predicted += sf[k] * gf[k];
      predicted = -(0.5 * opt_dot(fnew, fnew, m) + predicted);
      /* x + step made strictly feasible */
      for (j = 0; j < n; j++) {
        double xi = x[j] + step[j];
        if (xi <= lb[j]) xi = nextafter(lb[j], ub[j]);
        else if (xi >= ub[j]) xi = nextafter(ub[j], lb[j]);
        if (xi < lb[j] || xi > ub[j]) xi = 0.5 * (lb[j] + ub[j]);
        xnew[j] = xi;
      }
      opt_res_eval(&r, xnew, fnew);
      nfev++;
      shn = 0;
      for (j = 0; j < n; j++) shn = fmax(shn, fabs(step[j] * sinv[j]));
      for (i = 0; i < m; i++) if (!isfinite(fnew[i])) { finite = 0; break; }
      if (!finite) { Delta = 0.25 * shn; continue; }
      if (loss != LOSS_LINEAR) cost_new = opt_lossfn(loss, fs, fnew, m, NULL, 1);
      else cost_new = 0.5 * opt_dot(fnew, fnew, m);
      actual = cost - cost_new;
      /* the trust radius */
      if (predicted > 0) ratio = actual / predicted;
      else if (predicted == 0 && actual == 0) ratio = 1;
      else ratio = 0;
      if (ratio < 0.25) Delta = 0.25 * shn;
      else if (ratio > 0.75 && trhit) Delta *= 2.0;
      step_norm = opt_norm2(step, n);
      xnorm = opt_norm2(x, n);
      {
        int fok = actual < ftol * cost && ratio > 0.25;
        int xok = step_norm < xtol * (xtol + xnorm);
        if (fok && xok) status = 4;
        else if (fok) status = 2;
        else if (xok) status = 3;
      }
      if (status >= 0) break;
    }
    if (actual > 0) {
      for (k = 0; k < nf; k++) ob[freev[k]] = obf[k];
      for (j = 0; j < n; j++)
        x[j] = ob[j] == -1 ? lb[j] : ob[j] == 1 ? ub[j] : xnew[j];
      memcpy(f, fnew, sizeof(double) * (size_t)m);
      memcpy(ftrue, f, sizeof(double) * (size_t)m);
      cost = cost_new;
      db_jac(&d, x, f, J);
      njev++;
      opt_lsq_grad(J, f, m, n, loss, fs, rho, g);
      if (jacscale) opt_lsq_jacscale(J, m, n, scale, sinv);
    }
  }
  if (status < 0) status = 0;
  opt_push_lsq(L, x, n, ftrue, m, J, cost, nfev, njev, status, opt_lsq_msg[status], ob);
  opt_pushvec(L, gfull, n);
  lua_setfield(L, -2, "grad");
  lua_pushnumber(L, gnorm);
  lua_setfield(L, -2, "optimality");
  if (curve) {
    double *pa = pcovmem, *pu = pa + (size_t)m * n, *psv = pu + (size_t)m * n;
    double *pvt = psv + n, *cov = pvt + (size_t)n * n;
    int ok = opt_lsq_cov(J, m, n, pa, pu, psv, pvt, cov);
    opt_push_pcov(L, ok ? cov : NULL, n, m, 2 * cost, opt_optbool(L, 4, "absolute_sigma"));
  }
  return 1;
}

static const luaL_Reg dogbox_funcs[] = {
  {"_dogbox", optimize_dogbox},
  {NULL, NULL}
};

void lumpy_open_opt_dogbox(lua_State *L) {
  luaL_setfuncs(L, dogbox_funcs, 0);
}
