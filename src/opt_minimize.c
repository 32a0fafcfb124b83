/*
** opt_minimize.c: multivariate minimisation (Nelder-Mead, BFGS, CG),
** the Wolfe line searches they share, and finite-difference gradients
** (approx_fprime, check_grad).
**
** The objective is called as f(x) with a fresh float64 array per call
** (lumpy_fn_call); it may return a number (or, with jac = true, the value
** and the gradient). All work memory is one float64 array on the Lua
** stack, so an error raised by the user's function leaks nothing.
** Counting, caching and stopping rules follow SciPy 1.10 so that the
** evaluation counts of the two agree.
*/
#include <math.h>
#include <float.h>
#include <cblas.h>
#include "optimize.h"

/* ---- the objective: value, gradient, cache, counts ---- */


/* one call of the user's objective at x: its value (and the gradient into
** g for combined mode when g is not NULL) */
double opt_rawf(Obj *o, const double *x, double *g) {
  double y;
  o->nfev++;
  if (o->mode != JAC_COMBINED) return lumpy_fn_vscalar(&o->fun, x, o->n);
  lumpy_fn_call(&o->fun, x, o->n, 2);
  y = lumpy_fn_checknumber(&o->fun, -2, "objective value");
  if (g) lumpy_fn_checkvector(&o->fun, -1, g, o->n, "gradient");
  lua_pop(o->fun.L, 2);
  return y;
}

static void obj_setx(Obj *o, const double *x) {
  if (memcmp(x, o->xc, sizeof(double) * (size_t)o->n) != 0) {
    memcpy(o->xc, x, sizeof(double) * (size_t)o->n);
    o->fok = o->gok = o->gready = 0;
  }
}

double opt_objf(Obj *o, const double *x) {
  obj_setx(o, x);
  if (!o->fok) {
    o->fc = opt_rawf(o, o->xc, o->gc);
    o->fok = 1;
    o->gready = o->mode == JAC_COMBINED;
  }
  return o->fc;
}

/* finite-difference step for x (approx_derivative's rules): the absolute
** step eps when it moves x, else rstep * sign(x) * max(1, |x|) */
double opt_fdstep(double x, double eps, double rstep) {
  double sgn = x >= 0 ? 1.0 : -1.0, h;
  if (eps > 0) {
    h = eps;
    if ((x + h) - x != 0) return h;
  }
  return rstep * sgn * fmax(1.0, fabs(x));
}

/* the step h at x moved inside [lb, ub] as approx_derivative's
** _adjust_scheme_to_bounds; *onesided tells the 3-point scheme to use
** x, x + h, x + 2h */
double opt_fdbounded(double x, double h, double lb, double ub, int threepoint,
                     int *onesided) {
  double lower = x - lb, upper = ub - x;
  *onesided = !threepoint;
  if (lb == -INFINITY && ub == INFINITY) return h;
  if (!threepoint) {
    double xh = x + h;
    int violated = xh < lb || xh > ub, fitting = fabs(h) <= fmax(lower, upper);
    if (violated && fitting) return -h;
    if (!fitting) return upper >= lower ? upper : -lower;
    return h;
  }
  if (lower >= h && upper >= h) return h;      /* central */
  {
    double ha = upper >= lower ? fmin(h, 0.5 * upper) : -fmin(h, 0.5 * lower);
    double mind = fmin(upper, lower);
    *onesided = 1;
    if (fabs(ha) <= mind) { *onesided = 0; return mind; }
    return ha;
  }
}

/* gradient by differences of f around x (f0 = f(x) for 2-point) */
static void fdgrad(Obj *o, const double *x, double f0, double *g) {
  int i, n = o->n, one;
  double *xt = o->xt;
  memcpy(xt, x, sizeof(double) * (size_t)n);
  if (o->mode == JAC_FD3) {
    double rstep = pow(DBL_EPSILON, 1.0 / 3.0);
    for (i = 0; i < n; i++) {
      double h = opt_fdstep(x[i], o->eps, rstep), f1, f2;
      if (o->lb) h = opt_fdbounded(x[i], h, o->lb[i], o->ub[i], 1, &one);
      else one = 0;
      if (h == 0) { g[i] = 0; continue; }     /* a fixed variable */
      if (one) {
        double x1 = x[i] + h, x2 = x[i] + 2 * h;
        xt[i] = x1; f1 = opt_rawf(o, xt, NULL);
        xt[i] = x2; f2 = opt_rawf(o, xt, NULL);
        g[i] = (-3.0 * f0 + 4 * f1 - f2) / (x2 - x[i]);
      }
      else {
        double x1 = x[i] - h, x2 = x[i] + h;
        xt[i] = x1; f1 = opt_rawf(o, xt, NULL);
        xt[i] = x2; f2 = opt_rawf(o, xt, NULL);
        g[i] = (f2 - f1) / (x2 - x1);
      }
      xt[i] = x[i];
    }
  }
  else {
    double rstep = sqrt(DBL_EPSILON);
    for (i = 0; i < n; i++) {
      double h = opt_fdstep(x[i], o->eps, rstep);
      if (o->lb) h = opt_fdbounded(x[i], h, o->lb[i], o->ub[i], 0, &one);
      if (h == 0) { g[i] = 0; continue; }     /* a fixed variable */
      xt[i] = x[i] + h;
      g[i] = (opt_rawf(o, xt, NULL) - f0) / (xt[i] - x[i]);
      xt[i] = x[i];
    }
  }
}

/* gradient at x into g (may be o->gc) */
void opt_objg(Obj *o, const double *x, double *g) {
  obj_setx(o, x);
  if (!o->gok) {
    o->njev++;
    if (o->mode == JAC_FUNC) {
      lumpy_fn_call(&o->jac, o->xc, o->n, 1);
      lumpy_fn_checkvector(&o->jac, -1, o->gc, o->n, "gradient");
      lua_pop(o->jac.L, 1);
    }
    else if (o->mode == JAC_COMBINED) {
      if (!o->gready) opt_objf(o, x);
      if (!o->gready) {      /* value cached without gradient: call again */
        o->fc = opt_rawf(o, o->xc, o->gc);
      }
    }
    else {
      double f0 = opt_objf(o, x);
      fdgrad(o, o->xc, f0, o->gc);
    }
    o->gok = 1;
  }
  if (g != o->gc) memcpy(g, o->gc, sizeof(double) * (size_t)o->n);
}

/* ---- small vector helpers ---- */

/* opt_dot products and matrix products go through the same OpenBLAS calls as
** NumPy's, so the iterates agree with SciPy's to the last bit and the
** evaluation counts can be compared */
double opt_dot(const double *a, const double *b, int n) {
  return cblas_ddot(n, a, 1, b, 1);
}

