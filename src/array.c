/*
** array.c: the lumpy array userdata: storage, views, dtypes, conversion
** between Lua values and elements, creation functions and attributes.
*/
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#ifdef __linux__
#endif
#include "core.h"

const DtypeInfo lumpy_dtypes[LUMPY_NDTYPES] = {
  {"bool", 1, 'b'}, {"uint8", 1, 'u'}, {"int32", 4, 'i'}, {"int64", 8, 'i'},
  {"float32", 4, 'f'}, {"float64", 8, 'f'}, {"complex128", 16, 'c'}
};

/* buffers are aligned to this many bytes */
#define ALIGN 64
/* largest buffer we try to allocate (bytes) */
#define MAXBYTES ((int64_t)1 << 46)

int lumpy_error(lua_State *L, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  luaL_where(L, 1);
  lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  lua_concat(L, 2);
  return lua_error(L);
}

/* an error of a kernel that Lua code of lumpy's calls (optimize, integrate):
** no position, which would be that library code's, not the user's; the
** message names the public function */
int lumpy_kerror(lua_State *L, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  lua_pushvfstring(L, fmt, ap);
  va_end(ap);
  return lua_error(L);
}

const char *lumpy_shapestr(char *buf, int ndim, const int64_t *shape) {
  int i, n = 0;
  n += snprintf(buf + n, 400 - n, "{");
  for (i = 0; i < ndim && n < 360; i++)
    n += snprintf(buf + n, 400 - n, i ? ", %lld" : "%lld", (long long)shape[i]);
  if (i < ndim) n += snprintf(buf + n, 400 - n, ", ...");
  snprintf(buf + n, 400 - n, "}");
  return buf;
}

int lumpy_checkaxis(lua_State *L, int axis, int ndim, int argn) {
  int ax = axis < 0 ? axis + ndim : axis - 1;
  if (axis == 0 || ax < 0 || ax >= ndim) {
    const char *msg = lua_pushfstring(L,
        "axis %d is out of bounds for array of dimension %d", axis, ndim);
    luaL_argerror(L, argn, msg);
  }
  return ax;
}

/* ------------------------------------------------------------------ */
/* storage                                                             */
/* ------------------------------------------------------------------ */

static int64_t shapesize(lua_State *L, int ndim, const int64_t *shape, int itemsize) {
  int64_t n = 1;
  int i;
  for (i = 0; i < ndim; i++) {
    if (shape[i] < 0) lumpy_error(L, "negative dimensions are not allowed");
    if (shape[i] == 0) n = 0;
    /* factors below 2^21 cannot pass MAXBYTES (2^42 * 16 bytes): no divisions */
    else if (((uint64_t)n | (uint64_t)shape[i]) < ((uint64_t)1 << 21)) n *= shape[i];
    else if (n > 0 && n > MAXBYTES / itemsize / shape[i])
      lumpy_error(L, "array is too big: %s elements do not fit in memory",
                  lumpy_shapestr((char[400]){0}, ndim, shape));
    else n *= shape[i];
  }
  return n;
}

void lumpy_contigstrides(int dtype, int ndim, const int64_t *shape, int64_t *strides) {
  int64_t s = ITEMSIZE(dtype);
  int i;
  for (i = ndim - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i] > 0 ? shape[i] : 1;
  }
}

static void releasebuf(lua_State *L, Array *a) {
  if (a->mem) {
    lumpy_pool_free(L, a->mem, a->memsize);
    a->mem = NULL;
  }
  else if (a->release) {
    lumpy_Release r = a->release;
    a->release = NULL;
    r(a->host, a->release_ud);
  }
}

/*
** Owners and views have two metatables with the same contents but for
** __gc: a view has nothing to free, and objects with finalizers cost the
** collector much more (a view is made by every a[i], a.T, range). Both
** metatables hold the key &arraymark, which is how an array is recognised.
*/
static const char arraymark = 'a';

/* pushes a fresh header with extra bytes after it (an owner's is safe for
** __gc before anything can fail); nogc: the views' metatable, for views and
** for owners whose data lives in those extra bytes */
static Array *newheader(lua_State *L, int nogc, size_t extra) {
  Array *a = (Array *)lua_newuserdatauv(L, sizeof(Array) + extra, 1);
  memset(a, 0, offsetof(Array, shape));
  memset(&a->mem, 0, sizeof(Array) - offsetof(Array, mem));
  a->owner = a;
  luaL_setmetatable(L, nogc ? VIEW_MT : ARRAY_MT);
  return a;
}

static void checkndim(lua_State *L, int ndim) {
  if (ndim < 0 || ndim > LUMPY_MAXDIMS)
    lumpy_error(L, "number of dimensions must be within [0, %d], got %d",
                LUMPY_MAXDIMS, ndim);
}

/* geometry of a checked shape of size elements (raises nothing) */
static void putgeometry(Array *a, int dtype, int ndim, int64_t size,
                        const int64_t *shape, const int64_t *strides) {
  int i;
  a->dtype = dtype;
  a->ndim = ndim;
  a->size = size;
  for (i = 0; i < ndim; i++) a->shape[i] = shape[i];
  if (strides) for (i = 0; i < ndim; i++) a->strides[i] = strides[i];
  else lumpy_contigstrides(dtype, ndim, shape, a->strides);
}

static void setgeometry(lua_State *L, Array *a, int dtype, int ndim,
                        const int64_t *shape, const int64_t *strides) {
  checkndim(L, ndim);
  putgeometry(a, dtype, ndim, shapesize(L, ndim, shape, ITEMSIZE(dtype)), shape, strides);
}

/*
** Buffers of at most INLINEMAX bytes live in the userdata, after the
** header: no malloc, no finalizer (such an owner takes the views'
** metatable, without __gc), and the collector sees their bytes. <close>
** marks them closed; their memory goes with the userdata. This halves the
** cost of an operation on a small array (x * 2.5 on 10 to 4000 elements);
** at 64 KB the pool was faster again.
*/
#define INLINEMAX 32768

