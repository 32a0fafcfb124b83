/*
** int_ode.c: initial value problems: the solve_ivp driver (steps, t_eval,
** dense output, events) and the explicit Runge-Kutta methods.
**
** The driver follows scipy.integrate.solve_ivp's documented behaviour
** (which points are reported, how events are located and when they end the
** integration). The explicit methods:
**   RK23: P. Bogacki, L. F. Shampine, "A 3(2) pair of Runge-Kutta formulas",
**         Appl. Math. Lett. 2 (1989), with its cubic Hermite dense output.
**   RK45: J. R. Dormand, P. J. Prince, "A family of embedded Runge-Kutta
**         formulae", J. Comp. Appl. Math. 6 (1980); dense output from
**         L. F. Shampine, "Some practical Runge-Kutta formulas", Math. Comp.
**         46 (1986).
**   DOP853: E. Hairer, S. P. Norsett, G. Wanner, "Solving Ordinary
**         Differential Equations I", 2nd ed., Springer 1993, section II.10
**         (the 8(5,3) pair and its 7th order dense output).
** Step size control: the standard controller of Hairer-Norsett-Wanner I,
** II.4 (safety 0.9, factor limits 0.2 and 10, no growth right after a
** rejection), the initial step from the same section, as SciPy uses them.
**
** Every buffer is Lua-owned (userdata in fixed stack slots), so an error in
** a user function unwinds without leaks.
*/
#include <float.h>
#include <math.h>
#include "int.h"

#define SOLVE_IVP "lumpy.integrate.solve_ivp"
#define SOLUTION_MT "lumpy.odesolution"

#define SAFETY 0.9
#define MIN_FACTOR 0.2
#define MAX_FACTOR 10.0

/* ---------------------------------------------------------------------- */
/* common helpers                                                          */
/* ---------------------------------------------------------------------- */

void lumpy_ode_fun(lumpy_Ode *o, double t, const double *y, double *out) {
  lumpy_fn_callt(&o->fn, t, o->tfirst, y, o->n, 1);
  lumpy_fn_checkvector(&o->fn, -1, out, o->n, "the right-hand side");
  lua_pop(o->L, 1);
  o->nfev++;
}

double lumpy_ode_norm(const double *x, int n) {
  double s = 0.0;
  int i;
  if (n == 0) return 0.0;
  for (i = 0; i < n; i++) s += x[i] * x[i];
  return sqrt(s / n);
}

double lumpy_ode_initial_step(lumpy_Ode *o, const double *f0, int order, double *y1,
                              double *f1) {
  int n = o->n, i;
  double d0 = 0.0, d1 = 0.0, d2 = 0.0, h0, h1;
  if (n == 0) return INFINITY;
  for (i = 0; i < n; i++) {
    double sc = o->atol[i] + fabs(o->y[i]) * o->rtol;
    d0 += (o->y[i] / sc) * (o->y[i] / sc);
    d1 += (f0[i] / sc) * (f0[i] / sc);
  }
  d0 = sqrt(d0 / n);
  d1 = sqrt(d1 / n);
  h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
  for (i = 0; i < n; i++) y1[i] = o->y[i] + h0 * o->direction * f0[i];
  lumpy_ode_fun(o, o->t + h0 * o->direction, y1, f1);
  for (i = 0; i < n; i++) {
    double sc = o->atol[i] + fabs(o->y[i]) * o->rtol, v = (f1[i] - f0[i]) / sc;
    d2 += v * v;
  }
  d2 = sqrt(d2 / n) / h0;
  if (d1 <= 1e-15 && d2 <= 1e-15) h1 = fmax(1e-6, h0 * 1e-3);
  else h1 = pow(0.01 / fmax(d1, d2), 1.0 / (order + 1));
  return fmin(100.0 * h0, h1);
}

/* ---------------------------------------------------------------------- */
/* explicit Runge-Kutta                                                    */
/* ---------------------------------------------------------------------- */

typedef struct Tableau {
  int order, errorder, nstages, lda, np;
  const double *c, *a, *b, *e, *p;     /* a: rows of lda; p: (nstages+1) x np */
} Tableau;

static const double rk23_c[3] = {0, 1.0 / 2, 3.0 / 4};
static const double rk23_a[9] = {0, 0, 0, 1.0 / 2, 0, 0, 0, 3.0 / 4, 0};
static const double rk23_b[3] = {2.0 / 9, 1.0 / 3, 4.0 / 9};
static const double rk23_e[4] = {5.0 / 72, -1.0 / 12, -1.0 / 9, 1.0 / 8};
static const double rk23_p[12] = {
  1, -4.0 / 3, 5.0 / 9,
  0, 1, -2.0 / 3,
  0, 4.0 / 3, -8.0 / 9,
  0, -1, 1
};
static const Tableau rk23 = {3, 2, 3, 3, 3, rk23_c, rk23_a, rk23_b, rk23_e, rk23_p};

static const double rk45_c[6] = {0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1};
static const double rk45_a[30] = {
  0, 0, 0, 0, 0,
  1.0 / 5, 0, 0, 0, 0,
  3.0 / 40, 9.0 / 40, 0, 0, 0,
  44.0 / 45, -56.0 / 15, 32.0 / 9, 0, 0,
  19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729, 0,
  9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656
};
static const double rk45_b[6] = {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784,
                                 11.0 / 84};
static const double rk45_e[7] = {-71.0 / 57600, 0, 71.0 / 16695, -71.0 / 1920,
                                 17253.0 / 339200, -22.0 / 525, 1.0 / 40};
