/*
** int_stiff.c: the implicit solve_ivp methods Radau and BDF, and the
** Jacobian helpers they share with LSODA (int_stiff_lsoda.c). They plug
** into the solve_ivp driver of int_ode.c through lumpy_OdeMethod.
**
**   Radau: Radau IIA of order 5, E. Hairer, G. Wanner, "Solving Ordinary
**     Differential Equations II", 2nd ed., Springer 1996, section IV.8: the
**     collocation system is solved by simplified Newton iterations on the
**     transformed system (one real and one complex linear system per
**     iteration, eq. (8.16)-(8.20)), the error estimate of (8.19)-(8.20)
**     with the extra solve after a rejection, the predictive (Gustafsson)
**     step size controller of (8.25), and dense output by the collocation
**     polynomial. Behaviour (what is counted, when the Jacobian is
**     refreshed) as scipy.integrate.Radau.
**   BDF: the variable-order (1 to 5) quasi-constant step size NDF/BDF of
**     L. F. Shampine, M. W. Reichelt, "The MATLAB ODE Suite", SIAM J. Sci.
**     Comput. 18 (1997), sec. 2-3: the backward differences array, the
**     predictor, the modified Newton iteration with LU reuse, the error
**     constants with the NDF kappa values, and order selection among
**     k-1, k, k+1 after k+1 steps of equal size, as scipy.integrate.BDF.
**
** Linear algebra: LAPACK dgetrf/dgetrs and zgetrf/zgetrs (column-major).
** All work memory is the method state, inside the driver's Lua userdata.
*/
#include <complex.h>
#include <float.h>
#include <math.h>
#include <lapacke.h>
#include "int_stiff.h"

#define NEWTON_TOL(rtol) fmax(10 * DBL_EPSILON / (rtol), fmin(0.03, sqrt(rtol)))

/* ---------------------------------------------------------------------- */
/* Jacobians                                                               */
/* ---------------------------------------------------------------------- */

/* copies the matrix at idx (a number when n = 1, an n x n array, a table of
** n rows of n numbers, or for a C function n * n values) into J
** (column-major); raises with the kernel's name otherwise */
static void read_matrix(lumpy_Ode *o, lumpy_Fn *fn, int idx, double *J) {
  lua_State *L = o->L;
  int n = o->n, i, j;
  Array *a;
  idx = lua_absindex(L, idx);
  if (n == 1 && lua_type(L, idx) == LUA_TNUMBER) { J[0] = lua_tonumber(L, idx); return; }
  if ((a = lumpy_toarray(L, idx)) != NULL) {
    const double *p;
    lumpy_checkarray(L, idx);
    if (a->dtype == LUMPY_COMPLEX128)
      lumpy_kerror(L, "%s: the Jacobian must be real, got a complex128 array", fn->kernel);
    if (!((a->ndim == 2 && a->shape[0] == n && a->shape[1] == n) ||
          (a->size == (int64_t)n * n && (n == 1 || fn->vf)))) {
      char b1[400];
      lumpy_kerror(L, "%s: the Jacobian must have shape {%d, %d}, got %s", fn->kernel, n, n,
                 lumpy_shapestr(b1, a->ndim, a->shape));
    }
    p = (const double *)lumpy_ascontig(L, idx, LUMPY_FLOAT64)->data;
    for (i = 0; i < n; i++)
      for (j = 0; j < n; j++) J[(size_t)j * n + i] = p[(size_t)i * n + j];
    lua_pop(L, 1);
    return;
  }
  if (lua_type(L, idx) != LUA_TTABLE)
    lumpy_kerror(L, "%s: the Jacobian must be a %d x %d array or table of rows, got %s",
               fn->kernel, n, n, luaL_typename(L, idx));
  if ((int)lua_rawlen(L, idx) != n)
    lumpy_kerror(L, "%s: the Jacobian must have %d rows, got %d", fn->kernel, n,
               (int)lua_rawlen(L, idx));
  for (i = 0; i < n; i++) {
    lua_rawgeti(L, idx, i + 1);
    if (lua_type(L, -1) != LUA_TTABLE || (int)lua_rawlen(L, -1) != n)
      lumpy_kerror(L, "%s: row %d of the Jacobian must be a table of %d numbers", fn->kernel,
                 i + 1, n);
    for (j = 0; j < n; j++) {
      int isnum;
      lua_rawgeti(L, -1, j + 1);
      J[(size_t)j * n + i] = lua_tonumberx(L, -1, &isnum);
      if (!isnum)
        lumpy_kerror(L, "%s: the Jacobian must hold numbers, element {%d, %d} is %s",
                   fn->kernel, i + 1, j + 1, luaL_typename(L, -1));
      lua_pop(L, 1);
    }
    lua_pop(L, 1);
  }
}

