/*
** shape.c: shape manipulation. Views wherever the memory allows it
** (reshape, transpose, swapaxes, ravel, squeeze, expand_dims, flip,
** diagonal, broadcast_to, atleast_*d, moveaxis, split); copies otherwise
** (flatten, concatenate and the stacks, tile, repeat, roll, diag from 1-d,
** meshgrid).
**
** Copies go through lumpy_assign (casting, broadcasting, one strided
** iterator) over headers that describe a region of the result, or memcpy
** for contiguous blocks. Such headers live on the C stack (or, for lists of
** arrays, in a work userdata): they are never given to Lua as arrays, only
** read by lumpy_assign.
*/
#include <stdlib.h>
#include "core.h"

/* ------------------------------------------------------------------ */
/* geometry (no lua_State)                                             */
/* ------------------------------------------------------------------ */

static int64_t prod(int n, const int64_t *s) {
  int64_t p = 1;
  int i;
  for (i = 0; i < n; i++) p *= s[i];
  return p;
}

/* fills t as a header over data with the given geometry (strides NULL:
** C-contiguous) */
static void header(Array *t, char *data, int dtype, int ndim,
                   const int64_t *shape, const int64_t *strides) {
  memset(t, 0, sizeof *t);
  t->data = data;
  t->dtype = dtype;
  t->ndim = ndim;
  t->size = prod(ndim, shape);
  t->owner = t;
  if (ndim == 0) return;
  memcpy(t->shape, shape, sizeof(int64_t) * ndim);
  if (strides) memcpy(t->strides, strides, sizeof(int64_t) * ndim);
  else lumpy_contigstrides(dtype, ndim, shape, t->strides);
}

/* inserts a length-1 axis at position ax (0 <= ax <= ndim) of header h */
static void insertaxis(Array *h, int ax) {
  int i;
  for (i = h->ndim; i > ax; i--) {
    h->shape[i] = h->shape[i - 1];
    h->strides[i] = h->strides[i - 1];
  }
  h->shape[ax] = 1;
  h->strides[ax] = ax < h->ndim ? h->strides[ax + 1] * h->shape[ax + 1]
                                : ITEMSIZE(h->dtype);
  h->ndim++;
}

/* NumPy's atleast_{1,2,3}d on a header: (N) -> (1, N) -> (1, N, 1) */
static void atleast(Array *h, int n) {
  if (h->ndim >= n) return;
  if (n == 1) insertaxis(h, 0);
  else if (n == 2) { while (h->ndim < 2) insertaxis(h, 0); }
  else {
    if (h->ndim == 0) insertaxis(h, 0);
    if (h->ndim == 1) insertaxis(h, 0);
    insertaxis(h, 2);
  }
}

/* strides for viewing a (size > 0) with the new shape ns without copying,
** in C order; 0 when a copy is needed. Old and new axes are matched in
** groups of equal size; the old axes of a group must be laid out as one
** C-contiguous block, whose inner stride the new axes of the group share. */
static int nocopystrides(const Array *a, int nd, const int64_t *ns, int64_t *nst) {
  int64_t os[LUMPY_MAXDIMS], ost[LUMPY_MAXDIMS];
  int m = 0, oi = 0, ni = 0, i, k;
  for (i = 0; i < a->ndim; i++)
    if (a->shape[i] != 1) { os[m] = a->shape[i]; ost[m] = a->strides[i]; m++; }
  for (i = 0; i < nd; i++) nst[i] = ITEMSIZE(a->dtype);
  while (oi < m && ni < nd) {
    int64_t op = os[oi], np = ns[ni];
    int oj = oi + 1, nj = ni + 1;
    while (op != np) {
      if (np < op) np *= ns[nj++];
      else op *= os[oj++];
    }
    for (k = oi; k < oj - 1; k++)
      if (ost[k] != ost[k + 1] * os[k + 1]) return 0;
    nst[nj - 1] = ost[oj - 1];
    for (k = nj - 1; k > ni; k--) nst[k - 1] = nst[k] * ns[k];
    oi = oj;
    ni = nj;
  }
  return 1;
}

/* copies the values of a, in C order, into the contiguous buffer dst of
** dtype (casting) */
static void copyc(lua_State *L, const Array *a, char *dst, int dtype) {
  Array t;
  if (a->size == 0) return;
  if (dtype == a->dtype && lumpy_iscontiguous(a)) {
    memcpy(dst, a->data, (size_t)a->size * ITEMSIZE(dtype));
    return;
  }
  header(&t, dst, dtype, a->ndim, a->shape, NULL);
  lumpy_assign(L, &t, a);
}

/* ------------------------------------------------------------------ */
/* argument helpers                                                    */
/* ------------------------------------------------------------------ */

/* lumpy_checkaxis for any Lua integer (huge ones are out of bounds too) */
static int axisof(lua_State *L, lua_Integer v, int ndim, int argn) {
  if (v > LUMPY_MAXDIMS + 1 || v < -LUMPY_MAXDIMS - 1)
    return luaL_argerror(L, argn, lua_pushfstring(L,
        "axis %I is out of bounds for array of dimension %d", (LUAI_UACINT)v, ndim));
  return lumpy_checkaxis(L, (int)v, ndim, argn);
}

static const char *shapestr(char *buf, const Array *a) {
  return lumpy_shapestr(buf, a->ndim, a->shape);
}

/* a table at idx that is not a list is an options table holding the one
** option key (when key is not NULL): its value replaces it at idx; a mixed
** or other table raises */
static void unwrapopt(lua_State *L, int idx, const char *key) {
  if (lua_type(L, idx) != LUA_TTABLE || lumpy_islist(L, idx)) return;
  if (key == NULL || lua_rawlen(L, idx) > 0)
    luaL_argerror(L, idx, "integer or list of integers expected");
  {
    const char *allowed[2];
    allowed[0] = key;
    allowed[1] = NULL;
    lumpy_checkopts(L, idx, allowed);
  }
  lua_getfield(L, idx, key);
  lua_replace(L, idx);
  if (lua_type(L, idx) == LUA_TTABLE && !lumpy_islist(L, idx))
    luaL_argerror(L, idx, "integer or list of integers expected");
}

