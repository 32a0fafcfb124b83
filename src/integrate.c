/*
** integrate.c: the Lua bindings of lumpy.integrate's quadrature (the
** kernels are in int_quad.c), and lumpy_open_integrate, which also opens the
** sample-based rules (int_samples.c) and the ODE solvers (int_ode.c). The
** functions go into the core module's subtable _integrate; the public module
** is lua/lumpy/integrate.lua.
*/
#include <float.h>
#include <math.h>
#include "int.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

#define QUAD "lumpy.integrate.quad"

static double quad_lua(double x, void *ud) {
  return lumpy_fn_scalar((lumpy_Fn *)ud, x);
}

/* pushes a work area for limit intervals */
static void newwork(lua_State *L, int limit, lumpy_QuadWork *w) {
  size_t n = (size_t)limit;
  char *p = (char *)lua_newuserdatauv(L, n * (4 * sizeof(double) + 3 * sizeof(int)), 0);
  w->alist = (double *)p;
  w->blist = w->alist + n;
  w->rlist = w->blist + n;
  w->elist = w->rlist + n;
  w->iord = (int *)(w->elist + n);
  w->level = w->iord + n;
  w->ndin = w->level + n;
}

/* the number at opts[k] (opts at stack index t), or def when it is nil */
double lumpy_int_optnum(lua_State *L, int t, const char *k, double def) {
  double v;
  lua_getfield(L, t, k);
  v = luaL_optnumber(L, -1, def);
  lua_pop(L, 1);
  return v;
}

/*
** quad(f, a, b, opts) -> value, abserr, ier, neval, last
** opts (normalised by integrate.lua): epsabs, epsrel, limit, points (a
** sorted table of distinct break points strictly inside (a, b)), args.
*/
static int quad_run(lua_State *L) {
  lumpy_Fn fn;
  lumpy_QuadWork w;
  lumpy_QuadResult r;
  lumpy_QuadF f = quad_lua;
  void *ud = &fn;
  double a = luaL_checknumber(L, 2), b = luaL_checknumber(L, 3);
  double epsabs, epsrel, *pts = NULL;
  int limit, npts = 0, flip = 0;
  luaL_checktype(L, 4, LUA_TTABLE);
  lua_settop(L, 4);
  lumpy_fn_init(L, &fn, 1, 4, QUAD);
  fn.unprotected = 1;
  if (fn.sf) { f = fn.sf; ud = fn.cud; }
  epsabs = lumpy_int_optnum(L, 4, "epsabs", 1.49e-8);
  epsrel = lumpy_int_optnum(L, 4, "epsrel", 1.49e-8);
  limit = (int)lumpy_int_optnum(L, 4, "limit", 50);
  if (limit < 1) return lumpy_kerror(L, "%s: limit must be at least 1, got %d", QUAD, limit);
  if (epsabs <= 0.0 && epsrel < fmax(50.0 * DBL_EPSILON, 5e-29))
    return lumpy_kerror(L, "%s: tolerances too small (epsabs <= 0 and epsrel < 50 * eps)", QUAD);
  if (b < a) { double t = a; a = b; b = t; flip = 1; }
  if (lua_getfield(L, 4, "points") == LUA_TTABLE) {
    int i, n = (int)lua_rawlen(L, -1), pidx = lua_gettop(L);
    pts = (double *)lua_newuserdatauv(L, sizeof(double) * (size_t)(n + 1), 0);
    for (i = 1; i <= n; i++) {
      double p;
      lua_rawgeti(L, pidx, i);
      p = lua_tonumber(L, -1);
      lua_pop(L, 1);
      if (p > a && p < b && (npts == 0 || p > pts[npts - 1])) pts[npts++] = p;
    }
  }
  if (pts && (isinf(a) || isinf(b)))
    return lumpy_kerror(L, "%s: infinite limits cannot be used with break points", QUAD);
  if (pts) {
    newwork(L, limit > npts + 2 ? limit : npts + 2, &w);
    lumpy_qagp(f, ud, a, b, npts, pts, epsabs, epsrel, limit, &w, &r);
  }
  else if (b == HUGE_VAL || a == -HUGE_VAL) {
    /* SciPy's cases (a <= b here): (a, inf) with a > -inf, even a = inf;
    ** (-inf, inf); (-inf, b) with b < inf, even b = -inf */
    int inf = b == HUGE_VAL ? (a != -HUGE_VAL ? 1 : 2) : -1;
    newwork(L, limit, &w);
    lumpy_qagi(f, ud, inf == 1 ? a : inf == -1 ? b : 0.0, inf, epsabs, epsrel, limit, &w, &r);
  }
  else {
    newwork(L, limit, &w);
    lumpy_qags(f, ud, a, b, epsabs, epsrel, limit, &w, &r);
  }
  lua_pushnumber(L, flip ? -r.result : r.result);
  lua_pushnumber(L, r.abserr);
  lua_pushinteger(L, r.ier);
  lua_pushinteger(L, r.neval);
  lua_pushinteger(L, r.last);
  return 5;
}

