/*
** matmul.c: matrix products: matmul, dot, vdot, inner.
**
** NumPy's semantics (numpy/core/src/umath/matmul.c.src): matmul is a
** generalised ufunc with signature (n?,k),(k,m?)->(n?,m?): 1-d operands get
** a dimension prepended (first) or appended (second) that is removed from the
** result, leading (batch) dimensions broadcast. Float and complex products go
** to OpenBLAS (?gemm, ?gemv, ?dot); a matrix whose rows or columns are
** contiguous is passed as it is (transposed layouts through the transpose
** flag and the leading dimension), any other layout is copied once into a
** contiguous GC-owned array. Integer and bool products use a plain loop in
** the result dtype, as NumPy does.
*/
#include <limits.h>
#include <cblas.h>
#include "linalg.h"

#define ISBLAS(dt) ((dt) == LUMPY_FLOAT32 || (dt) == LUMPY_FLOAT64 || \
                    (dt) == LUMPY_COMPLEX128)

/* ------------------------------------------------------------------ */
/* kernels                                                             */
/* ------------------------------------------------------------------ */

/* plain C = A B for integer dtypes; bool is "or of ands" */
#define IGEMM(name, T, ACC, MUL, ADD) \
static void name(int64_t n, int64_t m, int64_t k, \
                 const char *A, int64_t ars, int64_t acs, \
                 const char *B, int64_t brs, int64_t bcs, char *C, int64_t ldc) { \
  int64_t i, j, l; \
  for (i = 0; i < n; i++) { \
    T *c = (T *)C + i * ldc; \
    for (j = 0; j < m; j++) { \
      ACC s = 0; \
      const char *a = A + i * ars, *b = B + j * bcs; \
      for (l = 0; l < k; l++, a += acs, b += brs) \
        s = ADD(s, MUL(*(const T *)a, *(const T *)b)); \
      c[j] = (T)s; \
    } \
  } \
}
#define MULI(x, y) ((x) * (y))
#define ADDI(x, y) ((x) + (y))
#define ANDB(x, y) ((x) && (y))
#define ORB(x, y) ((x) || (y))
/* unsigned arithmetic wraps like NumPy's instead of overflowing */
#define MULU(x, y) ((uint64_t)(x) * (uint64_t)(y))
#define ADDU(x, y) ((x) + (y))
IGEMM(gemm_b, uint8_t, int, ANDB, ORB)
IGEMM(gemm_u8, uint8_t, uint64_t, MULU, ADDU)
IGEMM(gemm_i32, int32_t, uint64_t, MULU, ADDU)
IGEMM(gemm_i64, int64_t, uint64_t, MULU, ADDU)

/* a strided matrix as BLAS sees it in row-major order: trans flag and
** leading dimension; 0 when the layout is not one BLAS takes */
static int blaslayout(int64_t rows, int64_t cols, int64_t rs, int64_t cs, int isz,
                      enum CBLAS_TRANSPOSE *tr, int64_t *ld) {
  if ((cols <= 1 || cs == isz) && (rows <= 1 || (rs > 0 && rs % isz == 0 &&
      rs / isz >= cols))) {
    *tr = CblasNoTrans;
    *ld = rows <= 1 ? (cols > 1 ? cols : 1) : rs / isz;
    return 1;
  }
  if ((rows <= 1 || rs == isz) && (cols <= 1 || (cs > 0 && cs % isz == 0 &&
      cs / isz >= rows))) {
    *tr = CblasTrans;
    *ld = cols <= 1 ? (rows > 1 ? rows : 1) : cs / isz;
    return 1;
  }
  return 0;
}

/* the step (in elements) between consecutive elements of a row (byrow) or a
** column of a matrix in a BLAS layout */
static int64_t blasinc(enum CBLAS_TRANSPOSE tr, int64_t ld, int byrow) {
  return (tr == CblasNoTrans) == byrow ? 1 : ld;
}