int lumpy_stiff_jacinit(lumpy_Ode *o, double *J) {
  lua_State *L = o->L;
  lumpy_blas_load(L);     /* every implicit method starts here, then uses LAPACK */
  if (o->jacidx) return STIFF_JAC_FUN;
  if (lua_type(L, 5) == LUA_TTABLE && lua_getfield(L, 5, "jac_const") != LUA_TNIL) {
    lumpy_Fn fake;
    memset(&fake, 0, sizeof fake);
    fake.kernel = o->fn.kernel;
    read_matrix(o, &fake, -1, J);
    lua_pop(L, 1);
    return STIFF_JAC_CONST;
  }
  lua_pop(L, 1);
  return STIFF_JAC_FD;
}

/* fun(t, y) without counting it in nfev */
static void fun_raw(lumpy_Ode *o, double t, const double *y, double *out) {
  lumpy_fn_callt(&o->fn, t, o->tfirst, y, o->n, 1);
  lumpy_fn_checkvector(&o->fn, -1, out, o->n, "the right-hand side");
  lua_pop(o->L, 1);
}

void lumpy_stiff_jac(lumpy_Ode *o, int kind, double t, const double *y, const double *f,
                     double *J, double *work, int count_fd) {
  int n = o->n, i, j;
  if (kind == STIFF_JAC_CONST) return;
  o->njev++;
  if (kind == STIFF_JAC_FUN) {
    lumpy_fn_callt(&o->jac, t, o->tfirst, y, n, 1);
    read_matrix(o, &o->jac, -1, J);
    lua_pop(o->L, 1);
    return;
  }
  /* forward differences, steps sqrt(eps) max(|y_j|, atol_j) in the
  ** direction of f_j (SciPy's num_jac without its adaptive factor) */
  {
    double *yy = o->tmp;
    memcpy(yy, y, sizeof(double) * (size_t)n);
    for (j = 0; j < n; j++) {
      double sc = fmax(fabs(y[j]), o->atol[j]), h;
      if (sc == 0.0) sc = 1.0;
      h = (y[j] + (f[j] >= 0 ? 1.0 : -1.0) * sqrt(DBL_EPSILON) * sc) - y[j];
      if (h == 0.0) h = DBL_EPSILON;
      yy[j] = y[j] + h;
      if (count_fd) lumpy_ode_fun(o, t, yy, work);
      else fun_raw(o, t, yy, work);
      for (i = 0; i < n; i++) J[(size_t)j * n + i] = (work[i] - f[i]) / h;
      yy[j] = y[j];
    }
  }
}

/* below this order the factorisation and the solves run in plain loops:
** a LAPACK call's fixed cost (dispatch, OpenBLAS's locks) is more than
** the O(n^3) work of a small system, and the solve runs at every Newton
** iteration */
#define SMALL_LU 16

void lumpy_stiff_lu(int n, double *A, lapack_int *ipiv) {
  int i, j, k;
  if (n > SMALL_LU) {
    LAPACKE_dgetrf_work(LAPACK_COL_MAJOR, n, n, A, n, ipiv);
    return;
  }
  for (j = 0; j < n; j++) {
    double *cj = A + (size_t)j * n, amax = fabs(cj[j]);
    int p = j;
    for (i = j + 1; i < n; i++)
      if (fabs(cj[i]) > amax) { amax = fabs(cj[i]); p = i; }
    ipiv[j] = p + 1;
    if (p != j)
      for (k = 0; k < n; k++) {
        double t = A[p + (size_t)k * n];
        A[p + (size_t)k * n] = A[j + (size_t)k * n];
        A[j + (size_t)k * n] = t;
      }
    if (cj[j] != 0) {             /* a zero column stays: U is singular */
      double r = 1.0 / cj[j];
      for (i = j + 1; i < n; i++) cj[i] *= r;
    }
    for (k = j + 1; k < n; k++) {
      double *ck = A + (size_t)k * n, t = ck[j];
      if (t != 0)
        for (i = j + 1; i < n; i++) ck[i] -= cj[i] * t;
    }
  }
}

void lumpy_stiff_solve(int n, const double *A, const lapack_int *ipiv, double *b) {
  int i, j;
  if (n > SMALL_LU) {
    LAPACKE_dgetrs_work(LAPACK_COL_MAJOR, 'N', n, 1, A, n, ipiv, b, n);
    return;
  }
  for (i = 0; i < n; i++) {
    int p = ipiv[i] - 1;
    if (p != i) { double t = b[i]; b[i] = b[p]; b[p] = t; }
  }
  for (j = 0; j < n; j++)                       /* L y = b, L unit lower */
    for (i = j + 1; i < n; i++) b[i] -= A[i + (size_t)j * n] * b[j];
  for (j = n - 1; j >= 0; j--) {                /* U x = y */
    b[j] /= A[j + (size_t)j * n];
    for (i = 0; i < j; i++) b[i] -= A[i + (size_t)j * n] * b[j];
  }
}

/* LU of A (column-major, n x n) in place; a singular factor is kept (its
** solves give inf or nan, which the Newton iterations reject) */
static void lu_real(lumpy_Ode *o, double *A, lapack_int *ipiv) {
  o->nlu++;
  lumpy_stiff_lu(o->n, A, ipiv);
}
static void solve_real(lumpy_Ode *o, double *A, lapack_int *ipiv, double *b) {
  lumpy_stiff_solve(o->n, A, ipiv, b);
}