Array *lumpy_newarray(lua_State *L, int dtype, int ndim, const int64_t *shape, int zero) {
  Array *a;
  size_t nbytes, got;
  int64_t size;
  char *p;
  checkndim(L, ndim);
  size = shapesize(L, ndim, shape, ITEMSIZE(dtype));
  nbytes = (size_t)size * ITEMSIZE(dtype);
  if (nbytes <= INLINEMAX) {
    a = newheader(L, 1, nbytes + ALIGN - 1);
    putgeometry(a, dtype, ndim, size, shape, NULL);
    p = (char *)(a + 1);
    a->data = p + (ALIGN - ((uintptr_t)p % ALIGN)) % ALIGN;
    if (zero) memset(a->data, 0, nbytes);
    return a;
  }
  a = newheader(L, 0, 0);
  putgeometry(a, dtype, ndim, size, shape, NULL);
  p = (char *)lumpy_pool_alloc(L, nbytes + ALIGN, zero, &got);
  if (p == NULL) lumpy_error(L, "not enough memory for an array of %s",
                             lumpy_shapestr((char[400]){0}, ndim, shape));
  a->mem = p;
  a->memsize = got;
  a->data = p + (ALIGN - ((uintptr_t)p % ALIGN)) % ALIGN;
  return a;
}

Array *lumpy_newarray_like(lua_State *L, const Array *a, int dtype) {
  return lumpy_newarray(L, dtype < 0 ? a->dtype : dtype, a->ndim, a->shape, 0);
}

Array *lumpy_newview(lua_State *L, int aidx, char *data, int ndim,
                     const int64_t *shape, const int64_t *strides) {
  Array *base = (Array *)lua_touserdata(L, aidx);
  Array *owner = base->owner;
  Array *v;
  aidx = lua_absindex(L, aidx);
  v = newheader(L, 1, 0);
  setgeometry(L, v, base->dtype, ndim, shape, strides);
  v->data = data;
  v->owner = owner;
  /* user value: the owner's userdata */
  if (owner == base) lua_pushvalue(L, aidx);
  else lua_getiuservalue(L, aidx, 1);
  lua_setiuservalue(L, -2, 1);
  return v;
}

void *lumpy_pushnew(lua_State *L, lumpy_Dtype dtype, int ndim, const int64_t *shape) {
  return lumpy_newarray(L, dtype, ndim, shape, 1)->data;
}

void lumpy_pushwrap(lua_State *L, void *data, lumpy_Dtype dtype, int ndim,
                    const int64_t *shape, const int64_t *strides,
                    lumpy_Release release, void *ud) {
  Array *a;
  if (!lua_checkstack(L, 4)) {
    if (release) release(data, ud);
    luaL_error(L, "lumpy_pushwrap: stack overflow");
  }
  a = newheader(L, 0, 0);
  a->release = release;    /* from here on __gc releases the buffer */
  a->release_ud = ud;
  a->host = data;
  if ((int)dtype < 0 || dtype >= LUMPY_NDTYPES)
    lumpy_error(L, "lumpy_pushwrap: invalid dtype %d", (int)dtype);
  setgeometry(L, a, dtype, ndim, shape, strides);
  a->data = data;
}

Array *lumpy_toarray(lua_State *L, int idx) {
  void *p = lua_touserdata(L, idx);
  if (p != NULL && lua_getmetatable(L, idx)) {
    int ok = lua_rawgetp(L, -1, &arraymark) != LUA_TNIL;
    lua_pop(L, 2);
    if (ok) return (Array *)p;
  }
  return NULL;
}

int lumpy_isarray(lua_State *L, int idx) { return lumpy_toarray(L, idx) != NULL; }

/* an array, open or closed; raises the standard type error otherwise */
static Array *anyarray(lua_State *L, int idx) {
  Array *a = lumpy_toarray(L, idx);
  if (a == NULL) luaL_typeerror(L, idx, ARRAY_MT);
  return a;
}

Array *lumpy_checkarray(lua_State *L, int idx) {
  Array *a = anyarray(L, idx);
  if (a->closed || a->owner->closed)
    luaL_argerror(L, idx, "array is closed");
  return a;
}

static int array_gc(lua_State *L) {
  Array *a = anyarray(L, 1);
  if (a->owner == a) releasebuf(L, a);
  a->closed = 1;
  return 0;
}

void *lumpy_data(const lumpy_Array *a) { return a->data; }
lumpy_Dtype lumpy_dtype(const lumpy_Array *a) { return (lumpy_Dtype)a->dtype; }
int lumpy_ndim(const lumpy_Array *a) { return a->ndim; }
const int64_t *lumpy_shape(const lumpy_Array *a) { return a->shape; }
const int64_t *lumpy_strides(const lumpy_Array *a) { return a->strides; }
int64_t lumpy_size(const lumpy_Array *a) { return a->size; }

int lumpy_iscontiguous(const Array *a) {
  int64_t s = ITEMSIZE(a->dtype);
  int i;
  for (i = a->ndim - 1; i >= 0; i--) {
    if (a->shape[i] == 0) return 1;
    if (a->shape[i] != 1 && a->strides[i] != s) return 0;
    s *= a->shape[i];
  }
  return 1;
}

int lumpy_isfcontiguous(const Array *a) {
  int64_t s = ITEMSIZE(a->dtype);
  int i;
  for (i = 0; i < a->ndim; i++) {
    if (a->shape[i] == 0) return 1;
    if (a->shape[i] != 1 && a->strides[i] != s) return 0;
    s *= a->shape[i];
  }
  return 1;
}

/* ------------------------------------------------------------------ */
/* dtypes and promotion                                                */
/* ------------------------------------------------------------------ */

static int finddtype(const char *name) {
  int i;
  for (i = 0; i < LUMPY_NDTYPES; i++)
    if (strcmp(name, lumpy_dtypes[i].name) == 0) return i;
  if (strcmp(name, "double") == 0 || strcmp(name, "float") == 0) return LUMPY_FLOAT64;
  if (strcmp(name, "int") == 0) return LUMPY_INT64;
  if (strcmp(name, "complex") == 0) return LUMPY_COMPLEX128;
  return -1;
}

int lumpy_optdtype(lua_State *L, int idx, int def) {
  const char *name;
  int dt;
  if (lua_isnoneornil(L, idx)) return def;
  name = luaL_checkstring(L, idx);
  dt = finddtype(name);
  if (dt < 0)
    luaL_argerror(L, idx, lua_pushfstring(L, "unknown dtype '%s'", name));
  return dt;
}

int lumpy_checkdtype(lua_State *L, int idx, int def) {
  return lumpy_optdtype(L, idx, def);
}