/* an integer or a table of integers at idx as 0-based axes of an array of
** dimension ndim, no repeats; returns how many */
static int getaxes(lua_State *L, int idx, int ndim, int *ax, const char *what) {
  int n = 0, i, j;
  unwrapopt(L, idx, strcmp(what, "transpose") == 0 ? "axes" : what[0] == '\'' ? NULL : "axis");
  if (lua_type(L, idx) == LUA_TTABLE) {
    lua_Integer len = (lua_Integer)lua_rawlen(L, idx);
    if (len > LUMPY_MAXDIMS) luaL_argerror(L, idx, "too many axes");
    for (i = 1; i <= len; i++) {
      int isnum;
      lua_Integer v;
      lua_rawgeti(L, idx, i);
      v = lua_tointegerx(L, -1, &isnum);
      lua_pop(L, 1);
      if (!isnum) luaL_argerror(L, idx, "axes must be integers");
      ax[n++] = axisof(L, v, ndim, idx);
    }
  }
  else {
    lua_Integer v = luaL_checkinteger(L, idx);
    ax[n++] = axisof(L, v, ndim, idx);
  }
  for (i = 0; i < n; i++)
    for (j = 0; j < i; j++)
      if (ax[i] == ax[j])
        luaL_argerror(L, idx, lua_pushfstring(L, "repeated axis in %s", what));
  return n;
}

/* an optional integer axis at idx (or the field axis of an options table);
** returns the 0-based axis of an array of dimension ndim, def if absent */
static int optaxis(lua_State *L, int idx, int ndim, int def) {
  if (lua_type(L, idx) == LUA_TTABLE) {
    int ax = def;
    lua_getfield(L, idx, "axis");
    if (!lua_isnil(L, -1)) {
      int isnum;
      lua_Integer v = lua_tointegerx(L, -1, &isnum);
      if (!isnum) luaL_argerror(L, idx, "option 'axis' must be an integer");
      ax = axisof(L, v, ndim, idx);
    }
    lua_pop(L, 1);
    return ax;
  }
  if (lua_isnoneornil(L, idx)) return def;
  return axisof(L, luaL_checkinteger(L, idx), ndim, idx);
}

/* a list of arrays (or values convertible to arrays) at idx (the caller
** fixes the stack top first, as this pushes): pushes a
** userdata holding a copy of each header and returns it; values that are
** not arrays are converted and kept alive in a table pushed after it */
static Array *getlist(lua_State *L, int idx, int *n) {
  lua_Integer len, i;
  Array *h;
  int keep;
  if (lumpy_toarray(L, idx)) luaL_typeerror(L, idx, "table of arrays");
  luaL_checktype(L, idx, LUA_TTABLE);
  len = (lua_Integer)lua_rawlen(L, idx);
  if (len == 0) luaL_argerror(L, idx, "need at least one array");
  h = (Array *)lua_newuserdatauv(L, sizeof(Array) * (size_t)len, 0);
  lua_newtable(L);
  keep = lua_gettop(L);
  for (i = 1; i <= len; i++) {
    Array *a;
    lua_rawgeti(L, idx, i);
    a = lumpy_toarray(L, -1);
    if (a) {
      if (a->closed || a->owner->closed)
        luaL_argerror(L, idx, lua_pushfstring(L, "array %d is closed", (int)i));
      lua_pop(L, 1);
    }
    else {
      if (lua_isnil(L, -1))
        luaL_argerror(L, idx, lua_pushfstring(L, "array %d is nil", (int)i));
      a = lumpy_toarrayx(L, -1, -1);
      lua_rawseti(L, keep, i);
      lua_pop(L, 1);
    }
    h[i - 1] = *a;
  }
  *n = (int)len;
  return h;
}

/* dtype option in an options table at idx (or def) */
static int optdtype(lua_State *L, int idx, int def) {
  int dt = def;
  if (lua_type(L, idx) == LUA_TTABLE) {
    lua_getfield(L, idx, "dtype");
    dt = lumpy_optdtype(L, -1, def);
    lua_pop(L, 1);
  }
  return dt;
}

/* ------------------------------------------------------------------ */
/* views                                                               */
/* ------------------------------------------------------------------ */

/* reads the shape arguments of reshape from idx on: a table, or integers
** up to the top; one entry may be -1. Returns ndim. */
static int reshapeargs(lua_State *L, int idx, int64_t *shape, int *unknown) {
  int nd = 0, top = lua_gettop(L), i;
  *unknown = -1;
  if (lua_type(L, idx) == LUA_TTABLE) {
    lua_Integer len = (lua_Integer)lua_rawlen(L, idx);
    if (!lumpy_islist(L, idx)) luaL_argerror(L, idx, "shape must be a list of integers");
    if (len > LUMPY_MAXDIMS)
      luaL_argerror(L, idx, lua_pushfstring(L, "shape has more than %d dimensions",
                                            LUMPY_MAXDIMS));
    for (i = 1; i <= len; i++) {
      int isnum;
      lua_rawgeti(L, idx, i);
      shape[nd++] = (int64_t)lua_tointegerx(L, -1, &isnum);
      lua_pop(L, 1);
      if (!isnum) luaL_argerror(L, idx, "shape must be a table of integers");
    }
  }
  else {
    if (top < idx) luaL_argerror(L, idx, "shape expected");
    if (top - idx + 1 > LUMPY_MAXDIMS)
      luaL_argerror(L, idx, lua_pushfstring(L, "shape has more than %d dimensions",
                                            LUMPY_MAXDIMS));
    for (i = idx; i <= top; i++) shape[nd++] = (int64_t)luaL_checkinteger(L, i);
  }
  for (i = 0; i < nd; i++) {
    if (shape[i] == -1) {
      if (*unknown >= 0) luaL_argerror(L, idx, "can only specify one unknown dimension");
      *unknown = i;
    }
    else if (shape[i] < 0) luaL_argerror(L, idx, "negative dimensions are not allowed");
  }
  return nd;
}

static int shape_reshape(lua_State *L) {
  Array *a = lumpy_asarray(L, 1);
  int64_t shape[LUMPY_MAXDIMS], strides[LUMPY_MAXDIMS];
  int unknown, nd = reshapeargs(L, 2, shape, &unknown), i;
  int64_t known = 1;
  for (i = 0; i < nd; i++) if (i != unknown) known *= shape[i];
  if (unknown >= 0 && known > 0 && a->size % known == 0) shape[unknown] = a->size / known;
  else if (unknown >= 0 || known != a->size) {
    char buf[400];
    return lumpy_error(L, "cannot reshape array of size %d into shape %s",
                       (int)a->size, lumpy_shapestr(buf, nd, shape));
  }
  if (a->size == 0) {
    lumpy_contigstrides(a->dtype, nd, shape, strides);
    lumpy_newview(L, 1, a->data, nd, shape, strides);
  }
  else if (nocopystrides(a, nd, shape, strides))
    lumpy_newview(L, 1, a->data, nd, shape, strides);
  else {
    Array *r = lumpy_newarray(L, a->dtype, nd, shape, 0);
    copyc(L, a, r->data, a->dtype);
  }
  return 1;
}