/* the RMS norm of x / scale */
static double norm_scaled(const double *x, const double *scale, int n) {
  double s = 0.0;
  int i;
  if (n == 0) return 0.0;
  for (i = 0; i < n; i++) {
    double v = x[i] / scale[i];
    s += v * v;
  }
  return sqrt(s / n);
}

/* ---------------------------------------------------------------------- */
/* Radau IIA, order 5                                                      */
/* ---------------------------------------------------------------------- */

#define RADAU_MAXITER 6
#define MIN_FACTOR 0.2
#define MAX_FACTOR 10.0

/* the nodes C, the error weights E (Hairer-Wanner IV.8, (8.20)), the
** eigenvalues of the inverse of the Butcher matrix (one real, a complex
** pair), its eigenvector transform T and inverse TI, and P, which turns the
** stage increments into the coefficients of the collocation polynomial */
#define S6 2.449489742783178098197284
static const double rC[3] = {(4 - S6) / 10, (4 + S6) / 10, 1};
static const double rE[3] = {(-13 - 7 * S6) / 3, (-13 + 7 * S6) / 3, -1.0 / 3};
static const double rT[3][3] = {
  {0.09443876248897524, -0.14125529502095421, 0.03002919410514742},
  {0.25021312296533332, 0.20412935229379994, -0.38294211275726192},
  {1, 1, 0}
};
static const double rTI[3][3] = {
  {4.17871859155190428, 0.32768282076106237, 0.52337644549944951},
  {-4.17871859155190428, -0.32768282076106237, 0.47662355450055044},
  {0.50287263494578682, -2.57192694985560522, 0.59603920482822492}
};
static const double rP[3][3] = {
  {13.0 / 3 + 7 * S6 / 3, -23.0 / 3 - 22 * S6 / 3, 10.0 / 3 + 5 * S6},
  {13.0 / 3 - 7 * S6 / 3, -23.0 / 3 + 22 * S6 / 3, 10.0 / 3 - 5 * S6},
  {1.0 / 3, -8.0 / 3, 10.0 / 3}
};

typedef struct Radau {
  int jkind, current_jac, lu_valid, has_sol;
  double h_abs_old, err_old, newton_tol;   /* negative: none */
  double sol_t, sol_h;                     /* the last step's interpolant */
  double *J, *LUr, *Z, *Z0, *sc3, *W, *F, *dW, *Q, *sol_y, *ynew, *fnew, *err, *scale, *fr;
  cplx *LUc, *fc;
  lapack_int *ipr, *ipc;
} Radau;

/* the work block after the header: the complex LU and rhs; J, LUr; Z, Z0,
** sc3, W, F, dW, Q (3n each); sol_y, ynew, fnew, err, scale, fr; two pivot
** vectors. Returns the bytes from r to the end */
static size_t radau_layout(Radau *r, int n) {
  size_t nn = (size_t)n * n, d = sizeof(double);
  uintptr_t at = LUMPY_CARVE_START(r);
  r->LUc = (cplx *)lumpy_carve(&at, sizeof(cplx) * nn);
  r->fc = (cplx *)lumpy_carve(&at, sizeof(cplx) * n);
  r->J = (double *)lumpy_carve(&at, d * nn);
  r->LUr = (double *)lumpy_carve(&at, d * nn);
  r->Z = (double *)lumpy_carve(&at, d * 3 * n);
  r->Z0 = (double *)lumpy_carve(&at, d * 3 * n);
  r->sc3 = (double *)lumpy_carve(&at, d * 3 * n);
  r->W = (double *)lumpy_carve(&at, d * 3 * n);
  r->F = (double *)lumpy_carve(&at, d * 3 * n);
  r->dW = (double *)lumpy_carve(&at, d * 3 * n);
  r->Q = (double *)lumpy_carve(&at, d * 3 * n);
  r->sol_y = (double *)lumpy_carve(&at, d * n);
  r->ynew = (double *)lumpy_carve(&at, d * n);
  r->fnew = (double *)lumpy_carve(&at, d * n);
  r->err = (double *)lumpy_carve(&at, d * n);
  r->scale = (double *)lumpy_carve(&at, d * n);
  r->fr = (double *)lumpy_carve(&at, d * n);
  r->ipr = (lapack_int *)lumpy_carve(&at, sizeof(lapack_int) * n);
  r->ipc = (lapack_int *)lumpy_carve(&at, sizeof(lapack_int) * n);
  return (size_t)(at - (uintptr_t)r);
}

static size_t radau_worksize(int n) {
  Radau scratch;
  return radau_layout(&scratch, n) + 15;
}

static void radau_init(lumpy_Ode *o) {
  Radau *r = (Radau *)o->ms;
  int n = o->n;
  radau_layout(r, n);
  lumpy_ode_fun(o, o->t, o->y, o->f);
  if (o->first_step > 0) o->h_abs = o->first_step;
  else o->h_abs = lumpy_ode_initial_step(o, o->f, 3, r->ynew, r->fnew);
  r->h_abs_old = r->err_old = -1.0;
  r->newton_tol = NEWTON_TOL(o->rtol);
  r->jkind = lumpy_stiff_jacinit(o, r->J);
  lumpy_stiff_jac(o, r->jkind, o->t, o->y, o->f, r->J, r->fnew, 0);
  r->current_jac = 1;
  r->lu_valid = 0;
  r->has_sol = 0;
}