double opt_norminf(const double *a, int n) {
  double m = 0;
  int i;
  for (i = 0; i < n; i++) {
    double v = fabs(a[i]);
    if (v > m || isnan(v)) m = v;
  }
  return m;
}

double opt_norm2(const double *a, int n) {
  return sqrt(opt_dot(a, a, n));
}

/* ---- options and results ---- */

double opt_optnum(lua_State *L, int t, const char *k, double def) {
  double v;
  lua_getfield(L, t, k);
  v = lua_isnil(L, -1) ? def : lua_tonumber(L, -1);
  lua_pop(L, 1);
  return v;
}

long opt_optint(lua_State *L, int t, const char *k, long def) {
  double v = opt_optnum(L, t, k, (double)def);
  if (v > 2e9) return 2000000000L;
  return (long)v;
}

int opt_optbool(lua_State *L, int t, const char *k) {
  int v;
  lua_getfield(L, t, k);
  v = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return v;
}

/* the per-iteration callback: callback(xk) (with a fresh array); a true
** result asks the optimizer to stop */

void opt_cbinit(lua_State *L, Callback *cb, int opts, const char *kernel) {
  cb->on = 0;
  lua_getfield(L, opts, "callback");
  if (lua_isnil(L, -1)) { lua_pop(L, 1); return; }
  lumpy_fn_init(L, &cb->fn, lua_gettop(L), 0, kernel);   /* stays on the stack */
  cb->on = 1;
}

int opt_cbcall(Callback *cb, const double *x, int n) {
  int stop;
  if (!cb->on) return 0;
  lumpy_fn_call(&cb->fn, x, n, 1);
  stop = lua_toboolean(cb->fn.L, -1);
  lua_pop(cb->fn.L, 1);
  return stop;
}


void opt_pushvec(lua_State *L, const double *v, int n) {
  int64_t len = n;
  Array *a = lumpy_newarray(L, LUMPY_FLOAT64, 1, &len, 0);
  if (n) memcpy(a->data, v, sizeof(double) * (size_t)n);
}

static void setnum(lua_State *L, const char *k, double v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, k);
}

static void setint(lua_State *L, const char *k, long v) {
  lua_pushinteger(L, v);
  lua_setfield(L, -2, k);
}

/* pushes the result table {x, fun, jac, hess_inv, nit, nfev, njev, status,
** success, message}; jac and hess (n*n) may be NULL */
void opt_pushresult(lua_State *L, const double *x, int n, double fun, const double *jac,
                       const double *hess, long nit, long nfev, long njev, int status,
                       const char *msg) {
  lua_createtable(L, 0, 10);
  opt_pushvec(L, x, n);
  lua_setfield(L, -2, "x");
  setnum(L, "fun", fun);
  if (jac) { opt_pushvec(L, jac, n); lua_setfield(L, -2, "jac"); }
  if (hess) {
    int64_t shape[2];
    Array *h;
    shape[0] = shape[1] = n;
    h = lumpy_newarray(L, LUMPY_FLOAT64, 2, shape, 0);
    memcpy(h->data, hess, sizeof(double) * (size_t)n * (size_t)n);
    lua_setfield(L, -2, "hess_inv");
  }
  setint(L, "nit", nit);
  setint(L, "nfev", nfev);
  if (njev >= 0) setint(L, "njev", njev);
  setint(L, "status", status);
  lua_pushboolean(L, status == 0);
  lua_setfield(L, -2, "success");
  lua_pushstring(L, msg);
  lua_setfield(L, -2, "message");
}

/* a work array of n doubles on the Lua stack (collected with it) */
double *opt_work(lua_State *L, size_t n) {
  int64_t len = (int64_t)(n ? n : 1);
  return (double *)lumpy_newarray(L, LUMPY_FLOAT64, 1, &len, 1)->data;
}

/*
** Nelder-Mead simplex (J. A. Nelder, R. Mead, Comput. J. 7, 1965), with
** the adaptive parameters of F. Gao, L. Han, Comput. Optim. Appl. 51, 2012
** (rho 1, chi 1 + 2/n, psi 0.75 - 1/(2n), sigma 1 - 1/n). Initial simplex,
** ordering (stable insertion sort), optional clipping to bounds and the
** stopping rules as SciPy's _minimize_neldermead.
*/
typedef struct NM {
  Obj *o;
  long maxfun, fcalls;
  const double *lb, *ub;
} NM;

/* returns 0 and sets *fx, or 1 when the evaluation budget is spent */
static int nm_eval(NM *s, double *x, double *fx) {
  int i;
  if (s->fcalls >= s->maxfun) return 1;
  if (s->lb)
    for (i = 0; i < s->o->n; i++) x[i] = fmin(fmax(x[i], s->lb[i]), s->ub[i]);
  s->fcalls++;
  *fx = opt_rawf(s->o, x, NULL);
  return 0;
}

static void nm_sort(double *sim, double *fsim, double *tmp, int n) {
  int i, j;
  for (i = 1; i <= n; i++) {
    double f = fsim[i];
    memcpy(tmp, sim + (size_t)i * n, sizeof(double) * (size_t)n);
    for (j = i - 1; j >= 0 && (fsim[j] > f || (isnan(fsim[j]) && !isnan(f))); j--) {
      fsim[j + 1] = fsim[j];
      memcpy(sim + (size_t)(j + 1) * n, sim + (size_t)j * n, sizeof(double) * (size_t)n);
    }
    fsim[j + 1] = f;
    memcpy(sim + (size_t)(j + 1) * n, tmp, sizeof(double) * (size_t)n);
  }
}

