/*
** opt_root.c: systems of nonlinear equations, root(method = 'hybr').
**
** Powell's hybrid method (M. J. D. Powell, "A hybrid method for nonlinear
** equations", in Numerical Methods for Nonlinear Algebraic Equations,
** 1970) as in MINPACK-1 hybrd/hybrj (More, Garbow, Hillstrom, ANL-80-74,
** 1980): a dogleg step in a trust region scaled by diag, Broyden rank-1
** updates of the Jacobian between evaluations, a fresh Jacobian after two
** failures. MINPACK updates the QR factors in place (r1updt, r1mpyq);
** here the updated Jacobian is refactored with LAPACK (dgeqrf/dorgqr),
** the same step in exact arithmetic at O(n^3) per iteration.
*/
#include <math.h>
#include <float.h>
#include <lapacke.h>
#include "optimize.h"

/* the system's values at x into f (n values) */
static void sysf(lumpy_Fn *fn, const double *x, double *f, int n, long *nfev) {
  lumpy_fn_call(fn, x, n, 1);
  (*nfev)++;
  lumpy_fn_checkvector(fn, -1, f, n, "function value");
  lua_pop(fn->L, 1);
}

/* the user's Jacobian (n x n, row major from Lua) into J column major */
static void sysjac(lumpy_Fn *jf, const double *x, double *J, int n, long *njev) {
  lua_State *L = jf->L;
  Array *a;
  int i, j;
  char buf[400];
  lumpy_fn_call(jf, x, n, 1);
  (*njev)++;
  if (lua_type(L, -1) != LUA_TTABLE && !lumpy_isarray(L, -1) && lua_type(L, -1) != LUA_TNUMBER)
    lumpy_kerror(L, "%s: jac must return a %d x %d array, got %s", jf->kernel, n, n,
               luaL_typename(L, -1));
  a = lumpy_asarray(L, lua_gettop(L));
  if (a->dtype == LUMPY_COMPLEX128) lumpy_kerror(L, "%s: jac must be real", jf->kernel);
  if (!((a->ndim == 2 && a->shape[0] == n && a->shape[1] == n) || (a->size == 1 && n == 1)))
    lumpy_kerror(L, "%s: jac must return a %d x %d array, got shape %s", jf->kernel, n, n,
               lumpy_shapestr(buf, a->ndim, a->shape));
  a = lumpy_ascontig(L, -1, LUMPY_FLOAT64);
  for (i = 0; i < n; i++)
    for (j = 0; j < n; j++) J[i + (size_t)j * n] = ((double *)a->data)[(size_t)i * n + j];
  lua_pop(L, 2);
}