/* NumPy's promotion table over our seven dtypes */
int lumpy_promote(int a, int b) {
  static const signed char t[LUMPY_NDTYPES][LUMPY_NDTYPES] = {
    /*          b  u8 i32 i64 f32 f64 c128 */
    /* b   */ { 0, 1, 2,  3,  4,  5,  6 },
    /* u8  */ { 1, 1, 2,  3,  4,  5,  6 },
    /* i32 */ { 2, 2, 2,  3,  5,  5,  6 },
    /* i64 */ { 3, 3, 3,  3,  5,  5,  6 },
    /* f32 */ { 4, 4, 5,  5,  4,  5,  6 },
    /* f64 */ { 5, 5, 5,  5,  5,  5,  6 },
    /* c128*/ { 6, 6, 6,  6,  6,  6,  6 },
  };
  return t[a][b];
}

/* ------------------------------------------------------------------ */
/* elements <-> Lua values                                             */
/* ------------------------------------------------------------------ */

void lumpy_pushelem(lua_State *L, int dtype, const char *p) {
  switch (dtype) {
    case LUMPY_BOOL: lua_pushboolean(L, *(const uint8_t *)p != 0); break;
    case LUMPY_UINT8: lua_pushinteger(L, *(const uint8_t *)p); break;
    case LUMPY_INT32: lua_pushinteger(L, *(const int32_t *)p); break;
    case LUMPY_INT64: lua_pushinteger(L, *(const int64_t *)p); break;
    case LUMPY_FLOAT32: lua_pushnumber(L, *(const float *)p); break;
    case LUMPY_FLOAT64: lua_pushnumber(L, *(const double *)p); break;
    case LUMPY_COMPLEX128: lumpy_pushcomplex(L, *(const cplx *)p); break;
  }
}

static int64_t tointeger(lua_State *L, int idx, int dtype) {
  lua_Integer i;
  lua_Number x;
  if (lua_isinteger(L, idx)) return (int64_t)lua_tointeger(L, idx);
  x = lua_tonumber(L, idx);
  if (!(x >= -9223372036854775808.0 && x < 9223372036854775808.0))
    lumpy_error(L, "cannot convert float %f to %s", x, lumpy_dtypes[dtype].name);
  i = (lua_Integer)x;
  return i;
}

void lumpy_setelem(lua_State *L, int idx, int dtype, char *p) {
  int t = lua_type(L, idx);
  cplx *z;
  if (t == LUA_TBOOLEAN) {
    int b = lua_toboolean(L, idx);
    switch (dtype) {
      case LUMPY_BOOL: case LUMPY_UINT8: *(uint8_t *)p = (uint8_t)b; break;
      case LUMPY_INT32: *(int32_t *)p = b; break;
      case LUMPY_INT64: *(int64_t *)p = b; break;
      case LUMPY_FLOAT32: *(float *)p = (float)b; break;
      case LUMPY_FLOAT64: *(double *)p = b; break;
      case LUMPY_COMPLEX128: *(cplx *)p = b; break;
    }
    return;
  }
  if (t == LUA_TNUMBER) {
    switch (dtype) {
      case LUMPY_BOOL: *(uint8_t *)p = lua_tonumber(L, idx) != 0; break;
      case LUMPY_UINT8: *(uint8_t *)p = (uint8_t)tointeger(L, idx, dtype); break;
      case LUMPY_INT32: *(int32_t *)p = (int32_t)tointeger(L, idx, dtype); break;
      case LUMPY_INT64: *(int64_t *)p = tointeger(L, idx, dtype); break;
      case LUMPY_FLOAT32: *(float *)p = (float)lua_tonumber(L, idx); break;
      case LUMPY_FLOAT64: *(double *)p = lua_tonumber(L, idx); break;
      case LUMPY_COMPLEX128: *(cplx *)p = lua_tonumber(L, idx); break;
    }
    return;
  }
  if ((z = lumpy_tocomplex(L, idx)) != NULL) {
    if (dtype != LUMPY_COMPLEX128)
      lumpy_error(L, "cannot store a complex value in a %s array",
                  lumpy_dtypes[dtype].name);
    *(cplx *)p = *z;
    return;
  }
  if (t == LUA_TUSERDATA) {
    Array *a = lumpy_toarray(L, idx);
    if (a && a->size == 1 && !a->closed && !a->owner->closed) {
      char *args[2];
      int64_t steps[2] = {0, 0};
      args[0] = a->data; args[1] = p;
      lumpy_castloop(a->dtype, dtype)(args, 1, steps, NULL);
      return;
    }
  }
  lumpy_error(L, "cannot store a %s in a %s array", luaL_typename(L, idx),
              lumpy_dtypes[dtype].name);
}

/* ------------------------------------------------------------------ */
/* conversion of Lua values to arrays                                  */
/* ------------------------------------------------------------------ */

/* kind of a scalar Lua value as a dtype (for inference), or -1 */
static int scalardtype(lua_State *L, int idx) {
  switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN: return LUMPY_BOOL;
    case LUA_TNUMBER: return lua_isinteger(L, idx) ? LUMPY_INT64 : LUMPY_FLOAT64;
    case LUA_TUSERDATA: if (lumpy_tocomplex(L, idx)) return LUMPY_COMPLEX128;
    /* FALLTHROUGH */
    default: return -1;
  }
}

typedef struct Nest {
  int ndim;
  int64_t shape[LUMPY_MAXDIMS];
  int dtype;      /* inferred so far, -1 none */
} Nest;

/* first pass: the shape from the first elements at each depth */
static void nestshape(lua_State *L, int idx, Nest *n) {
  n->ndim = 0;
  lua_pushvalue(L, idx);
  for (;;) {
    Array *a;
    if (lua_type(L, -1) == LUA_TTABLE) {
      lua_Unsigned len = lua_rawlen(L, -1);
      if (n->ndim >= LUMPY_MAXDIMS) lumpy_error(L, "table is nested too deeply");
      n->shape[n->ndim++] = (int64_t)len;
      if (len == 0) break;
      lua_rawgeti(L, -1, 1);
      lua_remove(L, -2);
    }
    else if ((a = lumpy_toarray(L, -1)) != NULL) {
      int i;
      if (n->ndim + a->ndim > LUMPY_MAXDIMS) lumpy_error(L, "table is nested too deeply");
      for (i = 0; i < a->ndim; i++) n->shape[n->ndim++] = a->shape[i];
      break;
    }
    else break;
  }
  lua_pop(L, 1);
}

