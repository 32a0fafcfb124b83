/*
** opt_slsqp.c: sequential least squares programming, minimize(method =
** 'SLSQP') with bounds and equality/inequality constraints.
**
** D. Kraft, "A software package for sequential quadratic programming",
** DFVLR-FB 88-28, 1988. Each iteration solves the quadratic subproblem
**   min 1/2 d'Bd + g'd  s.t.  a_j d + c_j = 0 (eq), a_j d + c_j >= 0
**   (ineq), xl - x <= d <= xu - x
** as a least-distance problem (Lawson & Hanson, Solving Least Squares
** Problems, 1974: equality constraints by null-space elimination, then
** LSI -> LDP -> NNLS, ch. 23), relaxes an inconsistent linearisation with
** Kraft's extra variable, takes an inexact line search on the L1 merit
** function f + sum mu_j |c_j| with mu_j = max(|r_j|, (mu_j + |r_j|)/2),
** and updates B by BFGS with Powell's damping (0.2). The stopping rules,
** exit modes and the driver (nfev, njev, nit) are those of SciPy's
** _minimize_slsqp. B is kept dense and refactored by Cholesky each
** iteration, where Kraft updates an LDL' factorisation in place.
*/
#include <math.h>
#include <float.h>
#include <lapacke.h>
#include "optimize.h"

/* ---- dense helpers (row major) ---- */

/* Cholesky B = L L' (lower, in place in L); 0 ok, 1 not positive definite */
static int cholesky(double *Lm, const double *B, int n) {
  int i, j, k;
  for (i = 0; i < n; i++)
    for (j = 0; j <= i; j++) {
      double s = B[i * n + j];
      for (k = 0; k < j; k++) s -= Lm[i * n + k] * Lm[j * n + k];
      if (i == j) {
        if (!(s > 0)) return 1;
        Lm[i * n + i] = sqrt(s);
      }
      else Lm[i * n + j] = s / Lm[j * n + j];
    }
  for (i = 0; i < n; i++) for (j = i + 1; j < n; j++) Lm[i * n + j] = 0;
  return 0;
}

/* x := L^-1 x (forward) and x := L'^-1 x (backward) */
static void lsolve(const double *Lm, int n, double *x) {
  int i, k;
  for (i = 0; i < n; i++) {
    double s = x[i];
    for (k = 0; k < i; k++) s -= Lm[i * n + k] * x[k];
    x[i] = s / Lm[i * n + i];
  }
}

static void ltsolve(const double *Lm, int n, double *x) {
  int i, k;
  for (i = n - 1; i >= 0; i--) {
    double s = x[i];
    for (k = i + 1; k < n; k++) s -= Lm[k * n + i] * x[k];
    x[i] = s / Lm[i * n + i];
  }
}