/* the dogleg step from R (upper, column major), qtb = Q'f, in the trust
** region ||diag x|| <= delta (MINPACK dogleg) */
static void dogleg(int n, const double *r, const double *diag, const double *qtb, double delta,
                   double *x, double *wa1, double *wa2) {
  int i, j;
  double qnorm, gnorm, sgnorm, alpha, temp, bnorm;
  /* the Gauss-Newton direction, with zero pivots replaced */
  for (j = n - 1; j >= 0; j--) {
    double sum = 0, rjj = r[j + (size_t)j * n];
    for (i = j + 1; i < n; i++) sum += r[j + (size_t)i * n] * x[i];
    if (rjj == 0) {
      temp = 0;
      for (i = 0; i <= j; i++) temp = fmax(temp, fabs(r[i + (size_t)j * n]));
      rjj = DBL_EPSILON * temp;
      if (rjj == 0) rjj = DBL_EPSILON;
    }
    x[j] = (qtb[j] - sum) / rjj;
  }
  for (j = 0; j < n; j++) { wa1[j] = 0; wa2[j] = diag[j] * x[j]; }
  qnorm = opt_enorm(wa2, n);
  if (qnorm <= delta) return;
  /* the scaled gradient direction */
  for (j = 0; j < n; j++) {
    double sum = 0;
    for (i = 0; i <= j; i++) sum += r[i + (size_t)j * n] * qtb[i];
    wa1[j] = sum / diag[j];
  }
  gnorm = opt_enorm(wa1, n);
  sgnorm = 0;
  alpha = delta / qnorm;
  if (gnorm != 0) {
    for (j = 0; j < n; j++) wa1[j] = (wa1[j] / gnorm) / diag[j];
    for (i = 0; i < n; i++) {
      double sum = 0;
      for (j = i; j < n; j++) sum += r[i + (size_t)j * n] * wa1[j];
      wa2[i] = sum;
    }
    temp = opt_enorm(wa2, n);
    sgnorm = (gnorm / temp) / temp;
    alpha = 0;
    if (sgnorm < delta) {
      double dq = delta / qnorm, sd = sgnorm / delta;
      bnorm = opt_enorm(qtb, n);
      temp = (bnorm / gnorm) * (bnorm / qnorm) * sd;
      temp = temp - dq * sd * sd + sqrt((temp - dq) * (temp - dq) + (1 - dq * dq) * (1 - sd * sd));
      alpha = (dq * (1 - sd * sd)) / temp;
    }
  }
  temp = (1 - alpha) * fmin(sgnorm, delta);
  for (j = 0; j < n; j++) x[j] = temp * wa1[j] + alpha * x[j];
}

/* QR of J (n x n) into Q (n x n) and R (upper of QR), qtf = Q'f, column
** norms of J in cn; returns 0 or an error */
static int qrform(int n, const double *J, double *QR, double *Q, double *tau, const double *f,
                  double *qtf, double *cn) {
  int i, j;
  for (j = 0; j < n; j++) cn[j] = opt_enorm(J + (size_t)j * n, n);
  memcpy(QR, J, sizeof(double) * (size_t)n * n);
  if (LAPACKE_dgeqrf(LAPACK_COL_MAJOR, n, n, QR, n, tau) != 0) return 1;
  memcpy(Q, QR, sizeof(double) * (size_t)n * n);
  if (LAPACKE_dorgqr(LAPACK_COL_MAJOR, n, n, n, Q, n, tau) != 0) return 1;
  for (j = 0; j < n; j++) {
    double s = 0;
    for (i = 0; i < n; i++) s += Q[i + (size_t)j * n] * f[i];
    qtf[j] = s;
  }
  return 0;
}

static const char *const HYBR_MSG[] = {
  "Improper input parameters were entered.",
  "The solution converged.",
  "The number of calls to function has reached maxfev.",
  "xtol is too small, no further improvement in the approximate\n  solution is possible.",
  "The iteration is not making good progress, as measured by the \n  improvement from the last five Jacobian evaluations.",
  "The iteration is not making good progress, as measured by the \n  improvement from the last ten iterations.",
};

