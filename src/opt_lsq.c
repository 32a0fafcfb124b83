/*
** opt_lsq.c: nonlinear least squares (least_squares 'lm' and 'trf',
** curve_fit, root 'lm').
**
** The residuals come from a Lua function in one of two shapes: fun(x)
** returning m values (least_squares, root), or a model f(xdata, p1, ...,
** pk) whose values are compared with ydata and weighted by 1/sigma
** (curve_fit). Work memory lives in arrays on the Lua stack; LAPACK is
** called directly through LAPACKE (QR with column pivoting, SVD).
*/
#include <math.h>
#include <float.h>
#include <lapacke.h>
#include "optimize.h"

/* ---- vector kernels ---- */

/* MINPACK's machine constants as its dpmpar returns them (rounded
** decimals, a little above DBL_EPSILON and DBL_MIN): the steps of the
** finite differences and the stopping tests use them, as in SciPy */
#define EPSMCH 2.22044604926e-16
#define DWARF 2.22507385852e-308

/* Vectors shorter than LONGVEC are summed in order, as MINPACK does, so
** that the iterates follow SciPy's (MINPACK's) on small problems, where a
** problem's end game can turn on the last bit. Longer ones (the residuals
** of a curve fit) go through the kernels below: sums in sixteen running
** parts, which the CPU overlaps (one sum waits on each addition in turn),
** divisions by one number as multiplications by its reciprocal, and AVX2
** code where the CPU has it: about five times faster at 1000 points. */
#define LONGVEC 128

#define LV_DOT { \
  double s[16] = {0}; \
  int i = 0, k; \
  for (; i + 16 <= n; i += 16) \
    for (k = 0; k < 16; k++) s[k] += x[i + k] * y[i + k]; \
  for (; i < n; i++) s[0] += x[i] * y[i]; \
  for (k = 8; k > 0; k >>= 1) \
    for (i = 0; i < k; i++) s[i] += s[i + k]; \
  return s[0]; }
#define LV_AXPY { int i; for (i = 0; i < n; i++) y[i] += a * x[i]; }
#define LV_SCAL { int i; for (i = 0; i < n; i++) x[i] *= a; }
#define LV_DIFF { int i; for (i = 0; i < n; i++) y[i] = (x[i] - z[i]) * a; }

typedef struct LongVec {
  double (*dot)(const double *x, const double *y, int n);
  void (*axpy)(double a, const double *x, double *y, int n);  /* y += a x */
  void (*scal)(double a, double *x, int n);                     /* x *= a */
  void (*diff)(double a, const double *x, const double *z, double *y, int n); /* y = (x - z) a */
} LongVec;

#define LV_KERNELS(ATTR, sfx) \
  ATTR static double lvdot_##sfx(const double *x, const double *y, int n) LV_DOT \
  ATTR static void lvaxpy_##sfx(double a, const double *x, double *y, int n) LV_AXPY \
  ATTR static void lvscal_##sfx(double a, double *x, int n) LV_SCAL \
  ATTR static void lvdiff_##sfx(double a, const double *x, const double *z, double *y, int n) LV_DIFF

LV_KERNELS(__attribute__((optimize("O3"))), base)
static const LongVec lv_base = { lvdot_base, lvaxpy_base, lvscal_base, lvdiff_base };
#if defined(__GNUC__) && defined(__x86_64__)
LV_KERNELS(__attribute__((target("avx2,fma"), optimize("O3"))), avx2)
static const LongVec lv_avx2 = { lvdot_avx2, lvaxpy_avx2, lvscal_avx2, lvdiff_avx2 };
#define LV (lumpy_simd >= LUMPY_SIMD_AVX2 ? &lv_avx2 : &lv_base)
#else
#define LV (&lv_base)
#endif

static double lsqdot(const double *x, const double *y, int n) {
  double s = 0;
  int i;
  if (n >= LONGVEC) return LV->dot(x, y, n);
  for (i = 0; i < n; i++) s += x[i] * y[i];
  return s;
}

/* y += a x in MINPACK's arithmetic (short) or the fast kernel (long); the
** kernels are chosen at each use, as lumpy_simd says */
static void axpy(double a, const double *x, double *y, int n) {
  int i;
  if (n >= LONGVEC) LV->axpy(a, x, y, n);
  else for (i = 0; i < n; i++) y[i] += a * x[i];
}

/* ---- residuals ---- */

/* x := L^-1 x for the m x m lower-triangular L (row major), x strided */
static void lowsolve(const double *Lm, int m, double *x, int inc) {
  int i, k;
  for (i = 0; i < m; i++) {
    double s = x[(size_t)i * inc];
    for (k = 0; k < i; k++) s -= Lm[(size_t)i * m + k] * x[(size_t)k * inc];
    x[(size_t)i * inc] = s / Lm[(size_t)i * m + i];
  }
}

/* curve_fit's sigma at idx: one value per point (weights 1/sigma), or an
** m x m covariance matrix (residuals scaled by the inverse of its
** Cholesky factor, as SciPy) */
void opt_res_sigma(lua_State *L, Res *r, int idx, const char *kernel) {
  Array *a;
  double *w;
  int i, m = r->m;
  char buf[400];
  a = lumpy_asarray(L, idx);
  if (a->ndim == 2) {
    if (a->shape[0] != m || a->shape[1] != m)
      lumpy_kerror(L, "%s: sigma must be %d x %d, got %s", kernel, m, m,
                 lumpy_shapestr(buf, a->ndim, a->shape));
    a = lumpy_ascontig(L, idx, LUMPY_FLOAT64);
    w = opt_work(L, (size_t)m * m);
    memcpy(w, a->data, sizeof(double) * (size_t)m * m);
    if (LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'L', m, w, m) != 0)
      lumpy_kerror(L, "%s: sigma must be positive definite", kernel);
    for (i = 0; i < m; i++) { int k; for (k = i + 1; k < m; k++) w[(size_t)i * m + k] = 0; }
    r->Ls = w;
    return;
  }
  w = opt_checkx0(L, idx, &i);
  if (i != m) lumpy_kerror(L, "%s: sigma must have %d elements, got %d", kernel, m, i);
  for (i = 0; i < m; i++) w[i] = 1.0 / w[i];
  r->w = w;
}

/* pushes the call's arguments after the callable: x as an array (plain) or
** xdata and the parameters as numbers (curve); returns how many */
static int res_pushargs(Res *r, const double *x) {
  lua_State *L = r->fun.L;
  int j;
  if (r->mode == RES_CURVE) {
    luaL_checkstack(L, r->n + 4, "lumpy.optimize.curve_fit");
    lua_pushvalue(L, r->xidx);
    for (j = 0; j < r->n; j++) lua_pushnumber(L, x[j]);
    return r->n + 1;
  }
  opt_pushvec(L, x, r->n);
  return 1;
}

/* the residual vector at x into f (m values) */
void opt_res_eval(Res *r, const double *x, double *f) {
  lua_State *L = r->fun.L;
  int i;
  lua_pushvalue(L, r->fun.fidx);
  lumpy_fn_pcall(&r->fun, res_pushargs(r, x), 1);
  r->nfev++;
  if (r->mode == RES_CURVE) {
    /* f = (value - y) w in one pass, from the value's own memory when it
    ** is a contiguous float64 array */
    const double *v = lumpy_fn_vector(&r->fun, -1, f, r->m, "model value");
    const double *y = r->y, *w = r->w;
    int m = r->m;
    if (w) for (i = 0; i < m; i++) f[i] = (v[i] - y[i]) * w[i];
    else if (m >= LONGVEC) LV->diff(1.0, v, y, f, m);
    else for (i = 0; i < m; i++) f[i] = v[i] - y[i];
    if (r->Ls) lowsolve(r->Ls, m, f, 1);
  }
  else lumpy_fn_checkvector(&r->fun, -1, f, r->m, "residuals");
  lua_pop(L, 1);
}

/* the Jacobian from the user's jac at x into J (m x n, column major) */
void opt_res_userjac(Res *r, const double *x, double *J) {
  lua_State *L = r->fun.L;
  Array *a;
  int i, j;
  char buf[400];
  lua_pushvalue(L, r->jac.fidx);
  lumpy_fn_pcall(&r->jac, res_pushargs(r, x), 1);
  r->njev++;
  if (lua_type(L, -1) != LUA_TTABLE && !lumpy_isarray(L, -1))
    lumpy_kerror(L, "%s: jac must return a %d x %d array, got %s", r->jac.kernel, r->m, r->n,
               luaL_typename(L, -1));
  a = lumpy_asarray(L, lua_gettop(L));
  if (a->dtype == LUMPY_COMPLEX128)
    lumpy_kerror(L, "%s: jac must be real", r->jac.kernel);
  if (!((a->ndim == 2 && a->shape[0] == r->m && a->shape[1] == r->n)
        || (a->ndim == 1 && r->n == 1 && a->shape[0] == r->m)
        || (a->ndim == 1 && r->m == 1 && a->shape[0] == r->n)))
    lumpy_kerror(L, "%s: jac must return a %d x %d array, got shape %s", r->jac.kernel, r->m,
               r->n, lumpy_shapestr(buf, a->ndim, a->shape));
  a = lumpy_ascontig(L, -1, LUMPY_FLOAT64);
  for (i = 0; i < r->m; i++)
    for (j = 0; j < r->n; j++) {
      double v = ((double *)a->data)[(size_t)i * r->n + j];
      if (r->mode == RES_CURVE && r->w) v *= r->w[i];
      J[i + (size_t)j * r->m] = v;
    }
  if (r->mode == RES_CURVE && r->Ls)
    for (j = 0; j < r->n; j++) lowsolve(r->Ls, r->m, J + (size_t)j * r->m, 1);
  lua_pop(L, 2);
}