static int nelder_mead(lua_State *L, Obj *o, const double *x0, int opts, const double *lb,
                       const double *ub) {
  int n = o->n, i, j, k, warnflag = 0, stopped = 0;
  long maxiter, iterations = 1;
  double rho, chi, psi, sigma, xatol, fatol;
  double *sim, *fsim, *xbar, *xr, *xe, *xc, *tmp, fxr, fxe, fxc;
  NM s;
  Callback cb;
  long mi = opt_optint(L, opts, "maxiter", -1), mf = opt_optint(L, opts, "maxfev", -1);
  if (opt_optbool(L, opts, "adaptive") && n > 0) {
    rho = 1; chi = 1 + 2.0 / n; psi = 0.75 - 1.0 / (2.0 * n); sigma = 1 - 1.0 / n;
  }
  else { rho = 1; chi = 2; psi = 0.5; sigma = 0.5; }
  xatol = opt_optnum(L, opts, "xatol", 1e-4);
  fatol = opt_optnum(L, opts, "fatol", 1e-4);
  if (mi < 0 && mf < 0) { mi = 200L * n; mf = 200L * n; }
  else if (mi < 0) mi = 2000000000L;
  else if (mf < 0) mf = 2000000000L;
  maxiter = mi;
  opt_cbinit(L, &cb, opts, "lumpy.optimize.minimize");
  sim = opt_work(L, (size_t)(n + 1) * n + (n + 1) + 5 * (size_t)n);
  fsim = sim + (size_t)(n + 1) * n;
  xbar = fsim + n + 1; xr = xbar + n; xe = xr + n; xc = xe + n; tmp = xc + n;
  s.o = o; s.maxfun = mf; s.fcalls = 0; s.lb = lb; s.ub = ub;
  /* the initial simplex: 5% steps (0.00025 for zero components) */
  for (k = 0; k <= n; k++) {
    double *v = sim + (size_t)k * n;
    memcpy(v, x0, sizeof(double) * (size_t)n);
    if (lb) for (i = 0; i < n; i++) v[i] = fmin(fmax(v[i], lb[i]), ub[i]);
    if (k > 0) v[k - 1] = v[k - 1] != 0 ? 1.05 * v[k - 1] : 0.00025;
    if (lb && k > 0) v[k - 1] = fmin(fmax(v[k - 1], lb[k - 1]), ub[k - 1]);
    fsim[k] = INFINITY;
  }
  for (k = 0; k <= n; k++)
    if (nm_eval(&s, sim + (size_t)k * n, &fsim[k])) break;
  nm_sort(sim, fsim, tmp, n);
  while (s.fcalls < s.maxfun && iterations < maxiter) {
    double *worst = sim + (size_t)n * n, dmax = 0, fmaxd = 0;
    for (k = 1; k <= n; k++) {
      for (i = 0; i < n; i++) {
        double d = fabs(sim[(size_t)k * n + i] - sim[i]);
        if (d > dmax || isnan(d)) dmax = d;
      }
      if (fabs(fsim[0] - fsim[k]) > fmaxd || isnan(fsim[k] - fsim[0]))
        fmaxd = fabs(fsim[0] - fsim[k]);
    }
    if (dmax <= xatol && fmaxd <= fatol) break;
    for (i = 0; i < n; i++) {
      double t = 0;
      for (k = 0; k < n; k++) t += sim[(size_t)k * n + i];
      xbar[i] = t / n;
    }
    for (i = 0; i < n; i++) xr[i] = (1 + rho) * xbar[i] - rho * worst[i];
    if (nm_eval(&s, xr, &fxr)) goto endit;
    if (fxr < fsim[0]) {
      for (i = 0; i < n; i++) xe[i] = (1 + rho * chi) * xbar[i] - rho * chi * worst[i];
      if (nm_eval(&s, xe, &fxe)) goto endit;
      if (fxe < fxr) { memcpy(worst, xe, sizeof(double) * (size_t)n); fsim[n] = fxe; }
      else { memcpy(worst, xr, sizeof(double) * (size_t)n); fsim[n] = fxr; }
    }
    else if (fxr < fsim[n - 1]) {
      memcpy(worst, xr, sizeof(double) * (size_t)n); fsim[n] = fxr;
    }
    else {
      int doshrink = 0;
      if (fxr < fsim[n]) {
        for (i = 0; i < n; i++) xc[i] = (1 + psi * rho) * xbar[i] - psi * rho * worst[i];
        if (nm_eval(&s, xc, &fxc)) goto endit;
        if (fxc <= fxr) { memcpy(worst, xc, sizeof(double) * (size_t)n); fsim[n] = fxc; }
        else doshrink = 1;
      }
      else {
        for (i = 0; i < n; i++) xc[i] = (1 - psi) * xbar[i] + psi * worst[i];
        if (nm_eval(&s, xc, &fxc)) goto endit;
        if (fxc < fsim[n]) { memcpy(worst, xc, sizeof(double) * (size_t)n); fsim[n] = fxc; }
        else doshrink = 1;
      }
      if (doshrink)
        for (j = 1; j <= n; j++) {
          double *v = sim + (size_t)j * n;
          for (i = 0; i < n; i++) v[i] = sim[i] + sigma * (v[i] - sim[i]);
          if (nm_eval(&s, v, &fsim[j])) goto endit;
        }
    }
    iterations++;
  endit:
    nm_sort(sim, fsim, tmp, n);
    if (opt_cbcall(&cb, sim, n)) { stopped = 1; break; }
  }
  {
    const char *msg = MSG_SUCCESS;
    if (stopped) { warnflag = STATUS_CALLBACK; msg = MSG_CALLBACK; }
    else if (s.fcalls >= s.maxfun) { warnflag = 1; msg = MSG_MAXFEV; }
    else if (iterations >= maxiter) { warnflag = 2; msg = MSG_MAXITER; }
    opt_pushresult(L, sim, n, fsim[0], NULL, NULL, iterations, s.fcalls, -1, warnflag, msg);
  }
  return 1;
}

/*
** Line searches along pk from xk for phi(a) = f(xk + a pk).
**
** wolfe1: the safeguarded search of J. J. More, D. J. Thuente, "Line search
** algorithms with guaranteed sufficient decrease", ACM TOMS 20(3), 1994
** (MINPACK-2 dcsrch/dcstep), driven as SciPy's scalar_search_wolfe1.
** wolfe2: the bracketing and zoom of Nocedal & Wright, Numerical
** Optimization (2006), Algorithms 3.5 and 3.6, with cubic/quadratic
** interpolation, as SciPy's scalar_search_wolfe2 (its fallback).
*/
typedef struct LS {
  Obj *o;
  const double *xk, *pk;
  double *xt, *gt;     /* trial point and its gradient */
  double galpha;       /* the step at which gt was taken (NAN: none) */
  int n;
  /* extra acceptance test (CG), or NULL */
  int (*extra)(void *ud, double alpha, const double *g);
  void *ud;
} LS;

static void ls_point(LS *s, double a) {
  int i;
  for (i = 0; i < s->n; i++) s->xt[i] = s->xk[i] + a * s->pk[i];
}

static double ls_phi(LS *s, double a) {
  ls_point(s, a);
  return opt_objf(s->o, s->xt);
}

static double ls_derphi(LS *s, double a) {
  ls_point(s, a);
  opt_objg(s->o, s->xt, s->gt);
  s->galpha = a;
  return opt_dot(s->gt, s->pk, s->n);
}