static void blasgemm(int dt, int64_t n, int64_t m, int64_t k,
                     const char *A, enum CBLAS_TRANSPOSE ta, int64_t lda,
                     const char *B, enum CBLAS_TRANSPOSE tb, int64_t ldb,
                     char *C, int64_t ldc) {
  static const double zone[2] = {1, 0}, zzero[2] = {0, 0};
  if (n == 1 && m == 1) {       /* dot product */
    blasint ia = (blasint)blasinc(ta, lda, 1), ib = (blasint)blasinc(tb, ldb, 0);
    if (dt == LUMPY_FLOAT64)
      *(double *)C = cblas_ddot((blasint)k, (const double *)A, ia, (const double *)B, ib);
    else if (dt == LUMPY_FLOAT32)
      *(float *)C = cblas_sdot((blasint)k, (const float *)A, ia, (const float *)B, ib);
    else cblas_zdotu_sub((blasint)k, A, ia, B, ib, C);
  }
  else if (m == 1) {            /* matrix times vector: C (n) = A x */
    blasint ib = (blasint)blasinc(tb, ldb, 0);
    blasint rows = (blasint)(ta == CblasNoTrans ? n : k);
    blasint cols = (blasint)(ta == CblasNoTrans ? k : n);
    blasint cl = (blasint)ldc;
    if (dt == LUMPY_FLOAT64)
      cblas_dgemv(CblasRowMajor, ta, rows, cols, 1.0, (const double *)A, (blasint)lda,
                  (const double *)B, ib, 0.0, (double *)C, cl);
    else if (dt == LUMPY_FLOAT32)
      cblas_sgemv(CblasRowMajor, ta, rows, cols, 1.0f, (const float *)A, (blasint)lda,
                  (const float *)B, ib, 0.0f, (float *)C, cl);
    else
      cblas_zgemv(CblasRowMajor, ta, rows, cols, zone, A, (blasint)lda, B, ib, zzero, C, cl);
  }
  else if (n == 1) {            /* vector times matrix: C (m) = B^T a */
    blasint ia = (blasint)blasinc(ta, lda, 1);
    enum CBLAS_TRANSPOSE t = tb == CblasNoTrans ? CblasTrans : CblasNoTrans;
    blasint rows = (blasint)(tb == CblasNoTrans ? k : m);
    blasint cols = (blasint)(tb == CblasNoTrans ? m : k);
    if (dt == LUMPY_FLOAT64)
      cblas_dgemv(CblasRowMajor, t, rows, cols, 1.0, (const double *)B, (blasint)ldb,
                  (const double *)A, ia, 0.0, (double *)C, 1);
    else if (dt == LUMPY_FLOAT32)
      cblas_sgemv(CblasRowMajor, t, rows, cols, 1.0f, (const float *)B, (blasint)ldb,
                  (const float *)A, ia, 0.0f, (float *)C, 1);
    else
      cblas_zgemv(CblasRowMajor, t, rows, cols, zone, B, (blasint)ldb, A, ia, zzero, C, 1);
  }
  else if (dt == LUMPY_FLOAT64)
    cblas_dgemm(CblasRowMajor, ta, tb, (blasint)n, (blasint)m, (blasint)k, 1.0,
                (const double *)A, (blasint)lda, (const double *)B, (blasint)ldb,
                0.0, (double *)C, (blasint)ldc);
  else if (dt == LUMPY_FLOAT32)
    cblas_sgemm(CblasRowMajor, ta, tb, (blasint)n, (blasint)m, (blasint)k, 1.0f,
                (const float *)A, (blasint)lda, (const float *)B, (blasint)ldb,
                0.0f, (float *)C, (blasint)ldc);
  else
    cblas_zgemm(CblasRowMajor, ta, tb, (blasint)n, (blasint)m, (blasint)k, zone,
                A, (blasint)lda, B, (blasint)ldb, zzero, C, (blasint)ldc);
}

/* plain loop for float dtypes whose layout BLAS does not take */
#define FGEMM(name, T) IGEMM(name, T, T, MULI, ADDI)
FGEMM(gemm_f32, float)
FGEMM(gemm_f64, double)
FGEMM(gemm_c128, cplx)