/* ---- MINPACK Levenberg-Marquardt ----
** J. J. More, "The Levenberg-Marquardt algorithm: implementation and
** theory", Numerical Analysis, LNM 630, 1978; MINPACK-1 (More, Garbow,
** Hillstrom, ANL-80-74, 1980): lmdif/lmder, lmpar, qrsolv, qrfac. The QR with
** column pivoting is qrpiv below: for the tall, narrow Jacobians of curve
** fitting it costs a fraction of dgeqp3's call, whose column norms go
** through a slow dnrm2. Matrices are column major. */

/*
** The Euclidean norm of x, safe from overflow and underflow: MINPACK's
** enorm (More, Garbow, Hillstrom 1980) sums the squares of mid-range
** components directly and those above rgiant / n or below rdwarf scaled
** by the largest of their kind. Long vectors whose plain sum of squares
** is comfortably in range take that sum.
*/
double opt_enorm(const double *x, int n) {
  const double rdwarf = 3.834e-20, rgiant = 1.304e19, agiant = rgiant / (n > 0 ? n : 1);
  double s1 = 0, s2 = 0, s3 = 0, x1max = 0, x3max = 0;
  int i;
  if (n >= LONGVEC) {
    s2 = lsqdot(x, x, n);
    if (s2 < 1e300 && s2 > 1e-280) return sqrt(s2);
    s2 = 0;
  }
  for (i = 0; i < n; i++) {
    double a = fabs(x[i]), r;
    if (a > rdwarf && a < agiant) s2 += a * a;
    else if (a <= rdwarf) {
      if (a > x3max) { r = x3max / a; s3 = 1 + s3 * (r * r); x3max = a; }
      else if (a != 0) { r = a / x3max; s3 += r * r; }
    }
    else {
      if (a > x1max) { r = x1max / a; s1 = 1 + s1 * (r * r); x1max = a; }
      else { r = a / x1max; s1 += r * r; }
    }
  }
  if (s1 != 0) return x1max * sqrt(s1 + (s2 / x1max) / x1max);
  if (s2 != 0) {
    if (s2 >= x3max) return sqrt(s2 * (1 + (x3max / s2) * (x3max * s3)));
    return sqrt(x3max * ((s2 / x3max) + (x3max * s3)));
  }
  return x3max * sqrt(s3);
}
#define enorm opt_enorm

/*
** Householder QR with column pivoting of the m x n column-major A (m >= n)
** in MINPACK's qrfac arithmetic, so the iterates follow SciPy's leastsq:
** at step j the remaining column of largest norm is swapped in and the
** reflector H_j = I - u u' / u_j, u = (a_jj / s + 1, a_j+1,j / s, ...),
** s = -sign(a_jj) || a_j:m,j ||, zeroes it below the diagonal; the other
** columns' norms are downdated and recomputed when cancellation has left
** few digits. On return u is in and below the diagonal, the rest of R
** above it, R's diagonal in rdiag, the permutation in ipvt (column j of A P
** is column ipvt[j] of A) and the column norms of A in acnorm; wa: n
** scratch values. (LAPACK's dgeqp3 does the same at a multiple of the
** cost for the tall, narrow Jacobians of curve fits: its column norms go
** through a slow dnrm2.)
*/
static void qrpiv(int m, int n, double *A, int *ipvt, double *rdiag, double *acnorm,
                  double *wa) {
  int i, j, k;
  for (j = 0; j < n; j++) {
    acnorm[j] = rdiag[j] = wa[j] = enorm(A + (size_t)j * m, m);
    ipvt[j] = j;
  }
  for (j = 0; j < n; j++) {
    double *aj = A + (size_t)j * m, ajnorm, t;
    int p = j;
    for (k = j + 1; k < n; k++) if (rdiag[k] > rdiag[p]) p = k;
    if (p != j) {
      double *ap = A + (size_t)p * m;
      for (i = 0; i < m; i++) { t = ap[i]; ap[i] = aj[i]; aj[i] = t; }
      k = ipvt[p]; ipvt[p] = ipvt[j]; ipvt[j] = k;
      rdiag[p] = rdiag[j];
      wa[p] = wa[j];
    }
    ajnorm = enorm(aj + j, m - j);
    if (ajnorm != 0) {
      if (aj[j] < 0) ajnorm = -ajnorm;
      if (m - j < LONGVEC) for (i = j; i < m; i++) aj[i] /= ajnorm;
      else LV->scal(1 / ajnorm, aj + j, m - j);
      aj[j] += 1;
      /* H_j applied to the columns on the right, their norms downdated */
      for (k = j + 1; k < n; k++) {
        double *ak = A + (size_t)k * m;
        t = lsqdot(aj + j, ak + j, m - j) / aj[j];
        axpy(-t, aj + j, ak + j, m - j);
        if (rdiag[k] != 0) {
          t = ak[j] / rdiag[k];
          rdiag[k] *= sqrt(fmax(0, 1 - t * t));
          t = rdiag[k] / wa[k];
          if (0.05 * (t * t) <= EPSMCH) rdiag[k] = wa[k] = enorm(ak + j + 1, m - j - 1);
        }
      }
    }
    rdiag[j] = -ajnorm;
  }
}

/* solves min || [A; D] x - [b; 0] || given the QR of A (r upper, ipvt) and
** qtb = Q'b; r's strict lower triangle and sdiag receive S' with
** P'(A'A + DD)P = S'S */
static void qrsolv(int n, double *r, int ldr, const int *ipvt, const double *diag,
                   const double *qtb, double *x, double *sdiag, double *wa) {
  int i, j, k, nsing;
  for (j = 0; j < n; j++) {
    for (i = j; i < n; i++) r[i + j * ldr] = r[j + i * ldr];
    x[j] = r[j + j * ldr];
    wa[j] = qtb[j];
  }
  for (j = 0; j < n; j++) {
    int l = ipvt[j];
    double qtbpj;
    if (diag[l] != 0) {
      for (k = j; k < n; k++) sdiag[k] = 0;
      sdiag[j] = diag[l];
      qtbpj = 0;
      for (k = j; k < n; k++) {
        double sn, cs, t;
        if (sdiag[k] == 0) continue;
        if (fabs(r[k + k * ldr]) < fabs(sdiag[k])) {
          double cotan = r[k + k * ldr] / sdiag[k];
          sn = 0.5 / sqrt(0.25 + 0.25 * cotan * cotan);
          cs = sn * cotan;
        }
        else {
          double tn = sdiag[k] / r[k + k * ldr];
          cs = 0.5 / sqrt(0.25 + 0.25 * tn * tn);
          sn = cs * tn;
        }
        r[k + k * ldr] = cs * r[k + k * ldr] + sn * sdiag[k];
        t = cs * wa[k] + sn * qtbpj;
        qtbpj = -sn * wa[k] + cs * qtbpj;
        wa[k] = t;
        for (i = k + 1; i < n; i++) {
          t = cs * r[i + k * ldr] + sn * sdiag[i];
          sdiag[i] = -sn * r[i + k * ldr] + cs * sdiag[i];
          r[i + k * ldr] = t;
        }
      }
    }
    sdiag[j] = r[j + j * ldr];
    r[j + j * ldr] = x[j];
  }
  nsing = n;
  for (j = 0; j < n; j++) {
    if (sdiag[j] == 0 && nsing == n) nsing = j;
    if (nsing < n) wa[j] = 0;
  }
  for (k = nsing - 1; k >= 0; k--) {
    double sum = 0;
    for (i = k + 1; i < nsing; i++) sum += r[i + k * ldr] * wa[i];
    wa[k] = (wa[k] - sum) / sdiag[k];
  }
  for (j = 0; j < n; j++) x[ipvt[j]] = wa[j];
}