/* dcstep: the safeguarded cubic/quadratic step of More-Thuente section 4 */
static void dcstep(double *stx, double *fx, double *dx, double *sty, double *fy, double *dy,
                   double *stp, double fp, double dp, int *brackt, double stpmin,
                   double stpmax) {
  double sgnd = dp * (*dx / fabs(*dx)), theta, s, gamma, p, q, r, stpc, stpq, stpf;
  if (fp > *fx) {                       /* case 1: higher value, bracket */
    theta = 3 * (*fx - fp) / (*stp - *stx) + *dx + dp;
    s = fmax(fabs(theta), fmax(fabs(*dx), fabs(dp)));
    gamma = s * sqrt((theta / s) * (theta / s) - (*dx / s) * (dp / s));
    if (*stp < *stx) gamma = -gamma;
    p = (gamma - *dx) + theta;
    q = ((gamma - *dx) + gamma) + dp;
    r = p / q;
    stpc = *stx + r * (*stp - *stx);
    stpq = *stx + ((*dx / ((*fx - fp) / (*stp - *stx) + *dx)) / 2) * (*stp - *stx);
    if (fabs(stpc - *stx) < fabs(stpq - *stx)) stpf = stpc;
    else stpf = stpc + (stpq - stpc) / 2;
    *brackt = 1;
  }
  else if (sgnd < 0) {                  /* case 2: derivatives of opposite sign */
    theta = 3 * (*fx - fp) / (*stp - *stx) + *dx + dp;
    s = fmax(fabs(theta), fmax(fabs(*dx), fabs(dp)));
    gamma = s * sqrt((theta / s) * (theta / s) - (*dx / s) * (dp / s));
    if (*stp > *stx) gamma = -gamma;
    p = (gamma - dp) + theta;
    q = ((gamma - dp) + gamma) + *dx;
    r = p / q;
    stpc = *stp + r * (*stx - *stp);
    stpq = *stp + (dp / (dp - *dx)) * (*stx - *stp);
    stpf = fabs(stpc - *stp) > fabs(stpq - *stp) ? stpc : stpq;
    *brackt = 1;
  }
  else if (fabs(dp) < fabs(*dx)) {      /* case 3: derivative decreases */
    theta = 3 * (*fx - fp) / (*stp - *stx) + *dx + dp;
    s = fmax(fabs(theta), fmax(fabs(*dx), fabs(dp)));
    gamma = s * sqrt(fmax(0.0, (theta / s) * (theta / s) - (*dx / s) * (dp / s)));
    if (*stp > *stx) gamma = -gamma;
    p = (gamma - dp) + theta;
    q = (gamma + (*dx - dp)) + gamma;
    r = p / q;
    if (r < 0 && gamma != 0) stpc = *stp + r * (*stx - *stp);
    else if (*stp > *stx) stpc = stpmax;
    else stpc = stpmin;
    stpq = *stp + (dp / (dp - *dx)) * (*stx - *stp);
    if (*brackt) {
      stpf = fabs(stpc - *stp) < fabs(stpq - *stp) ? stpc : stpq;
      if (*stp > *stx) stpf = fmin(*stp + 0.66 * (*sty - *stp), stpf);
      else stpf = fmax(*stp + 0.66 * (*sty - *stp), stpf);
    }
    else {
      stpf = fabs(stpc - *stp) > fabs(stpq - *stp) ? stpc : stpq;
      stpf = fmin(stpmax, stpf);
      stpf = fmax(stpmin, stpf);
    }
  }
  else {                                /* case 4: no decrease of the derivative */
    if (*brackt) {
      theta = 3 * (fp - *fy) / (*sty - *stp) + *dy + dp;
      s = fmax(fabs(theta), fmax(fabs(*dy), fabs(dp)));
      gamma = s * sqrt((theta / s) * (theta / s) - (*dy / s) * (dp / s));
      if (*stp > *sty) gamma = -gamma;
      p = (gamma - dp) + theta;
      q = ((gamma - dp) + gamma) + *dy;
      r = p / q;
      stpc = *stp + r * (*sty - *stp);
      stpf = stpc;
    }
    else if (*stp > *stx) stpf = stpmax;
    else stpf = stpmin;
  }
  if (fp > *fx) { *sty = *stp; *fy = fp; *dy = dp; }
  else {
    if (sgnd < 0) { *sty = *stx; *fy = *fx; *dy = *dx; }
    *stx = *stp; *fx = fp; *dx = dp;
  }
  *stp = stpf;
}

int opt_dcsrch_start(Dcsrch *s, double *stp, double f, double g, double ftol, double gtol,
                     double xtol, double stpmin, double stpmax) {
  if (*stp < stpmin || *stp > stpmax || g >= 0 || isnan(*stp) || ftol < 0 || gtol < 0
      || xtol < 0 || stpmin < 0 || stpmax < stpmin)
    return DCS_ERROR;
  s->ftol = ftol; s->gtol = gtol; s->xtol = xtol; s->stpmin = stpmin; s->stpmax = stpmax;
  s->brackt = 0; s->stage = 1;
  s->finit = f; s->ginit = g; s->gtest = ftol * g;
  s->width = stpmax - stpmin; s->width1 = s->width / 0.5;
  s->stx = 0; s->fx = f; s->gx = g;
  s->sty = 0; s->fy = f; s->gy = g;
  s->stmin = 0; s->stmax = *stp + 4.0 * *stp;
  return DCS_FG;
}

