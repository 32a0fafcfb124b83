/*
** linalg_misc.c: lumpy.linalg's norms and matrix functions: norm
** matrix_power trace kron outer expm.
**
** expm is the scaling and squaring method with Pade approximants of
** N. J. Higham, "The scaling and squaring method for the matrix exponential
** revisited", SIAM J. Matrix Anal. Appl. 26(4), 2005, Algorithm 2.3 (the
** degrees m = 3, 5, 7, 9, 13 and their theta_m bounds from its Table 2.3).
*/
#include <math.h>
#include <float.h>
#include <cblas.h>
#include "linalg.h"

/* ------------------------------------------------------------------ */
/* norms                                                               */
/* ------------------------------------------------------------------ */

enum { N_FRO, N_NUC, N_ONE, N_NONE, N_TWO, N_NTWO, N_INF, N_NINF, N_P, N_ZERO };

/* the matrix norm kind of the ord at idx */
static int matord(lua_State *L, int idx) {
  if (lua_isnoneornil(L, idx)) return N_FRO;
  if (lua_type(L, idx) == LUA_TSTRING) {
    const char *s = lua_tostring(L, idx);
    if (strcmp(s, "fro") == 0) return N_FRO;
    if (strcmp(s, "nuc") == 0) return N_NUC;
  }
  else if (lua_type(L, idx) == LUA_TNUMBER) {
    double p = lua_tonumber(L, idx);
    if (p == 1) return N_ONE;
    if (p == -1) return N_NONE;
    if (p == 2) return N_TWO;
    if (p == -2) return N_NTWO;
    if (p == HUGE_VAL) return N_INF;
    if (p == -HUGE_VAL) return N_NINF;
  }
  return luaL_argerror(L, idx, "invalid norm order for matrices");
}

/* the matrix a (rows x cols, byte strides rs, cs) of dtype dt */
#define MATNORM(name, T, ABS) \
static double name(int kind, int64_t r, int64_t c, const char *p, int64_t rs, int64_t cs) { \
  int64_t i, j; \
  double acc = 0, best = 0; \
  if (kind == N_FRO) { \
    for (i = 0; i < r; i++) for (j = 0; j < c; j++) { \
      double v = ABS(*(const T *)(p + i * rs + j * cs)); acc += v * v; } \
    return sqrt(acc); \
  } \
  if (kind == N_ONE || kind == N_NONE) { \
    for (j = 0; j < c; j++) { \
      acc = 0; \
      for (i = 0; i < r; i++) acc += ABS(*(const T *)(p + i * rs + j * cs)); \
      if (j == 0 || (kind == N_ONE ? acc > best : acc < best)) best = acc; \
    } \
    return best; \
  } \
  for (i = 0; i < r; i++) { \
    acc = 0; \
    for (j = 0; j < c; j++) acc += ABS(*(const T *)(p + i * rs + j * cs)); \
    if (i == 0 || (kind == N_INF ? acc > best : acc < best)) best = acc; \
  } \
  return best; \
}
MATNORM(matnorm_d, double, fabs)
MATNORM(matnorm_z, cplx, cabs)

