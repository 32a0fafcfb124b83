/*
** opt_powell.c: Powell's conjugate direction method for minimize
** (method = "Powell").
**
** M. J. D. Powell, "An efficient method for finding the minimum of a
** function of several variables without calculating derivatives",
** Comput. J. 7(2), 1964; the direction-replacement test and extrapolation
** of W. H. Press et al., Numerical Recipes, section 10.5. Each line search
** is Brent's method (R. P. Brent, Algorithms for Minimization without
** Derivatives, 1973, ch. 5) after a golden-section bracket, or, when
** bounds cut the line, Brent's bounded search (fminbound) on the feasible
** interval (through an arctan map when it is one-sided). Control flow,
** tolerances, defaults and counting follow SciPy 1.10's _minimize_powell,
** so the evaluation counts agree.
*/
#include <math.h>
#include <setjmp.h>
#include "optimize.h"

typedef struct Powell {
  Obj *o;
  int n;
  long maxfun;
  const double *lb, *ub;   /* NULL: unbounded */
  double *xt;              /* scratch point */
  const double *p, *xi;    /* the current line p + alpha xi */
  int tanmap;              /* alpha = tan(t) */
  double *x, *direc;       /* the iterate (with 4n scratch after it), directions */
  double fval, xtol, ftol;
  long maxiter, iter;
  int status;
  jmp_buf out;             /* taken when the evaluation budget is spent */
} Powell;

/* f(x) counted against maxfun; leaves through s->out when it is spent */
static double pw_f(Powell *s, const double *x) {
  if (s->o->nfev >= s->maxfun) longjmp(s->out, 1);
  return opt_rawf(s->o, x, NULL);
}

static double pw_line(Powell *s, double t) {
  int i;
  double a = s->tanmap ? tan(t) : t;
  for (i = 0; i < s->n; i++) s->xt[i] = s->p[i] + a * s->xi[i];
  return pw_f(s, s->xt);
}

/* the line function for the shared scalar minimisers (opt_scalar.c) */
static double pw_line1(void *ud, double t) {
  return pw_line((Powell *)ud, t);
}

/* Brent's minimisation along the line, from SciPy's bracket of xa = 0,
** xb = 1 (SciPy's Brent.optimize, 500 iterations); returns the minimiser,
** its value in *fmin */
static double pw_brent(Powell *s, double tol, double *fmin) {
  double xa = 0, xb = 1, xc, fa, fb, fc;
  int ncalls;
  MinOut o;
  if (opt_bracket(pw_line1, s, &xa, &xb, &xc, &fa, &fb, &fc, &ncalls, 110.0, 1000) != 0)
    lumpy_kerror(s->o->fun.L, "lumpy.optimize.minimize: "
               "too many iterations bracketing a line minimum");
  opt_brent(pw_line1, s, xa, xb, xc, fb, ncalls, tol, 500, &o);
  *fmin = o.fun;
  return o.x;
}

/* Brent's bounded minimisation on [x1, x2] (SciPy's
** _minimize_scalar_bounded, 500 evaluations) */
static double pw_fminbound(Powell *s, double x1, double x2, double xatol, double *fmin) {
  MinOut o;
  opt_bounded(pw_line1, s, x1, x2, xatol, 500, &o);
  *fmin = o.fun;
  return o.x;
}

/* the interval of alpha keeping x + alpha d inside the bounds (SciPy's
** _line_for_search); {0, 0} when x is outside and d cannot bring it back */
static void pw_linebounds(const Powell *s, const double *x, const double *d, double *lmin,
                          double *lmax) {
  double lo = -INFINITY, hi = INFINITY;
  int i;
  for (i = 0; i < s->n; i++) {
    double l, h;
    if (d[i] == 0) continue;
    l = (s->lb[i] - x[i]) / d[i];
    h = (s->ub[i] - x[i]) / d[i];
    if (d[i] > 0) { lo = fmax(lo, l); hi = fmin(hi, h); }
    else { lo = fmax(lo, h); hi = fmin(hi, l); }
  }
  if (hi >= lo) { *lmin = lo; *lmax = hi; }
  else *lmin = *lmax = 0;
}