/* builds and factors mu_real/h I - J and mu_complex/h I - J */
static void radau_lu(lumpy_Ode *o, Radau *r, double h) {
  static const double mu_re = 3.637834252744495732208418;  /* 3 + 3^(2/3) - 3^(1/3) */
  /* 3 + (3^(1/3) - 3^(2/3)) / 2 and -(3^(5/6) + 3^(7/6)) / 2 */
  static const double mc_re = 2.681082873627752133895791;
  static const double mc_im = -3.050430199247410569426377;
  int n = o->n, i;
  size_t k, nn = (size_t)n * n;
  for (k = 0; k < nn; k++) {
    r->LUr[k] = -r->J[k];
    r->LUc[k] = -r->J[k];
  }
  for (i = 0; i < n; i++) {
    r->LUr[(size_t)i * n + i] += mu_re / h;
    r->LUc[(size_t)i * n + i] += (mc_re + mc_im * I) / h;
  }
  lu_real(o, r->LUr, r->ipr);
  o->nlu++;
  LAPACKE_zgetrf_work(LAPACK_COL_MAJOR, n, n, r->LUc, n, r->ipc);
  r->lu_valid = 1;
}

/* simplified Newton iterations on the collocation system (Hairer-Wanner
** IV.8, (8.16)-(8.17)); Z holds the start and gets the solution; returns
** whether they converged, with the iteration count and the last rate */
static int radau_newton(lumpy_Ode *o, Radau *r, double t, double h, const double *scale3,
                        int *niter, double *rate) {
  static const double mu_re = 3.637834252744495732208418;
  static const double mc_re = 2.681082873627752133895791;
  static const double mc_im = -3.050430199247410569426377;
  int n = o->n, i, s, k;
  double *Z = r->Z, *W = r->W, *F = r->F, *dW = r->dW, *ys = o->tmp;
  double dn_old = -1.0, mr = mu_re / h;
  cplx mc = (mc_re + mc_im * I) / h;
  *rate = -1.0;
  for (i = 0; i < n; i++)
    for (s = 0; s < 3; s++)
      W[s * n + i] = rTI[s][0] * Z[i] + rTI[s][1] * Z[n + i] + rTI[s][2] * Z[2 * n + i];
  for (k = 0; k < RADAU_MAXITER; k++) {
    double dn = 0.0;
    int finite = 1;
    *niter = k + 1;
    for (s = 0; s < 3; s++) {
      for (i = 0; i < n; i++) ys[i] = o->y[i] + Z[s * n + i];
      lumpy_ode_fun(o, t + rC[s] * h, ys, F + s * n);
    }
    for (i = 0; i < 3 * n; i++) if (!isfinite(F[i])) finite = 0;
    if (!finite) return 0;
    for (i = 0; i < n; i++) {
      double f0 = F[i], f1 = F[n + i], f2 = F[2 * n + i];
      r->fr[i] = rTI[0][0] * f0 + rTI[0][1] * f1 + rTI[0][2] * f2 - mr * W[i];
      r->fc[i] = (rTI[1][0] * f0 + rTI[1][1] * f1 + rTI[1][2] * f2)
                 + (rTI[2][0] * f0 + rTI[2][1] * f1 + rTI[2][2] * f2) * I
                 - mc * (W[n + i] + W[2 * n + i] * I);
    }
    solve_real(o, r->LUr, r->ipr, r->fr);
    LAPACKE_zgetrs_work(LAPACK_COL_MAJOR, 'N', n, 1, r->LUc, n, r->ipc, r->fc, n);
    for (i = 0; i < n; i++) {
      dW[i] = r->fr[i];
      dW[n + i] = creal(r->fc[i]);
      dW[2 * n + i] = cimag(r->fc[i]);
    }
    dn = norm_scaled(dW, scale3, 3 * n);
    if (!isfinite(dn)) return 0;
    if (dn_old >= 0) {
      *rate = dn / dn_old;
      if (*rate >= 1 || pow(*rate, RADAU_MAXITER - k) / (1 - *rate) * dn > r->newton_tol)
        return 0;
    }
    for (i = 0; i < 3 * n; i++) W[i] += dW[i];
    for (i = 0; i < n; i++)
      for (s = 0; s < 3; s++)
        Z[s * n + i] = rT[s][0] * W[i] + rT[s][1] * W[n + i] + rT[s][2] * W[2 * n + i];
    if (dn == 0 || (*rate >= 0 && *rate / (1 - *rate) * dn < r->newton_tol)) return 1;
    dn_old = dn;
  }
  return 0;
}

/* Hairer-Wanner IV.8 (8.25): the predictive controller */
static double predict_factor(double h_abs, double h_abs_old, double err, double err_old) {
  double mult = 1.0;
  if (err_old >= 0 && h_abs_old >= 0 && err != 0)
    mult = h_abs / h_abs_old * pow(err_old / err, 0.25);
  return fmin(1.0, mult) * (err == 0 ? INFINITY : pow(err, -0.25));
}