static const double rk45_p[28] = {
  1, -8048581381.0 / 2820520608, 8663915743.0 / 2820520608, -12715105075.0 / 11282082432,
  0, 0, 0, 0,
  0, 131558114200.0 / 32700410799, -68118460800.0 / 10900136933,
  87487479700.0 / 32700410799,
  0, -1754552775.0 / 470086768, 14199869525.0 / 1410260304, -10690763975.0 / 1880347072,
  0, 127303824393.0 / 49829197408, -318862633887.0 / 49829197408,
  701980252875.0 / 199316789632,
  0, -282668133.0 / 205662961, 2019193451.0 / 616988883, -1453857185.0 / 822651844,
  0, 40617522.0 / 29380423, -110615467.0 / 29380423, 69997945.0 / 29380423
};
static const Tableau rk45 = {5, 4, 6, 5, 4, rk45_c, rk45_a, rk45_b, rk45_e, rk45_p};

#include "int_dop853.h"
static const Tableau dop853 = {8, 7, 12, 16, 0, dop_c, &dop_a[0][0], dop_b, NULL, NULL};

/* method state: K ((stages+1) x n; 16 x n for DOP853), y_new, f_new, scale */
typedef struct RK {
  const Tableau *tab;
  double *K, *ynew, *fnew, *scale, *e3, *e5;
} RK;

static int rk_rows(const Tableau *tab) { return tab == &dop853 ? 16 : tab->nstages + 1; }

static size_t rk_worksize_tab(const Tableau *tab, int n) {
  return sizeof(RK) + sizeof(double) * (size_t)n * (size_t)(rk_rows(tab) + 5);
}
static size_t rk23_worksize(int n) { return rk_worksize_tab(&rk23, n); }
static size_t rk45_worksize(int n) { return rk_worksize_tab(&rk45, n); }
static size_t dop853_worksize(int n) { return rk_worksize_tab(&dop853, n); }

static void rk_init_tab(lumpy_Ode *o, const Tableau *tab) {
  RK *r = (RK *)o->ms;
  int n = o->n;
  r->tab = tab;
  r->K = (double *)(r + 1);
  r->ynew = r->K + (size_t)n * rk_rows(tab);
  r->fnew = r->ynew + n;
  r->scale = r->fnew + n;
  r->e3 = r->scale + n;
  r->e5 = r->e3 + n;
  lumpy_ode_fun(o, o->t, o->y, o->f);
  if (o->first_step > 0) o->h_abs = o->first_step;
  else o->h_abs = lumpy_ode_initial_step(o, o->f, tab->errorder, r->ynew, r->fnew);
}
static void rk23_init(lumpy_Ode *o) { rk_init_tab(o, &rk23); }
static void rk45_init(lumpy_Ode *o) { rk_init_tab(o, &rk45); }
static void dop853_init(lumpy_Ode *o) { rk_init_tab(o, &dop853); }

/* stages 1 .. last-1 of the tableau from K[0] at (t, y) with step h */
static void rk_stages(lumpy_Ode *o, RK *r, int first, int last, double t, const double *y,
                      double h) {
  const Tableau *tab = r->tab;
  int n = o->n, s, j, i;
  double *K = r->K, *tmp = o->tmp;
  for (s = first; s < last; s++) {
    const double *a = tab->a + (size_t)s * tab->lda;
    for (i = 0; i < n; i++) {
      double dy = 0.0;
      for (j = 0; j < s; j++) dy += K[(size_t)j * n + i] * a[j];
      tmp[i] = y[i] + dy * h;
    }
    lumpy_ode_fun(o, t + tab->c[s] * h, tmp, K + (size_t)s * n);
  }
}

static double rk_error_norm(lumpy_Ode *o, RK *r, double h) {
  const Tableau *tab = r->tab;
  int n = o->n, ns = tab->nstages, i, j;
  const double *K = r->K, *sc = r->scale;
  if (tab == &dop853) {
    double n5 = 0.0, n3 = 0.0, den;
    for (i = 0; i < n; i++) {
      double e5 = 0.0, e3 = 0.0;
      for (j = 0; j <= ns; j++) {
        e5 += K[(size_t)j * n + i] * dop_e5[j];
        e3 += K[(size_t)j * n + i] * dop_e3[j];
      }
      e5 /= sc[i];
      e3 /= sc[i];
      n5 += e5 * e5;
      n3 += e3 * e3;
    }
    if (n5 == 0.0 && n3 == 0.0) return 0.0;
    den = n5 + 0.01 * n3;
    return fabs(h) * n5 / sqrt(den * n);
  }
  for (i = 0; i < n; i++) {
    double e = 0.0;
    for (j = 0; j <= ns; j++) e += K[(size_t)j * n + i] * tab->e[j];
    e = e * h / sc[i];
    r->e3[i] = e;
  }
  return lumpy_ode_norm(r->e3, n);
}