int opt_dcsrch_next(Dcsrch *s, double *pstp, double f, double g) {
  const double xtrapl = 1.1, xtrapu = 4.0;
  double stp = *pstp, ftest = s->finit + stp * s->gtest;
  int warn = 0;
  if (s->stage == 1 && f <= ftest && g >= 0) s->stage = 2;
  if (s->brackt && (stp <= s->stmin || stp >= s->stmax)) warn = 1;   /* rounding errors */
  if (s->brackt && s->stmax - s->stmin <= s->xtol * s->stmax) warn = 1;  /* xtol test */
  if (stp == s->stpmax && f <= ftest && g <= s->gtest) warn = 1;      /* stp = stpmax */
  if (stp == s->stpmin && (f > ftest || g >= s->gtest)) warn = 1;     /* stp = stpmin */
  if (f <= ftest && fabs(g) <= s->gtol * (-s->ginit)) return DCS_CONV;
  if (warn) return DCS_WARN;
  if (s->stage == 1 && f <= s->fx && f > ftest) {
    double fm = f - stp * s->gtest, fxm = s->fx - s->stx * s->gtest;
    double fym = s->fy - s->sty * s->gtest, gm = g - s->gtest, gxm = s->gx - s->gtest;
    double gym = s->gy - s->gtest;
    dcstep(&s->stx, &fxm, &gxm, &s->sty, &fym, &gym, &stp, fm, gm, &s->brackt, s->stmin,
           s->stmax);
    s->fx = fxm + s->stx * s->gtest; s->fy = fym + s->sty * s->gtest;
    s->gx = gxm + s->gtest; s->gy = gym + s->gtest;
  }
  else dcstep(&s->stx, &s->fx, &s->gx, &s->sty, &s->fy, &s->gy, &stp, f, g, &s->brackt,
              s->stmin, s->stmax);
  if (s->brackt) {
    if (fabs(s->sty - s->stx) >= 0.66 * s->width1) stp = s->stx + 0.5 * (s->sty - s->stx);
    s->width1 = s->width;
    s->width = fabs(s->sty - s->stx);
    s->stmin = fmin(s->stx, s->sty); s->stmax = fmax(s->stx, s->sty);
  }
  else {
    s->stmin = stp + xtrapl * (stp - s->stx);
    s->stmax = stp + xtrapu * (stp - s->stx);
  }
  stp = fmax(stp, s->stpmin);
  stp = fmin(stp, s->stpmax);
  if ((s->brackt && (stp <= s->stmin || stp >= s->stmax))
      || (s->brackt && s->stmax - s->stmin <= s->xtol * s->stmax))
    stp = s->stx;
  *pstp = stp;
  return DCS_FG;
}

/* More-Thuente search as SciPy's scalar_search_wolfe1: returns the step
** (NAN on failure); *phi_out gets phi at the step, s->gt the gradient */
static double wolfe1(LS *s, double phi0, double old_phi0, double derphi0, double c1,
                     double c2, double amax, double amin, double *phi_out) {
  double stp = 1.0, f, g;
  Dcsrch d;
  int i, task;
  if (derphi0 != 0) {
    stp = fmin(1.0, 1.01 * 2 * (phi0 - old_phi0) / derphi0);
    if (stp < 0) stp = 1.0;
  }
  *phi_out = phi0;
  task = opt_dcsrch_start(&d, &stp, phi0, derphi0, c1, c2, 1e-14, amin, amax);
  for (i = 0; i < 100 && task == DCS_FG; i++) {
    if (isnan(stp)) return NAN;
    f = ls_phi(s, stp);
    g = ls_derphi(s, stp);
    *phi_out = f;
    task = opt_dcsrch_next(&d, &stp, f, g);
  }
  return task == DCS_CONV ? stp : NAN;
}

/* minimiser of the cubic through (a, fa, fpa), (b, fb), (c, fc); NAN if none */
static double cubicmin(double a, double fa, double fpa, double b, double fb, double c,
                       double fc) {
  double C = fpa, db = b - a, dc = c - a, denom, A, B, rad, xmin;
  double r1 = fb - fa - C * db, r2 = fc - fa - C * dc;
  denom = (db * dc) * (db * dc) * (db - dc);
  if (denom == 0) return NAN;
  A = (dc * dc * r1 - db * db * r2) / denom;
  B = (-dc * dc * dc * r1 + db * db * db * r2) / denom;
  rad = B * B - 3 * A * C;
  if (rad < 0 || A == 0) return NAN;
  xmin = a + (-B + sqrt(rad)) / (3 * A);
  return isfinite(xmin) ? xmin : NAN;
}

static double quadmin(double a, double fa, double fpa, double b, double fb) {
  double db = b - a, B, xmin;
  if (db == 0) return NAN;
  B = (fb - fa - fpa * db) / (db * db);
  if (B == 0) return NAN;
  xmin = a - fpa / (2.0 * B);
  return isfinite(xmin) ? xmin : NAN;
}

static int ls_extra(LS *s, double alpha) {
  if (!s->extra) return 1;
  if (s->galpha != alpha) ls_derphi(s, alpha);
  return s->extra(s->ud, alpha, s->gt);
}

static double zoom(LS *s, double a_lo, double a_hi, double phi_lo, double phi_hi,
                   double derphi_lo, double phi0, double derphi0, double c1, double c2,
                   double *phi_star) {
  double phi_rec = phi0, a_rec = 0, dalpha, a, b, a_j = NAN, cchk, qchk, phi_aj, derphi_aj;
  int i = 0;
  for (;;) {
    dalpha = a_hi - a_lo;
    if (dalpha < 0) { a = a_hi; b = a_lo; } else { a = a_lo; b = a_hi; }
    cchk = 0.2 * dalpha;
    if (i > 0) a_j = cubicmin(a_lo, phi_lo, derphi_lo, a_hi, phi_hi, a_rec, phi_rec);
    if (i == 0 || isnan(a_j) || a_j > b - cchk || a_j < a + cchk) {
      qchk = 0.1 * dalpha;
      a_j = quadmin(a_lo, phi_lo, derphi_lo, a_hi, phi_hi);
      if (isnan(a_j) || a_j > b - qchk || a_j < a + qchk) a_j = a_lo + 0.5 * dalpha;
    }
    phi_aj = ls_phi(s, a_j);
    if (phi_aj > phi0 + c1 * a_j * derphi0 || phi_aj >= phi_lo) {
      phi_rec = phi_hi; a_rec = a_hi;
      a_hi = a_j; phi_hi = phi_aj;
    }
    else {
      derphi_aj = ls_derphi(s, a_j);
      if (fabs(derphi_aj) <= -c2 * derphi0 && ls_extra(s, a_j)) {
        *phi_star = phi_aj;
        return a_j;
      }
      if (derphi_aj * (a_hi - a_lo) >= 0) {
        phi_rec = phi_hi; a_rec = a_hi;
        a_hi = a_lo; phi_hi = phi_lo;
      }
      else { phi_rec = phi_lo; a_rec = a_lo; }
      a_lo = a_j; phi_lo = phi_aj; derphi_lo = derphi_aj;
    }
    i++;
    if (i > 10) return NAN;
  }
}