/*
** NNLS (Lawson & Hanson, algorithm 23.10): min ||A x - b|| with x >= 0;
** A is m x n column major. Returns 0, or 3 after too many iterations, 5
** when a least-squares solve fails. w: n; work: m*n + m + n; P: n ints.
*/
static int nnls(const double *A, int m, int n, const double *b, double *x, double *w,
                double *work, int *P) {
  double *Ap = work, *z = Ap + (size_t)m * n, *r = z + (m > n ? m : n);
  int i, j, k, np = 0, iter = 0, maxit = 3 * n + 30;
  const double tol = 1e3 * DBL_EPSILON;
  for (j = 0; j < n; j++) { x[j] = 0; P[j] = 0; }
  for (;;) {
    int t = -1;
    double wmax = 0, bnorm = 0;
    for (i = 0; i < m; i++) {
      double s = b[i];
      for (j = 0; j < n; j++) s -= A[i + (size_t)j * m] * x[j];
      r[i] = s;
      bnorm = fmax(bnorm, fabs(b[i]));
    }
    for (j = 0; j < n; j++) {
      double s = 0;
      for (i = 0; i < m; i++) s += A[i + (size_t)j * m] * r[i];
      w[j] = s;
      if (!P[j] && s > wmax) { wmax = s; t = j; }
    }
    if (t < 0 || wmax <= tol * (1 + bnorm)) return 0;
    P[t] = 1;
    for (;;) {
      double alpha = 2;
      int ok = 1;
      if (++iter > maxit) return 3;
      /* least squares on the passive columns */
      np = 0;
      for (j = 0; j < n; j++)
        if (P[j]) {
          memcpy(Ap + (size_t)np * m, A + (size_t)j * m, sizeof(double) * (size_t)m);
          np++;
        }
      for (i = 0; i < m; i++) z[i] = b[i];
      for (i = m; i < np; i++) z[i] = 0;
      {
        int rank;
        double *sv = r, rc = -1;
        lapack_int lrank;
        if (LAPACKE_dgelsd(LAPACK_COL_MAJOR, m, np, 1, Ap, m, z, m > np ? m : np, sv, rc,
                           &lrank) != 0)
          return 5;
        rank = (int)lrank;
        (void)rank;
      }
      k = 0;
      for (j = 0; j < n; j++)
        if (P[j]) { if (z[k] <= tol) ok = 0; k++; }
      if (ok) {
        k = 0;
        for (j = 0; j < n; j++) x[j] = P[j] ? z[k++] : 0;
        break;
      }
      k = 0;
      for (j = 0; j < n; j++)
        if (P[j]) {
          if (z[k] <= tol) {
            double a = x[j] / (x[j] - z[k]);
            if (a < alpha) alpha = a;
          }
          k++;
        }
      k = 0;
      for (j = 0; j < n; j++)
        if (P[j]) {
          x[j] += alpha * (z[k] - x[j]);
          if (x[j] <= tol) { x[j] = 0; P[j] = 0; }
          k++;
        }
    }
  }
}

/*
** LDP: min ||y|| subject to G y >= h (G is mg x n row major). Returns 0
** with y and the multipliers lam (mg), or 4 when the constraints are
** incompatible (or the NNLS code).
*/
static int ldp(const double *G, int mg, int n, const double *h, double *y, double *lam,
               double *work, int *iwork) {
  double *E = work, *f = E + (size_t)(n + 1) * mg, *u = f + n + 1, *w = u + mg;
  double *nw = w + mg, rn, fac;
  int i, j, st;
  if (mg == 0) {
    for (j = 0; j < n; j++) y[j] = 0;
    return 0;
  }
  /* E = [G'; h'] ((n+1) x mg, column major), f = e_{n+1} */
  for (i = 0; i < mg; i++) {
    for (j = 0; j < n; j++) E[j + (size_t)i * (n + 1)] = G[(size_t)i * n + j];
    E[n + (size_t)i * (n + 1)] = h[i];
  }
  for (j = 0; j <= n; j++) f[j] = 0;
  f[n] = 1;
  st = nnls(E, n + 1, mg, f, u, w, nw, iwork);
  if (st) return st;
  /* r = E u - f */
  for (j = 0; j < n; j++) {
    double s = 0;
    for (i = 0; i < mg; i++) s += G[(size_t)i * n + j] * u[i];
    y[j] = s;
  }
  rn = -1;
  for (i = 0; i < mg; i++) rn += h[i] * u[i];
  if (!(fabs(rn) > 1e-12 * 1) || !isfinite(rn)) return 4;
  fac = -1 / rn;
  for (j = 0; j < n; j++) y[j] *= fac;
  for (i = 0; i < mg; i++) lam[i] = u[i] * fac;
  {     /* the solution must satisfy the constraints */
    double worst = 0, scale = 1;
    for (i = 0; i < mg; i++) {
      double s = -h[i];
      for (j = 0; j < n; j++) s += G[(size_t)i * n + j] * y[j];
      worst = fmin(worst, s);
      scale = fmax(scale, fabs(h[i]));
    }
    if (worst < -1e-8 * scale) return 4;
  }
  return 0;
}

