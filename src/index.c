/*
** index.c: a[key] and a[key] = v for integer keys (the full indexing rules of
** DESIGN.md are to come here: ranges, masks, integer arrays).
*/
#include "core.h"

/* 0-based position of a 1-based (negative from the end) index on an axis */
static int64_t checkpos(lua_State *L, lua_Integer i, int axis, int64_t n) {
  if (i >= 1 && i <= n) return i - 1;
  if (i < 0 && i >= -n) return i + n;
  lumpy_error(L, "index %d is out of bounds for axis %d with size %d",
              (int)i, axis + 1, (int)n);
  return 0;
}

/* view (or element of a 1-d array) at integer i along the first axis */
static void pushsub(lua_State *L, Array *a, lua_Integer i) {
  int64_t p;
  if (a->ndim == 0) lumpy_error(L, "too many indices for array: array is 0-dimensional");
  p = checkpos(L, i, 0, a->shape[0]);
  if (a->ndim == 1) lumpy_pushelem(L, a->dtype, a->data + p * a->strides[0]);
  else lumpy_newview(L, 1, a->data + p * a->strides[0], a->ndim - 1,
                     a->shape + 1, a->strides + 1);
}

int lumpy_getitem(lua_State *L) {
  Array *a = lumpy_checkarray(L, 1);
  if (lua_isinteger(L, 2)) {
    pushsub(L, a, lua_tointeger(L, 2));
    return 1;
  }
  return luaL_typeerror(L, 2, "integer index");
}

int lumpy_setitem(lua_State *L) {
  Array *a = lumpy_checkarray(L, 1);
  if (lua_isinteger(L, 2)) {
    int64_t p;
    if (a->ndim == 0) lumpy_error(L, "too many indices for array: array is 0-dimensional");
    p = checkpos(L, lua_tointeger(L, 2), 0, a->shape[0]);
    if (a->ndim == 1) lumpy_setelem(L, 3, a->dtype, a->data + p * a->strides[0]);
    else {
      Array *v = lumpy_newview(L, 1, a->data + p * a->strides[0], a->ndim - 1,
                               a->shape + 1, a->strides + 1);
      Array *src;
      lua_pushvalue(L, 3);
      src = lumpy_asarray(L, -1);
      lumpy_assign(L, v, src);
    }
    return 0;
  }
  return luaL_typeerror(L, 2, "integer index");
}

void lumpy_open_index(lua_State *L) {
  (void)L;
}
