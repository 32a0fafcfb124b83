/*
** index.c: a[key] and a[key] = value for non-string keys (DESIGN.md
** "Indexing: 1-based, like Lua").
**
** A key is an integer, a bool or integer array, or a table of entries, one
** per axis: an integer, {} or ":" (whole axis), a range {start, stop, step}
** (inclusive stop; also {start=, stop=, step=}), or a bool/integer array.
** Integers and ranges alone give the element or a view (basic indexing);
** any array entry makes the result a copy (advanced indexing, with NumPy's
** rules for broadcasting the index arrays and placing their axes).
**
** Every key is parsed and validated before anything is written, so a bad
** key or value never leaves an array half assigned.
*/
#include "core.h"

/* ------------------------------------------------------------------ */
/* kernels: gather and scatter through byte offsets                    */
/* ------------------------------------------------------------------ */

typedef struct Bytes16 { uint64_t lo, hi; } Bytes16;

/* d[b * ds] = base[offs[b]] (or the reverse when scatter), one element each;
** instantiated per item size so the copy is a plain load and store */
#define GATHERLOOP(NAME, T) \
static void NAME(char *base, const int64_t *offs, int64_t nb, char *d, \
                 int64_t ds, int scatter) { \
  int64_t b; \
  if (scatter) \
    for (b = 0; b < nb; b++, d += ds) memcpy(base + offs[b], d, sizeof(T)); \
  else \
    for (b = 0; b < nb; b++, d += ds) memcpy(d, base + offs[b], sizeof(T)); \
}
GATHERLOOP(gather1, uint8_t)
GATHERLOOP(gather4, uint32_t)
GATHERLOOP(gather8, uint64_t)
GATHERLOOP(gather16, Bytes16)

typedef void (*GatherFn)(char *, const int64_t *, int64_t, char *, int64_t, int);

static GatherFn gatherfn(int itemsize) {
  switch (itemsize) {
    case 1: return gather1;
    case 4: return gather4;
    case 8: return gather8;
    default: return gather16;
  }
}

/* one advanced-indexing copy between the indexed array (src side: base,
** pre axes, the offsets of the index positions, post axes) and a dense side
** laid out as (pre, b, post) with its own strides (zeros for a broadcast
** scalar value) */
typedef struct Gather {
  int dtype, scatter;
  char *base;
  int npre, npost;
  int64_t preshape[LUMPY_MAXDIMS], prestr[LUMPY_MAXDIMS];
  int64_t postshape[LUMPY_MAXDIMS], poststr[LUMPY_MAXDIMS];
  const int64_t *offs;
  int64_t nb;
  char *dense;
  int64_t dprestr[LUMPY_MAXDIMS], dbstr, dpoststr[LUMPY_MAXDIMS];
} Gather;

/* copies one post block between s (indexed side) and d (dense side) */
static void copyblock(const Gather *g, char *s, char *d) {
  const int64_t *strides[2];
  char *data[2];
  if (g->scatter) {
    data[0] = d; data[1] = s;
    strides[0] = g->dpoststr; strides[1] = g->poststr;
  }
  else {
    data[0] = s; data[1] = d;
    strides[0] = g->poststr; strides[1] = g->dpoststr;
  }
  lumpy_iterate(2, data, g->npost, g->postshape, strides,
                lumpy_castloop(g->dtype, g->dtype), NULL);
}

/* is the post block contiguous (same layout) on both sides? */
static int blockcontig(const Gather *g, int64_t *bytes) {
  int64_t s = ITEMSIZE(g->dtype);
  int d;
  for (d = g->npost - 1; d >= 0; d--) {
    if (g->postshape[d] != 1 && (g->poststr[d] != s || g->dpoststr[d] != s)) return 0;
    s *= g->postshape[d];
  }
  *bytes = s;
  return 1;
}

static void rungather(const Gather *g) {
  int64_t idx[LUMPY_MAXDIMS], blockbytes = 0, b;
  char *s = g->base, *d = g->dense;
  GatherFn fn = gatherfn(ITEMSIZE(g->dtype));
  int k, contig = g->npost > 0 && blockcontig(g, &blockbytes);
  for (k = 0; k < g->npre; k++) {
    if (g->preshape[k] == 0) return;
    idx[k] = 0;
  }
  for (k = 0; k < g->npost; k++) if (g->postshape[k] == 0) return;
  for (;;) {
    if (g->npost == 0) fn(s, g->offs, g->nb, d, g->dbstr, g->scatter);
    else if (contig && g->scatter)
      for (b = 0; b < g->nb; b++) memcpy(s + g->offs[b], d + b * g->dbstr, blockbytes);
    else if (contig)
      for (b = 0; b < g->nb; b++) memcpy(d + b * g->dbstr, s + g->offs[b], blockbytes);
    else
      for (b = 0; b < g->nb; b++) copyblock(g, s + g->offs[b], d + b * g->dbstr);
    /* next pre position */
    for (k = g->npre - 1; k >= 0; k--) {
      s += g->prestr[k];
      d += g->dprestr[k];
      if (++idx[k] < g->preshape[k]) break;
      s -= g->prestr[k] * g->preshape[k];
      d -= g->dprestr[k] * g->preshape[k];
      idx[k] = 0;
    }
    if (k < 0) return;
  }
}