/*
** The QP: min 1/2 d'Bd + g'd, Aeq d = beq (meq x n), G d >= h (mg x n).
** Returns the exit mode: 0 ok (1 in Kraft's numbering), 2 meq > n, 4
** incompatible, 5/6 singular, 3 too many iterations. lam: mg multipliers,
** mu: meq multipliers.
*/
typedef struct QPW { double *mem; int *imem; } QPW;

static int qpsolve(int n, const double *B, const double *g, int meq, const double *Aeq,
                   const double *beq, int mg, const double *G, const double *h, double *d,
                   double *lam, double *mu, QPW *wk) {
  int nz = n - meq, i, j, k, st;
  double *Q = wk->mem, *tau = Q + (size_t)n * n, *R = tau + n, *d0 = R + (size_t)n * n;
  double *Hr = d0 + n, *Lr = Hr + (size_t)n * n, *gr = Lr + (size_t)n * n, *t = gr + n;
  double *Gz = t + n, *hz = Gz + (size_t)(mg + 1) * n, *y = hz + mg + 1, *f = y + n;
  double *lw = f + n;
  if (meq > n) return 2;
  /* null space of Aeq: Aeq' = Q R */
  if (meq > 0) {
    double *At = R;
    for (i = 0; i < meq; i++)
      for (j = 0; j < n; j++) At[j + (size_t)i * n] = Aeq[(size_t)i * n + j];
    if (LAPACKE_dgeqrf(LAPACK_COL_MAJOR, n, meq, At, n, tau) != 0) return 6;
    /* p: R' p = beq (R upper meq x meq in At) */
    for (i = 0; i < meq; i++) {
      double s = beq[i];
      for (k = 0; k < i; k++) s -= At[k + (size_t)i * n] * t[k];
      if (At[i + (size_t)i * n] == 0) return 6;
      t[i] = s / At[i + (size_t)i * n];
    }
    memcpy(Q, At, sizeof(double) * (size_t)n * meq);
    for (i = meq; i < n; i++) for (j = 0; j < n; j++) Q[j + (size_t)i * n] = 0;
    {
      /* keep R's diagonal and upper part before forming Q */
      double *Rk = lw;
      for (i = 0; i < meq; i++) for (j = 0; j < meq; j++) Rk[i + (size_t)j * meq] = j >= i ? At[i + (size_t)j * n] : 0;
      if (LAPACKE_dorgqr(LAPACK_COL_MAJOR, n, n, meq, Q, n, tau) != 0) return 6;
      memcpy(R, Rk, sizeof(double) * (size_t)meq * meq);
    }
    for (j = 0; j < n; j++) {
      double s = 0;
      for (i = 0; i < meq; i++) s += Q[j + (size_t)i * n] * t[i];
      d0[j] = s;
    }
  }
  else {
    for (i = 0; i < n; i++) for (j = 0; j < n; j++) Q[j + (size_t)i * n] = i == j;
    for (j = 0; j < n; j++) d0[j] = 0;
  }
  /* Z = Q[:, meq:]; Hr = Z'BZ; gr = Z'(B d0 + g) */
  for (j = 0; j < n; j++) {
    double s = g[j];
    for (k = 0; k < n; k++) s += B[(size_t)j * n + k] * d0[k];
    t[j] = s;
  }
  for (i = 0; i < nz; i++) {
    const double *zi = Q + (size_t)(meq + i) * n;
    double s = 0;
    for (j = 0; j < n; j++) s += zi[j] * t[j];
    gr[i] = s;
    for (k = 0; k <= i; k++) {
      const double *zk = Q + (size_t)(meq + k) * n;
      double v = 0;
      for (j = 0; j < n; j++) {
        double bz = 0;
        int l;
        for (l = 0; l < n; l++) bz += B[(size_t)j * n + l] * zk[l];
        v += zi[j] * bz;
      }
      Hr[i * nz + k] = Hr[k * nz + i] = v;
    }
  }
  if (nz > 0 && cholesky(Lr, Hr, nz) != 0) return 5;
  /* inequalities in z: (G Z) z >= h - G d0, then in y = Lr' z - f with f = -Lr^-1 gr */
  for (j = 0; j < nz; j++) f[j] = -gr[j];
  if (nz > 0) lsolve(Lr, nz, f);
  for (i = 0; i < mg; i++) {
    double s = h[i];
    for (j = 0; j < n; j++) s -= G[(size_t)i * n + j] * d0[j];
    for (k = 0; k < nz; k++) {
      const double *zk = Q + (size_t)(meq + k) * n;
      double v = 0;
      for (j = 0; j < n; j++) v += G[(size_t)i * n + j] * zk[j];
      Gz[(size_t)i * nz + k] = v;
    }
    /* row of Gz Lr'^-1: solve Lr x = row */
    if (nz > 0) lsolve(Lr, nz, Gz + (size_t)i * nz);
    for (k = 0; k < nz; k++) s -= Gz[(size_t)i * nz + k] * f[k];
    hz[i] = s;
  }
  if (nz == 0) {
    for (i = 0; i < mg; i++) if (hz[i] > 1e-8 * (1 + fabs(h[i]))) return 4;
    for (i = 0; i < mg; i++) lam[i] = 0;
  }
  else {
    st = ldp(Gz, mg, nz, hz, y, lam, lw, wk->imem);
    if (st) return st;
  }
  /* z = Lr'^-1 (y + f); d = d0 + Z z */
  for (k = 0; k < nz; k++) y[k] += f[k];
  if (nz > 0) ltsolve(Lr, nz, y);
  for (j = 0; j < n; j++) {
    double s = d0[j];
    for (k = 0; k < nz; k++) s += Q[j + (size_t)(meq + k) * n] * y[k];
    d[j] = s;
  }
  /* equality multipliers: R mu = Q1'(B d + g - G' lam) */
  if (meq > 0) {
    for (j = 0; j < n; j++) {
      double s = g[j];
      for (k = 0; k < n; k++) s += B[(size_t)j * n + k] * d[k];
      for (i = 0; i < mg; i++) s -= G[(size_t)i * n + j] * lam[i];
      t[j] = s;
    }
    for (i = 0; i < meq; i++) {
      double s = 0;
      for (j = 0; j < n; j++) s += Q[j + (size_t)i * n] * t[j];
      mu[i] = s;
    }
    for (i = meq - 1; i >= 0; i--) {
      double s = mu[i];
      for (k = i + 1; k < meq; k++) s -= R[i + (size_t)k * meq] * mu[k];
      mu[i] = s / R[i + (size_t)i * meq];
    }
  }
  return 0;
}

