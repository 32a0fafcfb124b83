/*
** complex.c: the complex scalar (a userdata with .re, .im and arithmetic),
** what reading one element of a complex128 array yields.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "core.h"

void lumpy_pushcomplex(lua_State *L, cplx z) {
  cplx *p = (cplx *)lua_newuserdatauv(L, sizeof(cplx), 0);
  *p = z;
  luaL_setmetatable(L, COMPLEX_MT);
}

cplx *lumpy_tocomplex(lua_State *L, int idx) {
  return (cplx *)luaL_testudata(L, idx, COMPLEX_MT);
}

/* a number or complex at idx as a complex value */
static cplx checkz(lua_State *L, int idx) {
  cplx *p = lumpy_tocomplex(L, idx);
  if (p) return *p;
  if (lua_type(L, idx) == LUA_TNUMBER) return lua_tonumber(L, idx);
  luaL_typeerror(L, idx, "complex or number");
  return 0;
}

/* arithmetic with an array on either side goes to the array's metamethod */
static int toarrayop(lua_State *L, const char *event) {
  if (lumpy_isarray(L, 1) || lumpy_isarray(L, 2)) {
    luaL_getmetafield(L, lumpy_isarray(L, 1) ? 1 : 2, event);
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_call(L, 2, 1);
    return 1;
  }
  return 0;
}

#define ZARITH(name, expr) \
static int complex_##name(lua_State *L) { \
  cplx a, b; \
  if (toarrayop(L, "__" #name)) return 1; \
  a = checkz(L, 1); b = checkz(L, 2); \
  lumpy_pushcomplex(L, expr); \
  return 1; \
}
ZARITH(add, a + b)
ZARITH(sub, a - b)
ZARITH(mul, a * b)
ZARITH(div, a / b)
ZARITH(pow, lumpy_cpow(a, b))

static int complex_unm(lua_State *L) {
  lumpy_pushcomplex(L, -checkz(L, 1));
  return 1;
}

static int complex_eq(lua_State *L) {
  lua_pushboolean(L, checkz(L, 1) == checkz(L, 2));
  return 1;
}

/* formats like Python: (1+2j), 1j, (-0-1j) */
static void fmtpart(char *buf, size_t n, double x) {
  if (isnan(x)) snprintf(buf, n, "nan");
  else if (isinf(x)) snprintf(buf, n, x > 0 ? "inf" : "-inf");
  else if (x == floor(x) && fabs(x) < 1e16) snprintf(buf, n, "%.0f", x);
  else snprintf(buf, n, "%.17g", x);
  /* shortest round-trip form */
  if (!isnan(x) && !isinf(x) && !(x == floor(x) && fabs(x) < 1e16)) {
    int p;
    for (p = 1; p <= 17; p++) {
      snprintf(buf, n, "%.*g", p, x);
      if (strtod(buf, NULL) == x) break;
    }
  }
}

static int complex_tostring(lua_State *L) {
  cplx z = checkz(L, 1);
  char re[40], im[40];
  double x = creal(z), y = cimag(z);
  fmtpart(im, sizeof im, y);
  if (x == 0 && !signbit(x)) lua_pushfstring(L, "%sj", im);
  else {
    fmtpart(re, sizeof re, x);
    lua_pushfstring(L, "(%s%s%sj)", re, (y >= 0 || isnan(y)) && im[0] != '-' ? "+" : "", im);
  }
  return 1;
}

static int complex_index(lua_State *L) {
  cplx z = checkz(L, 1);
  const char *k = luaL_checkstring(L, 2);
  if (strcmp(k, "re") == 0 || strcmp(k, "real") == 0) lua_pushnumber(L, creal(z));
  else if (strcmp(k, "im") == 0 || strcmp(k, "imag") == 0) lua_pushnumber(L, cimag(z));
  else {
    luaL_getmetatable(L, COMPLEX_MT);
    lua_getfield(L, -1, "methods");
    lua_getfield(L, -1, k);
  }
  return 1;
}

static int complex_abs(lua_State *L) { lua_pushnumber(L, cabs(checkz(L, 1))); return 1; }
static int complex_arg(lua_State *L) { lua_pushnumber(L, carg(checkz(L, 1))); return 1; }
static int complex_conj(lua_State *L) { lumpy_pushcomplex(L, conj(checkz(L, 1))); return 1; }

/* np.complex(re, im): a scalar from numbers, an array from arrays */
static int complex_new(lua_State *L) {
  if (lua_type(L, 1) == LUA_TNUMBER && lua_isnoneornil(L, 2)) {
    lumpy_pushcomplex(L, lua_tonumber(L, 1));
    return 1;
  }
  if (lua_type(L, 1) == LUA_TNUMBER && lua_type(L, 2) == LUA_TNUMBER) {
    double parts[2];    /* not re + I*im: a NaN or inf im would spoil re */
    cplx z;
    parts[0] = lua_tonumber(L, 1);
    parts[1] = lua_tonumber(L, 2);
    memcpy(&z, parts, sizeof z);
    lumpy_pushcomplex(L, z);
    return 1;
  }
  {
    Array *re, *im, *arrs[2], *out, view;
    int64_t shape[LUMPY_MAXDIMS];
    int nd;
    luaL_checkany(L, 1);
    re = lumpy_asarray(L, 1);
    if (lua_isnoneornil(L, 2)) { lua_settop(L, 1); lua_pushinteger(L, 0); }
    im = lumpy_asarray(L, 2);
    if (re->dtype == LUMPY_COMPLEX128 || im->dtype == LUMPY_COMPLEX128)
      luaL_argerror(L, re->dtype == LUMPY_COMPLEX128 ? 1 : 2, "real array expected");
    arrs[0] = re; arrs[1] = im;
    nd = lumpy_broadcast_shapes(L, 2, arrs, shape);
    out = lumpy_newarray(L, LUMPY_COMPLEX128, nd, shape, 0);
    view = *out;
    view.dtype = LUMPY_FLOAT64;
    lumpy_assign(L, &view, re);
    view.data = out->data + 8;
    lumpy_assign(L, &view, im);
    return 1;
  }
}

void lumpy_open_complex(lua_State *L) {
  static const luaL_Reg meta[] = {
    {"__add", complex_add}, {"__sub", complex_sub}, {"__mul", complex_mul},
    {"__div", complex_div}, {"__pow", complex_pow}, {"__unm", complex_unm},
    {"__eq", complex_eq}, {"__tostring", complex_tostring},
    {"__index", complex_index}, {NULL, NULL}
  };
  static const luaL_Reg methods[] = {
    {"abs", complex_abs}, {"arg", complex_arg}, {"conj", complex_conj}, {NULL, NULL}
  };
  static const luaL_Reg funcs[] = {{"complex", complex_new}, {NULL, NULL}};
  luaL_newmetatable(L, COMPLEX_MT);
  luaL_setfuncs(L, meta, 0);
  luaL_newlib(L, methods);
  lua_setfield(L, -2, "methods");
  lua_pushliteral(L, "complex");
  lua_setfield(L, -2, "__name");
  lua_pop(L, 1);
  lumpy_register(L, funcs, NULL);
}
