/*
** linalg.c: lumpy.linalg on LAPACKE: the shared helpers, then the linear
** systems and LU/Cholesky family: solve inv det slogdet cholesky lu
** lu_factor lu_solve cho_factor cho_solve solve_triangular.
**
** LAPACK overwrites its input, so every routine gets one copy of the input
** in a GC-owned array (la_load), in the working dtype (float64 or
** complex128; float32 inputs are computed in float64 and the results cast
** back). A C-ordered matrix is copied as it is and handed to LAPACK as its
** transpose where the problem allows it (A^T x = b for solve, inv(A^T) =
** inv(A)^T, det(A^T) = det(A), the Cholesky factor of A^T), which keeps the
** copy a straight memory copy. Batches (stacks of matrices) are walked one
** matrix at a time; work blocks come from the Lua GC, so an error leaks
** nothing.
*/
#include <math.h>
#include <float.h>
#include <limits.h>
#include "linalg.h"

/* ------------------------------------------------------------------ */
/* shared helpers                                                      */
/* ------------------------------------------------------------------ */

int la_workdtype(int dt) {
  return dt == LUMPY_COMPLEX128 ? LUMPY_COMPLEX128 : LUMPY_FLOAT64;
}

/* for the LU and Cholesky family, which LAPACK also has in single
** precision: float32 stays float32 */
static int workdtype32(int dt) {
  return dt == LUMPY_FLOAT32 ? LUMPY_FLOAT32 : la_workdtype(dt);
}

Array *la_checkmat(lua_State *L, int idx, const char *fname, int square) {
  Array *a;
  luaL_checkany(L, idx);
  a = lumpy_asarray(L, idx);
  (void)fname;
  if (a->ndim < 2)
    luaL_argerror(L, idx, lua_pushfstring(L, "%d-dimensional array given. Array must be "
                  "at least two-dimensional", a->ndim));
  if (square && a->shape[a->ndim - 1] != a->shape[a->ndim - 2])
    luaL_argerror(L, idx, lua_pushfstring(L, "square matrix expected, got %Ix%I",
                  (lua_Integer)a->shape[a->ndim - 2], (lua_Integer)a->shape[a->ndim - 1]));
  lumpy_blas_load(L);     /* every LAPACK path starts here (or in svd_core) */
  return a;
}

Array *la_newF(lua_State *L, int dt, int nb, const int64_t *bshape, int64_t rows,
               int64_t cols) {
  int64_t shape[LUMPY_MAXDIMS];
  Array *a;
  int64_t t;
  if (nb + 2 > LUMPY_MAXDIMS) lumpy_error(L, "too many dimensions");
  if (nb > 0) memcpy(shape, bshape, sizeof(int64_t) * nb);
  shape[nb] = cols;
  shape[nb + 1] = rows;
  a = lumpy_newarray(L, dt, nb + 2, shape, 0);
  a->shape[nb] = rows;
  a->shape[nb + 1] = cols;
  t = a->strides[nb];
  a->strides[nb] = a->strides[nb + 1];
  a->strides[nb + 1] = t;
  return a;
}

Array *la_load(lua_State *L, const Array *src, int dt, int allowtrans, int *trans) {
  int nd = src->ndim, sz = ITEMSIZE(src->dtype);
  Array *r;
  int t = allowtrans && src->strides[nd - 1] == sz && src->shape[nd - 2] > 1 &&
          !(src->strides[nd - 2] == sz && src->shape[nd - 1] > 1);
  if (t) r = lumpy_newarray(L, dt, nd, src->shape, 0);
  else r = la_newF(L, dt, nd - 2, src->shape, src->shape[nd - 2], src->shape[nd - 1]);
  if (!t && src->dtype == dt && src->strides[nd - 1] == sz && nd == 2 &&
      src->strides[0] >= src->shape[1] * sz) {
    /* row-major to column-major: a transpose in cache-sized tiles */
    int64_t m = src->shape[0], n = src->shape[1], ld = src->strides[0], i0, j0, i, j;
    for (i0 = 0; i0 < m; i0 += 32)
      for (j0 = 0; j0 < n; j0 += 32)
        for (i = i0; i < i0 + 32 && i < m; i++) {
          const char *row = src->data + i * ld;
          if (sz == 4)
            for (j = j0; j < j0 + 32 && j < n; j++)
              ((float *)r->data)[j * m + i] = ((const float *)row)[j];
          else if (sz == 8)
            for (j = j0; j < j0 + 32 && j < n; j++)
              ((double *)r->data)[j * m + i] = ((const double *)row)[j];
          else
            for (j = j0; j < j0 + 32 && j < n; j++)
              ((cplx *)r->data)[j * m + i] = ((const cplx *)row)[j];
        }
  }
  else lumpy_assign(L, r, src);
  if (trans) *trans = t;
  return r;
}

/* copies n items of an itemsize isz (4, 8 or 16: float, double, complex)
** from s to d; returns nonzero when one is inf or NaN. One pass: the check
** rides on the copy's memory traffic */
static int copyfinite(char *d, const char *s, int64_t n, int isz) {
  int64_t i;
  if (isz == 4) {
    uint32_t bad = 0;
    for (i = 0; i < n; i++) {
      uint32_t u;
      memcpy(&u, s + 4 * i, 4);
      memcpy(d + 4 * i, &u, 4);
      bad |= (((u >> 23) & 0xffu) + 1) >> 8;
    }
    return bad != 0;
  }
  else {
    uint64_t bad = 0;
    if (isz == 16) n *= 2;
    for (i = 0; i < n; i++) {
      uint64_t u;
      memcpy(&u, s + 8 * i, 8);
      memcpy(d + 8 * i, &u, 8);
      bad |= (((u >> 52) & 0x7ffu) + 1) >> 11;
    }
    return bad != 0;
  }
}

