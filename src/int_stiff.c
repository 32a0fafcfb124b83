/*
** int_stiff.c: the implicit solve_ivp methods, their Jacobians (user
** function, constant matrix, or finite differences) and dense outputs.
**
**   Radau: E. Hairer, G. Wanner, "Solving Ordinary Differential Equations
**          II: Stiff and Differential-Algebraic Problems", 2nd ed.,
**          Springer 1996, IV.8: the 3-stage Radau IIA method of order 5,
**          the simplified Newton iteration decoupled into one real and one
**          complex system (IV.8.17-8.20), the error estimate (IV.8.19-8.20,
**          with the extra solve after a rejection), the predictive step
**          size controller of Gustafsson (IV.8.25) and the collocation
**          polynomial for dense output and the starting values.
**   BDF:   L. F. Shampine, M. W. Reichelt, "The MATLAB ODE Suite", SIAM J.
**          Sci. Comput. 18 (1997): the quasi-constant step size NDF/BDF of
**          orders 1-5 in backward-difference form (kappa coefficients of
**          their Table 1), step changes by the difference transformation,
**          order changes from the neighbouring error estimates.
**   Finite-difference Jacobians: L. F. Shampine, "Numerical Solution of
**          Ordinary Differential Equations", Chapman & Hall 1994, 7.3 (the
**          increments adapt per column from the size of the differences),
**          as SciPy's num_jac.
** The dense linear algebra is LAPACK's getrf/getrs through LAPACKE, column
** major, with every matrix and pivot vector in the solver's Lua-owned work
** block. As SciPy, evaluations made for finite-difference Jacobians are not
** counted in nfev.
*/
#include <complex.h>
#include <float.h>
#include <math.h>
#include <lapacke.h>
#include "int.h"

#define EPS DBL_EPSILON

/* ---------------------------------------------------------------------- */
/* Jacobians                                                               */
/* ---------------------------------------------------------------------- */

typedef struct Jac {
  int kind;             /* 0 finite differences, 1 user function, 2 constant */
  int hasfactor;
  double *factor;       /* n: the adaptive increments */
  double *fcol;         /* n: scratch */
  double *ycol;         /* n: scratch */
} Jac;

/* fun(t, y) without counting it */
static void fun_uncounted(lumpy_Ode *o, double t, const double *y, double *out) {
  lumpy_ode_fun(o, t, y, out);
  o->nfev--;
}

/* reads an n x n matrix (an array or a table of rows) at the stack top
** into J (column major) and pops it */
static void read_matrix(lumpy_Ode *o, double *J) {
  lua_State *L = o->L;
  int n = o->n, i, j;
  if (lumpy_isarray(L, -1)) {
    Array *a = lumpy_checkarray(L, -1);
    double *tmp = o->tmp;
    if (a->ndim != 2 || a->shape[0] != n || a->shape[1] != n) {
      char b[400];
      luaL_error(L, "%s: the Jacobian must have shape {%d, %d}, got %s", o->fn.kernel, n, n,
                 lumpy_shapestr(b, a->ndim, a->shape));
    }
    for (i = 0; i < n; i++) {
      Array *row;
      lua_pushinteger(L, i + 1);
      lua_gettable(L, -2);
      row = lumpy_checkarray(L, -1);
      (void)row;
      lumpy_fn_checkvector(&o->jac, -1, tmp, n, "a row of the Jacobian");
      for (j = 0; j < n; j++) J[(size_t)j * n + i] = tmp[j];
      lua_pop(L, 1);
    }
  }
  else if (lua_type(L, -1) == LUA_TTABLE && (int)lua_rawlen(L, -1) == n) {
    for (i = 0; i < n; i++) {
      lua_rawgeti(L, -1, i + 1);
      lumpy_fn_checkvector(&o->jac, -1, o->tmp, n, "a row of the Jacobian");
      for (j = 0; j < n; j++) J[(size_t)j * n + i] = o->tmp[j];
      lua_pop(L, 1);
    }
  }
  else
    luaL_error(L, "%s: the Jacobian must be an n x n array or a table of %d rows",
               o->fn.kernel, n);
  lua_pop(L, 1);
}

#define NUM_JAC_FACTOR_INCREASE 10.0
#define NUM_JAC_FACTOR_DECREASE 0.1