void lumpy_gemm(int dt, int64_t n, int64_t m, int64_t k,
                const char *A, int64_t ars, int64_t acs,
                const char *B, int64_t brs, int64_t bcs,
                char *C, int64_t ldc) {
  int isz = ITEMSIZE(dt);
  if (n == 0 || m == 0) return;
  if (k == 0) {
    int64_t i;
    for (i = 0; i < n; i++) memset(C + i * ldc * isz, 0, (size_t)(m * isz));
    return;
  }
  if (ISBLAS(dt)) {
    enum CBLAS_TRANSPOSE ta, tb;
    int64_t lda, ldb;
    if (n < INT_MAX && m < INT_MAX && k < INT_MAX &&
        blaslayout(n, k, ars, acs, isz, &ta, &lda) &&
        blaslayout(k, m, brs, bcs, isz, &tb, &ldb) && lda < INT_MAX && ldb < INT_MAX) {
      blasgemm(dt, n, m, k, A, ta, lda, B, tb, ldb, C, ldc);
      return;
    }
  }
  switch (dt) {
    case LUMPY_BOOL: gemm_b(n, m, k, A, ars, acs, B, brs, bcs, C, ldc); break;
    case LUMPY_UINT8: gemm_u8(n, m, k, A, ars, acs, B, brs, bcs, C, ldc); break;
    case LUMPY_INT32: gemm_i32(n, m, k, A, ars, acs, B, brs, bcs, C, ldc); break;
    case LUMPY_INT64: gemm_i64(n, m, k, A, ars, acs, B, brs, bcs, C, ldc); break;
    case LUMPY_FLOAT32: gemm_f32(n, m, k, A, ars, acs, B, brs, bcs, C, ldc); break;
    case LUMPY_FLOAT64: gemm_f64(n, m, k, A, ars, acs, B, brs, bcs, C, ldc); break;
    default: gemm_c128(n, m, k, A, ars, acs, B, brs, bcs, C, ldc); break;
  }
}

/* ------------------------------------------------------------------ */
/* operands                                                            */
/* ------------------------------------------------------------------ */

/* the array at idx in dtype dt with its last two axes (rows, cols) in a
** layout BLAS takes: the array itself when it already is, else a C-contiguous
** copy that replaces it at idx. Integer dtypes only need the dtype. */
static Array *operand(lua_State *L, int idx, int dt, int64_t rows, int64_t cols,
                      int64_t rs, int64_t cs) {
  Array *a = lumpy_toarray(L, idx);
  enum CBLAS_TRANSPOSE tr;
  int64_t ld;
  if (a->dtype == dt && (!ISBLAS(dt) ||
      blaslayout(rows, cols, rs, cs, ITEMSIZE(dt), &tr, &ld))) return a;
  a = lumpy_toarrayx(L, idx, dt);
  lua_replace(L, idx);
  return a;
}

static int checksize(lua_State *L, int64_t n, const char *fname) {
  if (n >= INT_MAX) lumpy_error(L, "%s: dimension %d is too large for BLAS", fname, (int)n);
  return (int)n;
}

static void coremismatch(lua_State *L, const char *fname, const Array *a,
                         const Array *b, int64_t ka, int64_t kb) {
  char s1[400], s2[400];
  lumpy_error(L, "%s: Input operand 1 has a mismatch in its core dimension 0, "
              "with gufunc signature (n?,k),(k,m?)->(n?,m?) (size %d is different "
              "from %d); shapes %s and %s", fname, (int)kb, (int)ka,
              lumpy_shapestr(s1, a->ndim, a->shape), lumpy_shapestr(s2, b->ndim, b->shape));
}

/* result of a 0-d product: a Lua value, as NumPy returns a scalar */
static void pushscalar(lua_State *L) {
  Array *r = lumpy_toarray(L, -1);
  lumpy_pushelem(L, r->dtype, r->data);
  lua_remove(L, -2);
}

/* ------------------------------------------------------------------ */
/* matmul                                                              */
/* ------------------------------------------------------------------ */