Array *la_matnorms(lua_State *L, const Array *a, int ordidx, const char *fname) {
  int kind = matord(L, ordidx), nb = a->ndim - 2;
  int64_t t, nbatch = la_nbatch(a), r = a->shape[nb], c = a->shape[nb + 1];
  Array *res, *x;
  int top = lua_gettop(L);
  if (kind == N_NUC || kind == N_TWO || kind == N_NTWO) {
    int64_t k = r < c ? r : c, i;
    Array *s = la_svals(L, a, fname);
    res = lumpy_newarray(L, LUMPY_FLOAT64, nb, a->shape, 0);
    for (t = 0; t < nbatch; t++) {
      const double *st = (const double *)s->data + t * k;
      double v = 0;
      if (kind == N_NUC) for (i = 0; i < k; i++) v += st[i];
      else if (k > 0) v = kind == N_TWO ? st[0] : st[k - 1];
      ((double *)res->data)[t] = v;
    }
    la_close(L, top + 1);
    lua_replace(L, top + 1);
    lua_settop(L, top + 1);
    return res;
  }
  x = (Array *)a;
  if (a->dtype != LUMPY_FLOAT64 && a->dtype != LUMPY_COMPLEX128) {
    x = lumpy_newarray(L, LUMPY_FLOAT64, a->ndim, a->shape, 0);
    lumpy_assign(L, x, a);
  }
  res = lumpy_newarray(L, LUMPY_FLOAT64, nb, a->shape, 0);
  if ((kind == N_ONE || kind == N_NONE) ? c == 0 : (kind != N_FRO && r == 0)) {
    if (nbatch > 0) lumpy_error(L, "lumpy.linalg.%s: norm of an empty matrix with this order "
                                "is undefined", fname);
  }
  for (t = 0; t < nbatch; t++) {
    int64_t off = 0, q = t, d;
    for (d = nb - 1; d >= 0; d--) { off += (q % a->shape[d]) * x->strides[d]; q /= a->shape[d]; }
    ((double *)res->data)[t] = x->dtype == LUMPY_COMPLEX128
      ? matnorm_z(kind, r, c, x->data + off, x->strides[nb], x->strides[nb + 1])
      : matnorm_d(kind, r, c, x->data + off, x->strides[nb], x->strides[nb + 1]);
  }
  if (lua_gettop(L) > top + 1) { la_close(L, top + 1); lua_replace(L, top + 1); }
  return res;
}

/* vector norm of a contiguous row of |x| values */
static double vecnorm(int kind, double p, const double *x, int64_t n) {
  int64_t i;
  double acc = 0;
  switch (kind) {
    case N_FRO: for (i = 0; i < n; i++) acc += x[i] * x[i]; return sqrt(acc);
    case N_ONE: for (i = 0; i < n; i++) acc += x[i]; return acc;
    case N_ZERO: for (i = 0; i < n; i++) acc += x[i] != 0; return acc;
    case N_INF:
      acc = n > 0 ? x[0] : 0;
      for (i = 1; i < n; i++) if (x[i] > acc || isnan(x[i])) acc = x[i];
      return acc;
    case N_NINF:
      acc = n > 0 ? x[0] : 0;
      for (i = 1; i < n; i++) if (x[i] < acc || isnan(x[i])) acc = x[i];
      return acc;
    default:
      for (i = 0; i < n; i++) acc += pow(x[i], p);
      return pow(acc, 1 / p);
  }
}

/* header a with axes (ax[0..nax-1]) moved to the end, in that order */
static void moveaxes(Array *h, const Array *a, const int *ax, int nax) {
  int d, k, j = 0;
  *h = *a;
  for (d = 0; d < a->ndim; d++) {
    int skip = 0;
    for (k = 0; k < nax; k++) if (ax[k] == d) skip = 1;
    if (!skip) { h->shape[j] = a->shape[d]; h->strides[j] = a->strides[d]; j++; }
  }
  for (k = 0; k < nax; k++) { h->shape[j] = a->shape[ax[k]]; h->strides[j] = a->strides[ax[k]]; j++; }
  h->owner = h;
}