static void ragged(lua_State *L) {
  lumpy_error(L, "cannot make an array from a ragged table (sub-tables differ in length)");
}

/* second pass: checks every element agrees with the shape; infers dtype.
** value at top of stack, at depth d */
static void nestcheck(lua_State *L, Nest *n, int d) {
  Array *a;
  if (lua_type(L, -1) == LUA_TTABLE) {
    int64_t i, len = (int64_t)lua_rawlen(L, -1);
    if (d >= n->ndim || len != n->shape[d]) ragged(L);
    luaL_checkstack(L, 4, "table is nested too deeply");
    for (i = 1; i <= len; i++) {
      lua_rawgeti(L, -1, i);
      nestcheck(L, n, d + 1);
      lua_pop(L, 1);
    }
  }
  else if ((a = lumpy_toarray(L, -1)) != NULL) {
    int i;
    if (a->closed || a->owner->closed) lumpy_error(L, "array is closed");
    if (d + a->ndim != n->ndim) ragged(L);
    for (i = 0; i < a->ndim; i++) if (a->shape[i] != n->shape[d + i]) ragged(L);
    n->dtype = n->dtype < 0 ? a->dtype : lumpy_promote(n->dtype, a->dtype);
  }
  else {
    int dt = scalardtype(L, -1);
    if (d != n->ndim) ragged(L);
    if (dt < 0)
      lumpy_error(L, "cannot make an array from a table holding a %s",
                  luaL_typename(L, -1));
    n->dtype = n->dtype < 0 ? dt : lumpy_promote(n->dtype, dt);
  }
}

/* third pass: writes the elements into a C-contiguous buffer */
static char *nestfill(lua_State *L, Array *out, int d, char *p) {
  Array *a;
  if (lua_type(L, -1) == LUA_TTABLE) {
    int64_t i, len = out->shape[d];
    for (i = 1; i <= len; i++) {
      lua_rawgeti(L, -1, i);
      p = nestfill(L, out, d + 1, p);
      lua_pop(L, 1);
    }
    return p;
  }
  else if ((a = lumpy_toarray(L, -1)) != NULL) {
    int64_t shape[LUMPY_MAXDIMS];
    Array tmp;
    memset(&tmp, 0, sizeof tmp);
    memcpy(shape, a->shape, sizeof(int64_t) * a->ndim);
    tmp.dtype = out->dtype; tmp.ndim = a->ndim; tmp.size = a->size;
    memcpy(tmp.shape, shape, sizeof(int64_t) * a->ndim);
    lumpy_contigstrides(out->dtype, a->ndim, shape, tmp.strides);
    tmp.data = p; tmp.owner = &tmp;
    lumpy_assign(L, &tmp, a);
    return p + a->size * ITEMSIZE(out->dtype);
  }
  lumpy_setelem(L, -1, out->dtype, p);
  return p + ITEMSIZE(out->dtype);
}

Array *lumpy_toarrayx(lua_State *L, int idx, int dtype) {
  Array *a = lumpy_toarray(L, idx), *r;
  idx = lua_absindex(L, idx);
  if (a) {
    if (a->closed || a->owner->closed) lumpy_error(L, "array is closed");
    r = lumpy_newarray(L, dtype < 0 ? a->dtype : dtype, a->ndim, a->shape, 0);
    lumpy_assign(L, r, a);
    return r;
  }
  if (lua_type(L, idx) == LUA_TTABLE) {
    Nest n;
    n.dtype = -1;
    nestshape(L, idx, &n);
    lua_pushvalue(L, idx);
    nestcheck(L, &n, 0);
    lua_pop(L, 1);
    if (dtype < 0) dtype = n.dtype < 0 ? LUMPY_FLOAT64 : n.dtype;
    r = lumpy_newarray(L, dtype, n.ndim, n.shape, 0);
    if (r->size > 0) {
      lua_pushvalue(L, idx);
      nestfill(L, r, 0, r->data);
      lua_pop(L, 1);
    }
    return r;
  }
  {
    int dt = scalardtype(L, idx);
    if (dt < 0)
      lumpy_error(L, "cannot make an array from a %s", luaL_typename(L, idx));
    r = lumpy_newarray(L, dtype < 0 ? dt : dtype, 0, NULL, 0);
    lumpy_setelem(L, idx, r->dtype, r->data);
    return r;
  }
}

Array *lumpy_asarray(lua_State *L, int idx) {
  Array *a = lumpy_toarray(L, idx);
  if (a) {
    if (a->closed || a->owner->closed) luaL_argerror(L, idx, "array is closed");
    return a;
  }
  idx = lua_absindex(L, idx);
  a = lumpy_toarrayx(L, idx, -1);
  lua_replace(L, idx);
  return a;
}

Array *lumpy_ascontig(lua_State *L, int aidx, int dtype) {
  Array *a = lumpy_checkarray(L, aidx), *r;
  if (dtype < 0) dtype = a->dtype;
  if (a->dtype == dtype && lumpy_iscontiguous(a)) {
    lua_pushvalue(L, aidx);
    return a;
  }
  r = lumpy_newarray(L, dtype, a->ndim, a->shape, 0);
  lumpy_assign(L, r, a);
  return r;
}

/* ------------------------------------------------------------------ */
/* shapes from Lua                                                     */
/* ------------------------------------------------------------------ */

int lumpy_checkshape(lua_State *L, int idx, int64_t *shape) {
  if (lua_type(L, idx) == LUA_TNUMBER) {
    lua_Integer n;
    if (!lua_isinteger(L, idx)) {
      lua_Number x = lua_tonumber(L, idx);
      if (x != floor(x)) luaL_argerror(L, idx, "shape must be integers");
    }
    n = luaL_checkinteger(L, idx);
    if (n < 0) luaL_argerror(L, idx, "negative dimensions are not allowed");
    shape[0] = n;
    return 1;
  }
  if (lua_type(L, idx) == LUA_TTABLE) {
    lua_Integer i, len = (lua_Integer)lua_rawlen(L, idx);
    if (len > LUMPY_MAXDIMS)
      luaL_argerror(L, idx, lua_pushfstring(L, "shape has more than %d dimensions", LUMPY_MAXDIMS));
    if (!lumpy_islist(L, idx)) luaL_argerror(L, idx, "shape must be a list of integers");
    for (i = 1; i <= len; i++) {
      lua_Integer n;
      int isnum;
      lua_rawgeti(L, idx, i);
      n = lua_tointegerx(L, -1, &isnum);
      if (!isnum) luaL_argerror(L, idx, "shape must be a table of integers");
      if (n < 0) luaL_argerror(L, idx, "negative dimensions are not allowed");
      shape[i - 1] = n;
      lua_pop(L, 1);
    }
    return (int)len;
  }
  return luaL_typeerror(L, idx, "shape (table or integer)");
}