Array *la_loadfinite(lua_State *L, const Array *src, int dt, int allowtrans, int *trans,
                     const char *fname) {
  int nd = src->ndim, d, same = src->dtype == dt;
  Array *r;
  /* a straight copy when src is laid out as la_load's result will be */
  int t = allowtrans && src->strides[nd - 1] == ITEMSIZE(src->dtype) && src->shape[nd - 2] > 1 &&
          !(src->strides[nd - 2] == ITEMSIZE(src->dtype) && src->shape[nd - 1] > 1);
  if (same && src->size > 0) {
    int64_t st[LUMPY_MAXDIMS], sz = ITEMSIZE(dt);
    lumpy_contigstrides(dt, nd, src->shape, st);
    if (!t) {   /* column-major blocks */
      st[nd - 2] = sz;
      st[nd - 1] = src->shape[nd - 2] * sz;
    }
    for (d = 0; d < nd; d++)
      if (src->shape[d] > 1 && src->strides[d] != st[d]) { same = 0; break; }
  }
  if (!same) {
    la_checkfinite(L, src, fname);
    return la_load(L, src, dt, allowtrans, trans);
  }
  if (t) r = lumpy_newarray(L, dt, nd, src->shape, 0);
  else r = la_newF(L, dt, nd - 2, src->shape, src->shape[nd - 2], src->shape[nd - 1]);
  if (copyfinite(r->data, src->data, src->size, ITEMSIZE(dt)))
    lumpy_error(L, "lumpy.linalg.%s: array must not contain infs or NaNs", fname);
  if (trans) *trans = t;
  return r;
}

void *la_work(lua_State *L, size_t n) {
  int64_t len = (int64_t)(n > 0 ? n : 1);
  return lumpy_newarray(L, LUMPY_UINT8, 1, &len, 0)->data;
}

void la_close(lua_State *L, int idx) {
  Array *a;
  idx = lua_absindex(L, idx);
  a = lumpy_toarray(L, idx);
  if (a && a->owner == a && luaL_getmetafield(L, idx, "__close") != LUA_TNIL) {
    lua_pushvalue(L, idx);
    lua_call(L, 1, 0);
  }
}

void la_drop(lua_State *L, int n) {
  int i;
  for (i = 1; i <= n; i++) la_close(L, -i);
  lua_pop(L, n);
}

void la_closerange(lua_State *L, int from, int to) {
  for (; from <= to; from++) la_close(L, from);
}

typedef struct FiniteCtx { int bad; } FiniteCtx;

/* a float is finite unless its exponent bits are all ones: (e + 1) >> EBITS
** is then 1. No branch per element, so a contiguous run is a plain
** streaming loop (n counts floats of ebits exponent bits; complex runs
** are scanned as 2n doubles) */
#define FINITE_LOOP(name, T, UT, MBITS, EBITS, PER) \
static void name(char **args, int64_t n, const int64_t *steps, void *ctx) { \
  const char *p = args[0]; \
  UT bad = 0; \
  int64_t i; \
  if (((FiniteCtx *)ctx)->bad) return; \
  if (steps[0] == (int64_t)(PER * sizeof(T))) { \
    for (i = 0; i < n * PER; i++) { \
      UT u; \
      memcpy(&u, p + i * (int64_t)sizeof(T), sizeof u); \
      bad |= (((u >> MBITS) & ((1u << EBITS) - 1)) + 1) >> EBITS; \
    } \
  } \
  else \
    for (i = 0; i < n; i++, p += steps[0]) { \
      int k; \
      for (k = 0; k < PER; k++) { \
        UT u; \
        memcpy(&u, p + k * (int64_t)sizeof(T), sizeof u); \
        bad |= (((u >> MBITS) & ((1u << EBITS) - 1)) + 1) >> EBITS; \
      } \
    } \
  if (bad) ((FiniteCtx *)ctx)->bad = 1; \
}

FINITE_LOOP(finite_f64, double, uint64_t, 52, 11, 1)
FINITE_LOOP(finite_c128, double, uint64_t, 52, 11, 2)
FINITE_LOOP(finite_f32, float, uint32_t, 23, 8, 1)

void la_checkfinite(lua_State *L, const Array *a, const char *fname) {
  FiniteCtx c = {0};
  char *data[1];
  const int64_t *st[1];
  lumpy_Loop loop;
  if (a->dtype == LUMPY_FLOAT64) loop = finite_f64;
  else if (a->dtype == LUMPY_COMPLEX128) loop = finite_c128;
  else if (a->dtype == LUMPY_FLOAT32) loop = finite_f32;
  else return;
  data[0] = a->data;
  st[0] = a->strides;
  lumpy_iterate(1, data, a->ndim, a->shape, st, loop, &c);
  if (c.bad) lumpy_error(L, "lumpy.linalg.%s: array must not contain infs or NaNs", fname);
}

int64_t la_nbatch(const Array *a) {
  int64_t n = 1;
  int d;
  for (d = 0; d < a->ndim - 2; d++) n *= a->shape[d];
  return n;
}

lapack_int la_int(lua_State *L, int64_t n, const char *fname) {
  if (n >= INT_MAX / 2)
    lumpy_error(L, "lumpy.linalg.%s: dimension %I is too large for LAPACK", fname,
                (lua_Integer)n);
  return (lapack_int)n;
}