/* view of the array at 1 with its axes in the order perm */
static int permuted(lua_State *L, const int *perm) {
  Array *a = lumpy_checkarray(L, 1);
  int64_t shape[LUMPY_MAXDIMS], strides[LUMPY_MAXDIMS];
  int i;
  for (i = 0; i < a->ndim; i++) {
    shape[i] = a->shape[perm[i]];
    strides[i] = a->strides[perm[i]];
  }
  lumpy_newview(L, 1, a->data, a->ndim, shape, strides);
  return 1;
}

static int shape_transpose(lua_State *L) {
  Array *a = lumpy_asarray(L, 1);
  int perm[LUMPY_MAXDIMS], i, n;
  if (lua_isnoneornil(L, 2)) {
    for (i = 0; i < a->ndim; i++) perm[i] = a->ndim - 1 - i;
    return permuted(L, perm);
  }
  if (lua_type(L, 2) == LUA_TTABLE) n = getaxes(L, 2, a->ndim, perm, "transpose");
  else {
    int top = lua_gettop(L);
    if (top - 1 != a->ndim) luaL_argerror(L, 2, "axes don't match array");
    lua_createtable(L, top - 1, 0);
    for (i = 2; i <= top; i++) {
      luaL_checkinteger(L, i);
      lua_pushvalue(L, i);
      lua_rawseti(L, -2, i - 1);
    }
    lua_replace(L, 2);
    lua_settop(L, 2);
    n = getaxes(L, 2, a->ndim, perm, "transpose");
  }
  if (n != a->ndim) luaL_argerror(L, 2, "axes don't match array");
  return permuted(L, perm);
}

static int shape_swapaxes(lua_State *L) {
  Array *a = lumpy_asarray(L, 1);
  int i = axisof(L, luaL_checkinteger(L, 2), a->ndim, 2);
  int j = axisof(L, luaL_checkinteger(L, 3), a->ndim, 3);
  int perm[LUMPY_MAXDIMS], k;
  for (k = 0; k < a->ndim; k++) perm[k] = k;
  perm[i] = j;
  perm[j] = i;
  return permuted(L, perm);
}

static int shape_moveaxis(lua_State *L) {
  Array *a = lumpy_asarray(L, 1);
  int src[LUMPY_MAXDIMS], dst[LUMPY_MAXDIMS], perm[LUMPY_MAXDIMS];
  int used[LUMPY_MAXDIMS] = {0}, order[LUMPY_MAXDIMS];
  int n = getaxes(L, 2, a->ndim, src, "'source' argument");
  int m = getaxes(L, 3, a->ndim, dst, "'destination' argument");
  int i, k;
  if (n != m)
    return luaL_argerror(L, 3, "'source' and 'destination' arguments must have "
                               "the same number of elements");
  for (i = 0; i < a->ndim; i++) perm[i] = -1;
  for (i = 0; i < n; i++) { perm[dst[i]] = src[i]; used[src[i]] = 1; }
  k = 0;
  for (i = 0; i < a->ndim; i++) if (!used[i]) order[k++] = i;
  k = 0;
  for (i = 0; i < a->ndim; i++) if (perm[i] < 0) perm[i] = order[k++];
  return permuted(L, perm);
}

static int shape_ravel(lua_State *L) {
  Array *a = lumpy_asarray(L, 1);
  int64_t n = a->size, st = ITEMSIZE(a->dtype);
  if (lumpy_iscontiguous(a)) lumpy_newview(L, 1, a->data, 1, &n, &st);
  else {
    Array *r = lumpy_newarray(L, a->dtype, 1, &n, 0);
    copyc(L, a, r->data, a->dtype);
  }
  return 1;
}

static int shape_flatten(lua_State *L) {
  Array *a = lumpy_asarray(L, 1), *r;
  int64_t n = a->size;
  r = lumpy_newarray(L, a->dtype, 1, &n, 0);
  copyc(L, a, r->data, a->dtype);
  return 1;
}

static int shape_squeeze(lua_State *L) {
  Array *a = lumpy_asarray(L, 1);
  int64_t shape[LUMPY_MAXDIMS], strides[LUMPY_MAXDIMS];
  int drop[LUMPY_MAXDIMS] = {0}, ax[LUMPY_MAXDIMS], i, nd = 0;
  if (lua_isnoneornil(L, 2)) {
    for (i = 0; i < a->ndim; i++) drop[i] = a->shape[i] == 1;
  }
  else {
    int n = getaxes(L, 2, a->ndim, ax, "squeeze");
    for (i = 0; i < n; i++) {
      if (a->shape[ax[i]] != 1)
        return luaL_argerror(L, 2, "cannot select an axis to squeeze out "
                                   "which has size not equal to one");
      drop[ax[i]] = 1;
    }
  }
  for (i = 0; i < a->ndim; i++)
    if (!drop[i]) { shape[nd] = a->shape[i]; strides[nd] = a->strides[i]; nd++; }
  lumpy_newview(L, 1, a->data, nd, shape, strides);
  return 1;
}

static int shape_expand_dims(lua_State *L) {
  Array *a = lumpy_asarray(L, 1);
  int ax[LUMPY_MAXDIMS], isnew[LUMPY_MAXDIMS] = {0}, n, nd, i;
  unwrapopt(L, 2, "axis");
  n = lua_type(L, 2) == LUA_TTABLE ? (int)lua_rawlen(L, 2) : 1;
  nd = a->ndim + n;
  if (nd > LUMPY_MAXDIMS)
    return luaL_argerror(L, 2, lua_pushfstring(L,
                         "result would have more than %d dimensions",
                                               LUMPY_MAXDIMS));
  n = getaxes(L, 2, nd, ax, "expand_dims");
  for (i = 0; i < n; i++) isnew[ax[i]] = 1;
  {
    int64_t shape[LUMPY_MAXDIMS], strides[LUMPY_MAXDIMS];
    int k = 0;
    for (i = 0; i < nd; i++) {
      if (isnew[i]) { shape[i] = 1; strides[i] = 0; }
      else { shape[i] = a->shape[k]; strides[i] = a->strides[k]; k++; }
    }
    for (i = nd - 1; i >= 0; i--)
      if (isnew[i])
        strides[i] = i + 1 < nd ? strides[i + 1] * shape[i + 1] : ITEMSIZE(a->dtype);
    lumpy_newview(L, 1, a->data, nd, shape, strides);
  }
  return 1;
}

