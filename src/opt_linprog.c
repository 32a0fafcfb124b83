/*
** opt_linprog.c: linear programming, linprog on dense problems.
**
** min c'x subject to A_ub x <= b_ub, A_eq x = b_eq, lb <= x <= ub, by the
** two-phase simplex method on a dense tableau (G. B. Dantzig, Linear
** Programming and Extensions, 1963; Chvatal, Linear Programming, 1983,
** ch. 2-3 and 8). The problem is brought to standard form (shifted and
** split variables, slack variables, upper bounds as rows, nonnegative
** right-hand sides); phase 1 minimises the sum of artificial variables;
** pivots follow Dantzig's largest-coefficient rule and switch to Bland's
** rule after a run of degenerate pivots, which rules out cycling.
*/
#include <math.h>
#include <float.h>
#include "optimize.h"

/* reads a 2-d matrix (rows x n) at idx into a new work array; rows 0 if nil */
static double *checkmat(lua_State *L, int idx, int n, int *rows, const char *what) {
  Array *a;
  double *m;
  char buf[400];
  *rows = 0;
  if (lua_isnil(L, idx)) return NULL;
  lumpy_asarray(L, idx);
  a = lumpy_ascontig(L, idx, LUMPY_FLOAT64);
  if (a->ndim == 1 && n > 0 && a->size == n) *rows = 1;
  else if (a->ndim == 2 && a->shape[1] == n) *rows = (int)a->shape[0];
  else if (a->size == 0) *rows = 0;
  else
    luaL_error(L, "lumpy.optimize.linprog: %s must have %d columns, got shape %s", what, n,
               lumpy_shapestr(buf, a->ndim, a->shape));
  m = opt_work(L, (size_t)*rows * n);
  if (*rows) memcpy(m, a->data, sizeof(double) * (size_t)*rows * n);
  lua_remove(L, -2);
  return m;
}

static double *checkrhs(lua_State *L, int idx, int rows, const char *what) {
  int n;
  double *v;
  if (lua_isnil(L, idx)) {
    if (rows) luaL_error(L, "lumpy.optimize.linprog: %s is missing", what);
    return NULL;
  }
  v = opt_checkx0(L, idx, &n);
  if (n != rows)
    luaL_error(L, "lumpy.optimize.linprog: %s must have %d elements, got %d", what, rows, n);
  return v;
}

typedef struct Tab {
  int m, ncol;         /* rows, columns (without the rhs) */
  double *T;           /* (m + 1) x (ncol + 1): rows then the objective row */
  int *basis;
  long nit, maxiter;
  double tol;
} Tab;

#define TE(t, i, j) ((t)->T[(size_t)(i) * ((t)->ncol + 1) + (j)])

static void pivot(Tab *t, int r, int c) {
  int i, j, w = t->ncol + 1;
  double p = TE(t, r, c);
  for (j = 0; j < w; j++) TE(t, r, j) /= p;
  for (i = 0; i <= t->m; i++) {
    double f;
    if (i == r) continue;
    f = TE(t, i, c);
    if (f == 0) continue;
    for (j = 0; j < w; j++) TE(t, i, j) -= f * TE(t, r, j);
    TE(t, i, c) = 0;
  }
  TE(t, r, c) = 1;
  t->basis[r] = c;
}

/* runs the simplex on the objective row over columns [0, ncols); returns
** 0 optimal, 1 iteration limit, 3 unbounded */
static int simplex(Tab *t, int ncols) {
  int degenerate = 0;
  for (;;) {
    int i, j, c = -1, r = -1, bland = degenerate > 50;
    double best = -t->tol, ratio = INFINITY;
    for (j = 0; j < ncols; j++) {
      double d = TE(t, t->m, j);
      if (d < best) {
        c = j;
        if (bland) break;
        best = d;
      }
    }
    if (c < 0) return 0;
    if (t->nit >= t->maxiter) return 1;
    for (i = 0; i < t->m; i++) {
      double a = TE(t, i, c);
      if (a > t->tol) {
        double q = TE(t, i, t->ncol) / a;
        if (q < ratio - 1e-14 || (fabs(q - ratio) <= 1e-14 && r >= 0 && t->basis[i] < t->basis[r])) {
          ratio = q;
          r = i;
        }
      }
    }
    if (r < 0) return 3;
    degenerate = ratio <= t->tol ? degenerate + 1 : 0;
    pivot(t, r, c);
    t->nit++;
  }
}

