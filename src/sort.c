/*
** sort.c: sort, argsort, searchsorted, unique, nonzero.
**
** Elements are turned into unsigned 64-bit keys whose integer order is
** NumPy's sort order (floats: sign-magnitude flipped to two's order, NaNs
** last; signed integers: sign bit flipped), then sorted by an LSD radix sort
** with 11-bit digits (passes whose digit is the same for every key are
** skipped, so int32 and float32 keys take three passes) or, for short lanes,
** by introsort (Musser, "Introspective sorting and selection algorithms",
** 1997). argsort sorts (key, position) pairs; the radix sort is stable and
** the introsort breaks ties by position, so every argsort is stable.
** Complex numbers sort lexicographically by (real, imag) with introsort.
*/
#include <math.h>
#include "core.h"

/* ------------------------------------------------------------------ */
/* keys                                                                */
/* ------------------------------------------------------------------ */

#define SIGN64 ((uint64_t)1 << 63)
#define SIGN32 ((uint32_t)1 << 31)

/* float64 -> key; exact (invertible) except that NaNs lose their sign */
static inline uint64_t key_f64(double x) {
  uint64_t u;
  memcpy(&u, &x, 8);
  if (x != x) u &= ~SIGN64;
  return (u & SIGN64) ? ~u : u | SIGN64;
}
static inline double unkey_f64(uint64_t k) {
  uint64_t u = (k & SIGN64) ? k & ~SIGN64 : ~k;
  double x;
  memcpy(&x, &u, 8);
  return x;
}
static inline uint64_t key_f32(float x) {
  uint32_t u;
  memcpy(&u, &x, 4);
  if (x != x) u &= ~SIGN32;
  return (u & SIGN32) ? (uint32_t)~u : u | SIGN32;
}
static inline float unkey_f32(uint64_t k) {
  uint32_t u = (uint32_t)k;
  float x;
  u = (u & SIGN32) ? u & ~SIGN32 : ~u;
  memcpy(&x, &u, 4);
  return x;
}
/* keys for ordering positions: equal values (all NaNs, -0 and +0) get
** equal keys */
static inline uint64_t okey_f64(double x) {
  if (x != x) return UINT64_MAX;
  if (x == 0) x = 0.0;
  return key_f64(x);
}
static inline uint64_t okey_f32(float x) {
  if (x != x) return UINT64_MAX;
  if (x == 0) x = 0.0f;
  return key_f32(x);
}

#define K_B(x) ((uint64_t)(x))
#define K_I32(x) ((uint64_t)(int64_t)(x) ^ SIGN64)
#define K_I64(x) ((uint64_t)(x) ^ SIGN64)
#define U_B(k) ((uint8_t)(k))
#define U_I32(k) ((int32_t)(int64_t)((k) ^ SIGN64))
#define U_I64(k) ((int64_t)((k) ^ SIGN64))

/* ------------------------------------------------------------------ */
/* introsort                                                           */
/* ------------------------------------------------------------------ */

typedef struct Pair { uint64_t k; int64_t i; } Pair;
typedef struct CPair { uint64_t re, im; int64_t i; } CPair;

#define LESS_U(a, b) ((a) < (b))
#define LESS_P(a, b) ((a).k < (b).k || ((a).k == (b).k && (a).i < (b).i))
/* NumPy's complex order: R + Rj < R + nanj < nan + Rj < nan + nanj, each
** class lexicographic; NaN parts have the key UINT64_MAX */
#define CCLASS(a) (((a).re == UINT64_MAX) * 2 + ((a).im == UINT64_MAX))
static inline int less_c(const CPair *a, const CPair *b) {
  int ca = CCLASS(*a), cb = CCLASS(*b);
  if (ca != cb) return ca < cb;
  if (a->re != b->re) return a->re < b->re;
  if (a->im != b->im) return a->im < b->im;
  return a->i < b->i;
}
#define LESS_C(a, b) less_c(&(a), &(b))