/* norm(x [, ord [, axis [, keepdims]]]) or norm(x, {ord =, axis =, keepdims =}) */
static int linalg_norm(lua_State *L) {
  static const char *const keys[] = {"ord", "axis", "keepdims", NULL};
  Array *x, h, *res;
  int ax[2], nax = 0, keep, indt, d, kind = N_FRO, all = 0;
  double p = 2;
  luaL_checkany(L, 1);
  x = lumpy_asarray(L, 1);
  indt = x->dtype;
  if (lua_type(L, 2) == LUA_TTABLE) {
    la_checkopts(L, 2, "norm", keys);
    lua_getfield(L, 2, "ord");
    lua_getfield(L, 2, "axis");
    lua_getfield(L, 2, "keepdims");
    lua_remove(L, 2);
    lua_settop(L, 4);
  }
  lua_settop(L, 4);
  keep = lua_toboolean(L, 4);
  if (lua_type(L, 3) == LUA_TNUMBER) {
    ax[0] = lumpy_checkaxis(L, (int)luaL_checkinteger(L, 3), x->ndim, 3);
    nax = 1;
  }
  else if (lua_type(L, 3) == LUA_TTABLE) {
    int k;
    nax = (int)lua_rawlen(L, 3);
    if (nax < 1 || nax > 2) luaL_argerror(L, 3, "axis must be an integer or a table of 1 or 2 integers");
    for (k = 0; k < nax; k++) {
      lua_rawgeti(L, 3, k + 1);
      if (!lua_isinteger(L, -1)) luaL_argerror(L, 3, "axis must hold integers");
      ax[k] = lumpy_checkaxis(L, (int)lua_tointeger(L, -1), x->ndim, 3);
      lua_pop(L, 1);
    }
    if (nax == 2 && ax[0] == ax[1]) luaL_argerror(L, 3, "duplicate axes given");
  }
  else if (!lua_isnil(L, 3)) luaL_typeerror(L, 3, "integer or table of axes");
  else if (lua_isnil(L, 2)) {
    /* the 2-norm of all elements */
    nax = -1;
  }
  else if (x->ndim == 1) { ax[0] = 0; nax = 1; }
  else if (x->ndim == 2) { ax[0] = 0; ax[1] = 1; nax = 2; }
  else if (lua_isnil(L, 2)) nax = -1;
  else lumpy_error(L, "lumpy.linalg.norm: improper number of dimensions to norm");
  if (nax == -1) {   /* flatten: every axis is reduced */
    all = 1;
    h = *x;
    h.owner = &h;
    h.ndim = 1;
    h.shape[0] = x->size;
    if (!lumpy_iscontiguous(x)) {
      Array *c = lumpy_newarray(L, x->dtype, x->ndim, x->shape, 0);
      lumpy_assign(L, c, x);
      lua_replace(L, 1);
      x = c;
      h.data = c->data;
    }
    h.strides[0] = ITEMSIZE(x->dtype);
    nax = 0;
  }
  else if (nax == 2) {
    moveaxes(&h, x, ax, 2);
    res = la_matnorms(L, &h, 2, "norm");
    goto done;
  }
  else moveaxes(&h, x, ax, 1);
  /* vector norms: |x| in contiguous rows */
  if (!lua_isnil(L, 2)) {
    if (lua_type(L, 2) != LUA_TNUMBER)
      luaL_argerror(L, 2, "invalid norm order for vectors");
    p = lua_tonumber(L, 2);
    kind = p == 2 ? N_FRO : p == 1 ? N_ONE : p == 0 ? N_ZERO : p == HUGE_VAL ? N_INF
         : p == -HUGE_VAL ? N_NINF : N_P;
  }
  {
    Array *rows = lumpy_newarray(L, LUMPY_FLOAT64, h.ndim, h.shape, 0);
    int64_t n = h.shape[h.ndim - 1], nrow = n > 0 ? rows->size / n : 1, i;
    if (h.dtype == LUMPY_COMPLEX128) {
      Array *z = lumpy_newarray(L, LUMPY_COMPLEX128, h.ndim, h.shape, 0);
      lumpy_assign(L, z, &h);
      for (i = 0; i < z->size; i++) ((double *)rows->data)[i] = cabs(((cplx *)z->data)[i]);
      la_drop(L, 1);
    }
    else {
      lumpy_assign(L, rows, &h);
      for (i = 0; i < rows->size; i++)
        ((double *)rows->data)[i] = fabs(((double *)rows->data)[i]);
    }
    if (n == 0 && (kind == N_INF || kind == N_NINF))
      lumpy_error(L, "lumpy.linalg.norm: zero-size array has no maximum");
    res = lumpy_newarray(L, LUMPY_FLOAT64, h.ndim - 1, h.shape, 0);
    for (i = 0; i < nrow && res->size > 0; i++)
      ((double *)res->data)[i] = vecnorm(kind, p, (double *)rows->data + i * n, n);
    la_close(L, -2);
    lua_remove(L, -2);
  }
done:
  if (keep) {
    int64_t shape[LUMPY_MAXDIMS];
    int j = 0, k;
    for (d = 0; d < x->ndim; d++) {
      int red = all;
      for (k = 0; k < nax; k++) if (ax[k] == d) red = 1;
      shape[d] = red ? 1 : res->shape[j++];
    }
    res->ndim = x->ndim;
    memcpy(res->shape, shape, sizeof(int64_t) * x->ndim);
    lumpy_contigstrides(LUMPY_FLOAT64, x->ndim, shape, res->strides);
  }
  if (res->ndim == 0) {
    lua_pushnumber(L, *(double *)res->data);
    return 1;
  }
  if (indt == LUMPY_FLOAT32) la_restore32(L, -1, indt);
  return 1;
}

