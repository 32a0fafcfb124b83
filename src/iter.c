/*
** iter.c: the one strided iterator, broadcasting, and dtype conversion.
**
** Every elementwise operation goes through lumpy_iterate: it drops length-1
** axes, orders the axes so the first operand is walked in memory order,
** merges axes that are contiguous for all operands, and calls an inner loop
** on each innermost run. Inner loops see (args, n, steps) as in NumPy.
*/
#include <math.h>
#include <stdlib.h>
#include <pthread.h>
#include "core.h"

/* is axis a (of the remaining ones) to be walked outside axis b? */
static int outer(int nop, int64_t st[][LUMPY_MAXDIMS], int a, int b) {
  int k;
  for (k = 0; k < nop; k++) {
    int64_t sa = st[k][a] < 0 ? -st[k][a] : st[k][a];
    int64_t sb = st[k][b] < 0 ? -st[k][b] : st[k][b];
    if (sa == 0 || sb == 0 || sa == sb) continue;
    return sa > sb;
  }
  return 1;   /* keep the given order */
}

#define MAXOP 8

/* the iteration space of nop operands reduced to nd axes in sh/st (length-1
** axes dropped, outermost first, contiguous axes merged); -1 when empty */
static int simplify(int nop, int ndim, const int64_t *shape,
                    const int64_t *const *strides, int64_t *sh,
                    int64_t st[][LUMPY_MAXDIMS]) {
  int nd = 0, d, k, i;
  /* drop length-1 axes; stop at empty arrays */
  for (d = 0; d < ndim; d++) {
    if (shape[d] == 0) return -1;
    if (shape[d] == 1) continue;
    sh[nd] = shape[d];
    for (k = 0; k < nop; k++) st[k][nd] = strides[k][d];
    nd++;
  }
  /* order the axes: insertion sort, outermost first */
  for (i = 1; i < nd; i++) {
    for (d = i; d > 0 && !outer(nop, st, d - 1, d); d--) {
      int64_t t = sh[d]; sh[d] = sh[d - 1]; sh[d - 1] = t;
      for (k = 0; k < nop; k++) {
        t = st[k][d]; st[k][d] = st[k][d - 1]; st[k][d - 1] = t;
      }
    }
  }
  /* merge axis d into d+1 when contiguous for every operand */
  for (d = nd - 2; d >= 0; d--) {
    for (k = 0; k < nop; k++)
      if (st[k][d] != st[k][d + 1] * sh[d + 1]) break;
    if (k == nop) {
      sh[d + 1] *= sh[d];
      for (i = d; i < nd - 1; i++) {
        sh[i] = sh[i + 1];
        for (k = 0; k < nop; k++) st[k][i] = st[k][i + 1];
      }
      nd--;
    }
  }
  return nd;
}

void lumpy_iterate(int nop, char **data, int ndim, const int64_t *shape,
                   const int64_t *const *strides, lumpy_Loop loop, void *ctx) {
  int64_t sh[LUMPY_MAXDIMS], st[MAXOP][LUMPY_MAXDIMS];
  int64_t idx[LUMPY_MAXDIMS], steps[MAXOP];
  char *ptr[MAXOP];
  int nd = simplify(nop, ndim, shape, strides, sh, st), d, k;
  if (nd < 0) return;
  for (k = 0; k < nop; k++) ptr[k] = data[k];
  if (nd == 0) {
    for (k = 0; k < nop; k++) steps[k] = 0;
    loop(ptr, 1, steps, ctx);
    return;
  }
  for (k = 0; k < nop; k++) steps[k] = st[k][nd - 1];
  for (d = 0; d < nd; d++) idx[d] = 0;
  for (;;) {
    char *args[MAXOP];
    for (k = 0; k < nop; k++) args[k] = ptr[k];
    loop(args, sh[nd - 1], steps, ctx);
    /* advance the outer counter */
    for (d = nd - 2; d >= 0; d--) {
      for (k = 0; k < nop; k++) ptr[k] += st[k][d];
      if (++idx[d] < sh[d]) break;
      for (k = 0; k < nop; k++) ptr[k] -= st[k][d] * sh[d];
      idx[d] = 0;
    }
    if (d < 0) return;
  }
}