/* view with the axes in flip[] reversed */
static int flipaxes(lua_State *L, const int *flip) {
  Array *a = lumpy_checkarray(L, 1);
  int64_t strides[LUMPY_MAXDIMS];
  char *data = a->data;
  int i;
  for (i = 0; i < a->ndim; i++) {
    strides[i] = a->strides[i];
    if (flip[i] && a->shape[i] > 0) {
      data += (a->shape[i] - 1) * a->strides[i];
      strides[i] = -a->strides[i];
    }
  }
  lumpy_newview(L, 1, data, a->ndim, a->shape, strides);
  return 1;
}

static int shape_flip(lua_State *L) {
  Array *a = lumpy_asarray(L, 1);
  int flip[LUMPY_MAXDIMS] = {0}, ax[LUMPY_MAXDIMS], i;
  if (lua_isnoneornil(L, 2)) for (i = 0; i < a->ndim; i++) flip[i] = 1;
  else {
    int n = getaxes(L, 2, a->ndim, ax, "flip");
    for (i = 0; i < n; i++) flip[ax[i]] = 1;
  }
  return flipaxes(L, flip);
}

static int shape_fliplr(lua_State *L) {
  Array *a = lumpy_asarray(L, 1);
  int flip[LUMPY_MAXDIMS] = {0};
  if (a->ndim < 2) return luaL_argerror(L, 1, "input must be >= 2-d");
  flip[1] = 1;
  return flipaxes(L, flip);
}

static int shape_flipud(lua_State *L) {
  Array *a = lumpy_asarray(L, 1);
  int flip[LUMPY_MAXDIMS] = {0};
  if (a->ndim < 1) return luaL_argerror(L, 1, "input must be >= 1-d");
  flip[0] = 1;
  return flipaxes(L, flip);
}

/* the diagonal at offset k of axes i and j of the array at aidx, as a view
** whose last axis is the diagonal */
static void diagview(lua_State *L, int aidx, int64_t k, int i, int j) {
  Array *a = lumpy_checkarray(L, aidx);
  int64_t shape[LUMPY_MAXDIMS], strides[LUMPY_MAXDIMS], n;
  char *data = a->data;
  int d, nd = 0;
  for (d = 0; d < a->ndim; d++)
    if (d != i && d != j) { shape[nd] = a->shape[d]; strides[nd] = a->strides[d]; nd++; }
  if (k >= 0) n = a->shape[j] - k < a->shape[i] ? a->shape[j] - k : a->shape[i];
  else n = a->shape[i] + k < a->shape[j] ? a->shape[i] + k : a->shape[j];
  if (n <= 0) n = 0;
  else data += k >= 0 ? k * a->strides[j] : -k * a->strides[i];
  shape[nd] = n;
  strides[nd] = a->strides[i] + a->strides[j];
  lumpy_newview(L, aidx, data, nd + 1, shape, strides);
}

static int shape_diagonal(lua_State *L) {
  Array *a = lumpy_asarray(L, 1);
  lua_Integer k = luaL_optinteger(L, 2, 0);
  int i, j;
  if (a->ndim < 2)
    return luaL_argerror(L, 1, "diagonal requires an array of at least two dimensions");
  i = axisof(L, luaL_optinteger(L, 3, 1), a->ndim, 3);
  j = axisof(L, luaL_optinteger(L, 4, 2), a->ndim, 4);
  if (i == j) return luaL_argerror(L, 4, "axis1 and axis2 cannot be the same");
  diagview(L, 1, k, i, j);
  return 1;
}

static int shape_diag(lua_State *L) {
  Array *a = lumpy_asarray(L, 1);
  lua_Integer k = 0;
  if (lua_type(L, 2) == LUA_TTABLE) {
    static const char *const allowed[] = {"k", NULL};
    lumpy_checkopts(L, 2, allowed);
    lua_getfield(L, 2, "k");
    if (!lua_isnil(L, -1)) {
      int isnum;
      k = lua_tointegerx(L, -1, &isnum);
      if (!isnum) luaL_argerror(L, 2, "option 'k' must be an integer");
    }
    lua_pop(L, 1);
  }
  else k = luaL_optinteger(L, 2, 0);
  if (a->ndim == 2) {
    diagview(L, 1, k, 0, 1);
    return 1;
  }
  if (a->ndim == 1) {
    int64_t n = a->size, m = n + (k < 0 ? -k : k), shape[2], st;
    Array *r, d;
    if (k > (lua_Integer)1 << 31 || k < -((lua_Integer)1 << 31))
      return luaL_argerror(L, 2, "diagonal offset is too large");
    shape[0] = shape[1] = m;
    r = lumpy_newarray(L, a->dtype, 2, shape, 1);
    st = r->strides[0] + r->strides[1];
    header(&d, r->data + (k >= 0 ? k * r->strides[1] : -k * r->strides[0]),
           a->dtype, 1, &n, &st);
    lumpy_assign(L, &d, a);
    return 1;
  }
  return luaL_argerror(L, 1, "input must be 1-d or 2-d");
}

static int shape_broadcast_to(lua_State *L) {
  Array *a = lumpy_asarray(L, 1);
  int64_t shape[LUMPY_MAXDIMS], strides[LUMPY_MAXDIMS];
  int nd = lumpy_checkshape(L, 2, shape), d, off = nd - a->ndim, ok = off >= 0;
  for (d = 0; ok && d < a->ndim; d++)
    ok = a->shape[d] == shape[off + d] || a->shape[d] == 1;
  if (!ok) {
    char b1[400], b2[400];
    return lumpy_error(L, "cannot broadcast an array of shape %s to shape %s",
                       shapestr(b1, a), lumpy_shapestr(b2, nd, shape));
  }
  lumpy_broadcast_strides(a, nd, shape, strides);
  lumpy_newview(L, 1, a->data, nd, shape, strides);
  return 1;
}

static int atleastnd(lua_State *L, int n) {
  int top = lua_gettop(L), i;
  luaL_checkany(L, 1);
  luaL_checkstack(L, top + 2, "too many arguments");
  for (i = 1; i <= top; i++) {
    Array *a = lumpy_asarray(L, i), h = *a;
    if (a->ndim >= n) { lua_pushvalue(L, i); continue; }
    atleast(&h, n);
    lumpy_newview(L, i, a->data, h.ndim, h.shape, h.strides);
  }
  return top;
}
static int shape_atleast_1d(lua_State *L) { return atleastnd(L, 1); }
static int shape_atleast_2d(lua_State *L) { return atleastnd(L, 2); }
static int shape_atleast_3d(lua_State *L) { return atleastnd(L, 3); }