/* the Levenberg-Marquardt parameter for the trust radius delta (lmpar);
** x receives the step (to be subtracted) */
static double lmpar(int n, double *r, int ldr, const int *ipvt, const double *diag,
                    const double *qtb, double delta, double par, double *x, double *sdiag,
                    double *wa1, double *wa2) {
  int i, j, nsing = n, iter = 0;
  double dxnorm, fp, parl = 0, paru, gnorm, temp;
  for (j = 0; j < n; j++) {
    wa1[j] = qtb[j];
    if (r[j + j * ldr] == 0 && nsing == n) nsing = j;
    if (nsing < n) wa1[j] = 0;
  }
  for (j = nsing - 1; j >= 0; j--) {
    wa1[j] /= r[j + j * ldr];
    temp = wa1[j];
    for (i = 0; i < j; i++) wa1[i] -= r[i + j * ldr] * temp;
  }
  for (j = 0; j < n; j++) x[ipvt[j]] = wa1[j];
  for (j = 0; j < n; j++) wa2[j] = diag[j] * x[j];
  dxnorm = enorm(wa2, n);
  fp = dxnorm - delta;
  if (fp <= 0.1 * delta) return 0;
  if (nsing >= n) {
    for (j = 0; j < n; j++) { int l = ipvt[j]; wa1[j] = diag[l] * (wa2[l] / dxnorm); }
    for (j = 0; j < n; j++) {
      double sum = 0;
      for (i = 0; i < j; i++) sum += r[i + j * ldr] * wa1[i];
      wa1[j] = (wa1[j] - sum) / r[j + j * ldr];
    }
    temp = enorm(wa1, n);
    parl = ((fp / delta) / temp) / temp;
  }
  for (j = 0; j < n; j++) {
    double sum = 0;
    for (i = 0; i <= j; i++) sum += r[i + j * ldr] * qtb[i];
    wa1[j] = sum / diag[ipvt[j]];
  }
  gnorm = enorm(wa1, n);
  paru = gnorm / delta;
  if (paru == 0) paru = DWARF / fmin(delta, 0.1);
  par = fmax(par, parl);
  par = fmin(par, paru);
  if (par == 0) par = gnorm / dxnorm;
  for (;;) {
    double parc;
    iter++;
    if (par == 0) par = fmax(DWARF, 0.001 * paru);
    temp = sqrt(par);
    for (j = 0; j < n; j++) wa1[j] = temp * diag[j];
    qrsolv(n, r, ldr, ipvt, wa1, qtb, x, sdiag, wa2);
    for (j = 0; j < n; j++) wa2[j] = diag[j] * x[j];
    dxnorm = enorm(wa2, n);
    temp = fp;
    fp = dxnorm - delta;
    if (fabs(fp) <= 0.1 * delta || (parl == 0 && fp <= temp && temp < 0) || iter == 10) break;
    for (j = 0; j < n; j++) { int l = ipvt[j]; wa1[j] = diag[l] * (wa2[l] / dxnorm); }
    for (j = 0; j < n; j++) {
      wa1[j] /= sdiag[j];
      temp = wa1[j];
      for (i = j + 1; i < n; i++) wa1[i] -= r[i + j * ldr] * temp;
    }
    temp = enorm(wa1, n);
    parc = ((fp / delta) / temp) / temp;
    if (fp > 0) parl = fmax(parl, par);
    if (fp < 0) paru = fmin(paru, par);
    par = fmax(parl, par + parc);
  }
  return par;
}

typedef struct LMOut {
  int info;
  long nfev, njev;
  double fnorm;
} LMOut;

/* forward-difference Jacobian (fdjac2): h = sqrt(max(epsfcn, eps)) |x_j| */
static void fdjac2(Res *r, double *x, const double *f, double *J, double epsfcn, double *wa) {
  int i, j, m = r->m;
  double eps = sqrt(fmax(epsfcn, EPSMCH));
  for (j = 0; j < r->n; j++) {
    double t = x[j], h = eps * fabs(t);
    if (h == 0) h = eps;
    x[j] = t + h;
    opt_res_eval(r, x, wa);
    x[j] = t;
    if (m < LONGVEC) for (i = 0; i < m; i++) J[i + (size_t)j * m] = (wa[i] - f[i]) / h;
    else LV->diff(1 / h, wa, f, J + (size_t)j * m, m);
  }
}

/*
** lmdif/lmder: minimises the sum of squares of r at x (n values) with f
** = r(x) already evaluated (m values). mode 1 scales by the column norms
** (diag computed), mode 2 uses diag as given. On return fjac holds the QR
** of the last Jacobian (R in the upper triangle) and ipvt its pivots.
*/
static void lmdif(Res *r, double *x, double *f, double ftol, double xtol, double gtol,
                  long maxfev, double epsfcn, int mode, double factor, double *diag,
                  double *fjac, int *ipvt, double *work, LMOut *o) {
  int m = r->m, n = r->n, i, j, l, info = 0, iter = 1;
  double *qtf = work, *wa1 = qtf + n, *wa2 = wa1 + n, *wa3 = wa2 + n, *wa4 = wa3 + n;
  double *fq = wa4 + m;
  double fnorm = enorm(f, m), fnorm1, par = 0, delta = 0, xnorm = 0, gnorm, pnorm;
  double actred, prered, dirder, ratio, temp, temp1, temp2;
  for (;;) {
    /* the Jacobian */
    if (r->hasjac) opt_res_userjac(r, x, fjac);
    else fdjac2(r, x, f, fjac, epsfcn, wa4);
    /* QR with column pivoting; R's diagonal in wa1, acnorm in wa2 */
    qrpiv(m, n, fjac, ipvt, wa1, wa2, wa3);
    if (iter == 1) {
      if (mode == 1)
        for (j = 0; j < n; j++) diag[j] = wa2[j] == 0 ? 1 : wa2[j];
      for (j = 0; j < n; j++) wa3[j] = diag[j] * x[j];
      xnorm = enorm(wa3, n);
      delta = factor * xnorm;
      if (delta == 0) delta = factor;
    }
    /* qtf = Q'f */
    memcpy(fq, f, sizeof(double) * (size_t)m);
    for (j = 0; j < n; j++) {
      double *u = fjac + (size_t)j * m;
      if (u[j] != 0) {
        temp = -lsqdot(u + j, fq + j, m - j) / u[j];
        axpy(temp, u + j, fq + j, m - j);
      }
      u[j] = wa1[j];
      qtf[j] = fq[j];
    }
    /* the scaled gradient norm */
    gnorm = 0;
    if (fnorm != 0)
      for (j = 0; j < n; j++) {
        l = ipvt[j];
        if (wa2[l] != 0) {
          double sum = 0;
          for (i = 0; i <= j; i++) sum += fjac[i + (size_t)j * m] * (qtf[i] / fnorm);
          gnorm = fmax(gnorm, fabs(sum / wa2[l]));
        }
      }

    if (gnorm <= gtol) info = 4;
    if (info != 0) break;
    if (mode == 1) for (j = 0; j < n; j++) diag[j] = fmax(diag[j], wa2[j]);
    /* the inner loop */
    do {
      par = lmpar(n, fjac, m, ipvt, diag, qtf, delta, par, wa1, wa2, wa3, wa4);
      for (j = 0; j < n; j++) {
        wa1[j] = -wa1[j];
        wa2[j] = x[j] + wa1[j];
        wa3[j] = diag[j] * wa1[j];
      }
      pnorm = enorm(wa3, n);
      if (iter == 1) delta = fmin(delta, pnorm);
      opt_res_eval(r, wa2, wa4);
      fnorm1 = enorm(wa4, m);
      actred = -1;
      if (0.1 * fnorm1 < fnorm) actred = 1 - (fnorm1 / fnorm) * (fnorm1 / fnorm);
      for (j = 0; j < n; j++) {
        wa3[j] = 0;
        temp = wa1[ipvt[j]];
        for (i = 0; i <= j; i++) wa3[i] += fjac[i + (size_t)j * m] * temp;
      }
      temp1 = enorm(wa3, n) / fnorm;
      temp2 = sqrt(par) * pnorm / fnorm;
      prered = temp1 * temp1 + temp2 * temp2 / 0.5;
      dirder = -(temp1 * temp1 + temp2 * temp2);
      ratio = prered != 0 ? actred / prered : 0;
      if (ratio <= 0.25) {
        temp = actred >= 0 ? 0.5 : 0.5 * dirder / (dirder + 0.5 * actred);
        if (0.1 * fnorm1 >= fnorm || temp < 0.1) temp = 0.1;
        delta = temp * fmin(delta, pnorm / 0.1);
        par /= temp;
      }
      else if (par == 0 || ratio >= 0.75) {
        delta = pnorm / 0.5;
        par *= 0.5;
      }
      if (ratio >= 1e-4) {            /* successful iteration */
        for (j = 0; j < n; j++) { x[j] = wa2[j]; wa2[j] = diag[j] * x[j]; }
        memcpy(f, wa4, sizeof(double) * (size_t)m);
        xnorm = enorm(wa2, n);
        fnorm = fnorm1;
        iter++;
      }
      if (fabs(actred) <= ftol && prered <= ftol && 0.5 * ratio <= 1) info = 1;
      if (delta <= xtol * xnorm) info = info == 1 ? 3 : 2;
      if (info != 0) break;
      if (r->nfev >= maxfev) info = 5;
      if (fabs(actred) <= EPSMCH && prered <= EPSMCH && 0.5 * ratio <= 1) info = 6;
      if (delta <= EPSMCH * xnorm) info = 7;
      if (gnorm <= EPSMCH) info = 8;
      if (!isfinite(fnorm1) && !isfinite(fnorm)) info = 5;
      if (info != 0) break;
    } while (ratio < 1e-4);
    if (info != 0) break;
  }
  o->info = info;
  o->nfev = r->nfev;
  o->njev = r->njev;
  o->fnorm = fnorm;
}