static int rk_step(lumpy_Ode *o, const char **msg) {
  RK *r = (RK *)o->ms;
  const Tableau *tab = r->tab;
  int n = o->n, ns = tab->nstages, i, j, rejected = 0;
  double t = o->t, *y = o->y, *K = r->K, h, t_new, h_abs = o->h_abs;
  double min_step = 10.0 * fabs(nextafter(t, o->direction * INFINITY) - t);
  double errexp = -1.0 / (tab->errorder + 1);
  if (h_abs > o->max_step) h_abs = o->max_step;
  else if (h_abs < min_step) h_abs = min_step;
  for (;;) {
    double err;
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
    memcpy(K, o->f, sizeof(double) * (size_t)n);
    rk_stages(o, r, 1, ns, t, y, h);
    for (i = 0; i < n; i++) {
      double s = 0.0;
      for (j = 0; j < ns; j++) s += K[(size_t)j * n + i] * tab->b[j];
      r->ynew[i] = y[i] + h * s;
    }
    lumpy_ode_fun(o, t + h, r->ynew, r->fnew);
    memcpy(K + (size_t)ns * n, r->fnew, sizeof(double) * (size_t)n);
    for (i = 0; i < n; i++)
      r->scale[i] = o->atol[i] + fmax(fabs(y[i]), fabs(r->ynew[i])) * o->rtol;
    err = rk_error_norm(o, r, h);
    if (err < 1.0) {
      double factor = err == 0.0 ? MAX_FACTOR : fmin(MAX_FACTOR, SAFETY * pow(err, errexp));
      if (rejected) factor = fmin(1.0, factor);
      h_abs *= factor;
      break;
    }
    h_abs *= fmax(MIN_FACTOR, SAFETY * pow(err, errexp));
    rejected = 1;
  }
  o->h_previous = h;
  memcpy(o->y_old, y, sizeof(double) * (size_t)n);
  memcpy(y, r->ynew, sizeof(double) * (size_t)n);
  memcpy(o->f, r->fnew, sizeof(double) * (size_t)n);
  o->t = t_new;
  o->h_abs = h_abs;
  return 1;
}

/* records: t_old, t, y_old (n), then Q (n x np) for RK23/RK45, or F
** (7 x n) for DOP853 */
static int rk23_reclen(int n) { return 2 + n + n * 3; }
static int rk45_reclen(int n) { return 2 + n + n * 4; }
static int dop853_reclen(int n) { return 2 + n + n * 7; }

static void rk_dense(lumpy_Ode *o, double *rec) {
  RK *r = (RK *)o->ms;
  const Tableau *tab = r->tab;
  int n = o->n, i, j, k;
  double *q = rec + 2 + n;
  rec[0] = o->t_old;
  rec[1] = o->t;
  memcpy(rec + 2, o->y_old, sizeof(double) * (size_t)n);
  for (i = 0; i < n; i++)
    for (k = 0; k < tab->np; k++) {
      double s = 0.0;
      for (j = 0; j <= tab->nstages; j++)
        s += r->K[(size_t)j * n + i] * tab->p[j * tab->np + k];
      q[(size_t)i * tab->np + k] = s;
    }
}

static void rk_eval_np(const double *rec, int n, double t, double *y, int np) {
  double h = rec[1] - rec[0], x = (t - rec[0]) / h;
  const double *yo = rec + 2, *q = rec + 2 + n;
  int i, k;
  for (i = 0; i < n; i++) {
    double s = 0.0, p = 1.0;
    for (k = 0; k < np; k++) {
      p *= x;
      s += q[(size_t)i * np + k] * p;
    }
    y[i] = h * s + yo[i];
  }
}
static void rk23_eval(const double *rec, int n, double t, double *y) {
  rk_eval_np(rec, n, t, y, 3);
}
static void rk45_eval(const double *rec, int n, double t, double *y) {
  rk_eval_np(rec, n, t, y, 4);
}

static void dop853_dense(lumpy_Ode *o, double *rec) {
  RK *r = (RK *)o->ms;
  int n = o->n, i, j, k;
  double h = o->h_previous, *K = r->K, *F = rec + 2 + n;
  /* the three extra stages */
  rk_stages(o, r, dop853.nstages + 1, 16, o->t_old, o->y_old, h);
  rec[0] = o->t_old;
  rec[1] = o->t;
  memcpy(rec + 2, o->y_old, sizeof(double) * (size_t)n);
  for (i = 0; i < n; i++) {
    double dy = o->y[i] - o->y_old[i], f_old = K[i];
    F[i] = dy;
    F[(size_t)n + i] = h * f_old - dy;
    F[(size_t)2 * n + i] = 2.0 * dy - h * (o->f[i] + f_old);
  }
  for (k = 0; k < 4; k++)
    for (i = 0; i < n; i++) {
      double s = 0.0;
      for (j = 0; j < 16; j++) s += dop_d[k][j] * K[(size_t)j * n + i];
      F[(size_t)(3 + k) * n + i] = h * s;
    }
}

static void dop853_eval(const double *rec, int n, double t, double *y) {
  double x = (t - rec[0]) / (rec[1] - rec[0]);
  const double *F = rec + 2 + n;
  int i, k;
  for (i = 0; i < n; i++) {
    double s = 0.0;
    for (k = 0; k < 7; k++) {
      s += F[(size_t)(6 - k) * n + i];
      s *= (k % 2 == 0) ? x : 1.0 - x;
    }
    y[i] = s + rec[2 + i];
  }
}

static const lumpy_OdeMethod m_rk23 = {
  "RK23", rk23_worksize, rk23_init, rk_step, rk_dense, rk23_reclen, rk23_eval
};
static const lumpy_OdeMethod m_rk45 = {
  "RK45", rk45_worksize, rk45_init, rk_step, rk_dense, rk45_reclen, rk45_eval
};
static const lumpy_OdeMethod m_dop853 = {
  "DOP853", dop853_worksize, dop853_init, rk_step, dop853_dense, dop853_reclen, dop853_eval
};