/* ------------------------------------------------------------------ */
/* creation functions                                                  */
/* ------------------------------------------------------------------ */

void lumpy_checkopts(lua_State *L, int idx, const char *const *allowed) {
  idx = lua_absindex(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    int k = 0;
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING)
      while (allowed[k] && strcmp(allowed[k], lua_tostring(L, -1)) != 0) k++;
    if (lua_type(L, -1) != LUA_TSTRING || !allowed[k])
      luaL_argerror(L, idx, lua_pushfstring(L, "unknown option '%s'", luaL_tolstring(L, -1, NULL)));
  }
}

int lumpy_islist(lua_State *L, int idx) {
  lua_Integer n = 0, len;
  idx = lua_absindex(L, idx);
  len = (lua_Integer)lua_rawlen(L, idx);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_Integer k;
    lua_pop(L, 1);
    k = lua_isinteger(L, -1) ? lua_tointeger(L, -1) : 0;
    if (k < 1 || k > len) {
      lua_pop(L, 1);
      return 0;
    }
    n++;
  }
  return n == len;
}

static const char *const O_DTYPE[] = {"dtype", NULL};
static const char *const O_LINSPACE[] = {"dtype", "endpoint", "base", NULL};
static const char *const O_EYE[] = {"dtype", "k", NULL};

/* trailing dtype: a string at idx or an options table with dtype (and only
** the keys in allowed) */
static int optsdtype(lua_State *L, int idx, int def, const char *const *allowed) {
  if (lua_type(L, idx) == LUA_TTABLE) {
    int dt;
    lumpy_checkopts(L, idx, allowed);
    lua_getfield(L, idx, "dtype");
    dt = lumpy_optdtype(L, -1, def);
    lua_pop(L, 1);
    return dt;
  }
  return lumpy_optdtype(L, idx, def);
}
static int trailingdtype(lua_State *L, int idx, int def) {
  return optsdtype(L, idx, def, O_DTYPE);
}

static int array_zeros(lua_State *L) {
  int64_t shape[LUMPY_MAXDIMS];
  int ndim = lumpy_checkshape(L, 1, shape);
  lumpy_newarray(L, trailingdtype(L, 2, LUMPY_FLOAT64), ndim, shape, 1);
  return 1;
}

static int array_empty(lua_State *L) {
  int64_t shape[LUMPY_MAXDIMS];
  int ndim = lumpy_checkshape(L, 1, shape);
  lumpy_newarray(L, trailingdtype(L, 2, LUMPY_FLOAT64), ndim, shape, 0);
  return 1;
}

/* fills a with the Lua value at vidx */
static void fillvalue(lua_State *L, Array *a, int vidx) {
  Array *src;
  lua_pushvalue(L, vidx);
  src = lumpy_toarrayx(L, -1, a->dtype);
  lumpy_assign(L, a, src);
  lua_pop(L, 2);
}

static int array_ones(lua_State *L) {
  int64_t shape[LUMPY_MAXDIMS];
  int ndim = lumpy_checkshape(L, 1, shape);
  Array *a = lumpy_newarray(L, trailingdtype(L, 2, LUMPY_FLOAT64), ndim, shape, 0);
  lua_pushinteger(L, 1);
  fillvalue(L, a, -1);
  lua_pop(L, 1);
  return 1;
}

static int array_full(lua_State *L) {
  int64_t shape[LUMPY_MAXDIMS];
  int ndim = lumpy_checkshape(L, 1, shape);
  int def = scalardtype(L, 2);
  Array *a;
  if (lua_isnoneornil(L, 2)) luaL_argerror(L, 2, "fill value expected");
  if (def < 0) {
    Array *v = lumpy_toarray(L, 2);
    if (!v) luaL_typeerror(L, 2, "number, boolean, complex or array");
    def = v->dtype;
  }
  a = lumpy_newarray(L, trailingdtype(L, 3, def), ndim, shape, 0);
  fillvalue(L, a, 2);
  return 1;
}

static int like(lua_State *L, int zero, int fillidx) {
  Array *p = lumpy_asarray(L, 1), *a;
  int dt = trailingdtype(L, fillidx ? 3 : 2, p->dtype);
  a = lumpy_newarray(L, dt, p->ndim, p->shape, zero);
  if (fillidx) fillvalue(L, a, fillidx);
  return 1;
}
static int array_zeros_like(lua_State *L) { return like(L, 1, 0); }
static int array_empty_like(lua_State *L) { return like(L, 0, 0); }
static int array_full_like(lua_State *L) { return like(L, 0, 2); }
static int array_ones_like(lua_State *L) {
  if (lua_type(L, 2) == LUA_TTABLE) lumpy_checkopts(L, 2, O_DTYPE);
  lua_settop(L, 2);
  lua_pushinteger(L, 1);
  lua_insert(L, 2);
  return like(L, 0, 2);
}

static int array_array(lua_State *L) {
  int dt = trailingdtype(L, 2, -1);
  luaL_checkany(L, 1);
  lumpy_toarrayx(L, 1, dt);
  return 1;
}

static int array_asarray(lua_State *L) {
  int dt = trailingdtype(L, 2, -1);
  Array *a = lumpy_toarray(L, 1);
  luaL_checkany(L, 1);
  if (a && (dt < 0 || dt == a->dtype)) {
    lumpy_checkarray(L, 1);
    lua_settop(L, 1);
    return 1;
  }
  lumpy_toarrayx(L, 1, dt);
  return 1;
}

static int array_copy(lua_State *L) {
  lumpy_checkarray(L, 1);
  lumpy_toarrayx(L, 1, -1);
  return 1;
}

static int array_astype(lua_State *L) {
  Array *a = lumpy_checkarray(L, 1);
  int dt = lumpy_checkdtype(L, 2, a->dtype);
  if (lua_isnone(L, 2)) luaL_argerror(L, 2, "dtype expected");
  lumpy_toarrayx(L, 1, dt);
  return 1;
}