int lumpy_broadcast_shapes(lua_State *L, int n, Array *const *arrs, int64_t *shape) {
  int nd = 0, i, d;
  for (i = 0; i < n; i++) if (arrs[i]->ndim > nd) nd = arrs[i]->ndim;
  for (d = 0; d < nd; d++) shape[d] = 1;
  for (i = 0; i < n; i++) {
    const Array *a = arrs[i];
    int off = nd - a->ndim;
    for (d = 0; d < a->ndim; d++) {
      int64_t m = a->shape[d], *s = &shape[off + d];
      if (m == *s || m == 1) continue;
      if (*s == 1) { *s = m; continue; }
      {
        luaL_Buffer b;
        char buf[400];
        int j;
        luaL_buffinit(L, &b);
        luaL_addstring(&b, "operands could not be broadcast together with shapes");
        for (j = 0; j < n; j++) {
          luaL_addchar(&b, ' ');
          luaL_addstring(&b, lumpy_shapestr(buf, arrs[j]->ndim, arrs[j]->shape));
        }
        luaL_pushresult(&b);
        luaL_where(L, 1);
        lua_insert(L, -2);
        lua_concat(L, 2);
        lua_error(L);
      }
    }
  }
  return nd;
}

void lumpy_broadcast_strides(const Array *a, int ndim, const int64_t *shape, int64_t *strides) {
  int off = ndim - a->ndim, d;
  for (d = 0; d < ndim; d++) {
    if (d < off) strides[d] = 0;
    else strides[d] = (a->shape[d - off] == 1 && shape[d] != 1) ? 0 : a->strides[d - off];
  }
}

/* ------------------------------------------------------------------ */
/* conversion loops                                                    */
/* ------------------------------------------------------------------ */

/* float to int64 without undefined behaviour: NaN and out of range give
** INT64_MIN, as x86 hardware does */
static inline int64_t f2i(double x) {
  if (x >= -9223372036854775808.0 && x < 9223372036854775808.0) return (int64_t)x;
  return INT64_MIN;
}

/* float to int32 the same way: NaN and out of range give INT32_MIN, as
** NumPy's astype does on x86 (not the low bits of the int64) */
static inline int32_t f2i32(double x) {
  if (x > -2147483649.0 && x < 2147483648.0) return (int32_t)x;
  return INT32_MIN;
}

/* per source type: the value as int64, int32, double, complex, bool */
#define I_b(x) ((int64_t)(x))
#define D_b(x) ((double)(x))
#define C_b(x) ((cplx)(double)(x))
#define B_b(x) ((x) != 0)
#define J_b(x) ((int32_t)(x))
#define J_u8 J_b
#define J_i32 J_b
#define J_i64(x) ((int32_t)(uint32_t)(uint64_t)(x))
#define J_f32(x) f2i32(x)
#define J_f64 J_f32
#define J_c128(x) f2i32(creal(x))
#define I_u8 I_b
#define D_u8 D_b
#define C_u8 C_b
#define B_u8 B_b
#define I_i32 I_b
#define D_i32 D_b
#define C_i32 C_b
#define B_i32 B_b
#define I_i64 I_b
#define D_i64 D_b
#define C_i64 C_b
#define B_i64 B_b
#define I_f32(x) f2i(x)
#define D_f32(x) ((double)(x))
#define C_f32(x) ((cplx)(double)(x))
#define B_f32(x) ((x) != 0)
#define I_f64 I_f32
#define D_f64 D_f32
#define C_f64 C_f32
#define B_f64 B_f32
#define I_c128(x) f2i(creal(x))
#define D_c128(x) creal(x)
#define C_c128(x) (x)
#define B_c128(x) ((x) != 0)

/* per target type: from a source suffix S */
#define TO_b(S, x) ((uint8_t)B_##S(x))
#define TO_u8(S, x) ((uint8_t)I_##S(x))
#define TO_i32(S, x) J_##S(x)
#define TO_i64(S, x) ((int64_t)I_##S(x))
#define TO_f32(S, x) ((float)D_##S(x))
#define TO_f64(S, x) ((double)D_##S(x))
#define TO_c128(S, x) ((cplx)C_##S(x))

