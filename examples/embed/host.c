/*
** host.c: a C program that embeds Lua with lumpy and hands its own buffer to
** a script with no copy. The script scales the buffer in place and returns a
** new array, which the host reads back. The buffer is released by the host's
** callback when the last array over it dies.
**
**   make embed && LUA_PATH='lua/?.lua;lua/?/init.lua;;' ./build/embed-host
*/
#include <stdio.h>
#include <stdlib.h>
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"
#include "lumpy.h"

static int released = 0;

static void release(void *data, void *ud) {
  (void)ud;
  free(data);
  released++;
}

/* a C integrand for the kernels: exp(-x^2) */
static double gauss(double x, void *ud) {
  (void)ud;
  return __builtin_exp(-x * x);
}

/* a C objective for minimize: Rosenbrock in n variables, one output */
static int rosen(int n, const double *x, double *out, void *ud) {
  double f = 0;
  int i;
  (void)ud;
  for (i = 0; i + 1 < n; i++) {
    double a = 1 - x[i], b = x[i + 1] - x[i] * x[i];
    f += a * a + 100 * b * b;
  }
  out[0] = f;
  return 0;
}

/* a C right-hand side for solve_ivp: gets (t, y1..yn), writes y' */
static int decay(int n, const double *ty, double *out, void *ud) {
  int i;
  (void)ud;
  for (i = 1; i < n; i++) out[i - 1] = -ty[i];
  return 0;
}

/* the kernels take the C callables wherever they take a function */
static const char *kernels =
  "local np = require 'lumpy'\n"
  "local g, r, d = ...\n"
  "local q = np.integrate.quad(g, -math.huge, math.huge)\n"
  "local m = np.optimize.minimize(r, {-1.2, 1}, {method = 'Nelder-Mead', xatol = 1e-10, fatol = 1e-14})\n"
  "local s = np.integrate.solve_ivp(d, {0, 1}, {1}, {rtol = 1e-10, atol = 1e-12})\n"
  "return q, m.x:get(1), m.x:get(2), s.y:get(1, -1)\n";

static const char *script =
  "local np = require 'lumpy'\n"
  "local buf = ...\n"
  "buf[{}] = buf * 2\n"                  /* writes through to the host buffer */
  "return buf:sum(), np.array{{1, 2}, {3, 4}}\n";

int main(void) {
  lua_State *L = luaL_newstate();
  double *data = malloc(6 * sizeof(double));
  int64_t shape[2] = {2, 3};
  lumpy_Array *a;
  int i, status;
  if (!L || !data) return 1;
  luaL_openlibs(L);
  for (i = 0; i < 6; i++) data[i] = i + 1;
  /* lumpy's Lua files must be on package.path (LUA_PATH), as for any rock;
  ** open it in protected mode so a missing file is an error, not a panic */
  lua_pushcfunction(L, lumpy_open);
  if (lua_pcall(L, 0, 1, 0) != LUA_OK) goto fail;
  lua_pop(L, 1);
  if (luaL_loadstring(L, script) != LUA_OK) goto fail;
  lumpy_pushwrap(L, data, LUMPY_FLOAT64, 2, shape, NULL, release, NULL);
  status = lua_pcall(L, 1, 2, 0);
  if (status != LUA_OK) goto fail;
  printf("sum %g\n", lua_tonumber(L, -2));
  printf("host buffer after the script: %g %g %g %g %g %g\n",
         data[0], data[1], data[2], data[3], data[4], data[5]);
  a = lumpy_checkarray(L, -1);
  printf("returned array: ndim %d, shape %lldx%lld, dtype %d, last %lld\n",
         lumpy_ndim(a), (long long)lumpy_shape(a)[0], (long long)lumpy_shape(a)[1],
         (int)lumpy_dtype(a), (long long)((int64_t *)lumpy_data(a))[3]);
  lua_pop(L, 2);
  /* a C function pointer where a kernel takes a function */
  lumpy_pushscalarfn(L, gauss, NULL);
  lua_pushnumber(L, 1.0);
  lua_call(L, 1, 1);
  printf("C callable from Lua: f(1) = %.6f\n", lua_tonumber(L, -1));
  lua_pop(L, 1);
  if (luaL_loadstring(L, kernels) != LUA_OK) goto fail;
  lumpy_pushscalarfn(L, gauss, NULL);
  lumpy_pushvectorfn(L, rosen, 1, NULL);
  lumpy_pushvectorfn(L, decay, 1, NULL);
  if (lua_pcall(L, 3, 4, 0) != LUA_OK) goto fail;
  printf("quad of the C integrand: %.12f\n", lua_tonumber(L, -4));
  printf("minimize of the C objective: %.6f %.6f\n", lua_tonumber(L, -3), lua_tonumber(L, -2));
  printf("solve_ivp of the C right-hand side: y(1) = %.9f\n", lua_tonumber(L, -1));
  lua_pop(L, 4);
  lua_close(L);
  printf("released %d host buffer(s)\n", released);
  return released == 1 ? 0 : 2;
fail:
  fprintf(stderr, "error: %s\n", lua_tostring(L, -1));
  lua_close(L);
  return 1;
}