/* computes matmul of the arrays at ia, ib (absolute) into a new C-contiguous
** array of dtype dt; pushes it */
static Array *matmul_new(lua_State *L, int ia, int ib, const char *fname) {
  Array *a = lumpy_toarray(L, ia), *b = lumpy_toarray(L, ib), *c;
  int dt = lumpy_promote(a->dtype, b->dtype), isz = ITEMSIZE(dt);
  int na = a->ndim, nb = b->ndim, nba, nbb, nbat, d, ndim = 0;
  int64_t n, k, k2, m, ars, acs, brs, bcs;
  int64_t bshape[LUMPY_MAXDIMS], sa[LUMPY_MAXDIMS], sb[LUMPY_MAXDIMS];
  int64_t oshape[LUMPY_MAXDIMS], idx[LUMPY_MAXDIMS], nbatch = 1, t;
  if (na == 0 || nb == 0)
    lumpy_error(L, "%s: Input operand %d does not have enough dimensions (has 0, "
                "gufunc core with signature (n?,k),(k,m?)->(n?,m?) requires 1)",
                fname, na == 0 ? 0 : 1);
  n = na == 1 ? 1 : a->shape[na - 2];
  k = a->shape[na - 1];
  k2 = nb == 1 ? b->shape[0] : b->shape[nb - 2];
  m = nb == 1 ? 1 : b->shape[nb - 1];
  if (k != k2) coremismatch(L, fname, a, b, k, k2);
  nba = na > 2 ? na - 2 : 0;
  nbb = nb > 2 ? nb - 2 : 0;
  nbat = nba > nbb ? nba : nbb;
  if (nbat + 2 > LUMPY_MAXDIMS) lumpy_error(L, "%s: too many dimensions", fname);
  for (d = 0; d < nbat; d++) {
    int da = d - (nbat - nba), db = d - (nbat - nbb);
    int64_t xa = da >= 0 ? a->shape[da] : 1, xb = db >= 0 ? b->shape[db] : 1;
    if (xa != xb && xa != 1 && xb != 1) {
      char s1[400], s2[400];
      lumpy_error(L, "%s: operands could not be broadcast together with shapes %s %s",
                  fname, lumpy_shapestr(s1, na, a->shape), lumpy_shapestr(s2, nb, b->shape));
    }
    bshape[d] = xa == 1 ? xb : xa;
    oshape[ndim++] = bshape[d];
    nbatch *= bshape[d];
  }
  if (na > 1) oshape[ndim++] = n;
  if (nb > 1) oshape[ndim++] = m;
  checksize(L, n, fname); checksize(L, m, fname); checksize(L, k, fname);
  if (ISBLAS(dt)) lumpy_blas_load(L);
  /* operands in dt and a layout the kernel takes */
  a = operand(L, ia, dt, n, k, na == 1 ? 0 : a->strides[na - 2], a->strides[na - 1]);
  b = operand(L, ib, dt, k, m, nb == 1 ? b->strides[0] : b->strides[nb - 2],
              nb == 1 ? 0 : b->strides[nb - 1]);
  ars = na == 1 ? 0 : a->strides[na - 2];
  acs = a->strides[na - 1];
  brs = nb == 1 ? b->strides[0] : b->strides[nb - 2];
  bcs = nb == 1 ? 0 : b->strides[nb - 1];
  for (d = 0; d < nbat; d++) {
    int da = d - (nbat - nba), db = d - (nbat - nbb);
    sa[d] = da >= 0 && a->shape[da] != 1 ? a->strides[da] : 0;
    sb[d] = db >= 0 && b->shape[db] != 1 ? b->strides[db] : 0;
    idx[d] = 0;
  }
  c = lumpy_newarray(L, dt, ndim, oshape, 0);
  if (c->size == 0) return c;
  {
    const char *pa = a->data, *pb = b->data;
    char *pc = c->data;
    int64_t cstep = n * m * isz;
    for (t = 0; t < nbatch; t++) {
      lumpy_gemm(dt, n, m, k, pa, ars, acs, pb, brs, bcs, pc, m);
      pc += cstep;
      for (d = nbat - 1; d >= 0; d--) {
        pa += sa[d]; pb += sb[d];
        if (++idx[d] < bshape[d]) break;
        pa -= sa[d] * bshape[d]; pb -= sb[d] * bshape[d];
        idx[d] = 0;
      }
    }
  }
  return c;
}

void lumpy_matmul(lua_State *L, int ia, int ib, const char *fname) {
  ia = lua_absindex(L, ia);
  ib = lua_absindex(L, ib);
  lua_pushvalue(L, ia);
  lua_pushvalue(L, ib);
  lumpy_asarray(L, -2);
  lumpy_asarray(L, -1);
  matmul_new(L, lua_gettop(L) - 1, lua_gettop(L), fname);
  lua_replace(L, -3);
  lua_pop(L, 1);
}