#define CASTLOOP(S, TI, D, TO) \
static void cast_##S##_##D(char **args, int64_t n, const int64_t *steps, void *ctx) { \
  char *ip = args[0], *op = args[1]; \
  int64_t is = steps[0], os = steps[1], i; \
  (void)ctx; \
  if (is == sizeof(TI) && os == sizeof(TO)) { \
    const TI *a = (const TI *)ip; \
    TO *b = (TO *)op; \
    for (i = 0; i < n; i++) b[i] = TO_##D(S, a[i]); \
  } \
  else if (is == 0 && os == sizeof(TO)) { \
    TO *b = (TO *)op, v = TO_##D(S, *(const TI *)ip); \
    for (i = 0; i < n; i++) b[i] = v; \
  } \
  else \
    for (i = 0; i < n; i++, ip += is, op += os) \
      *(TO *)op = TO_##D(S, *(const TI *)ip); \
}

#define CASTFROM(S, TI) \
  CASTLOOP(S, TI, b, uint8_t) CASTLOOP(S, TI, u8, uint8_t) \
  CASTLOOP(S, TI, i32, int32_t) CASTLOOP(S, TI, i64, int64_t) \
  CASTLOOP(S, TI, f32, float) CASTLOOP(S, TI, f64, double) \
  CASTLOOP(S, TI, c128, cplx)

CASTFROM(b, uint8_t)
CASTFROM(u8, uint8_t)
CASTFROM(i32, int32_t)
CASTFROM(i64, int64_t)
CASTFROM(f32, float)
CASTFROM(f64, double)
CASTFROM(c128, cplx)

#define CASTROW(S) { cast_##S##_b, cast_##S##_u8, cast_##S##_i32, cast_##S##_i64, \
                     cast_##S##_f32, cast_##S##_f64, cast_##S##_c128 }

static const lumpy_Loop casts[LUMPY_NDTYPES][LUMPY_NDTYPES] = {
  CASTROW(b), CASTROW(u8), CASTROW(i32), CASTROW(i64),
  CASTROW(f32), CASTROW(f64), CASTROW(c128)
};

lumpy_Loop lumpy_castloop(int from, int to) { return casts[from][to]; }

/* ------------------------------------------------------------------ */
/* assignment with broadcasting                                        */
/* ------------------------------------------------------------------ */

/* byte range [lo, hi) touched by a */
void lumpy_extent(const Array *a, char **lo, char **hi) {
  int64_t l = 0, h = ITEMSIZE(a->dtype);
  int d;
  for (d = 0; d < a->ndim; d++) {
    int64_t span = (a->shape[d] - 1) * a->strides[d];
    if (span < 0) l += span; else h += span;
  }
  *lo = a->data + l;
  *hi = a->data + h;
}

static int overlap(const Array *a, const Array *b) {
  char *alo, *ahi, *blo, *bhi;
  if (a->size == 0 || b->size == 0) return 0;
  lumpy_extent(a, &alo, &ahi);
  lumpy_extent(b, &blo, &bhi);
  return alo < bhi && blo < ahi;
}

/* Cache-blocked transposing copy. When, after simplify(), the source and the
** destination are contiguous along different axes, the element loop walks
** one of them with a long stride and every element costs a cache miss (and a
** TLB miss at large strides). Copying tile by tile keeps both tiles in L1:
** each cache line read or written is used whole, and the lines of the next
** tile are prefetched while one is copied (each tile row is a separate
** stream the hardware prefetcher does not follow). Equal dtypes copy with
** an instance per itemsize; a cast copies each tile row with its cast loop. */

/* tile edge in elements for the larger of the two itemsizes: 32 x 32 doubles
** is 8 KiB a side, so source and destination tiles fit L1 together */
static int64_t tile_edge(int isz) {
  return isz <= 4 ? 64 : isz <= 8 ? 32 : 16;
}