void la_restore32(lua_State *L, int idx, int indt) {
  if (indt == LUMPY_FLOAT32 && lumpy_toarray(L, idx) &&
      lumpy_toarray(L, idx)->dtype == LUMPY_FLOAT64) {
    idx = lua_absindex(L, idx);
    lumpy_toarrayx(L, idx, LUMPY_FLOAT32);
    lua_replace(L, idx);
  }
}

void la_checkopts(lua_State *L, int idx, const char *fname, const char *const *allowed) {
  if (lua_isnoneornil(L, idx)) return;
  luaL_checktype(L, idx, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    int i, ok = 0;
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING)
      for (i = 0; allowed[i]; i++)
        if (strcmp(lua_tostring(L, -1), allowed[i]) == 0) { ok = 1; break; }
    if (!ok) {
      const char *k = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
                                                      : luaL_typename(L, -1);
      luaL_argerror(L, idx, lua_pushfstring(L, "unknown option '%s' for %s", k, fname));
    }
  }
}

int la_optbool(lua_State *L, int idx, const char *key, int def) {
  int r = def;
  if (lua_type(L, idx) != LUA_TTABLE) return def;
  if (lua_getfield(L, idx, key) != LUA_TNIL) {
    if (!lua_isboolean(L, -1))
      luaL_argerror(L, idx, lua_pushfstring(L, "option '%s' must be a boolean", key));
    r = lua_toboolean(L, -1);
  }
  lua_pop(L, 1);
  return r;
}

double la_optnum(lua_State *L, int idx, const char *key, double def) {
  double r = def;
  if (lua_type(L, idx) != LUA_TTABLE) return def;
  if (lua_getfield(L, idx, key) != LUA_TNIL) {
    if (!lua_isnumber(L, -1))
      luaL_argerror(L, idx, lua_pushfstring(L, "option '%s' must be a number", key));
    r = lua_tonumber(L, -1);
  }
  lua_pop(L, 1);
  return r;
}

/* a header (never pushed) viewing a with its batch dims broadcast to
** (nb, bshape) and its last `core` dims kept */
static void bview(Array *h, const Array *a, int nb, const int64_t *bshape, int core) {
  int d, off = nb - (a->ndim - core);
  *h = *a;
  h->ndim = nb + core;
  h->size = 1;
  for (d = 0; d < nb; d++) {
    int da = d - off;
    h->shape[d] = bshape[d];
    h->strides[d] = da >= 0 && a->shape[da] != 1 ? a->strides[da] : 0;
  }
  for (d = 0; d < core; d++) {
    h->shape[nb + d] = a->shape[a->ndim - core + d];
    h->strides[nb + d] = a->strides[a->ndim - core + d];
  }
  for (d = 0; d < h->ndim; d++) h->size *= h->shape[d];
  h->owner = h;
}

/* broadcasts the batch dims of a (abatch of them) and b (bbatch) */
static int batchshape(lua_State *L, const Array *a, int na, const Array *b, int nbb,
                      int64_t *bshape, const char *fname) {
  int nb = na > nbb ? na : nbb, d;
  for (d = 0; d < nb; d++) {
    int da = d - (nb - na), db = d - (nb - nbb);
    int64_t x = da >= 0 ? a->shape[da] : 1, y = db >= 0 ? b->shape[db] : 1;
    if (x != y && x != 1 && y != 1) {
      char s1[400], s2[400];
      lumpy_error(L, "lumpy.linalg.%s: operands could not be broadcast together with "
                  "shapes %s %s", fname, lumpy_shapestr(s1, a->ndim, a->shape),
                  lumpy_shapestr(s2, b->ndim, b->shape));
    }
    bshape[d] = x == 1 ? y : x;
  }
  return nb;
}

/* ---- thin dispatchers over the real and complex LAPACK routines ---- */

static lapack_int getrf(int dt, lapack_int m, lapack_int n, char *a, lapack_int *ipiv) {
  lapack_int ld = m > 1 ? m : 1;
  if (ISCPLX(dt)) return LAPACKE_zgetrf_work(COLMAJ, m, n, (cplx *)a, ld, ipiv);
  if (dt == LUMPY_FLOAT32) return LAPACKE_sgetrf_work(COLMAJ, m, n, (float *)a, ld, ipiv);
  return LAPACKE_dgetrf_work(COLMAJ, m, n, (double *)a, ld, ipiv);
}

static lapack_int getrs(int dt, char tr, lapack_int n, lapack_int nrhs, const char *a,
                        const lapack_int *ipiv, char *b) {
  lapack_int ld = n > 1 ? n : 1;
  if (ISCPLX(dt))
    return LAPACKE_zgetrs_work(COLMAJ, tr, n, nrhs, (const cplx *)a, ld, ipiv, (cplx *)b, ld);
  if (dt == LUMPY_FLOAT32)
    return LAPACKE_sgetrs_work(COLMAJ, tr, n, nrhs, (const float *)a, ld, ipiv, (float *)b, ld);
  return LAPACKE_dgetrs_work(COLMAJ, tr, n, nrhs, (const double *)a, ld, ipiv,
                             (double *)b, ld);
}

static lapack_int potrf(int dt, char uplo, lapack_int n, char *a) {
  lapack_int ld = n > 1 ? n : 1;
  if (ISCPLX(dt)) return LAPACKE_zpotrf_work(COLMAJ, uplo, n, (cplx *)a, ld);
  if (dt == LUMPY_FLOAT32) return LAPACKE_spotrf_work(COLMAJ, uplo, n, (float *)a, ld);
  return LAPACKE_dpotrf_work(COLMAJ, uplo, n, (double *)a, ld);
}