/* integer index arrays to byte offsets: 1-based or negative positions on an
** axis of size n and byte stride st; the first bad index is recorded */
typedef struct IdxCtx {
  int64_t n, st;
  int bad;
  int64_t badv;
} IdxCtx;

#define IDXLOOP(NAME, T) \
static void NAME(char **args, int64_t cnt, const int64_t *steps, void *ctx) { \
  IdxCtx *c = (IdxCtx *)ctx; \
  const char *ip = args[0]; \
  char *op = args[1]; \
  int64_t i, n = c->n, st = c->st; \
  for (i = 0; i < cnt; i++, ip += steps[0], op += steps[1]) { \
    int64_t v = (int64_t)*(const T *)ip; \
    if (v >= 1 && v <= n) v -= 1; \
    else if (v < 0 && v >= -n) v += n; \
    else { \
      if (!c->bad) { c->bad = 1; c->badv = v; } \
      v = 0; \
    } \
    *(int64_t *)op = v * st; \
  } \
}
IDXLOOP(idx_u8, uint8_t)
IDXLOOP(idx_i32, int32_t)
IDXLOOP(idx_i64, int64_t)

/* sum of broadcast offset arrays: args[0] += args[1] */
static void addoffs(char **args, int64_t cnt, const int64_t *steps, void *ctx) {
  char *op = args[0];
  const char *ip = args[1];
  int64_t i;
  (void)ctx;
  for (i = 0; i < cnt; i++, op += steps[0], ip += steps[1])
    *(int64_t *)op += *(const int64_t *)ip;
}

/* walks a bool mask (ndim axes, any strides) in C order; with out, stores
** the byte offset (under the strides vst of the indexed axes) of each true
** element; returns the number of true elements */
static int64_t maskwalk(const Array *m, const int64_t *vst, int64_t *out) {
  int64_t idx[LUMPY_MAXDIMS], k = 0, off = 0, j;
  const char *p = m->data;
  int nd = m->ndim, d;
  int64_t n = m->shape[nd - 1], ms = m->strides[nd - 1], vs = vst[nd - 1];
  if (m->size == 0) return 0;
  for (d = 0; d < nd; d++) idx[d] = 0;
  for (;;) {
    if (out) {
      for (j = 0; j < n; j++) if (p[j * ms]) out[k++] = off + j * vs;
    }
    else for (j = 0; j < n; j++) k += p[j * ms] != 0;
    for (d = nd - 2; d >= 0; d--) {
      p += m->strides[d];
      off += vst[d];
      if (++idx[d] < m->shape[d]) break;
      p -= m->strides[d] * m->shape[d];
      off -= vst[d] * m->shape[d];
      idx[d] = 0;
    }
    if (d < 0) return k;
  }
}

/* a[mask] and a[mask] = v when mask and a are contiguous and of one shape */
#define MASKLOOP(NAME, T) \
static int64_t NAME(char *a, const uint8_t *m, int64_t n, char *d, int scatter) { \
  int64_t i, k = 0; \
  T *p = (T *)a; \
  if (scatter == 2) { /* one value for every true element */ \
    T v; \
    memcpy(&v, d, sizeof(T)); \
    for (i = 0; i < n; i++) if (m[i]) p[i] = v; \
  } \
  else if (scatter) { \
    const T *q = (const T *)d; \
    for (i = 0; i < n; i++) if (m[i]) p[i] = q[k++]; \
  } \
  else { \
    T *q = (T *)d; \
    for (i = 0; i < n; i++) if (m[i]) q[k++] = p[i]; \
  } \
  return k; \
}
MASKLOOP(mask1, uint8_t)
MASKLOOP(mask4, uint32_t)
MASKLOOP(mask8, uint64_t)
MASKLOOP(mask16, Bytes16)

typedef int64_t (*MaskFn)(char *, const uint8_t *, int64_t, char *, int);

static MaskFn maskfn(int itemsize) {
  switch (itemsize) {
    case 1: return mask1;
    case 4: return mask4;
    case 8: return mask8;
    default: return mask16;
  }
}

static int64_t countmask(const uint8_t *m, int64_t n) {
  int64_t i, k = 0;
  for (i = 0; i < n; i++) k += m[i] != 0;
  return k;
}