/* pushes a table of views of the array at 1 along axis, cut at the n+1
** boundaries b[0..n] (0 = b[0] <= ... clamped as Python slices) */
static void pushpieces(lua_State *L, Array *a, int ax, int64_t n, const int64_t *b) {
  int64_t i, shape[LUMPY_MAXDIMS];
  memcpy(shape, a->shape, sizeof(int64_t) * a->ndim);
  lua_createtable(L, (int)n, 0);
  for (i = 0; i < n; i++) {
    int64_t start = b[i], stop = b[i + 1];
    if (stop < start) stop = start;
    shape[ax] = stop - start;
    lumpy_newview(L, 1, a->data + start * a->strides[ax], a->ndim, shape, a->strides);
    lua_rawseti(L, -2, i + 1);
  }
}

static int splitting(lua_State *L, int equal) {
  Array *a = lumpy_asarray(L, 1);
  int ax;
  int64_t len, *b, n, i;
  if (a->ndim == 0) return luaL_argerror(L, 1, "array must have at least one dimension");
  if (lua_type(L, 3) == LUA_TTABLE) {
    static const char *const allowed[] = {"axis", NULL};
    lumpy_checkopts(L, 3, allowed);
  }
  ax = optaxis(L, 3, a->ndim, 0);
  len = a->shape[ax];
  if (lua_type(L, 2) == LUA_TTABLE) {
    n = (int64_t)lua_rawlen(L, 2) + 1;
    b = (int64_t *)lua_newuserdatauv(L, sizeof(int64_t) * (size_t)(n + 1), 0);
    b[0] = 0;
    b[n] = len;
    for (i = 1; i < n; i++) {
      int isnum;
      int64_t p;
      lua_rawgeti(L, 2, i);
      p = (int64_t)lua_tointegerx(L, -1, &isnum);
      lua_pop(L, 1);
      if (!isnum) return luaL_argerror(L, 2, "split points must be integers");
      if (p < 0) p += len;
      b[i] = p < 0 ? 0 : p > len ? len : p;
    }
  }
  else {
    lua_Integer sections = luaL_checkinteger(L, 2);
    int64_t each, extra;
    if (sections <= 0)
      return luaL_argerror(L, 2, "number of sections must be larger than 0");
    if (sections > 1 << 24) return luaL_argerror(L, 2, "too many sections");
    n = sections;
    if (equal && len % n != 0)
      return lumpy_error(L, "array split does not result in an equal division "
                            "(%d elements along axis %d into %d sections)",
                         (int)len, ax + 1, (int)n);
    b = (int64_t *)lua_newuserdatauv(L, sizeof(int64_t) * (size_t)(n + 1), 0);
    each = len / n;
    extra = len % n;
    b[0] = 0;
    for (i = 0; i < n; i++) b[i + 1] = b[i] + each + (i < extra);
  }
  pushpieces(L, a, ax, n, b);
  return 1;
}
static int shape_split(lua_State *L) { return splitting(L, 1); }
static int shape_array_split(lua_State *L) { return splitting(L, 0); }

/* ------------------------------------------------------------------ */
/* copies                                                              */
/* ------------------------------------------------------------------ */

static int shape_fill(lua_State *L) {
  Array *a = lumpy_checkarray(L, 1), v;
  cplx buf;   /* room and alignment for any element */
  luaL_checkany(L, 2);
  lumpy_setelem(L, 2, a->dtype, (char *)&buf);
  header(&v, (char *)&buf, a->dtype, 0, NULL, NULL);
  lumpy_assign(L, a, &v);
  lua_settop(L, 1);
  return 1;
}

/* joins the n headers h along axis ax into a new array of dtype (pushed);
** mismatched shapes are reported with both shapes */
static void concat(lua_State *L, const Array *h, int n, int ax, int dtype) {
  int64_t shape[LUMPY_MAXDIMS], off = 0, inner, outer;
  int nd = h[0].ndim, i, d;
  char b1[400], b2[400];
  Array *r;
  for (i = 1; i < n; i++) {
    if (h[i].ndim != nd)
      lumpy_error(L, "all the input arrays must have the same number of dimensions, "
                     "but array 1 has shape %s and array %d has shape %s",
                  shapestr(b1, &h[0]), i + 1, shapestr(b2, &h[i]));
    for (d = 0; d < nd; d++)
      if (d != ax && h[i].shape[d] != h[0].shape[d])
        lumpy_error(L, "all the input array dimensions except for the concatenation "
                       "axis must match exactly, but array 1 has shape %s and array %d "
                       "has shape %s (concatenation axis %d)",
                    shapestr(b1, &h[0]), i + 1, shapestr(b2, &h[i]), ax + 1);
  }
  memcpy(shape, h[0].shape, sizeof(int64_t) * nd);
  shape[ax] = 0;
  for (i = 0; i < n; i++) {
    if (shape[ax] > ((int64_t)1 << 62)) lumpy_error(L, "concatenate: the result is too big");
    shape[ax] += h[i].shape[ax];
  }
  r = lumpy_newarray(L, dtype, nd, shape, 0);
  if (r->size == 0) return;
  outer = prod(ax, shape);
  inner = prod(nd - ax - 1, shape + ax + 1) * ITEMSIZE(dtype);
  for (i = 0; i < n; i++) {
    const Array *a = &h[i];
    char *dst = r->data + off * inner;
    if (a->size > 0) {
      if (a->dtype == dtype && lumpy_iscontiguous(a)) {
        int64_t chunk = a->shape[ax] * inner, o;
        for (o = 0; o < outer; o++)
          memcpy(dst + o * shape[ax] * inner, a->data + o * chunk, (size_t)chunk);
      }
      else {
        Array t;
        header(&t, dst, dtype, nd, a->shape, r->strides);
        lumpy_assign(L, &t, a);
      }
    }
    off += a->shape[ax];
  }
}

/* promoted dtype of n headers */
static int commondtype(const Array *h, int n) {
  int dt = h[0].dtype, i;
  for (i = 1; i < n; i++) dt = lumpy_promote(dt, h[i].dtype);
  return dt;
}

static const char *const O_AXISDTYPE[] = {"axis", "dtype", NULL};
static const char *const O_DTYPEONLY[] = {"dtype", NULL};