static double wolfe2(LS *s, double phi0, double old_phi0, double derphi0, double c1,
                     double c2, double amax, double *phi_star) {
  double alpha0 = 0, alpha1 = 1.0, alpha2, phi_a1, phi_a0, derphi_a0, derphi_a1;
  int i;
  if (derphi0 != 0) alpha1 = fmin(1.0, 1.01 * 2 * (phi0 - old_phi0) / derphi0);
  if (alpha1 < 0 || isnan(alpha1)) alpha1 = 1.0;
  alpha1 = fmin(alpha1, amax);
  phi_a1 = ls_phi(s, alpha1);
  phi_a0 = phi0;
  derphi_a0 = derphi0;
  for (i = 0; i < 10; i++) {
    if (alpha1 == 0 || alpha0 == amax) return NAN;
    if (phi_a1 > phi0 + c1 * alpha1 * derphi0 || (phi_a1 >= phi_a0 && i > 0))
      return zoom(s, alpha0, alpha1, phi_a0, phi_a1, derphi_a0, phi0, derphi0, c1, c2,
                  phi_star);
    derphi_a1 = ls_derphi(s, alpha1);
    if (fabs(derphi_a1) <= -c2 * derphi0 && ls_extra(s, alpha1)) {
      *phi_star = phi_a1;
      return alpha1;
    }
    if (derphi_a1 >= 0)
      return zoom(s, alpha1, alpha0, phi_a1, phi_a0, derphi_a1, phi0, derphi0, c1, c2,
                  phi_star);
    alpha2 = fmin(2 * alpha1, amax);
    alpha0 = alpha1; alpha1 = alpha2;
    phi_a0 = phi_a1;
    phi_a1 = ls_phi(s, alpha1);
    derphi_a0 = derphi_a1;
  }
  /* did not converge: SciPy still returns the last step */
  *phi_star = phi_a1;
  return alpha1;
}

/* wolfe1, then (if it fails or the extra test rejects) wolfe2; NAN when
** both fail. On success s->gt holds the gradient at the step. */
static double wolfe12(LS *s, double phi0, double old_phi0, double derphi0, double c1,
                      double c2, double *phi_star) {
  double a;
  s->galpha = NAN;
  a = wolfe1(s, phi0, old_phi0, derphi0, c1, c2, 1e100, 1e-100, phi_star);
  if (!isnan(a) && s->extra && !s->extra(s->ud, a, s->gt)) a = NAN;
  if (isnan(a)) {
    s->galpha = NAN;
    a = wolfe2(s, phi0, old_phi0, derphi0, c1, c2, 1e100, phi_star);
  }
  if (!isnan(a) && s->galpha != a) ls_derphi(s, a);
  return a;
}

/*
** BFGS (Broyden, Fletcher, Goldfarb, Shanno 1970; Nocedal & Wright,
** Algorithm 6.1) with the inverse Hessian update
**   H+ = (I - rho s y') H (I - rho y s') + rho s s'
** and the Wolfe line search above, stopping on the inf-norm of the
** gradient (gtol), as SciPy's _minimize_bfgs.
*/
static int bfgs(lua_State *L, Obj *o, const double *x0, int opts) {
  int n = o->n, i, j, warnflag = 0;
  long k = 0, maxiter = opt_optint(L, opts, "maxiter", 200L * n);
  double gtol = opt_optnum(L, opts, "gtol", 1e-5), xrtol = opt_optnum(L, opts, "xrtol", 0);
  int norm2use = opt_optnum(L, opts, "norm", INFINITY) == 2;
  double *H, *xk, *gfk, *pk, *sk, *yk, *xt, *gt, fval, old_fval, old_old_fval, gnorm;
  double alpha, rhok, *A1, *A2, *T;
  Callback cb;
  LS s;
  opt_cbinit(L, &cb, opts, "lumpy.optimize.minimize");
  H = opt_work(L, 4 * (size_t)n * n + 8 * (size_t)n);
  A1 = H + (size_t)n * n; A2 = A1 + (size_t)n * n; T = A2 + (size_t)n * n;
  xk = T + (size_t)n * n; gfk = xk + n; pk = gfk + n; sk = pk + n; yk = sk + n;
  xt = yk + n; gt = xt + n;
  for (i = 0; i < n; i++) H[(size_t)i * n + i] = 1.0;
  memcpy(xk, x0, sizeof(double) * (size_t)n);
  old_fval = opt_objf(o, xk);
  opt_objg(o, xk, gfk);
  old_old_fval = old_fval + opt_norm2(gfk, n) / 2;
  gnorm = norm2use ? opt_norm2(gfk, n) : opt_norminf(gfk, n);
  s.o = o; s.xk = xk; s.pk = pk; s.xt = xt; s.gt = gt; s.n = n; s.extra = NULL; s.ud = NULL;
  while (gnorm > gtol && k < maxiter) {
    cblas_dgemv(CblasRowMajor, CblasNoTrans, n, n, 1.0, H, n, gfk, 1, 0.0, pk, 1);
    for (i = 0; i < n; i++) pk[i] = -pk[i];
    alpha = wolfe12(&s, old_fval, old_old_fval, opt_dot(gfk, pk, n), 1e-4, 0.9, &fval);
    if (isnan(alpha)) { warnflag = 2; break; }
    old_old_fval = old_fval;
    old_fval = fval;
    for (i = 0; i < n; i++) {
      sk[i] = alpha * pk[i];
      xk[i] = xk[i] + sk[i];
      yk[i] = gt[i] - gfk[i];
      gfk[i] = gt[i];
    }
    k++;
    if (opt_cbcall(&cb, xk, n)) { warnflag = STATUS_CALLBACK; break; }
    gnorm = norm2use ? opt_norm2(gfk, n) : opt_norminf(gfk, n);
    if (gnorm <= gtol) break;
    if (alpha * opt_norm2(pk, n) <= xrtol * (xrtol + opt_norm2(xk, n))) break;
    if (!isfinite(old_fval)) { warnflag = 2; break; }
    rhok = opt_dot(yk, sk, n);
    rhok = rhok == 0 ? 1000.0 : 1.0 / rhok;
    /* H = A1 H A2 + rho s s' with A1 = I - rho s y', A2 = I - rho y s' */
    for (i = 0; i < n; i++)
      for (j = 0; j < n; j++) {
        A1[(size_t)i * n + j] = (i == j) - sk[i] * yk[j] * rhok;
        A2[(size_t)i * n + j] = (i == j) - yk[i] * sk[j] * rhok;
      }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, H, n, A2, n, 0.0,
                T, n);
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, A1, n, T, n, 0.0,
                H, n);
    for (i = 0; i < n; i++)
      for (j = 0; j < n; j++) H[(size_t)i * n + j] += rhok * sk[i] * sk[j];
  }
  {
    const char *msg = MSG_SUCCESS;
    if (warnflag == STATUS_CALLBACK) msg = MSG_CALLBACK;
    else if (warnflag == 2) msg = MSG_PRLOSS;
    else if (k >= maxiter) { warnflag = 1; msg = MSG_MAXITER; }
    else if (isnan(gnorm) || isnan(old_fval)) { warnflag = 3; msg = MSG_NAN; }
    else for (i = 0; i < n; i++) if (isnan(xk[i])) { warnflag = 3; msg = MSG_NAN; break; }
    opt_pushresult(L, xk, n, old_fval, gfk, H, k, o->nfev, o->njev, warnflag, msg);
  }
  return 1;
}

