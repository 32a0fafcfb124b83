/*
** opt_linprog.c: linear programming (linprog) by a dense bounded-variable
** two-phase primal simplex method.
**
**   min c'x  subject to  A_ub x <= b_ub,  A_eq x = b_eq,  lb <= x <= ub
**
** The rows become equalities with slack variables s >= 0; every variable
** keeps its own bounds (nonbasic variables sit at a finite bound, or at 0
** when free), as in the bounded-variable simplex of G. B. Dantzig, Linear
** Programming and Extensions (1963), ch. 18, and V. Chvatal, Linear
** Programming (1983), ch. 8. Phase 1 minimises the sum of artificial
** variables from a basis of slacks and artificials; phase 2 the objective.
** Pricing is Dantzig's largest reduced cost; after a run of degenerate
** pivots it falls back to Bland's smallest-index rule (R. G. Bland, Math.
** Oper. Res. 2, 1977), which cannot cycle. The tableau B^-1 [A I] is kept
** dense; at the end the basic solution and the duals are recomputed from
** the original data by an LU factorisation of the basis (LAPACK dgetrf,
** dgetrs), so rounding from the pivots does not reach the result.
**
** Statuses as SciPy: 0 optimal, 1 iteration limit, 2 infeasible,
** 3 unbounded, 4 numerical difficulties.
*/
#include <math.h>
#include <float.h>
#include <cblas.h>
#include <lapacke.h>
#include "optimize.h"

typedef struct LP {
  int n, mu, me, m, N;        /* variables, <= rows, = rows, rows, all columns */
  const double *c, *Aub, *bub, *Aeq, *beq;    /* row-major inputs */
  double *lo, *hi, *cost, *xv, *d, *T, *beta, *sgn;
  int *head, *pos;
  double tol;
  long nit, maxiter;
} LP;

/* entry i of column j of [A_ub I 0; A_eq 0 0] plus the artificials */
static double lp_col(const LP *p, int i, int j) {
  if (j < p->n) return i < p->mu ? p->Aub[(size_t)i * p->n + j] : p->Aeq[(size_t)(i - p->mu) * p->n + j];
  j -= p->n;
  if (j < p->mu) return i == j ? 1.0 : 0.0;
  j -= p->mu;
  return i == j ? p->sgn[i] : 0.0;
}

static double lp_rhs(const LP *p, int i) {
  return i < p->mu ? p->bub[i] : p->beq[i - p->mu];
}

/* reduced costs d = cost - cost_B' T */
static void lp_prices(LP *p) {
  int i, j;
  for (j = 0; j < p->N; j++) p->d[j] = p->cost[j];
  for (i = 0; i < p->m; i++) {
    double cb = p->cost[p->head[i]];
    if (cb != 0) cblas_daxpy(p->N, -cb, p->T + (size_t)i * p->N, 1, p->d, 1);
  }
}

/* pivots the tableau on row r, column q */
static void lp_pivot(LP *p, int r, int q) {
  int i, N = p->N;
  double *Tr = p->T + (size_t)r * N, piv = Tr[q], dq;
  cblas_dscal(N, 1.0 / piv, Tr, 1);
  Tr[q] = 1.0;
  for (i = 0; i < p->m; i++) {
    double f;
    if (i == r) continue;
    f = p->T[(size_t)i * N + q];
    if (f != 0) {
      cblas_daxpy(N, -f, Tr, 1, p->T + (size_t)i * N, 1);
      p->T[(size_t)i * N + q] = 0.0;
    }
  }
  dq = p->d[q];
  if (dq != 0) { cblas_daxpy(N, -dq, Tr, 1, p->d, 1); p->d[q] = 0.0; }
  p->pos[p->head[r]] = -1;
  p->head[r] = q;
  p->pos[q] = r;
}

enum { LP_OPTIMAL, LP_ITERLIMIT, LP_INFEASIBLE, LP_UNBOUNDED, LP_NUMERICAL };