/* ------------------------------------------------------------------ */
/* matrix_power                                                        */
/* ------------------------------------------------------------------ */

static int linalg_matrix_power(lua_State *L) {
  Array *a = la_checkmat(L, 1, "matrix_power", 1);
  lua_Integer n = luaL_checkinteger(L, 2);
  int have = 0;
  lua_settop(L, 1);
  if (n == 0) {
    Array *r = lumpy_newarray(L, a->dtype, a->ndim, a->shape, 1);
    int64_t m = a->shape[a->ndim - 1], t, i, nbatch = la_nbatch(a);
    lua_pushinteger(L, 1);
    for (t = 0; t < nbatch; t++)
      for (i = 0; i < m; i++)
        lumpy_setelem(L, -1, r->dtype, r->data + ((t * m + i) * m + i) * ITEMSIZE(r->dtype));
    lua_pop(L, 1);
    return 1;
  }
  if (n < 0) {
    lua_pushcfunction(L, la_luainv);
    lua_pushvalue(L, 1);
    lua_call(L, 1, 1);
    lua_replace(L, 1);
    n = -n;
  }
  /* 1: the base (squared as we go), 2: the result so far */
  lua_pushnil(L);
  for (;;) {
    if (n & 1) {
      if (!have) { lua_pushvalue(L, 1); lua_replace(L, 2); have = 1; }
      else { lumpy_matmul(L, 2, 1, "matrix_power"); lua_replace(L, 2); }
    }
    n >>= 1;
    if (n == 0) break;
    lumpy_matmul(L, 1, 1, "matrix_power");
    lua_replace(L, 1);
  }
  if (lua_rawequal(L, 2, 1) || lumpy_toarray(L, 2) == a) {
    /* a power of 1: return a copy, as NumPy does */
    lumpy_toarrayx(L, 2, -1);
  }
  return 1;
}

/* ------------------------------------------------------------------ */
/* trace                                                               */
/* ------------------------------------------------------------------ */

static int linalg_trace(lua_State *L) {
  static const char *const keys[] = {"offset", "axis1", "axis2", NULL};
  Array *a, h, *c, *r;
  lua_Integer off = 0, a1 = 1, a2 = 2;
  int ax[2], acc;
  int64_t n0, n1, nout, t, i;
  luaL_checkany(L, 1);
  a = lumpy_asarray(L, 1);
  if (lua_type(L, 2) == LUA_TTABLE) {
    la_checkopts(L, 2, "trace", keys);
    off = (lua_Integer)la_optnum(L, 2, "offset", 0);
    a1 = (lua_Integer)la_optnum(L, 2, "axis1", 1);
    a2 = (lua_Integer)la_optnum(L, 2, "axis2", 2);
  }
  else {
    off = luaL_optinteger(L, 2, 0);
    a1 = luaL_optinteger(L, 3, 1);
    a2 = luaL_optinteger(L, 4, 2);
  }
  if (a->ndim < 2) luaL_argerror(L, 1, "array must be at least 2-d");
  ax[0] = lumpy_checkaxis(L, (int)a1, a->ndim, 3);
  ax[1] = lumpy_checkaxis(L, (int)a2, a->ndim, 4);
  if (ax[0] == ax[1]) luaL_argerror(L, 4, "axis1 and axis2 cannot be the same");
  lua_settop(L, 1);
  moveaxes(&h, a, ax, 2);
  acc = a->dtype == LUMPY_COMPLEX128 ? LUMPY_COMPLEX128 : a->dtype == LUMPY_FLOAT32 ?
        LUMPY_FLOAT32 : a->dtype == LUMPY_FLOAT64 ? LUMPY_FLOAT64 : LUMPY_INT64;
  c = lumpy_newarray(L, acc, h.ndim, h.shape, 0);
  lumpy_assign(L, c, &h);
  n0 = h.shape[h.ndim - 2];
  n1 = h.shape[h.ndim - 1];
  r = lumpy_newarray(L, acc, h.ndim - 2, h.shape, 1);
  nout = r->size;
  /* sum the diagonals; integers in unsigned arithmetic so overflow wraps */
#define TRACE(TY) { \
    TY *rp = (TY *)r->data; \
    const TY *cp = (const TY *)c->data; \
    for (t = 0; t < nout; t++) \
      for (i = off >= 0 ? 0 : -off; i < n0 && i + off < n1; i++) \
        rp[t] += cp[t * n0 * n1 + i * n1 + i + off]; \
  }
  switch (acc) {
    case LUMPY_COMPLEX128: TRACE(cplx) break;
    case LUMPY_FLOAT64: TRACE(double) break;
    case LUMPY_FLOAT32: TRACE(float) break;
    default: TRACE(uint64_t) break;
  }