/* covariance (R'R)^-1 unpermuted from the QR in fjac (m x n) into cov;
** returns 0, or 1 when R is singular */
static int lmcov(const double *fjac, int m, int n, const int *ipvt, double *cov, double *Rinv) {
  int i, j, k;
  for (j = 0; j < n; j++)
    for (i = 0; i < n; i++) Rinv[i + j * n] = i <= j ? fjac[i + (size_t)j * m] : 0;
  for (j = 0; j < n; j++) if (Rinv[j + j * n] == 0) return 1;
  /* R^-1 in place, a column at a time as LAPACK's dtrti2: column j of the
  ** inverse is -(R^-1)_{0:j,0:j} R_{0:j,j} / R_jj (the leading block
  ** already inverted); n is small, no BLAS (whose threads would wake) */
  for (j = 0; j < n; j++) {
    double *c = Rinv + (size_t)j * n, ajj = 1 / c[j];
    c[j] = ajj;
    for (i = 0; i < j; i++) {
      double t = 0;
      for (k = i; k < j; k++) t += Rinv[i + (size_t)k * n] * c[k];
      c[i] = -ajj * t;
    }
  }
  for (i = 0; i < n; i++)
    for (j = 0; j < n; j++) {
      double s = 0;
      for (k = (i > j ? i : j); k < n; k++) s += Rinv[i + k * n] * Rinv[j + k * n];
      cov[ipvt[i] * n + ipvt[j]] = s;       /* row major result */
    }
  return 0;
}

/* ---- bindings ---- */

/* sets up r from the stack: fun at 1, x0 work at hand; opts at oidx with
** jac; curve: xdata at xidx, ydata/sigma tables at yidx/sidx */
void opt_res_init(lua_State *L, Res *r, int fidx, int jidx, int optsidx,
                     const char *kernel, int n) {
  memset(r, 0, sizeof *r);
  r->n = n;
  lumpy_fn_init(L, &r->fun, fidx, optsidx, kernel);
  if (jidx && (lua_isfunction(L, jidx) || lua_istable(L, jidx) || lua_isuserdata(L, jidx))) {
    lumpy_fn_init(L, &r->jac, jidx, optsidx, kernel);
    r->hasjac = 1;
  }
}

/* the start every least-squares kernel shares: the stack cut to top, BLAS
** loaded, the kernel name from opts (4), x0 (2) as a work vector (returned,
** its length in *n), r set up from fun (1), jac (3) and opts (4) */
double *opt_lsq_begin(lua_State *L, int top, Res *r, int *n, const char **kernel) {
  double *x;
  lua_settop(L, top);
  lumpy_blas_load(L);
  luaL_checktype(L, 4, LUA_TTABLE);
  lua_getfield(L, 4, "kernel");
  *kernel = lua_isstring(L, -1) ? lua_tostring(L, -1) : "lumpy.optimize.least_squares";
  lua_pop(L, 1);
  x = opt_checkx0(L, 2, n);
  if (*n < 1) lumpy_kerror(L, "%s: x0 must not be empty", *kernel);
  opt_res_init(L, r, 1, 3, 4, *kernel, *n);
  return x;
}

/* lower and upper bounds (a 2n work vector) from the bounds at 5 */
void opt_lsq_bounds(lua_State *L, int n, double **lb, double **ub) {
  double *b = opt_checkbounds(L, 5, n);
  int j;
  *lb = opt_work(L, 2 * (size_t)n);
  *ub = *lb + n;
  for (j = 0; j < n; j++) {
    (*lb)[j] = b ? b[j] : -INFINITY;
    (*ub)[j] = b ? b[n + j] : INFINITY;
  }
}

/* reads the array/table at idx as a work vector of its length */
static double *checkvec(lua_State *L, int idx, int *len) {
  return opt_checkx0(L, idx, len);
}

/* pushes the least-squares result pieces common to lm and trf (Jcm NULL:
** only x, cost, fun and the counts, for curve_fit) */
void opt_push_lsq(lua_State *L, const double *x, int n, const double *f, int m,
                     const double *Jcm, double cost, long nfev, long njev, int status,
                     const char *msg, const double *active) {
  int64_t shape[2];
  Array *J, *g;
  int i, j;
  double opt = 0;
  lua_createtable(L, 0, 14);
  opt_pushvec(L, x, n); lua_setfield(L, -2, "x");
  lua_pushnumber(L, cost); lua_setfield(L, -2, "cost");
  opt_pushvec(L, f, m); lua_setfield(L, -2, "fun");
  if (!Jcm) goto counts;        /* curve_fit: no Jacobian, gradient or mask */
  shape[0] = m; shape[1] = n;
  J = lumpy_newarray(L, LUMPY_FLOAT64, 2, shape, 0);
  for (i = 0; i < m; i++)
    for (j = 0; j < n; j++) ((double *)J->data)[(size_t)i * n + j] = Jcm[i + (size_t)j * m];
  lua_setfield(L, -2, "jac");
  shape[0] = n;
  g = lumpy_newarray(L, LUMPY_FLOAT64, 1, shape, 0);
  for (j = 0; j < n; j++) {
    double s = 0;
    for (i = 0; i < m; i++) s += Jcm[i + (size_t)j * m] * f[i];
    ((double *)g->data)[j] = s;
    if (!active || active[j] == 0) opt = fmax(opt, fabs(s));
  }
  lua_setfield(L, -2, "grad");
  lua_pushnumber(L, opt); lua_setfield(L, -2, "optimality");
  g = lumpy_newarray(L, LUMPY_INT64, 1, shape, 1);
  if (active) for (j = 0; j < n; j++) ((int64_t *)g->data)[j] = (int64_t)active[j];
  lua_setfield(L, -2, "active_mask");
counts:
  lua_pushinteger(L, nfev); lua_setfield(L, -2, "nfev");
  if (njev >= 0) { lua_pushinteger(L, njev); lua_setfield(L, -2, "njev"); }
  lua_pushinteger(L, status); lua_setfield(L, -2, "status");
  lua_pushboolean(L, status > 0); lua_setfield(L, -2, "success");
  lua_pushstring(L, msg); lua_setfield(L, -2, "message");
}

/* curve_fit's pcov from the unscaled covariance cov (NULL: indeterminate):
** scaled by the residual variance unless absolute_sigma; set as field pcov */
void opt_push_pcov(lua_State *L, const double *cov, int n, int m, double sumsq, int absolute) {
  int64_t shape[2];
  Array *c;
  size_t k, nn = (size_t)n * n;
  double *p, s_sq = 1;
  shape[0] = shape[1] = n;
  c = lumpy_newarray(L, LUMPY_FLOAT64, 2, shape, 0);
  p = (double *)c->data;
  if (!absolute && cov) {
    if (m > n) s_sq = sumsq / (m - n);
    else cov = NULL;
  }
  for (k = 0; k < nn; k++) p[k] = cov ? cov[k] * s_sq : INFINITY;
  lua_setfield(L, -2, "pcov");
  lua_pushboolean(L, cov == NULL);
  lua_setfield(L, -2, "pcov_indeterminate");
}