/* copy one sh[p] x sh[q] plane; q is the destination's contiguous axis */
static void tile_plane(char *s, char *d, int64_t np, int64_t nq,
                       int64_t sp, int64_t sq, int64_t dp, int64_t dq,
                       int64_t b, lumpy_Loop loop) {
  int64_t steps[2], i0, j0, i;
  steps[0] = sq;
  steps[1] = dq;
  for (i0 = 0; i0 < np; i0 += b) {
    int64_t ie = i0 + b < np ? i0 + b : np;
    for (j0 = 0; j0 < nq; j0 += b) {
      int64_t nj = j0 + b < nq ? b : nq - j0;
      for (i = i0; i < ie; i++) {
        char *args[2];
        args[0] = s + i * sp + j0 * sq;
        args[1] = d + i * dp + j0 * dq;
        loop(args, nj, steps, NULL);
      }
    }
  }
}

/* the same for equal dtypes, one instance per itemsize, rows inline; the
** next tile along q (its source rows, its destination row pieces) is
** prefetched one row per row copied */
#define TILEPLANE(NAME, T) \
static void NAME(char *s, char *d, int64_t np, int64_t nq, int64_t sp, \
                 int64_t sq, int64_t dp, int64_t dq, int64_t b) { \
  int64_t i0, j0, i, j; \
  for (i0 = 0; i0 < np; i0 += b) { \
    int64_t ie = i0 + b < np ? i0 + b : np; \
    for (j0 = 0; j0 < nq; j0 += b) { \
      int64_t je = j0 + b < nq ? j0 + b : nq; \
      for (i = i0; i < ie; i++) { \
        const char *x = s + i * sp; \
        char *y = d + i * dp; \
        if (je + (i - i0) < nq) { \
          const char *nx = s + i0 * sp + (je + (i - i0)) * sq; \
          char *ny = y + je * dq; \
          int64_t k; \
          for (k = 0; k < b * (int64_t)sizeof(T); k += 64) { \
            __builtin_prefetch(nx + k, 0, 3); \
            __builtin_prefetch(ny + k, 1, 3); \
          } \
        } \
        for (j = j0; j < je; j++) \
          *(T *)(y + j * dq) = *(const T *)(x + j * sq); \
      } \
    } \
  } \
}

TILEPLANE(tile_1, uint8_t)
TILEPLANE(tile_4, int32_t)
TILEPLANE(tile_8, int64_t)
TILEPLANE(tile_16, cplx)

typedef void (*TileFn)(char *, char *, int64_t, int64_t, int64_t, int64_t,
                       int64_t, int64_t, int64_t);
static const TileFn tiles[4] = {tile_1, tile_4, tile_8, tile_16};

#define TILE_MIN 8   /* planes narrower than this take the plain path */

/* A plane of at least TILE_PAR bytes is copied by two threads, each taking
** half of its tile rows: one core's loads and stores do not reach the
** memory bandwidth of two (as the ufuncs' split, see ufunc.c) */
#define TILE_PAR ((int64_t)1 << 23)

typedef struct TileJob {
  TileFn fn;
  char *s, *d;
  int64_t np, nq, sp, sq, dp, dq, b;
} TileJob;

static void *tile_job(void *arg) {
  TileJob *j = (TileJob *)arg;
  j->fn(j->s, j->d, j->np, j->nq, j->sp, j->sq, j->dp, j->dq, j->b);
  return NULL;
}

static void tile_run(TileFn fn, char *s, char *d, int64_t np, int64_t nq, int64_t sp,
                     int64_t sq, int64_t dp, int64_t dq, int64_t b, int isz) {
  if (np * nq * isz >= TILE_PAR && np >= 2 * b) {
    int64_t h = (np / 2 + b - 1) / b * b;       /* a whole number of tile rows */
    TileJob j;
    pthread_t t;
    j.fn = fn; j.s = s + h * sp; j.d = d + h * dp; j.np = np - h; j.nq = nq;
    j.sp = sp; j.sq = sq; j.dp = dp; j.dq = dq; j.b = b;
    if (pthread_create(&t, NULL, tile_job, &j) == 0) {
      fn(s, d, h, nq, sp, sq, dp, dq, b);
      pthread_join(t, NULL);
      return;
    }
  }
  fn(s, d, np, nq, sp, sq, dp, dq, b);
}