static void radau_soleval(const Radau *r, int n, double t, double *y) {
  double x = (t - r->sol_t) / r->sol_h;
  int i;
  for (i = 0; i < n; i++) {
    const double *q = r->Q + 3 * i;
    y[i] = r->sol_y[i] + x * (q[0] + x * (q[1] + x * q[2]));
  }
}

static int radau_step(lumpy_Ode *o, const char **msg) {
  Radau *r = (Radau *)o->ms;
  int n = o->n, i, s, rejected = 0, niter = 0;
  double t = o->t, *y = o->y, *f = o->f, h, t_new, h_abs, h_abs_old, err_old;
  double err_norm = 0.0, rate = -1.0, safety = 0.9, factor;
  double min_step = 10.0 * fabs(nextafter(t, o->direction * INFINITY) - t);
  int recompute;
  if (o->h_abs > o->max_step) { h_abs = o->max_step; h_abs_old = err_old = -1.0; }
  else if (o->h_abs < min_step) { h_abs = min_step; h_abs_old = err_old = -1.0; }
  else { h_abs = o->h_abs; h_abs_old = r->h_abs_old; err_old = r->err_old; }
  for (;;) {
    int converged = 0;
    if (!isfinite(h_abs)) {
      *msg = "The step size is not finite (the right-hand side gave NaN or inf).";
      return 0;
    }
    if (h_abs < min_step) { *msg = STIFF_TOO_SMALL; return 0; }
    h = h_abs * o->direction;
    t_new = t + h;
    if (o->direction * (t_new - o->t_bound) > 0) t_new = o->t_bound;
    h = t_new - t;
    h_abs = fabs(h);
    /* the start: the last step's collocation polynomial extrapolated */
    if (r->has_sol) {
      for (s = 0; s < 3; s++) {
        radau_soleval(r, n, t + h * rC[s], r->Z0 + s * n);
        for (i = 0; i < n; i++) r->Z0[s * n + i] -= y[i];
      }
    }
    else memset(r->Z0, 0, sizeof(double) * 3 * (size_t)n);
    for (i = 0; i < n; i++)
      r->sc3[i] = r->sc3[n + i] = r->sc3[2 * n + i] = o->atol[i] + fabs(y[i]) * o->rtol;
    for (;;) {
      if (!r->lu_valid) radau_lu(o, r, h);
      memcpy(r->Z, r->Z0, sizeof(double) * 3 * (size_t)n);
      converged = radau_newton(o, r, t, h, r->sc3, &niter, &rate);
      if (converged || r->current_jac || r->jkind == STIFF_JAC_CONST) break;
      lumpy_stiff_jac(o, r->jkind, t, y, f, r->J, r->fnew, 0);
      r->current_jac = 1;
      r->lu_valid = 0;
    }
    if (!converged) {
      h_abs *= 0.5;
      r->lu_valid = 0;
      continue;
    }
    for (i = 0; i < n; i++) {
      const double *Z = r->Z;
      double ze = (Z[i] * rE[0] + Z[n + i] * rE[1] + Z[2 * n + i] * rE[2]) / h;
      r->ynew[i] = y[i] + Z[2 * n + i];
      r->fr[i] = ze;                     /* ZE, kept for the second estimate */
      r->err[i] = f[i] + ze;
    }
    solve_real(o, r->LUr, r->ipr, r->err);
    for (i = 0; i < n; i++)
      r->scale[i] = o->atol[i] + fmax(fabs(y[i]), fabs(r->ynew[i])) * o->rtol;
    err_norm = norm_scaled(r->err, r->scale, n);
    safety = 0.9 * (2 * RADAU_MAXITER + 1) / (2 * RADAU_MAXITER + niter);
    if (rejected && err_norm > 1) {
      for (i = 0; i < n; i++) o->tmp[i] = y[i] + r->err[i];
      lumpy_ode_fun(o, t, o->tmp, r->fnew);
      for (i = 0; i < n; i++) r->err[i] = r->fnew[i] + r->fr[i];
      solve_real(o, r->LUr, r->ipr, r->err);
      err_norm = norm_scaled(r->err, r->scale, n);
    }
    if (!(err_norm <= 1)) {
      if (isnan(err_norm)) {
        h_abs *= 0.5;
      }
      else {
        factor = predict_factor(h_abs, h_abs_old, err_norm, err_old);
        h_abs *= fmax(MIN_FACTOR, safety * factor);
      }
      r->lu_valid = 0;
      rejected = 1;
      continue;
    }
    break;
  }
  recompute = r->jkind != STIFF_JAC_CONST && niter > 2 && rate > 1e-3;
  factor = fmin(MAX_FACTOR, safety * predict_factor(h_abs, h_abs_old, err_norm, err_old));
  if (!recompute && factor < 1.2) factor = 1.0;
  else r->lu_valid = 0;
  lumpy_ode_fun(o, t_new, r->ynew, r->fnew);
  if (recompute) {
    lumpy_stiff_jac(o, r->jkind, t_new, r->ynew, r->fnew, r->J, r->err, 0);
    r->current_jac = 1;
  }
  else if (r->jkind != STIFF_JAC_CONST) r->current_jac = 0;
  r->h_abs_old = o->h_abs;
  r->err_old = err_norm;
  o->h_abs = h_abs * factor;
  o->h_previous = h;
  memcpy(o->y_old, y, sizeof(double) * (size_t)n);
  memcpy(y, r->ynew, sizeof(double) * (size_t)n);
  memcpy(o->f, r->fnew, sizeof(double) * (size_t)n);
  o->t = t_new;
  /* the collocation polynomial of this step: Q = Z^T P (n x 3) */
  for (i = 0; i < n; i++) {
    const double *Z = r->Z;
    int k;
    for (k = 0; k < 3; k++)
      r->Q[3 * i + k] = Z[i] * rP[0][k] + Z[n + i] * rP[1][k] + Z[2 * n + i] * rP[2][k];
  }
  memcpy(r->sol_y, o->y_old, sizeof(double) * (size_t)n);
  r->sol_t = t;
  r->sol_h = h;
  r->has_sol = 1;
  return 1;
}