/* curve_fit's unscaled covariance from the SVD of J (m x n, column
** major), discarding singular values below eps max(m, n) s_max, into cov
** (n x n, row major); A (m n), U (m n), sv (n) and VT (n n) are scratch;
** returns 0 when it cannot be formed (m < n or no SVD) */
int opt_lsq_cov(const double *J, int m, int n, double *A, double *U, double *sv, double *VT,
                double *cov) {
  double thr;
  int i, j, k;
  for (k = 0; k < m * n; k++) A[k] = J[k];
  if (m < n || LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', m, n, A, m, sv, U, m, VT, n) != 0) return 0;
  thr = DBL_EPSILON * (m > n ? m : n) * sv[0];
  for (i = 0; i < n; i++)
    for (j = 0; j < n; j++) {
      double s = 0;
      for (k = 0; k < n; k++)
        if (sv[k] > thr) s += VT[k + (size_t)i * n] * VT[k + (size_t)j * n] / (sv[k] * sv[k]);
      cov[i * n + j] = s;
    }
  return 1;
}

static const char *const LSQ_MSG[] = {
  "Improper input parameters status returned from `leastsq`",
  "The maximum number of function evaluations is exceeded.",
  "`gtol` termination condition is satisfied.",
  "`ftol` termination condition is satisfied.",
  "`xtol` termination condition is satisfied.",
  "Both `ftol` and `xtol` termination conditions are satisfied.",
};

/* MINPACK info -> least_squares status */
static int lm_status(int info) {
  switch (info) {
    case 1: return 2;
    case 2: return 3;
    case 3: return 4;
    case 4: return 1;
    case 5: return 0;
    case 6: return 2;
    case 7: return 3;
    case 8: return 1;
    default: return -1;
  }
}

/*
** _lm(fun, x0, jac, opts[, xdata, ydata, sigma]) -> result table
** opts: ftol xtol gtol max_nfev epsfcn factor diag (table or nil: mode 1)
** kernel; with xdata the call is curve_fit's f(xdata, p...) and the table
** also gets pcov (unscaled (J'J)^-1, or nil when singular).
*/
static int optimize_lm(lua_State *L) {
  int n, m, i, curve = !lua_isnoneornil(L, 5), *ipvt, mode;
  double *x, *f, *fjac, *diag, *work, *cov, *Rinv;
  double ftol, xtol, gtol, epsfcn, factor;
  long maxfev;
  const char *kernel;
  Res r;
  LMOut o;
  x = opt_lsq_begin(L, 7, &r, &n, &kernel);
  if (curve) {
    int ny;
    r.mode = RES_CURVE;
    r.xidx = 5;
    r.y = checkvec(L, 6, &ny);
    r.m = ny;
    if (!lua_isnil(L, 7)) opt_res_sigma(L, &r, 7, kernel);
    f = opt_work(L, (size_t)r.m);
    opt_res_eval(&r, x, f);
  }
  else {
    lua_pushvalue(L, 1);
    opt_pushvec(L, x, n);
    lumpy_fn_pcall(&r.fun, 1, 1);
    r.nfev++;
    r.m = lumpy_fn_veclen(&r.fun, -1, "residuals");
    f = opt_work(L, (size_t)r.m);
    lumpy_fn_checkvector(&r.fun, -2, f, r.m, "residuals");
    lua_remove(L, -2);
  }
  m = r.m;
  if (m < n)
    return lumpy_kerror(L, "%s: method 'lm' needs at least as many residuals (%d) as variables (%d)",
                      kernel, m, n);
  ftol = opt_optnum(L, 4, "ftol", 1.49012e-08);
  xtol = opt_optnum(L, 4, "xtol", 1.49012e-08);
  gtol = opt_optnum(L, 4, "gtol", 0.0);
  epsfcn = opt_optnum(L, 4, "epsfcn", DBL_EPSILON);
  factor = opt_optnum(L, 4, "factor", 100.0);
  maxfev = opt_optint(L, 4, "max_nfev", r.hasjac ? 100L * (n + 1) : 200L * (n + 1));
  fjac = opt_work(L, (size_t)m * n + 2 * (size_t)n * n + 7 * (size_t)n + 2 * (size_t)m + (size_t)n
                  + 2 * (size_t)n);
  diag = fjac + (size_t)m * n;
  cov = diag + n; Rinv = cov + (size_t)n * n;
  work = Rinv + (size_t)n * n;
  ipvt = (int *)(work + 5 * (size_t)n + 2 * (size_t)m);
  lua_getfield(L, 4, "diag");
  mode = 1;
  if (!lua_isnil(L, -1)) {
    int nd;
    double *d = checkvec(L, lua_gettop(L), &nd);
    if (nd != n) return lumpy_kerror(L, "%s: x_scale must have %d elements", kernel, n);
    for (i = 0; i < n; i++) {
      if (!(d[i] > 0)) return lumpy_kerror(L, "%s: x_scale must be positive", kernel);
      diag[i] = d[i];
    }
    mode = 2;
  }
  lmdif(&r, x, f, ftol, xtol, gtol, maxfev, epsfcn, mode, factor, diag, fjac, ipvt, work, &o);
  {
    int status = lm_status(o.info);
    double cost = 0.5 * o.fnorm * o.fnorm;
    int singular = lmcov(fjac, m, n, ipvt, cov, Rinv);
    /* the Jacobian at the solution, for the result (not for curve_fit) */
    double *J = curve ? NULL : opt_work(L, (size_t)m * n);
    if (r.hasjac && !curve) opt_res_userjac(&r, x, J);
    else if (!curve) {
      double *wa = opt_work(L, (size_t)m);
      long saved = r.nfev;
      /* approx_derivative '2-point' as SciPy reports it */
      int j, k;
      for (j = 0; j < n; j++) {
        double t = x[j], h = opt_fdstep(t, 0, sqrt(DBL_EPSILON)), dx;
        x[j] = t + h;
        dx = x[j] - t;
        opt_res_eval(&r, x, wa);
        x[j] = t;
        for (k = 0; k < m; k++) J[k + (size_t)j * m] = (wa[k] - f[k]) / dx;
      }
      r.nfev = saved;
    }
    opt_push_lsq(L, x, n, f, m, J, cost, o.nfev, r.hasjac ? o.njev : -1, status,
             LSQ_MSG[status + 1], NULL);
    lua_pushinteger(L, o.info);
    lua_setfield(L, -2, "info");
    if (!singular) {
      int64_t shape[2];
      Array *c;
      shape[0] = shape[1] = n;
      c = lumpy_newarray(L, LUMPY_FLOAT64, 2, shape, 0);
      memcpy(c->data, cov, sizeof(double) * (size_t)n * n);
      lua_setfield(L, -2, "cov_x");
    }
    if (curve) opt_push_pcov(L, singular ? NULL : cov, n, m, 2 * cost, opt_optbool(L, 4, "absolute_sigma"));
  }
  return 1;
}


/* ---- Trust Region Reflective ----
** M. A. Branch, T. F. Coleman, Y. Li, "A subspace, interior, and conjugate
** gradient method for large-scale bound-constrained minimization
** problems", SIAM J. Sci. Comput. 21(1), 1999; T. F. Coleman, Y. Li,
** SIAM J. Optim. 6(2), 1996 (the scaling v and reflections). The trust-
** region subproblem is solved exactly from an SVD (More's algorithm on
** the secular equation, More 1978 / Nocedal & Wright 4.3); the step is
** the best of the interior Newton-like step, its reflection and the
** scaled gradient, as in SciPy's least_squares(method = 'trf'). Robust
** losses rescale J and f as Triggs et al., "Bundle adjustment: a modern
** synthesis", 1999. */

/* rho(z), rho'(z), rho''(z) with z = (f/f_scale)^2, scaled as SciPy's
** construct_loss_function; returns the cost 0.5 sum rho0 */
double opt_lossfn(int loss, double fs, const double *f, int m, double *rho, int cost_only) {
  double cost = 0;
  int i;
  for (i = 0; i < m; i++) {
    double z = (f[i] / fs) * (f[i] / fs), r0, r1 = 1, r2 = 0, t;
    switch (loss) {
      case LOSS_SOFT_L1:
        t = 1 + z; r0 = 2 * (sqrt(t) - 1); r1 = 1 / sqrt(t); r2 = -0.5 * pow(t, -1.5);
        break;
      case LOSS_HUBER:
        if (z <= 1) { r0 = z; r1 = 1; r2 = 0; }
        else { r0 = 2 * sqrt(z) - 1; r1 = 1 / sqrt(z); r2 = -0.5 * pow(z, -1.5); }
        break;
      case LOSS_CAUCHY:
        r0 = log1p(z); t = 1 + z; r1 = 1 / t; r2 = -1 / (t * t);
        break;
      case LOSS_ARCTAN:
        r0 = atan(z); t = 1 + z * z; r1 = 1 / t; r2 = -2 * z / (t * t);
        break;
      default:
        r0 = z;
    }
    cost += r0;
    if (!cost_only) {
      rho[i] = r0 * fs * fs;
      rho[m + i] = r1;
      rho[2 * m + i] = r2 / (fs * fs);
    }
  }
  return 0.5 * fs * fs * cost;
}

/* J and f scaled for the loss (scale_for_robust_loss_function) */
void opt_lossscale(double *J, double *f, int m, int n, const double *rho) {
  int i, j;
  for (i = 0; i < m; i++) {
    double js = rho[m + i] + 2 * rho[2 * m + i] * f[i] * f[i];
    if (js < DBL_EPSILON) js = DBL_EPSILON;
    js = sqrt(js);
    f[i] *= rho[m + i] / js;
    for (j = 0; j < n; j++) J[i + (size_t)j * m] *= js;
  }
}

/* after a new Jacobian J at f: J and f rescaled for a robust loss (rho
** receives its derivatives), g = J'f; returns the cost (0.5 f'f for the
** linear loss) */
double opt_lsq_grad(double *J, double *f, int m, int n, int loss, double fs, double *rho,
                    double *g) {
  double cost;
  int j;
  if (loss != LOSS_LINEAR) {
    cost = opt_lossfn(loss, fs, f, m, rho, 0);
    opt_lossscale(J, f, m, n, rho);
  }
  else cost = 0.5 * opt_dot(f, f, m);
  for (j = 0; j < n; j++) g[j] = opt_dot(J + (size_t)j * m, f, m);
  return cost;
}

/* the variables' scales from the option x_scale of the options table at 4
** ("jac": the column norms of J, updated as the fit goes by opt_lsq_jacscale;
** nil: 1; a number or n positive numbers) into scale and sinv = 1 / scale;
** returns whether they follow the Jacobian */
int opt_lsq_xscale(lua_State *L, const char *kernel, const double *J, int m, int n,
                   double *scale, double *sinv) {
  int j, jac;
  lua_getfield(L, 4, "x_scale");
  jac = lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "jac") == 0;
  if (jac) {
    for (j = 0; j < n; j++) sinv[j] = 0;
    opt_lsq_jacscale(J, m, n, scale, sinv);
  }
  else if (lua_isnil(L, -1)) {
    for (j = 0; j < n; j++) { scale[j] = 1; sinv[j] = 1; }
  }
  else {
    int ns = 0;
    double *xs = NULL;
    if (lua_type(L, -1) == LUA_TNUMBER || lua_type(L, -1) == LUA_TTABLE || lumpy_isarray(L, -1))
      xs = opt_checkx0(L, lua_gettop(L), &ns);
    if (!xs || (ns != 1 && ns != n))
      lumpy_kerror(L, "%s: x_scale must be 'jac' or positive numbers", kernel);
    for (j = 0; j < n; j++) {
      double v = xs[ns == 1 ? 0 : j];
      if (!(v > 0) || !isfinite(v))
        lumpy_kerror(L, "%s: x_scale must be 'jac' or positive numbers", kernel);
      scale[j] = v; sinv[j] = 1 / v;
    }
  }
  return jac;
}

