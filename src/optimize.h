/*
** optimize.h: private interface between the optimize files (optimize.c and
** src/opt_*.c). Each opt_ file adds its kernels to the _optimize table;
** opt_minimize.c also holds what the multivariate kernels share: the
** objective with its cache and finite differences, options, results,
** callbacks, and the More-Thuente line search.
*/
#ifndef LUMPY_OPTIMIZE_H
#define LUMPY_OPTIMIZE_H

#include "core.h"

/* each adds its functions to the table on top of the stack */
void lumpy_open_opt_scalar(lua_State *L);
void lumpy_open_opt_minimize(lua_State *L);
void lumpy_open_opt_lbfgsb(lua_State *L);
void lumpy_open_opt_lsq(lua_State *L);
void lumpy_open_opt_root(lua_State *L);
void lumpy_open_opt_rosen(lua_State *L);   /* opt_rosen.c: rosen, rosen_der, ... */

/* ---- scalar minimisation for line searches (opt_scalar.c) ---- */
typedef double (*opt_F1)(void *ud, double x);
typedef struct MinOut {
  double x, fun;
  int nit, nfev, flag;      /* flag: 0 ok, 1 maxiter, 2 nan */
} MinOut;
/* a bracket xa, xb, xc with f(xb) below both ends, downhill from xa, xb;
** returns 0, or -1 after maxiter steps */
int opt_bracket(opt_F1 f, void *ud, double *pa, double *pb, double *pc, double *pfa,
                double *pfb, double *pfc, int *ncalls, double grow_limit, int maxiter);
/* Brent's minimiser from the bracket (xa, xb, xc) with f(xb) = fb */
void opt_brent(opt_F1 f, void *ud, double xa, double xb, double xc, double fb, int ncalls,
               double tol, int maxiter, MinOut *o);
/* Brent's fmin on [x1, x2] */
void opt_bounded(opt_F1 f, void *ud, double x1, double x2, double xatol, int maxfun,
                 MinOut *o);

/* ---- the objective of a vector kernel (opt_minimize.c) ---- */
enum { JAC_FD2, JAC_FD3, JAC_FUNC, JAC_COMBINED };

typedef struct Obj {
  lumpy_Fn fun, jac;
  int n, mode;
  double eps;          /* absolute finite-difference step; 0: relative */
  double *xc, fc, *gc; /* cached point, value and gradient */
  int fok, gok, gready;/* gready: gc filled by a combined call */
  double *xt;          /* scratch point for differences */
  const double *lb, *ub;  /* bounds the differences respect, or NULL */
  long nfev, njev;
} Obj;

/* sets up o for fun at fidx, jac at jidx (function, true, "2-point",
** "3-point" or nil), options at opts; x0 of n values; pushes work memory */
void opt_objinit(lua_State *L, Obj *o, int fidx, int jidx, int opts, int n);
double opt_rawf(Obj *o, const double *x, double *g);
double opt_objf(Obj *o, const double *x);
void opt_objg(Obj *o, const double *x, double *g);
double opt_fdstep(double x, double eps, double rstep);
/* the step h at x kept inside [lb, ub] (approx_derivative's rules) */
double opt_fdbounded(double x, double h, double lb, double ub, int threepoint, int *onesided);

double opt_dot(const double *a, const double *b, int n);
double opt_norminf(const double *a, int n);
double opt_norm2(const double *a, int n);
/* MINPACK's enorm: the 2-norm safe from overflow and underflow (opt_lsq.c) */
double opt_enorm(const double *x, int n);

/* options table fields */
double opt_optnum(lua_State *L, int t, const char *k, double def);
long opt_optint(lua_State *L, int t, const char *k, long def);
int opt_optbool(lua_State *L, int t, const char *k);

/* the per-iteration callback(xk); a true result asks to stop */
typedef struct Callback {
  lumpy_Fn fn;
  int on;
} Callback;
void opt_cbinit(lua_State *L, Callback *cb, int opts, const char *kernel);
int opt_cbcall(Callback *cb, const double *x, int n);

#define MSG_SUCCESS "Optimization terminated successfully."
#define MSG_MAXFEV "Maximum number of function evaluations has been exceeded."
#define MSG_MAXITER "Maximum number of iterations has been exceeded."
#define MSG_PRLOSS "Desired error not necessarily achieved due to precision loss."
#define MSG_NAN "NaN result encountered."
#define MSG_CALLBACK "Stopped by the callback."
#define STATUS_CALLBACK 99

void opt_pushvec(lua_State *L, const double *v, int n);
/* pushes {x, fun, jac, hess_inv, nit, nfev, njev, status, success, message};
** jac and hess may be NULL, njev < 0 leaves it out */
void opt_pushresult(lua_State *L, const double *x, int n, double fun, const double *jac,
                    const double *hess, long nit, long nfev, long njev, int status,
                    const char *msg);