#undef TRACE
  if (r->ndim == 0) lumpy_pushelem(L, acc, r->data);
  return 1;
}

/* ------------------------------------------------------------------ */
/* kron, outer                                                         */
/* ------------------------------------------------------------------ */

/* out[i] = s * b[i] for n contiguous elements */
#define SCALEROW(name, T, MUL) \
static void name(const char *s, const char *b, int64_t n, char *out) { \
  T v = *(const T *)s; \
  const T *x = (const T *)b; \
  T *o = (T *)out; \
  int64_t i; \
  for (i = 0; i < n; i++) o[i] = (T)MUL(v, x[i]); \
}
#define MULN(x, y) ((x) * (y))
#define MULB(x, y) ((x) && (y))
#define MULW(x, y) ((uint64_t)(x) * (uint64_t)(y))
SCALEROW(scale_b, uint8_t, MULB)
SCALEROW(scale_u8, uint8_t, MULN)
SCALEROW(scale_i32, int32_t, MULW)
SCALEROW(scale_i64, int64_t, MULW)
SCALEROW(scale_f32, float, MULN)
SCALEROW(scale_f64, double, MULN)
SCALEROW(scale_c128, cplx, MULN)

typedef void (*ScaleRow)(const char *s, const char *b, int64_t n, char *out);
static const ScaleRow scalerows[LUMPY_NDTYPES] = {
  scale_b, scale_u8, scale_i32, scale_i64, scale_f32, scale_f64, scale_c128
};

static int linalg_outer(lua_State *L) {
  Array *a, *b, *o;
  int dt, isz;
  int64_t shape[2], i;
  luaL_checkany(L, 1);
  luaL_checkany(L, 2);
  lua_settop(L, 2);
  a = lumpy_asarray(L, 1);
  b = lumpy_asarray(L, 2);
  dt = lumpy_promote(a->dtype, b->dtype);
  isz = ITEMSIZE(dt);
  shape[0] = a->size;
  shape[1] = b->size;
  a = lumpy_ascontig(L, 1, dt); lua_replace(L, 1);
  b = lumpy_ascontig(L, 2, dt); lua_replace(L, 2);
  o = lumpy_newarray(L, dt, 2, shape, 0);
  for (i = 0; i < shape[0]; i++)
    scalerows[dt](a->data + i * isz, b->data, shape[1], o->data + i * shape[1] * isz);
  return 1;
}