static int array_arange(lua_State *L) {
  int nargs = lua_gettop(L), allint = 1, dt, i;
  lua_Number start = 0, stop, step = 1;
  int64_t n;
  Array *a;
  if (nargs > 0 && lua_istable(L, nargs)) nargs--;    /* options */
  else if (nargs > 0 && lua_type(L, nargs) == LUA_TSTRING) nargs--;
  if (nargs < 1) luaL_argerror(L, 1, "number expected");
  for (i = 1; i <= nargs; i++) {
    luaL_checknumber(L, i);
    if (!lua_isinteger(L, i)) allint = 0;
  }
  if (nargs == 1) stop = lua_tonumber(L, 1);
  else {
    start = lua_tonumber(L, 1);
    stop = lua_tonumber(L, 2);
    if (nargs >= 3) step = lua_tonumber(L, 3);
  }
  if (step == 0) luaL_argerror(L, 3, "step must not be zero");
  dt = trailingdtype(L, nargs + 1, allint ? LUMPY_INT64 : LUMPY_FLOAT64);
  if (allint) {
    lua_Integer s0 = nargs == 1 ? 0 : lua_tointeger(L, 1);
    lua_Integer s1 = nargs == 1 ? lua_tointeger(L, 1) : lua_tointeger(L, 2);
    lua_Integer st = nargs >= 3 ? lua_tointeger(L, 3) : 1;
    n = st > 0 ? (s1 > s0 ? (s1 - s0 + st - 1) / st : 0)
               : (s0 > s1 ? (s0 - s1 - st - 1) / (-st) : 0);
    a = lumpy_newarray(L, LUMPY_INT64, 1, &n, 0);
    for (i = 0; i < n; i++) ((int64_t *)a->data)[i] = s0 + (int64_t)i * st;
  }
  else {
    lua_Number len = ceil((stop - start) / step);
    if (!(len == len)) luaL_argerror(L, 1, "arange: range is not finite");
    if (len > 1e15) lumpy_error(L, "arange: too many elements");
    n = len > 0 ? (int64_t)len : 0;
    a = lumpy_newarray(L, LUMPY_FLOAT64, 1, &n, 0);
    for (i = 0; i < n; i++) ((double *)a->data)[i] = start + i * step;
  }
  if (dt != a->dtype) {
    lumpy_toarrayx(L, -1, dt);
  }
  return 1;
}

static int optbool(lua_State *L, int t, const char *k, int def) {
  int r = def;
  if (lua_type(L, t) != LUA_TTABLE) return def;
  if (lua_getfield(L, t, k) != LUA_TNIL) r = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return r;
}

static lua_Number optnum(lua_State *L, int t, const char *k, lua_Number def) {
  lua_Number r = def;
  if (lua_type(L, t) != LUA_TTABLE) return def;
  if (lua_getfield(L, t, k) != LUA_TNIL) {
    if (!lua_isnumber(L, -1)) lumpy_error(L, "option '%s' must be a number", k);
    r = lua_tonumber(L, -1);
  }
  lua_pop(L, 1);
  return r;
}

static int linlog(lua_State *L, int islog) {
  lua_Number start = luaL_checknumber(L, 1), stop = luaL_checknumber(L, 2);
  lua_Integer num = luaL_optinteger(L, 3, 50);
  int endpoint = optbool(L, 4, "endpoint", 1), dt;
  lua_Number base = optnum(L, 4, "base", 10.0), step, div;
  int64_t i, n;
  double *p;
  if (num < 0) luaL_argerror(L, 3, "number of samples must be non-negative");
  n = num;
  dt = optsdtype(L, 4, LUMPY_FLOAT64, O_LINSPACE);
  p = (double *)lumpy_newarray(L, LUMPY_FLOAT64, 1, &n, 0)->data;
  div = endpoint ? (lua_Number)(n - 1) : (lua_Number)n;
  step = div > 0 ? (stop - start) / div : 0;
  for (i = 0; i < n; i++) p[i] = start + i * step;
  if (endpoint && n > 1) p[n - 1] = stop;
  if (islog) for (i = 0; i < n; i++) p[i] = pow(base, p[i]);
  if (dt != LUMPY_FLOAT64) lumpy_toarrayx(L, -1, dt);
  return 1;
}
static int array_linspace(lua_State *L) { return linlog(L, 0); }
static int array_logspace(lua_State *L) { return linlog(L, 1); }

static int array_eye(lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1), m, k, i;
  int dt, top = lua_gettop(L);
  int64_t shape[2];
  Array *a;
  while (top > 1 && (lua_type(L, top) == LUA_TSTRING || lua_type(L, top) == LUA_TTABLE)) top--;
  m = top >= 2 && !lua_isnil(L, 2) ? luaL_checkinteger(L, 2) : n;
  k = top >= 3 ? luaL_checkinteger(L, 3) : 0;
  dt = optsdtype(L, top + 1, LUMPY_FLOAT64, O_EYE);
  if (lua_type(L, top + 1) == LUA_TTABLE) k = (lua_Integer)optnum(L, top + 1, "k", (lua_Number)k);
  shape[0] = n; shape[1] = m;
  a = lumpy_newarray(L, dt, 2, shape, 1);
  lua_pushinteger(L, 1);
  for (i = 0; i < n; i++) {
    lua_Integer j = i + k;
    if (j >= 0 && j < m)
      lumpy_setelem(L, -1, dt, a->data + i * a->strides[0] + j * a->strides[1]);
  }
  lua_pop(L, 1);
  return 1;
}

static int array_identity(lua_State *L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  int dt = trailingdtype(L, 2, LUMPY_FLOAT64);
  lua_settop(L, 0);
  lua_pushinteger(L, n);
  lua_pushinteger(L, n);
  lua_pushinteger(L, 0);
  lua_pushstring(L, lumpy_dtypes[dt].name);
  return array_eye(L);
}

/* ------------------------------------------------------------------ */
/* element access and attributes                                       */
/* ------------------------------------------------------------------ */