lapack_int la_invert(lua_State *L, int dt, lapack_int n, char *m, lapack_int *ipiv) {
  lapack_int info = getrf(dt, n, n, m, ipiv), lwork = n * 64 > 1 ? n * 64 : 1;
  lapack_int ld = n > 1 ? n : 1;
  void *w;
  if (info != 0) return info;
  w = la_work(L, (size_t)lwork * ITEMSIZE(dt));
  if (ISCPLX(dt)) info = LAPACKE_zgetri_work(COLMAJ, n, (cplx *)m, ld, ipiv, (cplx *)w, lwork);
  else if (dt == LUMPY_FLOAT32)
    info = LAPACKE_sgetri_work(COLMAJ, n, (float *)m, ld, ipiv, (float *)w, lwork);
  else info = LAPACKE_dgetri_work(COLMAJ, n, (double *)m, ld, ipiv, (double *)w, lwork);
  la_drop(L, 1);
  return info;
}

/* ------------------------------------------------------------------ */
/* solve                                                               */
/* ------------------------------------------------------------------ */

static int linalg_solve(lua_State *L) {
  Array *a = la_checkmat(L, 1, "solve", 1), *b, *buf, *x, ha, hb;
  int indt, dt, vec, trans, nb, nbb, isz;
  int64_t n = a->shape[a->ndim - 1], nrhs, bn, t, nbatch = 1;
  int64_t bshape[LUMPY_MAXDIMS];
  lapack_int *ipiv, ln;
  luaL_checkany(L, 2);
  b = lumpy_asarray(L, 2);
  if (b->ndim == 0) luaL_argerror(L, 2, "b must be at least one-dimensional");
  indt = lumpy_promote(a->dtype, b->dtype);
  dt = workdtype32(indt);
  isz = ITEMSIZE(dt);
  vec = b->ndim == 1 || b->ndim == a->ndim - 1;   /* NumPy 2 and 1.x rules */
  bn = vec ? b->shape[b->ndim - 1] : b->shape[b->ndim - 2];
  nrhs = vec ? 1 : b->shape[b->ndim - 1];
  if (bn != n) {
    char s1[400], s2[400];
    lumpy_error(L, "lumpy.linalg.solve: shapes %s and %s do not match (b needs %I rows)",
                lumpy_shapestr(s1, a->ndim, a->shape), lumpy_shapestr(s2, b->ndim, b->shape),
                (lua_Integer)n);
  }
  nbb = b->ndim - (vec ? 1 : 2);
  nb = batchshape(L, a, a->ndim - 2, b, nbb, bshape, "solve");
  for (t = 0; t < nb; t++) nbatch *= bshape[t];
  ln = la_int(L, n, "solve");
  la_int(L, nrhs, "solve");
  la_checkfinite(L, b, "solve");
  bview(&ha, a, nb, bshape, 2);
  buf = la_loadfinite(L, &ha, dt, 1, &trans, "solve");   /* 3 */
  if (vec) {                                               /* b as n x 1 */
    bview(&hb, b, nb, bshape, 1);
    hb.ndim++;
    hb.shape[nb + 1] = 1;
    hb.strides[nb + 1] = 0;
  }
  else bview(&hb, b, nb, bshape, 2);
  x = la_newF(L, dt, nb, bshape, n, nrhs);                 /* 4 */
  lumpy_assign(L, x, &hb);
  ipiv = (lapack_int *)la_work(L, sizeof(lapack_int) * (size_t)(n + 1));
  for (t = 0; t < nbatch && n > 0 && nrhs > 0; t++) {
    char *m = buf->data + t * n * n * isz;
    if (getrf(dt, ln, ln, m, ipiv) > 0) lumpy_error(L, "lumpy.linalg.solve: singular matrix");
    getrs(dt, trans ? 'T' : 'N', ln, (lapack_int)nrhs, m, ipiv, x->data + t * n * nrhs * isz);
  }
  la_drop(L, 1);
  la_close(L, 3);
  if (vec) {   /* drop the unit column: the memory is C-ordered (batch, n) */
    x->ndim = nb + 1;
    lumpy_contigstrides(dt, x->ndim, x->shape, x->strides);
  }
  la_restore32(L, -1, indt);
  return 1;
}

/* ------------------------------------------------------------------ */
/* inv, det, slogdet                                                   */
/* ------------------------------------------------------------------ */

static int linalg_inv(lua_State *L) {
  Array *a = la_checkmat(L, 1, "inv", 1), *buf;
  int dt = workdtype32(a->dtype), isz = ITEMSIZE(dt);
  int64_t n = a->shape[a->ndim - 1], t, nbatch = la_nbatch(a);
  lapack_int ln = la_int(L, n, "inv"), *ipiv;
  buf = la_loadfinite(L, a, dt, 1, NULL, "inv");
  ipiv = (lapack_int *)la_work(L, sizeof(lapack_int) * (size_t)(n + 1));
  for (t = 0; t < nbatch && n > 0; t++)
    if (la_invert(L, dt, ln, buf->data + t * n * n * isz, ipiv) > 0)
      lumpy_error(L, "lumpy.linalg.inv: singular matrix");
  la_drop(L, 1);
  la_restore32(L, -1, a->dtype);
  return 1;
}

int la_luainv(lua_State *L) { return linalg_inv(L); }