/* x_scale = "jac": sinv = max(column norm of J, sinv) (a zero norm counts
** as 1 at the start, when sinv is 0), scale = 1 / sinv */
void opt_lsq_jacscale(const double *J, int m, int n, double *scale, double *sinv) {
  int j;
  for (j = 0; j < n; j++) {
    double c = opt_norm2(J + (size_t)j * m, m);
    if (sinv[j] == 0 && c == 0) c = 1;
    sinv[j] = fmax(c, sinv[j]);
    scale[j] = 1 / sinv[j];
  }
}

typedef struct TRF {
  Res *r;
  int m, n, bounded, fd3;
  const double *lb, *ub;
  double diff_step;
  double *J_h, *work;          /* scratch: m x n, and m */
} TRF;

/* J at x (f = r(x) there): the user's jac, or forward (central)
** differences with relative steps kept inside the bounds, as
** approx_derivative; difference evaluations are not counted in nfev */
static void trf_jac(TRF *t, double *x, const double *f, double *J) {
  Res *r = t->r;
  int i, j, m = t->m, one;
  long saved = r->nfev;
  double rstep;
  if (r->hasjac) { opt_res_userjac(r, x, J); return; }
  r->njev++;
  rstep = t->diff_step > 0 ? t->diff_step : (t->fd3 ? pow(DBL_EPSILON, 1.0 / 3.0) : sqrt(DBL_EPSILON));
  for (j = 0; j < t->n; j++) {
    double x0 = x[j], h, dx;
    if (t->diff_step > 0) {
      double sgn = x0 >= 0 ? 1.0 : -1.0;
      h = rstep * sgn * fabs(x0);
      if ((x0 + h) - x0 == 0) h = (t->fd3 ? pow(DBL_EPSILON, 1.0 / 3.0) : sqrt(DBL_EPSILON)) * sgn * fmax(1.0, fabs(x0));
    }
    else h = opt_fdstep(x0, 0, rstep);
    one = !t->fd3;
    if (t->bounded) h = opt_fdbounded(x0, h, t->lb[j], t->ub[j], t->fd3, &one);
    if (h == 0) { for (i = 0; i < m; i++) J[i + (size_t)j * m] = 0; continue; }
    if (!t->fd3) {
      x[j] = x0 + h; dx = x[j] - x0;
      opt_res_eval(r, x, t->work);
      for (i = 0; i < m; i++) J[i + (size_t)j * m] = (t->work[i] - f[i]) / dx;
    }
    else if (one) {
      double *w2 = t->work + m;
      x[j] = x0 + h; opt_res_eval(r, x, t->work);
      x[j] = x0 + 2 * h; dx = x[j] - x0; opt_res_eval(r, x, w2);
      for (i = 0; i < m; i++)
        J[i + (size_t)j * m] = (-3.0 * f[i] + 4 * t->work[i] - w2[i]) / dx;
    }
    else {
      double *w2 = t->work + m, x1 = x0 - h, x2 = x0 + h;
      x[j] = x1; opt_res_eval(r, x, t->work);
      x[j] = x2; opt_res_eval(r, x, w2);
      dx = x2 - x1;
      for (i = 0; i < m; i++) J[i + (size_t)j * m] = (w2[i] - t->work[i]) / dx;
    }
    x[j] = x0;
  }
  r->nfev = saved;
}

/* Jv for the m x n column-major J into out (m) */
static void matvec(const double *J, int m, int n, const double *v, double *out) {
  int i, j;
  for (i = 0; i < m; i++) out[i] = 0;
  for (j = 0; j < n; j++) {
    double vj = v[j];
    if (vj == 0) continue;
    for (i = 0; i < m; i++) out[i] += J[i + (size_t)j * m] * vj;
  }
}

static double evalquad(TRF *t, const double *g, const double *s, const double *diag) {
  int j, n = t->n;
  double q, l;
  matvec(t->J_h, t->m, n, s, t->work);
  q = opt_dot(t->work, t->work, t->m);
  if (diag) for (j = 0; j < n; j++) q += s[j] * diag[j] * s[j];
  l = opt_dot(s, g, n);
  return 0.5 * q + l;
}

/* the 1-d quadratic a t^2 + b t + c along s from s0 (build_quadratic_1d) */
static void quad1d(TRF *t, const double *g, const double *s, const double *diag,
                   const double *s0, double *a, double *b, double *c) {
  int j, n = t->n, m = t->m;
  double *v = t->work, *u = t->work + m;
  matvec(t->J_h, m, n, s, v);
  *a = opt_dot(v, v, m);
  if (diag) for (j = 0; j < n; j++) *a += s[j] * diag[j] * s[j];
  *a *= 0.5;
  *b = opt_dot(g, s, n);
  *c = 0;
  if (s0) {
    matvec(t->J_h, m, n, s0, u);
    *b += opt_dot(u, v, m);
    *c = 0.5 * opt_dot(u, u, m) + opt_dot(g, s0, n);
    if (diag)
      for (j = 0; j < n; j++) {
        *b += s0[j] * diag[j] * s[j];
        *c += 0.5 * s0[j] * diag[j] * s0[j];
      }
  }
}

static double minquad1d(double a, double b, double lo, double hi, double c, double *val) {
  double ts[3], best, bv;
  int k, nt = 2;
  ts[0] = lo; ts[1] = hi;
  if (a != 0) {
    double e = -0.5 * b / a;
    if (lo < e && e < hi) ts[nt++] = e;
  }
  best = ts[0]; bv = ts[0] * (a * ts[0] + b) + c;
  for (k = 1; k < nt; k++) {
    double y = ts[k] * (a * ts[k] + b) + c;
    if (y < bv) { bv = y; best = ts[k]; }
  }
  *val = bv;
  return best;
}

/* the smallest step along s to a bound, and hits[] = sign(s) where reached */
static double tobound(const double *x, const double *s, const double *lb, const double *ub,
                      int n, int *hits) {
  double mn = INFINITY;
  int j;
  for (j = 0; j < n; j++) {
    if (s[j] == 0) continue;
    mn = fmin(mn, fmax((lb[j] - x[j]) / s[j], (ub[j] - x[j]) / s[j]));
  }
  if (hits)
    for (j = 0; j < n; j++) {
      double st = s[j] == 0 ? INFINITY : fmax((lb[j] - x[j]) / s[j], (ub[j] - x[j]) / s[j]);
      hits[j] = st == mn ? (s[j] > 0) - (s[j] < 0) : 0;
    }
  return mn;
}

/* solves min ||J p + f|| with ||p|| <= Delta from the SVD (solve_lsq_trust_region) */
static double lsq_tr(int n, int m, const double *uf, const double *s, const double *VT,
                     double Delta, double alpha0, double *p, double *suf) {
  int j, k, it, full_rank;
  double alpha, alpha_lower, alpha_upper, phi, dphi, pn;
  for (j = 0; j < n; j++) suf[j] = s[j] * uf[j];
  full_rank = m >= n && s[n - 1] > DBL_EPSILON * m * s[0];
  if (full_rank) {
    for (k = 0; k < n; k++) {
      double t = 0;
      for (j = 0; j < n; j++) t += VT[j + (size_t)k * n] * (uf[j] / s[j]);
      p[k] = -t;
    }
    if (opt_norm2(p, n) <= Delta) return 0.0;
  }
  alpha_upper = opt_norm2(suf, n) / Delta;
#define PHI(al) do { double q_ = 0, r_ = 0; \
    for (j = 0; j < n; j++) { double den_ = s[j] * s[j] + (al); \
      q_ += (suf[j] / den_) * (suf[j] / den_); r_ += suf[j] * suf[j] / (den_ * den_ * den_); } \
    pn = sqrt(q_); phi = pn - Delta; dphi = -r_ / pn; } while (0)
  if (full_rank) { PHI(0.0); alpha_lower = -phi / dphi; }
  else alpha_lower = 0.0;
  if (!full_rank && alpha0 == 0) alpha = fmax(0.001 * alpha_upper, sqrt(alpha_lower * alpha_upper));
  else alpha = alpha0;
  for (it = 0; it < 10; it++) {
    double ratio;
    if (alpha < alpha_lower || alpha > alpha_upper)
      alpha = fmax(0.001 * alpha_upper, sqrt(alpha_lower * alpha_upper));
    PHI(alpha);
    if (phi < 0) alpha_upper = alpha;
    ratio = phi / dphi;
    alpha_lower = fmax(alpha_lower, alpha - ratio);
    alpha -= (phi + Delta) * ratio / Delta;
    if (fabs(phi) < 0.01 * Delta) break;
  }
