/*
** config.c: lumpy.config(), the facts about this build a user (or the
** benchmark) needs to interpret timings: the BLAS library and the kernel core
** it picked, its threading, the OPENBLAS_CORETYPE it was loaded under, the
** number of processors and the Lua release. OpenBLAS loads on first use
** (blas.c), so config loads it, and names the files it was loaded from.
*/
#include <stdlib.h>
#include <unistd.h>
#include <cblas.h>
#include "core.h"

static const char *parallelname(int p) {
  switch (p) {
    case 0: return "sequential";
    case 1: return "pthread";
    case 2: return "openmp";
    default: return "unknown";
  }
}

/* "OpenBLAS 0.3.21 DYNAMIC_ARCH ..." -> pushes "OpenBLAS 0.3.21" */
static void pushversion(lua_State *L, const char *cfg) {
  const char *p = strchr(cfg, ' ');
  if (p) p = strchr(p + 1, ' ');
  if (p) lua_pushlstring(L, cfg, (size_t)(p - cfg));
  else lua_pushstring(L, cfg);
}

/* the options config accepts, in the order they are checked */
static const char *const options[] = {"blas_threads", NULL};

static void setoptions(lua_State *L) {
  lumpy_checkopts(L, 1, options);
  if (lua_getfield(L, 1, "blas_threads") != LUA_TNIL) {
    lua_Integer n;
    if (!lua_isinteger(L, -1))
      luaL_argerror(L, 1, "blas_threads must be an integer");
    n = lua_tointeger(L, -1);
    if (n < 1 || n > 1024)
      luaL_argerror(L, 1, "blas_threads must be between 1 and 1024");
    lumpy_blas_load(L);
    openblas_set_num_threads((int)n);
  }
  lua_pop(L, 1);
}

/*
** lumpy.config([opts]) -> table. opts.blas_threads sets OpenBLAS's thread
** count first (for every lua_State of the process: the BLAS is global).
*/
static int config_config(lua_State *L) {
  const char *cfg, *core, *env;
  long ncpu;
  if (!lua_isnoneornil(L, 1)) {
    luaL_checktype(L, 1, LUA_TTABLE);
    setoptions(L);
  }
  lumpy_blas_load(L);
  cfg = openblas_get_config();
  core = openblas_get_corename();
  env = getenv("OPENBLAS_CORETYPE");
  ncpu = sysconf(_SC_NPROCESSORS_ONLN);
  lua_createtable(L, 0, 12);
  lua_pushliteral(L, "OpenBLAS");
  lua_setfield(L, -2, "blas");
  lua_pushstring(L, lumpy_blas_library(0));
  lua_setfield(L, -2, "blas_library");
  lua_pushstring(L, lumpy_blas_library(1));
  lua_setfield(L, -2, "lapack_library");
  pushversion(L, cfg ? cfg : "OpenBLAS");
  lua_setfield(L, -2, "blas_version");
  lua_pushstring(L, cfg ? cfg : "");
  lua_setfield(L, -2, "blas_config");
  lua_pushstring(L, core ? core : "unknown");
  lua_setfield(L, -2, "blas_core");
  lua_pushinteger(L, openblas_get_num_threads());
  lua_setfield(L, -2, "blas_threads");
  lua_pushstring(L, parallelname(openblas_get_parallel()));
  lua_setfield(L, -2, "blas_parallel");
  if (env) {
    lua_pushstring(L, env);
    lua_setfield(L, -2, "coretype");
  }
  lua_pushliteral(L, "LAPACKE");
  lua_setfield(L, -2, "lapack");
  lua_pushinteger(L, ncpu > 0 ? (lua_Integer)ncpu : 1);
  lua_setfield(L, -2, "cpus");
  lua_pushliteral(L, LUA_RELEASE);
  lua_setfield(L, -2, "lua");
  return 1;
}

void lumpy_open_config(lua_State *L) {
  static const luaL_Reg funcs[] = {{"config", config_config}, {NULL, NULL}};
  lumpy_register(L, funcs, NULL);
}