/*
** Nonlinear conjugate gradients, Polak-Ribiere-Polyak with beta clipped at
** zero (PR+, Nocedal & Wright section 5.2), with the strong Wolfe line
** search (c2 = 0.4) and the sufficient-descent test of SciPy's
** _minimize_cg (p'g <= -0.01 g'g) as the extra acceptance condition.
*/
typedef struct CG {
  const double *xk, *pk, *gfk;
  double deltak, gtol;
  int n, norm2use;
  double *pnext, *xnext, *gnext;   /* the cached PR step */
  double *yk;
  double calpha, cgnorm;
} CG;

static void pr_step(CG *c, double alpha, const double *gkp1) {
  int i, n = c->n;
  double beta;
  for (i = 0; i < n; i++) {
    c->xnext[i] = c->xk[i] + alpha * c->pk[i];
    c->yk[i] = gkp1[i] - c->gfk[i];
  }
  beta = fmax(0.0, opt_dot(c->yk, gkp1, n) / c->deltak);
  for (i = 0; i < n; i++) {
    c->pnext[i] = -gkp1[i] + beta * c->pk[i];
    c->gnext[i] = gkp1[i];
  }
  c->calpha = alpha;
  c->cgnorm = c->norm2use ? opt_norm2(gkp1, n) : opt_norminf(gkp1, n);
}

static int cg_descent(void *ud, double alpha, const double *g) {
  CG *c = (CG *)ud;
  pr_step(c, alpha, g);
  if (c->cgnorm <= c->gtol) return 1;
  return opt_dot(c->pnext, c->gnext, c->n) <= -0.01 * opt_dot(c->gnext, c->gnext, c->n);
}

static int cgmin(lua_State *L, Obj *o, const double *x0, int opts) {
  int n = o->n, warnflag = 0;
  long k = 0, maxiter = opt_optint(L, opts, "maxiter", 200L * n);
  double gtol = opt_optnum(L, opts, "gtol", 1e-5);
  double *xk, *gfk, *pk, *xt, *gt, fval, old_fval, old_old_fval, gnorm, alpha;
  CG c;
  Callback cb;
  LS s;
  opt_cbinit(L, &cb, opts, "lumpy.optimize.minimize");
  xk = opt_work(L, 9 * (size_t)n);
  gfk = xk + n; pk = gfk + n; xt = pk + n; gt = xt + n;
  c.pnext = gt + n; c.xnext = c.pnext + n; c.gnext = c.xnext + n; c.yk = c.gnext + n;
  c.n = n; c.gtol = gtol; c.norm2use = opt_optnum(L, opts, "norm", INFINITY) == 2;
  memcpy(xk, x0, sizeof(double) * (size_t)n);
  old_fval = opt_objf(o, xk);
  opt_objg(o, xk, gfk);
  old_old_fval = old_fval + opt_norm2(gfk, n) / 2;
  for (int i = 0; i < n; i++) pk[i] = -gfk[i];
  gnorm = c.norm2use ? opt_norm2(gfk, n) : opt_norminf(gfk, n);
  s.o = o; s.xk = xk; s.pk = pk; s.xt = xt; s.gt = gt; s.n = n;
  s.extra = cg_descent; s.ud = &c;
  c.xk = xk; c.pk = pk; c.gfk = gfk;
  while (gnorm > gtol && k < maxiter) {
    c.deltak = opt_dot(gfk, gfk, n);
    c.calpha = NAN;
    alpha = wolfe12(&s, old_fval, old_old_fval, opt_dot(gfk, pk, n), 1e-4, 0.4, &fval);
    if (isnan(alpha)) { warnflag = 2; break; }
    old_old_fval = old_fval;
    old_fval = fval;
    if (alpha != c.calpha) pr_step(&c, alpha, gt);
    memcpy(xk, c.xnext, sizeof(double) * (size_t)n);
    memcpy(pk, c.pnext, sizeof(double) * (size_t)n);
    memcpy(gfk, c.gnext, sizeof(double) * (size_t)n);
    gnorm = c.cgnorm;
    k++;
    if (opt_cbcall(&cb, xk, n)) { warnflag = STATUS_CALLBACK; break; }
  }
  {
    const char *msg = MSG_SUCCESS;
    int i;
    if (warnflag == STATUS_CALLBACK) msg = MSG_CALLBACK;
    else if (warnflag == 2) msg = MSG_PRLOSS;
    else if (k >= maxiter) { warnflag = 1; msg = MSG_MAXITER; }
    else if (isnan(gnorm) || isnan(old_fval)) { warnflag = 3; msg = MSG_NAN; }
    else for (i = 0; i < n; i++) if (isnan(xk[i])) { warnflag = 3; msg = MSG_NAN; break; }
    opt_pushresult(L, xk, n, old_fval, gfk, NULL, k, o->nfev, o->njev, warnflag, msg);
  }
  return 1;
}

/* ---- bindings ---- */

/* reads x0 at idx as n doubles into a new work array (pushed) */
double *opt_checkx0(lua_State *L, int idx, int *n) {
  Array *a;
  double *x;
  lumpy_asarray(L, idx);
  a = lumpy_ascontig(L, idx, LUMPY_FLOAT64);
  if (a->size > 100000000) luaL_argerror(L, idx, "x0 too large");
  *n = (int)a->size;
  x = opt_work(L, (size_t)*n);
  if (*n) memcpy(x, a->data, sizeof(double) * (size_t)*n);
  lua_remove(L, -2);
  return x;
}

/* reads n bounds pairs from the lb and ub arrays/tables at idx, idx + 1 */
double *opt_checkbounds(lua_State *L, int idx, int n) {
  double *b;
  int i, k;
  if (lua_isnil(L, idx)) return NULL;
  b = opt_work(L, 2 * (size_t)n);
  for (k = 0; k < 2; k++) {
    Array *a;
    lumpy_asarray(L, idx + k);
    a = lumpy_ascontig(L, idx + k, LUMPY_FLOAT64);
    if (a->size != n) luaL_argerror(L, idx + k, "bounds do not match the size of x0");
    for (i = 0; i < n; i++) b[k * n + i] = ((double *)a->data)[i];
    lua_pop(L, 1);
  }
  return b;
}