/* stores the result at the top into out (index oidx) and leaves out there */
static void intoout(lua_State *L, int oidx, const char *fname) {
  Array *out = lumpy_checkarray(L, oidx), *r = lumpy_toarray(L, -1);
  int d;
  if (out->ndim != r->ndim) goto bad;
  for (d = 0; d < r->ndim; d++) if (out->shape[d] != r->shape[d]) goto bad;
  lumpy_assign(L, out, r);
  lua_pushvalue(L, oidx);
  return;
bad:
  {
    char s1[400], s2[400];
    lumpy_error(L, "%s: output array has shape %s, expected %s", fname,
                lumpy_shapestr(s1, out->ndim, out->shape),
                lumpy_shapestr(s2, r->ndim, r->shape));
  }
}

static int matmul_matmul(lua_State *L) {
  Array *c;
  luaL_checkany(L, 1);
  luaL_checkany(L, 2);
  lua_settop(L, 3);
  lumpy_asarray(L, 1);
  lumpy_asarray(L, 2);
  c = matmul_new(L, 1, 2, "matmul");
  if (!lua_isnil(L, 3)) intoout(L, 3, "matmul");
  else if (c->ndim == 0) pushscalar(L);
  return 1;
}

/* ------------------------------------------------------------------ */
/* dot, vdot, inner                                                    */
/* ------------------------------------------------------------------ */

/* dot for n-d b: out[p, q, j] = sum_l A[p, l] B[q, l, j] with a (P x k)
** and b (Q x k x m) made contiguous */
static void dot_nd(lua_State *L, const char *fname) {
  Array *a = lumpy_toarray(L, 1), *b = lumpy_toarray(L, 2), *c;
  int dt = lumpy_promote(a->dtype, b->dtype), isz = ITEMSIZE(dt), d, ndim = 0;
  int64_t k = a->shape[a->ndim - 1], m = b->shape[b->ndim - 1];
  int64_t kb = b->ndim == 1 ? b->shape[0] : b->shape[b->ndim - 2];
  int64_t P = 1, Q = 1, q, shape[LUMPY_MAXDIMS];
  if (k != kb) {
    char s1[400], s2[400];
    lumpy_error(L, "%s: shapes %s and %s not aligned: %d (dim %d) != %d (dim %d)", fname,
                lumpy_shapestr(s1, a->ndim, a->shape), lumpy_shapestr(s2, b->ndim, b->shape),
                (int)k, a->ndim, (int)kb, b->ndim > 1 ? b->ndim - 1 : 1);
  }
  if (a->ndim + b->ndim - 2 > LUMPY_MAXDIMS) lumpy_error(L, "%s: too many dimensions", fname);
  for (d = 0; d < a->ndim - 1; d++) { shape[ndim++] = a->shape[d]; P *= a->shape[d]; }
  for (d = 0; d < b->ndim - 2; d++) { shape[ndim++] = b->shape[d]; Q *= b->shape[d]; }
  if (b->ndim > 1) shape[ndim++] = m; else m = 1;
  a = lumpy_ascontig(L, 1, dt); lua_replace(L, 1);
  b = lumpy_ascontig(L, 2, dt); lua_replace(L, 2);
  checksize(L, P, fname); checksize(L, k, fname); checksize(L, m, fname);
  if (ISBLAS(dt)) lumpy_blas_load(L);
  c = lumpy_newarray(L, dt, ndim, shape, 0);
  if (c->size == 0) return;
  for (q = 0; q < Q; q++)
    lumpy_gemm(dt, P, m, k, a->data, k * isz, isz, b->data + q * k * m * isz,
               m * isz, isz, c->data + q * m * isz, Q * m);
}

static int matmul_dot(lua_State *L) {
  Array *a, *b;
  luaL_checkany(L, 1);
  luaL_checkany(L, 2);
  lua_settop(L, 3);
  a = lumpy_asarray(L, 1);
  b = lumpy_asarray(L, 2);
  if (a->ndim == 0 || b->ndim == 0) {
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_arith(L, LUA_OPMUL);
  }
  else if (a->ndim <= 2 && b->ndim <= 2) matmul_new(L, 1, 2, "dot");
  else dot_nd(L, "dot");
  if (!lua_isnil(L, 3)) intoout(L, 3, "dot");
  else if (lumpy_toarray(L, -1) && lumpy_toarray(L, -1)->ndim == 0) pushscalar(L);
  return 1;
}