#define INTROSORT(NAME, T, LESS) \
static void NAME##_ins(T *x, int64_t n) { \
  int64_t i, j; \
  for (i = 1; i < n; i++) { \
    T v = x[i]; \
    for (j = i; j > 0 && LESS(v, x[j - 1]); j--) x[j] = x[j - 1]; \
    x[j] = v; \
  } \
} \
static void NAME##_sift(T *x, int64_t i, int64_t n) { \
  for (;;) { \
    int64_t c = 2 * i + 1; \
    T t; \
    if (c >= n) return; \
    if (c + 1 < n && LESS(x[c], x[c + 1])) c++; \
    if (!LESS(x[i], x[c])) return; \
    t = x[i]; x[i] = x[c]; x[c] = t; \
    i = c; \
  } \
} \
static void NAME##_heap(T *x, int64_t n) { \
  int64_t i; \
  for (i = n / 2 - 1; i >= 0; i--) NAME##_sift(x, i, n); \
  for (i = n - 1; i > 0; i--) { \
    T t = x[0]; x[0] = x[i]; x[i] = t; \
    NAME##_sift(x, 0, i); \
  } \
} \
static void NAME##_q(T *x, int64_t n, int depth) { \
  while (n > 16) { \
    int64_t mid = n / 2, i, j; \
    T p, t; \
    if (depth-- == 0) { NAME##_heap(x, n); return; } \
    if (LESS(x[mid], x[0])) { t = x[mid]; x[mid] = x[0]; x[0] = t; } \
    if (LESS(x[n - 1], x[0])) { t = x[n - 1]; x[n - 1] = x[0]; x[0] = t; } \
    if (LESS(x[n - 1], x[mid])) { t = x[n - 1]; x[n - 1] = x[mid]; x[mid] = t; } \
    p = x[mid]; x[mid] = x[n - 2]; x[n - 2] = p; \
    i = 0; j = n - 2; \
    for (;;) { \
      do i++; while (LESS(x[i], p)); \
      do j--; while (LESS(p, x[j])); \
      if (i >= j) break; \
      t = x[i]; x[i] = x[j]; x[j] = t; \
    } \
    x[n - 2] = x[i]; x[i] = p; \
    if (i < n - 1 - i) { NAME##_q(x, i, depth); x += i + 1; n -= i + 1; } \
    else { NAME##_q(x + i + 1, n - i - 1, depth); n = i; } \
  } \
} \
static void NAME(T *x, int64_t n) { \
  int depth = 0; \
  int64_t m; \
  for (m = n; m > 1; m >>= 1) depth += 2; \
  NAME##_q(x, n, depth); \
  NAME##_ins(x, n); \
}

INTROSORT(isort_u, uint64_t, LESS_U)
INTROSORT(isort_p, Pair, LESS_P)
INTROSORT(isort_c, CPair, LESS_C)

/* ------------------------------------------------------------------ */
/* LSD radix sort                                                      */
/* ------------------------------------------------------------------ */

#ifndef RBITS
#define RBITS 11
#endif
#define RSIZE (1 << RBITS)
#define RPASSES ((64 + RBITS - 1) / RBITS)
#define RADIXMIN 512     /* shorter lanes use introsort */

typedef int64_t Hist[RPASSES][RSIZE];

/* sorts x[0..n) (keys or pairs) using tmp of the same size; KEY(e) is the
** element's key */
#define RADIX(NAME, T, KEY) \
static void NAME(T *x, T *tmp, int64_t n, Hist h) { \
  T *src = x, *dst = tmp, *t; \
  int64_t i; \
  int p; \
  memset(h, 0, sizeof(Hist)); \
  for (i = 0; i < n; i++) { \
    uint64_t k = KEY(x[i]); \
    for (p = 0; p < RPASSES; p++) h[p][(k >> (p * RBITS)) & (RSIZE - 1)]++; \
  } \
  for (p = 0; p < RPASSES; p++) { \
    int sh = p * RBITS, d; \
    int64_t *c = h[p], sum = 0; \
    if (c[(KEY(src[0]) >> sh) & (RSIZE - 1)] == n) continue; \
    for (d = 0; d < RSIZE; d++) { int64_t v = c[d]; c[d] = sum; sum += v; } \
    for (i = 0; i < n; i++) { \
      T e = src[i]; \
      dst[c[(KEY(e) >> sh) & (RSIZE - 1)]++] = e; \
    } \
    t = src; src = dst; dst = t; \
  } \
  if (src != x) memcpy(x, src, (size_t)n * sizeof(T)); \
}
#define KEY_U(e) (e)
#define KEY_P(e) ((e).k)
RADIX(rsort_u, uint64_t, KEY_U)
RADIX(rsort_p, Pair, KEY_P)

/* ------------------------------------------------------------------ */
/* lanes                                                               */
/* ------------------------------------------------------------------ */

/* work memory for sorting lanes of up to n elements: pushed on the stack
** as one Lua-owned buffer */
typedef struct Work {
  char *a, *b;     /* two element buffers (Pair / CPair sized) */
  Hist *h;
} Work;

/* ea, eb: bytes per element of the two buffers */
static void newwork(lua_State *L, Work *w, int64_t n, int ea, int eb) {
  int64_t bytes = (int64_t)sizeof(Hist) + n * (ea + eb);
  Array *buf = lumpy_newarray(L, LUMPY_UINT8, 1, &bytes, 0);
  w->h = (Hist *)buf->data;
  w->a = buf->data + sizeof(Hist);
  w->b = w->a + n * ea;
}

static void sortkeys(uint64_t *k, int64_t n, Work *w) {
  if (n < RADIXMIN) isort_u(k, n);
  else rsort_u(k, (uint64_t *)w->b, n, *w->h);
}

static void sortpairs(Pair *p, int64_t n, Work *w) {
  if (n < RADIXMIN) isort_p(p, n);
  else rsort_p(p, (Pair *)w->b, n, *w->h);
}

/* sorts one lane in place: p, n elements, stride s */
#define SORTLANE(NAME, T, KEY, UNKEY) \
static void NAME(char *p, int64_t n, int64_t s, Work *w) { \
  uint64_t *k = (uint64_t *)w->a; \
  int64_t i; \
  for (i = 0; i < n; i++) k[i] = KEY(*(T *)(p + i * s)); \
  sortkeys(k, n, w); \
  for (i = 0; i < n; i++) *(T *)(p + i * s) = UNKEY(k[i]); \
}
SORTLANE(slane_b, uint8_t, K_B, U_B)
SORTLANE(slane_i32, int32_t, K_I32, U_I32)
SORTLANE(slane_i64, int64_t, K_I64, U_I64)
SORTLANE(slane_f32, float, key_f32, unkey_f32)
SORTLANE(slane_f64, double, key_f64, unkey_f64)

/* float64 lanes in contiguous memory: keys made in place */
static void slane_f64c(char *p, int64_t n, Work *w) {
  uint64_t *k = (uint64_t *)p;
  int64_t i;
  for (i = 0; i < n; i++) k[i] = key_f64(((double *)p)[i]);
  sortkeys(k, n, w);
  for (i = 0; i < n; i++) ((double *)p)[i] = unkey_f64(k[i]);
}

static inline uint64_t ckey(double x) { return okey_f64(x); }

/* (key, position) pairs of a lane, sorted: the lane's stable order */
#define ORDERLANE(NAME, T, KEY) \
static void NAME(const char *p, int64_t n, int64_t s, Work *w) { \
  Pair *q = (Pair *)w->a; \
  int64_t i; \
  for (i = 0; i < n; i++) { q[i].k = KEY(*(const T *)(p + i * s)); q[i].i = i; } \
  sortpairs(q, n, w); \
}
ORDERLANE(olane_b, uint8_t, K_B)
ORDERLANE(olane_i32, int32_t, K_I32)
ORDERLANE(olane_i64, int64_t, K_I64)
ORDERLANE(olane_f32, float, okey_f32)
ORDERLANE(olane_f64, double, okey_f64)

static void olane_c(const char *p, int64_t n, int64_t s, Work *w) {
  CPair *q = (CPair *)w->a;
  int64_t i;
  for (i = 0; i < n; i++) {
    cplx z = *(const cplx *)(p + i * s);
    q[i].re = ckey(creal(z));
    q[i].im = ckey(cimag(z));
    q[i].i = i;
  }
  isort_c(q, n);
}

typedef void (*OrderLane)(const char *p, int64_t n, int64_t s, Work *w);
static const OrderLane olanes[LUMPY_NDTYPES] = {
  olane_b, olane_b, olane_i32, olane_i64, olane_f32, olane_f64, olane_c
};

/* position of the j-th smallest after an order lane */
static inline int64_t orderpos(const Work *w, int dt, int64_t j) {
  return dt == LUMPY_COMPLEX128 ? ((const CPair *)w->a)[j].i : ((const Pair *)w->a)[j].i;
}

/* complex lanes: order, then permute through a copy (kept after the pairs) */
static void slane_c(char *p, int64_t n, int64_t s, Work *w) {
  cplx *copy = (cplx *)w->b;
  CPair *q = (CPair *)w->a;
  int64_t i;
  olane_c(p, n, s, w);
  for (i = 0; i < n; i++) copy[i] = *(cplx *)(p + i * s);
  for (i = 0; i < n; i++) *(cplx *)(p + i * s) = copy[q[i].i];
}

typedef void (*SortLane)(char *p, int64_t n, int64_t s, Work *w);
static const SortLane slanes[LUMPY_NDTYPES] = {
  slane_b, slane_b, slane_i32, slane_i64, slane_f32, slane_f64, slane_c
};

/* ------------------------------------------------------------------ */
/* walking lanes                                                       */
/* ------------------------------------------------------------------ */

/* calls f(ctx, lane pointer of a, lane pointer of b) for every lane along
** axis ax of the shape; a and b have their own strides */
typedef void (*LaneFn)(void *ctx, char *pa, char *pb);
static void eachlane(int ndim, const int64_t *shape, int ax, char *a, const int64_t *sa,
                     char *b, const int64_t *sb, LaneFn f, void *ctx) {
  int64_t idx[LUMPY_MAXDIMS];
  int k;
  for (k = 0; k < ndim; k++) {
    idx[k] = 0;
    if (shape[k] == 0) return;
  }
  for (;;) {
    f(ctx, a, b);
    for (k = ndim - 1; k >= 0; k--) {
      if (k == ax) continue;
      if (++idx[k] < shape[k]) { a += sa[k]; if (b) b += sb[k]; break; }
      a -= sa[k] * (shape[k] - 1);
      if (b) b -= sb[k] * (shape[k] - 1);
      idx[k] = 0;
    }
    if (k < 0) return;
  }
}

typedef struct LaneCtx {
  Work w;
  int dtype;
  int64_t n, sa, sb;
} LaneCtx;

static void dosort(void *ctx, char *pa, char *pb) {
  LaneCtx *c = (LaneCtx *)ctx;
  (void)pb;
  if (c->dtype == LUMPY_FLOAT64 && c->sa == 8) slane_f64c(pa, c->n, &c->w);
  else slanes[c->dtype](pa, c->n, c->sa, &c->w);
}

static void doargsort(void *ctx, char *pa, char *pb) {
  LaneCtx *c = (LaneCtx *)ctx;
  int64_t j;
  olanes[c->dtype](pa, c->n, c->sa, &c->w);
  for (j = 0; j < c->n; j++)
    *(int64_t *)(pb + j * c->sb) = orderpos(&c->w, c->dtype, j) + 1;
}

/* ------------------------------------------------------------------ */
/* Lua functions                                                       */
/* ------------------------------------------------------------------ */

/* a Lua integer axis as an int for lumpy_checkaxis, without wrapping huge
** values into range */
static int clampaxis(lua_Integer v) {
  return v > 1000000 ? 1000000 : v < -1000000 ? -1000000 : (int)v;
}

static const char *const kinds[] = {"quicksort", "mergesort", "heapsort", "stable", NULL};

/* reads (axis_or_opts [, opts]) at argi: returns the 0-based axis, or -1 for
** a flattened sort (axis = false) */
static int sortargs(lua_State *L, const Array *a, int argi) {
  int axidx = argi, optidx = 0, ax, argn = argi, pushed = 0;
  if (lua_type(L, argi) == LUA_TTABLE) { optidx = argi; axidx = 0; }
  else if (!lua_isnoneornil(L, argi + 1)) {
    luaL_checktype(L, argi + 1, LUA_TTABLE);
    optidx = argi + 1;
  }
  if (optidx) {
    lua_pushnil(L);
    while (lua_next(L, optidx)) {
      const char *k = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
      lua_pop(L, 1);
      if (!k)
        luaL_argerror(L, optidx, "options table expected (string keys; the axis is "
                      "an integer or {axis = }, not a list)");
      if (strcmp(k, "axis") != 0 && strcmp(k, "kind") != 0)
        luaL_argerror(L, optidx, lua_pushfstring(L, "unknown option '%s'", k));
    }
    if (lua_getfield(L, optidx, "kind") != LUA_TNIL) {
      const char *s = lua_tostring(L, -1);
      int i;
      for (i = 0; s && kinds[i]; i++) if (strcmp(s, kinds[i]) == 0) break;
      if (!s || !kinds[i])
        luaL_argerror(L, optidx, lua_pushfstring(L, "unknown sort kind '%s'",
                      s ? s : luaL_typename(L, -1)));
    }
    lua_pop(L, 1);
    if (axidx == 0) {
      lua_getfield(L, optidx, "axis");
      axidx = lua_gettop(L);
      argn = optidx;
      pushed = 1;
    }
  }
  if (lua_isnoneornil(L, axidx)) ax = a->ndim == 0 ? -1 : a->ndim - 1;
  else if (lua_isboolean(L, axidx) && !lua_toboolean(L, axidx)) ax = -1;
  else {
    int isnum;
    lua_Integer v = lua_tointegerx(L, axidx, &isnum);
    if (!isnum || lua_type(L, axidx) != LUA_TNUMBER)
      luaL_argerror(L, argn, "axis must be an integer (or false to flatten)");
    ax = lumpy_checkaxis(L, clampaxis(v), a->ndim, argn);
  }
  if (pushed) lua_pop(L, 1);
  return ax;
}

/* sorts the array at idx in place along ax */
static void sortinplace(lua_State *L, Array *a, int ax) {
  LaneCtx c;
  c.dtype = a->dtype;
  c.n = a->shape[ax];
  c.sa = a->strides[ax];
  if (a->size == 0 || c.n < 2) return;
  if (c.dtype == LUMPY_COMPLEX128) newwork(L, &c.w, c.n, sizeof(CPair), sizeof(cplx));
  else if (c.dtype == LUMPY_FLOAT64 && c.sa == 8) newwork(L, &c.w, c.n, 0, 8);
  else newwork(L, &c.w, c.n, 8, 8);
  eachlane(a->ndim, a->shape, ax, a->data, a->strides, NULL, NULL, dosort, &c);
  lua_pop(L, 1);
}

/* np.sort(a [, axis] [, opts]): a sorted copy */
static int sort_sort(lua_State *L) {
  Array *a, *r;
  int ax;
  luaL_checkany(L, 1);
  a = lumpy_asarray(L, 1);
  ax = sortargs(L, a, 2);
  r = lumpy_toarrayx(L, 1, -1);
  if (ax < 0) {
    r->ndim = 1;
    r->shape[0] = r->size;
    r->strides[0] = ITEMSIZE(r->dtype);
    ax = 0;
  }
  sortinplace(L, r, ax);
  return 1;
}

/* a:sort([axis] [, opts]): sorts in place, returns nothing (as NumPy) */
static int sort_method(lua_State *L) {
  Array *a = lumpy_checkarray(L, 1);
  int ax = sortargs(L, a, 2);
  if (ax < 0) luaL_argerror(L, 2, "in-place sort needs an axis");
  sortinplace(L, a, ax);
  return 0;
}

/* argsort(a [, axis] [, opts]): 1-based positions, stable */
static int sort_argsort(lua_State *L) {
  Array *a, *r, flat;
  LaneCtx c;
  int ax;
  luaL_checkany(L, 1);
  a = lumpy_asarray(L, 1);
  ax = sortargs(L, a, 2);
  if (ax < 0) {
    a = lumpy_ascontig(L, 1, -1);
    flat = *a;
    flat.ndim = 1;
    flat.shape[0] = a->size;
    flat.strides[0] = ITEMSIZE(a->dtype);
    a = &flat;
    ax = 0;
  }
  r = lumpy_newarray(L, LUMPY_INT64, a->ndim, a->shape, 0);
  c.dtype = a->dtype;
  c.n = a->shape[ax];
  c.sa = a->strides[ax];
  c.sb = r->strides[ax];
  if (r->size == 0) return 1;
  if (c.dtype == LUMPY_COMPLEX128) newwork(L, &c.w, c.n, sizeof(CPair), 0);
  else newwork(L, &c.w, c.n, sizeof(Pair), sizeof(Pair));
  eachlane(a->ndim, a->shape, ax, a->data, a->strides, r->data, r->strides, doargsort, &c);
  lua_pop(L, 1);
  return 1;
}

/* ---- searchsorted ---- */

/* x < y in sort order (NaNs last) */
#define SLT(x, y) ((x) < (y) || ((y) != (y) && (x) == (x)))

/* first position in a[0..n) (stride s) where v would go; right: after equals */
#define SEARCH(NAME, T, TV) \
static int64_t NAME(const char *a, int64_t n, int64_t s, TV v, int right) { \
  int64_t lo = 0, hi = n; \
  if (right) \
    while (lo < hi) { \
      int64_t mid = lo + (hi - lo) / 2; \
      TV x = (TV)*(const T *)(a + mid * s); \
      if (SLT(v, x)) hi = mid; else lo = mid + 1; \
    } \
  else \
    while (lo < hi) { \
      int64_t mid = lo + (hi - lo) / 2; \
      TV x = (TV)*(const T *)(a + mid * s); \
      if (SLT(x, v)) lo = mid + 1; else hi = mid; \
    } \
  return lo; \
}
SEARCH(srch_b_i, uint8_t, int64_t)
SEARCH(srch_i32_i, int32_t, int64_t)
SEARCH(srch_i64_i, int64_t, int64_t)
SEARCH(srch_b_d, uint8_t, double)
SEARCH(srch_i32_d, int32_t, double)
SEARCH(srch_i64_d, int64_t, double)
SEARCH(srch_f32_d, float, double)
SEARCH(srch_f64_d, double, double)

typedef int64_t (*SearchI)(const char *a, int64_t n, int64_t s, int64_t v, int right);
typedef int64_t (*SearchD)(const char *a, int64_t n, int64_t s, double v, int right);

/* complex: lexicographic with NaN parts last */
static int cless(cplx x, cplx y) {
  CPair a, b;
  a.re = ckey(creal(x)); a.im = ckey(cimag(x)); a.i = 0;
  b.re = ckey(creal(y)); b.im = ckey(cimag(y)); b.i = 0;
  return less_c(&a, &b);
}
static int64_t srch_c(const char *a, int64_t n, int64_t s, cplx v, int right) {
  int64_t lo = 0, hi = n;
  while (lo < hi) {
    int64_t mid = lo + (hi - lo) / 2;
    cplx x = *(const cplx *)(a + mid * s);
    if (right ? !cless(v, x) : cless(x, v)) lo = mid + 1; else hi = mid;
  }
  return lo;
}

/* searchsorted(a, v [, side | {side = }]): 1-based insertion positions */
static int sort_searchsorted(lua_State *L) {
  Array *a, *v, *r;
  int right = 0, scalar, dt, i;
  int64_t j;
  luaL_checkany(L, 1);
  luaL_checkany(L, 2);
  a = lumpy_asarray(L, 1);
  if (a->ndim != 1)
    luaL_argerror(L, 1, lua_pushfstring(L, "1-d sorted array expected, got %d dimensions", a->ndim));
  if (lua_type(L, 3) == LUA_TTABLE) {
    static const char *const sideopt[] = {"side", NULL};
    lumpy_checkopts(L, 3, sideopt);
    lua_getfield(L, 3, "side");
    lua_replace(L, 3);
  }
  if (!lua_isnoneornil(L, 3)) {
    const char *s = luaL_checkstring(L, 3);
    if (strcmp(s, "right") == 0) right = 1;
    else if (strcmp(s, "left") != 0)
      luaL_argerror(L, 3, lua_pushfstring(L, "side must be 'left' or 'right', got '%s'", s));
  }
  scalar = lumpy_toarray(L, 2) == NULL && lua_type(L, 2) != LUA_TTABLE;
  v = lumpy_asarray(L, 2);
  dt = lumpy_promote(a->dtype, v->dtype);
  if (dt == LUMPY_COMPLEX128) {
    if (a->dtype != dt) { a = lumpy_toarrayx(L, 1, dt); lua_replace(L, 1); }
    v = lumpy_ascontig(L, 2, dt);
    r = lumpy_newarray(L, LUMPY_INT64, v->ndim, v->shape, 0);
    for (j = 0; j < v->size; j++)
      ((int64_t *)r->data)[j] = srch_c(a->data, a->shape[0], a->strides[0],
                                       ((cplx *)v->data)[j], right) + 1;
  }
  else if (ISINT(v->dtype) || v->dtype == LUMPY_BOOL) {
    static const SearchI f[] = {srch_b_i, srch_b_i, srch_i32_i, srch_i64_i};
    v = lumpy_ascontig(L, 2, LUMPY_INT64);
    r = lumpy_newarray(L, LUMPY_INT64, v->ndim, v->shape, 0);
    if (ISFLOAT(a->dtype)) {
      SearchD g = a->dtype == LUMPY_FLOAT32 ? srch_f32_d : srch_f64_d;
      for (j = 0; j < v->size; j++)
        ((int64_t *)r->data)[j] = g(a->data, a->shape[0], a->strides[0],
                                    (double)((int64_t *)v->data)[j], right) + 1;
    }
    else
      for (j = 0; j < v->size; j++)
        ((int64_t *)r->data)[j] = f[a->dtype](a->data, a->shape[0], a->strides[0],
                                              ((int64_t *)v->data)[j], right) + 1;
  }
  else {
    static const SearchD g[] = {srch_b_d, srch_b_d, srch_i32_d, srch_i64_d, srch_f32_d, srch_f64_d};
    v = lumpy_ascontig(L, 2, LUMPY_FLOAT64);
    r = lumpy_newarray(L, LUMPY_INT64, v->ndim, v->shape, 0);
    for (j = 0; j < v->size; j++)
      ((int64_t *)r->data)[j] = g[a->dtype](a->data, a->shape[0], a->strides[0],
                                            ((double *)v->data)[j], right) + 1;
  }
  (void)i;
  if (scalar) lua_pushinteger(L, ((int64_t *)r->data)[0]);
  return 1;
}

/* ---- unique ---- */

/* are sorted entries j-1 and j equal? NaNs (complex: with a NaN part) are
** one value when equalnan, else each NaN is its own (NumPy's equal_nan) */
static int sameas(const Work *w, int dt, int64_t j, int equalnan) {
  if (dt == LUMPY_COMPLEX128) {
    const CPair *q = (const CPair *)w->a;
    if (CCLASS(q[j]) && CCLASS(q[j - 1])) return equalnan;
    return q[j].re == q[j - 1].re && q[j].im == q[j - 1].im;
  }
  if (!equalnan && ISFLOAT(dt) && ((const Pair *)w->a)[j].k == UINT64_MAX) return 0;
  return ((const Pair *)w->a)[j].k == ((const Pair *)w->a)[j - 1].k;
}

/* unique(a [, opts]): sorted unique values of the flattened array, then the
** requested return_index, return_inverse, return_counts (1-based);
** equal_nan (default true, as NumPy) */
static int sort_unique(lua_State *L) {
  static const char *const opts[] = {"return_index", "return_inverse", "return_counts",
                                     "equal_nan", NULL};
  int want[4] = {0, 0, 0, 1}, k, nres = 1, dt;
  Array *a, *u, *idx = NULL, *inv = NULL, *cnt = NULL;
  int64_t n, nu = 0, j, g;
  Work w;
  luaL_checkany(L, 1);
  a = lumpy_asarray(L, 1);
  if (!lua_isnoneornil(L, 2)) {
    luaL_checktype(L, 2, LUA_TTABLE);
    lumpy_checkopts(L, 2, opts);
    for (k = 0; k < 4; k++) {
      lua_getfield(L, 2, opts[k]);
      if (!lua_isnil(L, -1)) want[k] = lua_toboolean(L, -1);
      lua_pop(L, 1);
    }
  }
  lua_settop(L, 1);
  a = lumpy_ascontig(L, 1, -1);      /* 2 */
  n = a->size;
  dt = a->dtype;
  if (dt == LUMPY_COMPLEX128) newwork(L, &w, n, sizeof(CPair), 0);    /* 3 */
  else newwork(L, &w, n, sizeof(Pair), sizeof(Pair));
  if (n > 0) olanes[dt](a->data, n, ITEMSIZE(dt), &w);
  for (j = 0; j < n; j++) if (j == 0 || !sameas(&w, dt, j, want[3])) nu++;
  u = lumpy_newarray(L, dt, 1, &nu, 0);                              /* 4 */
  if (want[0]) idx = lumpy_newarray(L, LUMPY_INT64, 1, &nu, 0);      /* 5 */
  if (want[1]) inv = lumpy_newarray(L, LUMPY_INT64, 1, &n, 0);
  if (want[2]) cnt = lumpy_newarray(L, LUMPY_INT64, 1, &nu, 1);
  for (j = 0, g = -1; j < n; j++) {
    int64_t pos = orderpos(&w, dt, j);
    if (j == 0 || !sameas(&w, dt, j, want[3])) {
      g++;
      memcpy(u->data + g * ITEMSIZE(dt), a->data + pos * ITEMSIZE(dt), ITEMSIZE(dt));
      if (idx) ((int64_t *)idx->data)[g] = pos + 1;
    }
    if (inv) ((int64_t *)inv->data)[pos] = g + 1;
    if (cnt) ((int64_t *)cnt->data)[g]++;
  }
  for (k = 0; k < 3; k++) nres += want[k];
  /* stack: a, contig, work, u, [idx], [inv], [cnt] */
  return nres;
}

/* ---- nonzero ---- */

#define NZSCAN(NAME, T, ISNZ) \
static int64_t NAME(const char *p, int64_t n, int64_t s) { \
  int64_t i, c = 0; \
  for (i = 0; i < n; i++) c += ISNZ(*(const T *)(p + i * s)); \
  return c; \
}
#define ISNZ(x) ((x) != 0)
NZSCAN(nzc_b, uint8_t, ISNZ)
NZSCAN(nzc_i32, int32_t, ISNZ)
NZSCAN(nzc_i64, int64_t, ISNZ)
NZSCAN(nzc_f32, float, ISNZ)
NZSCAN(nzc_f64, double, ISNZ)
NZSCAN(nzc_c, cplx, ISNZ)
typedef int64_t (*NzCount)(const char *p, int64_t n, int64_t s);
static const NzCount nzcounts[LUMPY_NDTYPES] = {
  nzc_b, nzc_b, nzc_i32, nzc_i64, nzc_f32, nzc_f64, nzc_c
};

/* writes the positions of nonzeros of one last-axis lane into out */
#define NZFILL(NAME, T) \
static int64_t NAME(const char *p, int64_t n, int64_t s, int64_t *out) { \
  int64_t i, c = 0; \
  for (i = 0; i < n; i++) if (*(const T *)(p + i * s) != 0) out[c++] = i; \
  return c; \
}
NZFILL(nzf_b, uint8_t)
NZFILL(nzf_i32, int32_t)
NZFILL(nzf_i64, int64_t)
NZFILL(nzf_f32, float)
NZFILL(nzf_f64, double)
NZFILL(nzf_c, cplx)
typedef int64_t (*NzFill)(const char *p, int64_t n, int64_t s, int64_t *out);
static const NzFill nzfills[LUMPY_NDTYPES] = {
  nzf_b, nzf_b, nzf_i32, nzf_i64, nzf_f32, nzf_f64, nzf_c
};

/* nonzero(a): one int64 array of 1-based positions per axis, in C order */
int lumpy_nonzero(lua_State *L) {
  Array *a, *res[LUMPY_MAXDIMS], lane;
  int64_t idx[LUMPY_MAXDIMS], total = 0, c = 0, n, i, *tmp;
  int nd, k, base;
  luaL_checkany(L, 1);
  a = lumpy_asarray(L, 1);
  lua_settop(L, 1);
  lane = *a;
  if (a->ndim == 0) {          /* as NumPy: treated as 1-d */
    lane.ndim = 1;
    lane.shape[0] = 1;
    lane.strides[0] = 0;
  }
  nd = lane.ndim;
  n = lane.shape[nd - 1];
  for (k = 0; k < nd; k++) idx[k] = 0;
  luaL_checkstack(L, nd + 4, "too many dimensions");
  if (lane.size > 0) {
    for (;;) {
      char *p = lane.data;
      for (k = 0; k < nd - 1; k++) p += idx[k] * lane.strides[k];
      total += nzcounts[lane.dtype](p, n, lane.strides[nd - 1]);
      for (k = nd - 2; k >= 0; k--) { if (++idx[k] < lane.shape[k]) break; idx[k] = 0; }
      if (k < 0) break;
    }
  }
  tmp = (int64_t *)lumpy_newarray(L, LUMPY_INT64, 1, &n, 0)->data;   /* 2 */
  base = lua_gettop(L);
  for (k = 0; k < nd; k++) res[k] = lumpy_newarray(L, LUMPY_INT64, 1, &total, 0);
  if (total > 0) {
    for (k = 0; k < nd; k++) idx[k] = 0;
    for (;;) {
      char *p = lane.data;
      int64_t m;
      for (k = 0; k < nd - 1; k++) p += idx[k] * lane.strides[k];
      m = nzfills[lane.dtype](p, n, lane.strides[nd - 1], tmp);
      for (i = 0; i < m; i++, c++) {
        for (k = 0; k < nd - 1; k++) ((int64_t *)res[k]->data)[c] = idx[k] + 1;
        ((int64_t *)res[nd - 1]->data)[c] = tmp[i] + 1;
      }
      for (k = nd - 2; k >= 0; k--) { if (++idx[k] < lane.shape[k]) break; idx[k] = 0; }
      if (k < 0) break;
    }
  }
  (void)base;
  return nd;
}

void lumpy_open_sort(lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"sort", sort_sort}, {"argsort", sort_argsort}, {"searchsorted", sort_searchsorted},
    {"unique", sort_unique}, {"nonzero", lumpy_nonzero}, {NULL, NULL}
  };
  static const luaL_Reg methods[] = {
    {"sort", sort_method}, {"argsort", sort_argsort}, {"searchsorted", sort_searchsorted},
    {"nonzero", lumpy_nonzero}, {NULL, NULL}
  };
  lumpy_register(L, funcs, methods);
}