#undef PHI
  for (k = 0; k < n; k++) {
    double t = 0;
    for (j = 0; j < n; j++) t += VT[j + (size_t)k * n] * (suf[j] / (s[j] * s[j] + alpha));
    p[k] = -t;
  }
  pn = opt_norm2(p, n);
  for (k = 0; k < n; k++) p[k] *= Delta / pn;
  return alpha;
}

/* active constraints (find_active_constraints) into act */
static void findactive(const double *x, const double *lb, const double *ub, int n, double rtol,
                       double *act) {
  int j;
  for (j = 0; j < n; j++) {
    double ld = x[j] - lb[j], ud = ub[j] - x[j];
    act[j] = 0;
    if (rtol == 0) {
      if (x[j] <= lb[j]) act[j] = -1;
      if (x[j] >= ub[j]) act[j] = 1;
      continue;
    }
    if (isfinite(lb[j]) && ld <= fmin(ud, rtol * fmax(1, fabs(lb[j])))) act[j] = -1;
    if (isfinite(ub[j]) && ud <= fmin(ld, rtol * fmax(1, fabs(ub[j])))) act[j] = 1;
  }
}

static void strictly_feasible(double *x, const double *lb, const double *ub, int n,
                              double rstep, double *act) {
  int j;
  findactive(x, lb, ub, n, rstep, act);
  for (j = 0; j < n; j++) {
    if (act[j] == -1)
      x[j] = rstep == 0 ? nextafter(lb[j], ub[j]) : lb[j] + rstep * fmax(1, fabs(lb[j]));
    else if (act[j] == 1)
      x[j] = rstep == 0 ? nextafter(ub[j], lb[j]) : ub[j] - rstep * fmax(1, fabs(ub[j]));
    if (x[j] < lb[j] || x[j] > ub[j]) x[j] = 0.5 * (lb[j] + ub[j]);
  }
}

const char *const opt_lsq_msg[] = {
  "The maximum number of function evaluations is exceeded.",
  "`gtol` termination condition is satisfied.",
  "`ftol` termination condition is satisfied.",
  "`xtol` termination condition is satisfied.",
  "Both `ftol` and `xtol` termination conditions are satisfied.",
};