/* minimises along xi from p (fval = f(p)): writes the new point to pnew
** and the step taken to xi; returns the new value */
static double pw_linesearch(Powell *s, const double *p, double *xi, double tol, double fval,
                            double *pnew) {
  int i, any = 0;
  double alpha, fret;
  for (i = 0; i < s->n; i++) any |= xi[i] != 0;
  if (!any) {
    memcpy(pnew, p, sizeof(double) * (size_t)s->n);
    return fval;
  }
  s->p = p; s->xi = xi; s->tanmap = 0;
  if (s->lb) {
    double lmin, lmax;
    pw_linebounds(s, p, xi, &lmin, &lmax);
    if (isinf(lmin) && isinf(lmax)) alpha = pw_brent(s, tol, &fret);
    else if (!isinf(lmin) && !isinf(lmax)) alpha = pw_fminbound(s, lmin, lmax, tol / 100, &fret);
    else {
      s->tanmap = 1;
      alpha = tan(pw_fminbound(s, atan(lmin), atan(lmax), tol / 100, &fret));
    }
  }
  else alpha = pw_brent(s, tol, &fret);
  for (i = 0; i < s->n; i++) {
    xi[i] = alpha * xi[i];
    pnew[i] = p[i] + xi[i];
  }
  return fret;
}

/* the main loop; everything that must survive a longjmp out of it is
** kept in s (x, fval, iter, status) */
static void pw_run(Powell *s, Callback *cb) {
  int n = s->n, i;
  double *x = s->x, *direc = s->direc, *x1 = x + n, *x2 = x1 + n, *d1 = x2 + n, *xn = d1 + n;
  s->fval = pw_f(s, x);
  memcpy(x1, x, sizeof(double) * (size_t)n);
  for (;;) {
    double fx = s->fval, delta = 0, fx2, bndv;
    int bigind = 0;
    for (i = 0; i < n; i++) {
      memcpy(d1, direc + (size_t)i * n, sizeof(double) * (size_t)n);
      fx2 = s->fval;
      s->fval = pw_linesearch(s, x, d1, s->xtol * 100, fx2, xn);
      memcpy(x, xn, sizeof(double) * (size_t)n);
      if (fx2 - s->fval > delta) { delta = fx2 - s->fval; bigind = i; }
    }
    s->iter++;
    if (opt_cbcall(cb, x, n)) { s->status = STATUS_CALLBACK; return; }
    bndv = s->ftol * (fabs(fx) + fabs(s->fval)) + 1e-20;
    if (2.0 * (fx - s->fval) <= bndv) return;
    if (s->o->nfev >= s->maxfun) return;
    if (s->iter >= s->maxiter) return;
    if (isnan(fx) && isnan(s->fval)) return;
    /* the extrapolated point, kept inside the bounds */
    {
      double lmax = 1, lmin;
      for (i = 0; i < n; i++) { d1[i] = x[i] - x1[i]; x1[i] = x[i]; }
      if (s->lb) pw_linebounds(s, x, d1, &lmin, &lmax);
      lmax = fmin(lmax, 1);
      for (i = 0; i < n; i++) x2[i] = x[i] + lmax * d1[i];
      fx2 = pw_f(s, x2);
    }
    if (fx > fx2) {
      double t = 2.0 * (fx + fx2 - 2.0 * s->fval), temp = fx - s->fval - delta;
      t *= temp * temp;
      temp = fx - fx2;
      t -= delta * temp * temp;
      if (t < 0) {
        int any = 0;
        s->fval = pw_linesearch(s, x, d1, s->xtol * 100, s->fval, xn);
        memcpy(x, xn, sizeof(double) * (size_t)n);
        for (i = 0; i < n; i++) any |= d1[i] != 0;
        if (any) {
          memcpy(direc + (size_t)bigind * n, direc + (size_t)(n - 1) * n,
                 sizeof(double) * (size_t)n);
          memcpy(direc + (size_t)(n - 1) * n, d1, sizeof(double) * (size_t)n);
        }
      }
    }
  }
}