/* concatenate(arrays, false) or {axis = false} (NumPy's axis=None): the
** inputs raveled and joined into one 1-d array. A nil axis is the default
** (axis 1), like an absent one, so wrappers can pass optional arguments on */
static int flatconcat(lua_State *L, Array *h, int n, int dtype) {
  int64_t total = 0, off = 0;
  int i;
  Array *r;
  for (i = 0; i < n; i++) {
    if (total > ((int64_t)1 << 62)) lumpy_error(L, "concatenate: the result is too big");
    total += h[i].size;      /* each size is below 2^46 */
  }
  r = lumpy_newarray(L, dtype, 1, &total, 0);
  for (i = 0; i < n; i++) {
    Array t;
    int64_t st[LUMPY_MAXDIMS];
    if (h[i].size == 0) continue;
    lumpy_contigstrides(dtype, h[i].ndim, h[i].shape, st);
    header(&t, r->data + off * ITEMSIZE(dtype), dtype, h[i].ndim, h[i].shape, st);
    lumpy_assign(L, &t, &h[i]);
    off += h[i].size;
  }
  return 1;
}

static int shape_concatenate(lua_State *L) {
  int n, ax, flat = lua_type(L, 2) == LUA_TBOOLEAN && !lua_toboolean(L, 2);
  Array *h;
  if (lua_type(L, 2) == LUA_TTABLE) {
    lumpy_checkopts(L, 2, O_AXISDTYPE);
    flat = lua_getfield(L, 2, "axis") == LUA_TBOOLEAN && !lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  h = (lua_settop(L, 2), getlist(L, 1, &n));
  if (flat) return flatconcat(L, h, n, optdtype(L, 2, commondtype(h, n)));
  if (h[0].ndim == 0)
    return luaL_argerror(L, 1, "zero-dimensional arrays cannot be concatenated");
  ax = optaxis(L, 2, h[0].ndim, 0);
  concat(L, h, n, ax, optdtype(L, 2, commondtype(h, n)));
  return 1;
}

static int shape_stack(lua_State *L) {
  int n, ax, i, d;
  Array *h;
  if (lua_type(L, 2) == LUA_TTABLE) lumpy_checkopts(L, 2, O_AXISDTYPE);
  h = (lua_settop(L, 2), getlist(L, 1, &n));
  char b1[400], b2[400];
  for (i = 1; i < n; i++) {
    int same = h[i].ndim == h[0].ndim;
    for (d = 0; same && d < h[0].ndim; d++) same = h[i].shape[d] == h[0].shape[d];
    if (!same)
      return lumpy_error(L, "all input arrays must have the same shape, but array 1 "
                            "has shape %s and array %d has shape %s",
                         shapestr(b1, &h[0]), i + 1, shapestr(b2, &h[i]));
  }
  if (h[0].ndim + 1 > LUMPY_MAXDIMS)
    return luaL_argerror(L, 1, "result would have too many dimensions");
  ax = optaxis(L, 2, h[0].ndim + 1, 0);
  for (i = 0; i < n; i++) insertaxis(&h[i], ax);
  concat(L, h, n, ax, optdtype(L, 2, commondtype(h, n)));
  return 1;
}

/* the stacks: atleast_nd on every input, then concatenate along ax */
static int stacking(lua_State *L, int nd, int ax) {
  int n, i;
  Array *h;
  if (lua_type(L, 2) == LUA_TTABLE) lumpy_checkopts(L, 2, O_DTYPEONLY);
  h = (lua_settop(L, 2), getlist(L, 1, &n));
  for (i = 0; i < n; i++) atleast(&h[i], nd);
  if (ax >= h[0].ndim) ax = h[0].ndim - 1;
  concat(L, h, n, ax, optdtype(L, 2, commondtype(h, n)));
  return 1;
}
static int shape_vstack(lua_State *L) { return stacking(L, 2, 0); }
static int shape_dstack(lua_State *L) { return stacking(L, 3, 2); }
static int shape_hstack(lua_State *L) { return stacking(L, 1, 1); }

static int shape_column_stack(lua_State *L) {
  int n, i;
  Array *h;
  if (lua_type(L, 2) == LUA_TTABLE) lumpy_checkopts(L, 2, O_DTYPEONLY);
  h = (lua_settop(L, 2), getlist(L, 1, &n));
  for (i = 0; i < n; i++) {
    if (h[i].ndim < 2) {
      if (h[i].ndim == 0) insertaxis(&h[i], 0);
      insertaxis(&h[i], 1);
    }
  }
  concat(L, h, n, 1, optdtype(L, 2, commondtype(h, n)));
  return 1;
}

static int shape_tile(lua_State *L) {
  Array *a = lumpy_asarray(L, 1), *r, dst, src;
  int64_t reps[LUMPY_MAXDIMS], shape[LUMPY_MAXDIMS], ash[LUMPY_MAXDIMS], ast[LUMPY_MAXDIMS];
  int nr = lumpy_checkshape(L, 2, reps), nd = nr > a->ndim ? nr : a->ndim;
  int i, k = 0;
  /* align a's axes and the repetitions on the right */
  for (i = 0; i < nd; i++) {
    int ia = i - (nd - a->ndim), ir = i - (nd - nr);
    ash[i] = ia >= 0 ? a->shape[ia] : 1;
    ast[i] = ia >= 0 ? a->strides[ia] : 0;
    int64_t rep = ir >= 0 ? reps[ir] : 1;
    if (rep > 0 && ash[i] > INT64_MAX / rep)
      return lumpy_error(L, "tile: the result is too big");
    shape[i] = ash[i] * rep;
  }
  r = lumpy_newarray(L, a->dtype, nd, shape, 0);
  if (r->size == 0) return 1;
  /* the result as (rep, axis) pairs; the source broadcast over rep axes */
  memset(&dst, 0, sizeof dst);
  memset(&src, 0, sizeof src);
  for (i = 0; i < nd; i++) {
    int64_t rep = shape[i] / ash[i];
    if (rep > 1) {
      if (k + 2 > LUMPY_MAXDIMS)
        return lumpy_error(L, "tile: more than %d axes with repetitions",
                           LUMPY_MAXDIMS / 2);
      dst.shape[k] = rep; dst.strides[k] = ash[i] * r->strides[i];
      src.shape[k] = 1; src.strides[k] = 0;
      k++;
    }
    dst.shape[k] = ash[i]; dst.strides[k] = r->strides[i];
    src.shape[k] = ash[i]; src.strides[k] = ast[i];
    k++;
  }
  dst.data = r->data; dst.dtype = a->dtype; dst.ndim = k; dst.size = r->size;
  src.data = a->data; src.dtype = a->dtype; src.ndim = k; src.size = a->size;
  dst.owner = &dst;
  src.owner = &src;
  lumpy_assign(L, &dst, &src);
  return 1;
}

/* repeat over outer blocks of n source elements of type T (c) into the
** result (r): element i of each block written reps[i] times */
/* repeat over outer blocks of n source elements of type T (src) into the
** result (dst): element i of each block written reps[i * rstep] times */
#define REPEATLOOP(T) { \
    const T *sp = (const T *)src; T *op = (T *)dst; \
    for (o = 0; o < outer; o++) \
      for (i = 0; i < n; i++) { \
        T v = *sp++; int64_t j, k = reps[i * rstep]; \
        for (j = 0; j < k; j++) *op++ = v; \
      } \
  }