static const char *const LP_MSG[] = {
  "Optimization terminated successfully.",
  "The iteration limit was reached.",
  "The problem is infeasible.",
  "The problem is unbounded.",
  "Numerical difficulties encountered.",
};

/* _linprog(c, A_ub, b_ub, A_eq, b_eq, lb, ub, opts) -> result table */
static int optimize_linprog(lua_State *L) {
  int n, mub, meq, i, j, k, nv, m, ncol, status, *kind, *basis;
  double *c, *Aub, *bub, *Aeq, *beq, *lb, *ub, *x, *mem, tol, fun = 0;
  long maxiter;
  Tab t;
  lua_settop(L, 8);
  luaL_checktype(L, 8, LUA_TTABLE);
  c = opt_checkx0(L, 1, &n);
  if (n < 1) return luaL_error(L, "lumpy.optimize.linprog: c must not be empty");
  Aub = checkmat(L, 2, n, &mub, "A_ub");
  bub = checkrhs(L, 3, mub, "b_ub");
  Aeq = checkmat(L, 4, n, &meq, "A_eq");
  beq = checkrhs(L, 5, meq, "b_eq");
  lb = opt_checkx0(L, 6, &k);
  if (k != n) return luaL_error(L, "lumpy.optimize.linprog: bounds must have %d entries", n);
  ub = opt_checkx0(L, 7, &k);
  if (k != n) return luaL_error(L, "lumpy.optimize.linprog: bounds must have %d entries", n);
  tol = opt_optnum(L, 8, "tol", 1e-9);
  maxiter = opt_optint(L, 8, "maxiter", 10000);
  for (i = 0; i < n; i++)
    if (lb[i] > ub[i] || lb[i] == INFINITY || ub[i] == -INFINITY) {
      lua_createtable(L, 0, 8);
      lua_pushinteger(L, 2); lua_setfield(L, -2, "status");
      lua_pushboolean(L, 0); lua_setfield(L, -2, "success");
      lua_pushstring(L, LP_MSG[2]); lua_setfield(L, -2, "message");
      lua_pushinteger(L, 0); lua_setfield(L, -2, "nit");
      return 1;
    }
  /* standard-form variables: kind 0 shift (x = l + y), 1 mirrored (x = u - y),
  ** 2 free (x = y+ - y-, the second in column n + extra) */
  kind = (int *)opt_work(L, (size_t)n);
  nv = n;
  for (i = 0; i < n; i++) {
    if (isfinite(lb[i])) kind[i] = 0;
    else if (isfinite(ub[i])) kind[i] = 1;
    else { kind[i] = 2; nv++; }
  }
  /* rows: ub rows, bound rows (shifted with finite upper), eq rows */
  {
    int nbr = 0;
    for (i = 0; i < n; i++) if (kind[i] == 0 && isfinite(ub[i])) nbr++;
    m = mub + nbr + meq;
    /* columns: nv structural, one slack per <= row, one artificial per row */
    ncol = nv + mub + nbr + m;
    mem = opt_work(L, (size_t)(m + 1) * (ncol + 1));
    t.T = mem;
    basis = (int *)opt_work(L, (size_t)m + 1);
    x = opt_work(L, (size_t)n);
    t.m = m; t.ncol = ncol; t.basis = basis; t.nit = 0; t.maxiter = maxiter; t.tol = tol;
    {
      int row = 0, extra = n, slack = nv;
      double *colmap;        /* coefficient sign per structural column */
      int *free2 = (int *)opt_work(L, (size_t)n);
      colmap = opt_work(L, (size_t)nv);
      for (i = 0; i < n; i++) {
        colmap[i] = kind[i] == 1 ? -1 : 1;
        if (kind[i] == 2) { free2[i] = extra; colmap[extra] = -1; extra++; }
        else free2[i] = -1;
      }
#define SETROW(A, bvec, r0, nrows, isle) \
      for (k = 0; k < (nrows); k++, row++) { \
        double rhs = (bvec)[k]; \
        for (i = 0; i < n; i++) { \
          double a = (A)[(size_t)((r0) + k) * n + i]; \
          if (a == 0) continue; \
          if (kind[i] == 0) rhs -= a * lb[i]; else if (kind[i] == 1) rhs -= a * ub[i]; \
          TE(&t, row, i) = a * colmap[i]; \
          if (free2[i] >= 0) TE(&t, row, free2[i]) = -a; \
        } \
        if (isle) TE(&t, row, slack++) = 1; \
        TE(&t, row, ncol) = rhs; \
      }
      SETROW(Aub, bub, 0, mub, 1)
      for (i = 0; i < n; i++)
        if (kind[i] == 0 && isfinite(ub[i])) {
          TE(&t, row, i) = 1;
          TE(&t, row, slack++) = 1;
          TE(&t, row, ncol) = ub[i] - lb[i];
          row++;
        }
      SETROW(Aeq, beq, 0, meq, 0)
#undef SETROW
      /* nonnegative right-hand sides, artificial basis, phase-1 objective */
      for (i = 0; i < m; i++)
        if (TE(&t, i, ncol) < 0)
          for (j = 0; j <= ncol; j++) TE(&t, i, j) = -TE(&t, i, j);
      for (i = 0; i < m; i++) {
        int a = ncol - m + i;
        TE(&t, i, a) = 1;
        basis[i] = a;
      }
      for (j = 0; j <= ncol; j++) {
        double s = 0;
        if (j >= ncol - m && j < ncol) continue;
        for (i = 0; i < m; i++) s += TE(&t, i, j);
        TE(&t, m, j) = -s;
      }
      status = simplex(&t, ncol - m);
      if (status == 0) {       /* the remaining infeasibility, relative to b */
        double scale = 1;
        for (i = 0; i < mub; i++) scale = fmax(scale, fabs(bub[i]));
        for (i = 0; i < meq; i++) scale = fmax(scale, fabs(beq[i]));
        if (-TE(&t, m, ncol) > 1e3 * tol * scale) status = 2;
      }
      if (status == 0) {
        /* drive artificial variables out of the basis */
        for (i = 0; i < m; i++) {
          if (basis[i] < ncol - m) continue;
          for (j = 0; j < ncol - m; j++)
            if (fabs(TE(&t, i, j)) > tol) { pivot(&t, i, j); break; }
        }
        /* phase 2: the real objective over the structural and slack columns */
        for (j = 0; j <= ncol; j++) TE(&t, m, j) = 0;
        for (i = 0; i < n; i++) {
          TE(&t, m, i) = c[i] * colmap[i];
          if (free2[i] >= 0) TE(&t, m, free2[i]) = -c[i];
        }
        for (i = 0; i < m; i++) {
          double f = TE(&t, m, basis[i]);
          if (f == 0 || basis[i] >= ncol - m) continue;
          for (j = 0; j <= ncol; j++) TE(&t, m, j) -= f * TE(&t, i, j);
        }
        status = simplex(&t, ncol - m);
      }
      /* read x back */
      {
        double *y = opt_work(L, (size_t)ncol);
        for (i = 0; i < m; i++) if (basis[i] < ncol) y[basis[i]] = TE(&t, i, ncol);
        for (i = 0; i < n; i++) {
          if (kind[i] == 0) x[i] = lb[i] + y[i];
          else if (kind[i] == 1) x[i] = ub[i] - y[i];
          else x[i] = y[i] - y[free2[i]];
          fun += c[i] * x[i];
        }
      }
    }
  }
  lua_createtable(L, 0, 9);
  opt_pushvec(L, x, n); lua_setfield(L, -2, "x");
  lua_pushnumber(L, status == 0 || status == 1 ? fun : NAN); lua_setfield(L, -2, "fun");
  {
    double *sl = opt_work(L, (size_t)(mub + meq + 1));
    for (k = 0; k < mub; k++) {
      double s = bub[k];
      for (i = 0; i < n; i++) s -= Aub[(size_t)k * n + i] * x[i];
      sl[k] = s;
    }
    opt_pushvec(L, sl, mub); lua_setfield(L, -3, "slack");
    for (k = 0; k < meq; k++) {
      double s = beq[k];
      for (i = 0; i < n; i++) s -= Aeq[(size_t)k * n + i] * x[i];
      sl[k] = s;
    }
    opt_pushvec(L, sl, meq); lua_setfield(L, -3, "con");
    lua_pop(L, 1);
  }
  lua_pushinteger(L, t.nit); lua_setfield(L, -2, "nit");
  lua_pushinteger(L, status); lua_setfield(L, -2, "status");
  lua_pushboolean(L, status == 0); lua_setfield(L, -2, "success");
  lua_pushstring(L, LP_MSG[status]); lua_setfield(L, -2, "message");
  return 1;
}

static const luaL_Reg linprog_funcs[] = {
  {"_linprog", optimize_linprog},
  {NULL, NULL}
};

void lumpy_open_opt_linprog(lua_State *L) {
  luaL_setfuncs(L, linprog_funcs, 0);
}