/* byte offset of the element named by integers at stack first..first+ndim-1 */
static char *elemptr(lua_State *L, Array *a, int first, int nidx) {
  char *p = a->data;
  int k;
  if (nidx != a->ndim)
    lumpy_error(L, "expected %d indices for an array of dimension %d, got %d",
                a->ndim, a->ndim, nidx);
  for (k = 0; k < nidx; k++) {
    lua_Integer i, n = a->shape[k];
    if (lua_isinteger(L, first + k)) i = lua_tointeger(L, first + k);
    else {
      int isnum;
      i = lua_tointegerx(L, first + k, &isnum);
      if (lua_type(L, first + k) != LUA_TNUMBER)
        luaL_typeerror(L, first + k, "integer index");
      if (!isnum)
        lumpy_error(L, "index %f is not an integer", (double)lua_tonumber(L, first + k));
    }
    /* one unsigned compare for 1..n */
    if ((lua_Unsigned)i - 1u < (lua_Unsigned)n) i -= 1;
    else if (i < 0 && i >= -n) i += n;
    else lumpy_error(L, "index %I is out of bounds for axis %d with size %I",
                     i, k + 1, n);
    p += i * a->strides[k];
  }
  return p;
}

/* the array at 1 for get and set. They are closures over the array
** metatable, so the type check is a pointer compare instead of
** luaL_checkudata's registry lookup; called without that upvalue (from
** array_item) they take the full check. */
static Array *selfarray(lua_State *L) {
  Array *a = (Array *)lua_touserdata(L, 1);
  if (a != NULL && lua_getmetatable(L, 1)) {
    int ok = lua_rawequal(L, -1, lua_upvalueindex(1)) ||
             lua_rawequal(L, -1, lua_upvalueindex(2));
    lua_pop(L, 1);
    if (ok && !a->closed && !a->owner->closed) return a;
  }
  return lumpy_checkarray(L, 1);
}

static int array_get(lua_State *L) {
  Array *a = selfarray(L);
  lumpy_pushelem(L, a->dtype, elemptr(L, a, 2, lua_gettop(L) - 1));
  return 1;
}

static int array_set(lua_State *L) {
  Array *a = selfarray(L);
  int top = lua_gettop(L);
  char *p;
  if (top < 2) luaL_argerror(L, 2, "value expected");
  p = elemptr(L, a, 2, top - 2);
  if (a->dtype == LUMPY_FLOAT64 && lua_type(L, top) == LUA_TNUMBER)
    *(double *)p = lua_tonumber(L, top);      /* the common case, inline */
  else lumpy_setelem(L, top, a->dtype, p);
  return 0;
}

static int array_item(lua_State *L) {
  Array *a = lumpy_checkarray(L, 1);
  if (lua_gettop(L) == 1) {
    if (a->size != 1)
      lumpy_error(L, "can only convert an array of size 1 to a Lua value (size is %d)",
                  (int)a->size);
    lumpy_pushelem(L, a->dtype, a->data);
    return 1;
  }
  if (lua_gettop(L) == 2 && a->ndim != 1) {
    /* flat index, 1-based, as NumPy's item(i) */
    lua_Integer i = luaL_checkinteger(L, 2), n = a->size, k;
    char *p = a->data;
    if (i >= 1 && i <= n) i -= 1;
    else if (i < 0 && i >= -n) i += n;
    else lumpy_error(L, "index %d is out of bounds for size %d", (int)i, (int)n);
    for (k = a->ndim - 1; k >= 0; k--) {
      p += (i % a->shape[k]) * a->strides[k];
      i /= a->shape[k];
    }
    lumpy_pushelem(L, a->dtype, p);
    return 1;
  }
  return array_get(L);
}

static void totable(lua_State *L, const Array *a, int d, const char *p) {
  int64_t i;
  lua_createtable(L, (int)(a->shape[d] < 1 << 30 ? a->shape[d] : 0), 0);
  for (i = 0; i < a->shape[d]; i++) {
    if (d == a->ndim - 1) lumpy_pushelem(L, a->dtype, p + i * a->strides[d]);
    else {
      luaL_checkstack(L, 3, "array too deep");
      totable(L, a, d + 1, p + i * a->strides[d]);
    }
    lua_rawseti(L, -2, i + 1);
  }
}

static int array_totable(lua_State *L) {
  Array *a = lumpy_checkarray(L, 1);
  if (a->ndim == 0) lumpy_pushelem(L, a->dtype, a->data);
  else totable(L, a, 0, a->data);
  return 1;
}

static void pushints(lua_State *L, int n, const int64_t *v) {
  int i;
  lua_createtable(L, n, 0);
  for (i = 0; i < n; i++) {
    lua_pushinteger(L, v[i]);
    lua_rawseti(L, -2, i + 1);
  }
}

static int array_transpose_default(lua_State *L, int idx) {
  Array *a = lumpy_checkarray(L, idx);
  int64_t shape[LUMPY_MAXDIMS], strides[LUMPY_MAXDIMS];
  int i;
  for (i = 0; i < a->ndim; i++) {
    shape[i] = a->shape[a->ndim - 1 - i];
    strides[i] = a->strides[a->ndim - 1 - i];
  }
  lumpy_newview(L, idx, a->data, a->ndim, shape, strides);
  return 1;
}

/* real or imaginary part as a view (complex) or the array / zeros (real) */
static int realimag(lua_State *L, int idx, int imag) {
  Array *a = lumpy_checkarray(L, idx);
  if (a->dtype == LUMPY_COMPLEX128) {
    Array *v = lumpy_newview(L, idx, a->data + (imag ? 8 : 0), a->ndim, a->shape, a->strides);
    v->dtype = LUMPY_FLOAT64;
  }
  else if (imag) lumpy_newarray(L, a->dtype, a->ndim, a->shape, 1);
  else lumpy_newview(L, idx, a->data, a->ndim, a->shape, a->strides);
  return 1;
}

static int array_index(lua_State *L) {
  if (lua_type(L, 2) == LUA_TSTRING) {
    const char *k;
    Array *a;
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL) return 1;
    k = lua_tostring(L, 2);
    a = lumpy_checkarray(L, 1);
    if (strcmp(k, "shape") == 0) pushints(L, a->ndim, a->shape);
    else if (strcmp(k, "ndim") == 0) lua_pushinteger(L, a->ndim);
    else if (strcmp(k, "size") == 0) lua_pushinteger(L, a->size);
    else if (strcmp(k, "dtype") == 0) lua_pushstring(L, lumpy_dtypes[a->dtype].name);
    else if (strcmp(k, "strides") == 0) pushints(L, a->ndim, a->strides);
    else if (strcmp(k, "itemsize") == 0) lua_pushinteger(L, ITEMSIZE(a->dtype));
    else if (strcmp(k, "nbytes") == 0) lua_pushinteger(L, a->size * ITEMSIZE(a->dtype));
    else if (strcmp(k, "T") == 0) return array_transpose_default(L, 1);
    else if (strcmp(k, "real") == 0) return realimag(L, 1, 0);
    else if (strcmp(k, "imag") == 0) return realimag(L, 1, 1);
    else lua_pushnil(L);
    return 1;
  }
  return lumpy_getitem(L);
}

