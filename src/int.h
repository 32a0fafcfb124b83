/*
** int.h: what the integrate files (integrate.c, int_*.c) share.
*/
#ifndef LUMPY_INT_H
#define LUMPY_INT_H

#include "core.h"

/* ---- int_quad.c: QUADPACK kernels ---- */
typedef double (*lumpy_QuadF)(double x, void *ud);

/* work arrays of one adaptive run, limit intervals long (Lua-owned); level
** is used by QAGS, QAGI, QAGP and QAWO, ndin by QAGP */
typedef struct lumpy_QuadWork {
  double *alist, *blist, *rlist, *elist;
  int *iord, *level, *ndin;
} lumpy_QuadWork;

typedef struct lumpy_QuadResult {
  double result, abserr;
  int ier, last, neval;
} lumpy_QuadResult;

void lumpy_qk21(lumpy_QuadF f, void *ud, double a, double b, double *result,
                double *abserr, double *resabs, double *resasc);
void lumpy_qags(lumpy_QuadF f, void *ud, double a, double b, double epsabs, double epsrel,
                int limit, lumpy_QuadWork *w, lumpy_QuadResult *out);
void lumpy_qagi(lumpy_QuadF f, void *ud, double bound, int inf, double epsabs,
                double epsrel, int limit, lumpy_QuadWork *w, lumpy_QuadResult *out);
void lumpy_qagp(lumpy_QuadF f, void *ud, double a, double b, int npts, const double *pts,
                double epsabs, double epsrel, int limit, lumpy_QuadWork *w,
                lumpy_QuadResult *out);

/* one rule application on [a, b] for lumpy_qext: lev is the bisection level
** of [a, b] (QAWO's moment index), second is 1 for the second half of a
** bisection (QAWO reuses the moments of the first); returns the number of
** integrand evaluations */
typedef int (*lumpy_QextRule)(void *ctx, double a, double b, int lev, int second,
                              double *result, double *abserr, double *resabs,
                              double *resasc);

/* the extrapolating strategy shared by QAGS, QAGI, QAGP and QAWO */
typedef struct lumpy_Qext {
  lumpy_QextRule rule;
  void *ctx;
  double epsabs, epsrel;
  int limit;
  /* the start: last intervals in the work arrays (alist, blist, rlist,
  ** elist, level; iord by decreasing error) after neval evaluations; result
  ** the sum of their integrals, errsum of their errors, defabs of the rule's
  ** integrals of |f| */
  int last, neval;
  double result, errsum, defabs;
  /* the variant */
  int bylevel;        /* QAGP: an interval is small by its level, not its width */
  int omega_wait;     /* QAWO: no extrapolation before intervals are short for */
  double domega;      /* domega = |omega| */
  int lt_converged;   /* QAGP: extrapolation ends on abserr < ertest (others <=) */
  int ge_diverges;    /* QAWO: errsum >= |area| counts as divergence (others >) */
} lumpy_Qext;

void lumpy_qext(const lumpy_Qext *q, lumpy_QuadWork *w, lumpy_QuadResult *out);

/* the book's error-list ordering (dqpsrt) and epsilon algorithm (dqelg) */
void lumpy_qpsrt(int limit, int last, int *maxerr, double *ermax, const double *elist,
                 int *iord, int *nrmax);
void lumpy_qelg(int *n, double *epstab, double *result, double *abserr, double *res3la,
                int *nres);

/* ---- int_qaw.c: weighted integrands ---- */
void lumpy_qawc(lumpy_QuadF f, void *ud, double a, double b, double c, double epsabs,
                double epsrel, int limit, lumpy_QuadWork *w, lumpy_QuadResult *out);
void lumpy_qaws(lumpy_QuadF f, void *ud, double a, double b, double alfa, double beta,
                int integr, double epsabs, double epsrel, int limit, lumpy_QuadWork *w,
                lumpy_QuadResult *out);
/* chebmo: maxp1 x 25 doubles; w->level serves as nnlog */
void lumpy_qawo(lumpy_QuadF f, void *ud, double a, double b, double omega, int integr,
                double epsabs, double epsrel, int limit, int maxp1, double *chebmo,
                lumpy_QuadWork *w, lumpy_QuadResult *out);
void lumpy_qawf(lumpy_QuadF f, void *ud, double a, double omega, int integr, double epsabs,
                int limlst, int limit, int maxp1, double *chebmo, lumpy_QuadWork *w,
                lumpy_QuadResult *out, int *lst);

/* ---- int_ode.c: the solve_ivp driver and the solver interface ---- */
typedef struct lumpy_Ode lumpy_Ode;

/* a method: init after the common fields are set (may call fun); step
** advances one step (0 and *msg on failure); dense fills rec with the
** interpolant of the last step (rec has reclen(n) doubles: t_old, t, then
** the method's data); eval evaluates a record at t into y */
typedef struct lumpy_OdeMethod {
  const char *name;
  size_t (*worksize)(int n);              /* bytes of method state */
  void (*init)(lumpy_Ode *o);
  int (*step)(lumpy_Ode *o, const char **msg);
  void (*dense)(lumpy_Ode *o, double *rec);
  int (*reclen)(int n);
  void (*eval)(const double *rec, int n, double t, double *y);
} lumpy_OdeMethod;

struct lumpy_Ode {
  lua_State *L;
  lumpy_Fn fn;
  int tfirst;               /* fun(t, y) (1) or fun(y, t) (0, odeint) */
  int n;
  const lumpy_OdeMethod *m;
  double t, t_old, t_bound, direction;
  double *y, *y_old, *f, *atol, *tmp;
  double rtol, max_step, first_step, h_abs, h_previous, newton_tol;
  long nfev, njev, nlu;
  int jacidx;               /* stack index of a user Jacobian, 0 for none */
  lumpy_Fn jac;
  void *ms;                 /* method state */
};

/* fun(t, y) into out, counting the evaluation */
void lumpy_ode_fun(lumpy_Ode *o, double t, const double *y, double *out);
/* the RMS norm */
double lumpy_ode_norm(const double *x, int n);
/* SciPy's select_initial_step (Hairer, Norsett, Wanner I, II.4) */
double lumpy_ode_initial_step(lumpy_Ode *o, const double *f0, int order, double *y1,
                              double *f1);

/* integrate.c: the number at opts[k] (opts at stack index t), or def when nil */
double lumpy_int_optnum(lua_State *L, int t, const char *k, double def);

/* ---- int_stiff.c, int_stiff_lsoda.c: the implicit methods, odeint ---- */
extern const lumpy_OdeMethod lumpy_ode_radau, lumpy_ode_bdf, lumpy_ode_lsoda;
void lumpy_open_int_stiff(lua_State *L, int t);

/* ---- int_samples.c, int_ode.c: their Lua functions ---- */
void lumpy_open_int_samples(lua_State *L, int t);
void lumpy_open_int_ode(lua_State *L, int t);
void lumpy_open_int_quadvec(lua_State *L, int t);

#endif