/* finite-difference Jacobian at (t, y) with f = fun(t, y), into J */
static void num_jac(lumpy_Ode *o, Jac *jc, double t, const double *y, const double *f,
                    double *J) {
  int n = o->n, i, j;
  const double reject = pow(EPS, 0.875), small = pow(EPS, 0.75), big = pow(EPS, 0.25);
  double *fnew = jc->fcol, *yc = jc->ycol;
  if (!jc->hasfactor) {
    for (j = 0; j < n; j++) jc->factor[j] = sqrt(EPS);
    jc->hasfactor = 1;
  }
  memcpy(yc, y, sizeof(double) * (size_t)n);
  for (j = 0; j < n; j++) {
    double fsign = f[j] >= 0 ? 1.0 : -1.0;
    double yscale = fsign * fmax(o->atol[j], fabs(y[j]));
    double h = (y[j] + jc->factor[j] * yscale) - y[j], maxdiff = 0.0, sc;
    double *col = J + (size_t)j * n;
    int mi = 0;
    while (h == 0.0) {
      jc->factor[j] *= 10.0;
      h = (y[j] + jc->factor[j] * yscale) - y[j];
    }
    yc[j] = y[j] + h;
    fun_uncounted(o, t, yc, fnew);
    for (i = 0; i < n; i++) {
      col[i] = fnew[i] - f[i];
      if (fabs(col[i]) > maxdiff) { maxdiff = fabs(col[i]); mi = i; }
    }
    sc = fmax(fabs(f[mi]), fabs(fnew[mi]));
    if (maxdiff < reject * sc) {
      /* the difference is lost in rounding: retry with a larger increment */
      double nf = NUM_JAC_FACTOR_INCREASE * jc->factor[j];
      double hn = (y[j] + nf * yscale) - y[j], maxn = 0.0, scn;
      int mn = 0;
      yc[j] = y[j] + hn;
      fun_uncounted(o, t, yc, fnew);
      for (i = 0; i < n; i++)
        if (fabs(fnew[i] - f[i]) > maxn) { maxn = fabs(fnew[i] - f[i]); mn = i; }
      scn = fmax(fabs(f[mn]), fabs(fnew[mn]));
      if (maxdiff * scn < maxn * sc) {
        jc->factor[j] = nf;
        h = hn;
        for (i = 0; i < n; i++) col[i] = fnew[i] - f[i];
        sc = scn;
        maxdiff = maxn;
      }
    }
    yc[j] = y[j];
    for (i = 0; i < n; i++) col[i] /= h;
    if (maxdiff < small * sc) jc->factor[j] *= NUM_JAC_FACTOR_INCREASE;
    else if (maxdiff > big * sc) jc->factor[j] *= NUM_JAC_FACTOR_DECREASE;
    if (jc->factor[j] < 1e3 * EPS) jc->factor[j] = 1e3 * EPS;
  }
}

/* the user's jac(t, y) into J */
static void user_jac(lumpy_Ode *o, double t, const double *y, double *J) {
  lumpy_fn_callt(&o->jac, t, o->tfirst, y, o->n, 1);
  read_matrix(o, J);
}

/* the Jacobian at (t, y) (f = fun(t, y) when known, else NULL) */
static void eval_jac(lumpy_Ode *o, Jac *jc, double t, const double *y, const double *f,
                     double *J) {
  o->njev++;
  if (jc->kind == 1) user_jac(o, t, y, J);
  else {
    if (f == NULL) {
      fun_uncounted(o, t, y, jc->ycol);
      memcpy(o->tmp, jc->ycol, sizeof(double) * (size_t)o->n);
      f = o->tmp;
    }
    num_jac(o, jc, t, y, f, J);
  }
}

/* the first Jacobian, and how later ones are made: opts.jac at o->jacidx
** is a function, a constant matrix, or absent */
static void init_jac(lumpy_Ode *o, Jac *jc, const double *f0, int radau, double *J) {
  lua_State *L = o->L;
  jc->kind = 0;
  if (o->jacidx) {
    if (o->jac.fidx) jc->kind = 1;
    else {
      jc->kind = 2;
      lua_pushvalue(L, o->jacidx);
      read_matrix(o, J);
      return;
    }
  }
  if (jc->kind == 1) {
    user_jac(o, o->t, o->y, J);
    o->njev++;
  }
  else eval_jac(o, jc, o->t, o->y, radau ? f0 : NULL, J);
}

static void lu_real(lumpy_Ode *o, double *A, lapack_int *ipiv) {
  o->nlu++;
  LAPACKE_dgetrf(LAPACK_COL_MAJOR, o->n, o->n, A, o->n, ipiv);
}

static void solve_real(lumpy_Ode *o, const double *LU, const lapack_int *ipiv, double *b) {
  LAPACKE_dgetrs(LAPACK_COL_MAJOR, 'N', o->n, 1, LU, o->n, ipiv, b, o->n);
}

/* ---------------------------------------------------------------------- */
/* Radau IIA (order 5)                                                     */
/* ---------------------------------------------------------------------- */

#define RADAU_MAXITER 6

typedef struct Radau {
  Jac jc;
  double *J, *LUr, *Z, *W, *F, *dW, *Z0, *fr, *err, *ZE, *scale, *ynew, *fnew, *rec, *ytmp;
  cplx *LUc, *fc;
  lapack_int *pr, *pc;
  int haslu, hassol, current_jac;
  double h_abs_old, error_norm_old;
  int has_old;
  double s6, c[3], e[3], mu_real, T[3][3], TI[3][3], P[3][3];
  cplx mu_complex;
} Radau;

