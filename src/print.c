/*
** print.c: tostring(a), NumPy's repr. (Minimal form; NumPy's alignment,
** precision and summarisation rules are to come.)
*/
#include <stdio.h>
#include "core.h"

static void addelem(luaL_Buffer *b, lua_State *L, const Array *a, const char *p) {
  lumpy_pushelem(L, a->dtype, p);
  if (lua_type(L, -1) == LUA_TNUMBER && !lua_isinteger(L, -1)) {
    char buf[64];
    snprintf(buf, sizeof buf, "%.8g", lua_tonumber(L, -1));
    lua_pop(L, 1);
    lua_pushstring(L, buf);
  }
  else luaL_tolstring(L, -1, NULL), lua_remove(L, -2);
  luaL_addvalue(b);
}

static void addarray(luaL_Buffer *b, lua_State *L, const Array *a, int d, const char *p) {
  int64_t i;
  if (a->ndim == 0) { addelem(b, L, a, p); return; }
  luaL_addchar(b, '[');
  for (i = 0; i < a->shape[d]; i++) {
    if (i) luaL_addstring(b, ", ");
    if (d == a->ndim - 1) addelem(b, L, a, p + i * a->strides[d]);
    else addarray(b, L, a, d + 1, p + i * a->strides[d]);
  }
  luaL_addchar(b, ']');
}

static int print_tostring(lua_State *L) {
  Array *a = lumpy_checkarray(L, 1);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addstring(&b, "array(");
  addarray(&b, L, a, 0, a->data);
  if (a->dtype != LUMPY_FLOAT64 && a->dtype != LUMPY_INT64 && a->dtype != LUMPY_BOOL &&
      a->dtype != LUMPY_COMPLEX128) {
    luaL_addstring(&b, ", dtype=");
    luaL_addstring(&b, lumpy_dtypes[a->dtype].name);
  }
  luaL_addchar(&b, ')');
  luaL_pushresult(&b);
  return 1;
}

void lumpy_open_print(lua_State *L) {
  static const luaL_Reg meta[] = {{"__tostring", print_tostring}, {NULL, NULL}};
  lumpy_registermeta(L, meta);
}
