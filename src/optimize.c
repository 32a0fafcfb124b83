/*
** optimize.c: the optimize domain of lumpy. The kernels live in
** src/opt_*.c by role (opt_scalar.c: scalar roots and minimisation;
** opt_minimize.c: Nelder-Mead, BFGS, CG and what the vector kernels share;
** opt_lbfgsb.c: L-BFGS-B; opt_lsq.c: least_squares and curve_fit;
** opt_root.c: root 'hybr'; opt_rosen.c: the Rosenbrock helpers); this
** file gathers them into the core module's _optimize table, from which
** lua/lumpy/optimize.lua builds np.optimize.
*/
#include "optimize.h"

void lumpy_open_optimize(lua_State *L) {
  lua_newtable(L);
  lumpy_open_opt_powell(L);
  lumpy_open_opt_slsqp(L);
  lumpy_open_opt_linprog(L);
  lumpy_open_opt_scalar(L);
  lumpy_open_opt_minimize(L);
  lumpy_open_opt_lbfgsb(L);
  lumpy_open_opt_lsq(L);
  lumpy_open_opt_dogbox(L);
  lumpy_open_opt_root(L);
  lumpy_open_opt_rosen(L);
  lua_setfield(L, LUMPY_MODULE, "_optimize");
}