static size_t radau_worksize(int n) {
  size_t nn = (size_t)n * n, m = (size_t)n;
  return sizeof(Radau) + sizeof(double) * (3 * m + 2 * nn + 5 * 3 * m + 7 * m + 2 + 4 * m) +
         sizeof(cplx) * (nn + m) + 2 * sizeof(lapack_int) * m + 64;
}

static int radau_reclen(int n) { return 2 + n + 3 * n; }

static void radau_init(lumpy_Ode *o) {
  Radau *r = (Radau *)o->ms;
  int n = o->n, i;
  size_t nn = (size_t)n * n;
  double *p = (double *)(((uintptr_t)(r + 1) + 15) & ~(uintptr_t)15);
  r->LUc = (cplx *)p;
  r->fc = r->LUc + nn;
  p = (double *)(r->fc + n);
  r->jc.factor = p; p += n;
  r->jc.fcol = p; p += n;
  r->jc.ycol = p; p += n;
  r->J = p; p += nn;
  r->LUr = p; p += nn;
  r->Z = p; p += 3 * n;
  r->W = p; p += 3 * n;
  r->F = p; p += 3 * n;
  r->dW = p; p += 3 * n;
  r->Z0 = p; p += 3 * n;
  r->fr = p; p += n;
  r->err = p; p += n;
  r->ZE = p; p += n;
  r->scale = p; p += n;
  r->ynew = p; p += n;
  r->fnew = p; p += n;
  r->ytmp = p; p += n;
  r->rec = p; p += 2 + 4 * (size_t)n;
  r->pr = (lapack_int *)p;
  r->pc = r->pr + n;
  /* Hairer-Wanner IV.8: the nodes, the error weights, the eigenvalues of
  ** the inverse of the method's matrix and its eigenvector transform */
  r->s6 = sqrt(6.0);
  r->c[0] = (4.0 - r->s6) / 10.0;
  r->c[1] = (4.0 + r->s6) / 10.0;
  r->c[2] = 1.0;
  r->e[0] = (-13.0 - 7.0 * r->s6) / 3.0;
  r->e[1] = (-13.0 + 7.0 * r->s6) / 3.0;
  r->e[2] = -1.0 / 3.0;
  r->mu_real = 3.0 + pow(3.0, 2.0 / 3.0) - pow(3.0, 1.0 / 3.0);
  r->mu_complex = (3.0 + 0.5 * (pow(3.0, 1.0 / 3.0) - pow(3.0, 2.0 / 3.0))) -
                  0.5 * I * (pow(3.0, 5.0 / 6.0) + pow(3.0, 7.0 / 6.0));
  {
    static const double T[3][3] = {
      {0.09443876248897524, -0.14125529502095421, 0.03002919410514742},
      {0.25021312296533332, 0.20412935229379994, -0.38294211275726192},
      {1, 1, 0}};
    static const double TI[3][3] = {
      {4.17871859155190428, 0.32768282076106237, 0.52337644549944951},
      {-4.17871859155190428, -0.32768282076106237, 0.47662355450055044},
      {0.50287263494578682, -2.57192694985560522, 0.59603920482822492}};
    memcpy(r->T, T, sizeof T);
    memcpy(r->TI, TI, sizeof TI);
  }
  /* the collocation polynomial's coefficients (dense output) */
  r->P[0][0] = 13.0 / 3 + 7 * r->s6 / 3;
  r->P[0][1] = -23.0 / 3 - 22 * r->s6 / 3;
  r->P[0][2] = 10.0 / 3 + 5 * r->s6;
  r->P[1][0] = 13.0 / 3 - 7 * r->s6 / 3;
  r->P[1][1] = -23.0 / 3 + 22 * r->s6 / 3;
  r->P[1][2] = 10.0 / 3 - 5 * r->s6;
  r->P[2][0] = 1.0 / 3;
  r->P[2][1] = -8.0 / 3;
  r->P[2][2] = 10.0 / 3;
  r->haslu = 0;
  r->hassol = 0;
  r->has_old = 0;
  r->current_jac = 1;
  r->jc.hasfactor = 0;
  o->newton_tol = fmax(10 * EPS / o->rtol, fmin(0.03, sqrt(o->rtol)));
  lumpy_ode_fun(o, o->t, o->y, o->f);
  if (o->first_step > 0) o->h_abs = o->first_step;
  else o->h_abs = lumpy_ode_initial_step(o, o->f, 3, r->ynew, r->fnew);
  init_jac(o, &r->jc, o->f, 1, r->J);
  for (i = 0; i < 3 * n; i++) r->Z[i] = 0.0;
}