/* the same for blocks of any size (the axis is not the last one) */
static void repeatblocks(char *dst, const char *src, int64_t outer, int64_t n,
                         int64_t inner, const int64_t *reps, int64_t rstep) {
  int64_t o, i, j;
  for (o = 0; o < outer; o++)
    for (i = 0; i < n; i++, src += inner)
      for (j = 0; j < reps[i * rstep]; j++, dst += inner) memcpy(dst, src, (size_t)inner);
}

static int shape_repeat(lua_State *L) {
  Array *a = lumpy_asarray(L, 1), *c, *r;
  int64_t shape[LUMPY_MAXDIMS], n, total = 0, outer, inner, i, o, count, rstep;
  const int64_t *reps;
  int ax, nd;
  char *dst;
  const char *src;
  if (lua_isnoneornil(L, 3)) {   /* on the flattened array */
    nd = 1;
    ax = 0;
    shape[0] = a->size;
    c = lumpy_ascontig(L, 1, -1);
  }
  else {
    if (a->ndim == 0) return luaL_argerror(L, 3, "axis given for a 0-d array");
    ax = axisof(L, luaL_checkinteger(L, 3), a->ndim, 3);
    nd = a->ndim;
    memcpy(shape, a->shape, sizeof(int64_t) * nd);
    c = lumpy_ascontig(L, 1, -1);
  }
  n = shape[ax];
  if (lua_type(L, 2) == LUA_TNUMBER) {   /* one count for all */
    count = luaL_checkinteger(L, 2);
    reps = &count;
    rstep = 0;
  }
  else {   /* a count per element (a table or an array), or one */
    Array *ra;
    luaL_checkany(L, 2);
    lumpy_asarray(L, 2);
    ra = lumpy_ascontig(L, 2, LUMPY_INT64);
    if (ra->ndim > 1 || (ra->size != n && ra->size != 1)) {
      char b1[400], b2[400];
      return lumpy_error(L, "operands could not be broadcast together with shapes %s %s",
                         lumpy_shapestr(b1, 1, &n), shapestr(b2, ra));
    }
    reps = (const int64_t *)ra->data;
    rstep = ra->size == 1 ? 0 : 1;
  }
  for (i = 0; i < (rstep ? n : 1); i++)
    if (reps[i] < 0) return luaL_argerror(L, 2, "repeats may not contain negative values");
  if (rstep == 0) {
    if (reps[0] > 0 && n > INT64_MAX / reps[0])
      return lumpy_error(L, "repeat: the result is too big");
    total = n * reps[0];
  }
  else
    for (i = 0; i < n; i++) {
      if (reps[i] > INT64_MAX - total)
        return lumpy_error(L, "repeat: the result is too big");
      total += reps[i];
    }
  outer = prod(ax, shape);
  inner = prod(nd - ax - 1, shape + ax + 1) * ITEMSIZE(a->dtype);
  shape[ax] = total;
  r = lumpy_newarray(L, a->dtype, nd, shape, 0);
  if (r->size == 0) return 1;
  dst = r->data;
  src = c->data;
  if (inner == ITEMSIZE(a->dtype)) {
    switch (inner) {
      case 1: REPEATLOOP(uint8_t) break;
      case 4: REPEATLOOP(uint32_t) break;
      case 8: REPEATLOOP(uint64_t) break;
      default: REPEATLOOP(cplx) break;
    }
  }
  else repeatblocks(dst, src, outer, n, inner, reps, rstep);
  return 1;
}

/* a shift or axis argument: integer or table, read as a list */
static int getints(lua_State *L, int idx, lua_Integer *v, const char *key) {
  unwrapopt(L, idx, key);
  if (lua_type(L, idx) == LUA_TTABLE) {
    lua_Integer len = (lua_Integer)lua_rawlen(L, idx), i;
    if (len > LUMPY_MAXDIMS) luaL_argerror(L, idx, "too many entries");
    for (i = 1; i <= len; i++) {
      int isnum;
      lua_rawgeti(L, idx, i);
      v[i - 1] = lua_tointegerx(L, -1, &isnum);
      lua_pop(L, 1);
      if (!isnum) luaL_argerror(L, idx, "integers expected");
    }
    return (int)len;
  }
  v[0] = luaL_checkinteger(L, idx);
  return 1;
}

static int64_t posmod(lua_Integer s, int64_t n) {
  int64_t m;
  if (n == 0) return 0;
  m = (int64_t)(s % n);
  return m < 0 ? m + n : m;
}