static const lumpy_OdeMethod *const methods[] = {
  &m_rk23, &m_rk45, &m_dop853, &lumpy_ode_radau, &lumpy_ode_bdf, &lumpy_ode_lsoda, NULL
};

/* ---------------------------------------------------------------------- */
/* dense output objects                                                    */
/* ---------------------------------------------------------------------- */

/* evaluates a record; a step of zero length is constant */
static void rec_eval(const lumpy_OdeMethod *m, const double *rec, int n, double t,
                     double *y) {
  if (rec[0] == rec[1]) memcpy(y, rec + 2, sizeof(double) * (size_t)n);
  else m->eval(rec, n, t, y);
}

/* the OdeSolution userdata: uservalue 1 the segment times (nseg + 1
** doubles), 2 the records (nseg of reclen doubles) */
typedef struct Solution {
  const lumpy_OdeMethod *m;
  int n, reclen;
  int64_t nseg;
  const double *ts, *recs;
} Solution;

static const double *sol_segment(const Solution *s, double t) {
  int64_t lo = 0, hi = s->nseg + 1, ind, seg;
  int asc = s->ts[s->nseg] >= s->ts[0];
  /* searchsorted over the ascending times: left side when ascending */
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    double v = asc ? s->ts[mid] : s->ts[s->nseg - mid];
    if (asc ? v < t : v <= t) lo = mid + 1;
    else hi = mid;
  }
  ind = lo;
  seg = ind - 1;
  if (seg < 0) seg = 0;
  if (seg > s->nseg - 1) seg = s->nseg - 1;
  if (!asc) seg = s->nseg - 1 - seg;
  return s->recs + (size_t)seg * s->reclen;
}

/* sol(t): a float64 array of n values for a number t; an n x k array for an
** array or table of k times */
static int sol_call(lua_State *L) {
  Solution *s = (Solution *)luaL_checkudata(L, 1, SOLUTION_MT);
  int64_t sh[2];
  if (lua_type(L, 2) == LUA_TNUMBER) {
    Array *y;
    sh[0] = s->n;
    y = lumpy_newarray(L, LUMPY_FLOAT64, 1, sh, 0);
    rec_eval(s->m, sol_segment(s, lua_tonumber(L, 2)), s->n, lua_tonumber(L, 2),
             (double *)y->data);
    return 1;
  }
  else {
    Array *t, *y, *tc;
    double *col;
    int64_t k, i;
    t = lumpy_asarray(L, 2);
    if (t->ndim != 1) return luaL_argerror(L, 2, "number or 1-d array expected");
    tc = lumpy_ascontig(L, 2, LUMPY_FLOAT64);
    sh[0] = s->n;
    sh[1] = k = tc->size;
    y = lumpy_newarray(L, LUMPY_FLOAT64, 2, sh, 0);
    col = (double *)lua_newuserdatauv(L, sizeof(double) * (size_t)(s->n + 1), 0);
    for (i = 0; i < k; i++) {
      double ti = ((double *)tc->data)[i];
      int j;
      rec_eval(s->m, sol_segment(s, ti), s->n, ti, col);
      for (j = 0; j < s->n; j++) ((double *)y->data)[(size_t)j * k + i] = col[j];
    }
    lua_pop(L, 1);
    return 1;
  }
}

static int sol_index(lua_State *L) {
  Solution *s = (Solution *)luaL_checkudata(L, 1, SOLUTION_MT);
  const char *k = luaL_checkstring(L, 2);
  double a = s->ts[0], b = s->ts[s->nseg];
  if (strcmp(k, "t_min") == 0) lua_pushnumber(L, fmin(a, b));
  else if (strcmp(k, "t_max") == 0) lua_pushnumber(L, fmax(a, b));
  else if (strcmp(k, "n_segments") == 0) lua_pushinteger(L, s->nseg);
  else if (strcmp(k, "ts") == 0) {
    int64_t len = s->nseg + 1;
    Array *a2 = lumpy_newarray(L, LUMPY_FLOAT64, 1, &len, 0);
    memcpy(a2->data, s->ts, sizeof(double) * (size_t)len);
  }
  else lua_pushnil(L);
  return 1;
}

static int sol_tostring(lua_State *L) {
  Solution *s = (Solution *)luaL_checkudata(L, 1, SOLUTION_MT);
  lua_pushfstring(L, "OdeSolution(%s, %d segments)", s->m->name, (int)s->nseg);
  return 1;
}

/* ---------------------------------------------------------------------- */
/* growing Lua-owned buffers                                               */
/* ---------------------------------------------------------------------- */

typedef struct Buf {
  int slot;
  double *p;
  size_t len, cap;
} Buf;

static void buf_init(lua_State *L, Buf *b, size_t cap) {
  if (cap < 16) cap = 16;
  b->p = (double *)lua_newuserdatauv(L, sizeof(double) * cap, 0);
  b->slot = lua_gettop(L);
  b->len = 0;
  b->cap = cap;
}

/* room for extra more doubles; returns where they go (and counts them) */
static double *buf_add(lua_State *L, Buf *b, size_t extra) {
  double *at;
  if (b->len + extra > b->cap) {
    size_t cap = b->cap * 2;
    double *p;
    if (cap < b->len + extra) cap = b->len + extra;
    p = (double *)lua_newuserdatauv(L, sizeof(double) * cap, 0);
    memcpy(p, b->p, sizeof(double) * b->len);
    lua_replace(L, b->slot);
    b->p = p;
    b->cap = cap;
  }
  at = b->p + b->len;
  b->len += extra;
  return at;
}