/* simplex iterations on the current costs until optimal; returns a status */
static int lp_solve(LP *p) {
  int N = p->N, m = p->m, degenerate = 0, bland = 0;
  double tol = p->tol;
  for (;;) {
    int j, i, q = -1, r = -1, dir = 0;
    double best = 0, t, tq;
    /* pricing */
    for (j = 0; j < N; j++) {
      double dj = p->d[j];
      int dj_dir;
      if (p->pos[j] >= 0) continue;
      if (dj < -tol && p->xv[j] < p->hi[j]) dj_dir = 1;
      else if (dj > tol && p->xv[j] > p->lo[j]) dj_dir = -1;
      else continue;
      if (bland) { q = j; dir = dj_dir; break; }
      if (fabs(dj) > best) { best = fabs(dj); q = j; dir = dj_dir; }
    }
    if (q < 0) return LP_OPTIMAL;
    if (p->nit >= p->maxiter) return LP_ITERLIMIT;
    p->nit++;
    /* ratio test: the step t along dir for x_q */
    t = INFINITY;
    tq = p->hi[q] - p->lo[q];         /* a bound flip */
    for (i = 0; i < m; i++) {
      double a = dir * p->T[(size_t)i * N + q], lim;
      int b = p->head[i];
      if (a > tol) {
        if (p->lo[b] == -INFINITY) continue;
        lim = (p->beta[i] - p->lo[b]) / a;
      }
      else if (a < -tol) {
        if (p->hi[b] == INFINITY) continue;
        lim = (p->hi[b] - p->beta[i]) / -a;
      }
      else continue;
      if (lim < 0) lim = 0;
      if (lim < t || (lim == t && r >= 0 &&
                      (bland ? b < p->head[r]
                             : fabs(a) > fabs(p->T[(size_t)r * N + q])))) {
        t = lim;
        r = i;
      }
    }
    if (tq <= t) {                    /* x_q runs to its other bound */
      if (tq == INFINITY) return LP_UNBOUNDED;
      for (i = 0; i < m; i++) p->beta[i] -= tq * dir * p->T[(size_t)i * N + q];
      p->xv[q] = dir > 0 ? p->hi[q] : p->lo[q];
      degenerate = 0;
      continue;
    }
    if (r < 0) return LP_UNBOUNDED;
    {
      int leave = p->head[r];
      double a = dir * p->T[(size_t)r * N + q];
      for (i = 0; i < m; i++) p->beta[i] -= t * dir * p->T[(size_t)i * N + q];
      p->xv[leave] = a > 0 ? p->lo[leave] : p->hi[leave];
      p->beta[r] = p->xv[q] + dir * t;
      lp_pivot(p, r, q);
    }
    if (t == 0) {
      if (++degenerate > 50 + m) bland = 1;
    }
    else degenerate = 0;
  }
}

/* the basic solution and the duals from the original data: B xB = b - N xN,
** B' y = c_B (LU of the basis); returns nonzero if B is singular */
static int lp_refine(lua_State *L, LP *p, double *y) {
  int m = p->m, i, k, info;
  double *B, *rhs;
  lapack_int *ipiv;
  if (m == 0) return 0;
  B = opt_work(L, (size_t)m * m + m);
  rhs = B + (size_t)m * m;
  ipiv = (lapack_int *)lua_newuserdatauv(L, sizeof(lapack_int) * (size_t)(m + 1), 0);
  for (i = 0; i < m; i++) {
    double r = lp_rhs(p, i);
    int j;
    for (j = 0; j < p->N; j++)
      if (p->pos[j] < 0 && p->xv[j] != 0) r -= lp_col(p, i, j) * p->xv[j];
    rhs[i] = r;
    for (k = 0; k < m; k++) B[(size_t)i * m + k] = lp_col(p, i, p->head[k]);
  }
  info = LAPACKE_dgetrf(LAPACK_ROW_MAJOR, m, m, B, m, ipiv);
  if (info != 0) { lua_pop(L, 2); return 1; }
  LAPACKE_dgetrs(LAPACK_ROW_MAJOR, 'N', m, 1, B, m, ipiv, rhs, 1);
  for (k = 0; k < m; k++) p->beta[k] = rhs[k];
  for (k = 0; k < m; k++) y[k] = p->cost[p->head[k]];
  LAPACKE_dgetrs(LAPACK_ROW_MAJOR, 'T', m, 1, B, m, ipiv, y, 1);
  lua_pop(L, 2);
  return 0;
}

/* reads an optional matrix (rows x n, rows from its shape) at idx as a
** contiguous float64 array left on the stack; *rows = 0 for nil */
static const double *lp_matrix(lua_State *L, int idx, int n, int *rows, const char *name) {
  Array *a;
  if (lua_isnil(L, idx)) { *rows = 0; lua_pushnil(L); return NULL; }
  lumpy_asarray(L, idx);
  a = lumpy_ascontig(L, idx, LUMPY_FLOAT64);
  if (a->ndim != 2 || a->shape[1] != n) {
    char buf[400];
    lumpy_kerror(L, "lumpy.optimize.linprog: %s must be a 2-d array with %d columns, got shape %s",
               name, n, lumpy_shapestr(buf, a->ndim, a->shape));
  }
  *rows = (int)a->shape[0];
  return (const double *)a->data;
}