static void radau_eval(const double *rec, int n, double t, double *y) {
  double x = (t - rec[0]) / (rec[1] - rec[0]);
  const double *Q = rec + 2 + n;
  int i;
  for (i = 0; i < n; i++)
    y[i] = ((Q[3 * i + 2] * x + Q[3 * i + 1]) * x + Q[3 * i]) * x + rec[2 + i];
}

static void radau_factor(lumpy_Ode *o, Radau *r, double h) {
  int n = o->n, i, j;
  size_t nn = (size_t)n * n;
  double mr = r->mu_real / h;
  cplx mc = r->mu_complex / h;
  for (j = 0; j < n; j++)
    for (i = 0; i < n; i++) {
      double v = -r->J[(size_t)j * n + i];
      r->LUr[(size_t)j * n + i] = v + (i == j ? mr : 0.0);
      r->LUc[(size_t)j * n + i] = v + (i == j ? mc : 0.0);
    }
  (void)nn;
  lu_real(o, r->LUr, r->pr);
  o->nlu++;
  LAPACKE_zgetrf(LAPACK_COL_MAJOR, n, n, r->LUc, n, r->pc);
  r->haslu = 1;
}

/* the simplified Newton iteration for the stage increments Z (3 x n);
** returns convergence, the iterations and the rate */
static int radau_newton(lumpy_Ode *o, Radau *r, double t, const double *y, double h,
                        int *niter, double *rate_out) {
  int n = o->n, k, i, s, converged = 0;
  double mr = r->mu_real / h, dnorm_old = -1.0, rate = -1.0;
  cplx mc = r->mu_complex / h;
  double *Z = r->Z, *W = r->W, *F = r->F, *dW = r->dW;
  /* W = TI Z0 */
  memcpy(Z, r->Z0, sizeof(double) * 3 * (size_t)n);
  for (s = 0; s < 3; s++)
    for (i = 0; i < n; i++)
      W[s * n + i] = r->TI[s][0] * Z[i] + r->TI[s][1] * Z[n + i] + r->TI[s][2] * Z[2 * n + i];
  for (k = 0; k < RADAU_MAXITER; k++) {
    double dnorm = 0.0;
    int finite = 1;
    for (s = 0; s < 3; s++) {
      for (i = 0; i < n; i++) r->ytmp[i] = y[i] + Z[s * n + i];
      lumpy_ode_fun(o, t + h * r->c[s], r->ytmp, F + s * n);
    }
    for (i = 0; i < 3 * n; i++) if (!isfinite(F[i])) finite = 0;
    if (!finite) break;
    for (i = 0; i < n; i++) {
      double f0 = F[i], f1 = F[n + i], f2 = F[2 * n + i];
      r->fr[i] = r->TI[0][0] * f0 + r->TI[0][1] * f1 + r->TI[0][2] * f2 - mr * W[i];
      r->fc[i] = (r->TI[1][0] * f0 + r->TI[1][1] * f1 + r->TI[1][2] * f2) +
                 I * (r->TI[2][0] * f0 + r->TI[2][1] * f1 + r->TI[2][2] * f2) -
                 mc * (W[n + i] + I * W[2 * n + i]);
    }
    solve_real(o, r->LUr, r->pr, r->fr);
    LAPACKE_zgetrs(LAPACK_COL_MAJOR, 'N', n, 1, r->LUc, n, r->pc, r->fc, n);
    for (i = 0; i < n; i++) {
      double a = r->fr[i] / r->scale[i], b = creal(r->fc[i]) / r->scale[i];
      double c = cimag(r->fc[i]) / r->scale[i];
      dW[i] = r->fr[i];
      dW[n + i] = creal(r->fc[i]);
      dW[2 * n + i] = cimag(r->fc[i]);
      dnorm += a * a + b * b + c * c;
    }
    dnorm = n ? sqrt(dnorm / (3.0 * n)) : 0.0;
    if (dnorm_old >= 0) rate = dnorm / dnorm_old;
    if (rate >= 0 && (rate >= 1 || pow(rate, RADAU_MAXITER - k) / (1 - rate) * dnorm >
                                   o->newton_tol))
      break;
    for (i = 0; i < 3 * n; i++) W[i] += dW[i];
    for (s = 0; s < 3; s++)
      for (i = 0; i < n; i++)
        Z[s * n + i] = r->T[s][0] * W[i] + r->T[s][1] * W[n + i] + r->T[s][2] * W[2 * n + i];
    if (dnorm == 0 || (rate >= 0 && rate / (1 - rate) * dnorm < o->newton_tol)) {
      converged = 1;
      break;
    }
    dnorm_old = dnorm;
  }
  *niter = k + 1 > RADAU_MAXITER ? RADAU_MAXITER : k + 1;
  *rate_out = rate;
  return converged;
}

