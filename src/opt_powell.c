/*
** opt_powell.c: Powell's conjugate direction method, minimize(method =
** 'Powell').
**
** M. J. D. Powell, "An efficient method for finding the minimum of a
** function of several variables without calculating derivatives",
** Comput. J. 7(2), 1964, with the direction-replacement test of Press et
** al., Numerical Recipes (powell). Line searches are Brent's method from a
** bracket, or Brent's fmin on the segment that the bounds allow (through
** tan() when only one side is bounded), as SciPy's _minimize_powell; the
** evaluation budget (maxfev) and the stopping rules are SciPy's.
*/
#include <math.h>
#include <float.h>
#include "optimize.h"

typedef struct PW {
  Obj *o;
  int n, stop, tanmode;
  long maxfun, fcalls;
  const double *p, *xi;
  double *xt;
} PW;

/* one evaluation within the budget; NAN and stop once it is spent */
static double pw_f(PW *s, const double *x) {
  if (s->stop) return NAN;
  if (s->fcalls >= s->maxfun) { s->stop = 1; return NAN; }
  s->fcalls++;
  return opt_rawf(s->o, x, NULL);
}

static double pw_line(void *ud, double alpha) {
  PW *s = (PW *)ud;
  int i;
  if (s->stop) return NAN;
  if (s->tanmode) alpha = tan(alpha);
  for (i = 0; i < s->n; i++) s->xt[i] = s->p[i] + alpha * s->xi[i];
  return pw_f(s, s->xt);
}

/* the step range along alpha that keeps x0 + t alpha inside the bounds */
static void line_for_search(const double *x0, const double *alpha, const double *lb,
                            const double *ub, int n, double *lmin, double *lmax) {
  double lo = -INFINITY, hi = INFINITY;
  int i;
  for (i = 0; i < n; i++) {
    double low, high;
    if (alpha[i] == 0) continue;
    low = (lb[i] - x0[i]) / alpha[i];
    high = (ub[i] - x0[i]) / alpha[i];
    if (alpha[i] > 0) { lo = fmax(lo, low); hi = fmin(hi, high); }
    else { lo = fmax(lo, high); hi = fmin(hi, low); }
  }
  if (hi >= lo) { *lmin = lo; *lmax = hi; }
  else { *lmin = 0; *lmax = 0; }
}

/* minimises along xi from p (both updated: p += t xi, xi *= t); fval is
** f(p) on entry and the minimum on return */
static void linesearch(PW *s, double *p, double *xi, double tol, const double *lb,
                       const double *ub, double *fval) {
  int i, nz = 0, n = s->n;
  MinOut r;
  double t;
  for (i = 0; i < n; i++) if (xi[i] != 0) nz = 1;
  if (!nz) return;
  s->p = p; s->xi = xi; s->tanmode = 0;
  if (lb) {
    double lmin, lmax;
    line_for_search(p, xi, lb, ub, n, &lmin, &lmax);
    if (isfinite(lmin) && isfinite(lmax)) {
      opt_bounded(pw_line, s, lmin, lmax, tol / 100, 500, &r);
      t = r.x;
      goto done;
    }
    if (!(lmin == -INFINITY && lmax == INFINITY)) {
      s->tanmode = 1;
      opt_bounded(pw_line, s, atan(lmin), atan(lmax), tol / 100, 500, &r);
      t = tan(r.x);
      goto done;
    }
  }
  {
    double xa = 0.0, xb = 1.0, xc, fa, fb, fc;
    int ncalls;
    if (opt_bracket(pw_line, s, &xa, &xb, &xc, &fa, &fb, &fc, &ncalls, 110.0, 1000) != 0) {
      s->stop = 1;
      return;
    }
    opt_brent(pw_line, s, xa, xb, xc, fb, ncalls, tol, 500, &r);
    t = r.x;
  }
done:
  if (s->stop) return;
  for (i = 0; i < n; i++) { xi[i] *= t; p[i] += xi[i]; }
  *fval = r.fun;
}