/* n doubles of zeroed work memory owned by a new array on the stack */
double *opt_work(lua_State *L, size_t n);
/* x0 (array, table or number) at idx as a new work array of *n doubles */
double *opt_checkx0(lua_State *L, int idx, int *n);
/* lb and ub (arrays or tables) at idx, idx + 1 as 2n doubles, or NULL */
double *opt_checkbounds(lua_State *L, int idx, int n);

/* ---- More-Thuente line search (MINPACK-2 dcsrch) as a state machine ---- */
enum { DCS_FG, DCS_CONV, DCS_WARN, DCS_ERROR };
typedef struct Dcsrch {
  double ftol, gtol, xtol, stpmin, stpmax;
  double finit, ginit, gtest, width, width1;
  double stx, fx, gx, sty, fy, gy, stmin, stmax;
  int brackt, stage;
} Dcsrch;
/* start at step *stp with f, g at 0; returns DCS_FG (evaluate at *stp) or
** DCS_ERROR */
int opt_dcsrch_start(Dcsrch *s, double *stp, double f, double g, double ftol, double gtol,
                     double xtol, double stpmin, double stpmax);
/* f, g at *stp; returns DCS_FG with a new *stp, or DCS_CONV/DCS_WARN */
int opt_dcsrch_next(Dcsrch *s, double *stp, double f, double g);

/* opt_powell.c, opt_slsqp.c, opt_linprog.c: minimize's Powell and SLSQP,
** linprog */
void lumpy_open_opt_powell(lua_State *L);
void lumpy_open_opt_slsqp(lua_State *L);
void lumpy_open_opt_linprog(lua_State *L);

/* ---- residuals of the least-squares kernels (opt_lsq.c, opt_dogbox.c) ---- */
enum { RES_PLAIN, RES_CURVE };

typedef struct Res {
  lumpy_Fn fun, jac;
  int mode, hasjac, m, n;
  int xidx;                /* curve: stack index of xdata */
  const double *y, *w;     /* curve: ydata and weights 1/sigma (or NULL) */
  const double *Ls;        /* curve: Cholesky factor of a 2-d sigma (or NULL) */
  long nfev, njev;
} Res;

/* r for fun at fidx and jac at jidx (used when callable), options at optsidx */
double *opt_lsq_begin(lua_State *L, int top, Res *r, int *n, const char **kernel);
void opt_lsq_bounds(lua_State *L, int n, double **lb, double **ub);
void opt_res_init(lua_State *L, Res *r, int fidx, int jidx, int optsidx,
                  const char *kernel, int n);
/* curve_fit's sigma at idx (weights, or the Cholesky factor of a matrix) */
void opt_res_sigma(lua_State *L, Res *r, int idx, const char *kernel);
/* the residual vector at x into f (m values), counted in r->nfev */
void opt_res_eval(Res *r, const double *x, double *f);
/* the user's Jacobian at x into J (m x n, column major) */
void opt_res_userjac(Res *r, const double *x, double *J);

enum { LOSS_LINEAR, LOSS_SOFT_L1, LOSS_HUBER, LOSS_CAUCHY, LOSS_ARCTAN };
/* cost 0.5 sum rho(f^2) and, unless cost_only, rho, rho', rho'' into rho (3m) */
double opt_lossfn(int loss, double fs, const double *f, int m, double *rho, int cost_only);
/* J and f scaled for a robust loss (scale_for_robust_loss_function) */
void opt_lossscale(double *J, double *f, int m, int n, const double *rho);
/* rescales J and f for the loss and sets g = J'f; returns the cost */
double opt_lsq_grad(double *J, double *f, int m, int n, int loss, double fs, double *rho,
                    double *g);
/* scale and sinv from opts.x_scale (opts at 4); returns 1 for "jac" */
int opt_lsq_xscale(lua_State *L, const char *kernel, const double *J, int m, int n,
                   double *scale, double *sinv);
/* x_scale = "jac": sinv = max(column norms of J, sinv), scale = 1 / sinv */
void opt_lsq_jacscale(const double *J, int m, int n, double *scale, double *sinv);

/* least_squares' status messages, by status 0..4 */
extern const char *const opt_lsq_msg[];
/* pushes least_squares' result table (Jcm NULL: x, cost, fun, counts only) */
void opt_push_lsq(lua_State *L, const double *x, int n, const double *f, int m,
                  const double *Jcm, double cost, long nfev, long njev, int status,
                  const char *msg, const double *active);
/* curve_fit's unscaled covariance from the SVD of J; 0 when not formed */
int opt_lsq_cov(const double *J, int m, int n, double *A, double *U, double *sv, double *VT,
                double *cov);
/* sets field pcov (and pcov_indeterminate) of the table on top from cov */
void opt_push_pcov(lua_State *L, const double *cov, int n, int m, double sumsq, int absolute);

/* opt_dogbox.c: least_squares' dogbox */
void lumpy_open_opt_dogbox(lua_State *L);

#endif