/* record: t_old, t, y_old (n), Q (3n) */
static int radau_reclen(int n) { return 2 + 4 * n; }

static void radau_dense(lumpy_Ode *o, double *rec) {
  Radau *r = (Radau *)o->ms;
  int n = o->n;
  rec[0] = r->sol_t;
  rec[1] = r->sol_t + r->sol_h;
  memcpy(rec + 2, r->sol_y, sizeof(double) * (size_t)n);
  memcpy(rec + 2 + n, r->Q, sizeof(double) * 3 * (size_t)n);
}

static void radau_eval(const double *rec, int n, double t, double *y) {
  double x = (t - rec[0]) / (rec[1] - rec[0]);
  const double *yo = rec + 2, *Q = rec + 2 + n;
  int i;
  for (i = 0; i < n; i++) {
    const double *q = Q + 3 * i;
    y[i] = yo[i] + x * (q[0] + x * (q[1] + x * q[2]));
  }
}

const lumpy_OdeMethod lumpy_ode_radau = {
  "Radau", radau_worksize, radau_init, radau_step, radau_dense, radau_reclen, radau_eval
};

/* ---------------------------------------------------------------------- */
/* BDF / NDF (Shampine-Reichelt)                                           */
/* ---------------------------------------------------------------------- */

#define BDF_MAXORDER 5
#define BDF_MAXITER 4

typedef struct Bdf {
  int jkind, order, n_equal_steps, lu_valid;
  double newton_tol;
  double gamma[BDF_MAXORDER + 2], alpha[BDF_MAXORDER + 2], errc[BDF_MAXORDER + 2];
  double *D, *J, *LU, *ypred, *psi, *d, *ynew, *scale, *fv, *dy, *tmpD;
  lapack_int *ipiv;
} Bdf;

/* the work block after the header: D and tmpD (n (MAXORDER + 3) each), J,
** LU, ypred, psi, d, ynew, scale, fv, dy, the pivots; returns the bytes
** from b to the end */
static size_t bdf_layout(Bdf *b, int n) {
  size_t nn = (size_t)n * n, d = sizeof(double);
  uintptr_t at = LUMPY_CARVE_START(b);
  b->D = (double *)lumpy_carve(&at, d * n * (BDF_MAXORDER + 3));
  b->tmpD = (double *)lumpy_carve(&at, d * n * (BDF_MAXORDER + 3));
  b->J = (double *)lumpy_carve(&at, d * nn);
  b->LU = (double *)lumpy_carve(&at, d * nn);
  b->ypred = (double *)lumpy_carve(&at, d * n);
  b->psi = (double *)lumpy_carve(&at, d * n);
  b->d = (double *)lumpy_carve(&at, d * n);
  b->ynew = (double *)lumpy_carve(&at, d * n);
  b->scale = (double *)lumpy_carve(&at, d * n);
  b->fv = (double *)lumpy_carve(&at, d * n);
  b->dy = (double *)lumpy_carve(&at, d * n);
  b->ipiv = (lapack_int *)lumpy_carve(&at, sizeof(lapack_int) * n);
  return (size_t)(at - (uintptr_t)b);
}

static size_t bdf_worksize(int n) {
  Bdf scratch;
  return bdf_layout(&scratch, n) + 15;
}