/* _powell(fun, x0, opts, lb, ub, direc) -> result table (with direc) */
static int optimize_powell(lua_State *L) {
  Powell *s;
  Obj *o;
  Callback cb;
  int n, i;
  double *x0, *bnd;
  luaL_checktype(L, 3, LUA_TTABLE);
  lua_settop(L, 6);
  x0 = opt_checkx0(L, 2, &n);
  bnd = opt_checkbounds(L, 4, n);
  s = (Powell *)lua_newuserdatauv(L, sizeof(Powell) + sizeof(Obj), 0);
  memset(s, 0, sizeof *s);
  o = (Obj *)(s + 1);
  lua_pushnil(L);
  opt_objinit(L, o, 1, lua_gettop(L), 3, n);
  s->direc = opt_work(L, (size_t)n * n + 6 * (size_t)n);
  s->x = s->direc + (size_t)n * n;
  s->xt = s->x + 5 * (size_t)n;
  if (!lua_isnil(L, 6)) {
    Array *a;
    lumpy_asarray(L, 6);
    a = lumpy_ascontig(L, 6, LUMPY_FLOAT64);
    if (a->ndim != 2 || a->shape[0] != n || a->shape[1] != n)
      lumpy_kerror(L, "lumpy.optimize.minimize: direc must be a %d x %d matrix", n, n);
    if (n) memcpy(s->direc, a->data, sizeof(double) * (size_t)n * n);
    lua_pop(L, 1);
  }
  else for (i = 0; i < n; i++) s->direc[(size_t)i * n + i] = 1;
  s->xtol = opt_optnum(L, 3, "xtol", 1e-4);
  s->ftol = opt_optnum(L, 3, "ftol", 1e-4);
  {
    double mi = opt_optnum(L, 3, "maxiter", -1), mf = opt_optnum(L, 3, "maxfev", -1);
    if (mi < 0 && mf < 0) mi = mf = 1000.0 * n;
    else if (mi < 0) mi = isinf(mf) ? 1000.0 * n : 2e9;
    else if (mf < 0) mf = isinf(mi) ? 1000.0 * n : 2e9;
    s->maxiter = mi > 2e9 ? 2000000000L : (long)mi;
    s->maxfun = mf > 2e9 ? 2000000000L : (long)mf;
  }
  opt_cbinit(L, &cb, 3, "lumpy.optimize.minimize");
  s->o = o; s->n = n;
  s->lb = bnd; s->ub = bnd ? bnd + n : NULL;
  if (n) memcpy(s->x, x0, sizeof(double) * (size_t)n);
  if (setjmp(s->out) == 0) pw_run(s, &cb);
  {
    const char *msg = MSG_SUCCESS;
    int out = 0, status = s->status;
    double *x = s->x;
    if (bnd)
      for (i = 0; i < n; i++) out |= x[i] < bnd[i] || x[i] > bnd[n + i];
    if (status == STATUS_CALLBACK) msg = MSG_CALLBACK;
    else if (out) { status = 4; msg = "The result is outside of the provided bounds."; }
    else if (o->nfev >= s->maxfun) { status = 1; msg = MSG_MAXFEV; }
    else if (s->iter >= s->maxiter) { status = 2; msg = MSG_MAXITER; }
    else {
      int bad = isnan(s->fval);
      for (i = 0; i < n; i++) bad |= isnan(x[i]);
      if (bad) { status = 3; msg = MSG_NAN; }
    }
    opt_pushresult(L, x, n, s->fval, NULL, NULL, s->iter, o->nfev, -1, status, msg);
    {
      int64_t shape[2];
      Array *d;
      shape[0] = shape[1] = n;
      d = lumpy_newarray(L, LUMPY_FLOAT64, 2, shape, 0);
      if (n) memcpy(d->data, s->direc, sizeof(double) * (size_t)n * n);
      lua_setfield(L, -2, "direc");
    }
  }
  return 1;
}

static const luaL_Reg powell_funcs[] = {
  {"_powell", optimize_powell},
  {NULL, NULL}
};

void lumpy_open_opt_powell(lua_State *L) {
  luaL_setfuncs(L, powell_funcs, 0);
}
