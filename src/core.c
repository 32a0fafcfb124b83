/*
** core.c: luaopen_lumpy_core, the entry Lua calls for lumpy/core.so, and
** lumpy_open for host programs. Each domain file adds its functions to the
** module table and its methods to the array methods table.
*/
#include "core.h"

typedef void (*Opener)(lua_State *L);

static const Opener openers[] = {
  lumpy_open_pool, lumpy_open_array, lumpy_open_complex, lumpy_open_callback, lumpy_open_print, lumpy_open_ufunc,
  lumpy_open_reduce, lumpy_open_sort, lumpy_open_index, lumpy_open_shape,
  lumpy_open_linalg, lumpy_open_optimize, lumpy_open_integrate,
  lumpy_open_views, lumpy_open_config, NULL
};

int luaopen_lumpy_core(lua_State *L);

int luaopen_lumpy_core(lua_State *L) {
  int i;
  lua_settop(L, 0);
  lua_newtable(L);                       /* 1: module */
  luaL_newmetatable(L, ARRAY_MT);        /* 2: array metatable */
  lua_newtable(L);                       /* 3: methods */
  lua_pushvalue(L, 3);
  lua_setfield(L, 2, "methods");
  for (i = 0; openers[i]; i++) {
    openers[i](L);
    lua_settop(L, 3);
  }
  for (i = 0; i < LUMPY_NDTYPES; i++) {
    lua_pushstring(L, lumpy_dtypes[i].name);
    lua_setfield(L, 1, lumpy_dtypes[i].name);
  }
  lua_pushvalue(L, 3);
  lua_setfield(L, 1, "methods");
  lua_settop(L, 1);
  return 1;
}

int lumpy_open(lua_State *L) {
  luaL_requiref(L, "lumpy.core", luaopen_lumpy_core, 0);
  lua_pop(L, 1);
  lua_getglobal(L, "require");
  lua_pushliteral(L, "lumpy");
  lua_call(L, 1, 1);
  return 1;
}