/* the copy as tiled planes, or 0 when the plain iteration fits better */
static int tiled_assign(Array *dst, const Array *src, const int64_t *sst) {
  int64_t sh[LUMPY_MAXDIMS], st[MAXOP][LUMPY_MAXDIMS], idx[LUMPY_MAXDIMS];
  const int64_t *strides[2];
  int o[LUMPY_MAXDIMS], no = 0, nd, d, p = 0, q = 0;
  char *sp, *dp;
  int isz = ITEMSIZE(src->dtype) > ITEMSIZE(dst->dtype) ?
            ITEMSIZE(src->dtype) : ITEMSIZE(dst->dtype);
  int same = src->dtype == dst->dtype && src->dtype != LUMPY_BOOL;
  int64_t b = tile_edge(isz);
  strides[0] = sst;
  strides[1] = dst->strides;
  nd = simplify(2, dst->ndim, dst->shape, strides, sh, st);
  if (nd < 2) return 0;
  for (d = 1; d < nd; d++) {
    if (llabs(st[0][d]) < llabs(st[0][p])) p = d;
    if (llabs(st[1][d]) < llabs(st[1][q])) q = d;
  }
  if (p == q || st[0][p] == 0 || st[1][q] == 0 ||
      sh[p] < TILE_MIN || sh[q] < TILE_MIN)
    return 0;
  for (d = 0; d < nd; d++)
    if (d != p && d != q) { o[no++] = d; idx[d] = 0; }
  sp = src->data;
  dp = dst->data;
  for (;;) {
    if (same)
      tile_run(tiles[isz <= 1 ? 0 : isz <= 4 ? 1 : isz <= 8 ? 2 : 3],
               sp, dp, sh[p], sh[q], st[0][p], st[0][q], st[1][p], st[1][q], b, isz);
    else
      tile_plane(sp, dp, sh[p], sh[q], st[0][p], st[0][q], st[1][p], st[1][q],
                 b, casts[src->dtype][dst->dtype]);
    for (d = no - 1; d >= 0; d--) {
      int a = o[d];
      sp += st[0][a];
      dp += st[1][a];
      if (++idx[a] < sh[a]) break;
      sp -= st[0][a] * sh[a];
      dp -= st[1][a] * sh[a];
      idx[a] = 0;
    }
    if (d < 0) return 1;
  }
}

void lumpy_assign(lua_State *L, Array *dst, const Array *src) {
  int64_t sst[LUMPY_MAXDIMS];
  const int64_t *strides[2];
  char *data[2];
  int d, off = dst->ndim - src->ndim, pushed = 0;
  /* src must broadcast to dst's shape */
  if (off < 0) goto mismatch;
  for (d = 0; d < src->ndim; d++)
    if (src->shape[d] != dst->shape[off + d] && src->shape[d] != 1) goto mismatch;
  if (dst->size == 0) return;
  if (src != dst && overlap(src, dst)) {
    int same = src->data == dst->data && src->ndim == dst->ndim &&
               src->dtype == dst->dtype;
    for (d = 0; same && d < src->ndim; d++)
      same = src->strides[d] == dst->strides[d] && src->shape[d] == dst->shape[d];
    if (same) return;
    {   /* copy src aside first */
      Array *tmp = lumpy_newarray(L, src->dtype, src->ndim, src->shape, 0);
      lumpy_assign(L, tmp, src);
      src = tmp;
      pushed = 1;
    }
  }
  lumpy_broadcast_strides(src, dst->ndim, dst->shape, sst);
  if (tiled_assign(dst, src, sst)) {
    if (pushed) lua_pop(L, 1);
    return;
  }
  strides[0] = sst;
  strides[1] = dst->strides;
  data[0] = src->data;
  data[1] = dst->data;
  lumpy_iterate(2, data, dst->ndim, dst->shape, strides,
                casts[src->dtype][dst->dtype], NULL);
  if (pushed) lua_pop(L, 1);
  return;
mismatch:
  {
    char b1[400], b2[400];
    lumpy_error(L, "could not broadcast input array from shape %s into shape %s",
                lumpy_shapestr(b1, src->ndim, src->shape),
                lumpy_shapestr(b2, dst->ndim, dst->shape));
  }
}