/* ---- the problem: objective and constraints from Lua ---- */

typedef struct SQ {
  lua_State *L;
  Obj *o;
  int n, m, meq, ncons, considx;
  int *csize;            /* rows of each constraint */
  double eps;
  const double *xl, *xu;
  double *xt, *ct;
} SQ;

/* the constraint values at x into c (m values); the first call (sizes
** unknown, m < 0) records each constraint's size */
static void con_eval(SQ *q, const double *x, double *c) {
  lua_State *L = q->L;
  int k, off = 0, top = lua_gettop(L);
  for (k = 0; k < q->ncons; k++) {
    lumpy_Fn fn;
    int tidx, len;
    lua_rawgeti(L, q->considx, k + 1);
    tidx = lua_gettop(L);
    lua_getfield(L, tidx, "fun");
    lumpy_fn_init(L, &fn, lua_gettop(L), tidx, "lumpy.optimize.minimize");
    lumpy_fn_call(&fn, x, q->n, 1);
    len = lumpy_fn_veclen(&fn, -1, "constraint value");
    if (len != q->csize[k])
      luaL_error(L, "lumpy.optimize.minimize: constraint %d returned %d values, expected %d",
                 k + 1, len, q->csize[k]);
    lumpy_fn_checkvector(&fn, -1, c + off, len, "constraint value");
    off += len;
    lua_settop(L, top);
  }
}