static int linalg_kron(lua_State *L) {
  Array *a, *b, *o;
  int dt, isz, nd, d;
  int64_t sa[LUMPY_MAXDIMS], sb[LUMPY_MAXDIMS], so[LUMPY_MAXDIMS], ost[LUMPY_MAXDIMS];
  int64_t ia[LUMPY_MAXDIMS], ib[LUMPY_MAXDIMS], ta, tb, brow;
  luaL_checkany(L, 1);
  luaL_checkany(L, 2);
  lua_settop(L, 2);
  a = lumpy_asarray(L, 1);
  b = lumpy_asarray(L, 2);
  dt = lumpy_promote(a->dtype, b->dtype);
  isz = ITEMSIZE(dt);
  nd = a->ndim > b->ndim ? a->ndim : b->ndim;
  for (d = 0; d < nd; d++) {
    int da = d - (nd - a->ndim), db = d - (nd - b->ndim);
    sa[d] = da >= 0 ? a->shape[da] : 1;
    sb[d] = db >= 0 ? b->shape[db] : 1;
    so[d] = sa[d] * sb[d];
    ia[d] = ib[d] = 0;
  }
  a = lumpy_ascontig(L, 1, dt); lua_replace(L, 1);
  b = lumpy_ascontig(L, 2, dt); lua_replace(L, 2);
  o = lumpy_newarray(L, dt, nd, so, 0);
  if (o->size == 0) return 1;
  if (nd == 0) { scalerows[dt](a->data, b->data, 1, o->data); return 1; }
  memcpy(ost, o->strides, sizeof(int64_t) * nd);
  brow = sb[nd - 1];
  for (ta = 0; ta < a->size; ta++) {
    for (d = 0; d < nd; d++) ib[d] = 0;
    for (tb = 0; tb < b->size; tb += brow) {
      int64_t off = 0;
      for (d = 0; d < nd; d++) off += (ia[d] * sb[d] + ib[d]) * ost[d];
      scalerows[dt](a->data + ta * isz, b->data + tb * isz, brow, o->data + off);
      for (d = nd - 2; d >= 0; d--) { if (++ib[d] < sb[d]) break; ib[d] = 0; }
    }
    for (d = nd - 1; d >= 0; d--) { if (++ia[d] < sa[d]) break; ia[d] = 0; }
  }
  return 1;
}

/* ------------------------------------------------------------------ */
/* expm                                                                */
/* ------------------------------------------------------------------ */

static const double theta[] = {1.495585217958292e-2, 2.539398330063230e-1,
                               9.504178996162932e-1, 2.097847961257068e0,
                               5.371920351148152e0};
static const double pade3[] = {120, 60, 12, 1};
static const double pade5[] = {30240, 15120, 3360, 420, 30, 1};
static const double pade7[] = {17297280, 8648640, 1995840, 277200, 25200, 1512, 56, 1};
static const double pade9[] = {17643225600.0, 8821612800.0, 2075673600, 302702400, 30270240,
                               2162160, 110880, 3960, 90, 1};
static const double pade13[] = {64764752532480000.0, 32382376266240000.0,
                                7771770303897600.0, 1187353796428800.0, 129060195264000.0,
                                10559470521600.0, 670442572800.0, 33522128640.0,
                                1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0};

/* one instantiation per element type: X = exp(A) for one column-major n x n
** matrix; w holds 8 n x n blocks; ipiv n pivots. Returns 0 or LAPACK info. */
#define EXPM(name, T, GEMM, GETRF, GETRS, ABS) \
static void name##_mul(lapack_int n, const T *A, const T *B, T *C) { \
  GEMM; \
} \
static lapack_int name(lapack_int n, T *A, T *w, lapack_int *ipiv) { \
  int64_t nn = (int64_t)n * n, i, j, s = 0; \
  T *A2 = w, *A4 = w + nn, *A6 = w + 2 * nn, *A8 = w + 3 * nn; \
  T *Ut = w + 4 * nn, *U = w + 5 * nn, *V = w + 6 * nn, *Tm = w + 7 * nn; \
  const double *b = NULL; \
  double n1 = 0; \
  int m = 13, k; \
  lapack_int info; \
  for (j = 0; j < n; j++) { \
    double c = 0; \
    for (i = 0; i < n; i++) c += ABS(A[j * n + i]); \
    if (c > n1) n1 = c; \
  } \
  for (k = 0; k < 4; k++) if (n1 <= theta[k]) { m = 3 + 2 * k; break; } \
  if (m == 13 && n1 > theta[4]) { \
    s = (int64_t)ceil(log2(n1 / theta[4])); \
    if (s < 0) s = 0; \
    for (i = 0; i < nn; i++) A[i] = (T)(A[i] * ldexp(1.0, -(int)s)); \
  } \
  name##_mul(n, A, A, A2); \
  if (m >= 5) name##_mul(n, A2, A2, A4); \
  if (m >= 7) name##_mul(n, A2, A4, A6); \
  if (m == 9) name##_mul(n, A4, A4, A8); \
  if (m < 13) { \
    const T *P[5]; \
    int h = (m - 1) / 2; \
    b = m == 3 ? pade3 : m == 5 ? pade5 : m == 7 ? pade7 : pade9; \
    P[1] = A2; P[2] = A4; P[3] = A6; P[4] = A8; \
    for (i = 0; i < nn; i++) { \
      T u = 0, v = 0; \
      for (k = 1; k <= h; k++) { u += b[2 * k + 1] * P[k][i]; v += b[2 * k] * P[k][i]; } \
      Ut[i] = u; V[i] = v; \
    } \
    for (i = 0; i < n; i++) { Ut[i * n + i] += b[1]; V[i * n + i] += b[0]; } \
  } \
  else { \
    b = pade13; \
    for (i = 0; i < nn; i++) { \
      Tm[i] = b[13] * A6[i] + b[11] * A4[i] + b[9] * A2[i]; \
      U[i] = b[12] * A6[i] + b[10] * A4[i] + b[8] * A2[i]; \
    } \
    name##_mul(n, A6, Tm, Ut); \
    name##_mul(n, A6, U, V); \
    for (i = 0; i < nn; i++) { \
      Ut[i] += b[7] * A6[i] + b[5] * A4[i] + b[3] * A2[i]; \
      V[i] += b[6] * A6[i] + b[4] * A4[i] + b[2] * A2[i]; \
    } \
    for (i = 0; i < n; i++) { Ut[i * n + i] += b[1]; V[i * n + i] += b[0]; } \
  } \
  name##_mul(n, A, Ut, U); \
  /* (V - U) X = (V + U) */ \
  for (i = 0; i < nn; i++) { T u = U[i], v = V[i]; Tm[i] = v - u; V[i] = v + u; } \
  info = GETRF; \
  if (info != 0) return info; \
  GETRS; \
  for (k = 0; k < s; k++) { \
    name##_mul(n, V, V, Tm); \
    memcpy(V, Tm, sizeof(T) * (size_t)nn); \
  } \
  memcpy(A, V, sizeof(T) * (size_t)nn); \
  return 0; \
}