/* LU of every matrix of a (pushed buffer); calls back per matrix with the
** factored block, pivots and n */
static void det_visit(int dt, int64_t n, const char *m, const lapack_int *ipiv,
                      char *out, int64_t t) {
  int64_t i;
  int neg = 0;
  for (i = 0; i < n; i++) if (ipiv[i] != i + 1) neg = !neg;
  if (ISCPLX(dt)) {
    cplx d = neg ? -1 : 1;
    for (i = 0; i < n; i++) d *= ((const cplx *)m)[i * n + i];
    ((cplx *)out)[t] = d;
  }
  else {
    double d = neg ? -1 : 1;
    for (i = 0; i < n; i++) d *= ((const double *)m)[i * n + i];
    ((double *)out)[t] = d;
  }
}

static void slogdet_one(int dt, int64_t n, const char *m, const lapack_int *ipiv,
                        char *sign, double *logdet) {
  int64_t i;
  int neg = 0;
  double ld = 0;
  for (i = 0; i < n; i++) if (ipiv[i] != i + 1) neg = !neg;
  if (ISCPLX(dt)) {
    cplx s = neg ? -1 : 1;
    for (i = 0; i < n; i++) {
      cplx d = ((const cplx *)m)[i * n + i];
      double ad = cabs(d);
      if (ad == 0) { s = 0; ld = -HUGE_VAL; break; }
      s *= d / ad;
      ld += log(ad);
    }
    *(cplx *)sign = s;
  }
  else {
    double s = neg ? -1 : 1;
    for (i = 0; i < n; i++) {
      double d = ((const double *)m)[i * n + i];
      if (d == 0) { s = 0; ld = -HUGE_VAL; break; }
      if (d < 0) s = -s;
      ld += log(fabs(d));
    }
    *(double *)sign = s;
  }
  *logdet = ld;
}

/* factors every matrix of the square stack at 1; pushes the buffer and the
** pivots block; returns the buffer */
static Array *lu_all(lua_State *L, Array *a, int dt, lapack_int **ipiv, const char *fname) {
  int64_t n = a->shape[a->ndim - 1], t, nbatch = la_nbatch(a);
  int isz = ITEMSIZE(dt);
  lapack_int ln = la_int(L, n, fname);
  Array *buf;
  buf = la_loadfinite(L, a, dt, 1, NULL, fname);
  *ipiv = (lapack_int *)la_work(L, sizeof(lapack_int) * (size_t)(n + 1) * (size_t)nbatch);
  for (t = 0; t < nbatch && n > 0; t++)
    getrf(dt, ln, ln, buf->data + t * n * n * isz, *ipiv + t * (n + 1));
  return buf;
}

static int linalg_det(lua_State *L) {
  Array *a = la_checkmat(L, 1, "det", 1), *buf, *r;
  int dt = la_workdtype(a->dtype), isz = ITEMSIZE(dt);
  int64_t n = a->shape[a->ndim - 1], t, nbatch = la_nbatch(a);
  lapack_int *ipiv;
  buf = lu_all(L, a, dt, &ipiv, "det");
  r = lumpy_newarray(L, dt, a->ndim - 2, a->shape, 0);
  for (t = 0; t < nbatch; t++)
    det_visit(dt, n, buf->data + t * n * n * isz, ipiv + t * (n + 1), r->data, t);
  la_closerange(L, lua_gettop(L) - 2, lua_gettop(L) - 1);
  if (r->ndim == 0) lumpy_pushelem(L, dt, r->data);
  else la_restore32(L, -1, a->dtype);
  return 1;
}

static int linalg_slogdet(lua_State *L) {
  Array *a = la_checkmat(L, 1, "slogdet", 1), *buf, *s, *ld;
  int dt = la_workdtype(a->dtype), isz = ITEMSIZE(dt);
  int64_t n = a->shape[a->ndim - 1], t, nbatch = la_nbatch(a);
  lapack_int *ipiv;
  buf = lu_all(L, a, dt, &ipiv, "slogdet");
  s = lumpy_newarray(L, dt, a->ndim - 2, a->shape, 0);
  ld = lumpy_newarray(L, LUMPY_FLOAT64, a->ndim - 2, a->shape, 0);
  for (t = 0; t < nbatch; t++)
    slogdet_one(dt, n, buf->data + t * n * n * isz, ipiv + t * (n + 1),
                s->data + t * isz, (double *)ld->data + t);
  la_closerange(L, lua_gettop(L) - 3, lua_gettop(L) - 2);
  if (s->ndim == 0) {
    lumpy_pushelem(L, dt, s->data);
    lumpy_pushelem(L, LUMPY_FLOAT64, ld->data);
    return 2;
  }
  la_restore32(L, -2, a->dtype);
  la_restore32(L, -1, a->dtype);
  return 2;
}

/* ------------------------------------------------------------------ */
/* cholesky                                                            */
/* ------------------------------------------------------------------ */

/* zeros the strict upper (upper set) or strict lower triangle of every
** matrix of a, whatever its strides */
static void zerotri(Array *a, int upper) {
  int nd = a->ndim, isz = ITEMSIZE(a->dtype);
  int64_t r = a->shape[nd - 2], c = a->shape[nd - 1], t, i, j, nbatch = la_nbatch(a);
  int64_t rs = a->strides[nd - 2], cs = a->strides[nd - 1];
  for (t = 0; t < nbatch; t++) {
    char *m = a->data + t * r * c * isz;
    for (i = 0; i < r; i++) {
      int64_t j0 = upper ? i + 1 : 0, j1 = upper ? c : (i < c ? i : c);
      if (j1 <= j0) continue;
      if (cs == isz) memset(m + i * rs + j0 * cs, 0, (size_t)((j1 - j0) * isz));
      else for (j = j0; j < j1; j++) memset(m + i * rs + j * cs, 0, (size_t)isz);
    }
  }
}