/* ---------------------------------------------------------------------- */
/* events                                                                  */
/* ---------------------------------------------------------------------- */

typedef struct Events {
  int ne;
  lumpy_Fn *fn;          /* ne callables */
  int *terminal;
  double *direction, *g, *gnew, *root;
  int *act;
  int tslot, yslot;      /* tables of t_events / y_events (flat) per event */
} Events;

static double event_value(lumpy_Ode *o, lumpy_Fn *f, double t, const double *y) {
  double v;
  lumpy_fn_callt(f, t, o->tfirst, y, o->n, 1);
  v = lumpy_fn_checknumber(f, -1, "an event function's value");
  lua_pop(o->L, 1);
  return v;
}

static double event_at(lumpy_Ode *o, lumpy_Fn *f, const double *rec, double t, double *y) {
  rec_eval(o->m, rec, o->n, t, y);
  return event_value(o, f, t, y);
}

/* Brent's method (R. P. Brent, "Algorithms for Minimization without
** Derivatives", 1973, ch. 4) on [xa, xb], stopping at SciPy's tolerance for
** events: |step| <= (xtol + rtol |x|) / 2 with xtol = rtol = 4 eps */
static double event_root(lumpy_Ode *o, lumpy_Fn *f, const double *rec, double xa,
                         double xb, double *y) {
  const double xtol = 4 * DBL_EPSILON, rtol = 4 * DBL_EPSILON;
  double a = xa, b = xb, c, fa, fb, fc, d, e;
  int it;
  fa = event_at(o, f, rec, a, y);
  fb = event_at(o, f, rec, b, y);
  if (fa == 0.0) return a;
  if (fb == 0.0) return b;
  if ((fa > 0) == (fb > 0)) return fabs(fa) < fabs(fb) ? a : b;
  c = a; fc = fa; d = e = b - a;
  for (it = 0; it < 200; it++) {
    double tol, m;
    if ((fb > 0) == (fc > 0)) { c = a; fc = fa; d = e = b - a; }
    if (fabs(fc) < fabs(fb)) {
      a = b; b = c; c = a;
      fa = fb; fb = fc; fc = fa;
    }
    tol = 0.5 * (xtol + rtol * fabs(b));
    m = 0.5 * (c - b);
    if (fabs(m) <= tol || fb == 0.0) break;
    if (fabs(e) < tol || fabs(fa) <= fabs(fb)) d = e = m;
    else {
      double s = fb / fa, p, q, r;
      if (a == c) {           /* secant */
        p = 2.0 * m * s;
        q = 1.0 - s;
      }
      else {                  /* inverse quadratic interpolation */
        q = fa / fc;
        r = fb / fc;
        p = s * (2.0 * m * q * (q - r) - (b - a) * (r - 1.0));
        q = (q - 1.0) * (r - 1.0) * (s - 1.0);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2.0 * p < fmin(3.0 * m * q - fabs(tol * q), fabs(e * q))) {
        e = d;
        d = p / q;
      }
      else d = e = m;
    }
    a = b;
    fa = fb;
    b += fabs(d) > tol ? d : (m > 0 ? tol : -tol);
    fb = event_at(o, f, rec, b, y);
  }
  return b;
}

/* appends an event's (t, y) to its tables */
static void event_record(lumpy_Ode *o, Events *ev, int k, double t, const double *y) {
  lua_State *L = o->L;
  int i, len;
  lua_rawgeti(L, ev->tslot, k + 1);
  lua_pushnumber(L, t);
  lua_rawseti(L, -2, (lua_Integer)lua_rawlen(L, -2) + 1);
  lua_pop(L, 1);
  lua_rawgeti(L, ev->yslot, k + 1);
  len = (int)lua_rawlen(L, -1);
  for (i = 0; i < o->n; i++) {
    lua_pushnumber(L, y[i]);
    lua_rawseti(L, -2, len + i + 1);
  }
  lua_pop(L, 1);
}

/* ---------------------------------------------------------------------- */
/* the driver                                                              */
/* ---------------------------------------------------------------------- */

/* pushes a float64 array (rows x cols) from row-major data, transposed when
** transpose (so rows x cols data gives a cols x rows array) */
static void push_matrix(lua_State *L, const double *p, int64_t rows, int64_t cols,
                        int transpose) {
  int64_t sh[2], i, j;
  Array *a;
  sh[0] = transpose ? cols : rows;
  sh[1] = transpose ? rows : cols;
  a = lumpy_newarray(L, LUMPY_FLOAT64, 2, sh, 0);
  for (i = 0; i < rows; i++)
    for (j = 0; j < cols; j++) {
      double v = p[(size_t)i * cols + j];
      if (transpose) ((double *)a->data)[(size_t)j * rows + i] = v;
      else ((double *)a->data)[(size_t)i * cols + j] = v;
    }
}

static const char *const status_messages[] = {
  "The solver successfully reached the end of the integration interval.",
  "A termination event occurred."
};

