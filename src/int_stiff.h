/*
** int_stiff.h: what the stiff solvers (int_stiff.c: Radau, BDF and the
** Jacobian helpers; int_stiff_lsoda.c: LSODA and odeint) share.
*/
#ifndef LUMPY_INT_STIFF_H
#define LUMPY_INT_STIFF_H

#include <stdint.h>
#include "int.h"

#define STIFF_TOO_SMALL "Required step size is less than spacing between numbers."

/* how a method gets its Jacobian */
enum { STIFF_JAC_FD, STIFF_JAC_FUN, STIFF_JAC_CONST };

/* the Jacobian source of o: a user function (o->jacidx), a constant matrix
** given as the option jac_const of the options table at stack index 5
** (copied into J, column-major), or finite differences */
int lumpy_stiff_jacinit(lumpy_Ode *o, double *J);
/* J (column-major, n x n) at (t, y), f = fun(t, y): the user's function or
** forward differences (whose evaluations are not counted in nfev, as
** SciPy's Radau and BDF do not count them; count_fd adds them, as LSODA
** does); work holds n doubles. Counts njev. */
void lumpy_stiff_jac(lumpy_Ode *o, int kind, double t, const double *y, const double *f,
                     double *J, double *work, int count_fd);

/* LU with partial pivoting of the n x n column-major A in place (dgetrf's
** algorithm and pivots, ipiv 1-based as LAPACK's) and the solve of A x = b
** with it (b overwritten): small n in plain loops, larger n through LAPACK */
void lumpy_stiff_lu(int n, double *A, lapack_int *ipiv);
void lumpy_stiff_solve(int n, const double *A, const lapack_int *ipiv, double *b);

/* A solver's work block is carved by one layout function that both its
** worksize (to measure: on a scratch header, plus alignment slack) and its
** init (to place the arrays) run, so the size cannot fall out of step with
** the arrays: *at advances by bytes and the old position is returned */
static inline uintptr_t lumpy_carve(uintptr_t *at, size_t bytes) {
  uintptr_t p = *at;
  *at += bytes;
  return p;
}
/* the first 16-byte aligned address after the header h */
#define LUMPY_CARVE_START(h) (((uintptr_t)((h) + 1) + 15) & ~(uintptr_t)15)

#endif