/* D[0..order] := (R U)^T D[0..order] for a step size change by factor
** (Shampine-Reichelt sec. 3, the matrices R and U of the differences) */
static void bdf_change_D(Bdf *b, int n, int order, double factor) {
  double R[BDF_MAXORDER + 1][BDF_MAXORDER + 1], U[BDF_MAXORDER + 1][BDF_MAXORDER + 1];
  double RU[BDF_MAXORDER + 1][BDF_MAXORDER + 1];
  int i, j, k;
  for (k = 0; k < 2; k++) {
    double (*M)[BDF_MAXORDER + 1] = k == 0 ? R : U;
    double fac = k == 0 ? factor : 1.0;
    for (j = 0; j <= order; j++) M[0][j] = 1.0;
    for (i = 1; i <= order; i++) {
      M[i][0] = 0.0;
      for (j = 1; j <= order; j++) M[i][j] = M[i - 1][j] * (i - 1 - fac * j) / i;
    }
  }
  for (i = 0; i <= order; i++)
    for (j = 0; j <= order; j++) {
      double s = 0.0;
      for (k = 0; k <= order; k++) s += R[i][k] * U[k][j];
      RU[i][j] = s;
    }
  for (j = 0; j <= order; j++)
    for (i = 0; i < n; i++) {
      double s = 0.0;
      for (k = 0; k <= order; k++) s += RU[k][j] * b->D[(size_t)k * n + i];
      b->tmpD[(size_t)j * n + i] = s;
    }
  memcpy(b->D, b->tmpD, sizeof(double) * (size_t)n * (order + 1));
}

static void bdf_init(lumpy_Ode *o) {
  static const double kappa[BDF_MAXORDER + 1] = {0, -0.1850, -1.0 / 9, -0.0823, -0.0415, 0};
  Bdf *b = (Bdf *)o->ms;
  int n = o->n, i;
  bdf_layout(b, n);
  b->gamma[0] = 0.0;
  for (i = 1; i <= BDF_MAXORDER; i++) b->gamma[i] = b->gamma[i - 1] + 1.0 / i;
  for (i = 0; i <= BDF_MAXORDER; i++) {
    b->alpha[i] = (1 - kappa[i]) * b->gamma[i];
    b->errc[i] = kappa[i] * b->gamma[i] + 1.0 / (i + 1);
  }
  lumpy_ode_fun(o, o->t, o->y, o->f);
  if (o->first_step > 0) o->h_abs = o->first_step;
  else o->h_abs = lumpy_ode_initial_step(o, o->f, 1, b->ynew, b->fv);
  b->newton_tol = NEWTON_TOL(o->rtol);
  b->jkind = lumpy_stiff_jacinit(o, b->J);
  lumpy_stiff_jac(o, b->jkind, o->t, o->y, o->f, b->J, b->fv, 0);
  memcpy(b->D, o->y, sizeof(double) * (size_t)n);
  for (i = 0; i < n; i++) b->D[n + i] = o->f[i] * o->h_abs * o->direction;
  b->order = 1;
  b->n_equal_steps = 0;
  b->lu_valid = 0;
}

/* the modified Newton iteration of the BDF corrector; ynew starts at the
** prediction; d gets the sum of the corrections */
static int bdf_newton(lumpy_Ode *o, Bdf *b, double t_new, double c, int *niter) {
  int n = o->n, i, k;
  double dn_old = -1.0, rate;
  memcpy(b->ynew, b->ypred, sizeof(double) * (size_t)n);
  memset(b->d, 0, sizeof(double) * (size_t)n);
  for (k = 0; k < BDF_MAXITER; k++) {
    double dn;
    int finite = 1;
    *niter = k + 1;
    lumpy_ode_fun(o, t_new, b->ynew, b->fv);
    for (i = 0; i < n; i++) if (!isfinite(b->fv[i])) finite = 0;
    if (!finite) return 0;
    for (i = 0; i < n; i++) b->dy[i] = c * b->fv[i] - b->psi[i] - b->d[i];
    solve_real(o, b->LU, b->ipiv, b->dy);
    dn = norm_scaled(b->dy, b->scale, n);
    if (!isfinite(dn)) return 0;
    rate = -1.0;
    if (dn_old >= 0) {
      rate = dn / dn_old;
      if (rate >= 1 || pow(rate, BDF_MAXITER - k) / (1 - rate) * dn > b->newton_tol)
        return 0;
    }
    for (i = 0; i < n; i++) {
      b->ynew[i] += b->dy[i];
      b->d[i] += b->dy[i];
    }
    if (dn == 0 || (rate >= 0 && rate / (1 - rate) * dn < b->newton_tol)) return 1;
    dn_old = dn;
  }
  return 0;
}