/* the constraint Jacobian at x into A (m x n row major) */
static void con_jac(SQ *q, double *x, double *A, const double *c) {
  lua_State *L = q->L;
  int k, off = 0, top = lua_gettop(L), i, j, n = q->n;
  for (k = 0; k < q->ncons; k++) {
    int tidx, mk = q->csize[k];
    lua_rawgeti(L, q->considx, k + 1);
    tidx = lua_gettop(L);
    lua_getfield(L, tidx, "jac");
    if (!lua_isnil(L, -1) && !lua_isboolean(L, -1)) {
      lumpy_Fn fn;
      Array *a;
      lumpy_fn_init(L, &fn, lua_gettop(L), tidx, "lumpy.optimize.minimize");
      lumpy_fn_call(&fn, x, n, 1);
      if (lua_type(L, -1) != LUA_TTABLE && !lumpy_isarray(L, -1) && lua_type(L, -1) != LUA_TNUMBER)
        luaL_error(L, "lumpy.optimize.minimize: constraint %d jac must return an array, got %s",
                   k + 1, luaL_typename(L, -1));
      a = lumpy_asarray(L, lua_gettop(L));
      if (a->size != (int64_t)mk * n || a->dtype == LUMPY_COMPLEX128)
        luaL_error(L, "lumpy.optimize.minimize: constraint %d jac must have %d x %d values",
                   k + 1, mk, n);
      a = lumpy_ascontig(L, -1, LUMPY_FLOAT64);
      memcpy(A + (size_t)off * n, a->data, sizeof(double) * (size_t)mk * n);
    }
    else {
      lumpy_Fn fn;
      lua_getfield(L, tidx, "fun");
      lumpy_fn_init(L, &fn, lua_gettop(L), tidx, "lumpy.optimize.minimize");
      for (j = 0; j < n; j++) {
        double t = x[j], h, dx;
        int one;
        h = opt_fdstep(t, q->eps, sqrt(DBL_EPSILON));
        if (q->xl) h = opt_fdbounded(t, h, q->xl[j], q->xu[j], 0, &one);
        if (h == 0) { for (i = 0; i < mk; i++) A[(size_t)(off + i) * n + j] = 0; continue; }
        x[j] = t + h;
        dx = x[j] - t;
        lumpy_fn_call(&fn, x, n, 1);
        lumpy_fn_checkvector(&fn, -1, q->ct, mk, "constraint value");
        lua_pop(L, 1);
        x[j] = t;
        for (i = 0; i < mk; i++) A[(size_t)(off + i) * n + j] = (q->ct[i] - c[off + i]) / dx;
      }
    }
    off += mk;
    lua_settop(L, top);
  }
}

static const char *const SLSQP_MSG[] = {
  "Optimization terminated successfully",
  "Function evaluation required (f & c)",
  "More equality constraints than independent variables",
  "More than 3*n iterations in LSQ subproblem",
  "Inequality constraints incompatible",
  "Singular matrix E in LSQ subproblem",
  "Singular matrix C in LSQ subproblem",
  "Rank-deficient equality constraint subproblem HFTI",
  "Positive directional derivative for linesearch",
  "Iteration limit reached",
};