static int array_newindex(lua_State *L) {
  if (lua_type(L, 2) == LUA_TSTRING) {
    const char *k = lua_tostring(L, 2);
    Array *a = lumpy_checkarray(L, 1);
    if (strcmp(k, "real") == 0 || strcmp(k, "imag") == 0) {
      realimag(L, 1, k[0] == 'i');
      if (a->dtype != LUMPY_COMPLEX128 && k[0] == 'i')
        lumpy_error(L, "cannot set the imaginary part of a %s array",
                    lumpy_dtypes[a->dtype].name);
      lua_pushvalue(L, 3);
      {
        Array *v = lumpy_checkarray(L, -2), *src = lumpy_asarray(L, -1);
        lumpy_assign(L, v, src);
      }
      return 0;
    }
    return lumpy_error(L, "cannot set field '%s' of an array", k);
  }
  return lumpy_setitem(L);
}

static int array_len(lua_State *L) {
  Array *a = lumpy_checkarray(L, 1);
  if (a->ndim == 0) return lumpy_error(L, "len() of a 0-d array");
  lua_pushinteger(L, a->shape[0]);
  return 1;
}

static int array_close(lua_State *L) {
  return array_gc(L);
}

static int array_isclosed(lua_State *L) {
  Array *a = anyarray(L, 1);
  lua_pushboolean(L, a->closed || a->owner->closed);
  return 1;
}

static int array_dtypeof(lua_State *L) {
  lua_pushstring(L, lumpy_dtypes[lumpy_checkdtype(L, 1, 0)].name);
  return 1;
}

static int array_isarray(lua_State *L) {
  lua_pushboolean(L, lumpy_isarray(L, 1));
  return 1;
}

static int array_ndim(lua_State *L) {
  lua_pushinteger(L, lumpy_asarray(L, 1)->ndim);
  return 1;
}

static int array_shape(lua_State *L) {
  Array *a = lumpy_asarray(L, 1);
  pushints(L, a->ndim, a->shape);
  return 1;
}

static int array_size(lua_State *L) {
  lua_pushinteger(L, lumpy_asarray(L, 1)->size);
  return 1;
}

void lumpy_register(lua_State *L, const luaL_Reg *funcs, const luaL_Reg *methods) {
  if (funcs) {
    lua_pushvalue(L, LUMPY_MODULE);
    luaL_setfuncs(L, funcs, 0);
    lua_pop(L, 1);
  }
  if (methods) {
    lua_pushvalue(L, LUMPY_METHODS);
    luaL_setfuncs(L, methods, 0);
    lua_pop(L, 1);
  }
}

void lumpy_registermeta(lua_State *L, const luaL_Reg *meta) {
  lua_pushvalue(L, LUMPY_META);
  luaL_setfuncs(L, meta, 0);
  lua_pop(L, 1);
}

void lumpy_open_array(lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"array", array_array}, {"asarray", array_asarray}, {"copy", array_copy},
    {"zeros", array_zeros}, {"ones", array_ones}, {"empty", array_empty},
    {"full", array_full}, {"zeros_like", array_zeros_like},
    {"ones_like", array_ones_like}, {"empty_like", array_empty_like},
    {"full_like", array_full_like}, {"arange", array_arange},
    {"linspace", array_linspace}, {"logspace", array_logspace},
    {"eye", array_eye}, {"identity", array_identity},
    {"astype", array_astype}, {"isarray", array_isarray},
    {"dtype", array_dtypeof}, {"ndim", array_ndim}, {"shape", array_shape},
    {"size", array_size}, {"totable", array_totable}, {"close", array_close},
    {NULL, NULL}
  };
  static const luaL_Reg methods[] = {
    {"get", array_get}, {"set", array_set}, {"item", array_item},
    {"totable", array_totable}, {"copy", array_copy}, {"astype", array_astype},
    {"close", array_close}, {"isclosed", array_isclosed},
    {NULL, NULL}
  };
  static const luaL_Reg meta[] = {
    {"__gc", array_gc}, {"__close", array_close}, {"__len", array_len},
    {"__newindex", array_newindex}, {NULL, NULL}
  };
  lumpy_register(L, funcs, methods);
  lumpy_registermeta(L, meta);
  /* the views' metatable: filled by lumpy_open_views once all domains have
  ** added their metamethods */
  luaL_newmetatable(L, VIEW_MT);
  lua_pop(L, 1);
  /* get and set keep both metatables as upvalues (see selfarray), the
  ** views' first: small owners have it too */
  luaL_getmetatable(L, VIEW_MT);
  lua_pushvalue(L, LUMPY_META);
  lua_pushcclosure(L, array_get, 2);
  lua_setfield(L, LUMPY_METHODS, "get");
  luaL_getmetatable(L, VIEW_MT);
  lua_pushvalue(L, LUMPY_META);
  lua_pushcclosure(L, array_set, 2);
  lua_setfield(L, LUMPY_METHODS, "set");
  /* __index looks in the methods table first, then attributes, then indexing */
  lua_pushvalue(L, LUMPY_METHODS);
  lua_pushcclosure(L, array_index, 1);
  lua_setfield(L, LUMPY_META, "__index");
}

/* runs last: marks the owners' metatable and copies it, less __gc, into the
** views' metatable */
void lumpy_open_views(lua_State *L) {
  luaL_getmetatable(L, VIEW_MT);
  lua_pushboolean(L, 1);
  lua_rawsetp(L, LUMPY_META, &arraymark);
  lua_pushnil(L);
  while (lua_next(L, LUMPY_META)) {
    if (lua_type(L, -2) == LUA_TSTRING && strcmp(lua_tostring(L, -2), "__gc") == 0) {
      lua_pop(L, 1);
      continue;
    }
    lua_pushvalue(L, -2);
    lua_insert(L, -2);
    lua_rawset(L, -4);
  }
  lua_pop(L, 1);
}