static int bdf_step(lumpy_Ode *o, const char **msg) {
  Bdf *b = (Bdf *)o->ms;
  int n = o->n, i, j, order = b->order, niter = 0, current_jac;
  double t = o->t, h, t_new, h_abs, safety = 0.9, err_norm, c;
  double min_step = 10.0 * fabs(nextafter(t, o->direction * INFINITY) - t);
  double *D = b->D;
  if (o->h_abs > o->max_step) {
    h_abs = o->max_step;
    bdf_change_D(b, n, order, o->max_step / o->h_abs);
    b->n_equal_steps = 0;
  }
  else if (o->h_abs < min_step) {
    h_abs = min_step;
    bdf_change_D(b, n, order, min_step / o->h_abs);
    b->n_equal_steps = 0;
  }
  else h_abs = o->h_abs;
  current_jac = b->jkind == STIFF_JAC_CONST;
  for (;;) {
    int converged;
    if (!isfinite(h_abs)) {
      *msg = "The step size is not finite (the right-hand side gave NaN or inf).";
      return 0;
    }
    if (h_abs < min_step) { *msg = STIFF_TOO_SMALL; return 0; }
    h = h_abs * o->direction;
    t_new = t + h;
    if (o->direction * (t_new - o->t_bound) > 0) {
      t_new = o->t_bound;
      bdf_change_D(b, n, order, fabs(t_new - t) / h_abs);
      b->n_equal_steps = 0;
      b->lu_valid = 0;
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
      if (!b->lu_valid) {
        size_t k, nn = (size_t)n * n;
        for (k = 0; k < nn; k++) b->LU[k] = -c * b->J[k];
        for (i = 0; i < n; i++) b->LU[(size_t)i * n + i] += 1.0;
        lu_real(o, b->LU, b->ipiv);
        b->lu_valid = 1;
      }
      converged = bdf_newton(o, b, t_new, c, &niter);
      if (converged || current_jac) break;
      if (b->jkind == STIFF_JAC_FD) fun_raw(o, t_new, b->ypred, b->fv);
      lumpy_stiff_jac(o, b->jkind, t_new, b->ypred, b->fv, b->J, b->dy, 0);
      b->lu_valid = 0;
      current_jac = 1;
    }
    if (!converged) {
      h_abs *= 0.5;
      bdf_change_D(b, n, order, 0.5);
      b->n_equal_steps = 0;
      b->lu_valid = 0;
      continue;
    }
    safety = 0.9 * (2 * BDF_MAXITER + 1) / (2 * BDF_MAXITER + niter);
    for (i = 0; i < n; i++) {
      b->scale[i] = o->atol[i] + o->rtol * fabs(b->ynew[i]);
      b->dy[i] = b->errc[order] * b->d[i];
    }
    err_norm = norm_scaled(b->dy, b->scale, n);
    if (!(err_norm <= 1)) {
      double factor = isnan(err_norm) ? 0.5 :
        fmax(MIN_FACTOR, safety * pow(err_norm, -1.0 / (order + 1)));
      h_abs *= factor;
      bdf_change_D(b, n, order, factor);
      b->n_equal_steps = 0;
      continue;
    }
    break;
  }
  b->n_equal_steps++;
  o->h_previous = h;
  memcpy(o->y_old, o->y, sizeof(double) * (size_t)n);
  memcpy(o->y, b->ynew, sizeof(double) * (size_t)n);
  o->t = t_new;
  o->h_abs = h_abs;
  /* the differences of the new interpolating polynomial */
  for (i = 0; i < n; i++) {
    D[(size_t)(order + 2) * n + i] = b->d[i] - D[(size_t)(order + 1) * n + i];
    D[(size_t)(order + 1) * n + i] = b->d[i];
  }
  for (j = order; j >= 0; j--)
    for (i = 0; i < n; i++) D[(size_t)j * n + i] += D[(size_t)(j + 1) * n + i];
  if (b->n_equal_steps < order + 1) return 1;
  {
    double em = INFINITY, ep = INFINITY, fac[3], best;
    int k, bi = 0;
    if (order > 1) {
      for (i = 0; i < n; i++) b->dy[i] = b->errc[order - 1] * D[(size_t)order * n + i];
      em = norm_scaled(b->dy, b->scale, n);
    }
    if (order < BDF_MAXORDER) {
      for (i = 0; i < n; i++) b->dy[i] = b->errc[order + 1] * D[(size_t)(order + 2) * n + i];
      ep = norm_scaled(b->dy, b->scale, n);
    }
    fac[0] = em == 0 ? INFINITY : pow(em, -1.0 / order);
    fac[1] = err_norm == 0 ? INFINITY : pow(err_norm, -1.0 / (order + 1));
    fac[2] = ep == 0 ? INFINITY : pow(ep, -1.0 / (order + 2));
    best = fac[0];
    for (k = 1; k < 3; k++) if (fac[k] > best) { best = fac[k]; bi = k; }
    order += bi - 1;
    b->order = order;
    best = fmin(MAX_FACTOR, safety * best);
    o->h_abs *= best;
    bdf_change_D(b, n, order, best);
    b->n_equal_steps = 0;
    b->lu_valid = 0;
  }
  return 1;
}

/* record: t_old, t, h, order, D[0..order] (up to 6n) */
static int bdf_reclen(int n) { return 4 + (BDF_MAXORDER + 1) * n; }

static void bdf_dense(lumpy_Ode *o, double *rec) {
  Bdf *b = (Bdf *)o->ms;
  int n = o->n;
  rec[0] = o->t_old;
  rec[1] = o->t;
  rec[2] = o->h_abs * o->direction;
  rec[3] = b->order;
  memcpy(rec + 4, b->D, sizeof(double) * (size_t)n * (b->order + 1));
}

static void bdf_eval(const double *rec, int n, double t, double *y) {
  double h = rec[2], p[BDF_MAXORDER];
  int order = (int)rec[3], i, j;
  const double *D = rec + 4;
  for (j = 0; j < order; j++) {
    double x = (t - (rec[1] - h * j)) / (h * (1 + j));
    p[j] = j ? p[j - 1] * x : x;
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