/* _slsqp(fun, x0, jac, opts, lb, ub, cons, meq_count) -> result table;
** cons: {type, fun, jac, args} tables, equality ones first */
static int optimize_slsqp(lua_State *L) {
  int n, i, j, k, m = 0, meq = 0, mode = 0, ncons, iter = 0, ireset = 0, stopped = 0;
  long maxiter;
  double *x0, *bnd, *xl = NULL, *xu = NULL, *x, *g, *c, *A, *B, *s, *r, *mu, *v, *u, *xo;
  double *gq, *Aeq, *beq, *G, *h, *lam, *mm, *mem, *Bs, *Baug;
  double acc, f, f0 = 0, t0 = 0, h1, h2, h3, h4 = 1, alpha, t;
  int *csize, mg;
  Obj o;
  SQ q;
  QPW wk;
  Callback cb;
  lua_settop(L, 8);
  luaL_checktype(L, 4, LUA_TTABLE);
  luaL_checktype(L, 7, LUA_TTABLE);
  x0 = opt_checkx0(L, 2, &n);
  if (n < 1) return luaL_error(L, "lumpy.optimize.minimize: x0 must not be empty");
  bnd = opt_checkbounds(L, 5, n);
  opt_objinit(L, &o, 1, 3, 4, n);
  if (o.eps == 0 && (o.mode == JAC_FD2 || o.mode == JAC_FD3) && !lua_isstring(L, 3))
    o.eps = 1.4901161193847656e-08;
  acc = opt_optnum(L, 4, "ftol", 1e-6);
  maxiter = opt_optint(L, 4, "maxiter", 100);
  opt_cbinit(L, &cb, 4, "lumpy.optimize.minimize");
  ncons = (int)lua_rawlen(L, 7);
  meq = (int)luaL_checkinteger(L, 8);     /* number of equality constraint entries */
  csize = (int *)opt_work(L, (size_t)ncons + 1);
  x = opt_work(L, 3 * (size_t)n);
  xo = x + n;
  if (bnd) {
    xl = bnd; xu = bnd + n;
    for (i = 0; i < n; i++) {
      if (isnan(xl[i])) xl[i] = -INFINITY;
      if (isnan(xu[i])) xu[i] = INFINITY;
    }
  }
  for (i = 0; i < n; i++) {
    x[i] = x0[i];
    if (xl) x[i] = fmin(fmax(x[i], xl[i]), xu[i]);
  }
  if (xl) { o.lb = xl; o.ub = xu; }
  /* the constraints' sizes from a first evaluation */
  q.L = L; q.o = &o; q.n = n; q.ncons = ncons; q.considx = 7; q.csize = csize;
  q.eps = o.eps; q.xl = xl; q.xu = xu;
  {
    int top = lua_gettop(L), eqrows = 0;
    for (k = 0; k < ncons; k++) {
      lumpy_Fn fn;
      int tidx;
      lua_rawgeti(L, 7, k + 1);
      tidx = lua_gettop(L);
      lua_getfield(L, tidx, "fun");
      lumpy_fn_init(L, &fn, lua_gettop(L), tidx, "lumpy.optimize.minimize");
      lumpy_fn_call(&fn, x, n, 1);
      csize[k] = lumpy_fn_veclen(&fn, -1, "constraint value");
      m += csize[k];
      if (k < meq) eqrows += csize[k];
      lua_settop(L, top);
    }
    meq = eqrows;
  }
  mg = (m - meq) + 2 * n + 2;          /* inequality rows incl. bounds and the slack */
  mem = opt_work(L, (size_t)(m + 2) * (n + 1) * 3 + (size_t)(n + 1) * (n + 1) * 3
                 + 12 * (size_t)(n + 2) + 4 * (size_t)(m + 2) + (size_t)mg * (n + 1) + 2 * (size_t)mg
                 + (size_t)(m + 1));
  g = mem; c = g + n + 1; A = c + m + 1; B = A + (size_t)(m + 1) * (n + 1);
  s = B + (size_t)(n + 1) * (n + 1); r = s + n + 1; mu = r + m + 1; v = mu + m + 1; u = v + n + 1;
  gq = u + n + 1; Aeq = gq + n + 1; beq = Aeq + (size_t)(m + 1) * (n + 1); G = beq + m + 1;
  h = G + (size_t)mg * (n + 1); lam = h + mg; mm = lam + mg; Bs = mm + m + 1;
  q.xt = Bs + n + 1; q.ct = opt_work(L, (size_t)m + 1);
  {
    size_t need = 8 * (size_t)(n + 2) * (n + 2) + (size_t)(mg + 2) * (n + 2) * 2 + 8 * (size_t)(n + mg + 4)
                  + (size_t)(n + 2) * (mg + 2) + 4 * (size_t)(mg + n + 4);
    wk.mem = opt_work(L, need);
    wk.imem = (int *)opt_work(L, (size_t)mg + n + 4);
    Baug = opt_work(L, (size_t)(n + 1) * (n + 1));
  }
  /* initial evaluations */
  f = opt_objf(&o, x);
  opt_objg(&o, x, g);
  con_eval(&q, x, c);
  con_jac(&q, x, A, c);
  for (j = 0; j < m; j++) mu[j] = 0;
  for (;;) {      /* reset B */
    ireset++;
    if (ireset > 5) { mode = 8; goto done; }
    for (i = 0; i < n; i++) for (j = 0; j < n; j++) B[i * n + j] = i == j;
    for (;;) {    /* main iteration */
      int qm, nn = n, infeasrun = 0;
      double rho = 100;
      iter++;
      if (iter > maxiter) { mode = 9; goto done; }
      /* the QP in d (and the relaxation variable when inconsistent) */
      for (;;) {
        int ng = 0;
        for (j = 0; j < meq; j++) {
          for (i = 0; i < nn; i++) Aeq[(size_t)j * nn + i] = i < n ? A[(size_t)j * n + i] : -c[j];
          beq[j] = -c[j];
        }
        for (j = meq; j < m; j++, ng++) {
          for (i = 0; i < nn; i++)
            G[(size_t)ng * nn + i] = i < n ? A[(size_t)j * n + i] : fmax(-c[j], 0);
          h[ng] = -c[j];
        }
        for (i = 0; i < n; i++) {
          if (xl && isfinite(xl[i])) {
            for (k = 0; k < nn; k++) G[(size_t)ng * nn + k] = k == i;
            h[ng++] = xl[i] - x[i];
          }
          if (xu && isfinite(xu[i])) {
            for (k = 0; k < nn; k++) G[(size_t)ng * nn + k] = -(k == i);
            h[ng++] = x[i] - xu[i];
          }
        }
        if (nn > n) {          /* 0 <= delta <= 1 */
          for (k = 0; k < nn; k++) G[(size_t)ng * nn + k] = k == n;
          h[ng++] = 0;
          for (k = 0; k < nn; k++) G[(size_t)ng * nn + k] = -(k == n);
          h[ng++] = -1;
        }
        if (nn > n) {          /* B augmented with rho for the relaxation */
          for (i = 0; i < nn; i++)
            for (j = 0; j < nn; j++)
              Baug[i * nn + j] = (i < n && j < n) ? B[i * n + j] : (i == j ? rho : 0);
          for (i = 0; i < n; i++) gq[i] = g[i];
          gq[n] = 0;
          qm = qpsolve(nn, Baug, gq, meq, Aeq, beq, ng, G, h, s, lam, mm, &wk);
        }
        else qm = qpsolve(nn, B, g, meq, Aeq, beq, ng, G, h, s, lam, mm, &wk);
        if (qm == 4) {
          if (nn == n) { nn = n + 1; infeasrun = 0; continue; }
          rho *= 10;
          if (++infeasrun > 5) { mode = 4; goto done; }
          continue;
        }
        if (qm != 0) { mode = qm; goto done; }
        break;
      }
      h4 = nn > n ? 1 - s[n] : 1;
      /* multipliers r for the general constraints */
      for (j = 0; j < meq; j++) r[j] = mm[j];
      for (j = meq; j < m; j++) r[j] = lam[j - meq];
      /* gradient of the Lagrangian at x (kept in v for the BFGS update) */
      for (i = 0; i < n; i++) {
        double sum = g[i];
        for (j = 0; j < m; j++) sum -= A[(size_t)j * n + i] * r[j];
        v[i] = sum;
      }
      f0 = f;
      memcpy(xo, x, sizeof(double) * (size_t)n);
      h1 = fabs(opt_dot(g, s, n));
      h2 = 0;
      for (j = 0; j < m; j++) {
        h3 = j < meq ? c[j] : 0;
        h2 += fmax(-c[j], h3);
        h3 = fabs(r[j]);
        mu[j] = fmax(h3, (mu[j] + h3) / 2);
        h1 += h3 * fabs(c[j]);
      }
      if (h1 < acc && h2 < acc) { mode = 0; goto done; }
      h1 = 0;
      for (j = 0; j < m; j++) {
        h3 = j < meq ? c[j] : 0;
        h1 += mu[j] * fmax(-c[j], h3);
      }
      t0 = f + h1;
      h3 = opt_dot(g, s, n) - h1 * h4;
      if (h3 >= 0) break;          /* positive directional derivative: reset B */
      /* inexact line search on the L1 merit function */
      alpha = 1;
      {
        int line = 0;
        for (;;) {
          line++;
          h3 *= alpha;
          for (i = 0; i < n; i++) { s[i] *= alpha; x[i] = xo[i] + s[i]; }
          if (xl) for (i = 0; i < n; i++) x[i] = fmin(fmax(x[i], xl[i]), xu[i]);
          f = opt_objf(&o, x);
          con_eval(&q, x, c);
          t = f;
          for (j = 0; j < m; j++) {
            h1 = j < meq ? c[j] : 0;
            t += mu[j] * fmax(-c[j], h1);
          }
          h1 = t - t0;
          if (h1 <= h3 / 10 || line > 10) break;
          alpha = fmax(h3 / (2 * (h3 - h1)), 0.1);
        }
      }
      /* convergence */
      h3 = 0;
      for (j = 0; j < m; j++) {
        h1 = j < meq ? c[j] : 0;
        h3 += fmax(-c[j], h1);
      }
      {
        int conv = (fabs(f - f0) < acc || opt_norm2(s, n) < acc) && h3 < acc;
        if (!isfinite(f)) conv = 0;
        if (opt_cbcall(&cb, x, n)) { stopped = 1; mode = 0; goto done; }
        if (conv) { mode = 0; goto done; }
        opt_objg(&o, x, g);
        con_jac(&q, x, A, c);
      }
      /* BFGS update with Powell's damping */
      for (i = 0; i < n; i++) {
        double sum = g[i];
        for (j = 0; j < m; j++) sum -= A[(size_t)j * n + i] * r[j];
        u[i] = sum - v[i];
      }
      for (i = 0; i < n; i++) {
        double sum = 0;
        for (j = 0; j < n; j++) sum += B[i * n + j] * s[j];
        Bs[i] = sum;
      }
      h1 = opt_dot(s, u, n);
      h2 = opt_dot(s, Bs, n);
      h3 = 0.2 * h2;
      if (h1 < h3) {
        h4 = (h2 - h3) / (h2 - h1);
        h1 = h3;
        for (i = 0; i < n; i++) u[i] = h4 * u[i] + (1 - h4) * Bs[i];
      }
      if (h1 > 0 && h2 > 0)
        for (i = 0; i < n; i++)
          for (j = 0; j < n; j++) B[i * n + j] += u[i] * u[j] / h1 - Bs[i] * Bs[j] / h2;
      {   /* keep B positive definite */
        double *Lc = wk.mem;
        if (cholesky(Lc, B, n) != 0)
          for (i = 0; i < n; i++) for (j = 0; j < n; j++) B[i * n + j] = i == j;
      }
    }
  }
done:
  {
    int status = mode;
    const char *msg = SLSQP_MSG[mode];
    if (stopped) { status = STATUS_CALLBACK; msg = MSG_CALLBACK; }
    opt_pushresult(L, x, n, f, g, NULL, iter > maxiter ? maxiter : iter, o.nfev, o.njev, status, msg);
  }
  return 1;
}

static const luaL_Reg slsqp_funcs[] = {
  {"_slsqp", optimize_slsqp},
  {NULL, NULL}
};

void lumpy_open_opt_slsqp(lua_State *L) {
  luaL_setfuncs(L, slsqp_funcs, 0);
}
