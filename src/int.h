/*
** int.h: what the integrate files (integrate.c, int_*.c) share.
*/
#ifndef LUMPY_INT_H
#define LUMPY_INT_H

#include "core.h"

/* ---- int_quad.c: QUADPACK kernels ---- */
typedef double (*lumpy_QuadF)(double x, void *ud);

/* work arrays of one adaptive run, limit intervals long (Lua-owned) */
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

/* ---- int_samples.c, int_ode.c: their Lua functions ---- */
void lumpy_open_int_samples(lua_State *L, int t);
void lumpy_open_int_ode(lua_State *L, int t);

#endif