void opt_objinit(lua_State *L, Obj *o, int fidx, int jidx, int opts, int n) {
  const char *kernel = "lumpy.optimize.minimize";
  memset(o, 0, sizeof *o);
  lumpy_fn_init(L, &o->fun, fidx, opts, kernel);
  if (lua_isfunction(L, jidx) || lua_istable(L, jidx) || lua_isuserdata(L, jidx)) {
    lumpy_fn_init(L, &o->jac, jidx, opts, kernel);
    o->mode = JAC_FUNC;
  }
  else if (lua_isboolean(L, jidx) && lua_toboolean(L, jidx)) o->mode = JAC_COMBINED;
  else if (lua_type(L, jidx) == LUA_TSTRING && strcmp(lua_tostring(L, jidx), "3-point") == 0)
    o->mode = JAC_FD3;
  else o->mode = JAC_FD2;
  o->eps = opt_optnum(L, opts, "eps", 0);
  o->n = n;
  o->xc = opt_work(L, 3 * (size_t)n);
  o->gc = o->xc + n; o->xt = o->gc + n;
  if (n) o->xc[0] = NAN;      /* nothing cached yet */
}

/* _minimize(method, fun, x0, jac, opts, lb, ub) -> result table.
** jac: a function, true (fun returns f, g), or "2-point"/"3-point" */
static int optimize_minimize(lua_State *L) {
  static const char *const methods[] = {"nelder-mead", "bfgs", "cg", NULL};
  int m = luaL_checkoption(L, 1, NULL, methods), n;
  double *x0, *bnd;
  Obj o;
  luaL_checktype(L, 5, LUA_TTABLE);
  lua_settop(L, 7);
  x0 = opt_checkx0(L, 3, &n);
  bnd = opt_checkbounds(L, 6, n);
  opt_objinit(L, &o, 2, 4, 5, n);
  if (m != 0) lumpy_blas_load(L);       /* BFGS and CG use cblas */
  switch (m) {
    case 0: return nelder_mead(L, &o, x0, 5, bnd, bnd ? bnd + n : NULL);
    case 1: return bfgs(L, &o, x0, 5);
    default: return cgmin(L, &o, x0, 5);
  }
}

/* _approx_fprime(x, f, eps, opts) -> gradient (f scalar) or Jacobian
** (f vector, m x n) by forward differences with absolute step eps */
static int optimize_approx_fprime(lua_State *L) {
  double eps = luaL_checknumber(L, 3), *x, *xt, f0s = 0;
  int n, m, i, k, vec;
  lumpy_Fn f;
  Array *J, *f0a = NULL;
  lua_settop(L, 4);
  lumpy_fn_init(L, &f, 2, 4, "lumpy.optimize.approx_fprime");
  x = opt_checkx0(L, 1, &n);
  xt = opt_work(L, (size_t)n);
  memcpy(xt, x, sizeof(double) * (size_t)n);
  lumpy_fn_call(&f, x, n, 1);
  vec = lua_type(L, -1) != LUA_TNUMBER && !(lumpy_isarray(L, -1) && lumpy_checkarray(L, -1)->ndim == 0);
  if (!vec) {
    int64_t len = n;
    f0s = lumpy_fn_checknumber(&f, -1, "function value");
    lua_pop(L, 1);
    J = lumpy_newarray(L, LUMPY_FLOAT64, 1, &len, 0);
    for (i = 0; i < n; i++) {
      double h = opt_fdstep(x[i], eps, sqrt(DBL_EPSILON));
      xt[i] = x[i] + h;
      ((double *)J->data)[i] = (lumpy_fn_vscalar(&f, xt, n) - f0s) / (xt[i] - x[i]);
      xt[i] = x[i];
    }
    return 1;
  }
  {
    int64_t shape[2], len;
    double *fv, *ft;
    m = lumpy_fn_veclen(&f, -1, "function value");
    len = m;
    f0a = lumpy_newarray(L, LUMPY_FLOAT64, 1, &len, 0);
    fv = (double *)f0a->data;
    lumpy_fn_checkvector(&f, -2, fv, m, "function value");
    lua_remove(L, -2);
    ft = opt_work(L, (size_t)m);
    shape[0] = m; shape[1] = n;
    J = lumpy_newarray(L, LUMPY_FLOAT64, 2, shape, 0);
    for (i = 0; i < n; i++) {
      double h = opt_fdstep(x[i], eps, sqrt(DBL_EPSILON)), dx;
      xt[i] = x[i] + h;
      dx = xt[i] - x[i];
      lumpy_fn_call(&f, xt, n, 1);
      lumpy_fn_checkvector(&f, -1, ft, m, "function value");
      lua_pop(L, 1);
      for (k = 0; k < m; k++) ((double *)J->data)[(size_t)k * n + i] = (ft[k] - fv[k]) / dx;
      xt[i] = x[i];
    }
    return 1;
  }
}

/* _check_grad(f, grad, x0, eps, opts) -> || grad(x0) - approx_fprime ||_2 */
static int optimize_check_grad(lua_State *L) {
  double eps = luaL_checknumber(L, 4), *x, *xt, *g, f0, s = 0;
  int n, i;
  lumpy_Fn f, gf;
  lua_settop(L, 5);
  lumpy_fn_init(L, &f, 1, 5, "lumpy.optimize.check_grad");
  lumpy_fn_init(L, &gf, 2, 5, "lumpy.optimize.check_grad");
  x = opt_checkx0(L, 3, &n);
  xt = opt_work(L, 2 * (size_t)n);
  g = xt + n;
  memcpy(xt, x, sizeof(double) * (size_t)n);
  lumpy_fn_call(&gf, x, n, 1);
  lumpy_fn_checkvector(&gf, -1, g, n, "gradient");
  lua_pop(L, 1);
  f0 = lumpy_fn_vscalar(&f, x, n);
  for (i = 0; i < n; i++) {
    double h = opt_fdstep(x[i], eps, sqrt(DBL_EPSILON)), d;
    xt[i] = x[i] + h;
    d = g[i] - (lumpy_fn_vscalar(&f, xt, n) - f0) / (xt[i] - x[i]);
    xt[i] = x[i];
    s += d * d;
  }
  lua_pushnumber(L, sqrt(s));
  return 1;
}

static const luaL_Reg minimize_funcs[] = {
  {"_minimize", optimize_minimize},
  {"_approx_fprime", optimize_approx_fprime},
  {"_check_grad", optimize_check_grad},
  {NULL, NULL}
};

void lumpy_open_opt_minimize(lua_State *L) {
  luaL_setfuncs(L, minimize_funcs, 0);
}