/*
** _trf(fun, x0, jac, opts, lb, ub[, xdata, ydata, sigma]) -> result table
** opts: ftol xtol gtol max_nfev loss f_scale x_scale ("jac" or values)
** diff_step fd3 kernel absolute_sigma. x0 must be inside the bounds.
*/
static int optimize_trf(lua_State *L) {
  int n, m, i, j, curve = !lua_isnoneornil(L, 7), loss, jacscale, status = -1, *hits;
  long max_nfev, nfev, njev;
  double *x, *lb, *ub, *f, *ftrue, *J, *g, *scale, *sinv, *v, *dv, *d, *diagh, *gh;
  double *Jaug, *faug, *U, *sv, *VT, *uf, *ph, *p, *step, *steph, *rh, *rr, *ag, *agh;
  double *xnew, *fnew, *rho, *suf, *act, *mem;
  double ftol, xtol, gtol, fs, cost, Delta, alpha = 0, gnorm = 0, theta, actred, cost_new = 0;
  const char *kernel, *lname;
  Res r;
  TRF t;
  x = opt_lsq_begin(L, 9, &r, &n, &kernel);
  opt_lsq_bounds(L, n, &lb, &ub);
  t.bounded = 0;
  for (j = 0; j < n; j++) if (isfinite(lb[j]) || isfinite(ub[j])) t.bounded = 1;
  ftol = opt_optnum(L, 4, "ftol", 1e-8);
  xtol = opt_optnum(L, 4, "xtol", 1e-8);
  gtol = opt_optnum(L, 4, "gtol", 1e-8);
  fs = opt_optnum(L, 4, "f_scale", 1.0);
  max_nfev = opt_optint(L, 4, "max_nfev", 100L * n);
  t.diff_step = opt_optnum(L, 4, "diff_step", 0);
  t.fd3 = opt_optbool(L, 4, "fd3");
  lua_getfield(L, 4, "loss");
  lname = lua_isstring(L, -1) ? lua_tostring(L, -1) : "linear";
  lua_pop(L, 1);
  if (strcmp(lname, "linear") == 0) loss = LOSS_LINEAR;
  else if (strcmp(lname, "soft_l1") == 0) loss = LOSS_SOFT_L1;
  else if (strcmp(lname, "huber") == 0) loss = LOSS_HUBER;
  else if (strcmp(lname, "cauchy") == 0) loss = LOSS_CAUCHY;
  else if (strcmp(lname, "arctan") == 0) loss = LOSS_ARCTAN;
  else return lumpy_kerror(L, "%s: unknown loss '%s'", kernel, lname);
  /* residuals at x0 (moved strictly inside the bounds) */
  act = opt_work(L, (size_t)n);
  strictly_feasible(x, lb, ub, n, 1e-10, act);
  if (curve) {
    int ny;
    r.mode = RES_CURVE;
    r.xidx = 7;
    r.y = checkvec(L, 8, &ny);
    r.m = ny;
    if (!lua_isnil(L, 9)) opt_res_sigma(L, &r, 9, kernel);
  }
  else {
    lua_pushvalue(L, 1);
    opt_pushvec(L, x, n);
    lumpy_fn_pcall(&r.fun, 1, 1);
    r.m = lumpy_fn_veclen(&r.fun, -1, "residuals");
    lua_pop(L, 1);
  }
  m = r.m;
  if (m < 1) return lumpy_kerror(L, "%s: the residuals must not be empty", kernel);
  {
    size_t M = (size_t)m + n, need;
    need = 2 * (size_t)m + (size_t)m * n + 3 * (size_t)m       /* f ftrue J rho */
         + 20 * (size_t)n + M * n + M + M * n + (size_t)n * n  /* vectors, Jaug, faug, U, VT */
         + 2 * (size_t)m + (size_t)m * n + 3 * (size_t)m + (size_t)n;     /* fnew, J_h, work, hits */
    mem = opt_work(L, need);
  }
  f = mem; ftrue = f + m; J = ftrue + m; rho = J + (size_t)m * n;
  g = rho + 3 * (size_t)m; scale = g + n; sinv = scale + n; v = sinv + n; dv = v + n;
  d = dv + n; diagh = d + n; gh = diagh + n; ph = gh + n; p = ph + n; step = p + n;
  steph = step + n; rh = steph + n; rr = rh + n;
  Jaug = rr + n; faug = Jaug + ((size_t)m + n) * n; U = faug + m + n;
  VT = U + ((size_t)m + n) * n; sv = VT + (size_t)n * n; uf = sv + n;
  xnew = uf + n; ag = xnew + n; agh = ag + n; suf = agh + n;
  fnew = suf + n; t.J_h = fnew + m; t.work = t.J_h + (size_t)m * n;
  hits = (int *)(t.work + 3 * (size_t)m);
  t.r = &r; t.m = m; t.n = n; t.lb = lb; t.ub = ub;
  opt_res_eval(&r, x, f);
  memcpy(ftrue, f, sizeof(double) * (size_t)m);
  nfev = 1;
  trf_jac(&t, x, f, J);
  njev = 1;
  cost = opt_lsq_grad(J, f, m, n, loss, fs, rho, g);
  jacscale = opt_lsq_xscale(L, kernel, J, m, n, scale, sinv);
  /* Coleman-Li scaling vector */
#define CLSCALE() do { for (j = 0; j < n; j++) { v[j] = 1; dv[j] = 0; \
      if (g[j] < 0 && isfinite(ub[j])) { v[j] = ub[j] - x[j]; dv[j] = -1; } \
      if (g[j] > 0 && isfinite(lb[j])) { v[j] = x[j] - lb[j]; dv[j] = 1; } } } while (0)
  CLSCALE();
  Delta = 0;
  for (j = 0; j < n; j++) {
    double vj = dv[j] != 0 ? v[j] * sinv[j] : v[j];
    double q = x[j] * sinv[j] / sqrt(t.bounded ? vj : 1.0);
    Delta += q * q;
  }
  Delta = sqrt(Delta);
  if (Delta == 0) Delta = 1.0;
  for (;;) {
    double predred = 0, step_norm, xnorm;
    int M2 = t.bounded ? m + n : (m >= n ? m : n);
    if (t.bounded) {
      CLSCALE();
      gnorm = 0;
      for (j = 0; j < n; j++) gnorm = fmax(gnorm, fabs(g[j] * v[j]));
      if (isnan(opt_dot(g, v, n))) gnorm = NAN;
    }
    else gnorm = opt_norminf(g, n);
    if (gnorm < gtol) status = 1;
    if (status >= 0 || nfev == max_nfev) break;
    for (j = 0; j < n; j++) {
      if (t.bounded) {
        if (dv[j] != 0) v[j] *= sinv[j];
        d[j] = sqrt(v[j]) * scale[j];
        diagh[j] = g[j] * dv[j] * scale[j];
      }
      else { d[j] = scale[j]; diagh[j] = 0; }
      gh[j] = d[j] * g[j];
    }
    /* J_h = J d, augmented with diag(diag_h^0.5) when bounded; its SVD */
    for (j = 0; j < n; j++) {
      for (i = 0; i < m; i++) {
        double val = J[i + (size_t)j * m] * d[j];
        t.J_h[i + (size_t)j * m] = val;
        Jaug[i + (size_t)j * M2] = val;
      }
      if (t.bounded)
        for (i = 0; i < n; i++) Jaug[m + i + (size_t)j * M2] = i == j ? sqrt(diagh[j]) : 0;
      else
        for (i = m; i < M2; i++) Jaug[i + (size_t)j * M2] = 0;
    }
    for (i = 0; i < m; i++) faug[i] = f[i];
    for (i = m; i < M2; i++) faug[i] = 0;
    if (LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'S', M2, n, Jaug, M2, sv, U, M2, VT, n) != 0) {
      status = 0;
      break;
    }
    for (j = 0; j < n && j < M2; j++) uf[j] = opt_dot(U + (size_t)j * M2, faug, M2);
    theta = fmax(0.995, 1 - gnorm);
    actred = -1;
    while (actred <= 0 && nfev < max_nfev) {
      double step_h_norm, ratio, Delta_new;
      int better;
      alpha = lsq_tr(n, M2, uf, sv, VT, Delta, alpha, ph, suf);
      for (j = 0; j < n; j++) p[j] = d[j] * ph[j];
      if (!t.bounded) {
        memcpy(steph, ph, sizeof(double) * (size_t)n);
        memcpy(step, p, sizeof(double) * (size_t)n);
        predred = -evalquad(&t, gh, steph, NULL);
        for (j = 0; j < n; j++) xnew[j] = x[j] + step[j];
      }
      else {
        /* select_step: interior step, reflected step, scaled gradient */
        int inside = 1;
        double pval, rval = INFINITY, agval, pstride, to_tr, to_bnd, rstride, a, b, c;
        for (j = 0; j < n; j++) {
          double xp = x[j] + p[j];
          if (!(xp >= lb[j] && xp <= ub[j])) inside = 0;
        }
        if (inside) {
          pval = evalquad(&t, gh, ph, diagh);
          memcpy(step, p, sizeof(double) * (size_t)n);
          memcpy(steph, ph, sizeof(double) * (size_t)n);
          predred = -pval;
        }
        else {
          pstride = tobound(x, p, lb, ub, n, hits);
          for (j = 0; j < n; j++) {
            rh[j] = hits[j] ? -ph[j] : ph[j];
            rr[j] = d[j] * rh[j];
            p[j] *= pstride; ph[j] *= pstride;
            xnew[j] = x[j] + p[j];        /* x on the bound */
          }
          {           /* intersect_trust_region(p_h, r_h, Delta): the larger root */
            double qa = opt_dot(rh, rh, n), qb = opt_dot(ph, rh, n);
            double qc = opt_dot(ph, ph, n) - Delta * Delta, dd, q, t1, t2;
            dd = sqrt(qb * qb - qa * qc);
            q = -(qb + copysign(dd, qb));
            t1 = q / qa; t2 = qc / q;
            to_tr = fmax(t1, t2);
          }
          to_bnd = tobound(xnew, rr, lb, ub, n, NULL);
          rstride = fmin(to_bnd, to_tr);
          {
            double rl, ru;
            if (rstride > 0) {
              rl = (1 - theta) * pstride / rstride;
              ru = rstride == to_bnd ? theta * to_bnd : to_tr;
            }
            else { rl = 0; ru = -1; }
            if (rl <= ru) {
              quad1d(&t, gh, rh, diagh, ph, &a, &b, &c);
              rstride = minquad1d(a, b, rl, ru, c, &rval);
              for (j = 0; j < n; j++) { rh[j] = rh[j] * rstride + ph[j]; rr[j] = rh[j] * d[j]; }
            }
            else rval = INFINITY;
          }
          for (j = 0; j < n; j++) { p[j] *= theta; ph[j] *= theta; }
          pval = evalquad(&t, gh, ph, diagh);
          for (j = 0; j < n; j++) { agh[j] = -gh[j]; ag[j] = d[j] * agh[j]; }
          to_tr = Delta / opt_norm2(agh, n);
          to_bnd = tobound(x, ag, lb, ub, n, NULL);
          {
            double agstride = to_bnd < to_tr ? theta * to_bnd : to_tr;
            quad1d(&t, gh, agh, diagh, NULL, &a, &b, &c);
            agstride = minquad1d(a, b, 0, agstride, 0, &agval);
            for (j = 0; j < n; j++) { agh[j] *= agstride; ag[j] *= agstride; }
          }
          if (pval < rval && pval < agval) {
            memcpy(step, p, sizeof(double) * (size_t)n);
            memcpy(steph, ph, sizeof(double) * (size_t)n);
            predred = -pval;
          }
          else if (rval < pval && rval < agval) {
            memcpy(step, rr, sizeof(double) * (size_t)n);
            memcpy(steph, rh, sizeof(double) * (size_t)n);
            predred = -rval;
          }
          else {
            memcpy(step, ag, sizeof(double) * (size_t)n);
            memcpy(steph, agh, sizeof(double) * (size_t)n);
            predred = -agval;
          }
        }
        for (j = 0; j < n; j++) xnew[j] = x[j] + step[j];
        strictly_feasible(xnew, lb, ub, n, 0, act);
      }
      opt_res_eval(&r, xnew, fnew);
      nfev++;
      step_h_norm = opt_norm2(steph, n);
      better = 1;
      for (i = 0; i < m; i++) if (!isfinite(fnew[i])) { better = 0; break; }
      if (!better) { Delta = 0.25 * step_h_norm; continue; }
      if (loss != LOSS_LINEAR) cost_new = opt_lossfn(loss, fs, fnew, m, NULL, 1);
      else cost_new = 0.5 * opt_dot(fnew, fnew, m);
      actred = cost - cost_new;
      /* update_tr_radius */
      if (predred > 0) ratio = actred / predred;
      else if (predred == actred && actred == 0) ratio = 1;
      else ratio = 0;
      Delta_new = Delta;
      if (ratio < 0.25) Delta_new = 0.25 * step_h_norm;
      else if (ratio > 0.75 && step_h_norm > 0.95 * Delta) Delta_new = Delta * 2.0;
      step_norm = opt_norm2(step, n);
      xnorm = opt_norm2(x, n);
      {             /* check_termination */
        int fsat = actred < ftol * cost && ratio > 0.25;
        int xsat = step_norm < xtol * (xtol + xnorm);
        if (fsat && xsat) status = 4;
        else if (fsat) status = 2;
        else if (xsat) status = 3;
      }
      if (status >= 0) break;
      alpha *= Delta / Delta_new;
      Delta = Delta_new;
    }
    if (actred > 0) {
      memcpy(x, xnew, sizeof(double) * (size_t)n);
      memcpy(f, fnew, sizeof(double) * (size_t)m);
      memcpy(ftrue, f, sizeof(double) * (size_t)m);
      cost = cost_new;
      trf_jac(&t, x, f, J);
      njev++;
      opt_lsq_grad(J, f, m, n, loss, fs, rho, g);
      if (jacscale) opt_lsq_jacscale(J, m, n, scale, sinv);
    }
  }
#undef CLSCALE
  if (status < 0) status = 0;
  findactive(x, lb, ub, n, xtol, act);
  if (r.hasjac) njev = r.njev;
  opt_push_lsq(L, x, n, ftrue, m, J, cost, nfev, njev, status, opt_lsq_msg[status], act);
  lua_pushnumber(L, gnorm);
  lua_setfield(L, -2, "optimality");
  if (curve) {
    double *cov = U;
    int ok = opt_lsq_cov(J, m, n, Jaug, faug, sv, VT, cov);
    opt_push_pcov(L, ok ? cov : NULL, n, m, 2 * cost, opt_optbool(L, 4, "absolute_sigma"));
  }
  return 1;
}

static const luaL_Reg lsq_funcs[] = {
  {"_lm", optimize_lm},
  {"_trf", optimize_trf},
  {NULL, NULL}
};

void lumpy_open_opt_lsq(lua_State *L) {
  luaL_setfuncs(L, lsq_funcs, 0);
}
