/*
** bench/clock.c: a wall clock for the Lua side of the benchmark.
** os.clock is processor time summed over threads, wrong for anything that
** runs on two cores, and os.time counts seconds; this gives the monotonic
** clock as seconds in a float: local t0 = clock.now().
*/
#include <time.h>
#include "lua.h"
#include "lauxlib.h"

int luaopen_bench_clock(lua_State *L);

static int clock_now(lua_State *L) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, (lua_Number)ts.tv_sec + (lua_Number)ts.tv_nsec * 1e-9);
  return 1;
}

int luaopen_bench_clock(lua_State *L) {
  static const luaL_Reg funcs[] = {{"now", clock_now}, {NULL, NULL}};
  luaL_newlib(L, funcs);
  return 1;
}