/* _powell(fun, x0, opts, lb, ub) -> result table */
static int optimize_powell(lua_State *L) {
  int n, i, j, bigind, warnflag = 0;
  long iter = 0, maxiter, maxfun;
  double *x0, *bnd, *lb = NULL, *ub = NULL, *x, *x1, *x2, *direc, *d1, *save, *mem;
  double xtol, ftol, fval, fx, fx2, delta;
  Obj o;
  PW s;
  Callback cb;
  lua_settop(L, 5);
  luaL_checktype(L, 3, LUA_TTABLE);
  x0 = opt_checkx0(L, 2, &n);
  bnd = opt_checkbounds(L, 4, n);
  if (bnd) { lb = bnd; ub = bnd + n; }
  lua_pushnil(L);
  opt_objinit(L, &o, 1, lua_gettop(L), 3, n);
  xtol = opt_optnum(L, 3, "xtol", 1e-4);
  ftol = opt_optnum(L, 3, "ftol", 1e-4);
  maxiter = opt_optint(L, 3, "maxiter", -1);
  maxfun = opt_optint(L, 3, "maxfev", -1);
  if (maxiter < 0 && maxfun < 0) { maxiter = 1000L * n; maxfun = 1000L * n; }
  else if (maxiter < 0) maxiter = 2000000000L;
  else if (maxfun < 0) maxfun = 2000000000L;
  opt_cbinit(L, &cb, 3, "lumpy.optimize.minimize");
  mem = opt_work(L, (size_t)n * n + 6 * (size_t)n);
  direc = mem; x = direc + (size_t)n * n; x1 = x + n; x2 = x1 + n; d1 = x2 + n;
  save = d1 + n; s.xt = save + n;
  for (i = 0; i < n; i++) direc[(size_t)i * n + i] = 1.0;
  memcpy(x, x0, sizeof(double) * (size_t)n);
  s.o = &o; s.n = n; s.stop = 0; s.maxfun = maxfun; s.fcalls = 0;
  fval = pw_f(&s, x);
  memcpy(x1, x, sizeof(double) * (size_t)n);
  while (!s.stop) {
    fx = fval;
    bigind = 0;
    delta = 0.0;
    for (i = 0; i < n; i++) {
      double fsave = fval;
      memcpy(save, x, sizeof(double) * (size_t)n);
      memcpy(d1, direc + (size_t)i * n, sizeof(double) * (size_t)n);
      fx2 = fval;
      linesearch(&s, x, d1, xtol * 100, lb, ub, &fval);
      if (s.stop) { memcpy(x, save, sizeof(double) * (size_t)n); fval = fsave; break; }
      if (fx2 - fval > delta) { delta = fx2 - fval; bigind = i; }
    }
    if (s.stop) break;
    iter++;
    if (opt_cbcall(&cb, x, n)) { warnflag = STATUS_CALLBACK; break; }
    if (2.0 * (fx - fval) <= ftol * (fabs(fx) + fabs(fval)) + 1e-20) break;
    if (s.fcalls >= maxfun) break;
    if (iter >= maxiter) break;
    if (isnan(fx) && isnan(fval)) break;
    /* the extrapolated point */
    {
      double lmax = 1;
      for (j = 0; j < n; j++) { d1[j] = x[j] - x1[j]; }
      memcpy(x1, x, sizeof(double) * (size_t)n);
      if (lb) {
        double lmin;
        line_for_search(x, d1, lb, ub, n, &lmin, &lmax);
      }
      for (j = 0; j < n; j++) x2[j] = x[j] + fmin(lmax, 1) * d1[j];
    }
    fx2 = pw_f(&s, x2);
    if (s.stop) break;
    if (fx > fx2) {
      double t = 2.0 * (fx + fx2 - 2.0 * fval), temp = fx - fval - delta;
      t *= temp * temp;
      temp = fx - fx2;
      t -= delta * temp * temp;
      if (t < 0.0) {
        double fsave = fval;
        int nz = 0;
        memcpy(save, x, sizeof(double) * (size_t)n);
        linesearch(&s, x, d1, xtol * 100, lb, ub, &fval);
        if (s.stop) { memcpy(x, save, sizeof(double) * (size_t)n); fval = fsave; break; }
        for (j = 0; j < n; j++) if (d1[j] != 0) nz = 1;
        if (nz) {
          memcpy(direc + (size_t)bigind * n, direc + (size_t)(n - 1) * n, sizeof(double) * (size_t)n);
          memcpy(direc + (size_t)(n - 1) * n, d1, sizeof(double) * (size_t)n);
        }
      }
    }
  }
  {
    const char *msg = MSG_SUCCESS;
    int64_t shape[2];
    Array *a;
    if (warnflag == STATUS_CALLBACK) msg = MSG_CALLBACK;
    else if (s.fcalls >= maxfun) { warnflag = 1; msg = MSG_MAXFEV; }
    else if (iter >= maxiter) { warnflag = 2; msg = MSG_MAXITER; }
    else {
      int bad = isnan(fval);
      for (j = 0; j < n; j++) if (isnan(x[j])) bad = 1;
      if (bad) { warnflag = 3; msg = MSG_NAN; }
    }
    opt_pushresult(L, x, n, fval, NULL, NULL, iter, s.fcalls, -1, warnflag, msg);
    shape[0] = shape[1] = n;
    a = lumpy_newarray(L, LUMPY_FLOAT64, 2, shape, 0);
    memcpy(a->data, direc, sizeof(double) * (size_t)n * n);
    lua_setfield(L, -2, "direc");
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