static double radau_predict(double h_abs, double h_abs_old, double err, double err_old,
                            int has_old) {
  double mult = 1.0;
  if (has_old && err != 0.0) mult = h_abs / h_abs_old * pow(err_old / err, 0.25);
  return fmin(1.0, mult) * pow(err, -0.25);
}

static void radau_dense_rec(lumpy_Ode *o, Radau *r, double *rec) {
  int n = o->n, i, k;
  rec[0] = o->t_old;
  rec[1] = o->t;
  memcpy(rec + 2, o->y_old, sizeof(double) * (size_t)n);
  for (i = 0; i < n; i++)
    for (k = 0; k < 3; k++)
      rec[2 + n + 3 * i + k] = r->Z[i] * r->P[0][k] + r->Z[n + i] * r->P[1][k] +
                               r->Z[2 * n + i] * r->P[2][k];
}

static int radau_step(lumpy_Ode *o, const char **msg) {
  Radau *r = (Radau *)o->ms;
  int n = o->n, i, s, rejected = 0, niter = 0, has_old, converged, current_jac;
  double t = o->t, *y = o->y, *f = o->f, h, h_abs, t_new, h_abs_old, err_old;
  double err = 0.0, rate = -1.0, safety = 0.0, factor;
  double min_step = 10.0 * fabs(nextafter(t, o->direction * INFINITY) - t);
  if (o->h_abs > o->max_step) { h_abs = o->max_step; has_old = 0; }
  else if (o->h_abs < min_step) { h_abs = min_step; has_old = 0; }
  else h_abs = o->h_abs, has_old = r->has_old;
  h_abs_old = r->h_abs_old;
  err_old = r->error_norm_old;
  current_jac = r->current_jac;
  for (;;) {
    if (!isfinite(h_abs)) {
      *msg = "The step size is not finite (the right-hand side gave NaN or inf).";
      return 0;
    }
    if (h_abs < min_step) {
      *msg = "Required step size is less than spacing between numbers.";
      return 0;
    }
    h = h_abs * o->direction;
    t_new = t + h;
    if (o->direction * (t_new - o->t_bound) > 0) t_new = o->t_bound;
    h = t_new - t;
    h_abs = fabs(h);
    /* starting values from the last collocation polynomial */
    if (!r->hassol) for (i = 0; i < 3 * n; i++) r->Z0[i] = 0.0;
    else
      for (s = 0; s < 3; s++) {
        radau_eval(r->rec, n, t + h * r->c[s], r->ytmp);
        for (i = 0; i < n; i++) r->Z0[s * n + i] = r->ytmp[i] - y[i];
      }
    for (i = 0; i < n; i++) r->scale[i] = o->atol[i] + fabs(y[i]) * o->rtol;
    converged = 0;
    for (;;) {
      if (!r->haslu) radau_factor(o, r, h);
      converged = radau_newton(o, r, t, y, h, &niter, &rate);
      if (converged || current_jac || r->jc.kind == 2) break;
      eval_jac(o, &r->jc, t, y, f, r->J);
      current_jac = 1;
      r->haslu = 0;
    }
    if (!converged) {
      h_abs *= 0.5;
      r->haslu = 0;
      continue;
    }
    for (i = 0; i < n; i++) {
      r->ynew[i] = y[i] + r->Z[2 * n + i];
      r->ZE[i] = (r->Z[i] * r->e[0] + r->Z[n + i] * r->e[1] + r->Z[2 * n + i] * r->e[2]) / h;
      r->err[i] = f[i] + r->ZE[i];
    }
    solve_real(o, r->LUr, r->pr, r->err);
    for (i = 0; i < n; i++)
      r->scale[i] = o->atol[i] + fmax(fabs(y[i]), fabs(r->ynew[i])) * o->rtol;
    for (i = 0; i < n; i++) r->ytmp[i] = r->err[i] / r->scale[i];
    err = lumpy_ode_norm(r->ytmp, n);
    safety = 0.9 * (2 * RADAU_MAXITER + 1) / (2 * RADAU_MAXITER + niter);
    if (rejected && err > 1) {
      for (i = 0; i < n; i++) r->ytmp[i] = y[i] + r->err[i];
      lumpy_ode_fun(o, t, r->ytmp, r->err);
      for (i = 0; i < n; i++) r->err[i] += r->ZE[i];
      solve_real(o, r->LUr, r->pr, r->err);
      for (i = 0; i < n; i++) r->ytmp[i] = r->err[i] / r->scale[i];
      err = lumpy_ode_norm(r->ytmp, n);
    }
    if (err > 1) {
      factor = radau_predict(h_abs, h_abs_old, err, err_old, has_old);
      h_abs *= fmax(0.2, safety * factor);
      r->haslu = 0;
      rejected = 1;
    }
    else break;
  }
  {
    int recompute = r->jc.kind != 2 && niter > 2 && rate > 1e-3;
    factor = radau_predict(h_abs, h_abs_old, err, err_old, has_old);
    factor = fmin(10.0, safety * factor);
    if (!recompute && factor < 1.2) factor = 1.0;
    else r->haslu = 0;
    lumpy_ode_fun(o, t_new, r->ynew, r->fnew);
    if (recompute) {
      eval_jac(o, &r->jc, t_new, r->ynew, r->fnew, r->J);
      current_jac = 1;
    }
    else if (r->jc.kind != 2) current_jac = 0;
  }
  r->h_abs_old = o->h_abs;
  r->error_norm_old = err;
  r->has_old = 1;
  o->h_abs = h_abs * factor;
  memcpy(o->y_old, y, sizeof(double) * (size_t)n);
  memcpy(y, r->ynew, sizeof(double) * (size_t)n);
  memcpy(f, r->fnew, sizeof(double) * (size_t)n);
  o->t_old = t;
  o->t = t_new;
  r->current_jac = current_jac;
  radau_dense_rec(o, r, r->rec);
  r->hassol = 1;
  return 1;
}