/* lower unless opts say {lower = false} or {upper = true} */
static int wantlower(lua_State *L, int idx, const char *fname, int def) {
  static const char *const keys[] = {"lower", "upper", NULL};
  int lower;
  la_checkopts(L, idx, fname, keys);
  lower = la_optbool(L, idx, "lower", def);
  if (lua_type(L, idx) == LUA_TTABLE) {
    lua_getfield(L, idx, "upper");
    if (!lua_isnil(L, -1)) lower = !lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  return lower;
}

static int linalg_cholesky(lua_State *L) {
  Array *a = la_checkmat(L, 1, "cholesky", 1), *buf;
  int dt = workdtype32(a->dtype), isz = ITEMSIZE(dt), trans;
  int lower = wantlower(L, 2, "cholesky", 1);
  int64_t n = a->shape[a->ndim - 1], t, nbatch = la_nbatch(a);
  lapack_int ln = la_int(L, n, "cholesky");
  char uplo;
  buf = la_loadfinite(L, a, dt, 1, &trans, "cholesky");
  /* a C-ordered copy holds M = A^T: its 'U' factor read in C order is the
  ** lower factor of A, and its 'L' factor the upper one */
  uplo = (lower != trans) ? 'L' : 'U';
  for (t = 0; t < nbatch && n > 0; t++)
    if (potrf(dt, uplo, ln, buf->data + t * n * n * isz) > 0)
      lumpy_error(L, "lumpy.linalg.cholesky: matrix is not positive definite");
  zerotri(buf, lower);
  la_restore32(L, -1, a->dtype);
  return 1;
}

/* ------------------------------------------------------------------ */
/* scipy.linalg: lu, lu_factor, lu_solve, cho_factor, cho_solve,       */
/* solve_triangular                                                    */
/* ------------------------------------------------------------------ */

static Array *check2d(lua_State *L, int idx, const char *fname, int square) {
  Array *a = la_checkmat(L, idx, fname, square);
  if (a->ndim != 2)
    luaL_argerror(L, idx, lua_pushfstring(L, "2-d array expected, got %d dimensions", a->ndim));
  return a;
}

/* the right-hand side at idx as an n x nrhs column-major buffer (pushed) */
static Array *loadrhs(lua_State *L, int idx, int64_t n, int dt, int *vec, const char *fname) {
  Array *b, h, *x;
  luaL_checkany(L, idx);
  b = lumpy_asarray(L, idx);
  if (b->ndim != 1 && b->ndim != 2)
    luaL_argerror(L, idx, "1-d or 2-d array expected");
  if (b->shape[0] != n) {
    char s1[400];
    lumpy_error(L, "lumpy.linalg.%s: shapes of a (%I x %I) and b %s are incompatible",
                fname, (lua_Integer)n, (lua_Integer)n, lumpy_shapestr(s1, b->ndim, b->shape));
  }
  *vec = b->ndim == 1;
  h = *b;
  if (*vec) { h.ndim = 2; h.shape[1] = 1; h.strides[1] = 0; }
  x = la_newF(L, dt, 0, NULL, n, h.shape[1]);
  lumpy_assign(L, x, &h);
  return x;
}

/* x (n x 1 column-major) becomes a 1-d array of n */
static void dropcol(Array *x) {
  x->ndim = 1;
  x->strides[0] = ITEMSIZE(x->dtype);
}

static int linalg_lu(lua_State *L) {
  static const char *const keys[] = {"permute_l", NULL};
  Array *a = check2d(L, 1, "lu", 0), *buf, *P, *Lo, *U;
  int dt = la_workdtype(a->dtype), isz = ITEMSIZE(dt), permute;
  int64_t m = a->shape[0], n = a->shape[1], k = m < n ? m : n, i, j, *perm;
  lapack_int *ipiv;
  la_checkopts(L, 2, "lu", keys);
  permute = la_optbool(L, 2, "permute_l", 0);
  la_checkfinite(L, a, "lu");
  lua_settop(L, 2);
  buf = la_load(L, a, dt, 0, NULL);                                       /* 3 */
  ipiv = (lapack_int *)la_work(L, sizeof(lapack_int) * (size_t)(k + 1)); /* 4 */
  perm = (int64_t *)la_work(L, sizeof(int64_t) * (size_t)(m + 1));       /* 5 */
  if (k > 0) getrf(dt, la_int(L, m, "lu"), la_int(L, n, "lu"), buf->data, ipiv);
  for (i = 0; i < m; i++) perm[i] = i;
  for (i = 0; i < k; i++) {
    int64_t p = ipiv[i] - 1, tmp = perm[i];
    perm[i] = perm[p];
    perm[p] = tmp;
  }
  /* row i of L U is row perm[i] of A */
  {
    int64_t shape[2];
    shape[0] = m; shape[1] = k;
    Lo = lumpy_newarray(L, dt, 2, shape, 1);                              /* 6 */
    shape[0] = k; shape[1] = n;
    U = lumpy_newarray(L, dt, 2, shape, 1);                               /* 7 */
    for (i = 0; i < m; i++) {
      int64_t row = permute ? perm[i] : i;
      for (j = 0; j < k && j <= i; j++) {
        char *d = Lo->data + (row * k + j) * isz;
        if (j == i) { if (ISCPLX(dt)) *(cplx *)d = 1; else *(double *)d = 1; }
        else memcpy(d, buf->data + (j * m + i) * isz, (size_t)isz);
      }
    }
    for (i = 0; i < k; i++)
      for (j = i; j < n; j++)
        memcpy(U->data + (i * n + j) * isz, buf->data + (j * m + i) * isz, (size_t)isz);
    if (!permute) {
      shape[0] = m; shape[1] = m;
      P = lumpy_newarray(L, LUMPY_FLOAT64, 2, shape, 1);                  /* 8 */
      for (i = 0; i < m; i++) ((double *)P->data)[perm[i] * m + i] = 1;
      lua_insert(L, 6);
    }
  }
  la_restore32(L, -1, a->dtype);
  la_restore32(L, -2, a->dtype);
  if (!permute) { la_restore32(L, -3, a->dtype); return 3; }
  return 2;
}

static int linalg_lu_factor(lua_State *L) {
  Array *a = check2d(L, 1, "lu_factor", 0), *buf, *piv;
  int dt = la_workdtype(a->dtype);
  int64_t m = a->shape[0], n = a->shape[1], k = m < n ? m : n, i;
  lapack_int *ipiv;
  la_checkfinite(L, a, "lu_factor");
  buf = la_load(L, a, dt, 0, NULL);
  ipiv = (lapack_int *)la_work(L, sizeof(lapack_int) * (size_t)(k + 1));
  if (k > 0) getrf(dt, la_int(L, m, "lu_factor"), la_int(L, n, "lu_factor"), buf->data, ipiv);
  piv = lumpy_newarray(L, LUMPY_INT64, 1, &k, 0);
  for (i = 0; i < k; i++) ((int64_t *)piv->data)[i] = ipiv[i];
  lua_remove(L, -2);
  la_restore32(L, -2, a->dtype);
  return 2;
}

/* trans option: 0/'N', 1/'T', 2/'C' */
static char opttrans(lua_State *L, int idx) {
  char tr = 'N';
  if (lua_type(L, idx) != LUA_TTABLE) return tr;
  lua_getfield(L, idx, "trans");
  if (lua_isinteger(L, -1)) {
    lua_Integer v = lua_tointeger(L, -1);
    if (v < 0 || v > 2) luaL_argerror(L, idx, "option 'trans' must be 0, 1, 2, 'N', 'T' or 'C'");
    tr = "NTC"[v];
  }
  else if (lua_type(L, -1) == LUA_TSTRING) {
    const char *s = lua_tostring(L, -1);
    if (strlen(s) != 1 || !strchr("NTC", s[0]))
      luaL_argerror(L, idx, "option 'trans' must be 0, 1, 2, 'N', 'T' or 'C'");
    tr = s[0];
  }
  else if (!lua_isnil(L, -1))
    luaL_argerror(L, idx, "option 'trans' must be 0, 1, 2, 'N', 'T' or 'C'");
  lua_pop(L, 1);
  return tr;
}

/* lu_solve({lu, piv}, b [, opts]) or lu_solve(lu, piv, b [, opts]) */
static int linalg_lu_solve(lua_State *L) {
  static const char *const keys[] = {"trans", "check_finite", NULL};
  Array *lu, *piv, *buf, *x;
  int dt, vec, bidx, oidx;
  int64_t n, i;
  lapack_int *ipiv;
  char tr;
  if (lua_type(L, 1) == LUA_TTABLE) {
    lua_settop(L, 3);
    lua_rawgeti(L, 1, 1);
    lua_rawgeti(L, 1, 2);
    lua_replace(L, 1);     /* 1: piv, 4: lu */
    lua_insert(L, 1);      /* 1: lu, 2: piv, 3: b, 4: opts */
  }
  bidx = 3; oidx = 4;
  lu = check2d(L, 1, "lu_solve", 1);
  luaL_checkany(L, 2);
  piv = lumpy_asarray(L, 2);
  la_checkopts(L, oidx, "lu_solve", keys);
  tr = opttrans(L, oidx);
  n = lu->shape[0];
  if (piv->ndim != 1 || piv->shape[0] != n || !ISINT(piv->dtype))
    luaL_argerror(L, 2, lua_pushfstring(L, "pivots must be %I integers", (lua_Integer)n));
  dt = la_workdtype(lumpy_promote(lu->dtype, lumpy_asarray(L, bidx)->dtype));
  la_checkfinite(L, lu, "lu_solve");
  la_checkfinite(L, lumpy_toarray(L, bidx), "lu_solve");
  ipiv = (lapack_int *)la_work(L, sizeof(lapack_int) * (size_t)(n + 1));
  {
    Array *p64 = lumpy_toarrayx(L, 2, LUMPY_INT64);
    for (i = 0; i < n; i++) {
      int64_t v = ((int64_t *)p64->data)[i];
      if (v < 1 || v > n)
        luaL_argerror(L, 2, lua_pushfstring(L, "pivot %I is out of range 1..%I",
                      (lua_Integer)v, (lua_Integer)n));
      ipiv[i] = (lapack_int)v;
    }
    lua_pop(L, 1);
  }
  buf = la_load(L, lu, dt, 0, NULL);
  x = loadrhs(L, bidx, n, dt, &vec, "lu_solve");
  if (n > 0 && x->shape[1] > 0)
    getrs(dt, tr, la_int(L, n, "lu_solve"), la_int(L, x->shape[1], "lu_solve"),
          buf->data, ipiv, x->data);
  if (vec) dropcol(x);
  la_restore32(L, -1, lumpy_promote(lu->dtype, lumpy_toarray(L, bidx)->dtype));
  return 1;
}

static int linalg_cho_factor(lua_State *L) {
  Array *a = check2d(L, 1, "cho_factor", 1), *buf;
  int lower = wantlower(L, 2, "cho_factor", 0), dt = la_workdtype(a->dtype);
  int64_t n = a->shape[0];
  la_checkfinite(L, a, "cho_factor");
  buf = la_load(L, a, dt, 0, NULL);
  if (n > 0 && potrf(dt, lower ? 'L' : 'U', la_int(L, n, "cho_factor"), buf->data) > 0)
    lumpy_error(L, "lumpy.linalg.cho_factor: matrix is not positive definite");
  la_restore32(L, -1, a->dtype);
  lua_pushboolean(L, lower);
  return 2;
}

/* cho_solve({c, lower}, b) or cho_solve(c, lower, b) */
static int linalg_cho_solve(lua_State *L) {
  Array *c, *buf, *x;
  int lower, dt, vec;
  int64_t n;
  if (lua_type(L, 1) == LUA_TTABLE) {
    lua_settop(L, 2);
    lua_rawgeti(L, 1, 1);
    lua_rawgeti(L, 1, 2);
    lua_replace(L, 1);
    lua_insert(L, 1);
  }
  c = check2d(L, 1, "cho_solve", 1);
  lower = lua_toboolean(L, 2);
  n = c->shape[0];
  dt = la_workdtype(lumpy_promote(c->dtype, (luaL_checkany(L, 3), lumpy_asarray(L, 3))->dtype));
  la_checkfinite(L, c, "cho_solve");
  la_checkfinite(L, lumpy_toarray(L, 3), "cho_solve");
  buf = la_load(L, c, dt, 0, NULL);
  x = loadrhs(L, 3, n, dt, &vec, "cho_solve");
  if (n > 0 && x->shape[1] > 0) {
    lapack_int ln = la_int(L, n, "cho_solve"), nr = la_int(L, x->shape[1], "cho_solve");
    char u = lower ? 'L' : 'U';
    if (ISCPLX(dt))
      LAPACKE_zpotrs_work(COLMAJ, u, ln, nr, (cplx *)buf->data, ln, (cplx *)x->data, ln);
    else LAPACKE_dpotrs_work(COLMAJ, u, ln, nr, (double *)buf->data, ln,
                             (double *)x->data, ln);
  }
  if (vec) dropcol(x);
  la_restore32(L, -1, lumpy_promote(c->dtype, lumpy_toarray(L, 3)->dtype));
  return 1;
}

static int linalg_solve_triangular(lua_State *L) {
  static const char *const keys[] = {"lower", "trans", "unit_diagonal", "check_finite", NULL};
  Array *a = check2d(L, 1, "solve_triangular", 1), *buf, *x;
  int lower, unit, dt, vec, indt;
  int64_t n = a->shape[0];
  char tr;
  luaL_checkany(L, 2);
  indt = lumpy_promote(a->dtype, lumpy_asarray(L, 2)->dtype);
  la_checkopts(L, 3, "solve_triangular", keys);
  lower = la_optbool(L, 3, "lower", 0);
  unit = la_optbool(L, 3, "unit_diagonal", 0);
  tr = opttrans(L, 3);
  dt = la_workdtype(indt);
  la_checkfinite(L, a, "solve_triangular");
  la_checkfinite(L, lumpy_toarray(L, 2), "solve_triangular");
  buf = la_load(L, a, dt, 0, NULL);
  x = loadrhs(L, 2, n, dt, &vec, "solve_triangular");
  if (n > 0 && x->shape[1] > 0) {
    lapack_int ln = la_int(L, n, "solve_triangular"), info;
    lapack_int nr = la_int(L, x->shape[1], "solve_triangular");
    char u = lower ? 'L' : 'U', d = unit ? 'U' : 'N';
    if (ISCPLX(dt))
      info = LAPACKE_ztrtrs_work(COLMAJ, u, tr, d, ln, nr, (cplx *)buf->data, ln,
                                 (cplx *)x->data, ln);
    else info = LAPACKE_dtrtrs_work(COLMAJ, u, tr, d, ln, nr, (double *)buf->data, ln,
                                    (double *)x->data, ln);
    if (info > 0)
      lumpy_error(L, "lumpy.linalg.solve_triangular: singular matrix: resolution failed "
                  "at diagonal %d", (int)info);
  }
  if (vec) dropcol(x);
  la_restore32(L, -1, indt);
  return 1;
}

void lumpy_open_linalg(lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"solve", linalg_solve}, {"inv", linalg_inv}, {"det", linalg_det},
    {"slogdet", linalg_slogdet}, {"cholesky", linalg_cholesky}, {"lu", linalg_lu},
    {"lu_factor", linalg_lu_factor}, {"lu_solve", linalg_lu_solve},
    {"cho_factor", linalg_cho_factor}, {"cho_solve", linalg_cho_solve},
    {"solve_triangular", linalg_solve_triangular}, {NULL, NULL}
  };
  lumpy_open_matmul(L);
  lua_newtable(L);
  luaL_setfuncs(L, funcs, 0);
  lua_setfield(L, LUMPY_MODULE, "_linalg");
  lumpy_open_linalg_eig(L);
  lumpy_open_linalg_misc(L);
}