/*
** quad_weight(f, a, b, opts) -> value, abserr, ier, neval, last
** opts (normalised by integrate.lua, a < b): weight ("cos", "sin", "alg",
** "alg-loga", "alg-logb", "alg-log", "cauchy"), wvar (a number, or alpha
** and beta as wvar1, wvar2), epsabs, epsrel, limit, limlst, maxp1, args.
*/
static int quad_weight_run(lua_State *L) {
  lumpy_Fn fn;
  lumpy_QuadWork w;
  lumpy_QuadResult r;
  lumpy_QuadF f = quad_lua;
  void *ud = &fn;
  double a = luaL_checknumber(L, 2), b = luaL_checknumber(L, 3), epsabs, epsrel;
  const char *weight;
  int limit, lst = 0;
  luaL_checktype(L, 4, LUA_TTABLE);
  lua_settop(L, 4);
  lumpy_fn_init(L, &fn, 1, 4, QUAD);
  fn.unprotected = 1;
  if (fn.sf) { f = fn.sf; ud = fn.cud; }
  epsabs = lumpy_int_optnum(L, 4, "epsabs", 1.49e-8);
  epsrel = lumpy_int_optnum(L, 4, "epsrel", 1.49e-8);
  limit = (int)lumpy_int_optnum(L, 4, "limit", 50);
  lua_getfield(L, 4, "weight");
  weight = luaL_checkstring(L, -1);
  lua_pop(L, 1);
  if (limit < 1) return lumpy_kerror(L, "%s: limit must be at least 1, got %d", QUAD, limit);
  if (strcmp(weight, "cos") == 0 || strcmp(weight, "sin") == 0) {
    int integr = weight[0] == 'c' ? 1 : 2;
    int maxp1 = (int)lumpy_int_optnum(L, 4, "maxp1", 50);
    double omega = lumpy_int_optnum(L, 4, "wvar1", 0.0), *chebmo;
    if (maxp1 < 1) return lumpy_kerror(L, "%s: maxp1 must be at least 1", QUAD);
    lumpy_blas_load(L);   /* the Chebyshev moments solve with LAPACK */
    chebmo = (double *)lua_newuserdatauv(L, sizeof(double) * 25 * (size_t)maxp1, 0);
    newwork(L, limit, &w);
    if (isinf(b)) {
      int limlst = (int)lumpy_int_optnum(L, 4, "limlst", 50);
      if (limlst < 3) return lumpy_kerror(L, "%s: limlst must be at least 3", QUAD);
      if (epsabs <= 0.0) return lumpy_kerror(L, "%s: epsabs must be positive", QUAD);
      lumpy_qawf(f, ud, a, omega, integr, epsabs, limlst, limit, maxp1, chebmo, &w, &r, &lst);
    }
    else {
      if (epsabs <= 0.0 && epsrel < fmax(50.0 * DBL_EPSILON, 5e-29))
        return lumpy_kerror(L, "%s: tolerances too small (epsabs <= 0 and epsrel < 50 * eps)",
                          QUAD);
      lumpy_qawo(f, ud, a, b, omega, integr, epsabs, epsrel, limit, maxp1, chebmo, &w, &r);
    }
  }
  else if (strcmp(weight, "cauchy") == 0) {
    double c = lumpy_int_optnum(L, 4, "wvar1", 0.0);
    if (c == a || c == b)
      return lumpy_kerror(L, "%s: the Cauchy weight's c must not be a limit", QUAD);
    if (epsabs <= 0.0 && epsrel < fmax(50.0 * DBL_EPSILON, 5e-29))
      return lumpy_kerror(L, "%s: tolerances too small (epsabs <= 0 and epsrel < 50 * eps)",
                        QUAD);
    newwork(L, limit, &w);
    lumpy_qawc(f, ud, a, b, c, epsabs, epsrel, limit, &w, &r);
  }
  else {
    static const char *const algs[] = {"alg", "alg-loga", "alg-logb", "alg-log"};
    double alfa = lumpy_int_optnum(L, 4, "wvar1", 0.0), beta = lumpy_int_optnum(L, 4, "wvar2", 0.0);
    int integr = 0, k;
    for (k = 0; k < 4; k++)
      if (strcmp(weight, algs[k]) == 0) integr = k + 1;
    if (integr == 0) return lumpy_kerror(L, "%s: unknown weight '%s'", QUAD, weight);
    if (alfa <= -1.0 || beta <= -1.0)
      return lumpy_kerror(L, "%s: the algebraic weight needs alpha > -1 and beta > -1", QUAD);
    if (limit < 2) return lumpy_kerror(L, "%s: limit must be at least 2 for this weight", QUAD);
    if (epsabs <= 0.0 && epsrel < fmax(50.0 * DBL_EPSILON, 5e-29))
      return lumpy_kerror(L, "%s: tolerances too small (epsabs <= 0 and epsrel < 50 * eps)",
                        QUAD);
    newwork(L, limit, &w);
    lumpy_qaws(f, ud, a, b, alfa, beta, integr, epsabs, epsrel, limit, &w, &r);
  }
  lua_pushnumber(L, r.result);
  lua_pushnumber(L, r.abserr);
  lua_pushinteger(L, r.ier);
  lua_pushinteger(L, r.neval);
  lua_pushinteger(L, lst ? lst : r.last);
  return 5;
}