/*
** solve_ivp(fun, t0, tf, y0, opts) -> result table (without the Lua-side
** conversions). opts (normalised by integrate.lua): method, rtol, atol (a
** number or a float64 array of n), max_step, first_step, t_eval (a float64
** array sorted in the direction of integration), dense_output, events (a
** list of {fun, terminal, direction}), args, jac, tfirst (false: fun(y, t)).
*/
static int ivp_run(lua_State *L) {
  lumpy_Ode *o;
  Events ev;
  Buf ts, ys, tsol, recs, step;
  Array *y0a, *te = NULL;
  const lumpy_OdeMethod *m = NULL;
  const char *mname, *msg = NULL;
  int n, i, dense, status = 2;
  int64_t ite = 0, nte = 0;
  double t0 = luaL_checknumber(L, 2), tf = luaL_checknumber(L, 3), *yev;
  lua_settop(L, 5);
  luaL_checktype(L, 5, LUA_TTABLE);
  y0a = lumpy_ascontig(L, 4, LUMPY_FLOAT64);
  lua_replace(L, 4);
  n = (int)y0a->size;
  lua_getfield(L, 5, "method");
  mname = luaL_optstring(L, -1, "RK45");
  for (i = 0; methods[i]; i++)
    if (strcmp(methods[i]->name, mname) == 0) m = methods[i];
  if (m == NULL) return lumpy_kerror(L, "%s: unknown method '%s'", SOLVE_IVP, mname);
  lua_pop(L, 1);
  o = (lumpy_Ode *)lua_newuserdatauv(L, sizeof(lumpy_Ode) +
        sizeof(double) * (size_t)(5 * n + 8) + m->worksize(n) + 16, 0);
  memset(o, 0, sizeof *o);
  o->L = L;
  o->m = m;
  o->n = n;
  lua_getfield(L, 5, "tfirst");
  o->tfirst = lua_isnil(L, -1) || lua_toboolean(L, -1);
  lua_pop(L, 1);
  lumpy_fn_init(L, &o->fn, 1, 5, SOLVE_IVP);
  o->fn.unprotected = 1;
  o->y = (double *)(o + 1);
  o->y_old = o->y + n;
  o->f = o->y_old + n;
  o->atol = o->f + n;
  o->tmp = o->atol + n;
  o->ms = (void *)(((uintptr_t)(o->tmp + n + 8) + 15) & ~(uintptr_t)15);
  memcpy(o->y, y0a->data, sizeof(double) * (size_t)n);
  o->t = t0;
  o->t_bound = tf;
  o->direction = tf != t0 ? (tf > t0 ? 1.0 : -1.0) : 1.0;
  o->rtol = lumpy_int_optnum(L, 5, "rtol", 1e-3);
  o->max_step = lumpy_int_optnum(L, 5, "max_step", INFINITY);
  o->first_step = lumpy_int_optnum(L, 5, "first_step", 0.0);
  lua_getfield(L, 5, "atol");
  if (lua_type(L, -1) == LUA_TNUMBER || lua_isnil(L, -1)) {
    double a = luaL_optnumber(L, -1, 1e-6);
    for (i = 0; i < n; i++) o->atol[i] = a;
  }
  else {
    Array *a = lumpy_checkarray(L, -1);
    if (a->size != n || a->dtype != LUMPY_FLOAT64)
      return lumpy_kerror(L, "%s: atol must be a number or have %d values", SOLVE_IVP, n);
    lumpy_ascontig(L, -1, LUMPY_FLOAT64);
    memcpy(o->atol, lumpy_checkarray(L, -1)->data, sizeof(double) * (size_t)n);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  lua_getfield(L, 5, "jac");
  if (!lua_isnil(L, -1)) {
    o->jacidx = lua_gettop(L);
    if (lua_isfunction(L, -1) || luaL_testudata(L, -1, CFUNC_MT) ||
        (luaL_getmetafield(L, -1, "__call") && (lua_pop(L, 1), 1))) {
      lumpy_fn_init(L, &o->jac, o->jacidx, 5, SOLVE_IVP);
      o->jac.unprotected = 1;
    }
    else {          /* a constant matrix */
      o->jac.L = L;
      o->jac.kernel = SOLVE_IVP;
    }
  }
  else lua_pop(L, 1);
  lua_getfield(L, 5, "dense_output");
  dense = lua_toboolean(L, -1);
  lua_pop(L, 1);
  if (lua_getfield(L, 5, "t_eval") != LUA_TNIL) {
    te = lumpy_ascontig(L, -1, LUMPY_FLOAT64);
    nte = te->size;
    if (o->direction < 0) ite = nte;     /* t_eval was reversed by the caller */
  }
  else lua_pop(L, 1);
  /* events */
  memset(&ev, 0, sizeof ev);
  if (lua_getfield(L, 5, "events") == LUA_TTABLE) {
    int evt = lua_gettop(L), k;
    char *p;
    ev.ne = (int)lua_rawlen(L, evt);
    p = (char *)lua_newuserdatauv(L, (size_t)ev.ne * (sizeof(lumpy_Fn) + 2 * sizeof(int) +
                                      4 * sizeof(double)) + 64, 0);
    ev.fn = (lumpy_Fn *)p;
    ev.direction = (double *)(ev.fn + ev.ne);
    ev.g = ev.direction + ev.ne;
    ev.gnew = ev.g + ev.ne;
    ev.root = ev.gnew + ev.ne;
    ev.terminal = (int *)(ev.root + ev.ne);
    ev.act = ev.terminal + ev.ne;
    luaL_checkstack(L, 3 * ev.ne + 10, "too many events");
    lua_newtable(L);
    ev.tslot = lua_gettop(L);
    lua_newtable(L);
    ev.yslot = lua_gettop(L);
    for (k = 0; k < ev.ne; k++) {
      lua_newtable(L);
      lua_rawseti(L, ev.tslot, k + 1);
      lua_newtable(L);
      lua_rawseti(L, ev.yslot, k + 1);
      lua_rawgeti(L, evt, k + 1);
      lua_getfield(L, -1, "terminal");
      ev.terminal[k] = lua_toboolean(L, -1);
      lua_getfield(L, -2, "direction");
      ev.direction[k] = luaL_optnumber(L, -1, 0.0);
      lua_pop(L, 2);
      lua_getfield(L, -1, "fun");
      lua_remove(L, -2);
      lumpy_fn_init(L, &ev.fn[k], -1, 5, SOLVE_IVP);
      ev.fn[k].unprotected = 1;
    }
  }
  else lua_pop(L, 1);
  /* output buffers */
  buf_init(L, &ts, 64);
  buf_init(L, &ys, (size_t)64 * (n + 1));
  buf_init(L, &tsol, 64);
  buf_init(L, &recs, dense ? (size_t)64 * m->reclen(n) : 16);
  buf_init(L, &step, (size_t)m->reclen(n) + (size_t)n);
  yev = step.p + m->reclen(n);   /* scratch for interpolated and event y */
  if (o->first_step != 0.0 && (o->first_step < 0 || o->first_step > fabs(tf - t0)))
    return lumpy_kerror(L, "%s: first_step %s", SOLVE_IVP,
                      o->first_step < 0 ? "must be positive" : "exceeds bounds");
  m->init(o);
  if (!te) {
    *buf_add(L, &ts, 1) = t0;
    memcpy(buf_add(L, &ys, (size_t)n), o->y, sizeof(double) * (size_t)n);
  }
  if (dense) *buf_add(L, &tsol, 1) = t0;
  for (i = 0; i < ev.ne; i++) ev.g[i] = event_value(o, &ev.fn[i], t0, o->y);
  while (status == 2) {
    double tcur;
    const double *ycur;
    double *rec = NULL;
    /* one step */
    if (n == 0 || o->t == o->t_bound) {
      o->t_old = o->t;
      o->t = o->t_bound;
      memcpy(o->y_old, o->y, sizeof(double) * (size_t)n);
      status = 0;
    }
    else {
      double t = o->t;
      if (!m->step(o, &msg)) { status = -1; break; }
      o->t_old = t;
      if (o->direction * (o->t - o->t_bound) >= 0) status = 0;
    }
    tcur = o->t;
    ycur = o->y;
    if (dense) {
      rec = buf_add(L, &recs, (size_t)m->reclen(n));
      if (o->t == o->t_old) {
        rec[0] = rec[1] = o->t;
        memcpy(rec + 2, o->y, sizeof(double) * (size_t)n);
      }
      else m->dense(o, rec);
    }
#define NEED_REC() do { if (!rec) { rec = step.p; \
      if (o->t == o->t_old) { rec[0] = rec[1] = o->t; \
        memcpy(rec + 2, o->y, sizeof(double) * (size_t)n); } \
      else m->dense(o, rec); } } while (0)
    if (ev.ne) {
      int nact = 0, k, term = -1;
      for (k = 0; k < ev.ne; k++) {
        double g = ev.g[k], gn = event_value(o, &ev.fn[k], o->t, o->y);
        int up = g <= 0 && gn >= 0, down = g >= 0 && gn <= 0;
        ev.gnew[k] = gn;
        if ((up && ev.direction[k] > 0) || (down && ev.direction[k] < 0) ||
            ((up || down) && ev.direction[k] == 0))
          ev.act[nact++] = k;
      }
      if (nact) {
        NEED_REC();
        for (k = 0; k < nact; k++)
          ev.root[ev.act[k]] = event_root(o, &ev.fn[ev.act[k]], rec, o->t_old, o->t, yev);
        for (k = 0; k < nact; k++)
          if (ev.terminal[ev.act[k]]) term = k;
        if (term >= 0) {
          /* order by time along the direction of integration (stable), keep
          ** up to the first terminal event */
          int j;
          double dirn = o->t > o->t_old ? 1.0 : -1.0;
          for (k = 1; k < nact; k++) {
            int a = ev.act[k];
            for (j = k; j > 0 && dirn * ev.root[ev.act[j - 1]] > dirn * ev.root[a]; j--)
              ev.act[j] = ev.act[j - 1];
            ev.act[j] = a;
          }
          for (k = 0; k < nact; k++)
            if (ev.terminal[ev.act[k]]) { nact = k + 1; break; }
        }
        for (k = 0; k < nact; k++) {
          int e = ev.act[k];
          rec_eval(m, rec, n, ev.root[e], yev);
          event_record(o, &ev, e, ev.root[e], yev);
        }
        if (term >= 0) {
          status = 1;
          tcur = ev.root[ev.act[nact - 1]];
          rec_eval(m, rec, n, tcur, yev);
          ycur = yev;
        }
      }
      memcpy(ev.g, ev.gnew, sizeof(double) * (size_t)ev.ne);
    }
    if (!te) {
      *buf_add(L, &ts, 1) = tcur;
      memcpy(buf_add(L, &ys, (size_t)n), ycur, sizeof(double) * (size_t)n);
    }
    else {
      /* the t_eval points passed in this step (the one equal to t included) */
      const double *tv = (const double *)te->data;
      int64_t inew, a, b, k;
      if (o->direction > 0) {
        inew = ite;
        while (inew < nte && tv[inew] <= tcur) inew++;
        a = ite; b = inew;
      }
      else {
        inew = ite;
        while (inew > 0 && tv[inew - 1] >= tcur) inew--;
        a = inew; b = ite;
      }
      if (b > a) {
        NEED_REC();
        if (o->direction > 0)
          for (k = a; k < b; k++) {
            *buf_add(L, &ts, 1) = tv[k];
            rec_eval(m, rec, n, tv[k], buf_add(L, &ys, (size_t)n));
          }
        else
          for (k = b - 1; k >= a; k--) {
            *buf_add(L, &ts, 1) = tv[k];
            rec_eval(m, rec, n, tv[k], buf_add(L, &ys, (size_t)n));
          }
        ite = inew;
      }
    }
#undef NEED_REC
    if (dense) *buf_add(L, &tsol, 1) = tcur;
  }
  /* the result table */
  lua_createtable(L, 0, 12);
  {
    int64_t k = (int64_t)ts.len;
    Array *ta = lumpy_newarray(L, LUMPY_FLOAT64, 1, &k, 0);
    memcpy(ta->data, ts.p, sizeof(double) * ts.len);
    lua_setfield(L, -2, "t");
    push_matrix(L, ys.p, k, n, 1);
    lua_setfield(L, -2, "y");
  }
  if (dense) {
    Solution *s = (Solution *)lua_newuserdatauv(L, sizeof(Solution), 2);
    s->m = m;
    s->n = n;
    s->reclen = m->reclen(n);
    s->nseg = (int64_t)(recs.len / (size_t)s->reclen);
    s->ts = tsol.p;
    s->recs = recs.p;
    lua_pushvalue(L, tsol.slot);
    lua_setiuservalue(L, -2, 1);
    lua_pushvalue(L, recs.slot);
    lua_setiuservalue(L, -2, 2);
    luaL_setmetatable(L, SOLUTION_MT);
    lua_setfield(L, -2, "sol");
  }
  if (ev.ne) {
    int k;
    lua_createtable(L, ev.ne, 0);
    lua_createtable(L, ev.ne, 0);
    for (k = 0; k < ev.ne; k++) {
      int64_t len, j;
      Array *a;
      lua_rawgeti(L, ev.tslot, k + 1);
      len = (int64_t)lua_rawlen(L, -1);
      a = lumpy_newarray(L, LUMPY_FLOAT64, 1, &len, 0);
      for (j = 0; j < len; j++) {
        lua_rawgeti(L, -2, j + 1);
        ((double *)a->data)[j] = lua_tonumber(L, -1);
        lua_pop(L, 1);
      }
      lua_rawseti(L, -4, k + 1);
      lua_pop(L, 1);
      lua_rawgeti(L, ev.yslot, k + 1);
      {
        int64_t sh[2];
        sh[0] = len;
        sh[1] = n;
        a = lumpy_newarray(L, LUMPY_FLOAT64, 2, sh, 0);
        for (j = 0; j < len * n; j++) {
          lua_rawgeti(L, -2, j + 1);
          ((double *)a->data)[j] = lua_tonumber(L, -1);
          lua_pop(L, 1);
        }
      }
      lua_rawseti(L, -3, k + 1);
      lua_pop(L, 1);
    }
    lua_setfield(L, -3, "y_events");
    lua_setfield(L, -2, "t_events");
  }
  lua_pushinteger(L, o->nfev);
  lua_setfield(L, -2, "nfev");
  lua_pushinteger(L, o->njev);
  lua_setfield(L, -2, "njev");
  lua_pushinteger(L, o->nlu);
  lua_setfield(L, -2, "nlu");
  lua_pushinteger(L, status);
  lua_setfield(L, -2, "status");
  lua_pushstring(L, status >= 0 ? status_messages[status] : msg);
  lua_setfield(L, -2, "message");
  lua_pushboolean(L, status >= 0);
  lua_setfield(L, -2, "success");
  return 1;
}