static const double *lp_vector(lua_State *L, int idx, int len, const char *name,
                               const char *mname) {
  Array *a;
  if (lua_isnil(L, idx)) {
    if (len > 0) lumpy_kerror(L, "lumpy.optimize.linprog: %s given without %s", mname, name);
    lua_pushnil(L);
    return NULL;
  }
  lumpy_asarray(L, idx);
  a = lumpy_ascontig(L, idx, LUMPY_FLOAT64);
  if (a->ndim > 1 || a->size != len)
    lumpy_kerror(L, "lumpy.optimize.linprog: %s must have %d elements (the rows of %s), got %d",
               name, len, mname, (int)a->size);
  return (const double *)a->data;
}

static void lp_setvec(lua_State *L, const char *k, const double *v, int n) {
  opt_pushvec(L, v, n);
  lua_setfield(L, -2, k);
}

/* _linprog(c, A_ub, b_ub, A_eq, b_eq, lb, ub, maxiter, tol) -> {x, fun,
** slack, con, nit, status, ineqlin, eqlin, lower, upper} */
static int optimize_linprog(lua_State *L) {
  LP lp, *p = &lp;
  Array *ca;
  int n, i, j, status, N;
  double *bnd, *work, *y, *x, *res, *lower, *upper;
  lua_settop(L, 9);
  lumpy_blas_load(L);
  memset(p, 0, sizeof *p);
  lumpy_asarray(L, 1);
  ca = lumpy_ascontig(L, 1, LUMPY_FLOAT64);                 /* 10 */
  if (ca->ndim > 1) luaL_argerror(L, 1, "c must be a 1-d array");
  n = (int)ca->size;
  p->c = (const double *)ca->data;
  if (lua_isnil(L, 2) && !lua_isnil(L, 3))
    lumpy_kerror(L, "lumpy.optimize.linprog: b_ub given without A_ub");
  if (lua_isnil(L, 4) && !lua_isnil(L, 5))
    lumpy_kerror(L, "lumpy.optimize.linprog: b_eq given without A_eq");
  p->Aub = lp_matrix(L, 2, n, &p->mu, "A_ub");             /* 11 */
  p->bub = lp_vector(L, 3, p->mu, "b_ub", "A_ub");         /* 12 */
  p->Aeq = lp_matrix(L, 4, n, &p->me, "A_eq");             /* 13 */
  p->beq = lp_vector(L, 5, p->me, "b_eq", "A_eq");         /* 14 */
  bnd = opt_checkbounds(L, 6, n);
  p->n = n;
  p->m = p->mu + p->me;
  p->N = N = n + p->mu + p->m;
  p->tol = luaL_optnumber(L, 9, 1e-9);
  {
    lua_Integer mi = luaL_optinteger(L, 8, -1);
    p->maxiter = mi < 0 ? 50L * (N + p->m) + 1000 : (long)mi;
  }
  for (i = 0; i < n; i++) {
    double v = p->c[i];
    if (!isfinite(v)) lumpy_kerror(L, "lumpy.optimize.linprog: c must be finite");
  }
  work = opt_work(L, (size_t)p->m * N + 5 * (size_t)N + 4 * (size_t)p->m + 3 * (size_t)n + 1);
  p->T = work;
  p->lo = p->T + (size_t)p->m * N;
  p->hi = p->lo + N; p->cost = p->hi + N; p->xv = p->cost + N; p->d = p->xv + N;
  p->beta = p->d + N; p->sgn = p->beta + p->m; y = p->sgn + p->m;
  x = y + p->m; res = x + n; lower = res + p->m; upper = lower + n;
  p->head = (int *)lua_newuserdatauv(L, sizeof(int) * ((size_t)p->m + N + 1), 0);
  p->pos = p->head + p->m;
  for (i = 0; i < p->m; i++) {
    double b = lp_rhs(p, i);
    if (!isfinite(b)) lumpy_kerror(L, "lumpy.optimize.linprog: b_ub and b_eq must be finite");
    for (j = 0; j < n; j++)
      if (!isfinite(lp_col(p, i, j)))
        lumpy_kerror(L, "lumpy.optimize.linprog: A_ub and A_eq must be finite");
  }
  /* bounds and starting values: x at a finite bound (0 if free), slacks
  ** 0, artificials fixed at 0 unless they start basic */
  for (j = 0; j < N; j++) {
    p->lo[j] = 0; p->hi[j] = INFINITY; p->pos[j] = -1;
  }
  for (j = 0; j < n; j++) {
    p->lo[j] = bnd ? bnd[j] : 0;
    p->hi[j] = bnd ? bnd[n + j] : INFINITY;
    if (p->lo[j] > p->hi[j]) lumpy_kerror(L, "lumpy.optimize.linprog: lower bound %d exceeds the upper bound", j + 1);
    p->xv[j] = isfinite(p->lo[j]) ? p->lo[j] : isfinite(p->hi[j]) ? p->hi[j] : 0;
  }
  /* phase 1 basis: the slack of a <= row whose residual is >= 0, else an
  ** artificial with the residual's sign */
  for (i = 0; i < p->m; i++) {
    double r = lp_rhs(p, i);
    int a = n + p->mu + i;
    for (j = 0; j < n; j++) if (p->xv[j] != 0) r -= lp_col(p, i, j) * p->xv[j];
    p->sgn[i] = r >= 0 ? 1.0 : -1.0;
    p->hi[a] = 0;
    if (i < p->mu && r >= 0) p->head[i] = n + i;
    else { p->head[i] = a; p->hi[a] = INFINITY; p->cost[a] = 1; }
    p->pos[p->head[i]] = i;
    p->beta[i] = fabs(r);
    for (j = 0; j < N; j++) {
      double v = lp_col(p, i, j);
      p->T[(size_t)i * N + j] = p->head[i] == a ? p->sgn[i] * v : v;
    }
  }
  lp_prices(p);
  status = lp_solve(p);
  if (status == LP_OPTIMAL) {
    double infeas = 0, scale = 1;
    for (i = 0; i < p->m; i++) {
      scale = fmax(scale, fabs(lp_rhs(p, i)));
      if (p->head[i] >= n + p->mu) infeas += p->beta[i];
    }
    if (infeas > 1e-7 * scale) status = LP_INFEASIBLE;
  }
  else if (status == LP_UNBOUNDED) status = LP_NUMERICAL;
  if (status == LP_OPTIMAL) {
    /* drive the artificials out of the basis where a pivot allows, fix them
    ** at zero, and run phase 2 on the objective */
    for (i = 0; i < p->m; i++) {
      int a = p->head[i];
      if (a < n + p->mu) continue;
      for (j = 0; j < n + p->mu; j++)
        if (p->pos[j] < 0 && fabs(p->T[(size_t)i * N + j]) > 1e-7) {
          p->xv[a] = 0;
          p->beta[i] = p->xv[j];
          lp_pivot(p, i, j);
          break;
        }
    }
    for (j = n + p->mu; j < N; j++) { p->hi[j] = 0; p->cost[j] = 0; if (p->pos[j] < 0) p->xv[j] = 0; }
    for (j = 0; j < n; j++) p->cost[j] = p->c[j];
    lp_prices(p);
    status = lp_solve(p);
  }
  /* the result */
  lua_createtable(L, 0, 12);
  lua_pushinteger(L, p->nit);
  lua_setfield(L, -2, "nit");
  lua_pushinteger(L, status);
  lua_setfield(L, -2, "status");
  if (status == LP_OPTIMAL || status == LP_ITERLIMIT) {
    double fun = 0;
    int singular = 0;
    if (status == LP_OPTIMAL) singular = lp_refine(L, p, y);
    for (i = 0; i < p->m; i++) p->xv[p->head[i]] = p->beta[i];
    for (j = 0; j < n; j++) { x[j] = p->xv[j]; fun += p->c[j] * x[j]; }
    lp_setvec(L, "x", x, n);
    lua_pushnumber(L, fun);
    lua_setfield(L, -2, "fun");
    for (i = 0; i < p->m; i++) {
      double r = lp_rhs(p, i);
      for (j = 0; j < n; j++) r -= lp_col(p, i, j) * x[j];
      res[i] = r;
    }
    lp_setvec(L, "slack", res, p->mu);
    lp_setvec(L, "con", res + p->mu, p->me);
    if (status == LP_OPTIMAL && !singular) {
      /* marginals: the duals of the rows, the reduced costs at the bounds */
      for (j = 0; j < n; j++) {
        double dj = p->c[j];
        for (i = 0; i < p->m; i++) dj -= lp_col(p, i, j) * y[i];
        lower[j] = upper[j] = 0;
        if (p->pos[j] >= 0) continue;
        if (p->xv[j] == p->hi[j] && p->hi[j] != p->lo[j]) upper[j] = dj;
        else lower[j] = dj;
      }
      lua_createtable(L, 0, 2);
      lp_setvec(L, "residual", res, p->mu);
      lp_setvec(L, "marginals", y, p->mu);
      lua_setfield(L, -2, "ineqlin");
      lua_createtable(L, 0, 2);
      lp_setvec(L, "residual", res + p->mu, p->me);
      lp_setvec(L, "marginals", y + p->mu, p->me);
      lua_setfield(L, -2, "eqlin");
      lua_createtable(L, 0, 1);
      lp_setvec(L, "marginals", lower, n);
      lua_setfield(L, -2, "lower");
      lua_createtable(L, 0, 1);
      lp_setvec(L, "marginals", upper, n);
      lua_setfield(L, -2, "upper");
    }
  }
  return 1;
}

static const luaL_Reg linprog_funcs[] = {
  {"_linprog", optimize_linprog},
  {NULL, NULL}
};

void lumpy_open_opt_linprog(lua_State *L) {
  luaL_setfuncs(L, linprog_funcs, 0);
}