static void radau_dense(lumpy_Ode *o, double *rec) {
  Radau *r = (Radau *)o->ms;
  memcpy(rec, r->rec, sizeof(double) * (size_t)radau_reclen(o->n));
}

const lumpy_OdeMethod lumpy_ode_radau = {
  "Radau", radau_worksize, radau_init, radau_step, radau_dense, radau_reclen, radau_eval
};

/* ---------------------------------------------------------------------- */
/* BDF / NDF (orders 1-5)                                                  */
/* ---------------------------------------------------------------------- */

#define BDF_MAXORDER 5
#define BDF_MAXITER 4

typedef struct BDF {
  Jac jc;
  double *J, *LU, *D, *ypred, *psi, *scale, *d, *dy, *ynew, *fnew, *ytmp;
  lapack_int *piv;
  int haslu, order, n_equal;
  double gamma[BDF_MAXORDER + 2], alpha[BDF_MAXORDER + 2], error_const[BDF_MAXORDER + 2];
} BDF;

static size_t bdf_worksize(int n) {
  size_t nn = (size_t)n * n, m = (size_t)n;
  return sizeof(BDF) + sizeof(double) * (3 * m + 2 * nn + (BDF_MAXORDER + 3) * m + 8 * m) +
         sizeof(lapack_int) * m + 64;
}

/* D rows 0..order are rescaled for a step changed by factor:
** D <- (R U)^T D (Shampine-Reichelt, section 2.3) */
static void bdf_change_D(BDF *b, int n, int order, double factor) {
  double R[BDF_MAXORDER + 1][BDF_MAXORDER + 1], U[BDF_MAXORDER + 1][BDF_MAXORDER + 1];
  double RU[BDF_MAXORDER + 1][BDF_MAXORDER + 1], tmp[BDF_MAXORDER + 1];
  int i, j, k, m = order + 1;
  for (k = 0; k < 2; k++) {
    double (*M)[BDF_MAXORDER + 1] = k == 0 ? R : U;
    double fac = k == 0 ? factor : 1.0;
    for (j = 0; j < m; j++) M[0][j] = 1.0;
    for (i = 1; i < m; i++)
      for (j = 0; j < m; j++)
        M[i][j] = M[i - 1][j] * (j == 0 ? 0.0 : (i - 1 - fac * j) / i);
  }
  for (i = 0; i < m; i++)
    for (j = 0; j < m; j++) {
      double s = 0.0;
      for (k = 0; k < m; k++) s += R[i][k] * U[k][j];
      RU[i][j] = s;
    }
  for (k = 0; k < n; k++) {
    for (j = 0; j < m; j++) {
      double s = 0.0;
      for (i = 0; i < m; i++) s += RU[i][j] * b->D[(size_t)i * n + k];
      tmp[j] = s;
    }
    for (j = 0; j < m; j++) b->D[(size_t)j * n + k] = tmp[j];
  }
}

static int bdf_reclen(int n) { return 4 + (BDF_MAXORDER + 1) * n; }