/* a quad kernel under one lua_pcall: the integrand is called with plain
** lua_call */
static int protected_quad(lua_State *L, lua_CFunction run) {
  lua_settop(L, 4);
  return lumpy_fn_protect(L, run, 4, 5, QUAD);
}

static int integrate_quad(lua_State *L) { return protected_quad(L, quad_run); }
static int integrate_quad_weight(lua_State *L) { return protected_quad(L, quad_weight_run); }

/* Gauss-Legendre nodes and weights on [-1, 1] (n of each): Newton's method
** on the three-term recurrence of the Legendre polynomials, started from
** Tricomi's approximation cos(pi (i - 1/4) / (n + 1/2)) (Abramowitz and
** Stegun 22.16.6, 25.4.29) */
static void gauss_legendre(int n, double *x, double *w) {
  int i, k, it;
  for (i = 0; i < (n + 1) / 2; i++) {
    double z = cos(M_PI * (i + 0.75) / (n + 0.5)), dp = 0.0;
    for (it = 0; it < 100; it++) {
      double p0 = 1.0, p1 = 0.0, z1;
      for (k = 1; k <= n; k++) {
        double p2 = p1;
        p1 = p0;
        p0 = ((2.0 * k - 1.0) * z * p1 - (k - 1.0) * p2) / k;
      }
      dp = n * (z * p0 - p1) / (z * z - 1.0);
      z1 = z;
      z = z1 - p0 / dp;
      if (fabs(z - z1) <= 1e-16) break;
    }
    {
      double p0 = 1.0, p1 = 0.0;   /* derivative at the converged node */
      for (k = 1; k <= n; k++) {
        double p2 = p1;
        p1 = p0;
        p0 = ((2.0 * k - 1.0) * z * p1 - (k - 1.0) * p2) / k;
      }
      dp = n * (z * p0 - p1) / (z * z - 1.0);
    }
    x[i] = -z;
    x[n - 1 - i] = z;
    w[i] = w[n - 1 - i] = 2.0 / ((1.0 - z * z) * dp * dp);
  }
  if (n % 2 == 1) x[n / 2] = 0.0;
}

/*
** fixed_quad(f, a, b, n, opts) -> value: n-point Gauss-Legendre; f gets
** the n nodes as one float64 array and returns n values
*/
static int integrate_fixed_quad(lua_State *L) {
  lumpy_Fn fn;
  double a = luaL_checknumber(L, 2), b = luaL_checknumber(L, 3), *x, *w, *y, s = 0.0;
  lua_Integer n = luaL_checkinteger(L, 4);
  int i;
  lua_settop(L, 5);
  if (n < 1 || n > 100000) return luaL_argerror(L, 4, "order must be between 1 and 100000");
  if (isinf(a) || isinf(b))
    return lumpy_kerror(L, "lumpy.integrate.fixed_quad: infinite integration limits");
  lumpy_fn_init(L, &fn, 1, 5, "lumpy.integrate.fixed_quad");
  x = (double *)lua_newuserdatauv(L, sizeof(double) * 3 * (size_t)n, 0);
  w = x + n;
  y = w + n;
  gauss_legendre((int)n, x, w);
  for (i = 0; i < n; i++) x[i] = (b - a) * (x[i] + 1.0) / 2.0 + a;
  lumpy_fn_call(&fn, x, (int)n, 1);
  lumpy_fn_checkvector(&fn, -1, y, (int)n, "the integrand's values");
  for (i = 0; i < n; i++) s += w[i] * y[i];
  lua_pushnumber(L, (b - a) / 2.0 * s);
  return 1;
}

void lumpy_open_integrate(lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"quad", integrate_quad}, {"quad_weight", integrate_quad_weight},
    {"fixed_quad", integrate_fixed_quad},
    {NULL, NULL}
  };
  int t;
  lua_newtable(L);
  t = lua_gettop(L);
  luaL_setfuncs(L, funcs, 0);
  lumpy_open_int_samples(L, t);
  lumpy_open_int_ode(L, t);
  lumpy_open_int_quadvec(L, t);
  lumpy_open_int_stiff(L, t);
  lua_setfield(L, LUMPY_MODULE, "_integrate");
}
