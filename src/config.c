/*
** config.c: lumpy.config(), the facts about this build a user (or the
** benchmark) needs to interpret timings: the BLAS library and the kernel core
** it picked, its threading, the OPENBLAS_CORETYPE it was loaded under, the
** number of processors, the Lua release, and the vector instructions lumpy's
** own kernels use (which config can lower, to compare or test the paths). OpenBLAS loads on first use
** (blas.c), so config loads it, and names the files it was loaded from.
*/
#include <pthread.h>
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

/* ---- vector instructions ---- */

int lumpy_simd = LUMPY_SIMD_NONE;
static const char *const simdnames[] = {"none", "avx2", "avx512", NULL};

/* what this CPU offers lumpy's kernels */
static int cpusimd(void) {
#if defined(__GNUC__) && defined(__x86_64__)
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return __builtin_cpu_supports("avx512f") ? LUMPY_SIMD_AVX512 : LUMPY_SIMD_AVX2;
#endif
  return LUMPY_SIMD_NONE;
}

static void detectsimd(void) { lumpy_simd = cpusimd(); }

/* the options config accepts, in the order they are checked */
static const char *const options[] = {"blas_threads", "simd", NULL};

static void setoptions(lua_State *L) {
  lumpy_checkopts(L, 1, options);
  if (lua_getfield(L, 1, "simd") != LUA_TNIL) {
    const char *name;
    int i, cpu = cpusimd();
    if (lua_type(L, -1) != LUA_TSTRING)
      luaL_argerror(L, 1, "simd must be 'none', 'avx2', 'avx512' or 'native'");
    name = lua_tostring(L, -1);
    if (strcmp(name, "native") == 0) i = cpu;
    else {
      for (i = 0; simdnames[i]; i++) if (strcmp(name, simdnames[i]) == 0) break;
      if (!simdnames[i])
        luaL_argerror(L, 1, lua_pushfstring(L, "simd must be 'none', 'avx2', 'avx512' or "
                                               "'native', got '%s'", name));
      if (i > cpu)
        luaL_argerror(L, 1, lua_pushfstring(L, "this CPU has no %s (it offers '%s')", name,
                                               simdnames[cpu]));
    }
    lumpy_simd = i;
  }
  lua_pop(L, 1);
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
  lua_pushstring(L, simdnames[lumpy_simd]);
  lua_setfield(L, -2, "simd");
  lua_pushstring(L, simdnames[cpusimd()]);
  lua_setfield(L, -2, "simd_cpu");
  return 1;
}

void lumpy_open_config(lua_State *L) {
  static const luaL_Reg funcs[] = {{"config", config_config}, {NULL, NULL}};
  static pthread_once_t once = PTHREAD_ONCE_INIT;
  pthread_once(&once, detectsimd);   /* the first state to open lumpy, in any thread */
  lumpy_register(L, funcs, NULL);
}