static void bdf_init(lumpy_Ode *o) {
  BDF *b = (BDF *)o->ms;
  int n = o->n, i;
  size_t nn = (size_t)n * n;
  static const double kappa[6] = {0, -0.1850, -1.0 / 9, -0.0823, -0.0415, 0};
  double *p = (double *)(((uintptr_t)(b + 1) + 15) & ~(uintptr_t)15);
  b->jc.factor = p; p += n;
  b->jc.fcol = p; p += n;
  b->jc.ycol = p; p += n;
  b->J = p; p += nn;
  b->LU = p; p += nn;
  b->D = p; p += (size_t)(BDF_MAXORDER + 3) * n;
  b->ypred = p; p += n;
  b->psi = p; p += n;
  b->scale = p; p += n;
  b->d = p; p += n;
  b->dy = p; p += n;
  b->ynew = p; p += n;
  b->fnew = p; p += n;
  b->ytmp = p; p += n;
  b->piv = (lapack_int *)p;
  b->gamma[0] = 0.0;
  for (i = 1; i <= BDF_MAXORDER; i++) b->gamma[i] = b->gamma[i - 1] + 1.0 / i;
  for (i = 0; i <= BDF_MAXORDER; i++) {
    b->alpha[i] = (1 - kappa[i]) * b->gamma[i];
    b->error_const[i] = kappa[i] * b->gamma[i] + 1.0 / (i + 1);
  }
  b->jc.hasfactor = 0;
  b->haslu = 0;
  o->newton_tol = fmax(10 * EPS / o->rtol, fmin(0.03, sqrt(o->rtol)));
  lumpy_ode_fun(o, o->t, o->y, o->f);
  if (o->first_step > 0) o->h_abs = o->first_step;
  else o->h_abs = lumpy_ode_initial_step(o, o->f, 1, b->ynew, b->fnew);
  init_jac(o, &b->jc, o->f, 0, b->J);
  memcpy(b->D, o->y, sizeof(double) * (size_t)n);
  for (i = 0; i < n; i++) b->D[n + i] = o->f[i] * o->h_abs * o->direction;
  b->order = 1;
  b->n_equal = 0;
}

/* Newton iteration for the BDF system; returns convergence, the iterations */
static int bdf_newton(lumpy_Ode *o, BDF *b, double t_new, double c, int *niter) {
  int n = o->n, k, i, converged = 0;
  double dnorm_old = -1.0, rate = -1.0;
  memcpy(b->ynew, b->ypred, sizeof(double) * (size_t)n);
  for (i = 0; i < n; i++) b->d[i] = 0.0;
  for (k = 0; k < BDF_MAXITER; k++) {
    double dnorm;
    int finite = 1;
    lumpy_ode_fun(o, t_new, b->ynew, b->fnew);
    for (i = 0; i < n; i++) if (!isfinite(b->fnew[i])) finite = 0;
    if (!finite) break;
    for (i = 0; i < n; i++) b->dy[i] = c * b->fnew[i] - b->psi[i] - b->d[i];
    solve_real(o, b->LU, b->piv, b->dy);
    for (i = 0; i < n; i++) b->ytmp[i] = b->dy[i] / b->scale[i];
    dnorm = lumpy_ode_norm(b->ytmp, n);
    if (dnorm_old >= 0) rate = dnorm / dnorm_old;
    if (rate >= 0 && (rate >= 1 || pow(rate, BDF_MAXITER - k) / (1 - rate) * dnorm >
                                   o->newton_tol))
      break;
    for (i = 0; i < n; i++) {
      b->ynew[i] += b->dy[i];
      b->d[i] += b->dy[i];
    }
    if (dnorm == 0 || (rate >= 0 && rate / (1 - rate) * dnorm < o->newton_tol)) {
      converged = 1;
      break;
    }
    dnorm_old = dnorm;
  }
  *niter = k + 1 > BDF_MAXITER ? BDF_MAXITER : k + 1;
  return converged;
}