EXPM(expm_d, double,
     cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, A, n, B, n, 0.0, C, n),
     LAPACKE_dgetrf_work(COLMAJ, n, n, Tm, n, ipiv),
     LAPACKE_dgetrs_work(COLMAJ, 'N', n, n, Tm, n, ipiv, V, n), fabs)

static const double zone[2] = {1, 0}, zzero[2] = {0, 0};
EXPM(expm_z, cplx,
     cblas_zgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, n, n, n, zone, A, n, B, n, zzero,
                 C, n),
     LAPACKE_zgetrf_work(COLMAJ, n, n, Tm, n, ipiv),
     LAPACKE_zgetrs_work(COLMAJ, 'N', n, n, Tm, n, ipiv, V, n), cabs)

static int linalg_expm(lua_State *L) {
  Array *a = la_checkmat(L, 1, "expm", 1), *buf;
  int dt = la_workdtype(a->dtype), isz = ITEMSIZE(dt);
  int64_t n = a->shape[a->ndim - 1], t, nbatch = la_nbatch(a);
  lapack_int ln = la_int(L, n, "expm"), *ipiv;
  char *w;
  la_checkfinite(L, a, "expm");
  lua_settop(L, 1);
  buf = la_load(L, a, dt, 0, NULL);
  if (n > 0) {
    w = (char *)la_work(L, (size_t)(8 * n * n) * isz);
    ipiv = (lapack_int *)la_work(L, sizeof(lapack_int) * (size_t)n);
    for (t = 0; t < nbatch; t++) {
      char *m = buf->data + t * n * n * isz;
      lapack_int info = ISCPLX(dt) ? expm_z(ln, (cplx *)m, (cplx *)w, ipiv)
                                   : expm_d(ln, (double *)m, (double *)w, ipiv);
      if (info != 0) lumpy_error(L, "lumpy.linalg.expm: the Pade denominator is singular");
    }
    la_closerange(L, 3, lua_gettop(L));
    lua_settop(L, 2);
  }
  la_restore32(L, 2, a->dtype);
  return 1;
}

void lumpy_open_linalg_misc(lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"norm", linalg_norm}, {"matrix_power", linalg_matrix_power}, {"trace", linalg_trace},
    {"kron", linalg_kron}, {"outer", linalg_outer}, {"expm", linalg_expm}, {NULL, NULL}
  };
  lua_getfield(L, LUMPY_MODULE, "_linalg");
  luaL_setfuncs(L, funcs, 0);
  lua_pop(L, 1);
}