/* a[idx] and a[idx] = v on a 1-d array with a contiguous index array: the
** index check and the copy in one pass, per index dtype and item size.
** Returns the position of the first bad index, or -1. A scatter runs only
** after takecheck has passed, so it never stops half way. */
#define TAKELOOP(NAME, TI, T) \
static int64_t NAME(char *base, int64_t st, int64_t n, const char *ixp, \
                    int64_t cnt, char *d, int64_t ds, int scatter) { \
  const TI *ix = (const TI *)ixp; \
  int64_t i; \
  for (i = 0; i < cnt; i++, d += ds) { \
    int64_t v = (int64_t)ix[i]; \
    if (v >= 1 && v <= n) v -= 1; \
    else if (v < 0 && v >= -n) v += n; \
    else return i; \
    if (scatter) memcpy(base + v * st, d, sizeof(T)); \
    else memcpy(d, base + v * st, sizeof(T)); \
  } \
  return -1; \
}
#define TAKEROW(S, TI) \
  TAKELOOP(take_##S##_1, TI, uint8_t) TAKELOOP(take_##S##_4, TI, uint32_t) \
  TAKELOOP(take_##S##_8, TI, uint64_t) TAKELOOP(take_##S##_16, TI, Bytes16)
TAKEROW(u8, uint8_t)
TAKEROW(i32, int32_t)
TAKEROW(i64, int64_t)

typedef int64_t (*TakeFn)(char *, int64_t, int64_t, const char *, int64_t, char *,
                          int64_t, int);

static TakeFn takefn(int idxdtype, int itemsize) {
  static const TakeFn t[3][4] = {
    {take_u8_1, take_u8_4, take_u8_8, take_u8_16},
    {take_i32_1, take_i32_4, take_i32_8, take_i32_16},
    {take_i64_1, take_i64_4, take_i64_8, take_i64_16},
  };
  int r = idxdtype == LUMPY_UINT8 ? 0 : idxdtype == LUMPY_INT32 ? 1 : 2;
  int c = itemsize == 1 ? 0 : itemsize == 4 ? 1 : itemsize == 8 ? 2 : 3;
  return t[r][c];
}

#define CHECKLOOP(NAME, TI) \
static int64_t NAME(const char *ixp, int64_t cnt, int64_t n) { \
  const TI *ix = (const TI *)ixp; \
  int64_t i; \
  for (i = 0; i < cnt; i++) { \
    int64_t v = (int64_t)ix[i]; \
    if (!((v >= 1 && v <= n) || (v < 0 && v >= -n))) return i; \
  } \
  return -1; \
}
CHECKLOOP(check_u8, uint8_t)
CHECKLOOP(check_i32, int32_t)
CHECKLOOP(check_i64, int64_t)

static int64_t takecheck(int idxdtype, const char *ix, int64_t cnt, int64_t n) {
  return idxdtype == LUMPY_UINT8 ? check_u8(ix, cnt, n) :
         idxdtype == LUMPY_INT32 ? check_i32(ix, cnt, n) : check_i64(ix, cnt, n);
}

/* ------------------------------------------------------------------ */
/* parsing keys                                                        */
/* ------------------------------------------------------------------ */

enum { K_INT, K_RANGE, K_INTARR, K_MASK };

typedef struct Entry {
  int kind;
  int axis;             /* first axis of a it indexes (0-based) */
  int vaxis;            /* its axis in the basic view (array entries) */
  int aidx;             /* stack index of the index array */
  int64_t pos;          /* K_INT: 0-based position */
  int64_t start, count, step;   /* K_RANGE, in elements */
} Entry;

typedef struct Key {
  int n;                /* entries */
  int nadv;             /* array entries */
  int nint;             /* integer entries */
  int used;             /* axes of a consumed */
  Entry e[LUMPY_MAXDIMS];
} Key;

static int64_t checkpos(lua_State *L, lua_Integer i, int axis, int64_t n) {
  if (i >= 1 && i <= n) return i - 1;
  if (i < 0 && i >= -n) return i + n;
  lumpy_error(L, "index %I is out of bounds for axis %d with size %I",
              (lua_Integer)i, axis + 1, (lua_Integer)n);
  return 0;
}

/* the integer at idx (a number with an integral value), raising with what */
static lua_Integer checkint(lua_State *L, int idx, const char *what) {
  int isint;
  lua_Integer i;
  if (lua_type(L, idx) != LUA_TNUMBER)    /* no string coercion */
    lumpy_error(L, "%s must be an integer, got %s", what, luaL_typename(L, idx));
  i = lua_tointegerx(L, idx, &isint);
  if (!isint)
    lumpy_error(L, "%s %f is not an integer", what, (double)lua_tonumber(L, idx));
  return i;
}

/* axes an entry consumes (for the too-many-indices message) */
static int entryaxes(lua_State *L, int idx) {
  Array *m = lumpy_toarray(L, idx);
  return m && m->dtype == LUMPY_BOOL && m->ndim > 0 ? m->ndim : 1;
}

static void toomany(lua_State *L, const Array *a, int keyidx, int nkey) {
  int used = 0, k;
  if (nkey < 0) used = entryaxes(L, keyidx);
  else for (k = 1; k <= nkey; k++) {
    lua_rawgeti(L, keyidx, k);
    used += entryaxes(L, -1);
    lua_pop(L, 1);
  }
  lumpy_error(L, "too many indices for array: array is %d-dimensional, but %d were indexed",
              a->ndim, used);
}

/* reads the range table at t in one pass: positional entries 1..3 or the
** fields start, stop, step, each given once; any other key is an error.
** has[k] tells which of the three were given, v[k] their values */
static void rangefields(lua_State *L, int t, lua_Integer *v, int *has) {
  static const char *const names[] = {"start", "stop", "step"};
  static const char *const what[] = {"range start", "range stop", "range step"};
  has[0] = has[1] = has[2] = 0;
  lua_pushnil(L);
  while (lua_next(L, t)) {
    int k = -1, kt = lua_type(L, -2);
    if (kt == LUA_TNUMBER) {
      int isint;
      lua_Integer i = lua_tointegerx(L, -2, &isint);
      if (!isint || i < 1 || i > 3)
        lumpy_error(L, "a range has at most 3 entries {start, stop, step}");
      k = (int)i - 1;
    }
    else if (kt == LUA_TSTRING) {
      const char *name = lua_tostring(L, -2);
      for (k = 2; k >= 0 && strcmp(name, names[k]) != 0; k--) {}
      if (k < 0)
        lumpy_error(L, "unknown range field '%s' (expected start, stop or step)", name);
    }
    else lumpy_error(L, "invalid key of type %s in a range", luaL_typename(L, -2));
    if (has[k]) lumpy_error(L, "range %s given twice", names[k]);
    v[k] = checkint(L, -1, what[k]);
    has[k] = 1;
    lua_pop(L, 1);
  }
}

/* a range {start, stop, step} (inclusive stop, 1-based or negative) on an axis
** of size n, clipped like a Python slice, into start/count/step (0-based) */
static void getrange(lua_State *L, int t, int64_t n, Entry *e) {
  lua_Integer v[3], start, stop, step;
  int has[3], hasstart, hasstop;
  int64_t lo, hi;
  rangefields(L, t, v, has);
  hasstart = has[0];
  hasstop = has[1];
  start = v[0];
  stop = v[1];
  step = has[2] ? v[2] : 1;
  if (step == 0) lumpy_error(L, "range step must not be zero");
  /* 0-based positions, clipped to [-1, n]; 0 means "before the first" */
#define POS0(k) ((k) >= 1 ? ((k) - 1 < n ? (k) - 1 : n) \
                          : (k) < 0 ? ((k) >= -n ? (k) + n : -1) : -1)
  if (step > n) step = n > 0 ? n : 1;
  if (step < -n) step = n > 0 ? -n : -1;
  if (step > 0) {
    lo = hasstart ? POS0(start) : 0;
    hi = hasstop ? POS0(stop) + 1 : n;       /* exclusive */
    if (lo < 0) lo = 0;
    if (hi > n) hi = n;
    e->count = hi > lo ? (hi - lo + step - 1) / step : 0;
    e->start = lo;
  }
  else {
    hi = hasstart ? POS0(start) : n - 1;
    lo = hasstop ? POS0(stop) - 1 : -1;       /* exclusive */
    if (hi > n - 1) hi = n - 1;
    if (lo < -1) lo = -1;
    e->count = hi > lo ? (hi - lo - step - 1) / -step : 0;
    e->start = hi;
  }
#undef POS0
  e->step = step;
  if (e->count == 0) e->start = 0;
}

/* parses the entry at stack index idx as the next entry of k */
static void getentry(lua_State *L, const Array *a, Key *k, int idx,
                     int keyidx, int nkey) {
  Entry *e = &k->e[k->n];
  int t = lua_type(L, idx), ax = k->used;
  Array *m;
  idx = lua_absindex(L, idx);
  e->axis = ax;
  e->aidx = 0;
  if (t == LUA_TUSERDATA && (m = lumpy_toarray(L, idx)) != NULL) {
    if (m->closed || m->owner->closed) lumpy_error(L, "index array is closed");
    if (m->dtype == LUMPY_BOOL) {
      int d;
      if (m->ndim == 0) lumpy_error(L, "a 0-dimensional bool array is not a valid index");
      if (ax + m->ndim > a->ndim) toomany(L, a, keyidx, nkey);
      for (d = 0; d < m->ndim; d++)
        if (m->shape[d] != a->shape[ax + d])
          lumpy_error(L, "boolean index did not match indexed array along axis %d; "
                      "size of axis is %I but size of corresponding boolean axis is %I",
                      ax + d + 1, (lua_Integer)a->shape[ax + d], (lua_Integer)m->shape[d]);
      e->kind = K_MASK;
      e->count = m->ndim;
      k->used += m->ndim;
    }
    else if (ISINT(m->dtype)) {
      if (ax >= a->ndim) toomany(L, a, keyidx, nkey);
      e->kind = K_INTARR;
      k->used++;
    }
    else lumpy_error(L, "arrays used as indices must be of integer or bool type, got %s",
                     lumpy_dtypes[m->dtype].name);
    e->aidx = lua_absindex(L, idx);
    k->nadv++;
  }
  else if (t == LUA_TNUMBER) {
    lua_Integer i = checkint(L, idx, "index");
    if (ax >= a->ndim) toomany(L, a, keyidx, nkey);
    e->kind = K_INT;
    e->pos = checkpos(L, i, ax, a->shape[ax]);
    k->used++;
    k->nint++;
  }
  else if (t == LUA_TTABLE || (t == LUA_TSTRING && strcmp(lua_tostring(L, idx), ":") == 0)) {
    if (ax >= a->ndim) toomany(L, a, keyidx, nkey);
    e->kind = K_RANGE;
    if (t == LUA_TTABLE) getrange(L, idx, a->shape[ax], e);
    else { e->start = 0; e->count = a->shape[ax]; e->step = 1; }
    k->used++;
  }
  else if (t == LUA_TSTRING)
    lumpy_error(L, "invalid index '%s' (use {} or \":\" for a whole axis)",
                lua_tostring(L, idx));
  else
    lumpy_error(L, "invalid index of type %s (expected an integer, a range table, "
                "or an integer or bool array)", luaL_typename(L, idx));
  k->n++;
}

/* parses the key at stack index 2; index arrays stay where they are (in
** the key table, or at 2), the entries reference them by stack index, so a
** table key's array entries are pushed on the stack */
static void getkey(lua_State *L, const Array *a, Key *k) {
  k->n = k->nadv = k->nint = k->used = 0;
  if (lua_type(L, 2) == LUA_TTABLE) {
    lua_Integer i, n = (lua_Integer)lua_rawlen(L, 2);
    if (n == 0 && (lua_getfield(L, 2, "start") != LUA_TNIL ||
                   lua_getfield(L, 2, "stop") != LUA_TNIL ||
                   lua_getfield(L, 2, "step") != LUA_TNIL))
      lumpy_error(L, "a range must be an entry of the key table: a[{{start=, stop=}}], "
                  "not a[{start=, stop=}]");
    lua_settop(L, 3);
    if (n > LUMPY_MAXDIMS) toomany(L, a, 2, (int)n);
    luaL_checkstack(L, (int)n + 4, "too many indices");
    for (i = 1; i <= n; i++) {
      int isarr;
      if (lua_rawgeti(L, 2, i) == LUA_TNIL)
        lumpy_error(L, "index entry %I is nil (use {} for a whole axis)", i);
      isarr = lua_type(L, -1) == LUA_TUSERDATA;
      getentry(L, a, k, -1, 2, (int)n);
      if (!isarr) lua_pop(L, 1);    /* arrays stay on the stack */
    }
    if (!lumpy_islist(L, 2))
      lumpy_error(L, "an index table holds one entry per axis at keys 1..n, "
                  "and no other keys");
  }
  else getentry(L, a, k, 2, 2, -1);
}

/* the basic view of a under k: integers dropped, ranges applied, array
** entries (and the axes not named) left whole; returns its data pointer */
static char *basicview(const Array *a, Key *k, int *nd, int64_t *shape, int64_t *strides) {
  char *p = a->data;
  int i, n = 0, ax;
  for (i = 0; i < k->n; i++) {
    Entry *e = &k->e[i];
    int64_t st = a->strides[e->axis];
    switch (e->kind) {
      case K_INT: p += e->pos * st; break;
      case K_RANGE:
        p += e->start * st;
        shape[n] = e->count;
        strides[n++] = e->count > 1 ? e->step * st : st;
        break;
      case K_INTARR:
        e->vaxis = n;
        shape[n] = a->shape[e->axis];
        strides[n++] = st;
        break;
      default: {      /* K_MASK: count holds the mask's ndim */
        int d;
        e->vaxis = n;
        for (d = e->axis; d < e->axis + (int)e->count; d++) {
          shape[n] = a->shape[d];
          strides[n++] = a->strides[d];
        }
      }
    }
  }
  for (ax = k->used; ax < a->ndim; ax++) {
    shape[n] = a->shape[ax];
    strides[n++] = a->strides[ax];
  }
  *nd = n;
  return p;
}

/* ------------------------------------------------------------------ */
/* advanced indexing                                                   */
/* ------------------------------------------------------------------ */

/* pushes the byte offsets (int64, shape B: the broadcast shape of the index
** arrays) of the positions named by the array entries of k, relative to the
** basic view whose strides are vst; raises on an out-of-range index */
static Array *advoffsets(lua_State *L, const Array *a, const Key *k, const int64_t *vst) {
  Array *parts[LUMPY_MAXDIMS], *sum;
  int64_t bshape[LUMPY_MAXDIMS];
  int np = 0, bnd = 0, i, d;
  luaL_checkstack(L, k->nadv + 4, "too many index arrays");
  for (i = 0; i < k->n; i++) {
    const Entry *e = &k->e[i];
    Array *ix = e->aidx ? lumpy_toarray(L, e->aidx) : NULL, *out;
    if (e->kind == K_INTARR) {
      IdxCtx c;
      int64_t ost[LUMPY_MAXDIMS];
      const int64_t *strides[2];
      char *data[2];
      lumpy_Loop loop = ix->dtype == LUMPY_UINT8 ? idx_u8 :
                        ix->dtype == LUMPY_INT32 ? idx_i32 : idx_i64;
      out = lumpy_newarray(L, LUMPY_INT64, ix->ndim, ix->shape, 0);
      c.n = a->shape[e->axis];
      c.st = vst[e->vaxis];
      c.bad = 0;
      c.badv = 0;
      memcpy(ost, out->strides, sizeof(int64_t) * ix->ndim);
      strides[0] = ix->strides; strides[1] = ost;
      data[0] = ix->data; data[1] = out->data;
      lumpy_iterate(2, data, ix->ndim, ix->shape, strides, loop, &c);
      if (c.bad)
        lumpy_error(L, "index %I is out of bounds for axis %d with size %I",
                    (lua_Integer)c.badv, e->axis + 1, (lua_Integer)c.n);
    }
    else if (e->kind == K_MASK) {
      int64_t cnt = maskwalk(ix, vst + e->vaxis, NULL);
      out = lumpy_newarray(L, LUMPY_INT64, 1, &cnt, 0);
      maskwalk(ix, vst + e->vaxis, (int64_t *)out->data);
    }
    else continue;
    parts[np++] = out;
  }
  if (np == 1) return parts[0];
  /* broadcast the index arrays together and add their offsets */
  for (i = 0; i < np; i++) if (parts[i]->ndim > bnd) bnd = parts[i]->ndim;
  for (d = 0; d < bnd; d++) bshape[d] = 1;
  for (i = 0; i < np; i++) {
    int off = bnd - parts[i]->ndim;
    for (d = 0; d < parts[i]->ndim; d++) {
      int64_t m = parts[i]->shape[d], *s = &bshape[off + d];
      if (m == *s || m == 1) continue;
      if (*s == 1) { *s = m; continue; }
      {
        luaL_Buffer b;
        char buf[400];
        int j;
        luaL_buffinit(L, &b);
        luaL_addstring(&b, "shape mismatch: indexing arrays could not be broadcast "
                           "together with shapes");
        for (j = 0; j < np; j++) {
          luaL_addchar(&b, ' ');
          luaL_addstring(&b, lumpy_shapestr(buf, parts[j]->ndim, parts[j]->shape));
        }
        luaL_pushresult(&b);
        lumpy_error(L, "%s", lua_tostring(L, -1));
      }
    }
  }
  sum = lumpy_newarray(L, LUMPY_INT64, bnd, bshape, 1);
  for (i = 0; i < np; i++) {
    int64_t pst[LUMPY_MAXDIMS];
    const int64_t *strides[2];
    char *data[2];
    lumpy_broadcast_strides(parts[i], bnd, bshape, pst);
    strides[0] = sum->strides; strides[1] = pst;
    data[0] = sum->data; data[1] = parts[i]->data;
    lumpy_iterate(2, data, bnd, bshape, strides, addoffs, NULL);
  }
  return sum;
}

/* lays out an advanced key: the basic view (p, vnd, vshape, vst), the offsets
** off; fills g's indexed side and returns the result shape in oshape/ond.
** NumPy's rule: when the array entries (with the integers among them) are
** next to each other, the broadcast index axes replace them in place;
** otherwise they come first. */
static void advlayout(lua_State *L, const Key *k, char *p, int vnd, const int64_t *vshape,
                      const int64_t *vst, const Array *off, Gather *g,
                      int *ond, int64_t *oshape) {
  int isadv[LUMPY_MAXDIMS], first = -1, last = -1, i, d, n = 0, adjacent, av0 = -1;
  int nadvaxes = 0;
  for (d = 0; d < vnd; d++) isadv[d] = 0;
  for (i = 0; i < k->n; i++) {
    const Entry *e = &k->e[i];
    if (e->kind == K_RANGE) continue;
    if (first < 0) first = i;
    last = i;
    if (e->kind == K_INTARR) isadv[e->vaxis] = 1, nadvaxes++;
    else if (e->kind == K_MASK)
      for (d = 0; d < (int)e->count; d++) isadv[e->vaxis + d] = 1, nadvaxes++;
    if (e->kind != K_INT && av0 < 0) av0 = e->vaxis;
  }
  if (vnd - nadvaxes + off->ndim > LUMPY_MAXDIMS)
    lumpy_error(L, "indexing result would have %d dimensions, more than %d",
                vnd - nadvaxes + off->ndim, LUMPY_MAXDIMS);
  adjacent = last - first + 1 == k->nadv + k->nint;
  g->base = p;
  g->offs = (const int64_t *)off->data;
  g->nb = off->size;
  g->npre = g->npost = 0;
  if (adjacent)
    for (d = 0; d < av0; d++) {
      g->preshape[g->npre] = vshape[d];
      g->prestr[g->npre++] = vst[d];
      oshape[n++] = vshape[d];
    }
  for (d = 0; d < off->ndim; d++) oshape[n++] = off->shape[d];
  for (d = adjacent ? av0 : 0; d < vnd; d++) {
    if (isadv[d]) continue;
    g->postshape[g->npost] = vshape[d];
    g->poststr[g->npost++] = vst[d];
    oshape[n++] = vshape[d];
  }
  *ond = n;
}

/* the dense side of g: contiguous in the result layout (step 1) or one
** broadcast element (step 0) */
static void setdense(Gather *g, char *dense, int contiguous) {
  int64_t s = contiguous ? ITEMSIZE(g->dtype) : 0;
  int d;
  g->dense = dense;
  for (d = g->npost - 1; d >= 0; d--) {
    g->dpoststr[d] = s;
    s *= g->postshape[d];
  }
  g->dbstr = s;
  s *= g->nb;
  for (d = g->npre - 1; d >= 0; d--) {
    g->dprestr[d] = s;
    s *= g->preshape[d];
  }
}

/* a single mask entry covering all axes, with a and the mask contiguous
** (and, for a scatter, not sharing memory with a) */
static const Array *simplemask(lua_State *L, const Array *a, const Key *k, int scatter) {
  const Array *m;
  if (k->n != 1 || k->e[0].kind != K_MASK) return NULL;
  m = lumpy_toarray(L, k->e[0].aidx);
  if (m->ndim != a->ndim || !lumpy_iscontiguous(m) || !lumpy_iscontiguous(a) ||
      (scatter && m->owner == a->owner)) return NULL;
  return m;
}

/* a single contiguous integer index array on a 1-d array (for a scatter,
** not sharing memory with a) */
static const Array *simpletake(lua_State *L, const Array *a, const Key *k, int scatter) {
  const Array *ix;
  if (k->n != 1 || k->e[0].kind != K_INTARR || a->ndim != 1) return NULL;
  ix = lumpy_toarray(L, k->e[0].aidx);
  return lumpy_iscontiguous(ix) && !(scatter && ix->owner == a->owner) ? ix : NULL;
}

static void badtake(lua_State *L, const Array *ix, int64_t i, int64_t n) {
  int64_t v = ix->dtype == LUMPY_UINT8 ? ((const uint8_t *)ix->data)[i] :
              ix->dtype == LUMPY_INT32 ? ((const int32_t *)ix->data)[i] :
              ((const int64_t *)ix->data)[i];
  lumpy_error(L, "index %I is out of bounds for axis 1 with size %I",
              (lua_Integer)v, (lua_Integer)n);
}

/* ------------------------------------------------------------------ */
/* a[key]                                                              */
/* ------------------------------------------------------------------ */

int lumpy_getitem(lua_State *L) {
  Array *a = lumpy_checkarray(L, 1), *off, *out;
  int64_t vshape[LUMPY_MAXDIMS], vst[LUMPY_MAXDIMS], oshape[LUMPY_MAXDIMS];
  const Array *m;
  int vnd, ond;
  char *p;
  Key k;
  Gather g;
  if (lua_isinteger(L, 2)) {    /* the common case, no parsing */
    int64_t i;
    if (a->ndim == 0) toomany(L, a, 2, -1);
    i = checkpos(L, lua_tointeger(L, 2), 0, a->shape[0]);
    if (a->ndim == 1) lumpy_pushelem(L, a->dtype, a->data + i * a->strides[0]);
    else lumpy_newview(L, 1, a->data + i * a->strides[0], a->ndim - 1,
                       a->shape + 1, a->strides + 1);
    return 1;
  }
  getkey(L, a, &k);
  p = basicview(a, &k, &vnd, vshape, vst);
  if (k.nadv == 0) {
    if (k.nint == a->ndim) lumpy_pushelem(L, a->dtype, p);
    else lumpy_newview(L, 1, p, vnd, vshape, vst);
    return 1;
  }
  if ((m = simplemask(L, a, &k, 0)) != NULL) {
    int64_t cnt = countmask((const uint8_t *)m->data, m->size);
    out = lumpy_newarray(L, a->dtype, 1, &cnt, 0);
    maskfn(ITEMSIZE(a->dtype))(a->data, (const uint8_t *)m->data, a->size, out->data, 0);
    return 1;
  }
  if ((m = simpletake(L, a, &k, 0)) != NULL) {
    int64_t bad;
    out = lumpy_newarray(L, a->dtype, m->ndim, m->shape, 0);
    bad = takefn(m->dtype, ITEMSIZE(a->dtype))(a->data, a->strides[0], a->shape[0],
          m->data, m->size, out->data, ITEMSIZE(a->dtype), 0);
    if (bad >= 0) badtake(L, m, bad, a->shape[0]);
    return 1;
  }
  off = advoffsets(L, a, &k, vst);
  g.dtype = a->dtype;
  g.scatter = 0;
  advlayout(L, &k, p, vnd, vshape, vst, off, &g, &ond, oshape);
  out = lumpy_newarray(L, a->dtype, ond, oshape, 0);
  setdense(&g, out->data, 1);
  rungather(&g);
  return 1;
}

/* ------------------------------------------------------------------ */
/* a[key] = value                                                      */
/* ------------------------------------------------------------------ */

/* is the value at idx a Lua scalar (stored through one converted element)? */
static int isscalar(lua_State *L, int idx) {
  int t = lua_type(L, idx);
  return t == LUA_TNUMBER || t == LUA_TBOOLEAN || lumpy_tocomplex(L, idx) != NULL;
}

/* the value at vidx as an array (tables converted in place) */
static Array *valuearray(lua_State *L, int vidx) {
  if (lua_isnoneornil(L, vidx)) lumpy_error(L, "cannot assign nil to array elements");
  return lumpy_asarray(L, vidx);
}

/* a C-contiguous array of dtype and shape (nd, shape) holding the value v
** broadcast and cast: v itself when it already is one and shares no memory
** with a; otherwise a pushed copy */
static Array *densevalue(lua_State *L, const Array *a, Array *v, int nd, const int64_t *shape) {
  Array *t;
  int d, same = v->dtype == a->dtype && v->ndim == nd && lumpy_iscontiguous(v) &&
                v->owner != a->owner;
  for (d = 0; same && d < nd; d++) same = v->shape[d] == shape[d];
  if (same) return v;
  t = lumpy_newarray(L, a->dtype, nd, shape, 0);
  lumpy_assign(L, t, v);
  return t;
}

int lumpy_setitem(lua_State *L) {
  Array *a = lumpy_checkarray(L, 1), *off, *v = NULL;
  int64_t vshape[LUMPY_MAXDIMS], vst[LUMPY_MAXDIMS], oshape[LUMPY_MAXDIMS];
  const Array *m;
  cplx elem[1];
  int vnd, ond, scalar;
  char *p;
  Key k;
  Gather g;
  lua_settop(L, 3);
  scalar = isscalar(L, 3);
  if (scalar && lua_isinteger(L, 2) && a->ndim == 1) {    /* the common case */
    int64_t i = checkpos(L, lua_tointeger(L, 2), 0, a->shape[0]);
    lumpy_setelem(L, 3, a->dtype, a->data + i * a->strides[0]);
    return 0;
  }
  getkey(L, a, &k);
  p = basicview(a, &k, &vnd, vshape, vst);
  if (!scalar) v = valuearray(L, 3);
  if (k.nadv == 0 && k.nint == a->ndim && (scalar || v->size == 1)) {
    lumpy_setelem(L, 3, a->dtype, p);   /* one element (other values: shape error below) */
    return 0;
  }
  if (scalar) lumpy_setelem(L, 3, a->dtype, (char *)elem);
  if (k.nadv == 0) {    /* a view: assign through a header on the C stack */
    Array dst, src;
    int d;
    memset(&dst, 0, sizeof dst);
    dst.data = p;
    dst.dtype = a->dtype;
    dst.ndim = vnd;
    dst.size = 1;
    for (d = 0; d < vnd; d++) {
      dst.shape[d] = vshape[d];
      dst.strides[d] = vst[d];
      dst.size *= vshape[d];
    }
    dst.owner = a->owner;
    if (scalar) {
      memset(&src, 0, sizeof src);
      src.data = (char *)elem;
      src.dtype = a->dtype;
      src.size = 1;
      src.owner = &src;
      v = &src;
    }
    lumpy_assign(L, &dst, v);
    return 0;
  }
  if ((m = simplemask(L, a, &k, 1)) != NULL) {
    MaskFn fn = maskfn(ITEMSIZE(a->dtype));
    if (scalar) fn(a->data, (const uint8_t *)m->data, a->size, (char *)elem, 2);
    else {
      int64_t cnt = countmask((const uint8_t *)m->data, m->size);
      v = densevalue(L, a, v, 1, &cnt);
      fn(a->data, (const uint8_t *)m->data, a->size, v->data, 1);
    }
    return 0;
  }
  if ((m = simpletake(L, a, &k, 1)) != NULL) {
    int64_t bad = takecheck(m->dtype, m->data, m->size, a->shape[0]);
    char *d = (char *)elem;
    if (bad >= 0) badtake(L, m, bad, a->shape[0]);
    if (!scalar) d = densevalue(L, a, v, m->ndim, m->shape)->data;
    takefn(m->dtype, ITEMSIZE(a->dtype))(a->data, a->strides[0], a->shape[0],
          m->data, m->size, d, scalar ? 0 : ITEMSIZE(a->dtype), 1);
    return 0;
  }
  off = advoffsets(L, a, &k, vst);
  g.dtype = a->dtype;
  g.scatter = 1;
  advlayout(L, &k, p, vnd, vshape, vst, off, &g, &ond, oshape);
  if (scalar) setdense(&g, (char *)elem, 0);
  else setdense(&g, densevalue(L, a, v, ond, oshape)->data, 1);
  rungather(&g);
  return 0;
}

void lumpy_open_index(lua_State *L) {
  (void)L;
}