/* vdot: the flattened arrays, the first conjugated */
static int matmul_vdot(lua_State *L) {
  Array *a, *b, *r;
  int dt;
  int64_t one = 1, n;
  a = lumpy_asarray(L, 1);
  b = lumpy_asarray(L, 2);
  dt = lumpy_promote(a->dtype, b->dtype);
  if (a->size != b->size) {
    char s1[400], s2[400];
    lumpy_error(L, "vdot: cannot take the inner product of arrays of different sizes "
                "(shapes %s and %s)", lumpy_shapestr(s1, a->ndim, a->shape),
                lumpy_shapestr(s2, b->ndim, b->shape));
  }
  n = a->size;
  checksize(L, n, "vdot");
  if (ISBLAS(dt)) lumpy_blas_load(L);
  a = lumpy_ascontig(L, 1, dt); lua_replace(L, 1);
  b = lumpy_ascontig(L, 2, dt); lua_replace(L, 2);
  r = lumpy_newarray(L, dt, 0, &one, 0);
  if (dt == LUMPY_COMPLEX128) {
    if (n == 0) *(cplx *)r->data = 0;
    else cblas_zdotc_sub((blasint)n, a->data, 1, b->data, 1, r->data);
  }
  else lumpy_gemm(dt, 1, 1, n, a->data, 0, ITEMSIZE(dt), b->data, ITEMSIZE(dt), 0,
                  r->data, 1);
  pushscalar(L);
  return 1;
}

/* inner: sum over the last axes, out shape a.shape[:-1] + b.shape[:-1] */
static int matmul_inner(lua_State *L) {
  Array *a, *b, *c;
  int dt, isz, d, ndim = 0;
  int64_t k, P = 1, Q = 1, shape[LUMPY_MAXDIMS];
  a = lumpy_asarray(L, 1);
  b = lumpy_asarray(L, 2);
  if (a->ndim == 0 || b->ndim == 0) {
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_arith(L, LUA_OPMUL);
    return 1;
  }
  dt = lumpy_promote(a->dtype, b->dtype);
  isz = ITEMSIZE(dt);
  k = a->shape[a->ndim - 1];
  if (k != b->shape[b->ndim - 1]) {
    char s1[400], s2[400];
    lumpy_error(L, "inner: shapes %s and %s not aligned: %d (dim %d) != %d (dim %d)",
                lumpy_shapestr(s1, a->ndim, a->shape), lumpy_shapestr(s2, b->ndim, b->shape),
                (int)k, a->ndim, (int)b->shape[b->ndim - 1], b->ndim);
  }
  if (a->ndim + b->ndim - 2 > LUMPY_MAXDIMS) lumpy_error(L, "inner: too many dimensions");
  for (d = 0; d < a->ndim - 1; d++) { shape[ndim++] = a->shape[d]; P *= a->shape[d]; }
  for (d = 0; d < b->ndim - 1; d++) { shape[ndim++] = b->shape[d]; Q *= b->shape[d]; }
  a = lumpy_ascontig(L, 1, dt); lua_replace(L, 1);
  b = lumpy_ascontig(L, 2, dt); lua_replace(L, 2);
  checksize(L, P, "inner"); checksize(L, Q, "inner"); checksize(L, k, "inner");
  if (ISBLAS(dt)) lumpy_blas_load(L);
  c = lumpy_newarray(L, dt, ndim, shape, 0);
  if (c->size > 0)
    lumpy_gemm(dt, P, Q, k, a->data, k * isz, isz, b->data, isz, k * isz, c->data, Q);
  if (c->ndim == 0) pushscalar(L);
  return 1;
}

void lumpy_open_matmul(lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"matmul", matmul_matmul}, {"dot", matmul_dot}, {"vdot", matmul_vdot},
    {"inner", matmul_inner}, {NULL, NULL}
  };
  static const luaL_Reg methods[] = {
    {"matmul", matmul_matmul}, {"dot", matmul_dot}, {NULL, NULL}
  };
  lumpy_register(L, funcs, methods);
}