/* _hybr(fun, x0, jac, opts) -> {x, fun, fjac, qtf, nfev, njev, status,
** success, message}; opts: xtol maxfev epsfcn factor diag */
static int optimize_hybr(lua_State *L) {
  int n, i, j, info = 0, jeval, hasjac, mode = 1, iter = 1, ncsuc = 0, ncfail = 0;
  int nslow1 = 0, nslow2 = 0;
  long nfev = 0, njev = 0, maxfev;
  double *x, *f, *J, *QR, *Q, *tau, *qtf, *diag, *cn, *p, *wa1, *wa2, *wa3, *fn, *xn, *mem;
  double xtol, epsfcn, factor, fnorm, fnorm1, delta = 0, xnorm = 0, pnorm, actred, prered, ratio;
  lumpy_Fn fun, jac;
  lua_settop(L, 4);
  lumpy_blas_load(L);
  luaL_checktype(L, 4, LUA_TTABLE);
  x = opt_checkx0(L, 2, &n);
  if (n < 1) return lumpy_kerror(L, "lumpy.optimize.root: x0 must not be empty");
  lumpy_fn_init(L, &fun, 1, 4, "lumpy.optimize.root");
  hasjac = lua_isfunction(L, 3) || lua_istable(L, 3) || lua_isuserdata(L, 3);
  if (hasjac) lumpy_fn_init(L, &jac, 3, 4, "lumpy.optimize.root");
  xtol = opt_optnum(L, 4, "xtol", 1.49012e-08);
  epsfcn = opt_optnum(L, 4, "epsfcn", DBL_EPSILON);
  factor = opt_optnum(L, 4, "factor", 100);
  maxfev = opt_optint(L, 4, "maxfev", 0);
  if (maxfev <= 0) maxfev = hasjac ? 100L * (n + 1) : 200L * (n + 1);
  mem = opt_work(L, 4 * (size_t)n * n + 13 * (size_t)n);
  J = mem; QR = J + (size_t)n * n; Q = QR + (size_t)n * n; tau = Q + (size_t)n * n;
  f = tau + (size_t)n * n; qtf = f + n; diag = qtf + n; cn = diag + n; p = cn + n;
  wa1 = p + n; wa2 = wa1 + n; wa3 = wa2 + n; fn = wa3 + n; xn = fn + n;
  lua_getfield(L, 4, "diag");
  if (!lua_isnil(L, -1)) {
    int nd;
    double *d = opt_checkx0(L, lua_gettop(L), &nd);
    if (nd != n) return lumpy_kerror(L, "lumpy.optimize.root: diag must have %d elements", n);
    for (j = 0; j < n; j++) {
      if (!(d[j] > 0)) return lumpy_kerror(L, "lumpy.optimize.root: diag must be positive");
      diag[j] = d[j];
    }
    mode = 2;
  }
  sysf(&fun, x, f, n, &nfev);
  fnorm = opt_enorm(f, n);
  for (;;) {                              /* outer: a fresh Jacobian */
    jeval = 1;
    if (hasjac) sysjac(&jac, x, J, n, &njev);
    else {
      double eps = sqrt(fmax(epsfcn, DBL_EPSILON));
      for (j = 0; j < n; j++) {
        double t = x[j], h = eps * fabs(t);
        if (h == 0) h = eps;
        x[j] = t + h;
        sysf(&fun, x, fn, n, &nfev);
        x[j] = t;
        for (i = 0; i < n; i++) J[i + (size_t)j * n] = (fn[i] - f[i]) / h;
      }
    }
    if (qrform(n, J, QR, Q, tau, f, qtf, cn) != 0) { info = 0; break; }
    if (iter == 1) {
      if (mode == 1) for (j = 0; j < n; j++) diag[j] = cn[j] == 0 ? 1 : cn[j];
      for (j = 0; j < n; j++) wa3[j] = diag[j] * x[j];
      xnorm = opt_enorm(wa3, n);
      delta = factor * xnorm;
      if (delta == 0) delta = factor;
    }
    if (mode == 1) for (j = 0; j < n; j++) diag[j] = fmax(diag[j], cn[j]);
    for (;;) {                            /* inner: Broyden steps */
      double temp;
      dogleg(n, QR, diag, qtf, delta, p, wa1, wa2);
      for (j = 0; j < n; j++) {
        p[j] = -p[j];
        xn[j] = x[j] + p[j];
        wa3[j] = diag[j] * p[j];
      }
      pnorm = opt_enorm(wa3, n);
      if (iter == 1) delta = fmin(delta, pnorm);
      sysf(&fun, xn, fn, n, &nfev);
      fnorm1 = opt_enorm(fn, n);
      actred = -1;
      if (fnorm1 < fnorm) actred = 1 - (fnorm1 / fnorm) * (fnorm1 / fnorm);
      for (i = 0; i < n; i++) {       /* wa3 = R p + qtf */
        double sum = 0;
        for (j = i; j < n; j++) sum += QR[i + (size_t)j * n] * p[j];
        wa3[i] = qtf[i] + sum;
      }
      temp = opt_enorm(wa3, n);
      prered = 0;
      if (temp < fnorm) prered = 1 - (temp / fnorm) * (temp / fnorm);
      ratio = prered > 0 ? actred / prered : 0;
      if (ratio < 0.1) { ncsuc = 0; ncfail++; delta *= 0.5; }
      else {
        ncfail = 0; ncsuc++;
        if (ratio >= 0.5 || ncsuc > 1) delta = fmax(delta, pnorm / 0.5);
        if (fabs(ratio - 1) <= 0.1) delta = pnorm / 0.5;
      }
      /* Broyden update of J with the step just taken (before x moves) */
      {
        double pn2 = pnorm * pnorm;
        for (i = 0; i < n; i++) {
          double jp = 0;
          for (j = 0; j < n; j++) jp += J[i + (size_t)j * n] * p[j];
          wa1[i] = fn[i] - f[i] - jp;
        }
        if (pn2 > 0)
          for (j = 0; j < n; j++) {
            double dj = diag[j] * diag[j] * p[j] / pn2;
            for (i = 0; i < n; i++) J[i + (size_t)j * n] += wa1[i] * dj;
          }
      }
      if (ratio >= 1e-4) {
        memcpy(x, xn, sizeof(double) * (size_t)n);
        memcpy(f, fn, sizeof(double) * (size_t)n);
        for (j = 0; j < n; j++) wa2[j] = diag[j] * x[j];
        xnorm = opt_enorm(wa2, n);
        fnorm = fnorm1;
        iter++;
      }
      nslow1++;
      if (actred >= 0.001) nslow1 = 0;
      if (jeval) nslow2++;
      if (actred >= 0.1) nslow2 = 0;
      if (delta <= xtol * xnorm || fnorm == 0) info = 1;
      if (info) break;
      if (nfev >= maxfev) info = 2;
      if (0.1 * fmax(0.1 * delta, pnorm) <= DBL_EPSILON * xnorm) info = 3;
      if (nslow2 == 5) info = 4;
      if (nslow1 == 10) info = 5;
      if (!isfinite(fnorm1) && !isfinite(fnorm)) info = 5;
      if (info) break;
      if (ncfail == 2) break;
      if (qrform(n, J, QR, Q, tau, f, qtf, cn) != 0) { info = 0; break; }
      jeval = 0;
    }
    if (info || (info == 0 && ncfail != 2)) break;
  }
  lua_createtable(L, 0, 10);
  opt_pushvec(L, x, n); lua_setfield(L, -2, "x");
  opt_pushvec(L, f, n); lua_setfield(L, -2, "fun");
  {
    int64_t shape[2];
    Array *a;
    shape[0] = shape[1] = n;
    a = lumpy_newarray(L, LUMPY_FLOAT64, 2, shape, 0);
    for (i = 0; i < n; i++)
      for (j = 0; j < n; j++) ((double *)a->data)[(size_t)i * n + j] = Q[j + (size_t)i * n];
    lua_setfield(L, -2, "fjac");       /* Q' as SciPy's fjac */
  }
  opt_pushvec(L, qtf, n); lua_setfield(L, -2, "qtf");
  lua_pushinteger(L, nfev); lua_setfield(L, -2, "nfev");
  if (hasjac) { lua_pushinteger(L, njev); lua_setfield(L, -2, "njev"); }
  lua_pushinteger(L, info); lua_setfield(L, -2, "status");
  lua_pushboolean(L, info == 1); lua_setfield(L, -2, "success");
  lua_pushstring(L, HYBR_MSG[info]); lua_setfield(L, -2, "message");
  return 1;
}

static const luaL_Reg root_funcs[] = {
  {"_hybr", optimize_hybr},
  {NULL, NULL}
};

void lumpy_open_opt_root(lua_State *L) {
  luaL_setfuncs(L, root_funcs, 0);
}