static int shape_roll(lua_State *L) {
  Array *a = lumpy_asarray(L, 1), *r;
  lua_Integer sh[LUMPY_MAXDIMS], axv[LUMPY_MAXDIMS];
  int64_t shift[LUMPY_MAXDIMS] = {0};
  int ns = getints(L, 2, sh, NULL), na, i, k = 0, rolled[LUMPY_MAXDIMS];
  uint64_t mask, npieces;
  if (lua_isnoneornil(L, 3)) {   /* on the flattened array */
    int64_t n = a->size, s, isz = ITEMSIZE(a->dtype);
    Array *c;
    if (ns != 1 || lua_type(L, 2) == LUA_TTABLE)
      return luaL_argerror(L, 2, "integer shift expected when no axis is given");
    s = posmod(sh[0], n);
    c = lumpy_ascontig(L, 1, -1);
    r = lumpy_newarray(L, a->dtype, a->ndim, a->shape, 0);
    if (n == 0) return 1;
    memcpy(r->data, c->data + (n - s) * isz, (size_t)(s * isz));
    memcpy(r->data + s * isz, c->data, (size_t)((n - s) * isz));
    return 1;
  }
  na = getints(L, 3, axv, "axis");
  if (ns != na && ns != 1 && na != 1)
    return luaL_argerror(L, 2, "shift and axis must have the same number of entries");
  for (i = 0; i < (ns > na ? ns : na); i++) {
    int ax = axisof(L, axv[na == 1 ? 0 : i], a->ndim, 3);
    shift[ax] = posmod((lua_Integer)(posmod(sh[ns == 1 ? 0 : i], a->shape[ax]) + shift[ax]),
                       a->shape[ax]);
  }
  r = lumpy_newarray(L, a->dtype, a->ndim, a->shape, 0);
  if (r->size == 0) return 1;
  for (i = 0; i < a->ndim; i++) if (shift[i] != 0) rolled[k++] = i;
  /* each rolled axis is two segments: result[s:] = a[:n-s], result[:s] = a[n-s:] */
  npieces = (uint64_t)1 << k;
  for (mask = 0; mask < npieces; mask++) {
    Array d, s;
    header(&d, r->data, a->dtype, a->ndim, a->shape, r->strides);
    header(&s, a->data, a->dtype, a->ndim, a->shape, a->strides);
    for (i = 0; i < k; i++) {
      int ax = rolled[i];
      int64_t n = a->shape[ax], sft = shift[ax];
      if (mask >> i & 1) {
        d.shape[ax] = s.shape[ax] = sft;
        s.data += (n - sft) * a->strides[ax];
      }
      else {
        d.shape[ax] = s.shape[ax] = n - sft;
        d.data += sft * r->strides[ax];
      }
    }
    d.size = s.size = prod(a->ndim, d.shape);
    lumpy_assign(L, &d, &s);
  }
  return 1;
}

/* meshgrid(x1, ..., xn [, {indexing = "xy"|"ij", sparse = false, copy = true}]) */
static int shape_meshgrid(lua_State *L) {
  int top = lua_gettop(L), n, i, ij = 0, sparse = 0, copy = 1;
  int64_t shape[LUMPY_MAXDIMS];
  if (top > 0 && lua_type(L, top) == LUA_TTABLE && lua_rawlen(L, top) == 0) {
    lua_pushnil(L);
    if (lua_next(L, top)) {   /* a table with keys: the options */
      static const char *const allowed[] = {"indexing", "sparse", "copy", NULL};
      const char *ix;
      lua_pop(L, 2);
      lumpy_checkopts(L, top, allowed);
      lua_getfield(L, top, "indexing");
      ix = luaL_optstring(L, -1, "xy");
      if (strcmp(ix, "ij") == 0) ij = 1;
      else if (strcmp(ix, "xy") != 0)
        return luaL_argerror(L, top, "indexing must be \"xy\" or \"ij\"");
      lua_getfield(L, top, "sparse");
      sparse = lua_toboolean(L, -1);
      lua_getfield(L, top, "copy");
      copy = lua_isnil(L, -1) || lua_toboolean(L, -1);
      lua_pop(L, 3);
      lua_remove(L, top);
      top--;
    }
  }
  n = top;
  if (n > LUMPY_MAXDIMS) return luaL_argerror(L, LUMPY_MAXDIMS + 1, "too many arrays");
  luaL_checkstack(L, n + 4, "too many arrays");
  for (i = 1; i <= n; i++) {
    Array *a = lumpy_asarray(L, i);
    shape[i - 1] = a->size;
  }
  if (!ij && n >= 2) { int64_t t = shape[0]; shape[0] = shape[1]; shape[1] = t; }
  for (i = 1; i <= n; i++) {
    Array *a = lumpy_checkarray(L, i), *v;
    int ax = (!ij && n >= 2 && i <= 2) ? 2 - i : i - 1, d;
    int64_t vshape[LUMPY_MAXDIMS], vstrides[LUMPY_MAXDIMS];
    /* x_i as a line along axis ax: raveled (a copy if it is not contiguous) */
    if (!lumpy_iscontiguous(a)) {
      int64_t size = a->size;
      Array *c = lumpy_newarray(L, a->dtype, 1, &size, 0);
      copyc(L, a, c->data, a->dtype);
      lua_replace(L, i);
      a = c;
    }
    for (d = 0; d < n; d++) {
      vshape[d] = d == ax ? shape[d] : (sparse ? 1 : shape[d]);
      vstrides[d] = d == ax ? ITEMSIZE(a->dtype) : 0;
    }
    v = lumpy_newview(L, i, a->data, n, vshape, vstrides);
    if (copy) {
      Array *c = lumpy_newarray(L, a->dtype, n, vshape, 0);
      lumpy_assign(L, c, v);
      lua_remove(L, -2);
    }
  }
  return n;
}

void lumpy_open_shape(lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"reshape", shape_reshape}, {"transpose", shape_transpose},
    {"swapaxes", shape_swapaxes}, {"moveaxis", shape_moveaxis},
    {"ravel", shape_ravel}, {"flatten", shape_flatten}, {"squeeze", shape_squeeze},
    {"expand_dims", shape_expand_dims}, {"fill", shape_fill},
    {"concatenate", shape_concatenate}, {"stack", shape_stack},
    {"hstack", shape_hstack}, {"vstack", shape_vstack}, {"dstack", shape_dstack},
    {"column_stack", shape_column_stack}, {"split", shape_split},
    {"array_split", shape_array_split}, {"tile", shape_tile},
    {"repeat", shape_repeat}, {"repeat_", shape_repeat},
    {"flip", shape_flip}, {"fliplr", shape_fliplr}, {"flipud", shape_flipud},
    {"roll", shape_roll}, {"diag", shape_diag}, {"diagonal", shape_diagonal},
    {"meshgrid", shape_meshgrid}, {"broadcast_to", shape_broadcast_to},
    {"atleast_1d", shape_atleast_1d}, {"atleast_2d", shape_atleast_2d},
    {"atleast_3d", shape_atleast_3d},
    {NULL, NULL}
  };
  static const luaL_Reg methods[] = {
    {"reshape", shape_reshape}, {"transpose", shape_transpose},
    {"swapaxes", shape_swapaxes}, {"ravel", shape_ravel}, {"flatten", shape_flatten},
    {"squeeze", shape_squeeze}, {"fill", shape_fill},
    {"repeat", shape_repeat}, {"repeat_", shape_repeat},
    {"diagonal", shape_diagonal},
    {NULL, NULL}
  };
  lumpy_register(L, funcs, methods);
}