static int bdf_step(lumpy_Ode *o, const char **msg) {
  BDF *b = (BDF *)o->ms;
  int n = o->n, i, j, order = b->order, niter = 0, current_jac = b->jc.kind == 2;
  double t = o->t, h_abs, h, t_new, err = 0.0, safety = 0.0;
  double min_step = 10.0 * fabs(nextafter(t, o->direction * INFINITY) - t);
  double *D = b->D;
  if (o->h_abs > o->max_step) {
    h_abs = o->max_step;
    bdf_change_D(b, n, order, o->max_step / o->h_abs);
    b->n_equal = 0;
  }
  else if (o->h_abs < min_step) {
    h_abs = min_step;
    bdf_change_D(b, n, order, min_step / o->h_abs);
    b->n_equal = 0;
  }
  else h_abs = o->h_abs;
  for (;;) {
    double c;
    int converged;
    if (!isfinite(h_abs)) {
      *msg = "The step size is not finite (the right-hand side gave NaN or inf).";
      return 0;
    }
    if (h_abs < min_step) {
      *msg = "Required step size is less than spacing between numbers.";
      return 0;
    }
    h = h_abs * o->direction;
    t_new = t + h;
    if (o->direction * (t_new - o->t_bound) > 0) {
      t_new = o->t_bound;
      bdf_change_D(b, n, order, fabs(t_new - t) / h_abs);
      b->n_equal = 0;
      b->haslu = 0;
    }
    h = t_new - t;
    h_abs = fabs(h);
    for (i = 0; i < n; i++) {
      double s = 0.0, ps = 0.0;
      for (j = 0; j <= order; j++) s += D[(size_t)j * n + i];
      for (j = 1; j <= order; j++) ps += D[(size_t)j * n + i] * b->gamma[j];
      b->ypred[i] = s;
      b->scale[i] = o->atol[i] + o->rtol * fabs(s);
      b->psi[i] = ps / b->alpha[order];
    }
    c = h / b->alpha[order];
    for (;;) {
      if (!b->haslu) {
        for (j = 0; j < n; j++)
          for (i = 0; i < n; i++)
            b->LU[(size_t)j * n + i] = (i == j ? 1.0 : 0.0) - c * b->J[(size_t)j * n + i];
        lu_real(o, b->LU, b->piv);
        b->haslu = 1;
      }
      converged = bdf_newton(o, b, t_new, c, &niter);
      if (converged || current_jac) break;
      eval_jac(o, &b->jc, t_new, b->ypred, NULL, b->J);
      b->haslu = 0;
      current_jac = 1;
    }
    if (!converged) {
      h_abs *= 0.5;
      bdf_change_D(b, n, order, 0.5);
      b->n_equal = 0;
      b->haslu = 0;
      continue;
    }
    safety = 0.9 * (2 * BDF_MAXITER + 1) / (2 * BDF_MAXITER + niter);
    for (i = 0; i < n; i++) {
      b->scale[i] = o->atol[i] + o->rtol * fabs(b->ynew[i]);
      b->ytmp[i] = b->error_const[order] * b->d[i] / b->scale[i];
    }
    err = lumpy_ode_norm(b->ytmp, n);
    if (err > 1) {
      double factor = fmax(0.2, safety * pow(err, -1.0 / (order + 1)));
      h_abs *= factor;
      bdf_change_D(b, n, order, factor);
      b->n_equal = 0;
    }
    else break;
  }
  b->n_equal++;
  memcpy(o->y_old, o->y, sizeof(double) * (size_t)n);
  o->t_old = t;
  o->t = t_new;
  memcpy(o->y, b->ynew, sizeof(double) * (size_t)n);
  o->h_abs = h_abs;
  for (i = 0; i < n; i++) {
    D[(size_t)(order + 2) * n + i] = b->d[i] - D[(size_t)(order + 1) * n + i];
    D[(size_t)(order + 1) * n + i] = b->d[i];
  }
  for (j = order; j >= 0; j--)
    for (i = 0; i < n; i++) D[(size_t)j * n + i] += D[(size_t)(j + 1) * n + i];
  if (b->n_equal < order + 1) return 1;
  {
    double em = INFINITY, ep = INFINITY, fac[3], best;
    int k, bk = 0;
    if (order > 1) {
      for (i = 0; i < n; i++)
        b->ytmp[i] = b->error_const[order - 1] * D[(size_t)order * n + i] / b->scale[i];
      em = lumpy_ode_norm(b->ytmp, n);
    }
    if (order < BDF_MAXORDER) {
      for (i = 0; i < n; i++)
        b->ytmp[i] = b->error_const[order + 1] * D[(size_t)(order + 2) * n + i] / b->scale[i];
      ep = lumpy_ode_norm(b->ytmp, n);
    }
    fac[0] = pow(em, -1.0 / order);
    fac[1] = pow(err, -1.0 / (order + 1));
    fac[2] = pow(ep, -1.0 / (order + 2));
    best = fac[0];
    for (k = 1; k < 3; k++)
      if (fac[k] > best) { best = fac[k]; bk = k; }
    order += bk - 1;
    b->order = order;
    best = fmin(10.0, safety * best);
    o->h_abs *= best;
    bdf_change_D(b, n, order, best);
    b->n_equal = 0;
    b->haslu = 0;
  }
  return 1;
}

/* record: t_old, t, h, order, D[0..order] */
static void bdf_dense(lumpy_Ode *o, double *rec) {
  BDF *b = (BDF *)o->ms;
  rec[0] = o->t_old;
  rec[1] = o->t;
  rec[2] = o->h_abs * o->direction;
  rec[3] = b->order;
  memcpy(rec + 4, b->D, sizeof(double) * (size_t)(b->order + 1) * o->n);
}

static void bdf_eval(const double *rec, int n, double t, double *y) {
  double h = rec[2], p[BDF_MAXORDER];
  int order = (int)rec[3], i, j;
  const double *D = rec + 4;
  double prod = 1.0;
  for (j = 0; j < order; j++) {
    prod *= (t - (rec[1] - h * j)) / (h * (1 + j));
    p[j] = prod;
  }
  for (i = 0; i < n; i++) {
    double s = D[i];
    for (j = 0; j < order; j++) s += D[(size_t)(j + 1) * n + i] * p[j];
    y[i] = s;
  }
}

const lumpy_OdeMethod lumpy_ode_bdf = {
  "BDF", bdf_worksize, bdf_init, bdf_step, bdf_dense, bdf_reclen, bdf_eval
};