/* runs the driver under one lua_pcall, so the user's functions are called
** with plain lua_call; a string error gets the kernel's name unless it has
** it already, any other error object passes unchanged */
static int ode_solve_ivp(lua_State *L) {
  lua_settop(L, 5);
  lua_pushcfunction(L, ivp_run);
  lua_insert(L, 1);
  if (lua_pcall(L, 5, 1, 0) != LUA_OK) {
    if (lua_type(L, -1) == LUA_TSTRING &&
        strncmp(lua_tostring(L, -1), SOLVE_IVP ": ", sizeof(SOLVE_IVP ": ") - 1) != 0) {
      lua_pushfstring(L, "%s: %s", SOLVE_IVP, lua_tostring(L, -1));
      lua_remove(L, -2);
    }
    return lua_error(L);
  }
  return 1;
}

void lumpy_open_int_ode(lua_State *L, int t) {
  static const luaL_Reg funcs[] = {
    {"solve_ivp", ode_solve_ivp},
    {NULL, NULL}
  };
  static const luaL_Reg solmeta[] = {
    {"__call", sol_call}, {"__index", sol_index}, {"__tostring", sol_tostring},
    {NULL, NULL}
  };
  luaL_newmetatable(L, SOLUTION_MT);
  luaL_setfuncs(L, solmeta, 0);
  lua_pop(L, 1);
  lua_pushvalue(L, t);
  luaL_setfuncs(L, funcs, 0);
  lua_pop(L, 1);
}
