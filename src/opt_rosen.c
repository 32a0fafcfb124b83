/*
** opt_rosen.c: SciPy's Rosenbrock helpers rosen, rosen_der, rosen_hess and
** rosen_hess_prod (scipy/optimize/_optimize.py), in C so that an objective
** built from them costs a fraction of a microsecond per call.
**
** H. H. Rosenbrock, "An automatic method for finding the greatest or least
** value of a function", The Computer Journal 3(3), 1960; the n-d form
** f(x) = sum_{i<n} 100 (x[i+1] - x[i]^2)^2 + (1 - x[i])^2.
**
** Every expression is evaluated in SciPy's order, and rosen's 1-d sum is
** NumPy's pairwise summation, so the values agree with SciPy's to the last
** bit and optimizers fed with them take SciPy's path. The first axis is the
** vector axis; rosen and rosen_der also take n-d x (columns are separate
** points), rosen_hess and rosen_hess_prod a vector, as SciPy. Inputs may be
** arrays of any layout and real dtype, or Lua tables; the work is float64.
*/
#include "optimize.h"

/* ---- kernels: plain pointers and byte strides ---- */

#define X(i) (*(const double *)(x + (i) * s))

static double term(double a, double b) {
  double d = b - a * a, e = 1 - a;
  return 100.0 * (d * d) + e * e;
}

/* NumPy's pairwise sum (pairwise_sum_DOUBLE) of the n terms from i0 of the
** 1-d x with byte stride s: blocks of 8 accumulators up to 128 terms, halved
** above. One body for a contiguous x (XI(i) = xc[i]) and one for any step */
#define PWSUM_BODY(XI, LEFT, RIGHT)                                           \
  int64_t i;                                                                  \
  if (n < 8) {                                                                \
    double res = 0.;                                                          \
    for (i = 0; i < n; i++) res += term(XI(i0 + i), XI(i0 + i + 1));         \
    return res;                                                               \
  }                                                                           \
  if (n <= 128) {                                                             \
    double r[8], res;                                                         \
    int j;                                                                    \
    for (j = 0; j < 8; j++) r[j] = term(XI(i0 + j), XI(i0 + j + 1));         \
    for (i = 8; i < n - (n % 8); i += 8)                                      \
      for (j = 0; j < 8; j++) r[j] += term(XI(i0 + i + j), XI(i0 + i + j + 1)); \
    res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));  \
    for (; i < n; i++) res += term(XI(i0 + i), XI(i0 + i + 1));              \
    return res;                                                               \
  }                                                                           \
  {                                                                           \
    int64_t n2 = n / 2;                                                       \
    n2 -= n2 % 8;                                                             \
    return LEFT + RIGHT;                                                      \
  }

#define XC(i) xc[i]
static double pwsum_c(const double *xc, int64_t i0, int64_t n) {
  PWSUM_BODY(XC, pwsum_c(xc, i0, n2), pwsum_c(xc, i0 + n2, n - n2))
}
#undef XC

static double pwsum(const char *x, int64_t s, int64_t i0, int64_t n) {
  PWSUM_BODY(X, pwsum(x, s, i0, n2), pwsum(x, s, i0 + n2, n - n2))
}

/* rosen of the 1-d x of n values */
static double rosen1(const char *x, int64_t n, int64_t s) {
  if (n < 2) return 0.0;
  if (s == (int64_t)sizeof(double)) return 0.0 + pwsum_c((const double *)x, 0, n - 1);
  return 0.0 + pwsum(x, s, 0, n - 1);
}

/* the gradient of the 1-d x (n >= 2) into g (contiguous): one body for a
** contiguous x (which the compiler vectorises) and one for any step */
#define DER_BODY(XI)                                                          \
  g[0] = -400 * XI(0) * (XI(1) - XI(0) * XI(0)) - 2 * (1 - XI(0));           \
  for (i = 1; i < n - 1; i++)                                                 \
    g[i] = 200 * (XI(i) - XI(i - 1) * XI(i - 1))                              \
           - 400 * (XI(i + 1) - XI(i) * XI(i)) * XI(i) - 2 * (1 - XI(i));    \
  g[n - 1] = 200 * (XI(n - 1) - XI(n - 2) * XI(n - 2));

static void rosender1(const char *x, int64_t n, int64_t s, double *g) {
  int64_t i;
  if (s == (int64_t)sizeof(double)) {
    const double *xc = (const double *)x;
#define XC(i) xc[i]
    DER_BODY(XC)
#undef XC
  }
  else {
    DER_BODY(X)
  }
}

/* row loops for n-d x: the operands are rows of x, the output row last */
#define AT(k, j) (*(const double *)(a[k] + (j) * st[k]))
static void loop_rosen(char **a, int64_t n, const int64_t *st, void *ctx) {
  int64_t j;
  (void)ctx;
  for (j = 0; j < n; j++) *(double *)(a[2] + j * st[2]) += term(AT(0, j), AT(1, j));
}

static void loop_der0(char **a, int64_t n, const int64_t *st, void *ctx) {
  int64_t j;
  (void)ctx;
  for (j = 0; j < n; j++) {
    double u = AT(0, j), v = AT(1, j);
    *(double *)(a[2] + j * st[2]) = -400 * u * (v - u * u) - 2 * (1 - u);
  }
}

static void loop_der(char **a, int64_t n, const int64_t *st, void *ctx) {
  int64_t j;
  (void)ctx;
  for (j = 0; j < n; j++) {
    double xm1 = AT(0, j), xm = AT(1, j), xp1 = AT(2, j);
    *(double *)(a[3] + j * st[3]) = 200 * (xm - xm1 * xm1) - 400 * (xp1 - xm * xm) * xm
                                    - 2 * (1 - xm);
  }
}

static void loop_dern(char **a, int64_t n, const int64_t *st, void *ctx) {
  int64_t j;
  (void)ctx;
  for (j = 0; j < n; j++) {
    double u = AT(0, j), v = AT(1, j);
    *(double *)(a[2] + j * st[2]) = 200 * (v - u * u);
  }
}
#undef AT

/* ---- Lua bindings ---- */

/* the argument at idx as an open real array of float64 (tables and numbers
** converted), left in place of idx; at least 1-d (and 1-d when vec) */
static Array *checkx(lua_State *L, int idx, int vec, int64_t minlen) {
  char buf[400];
  Array *a;
  if (lua_isnoneornil(L, idx)) luaL_argerror(L, idx, "array expected, got no value");
  if (!lumpy_isarray(L, idx) && lua_type(L, idx) != LUA_TTABLE
      && lua_type(L, idx) != LUA_TNUMBER)
    luaL_argerror(L, idx, lua_pushfstring(L, "array expected, got %s",
                                          luaL_typename(L, idx)));
  a = lumpy_asarray(L, idx);
  if (a->dtype == LUMPY_COMPLEX128)
    luaL_argerror(L, idx, "real array expected, got complex128");
  if (a->ndim == 0 || (vec && a->ndim != 1) || a->shape[0] < minlen) {
    const char *sh = lumpy_shapestr(buf, a->ndim, a->shape);
    if (vec && minlen > 0)
      luaL_argerror(L, idx, lua_pushfstring(L, "1-d array of at least %d elements expected, "
                                            "got shape %s", (int)minlen, sh));
    if (vec) luaL_argerror(L, idx, lua_pushfstring(L, "1-d array expected, got shape %s", sh));
    if (a->ndim == 0)
      luaL_argerror(L, idx, lua_pushfstring(L, "array of at least 1 dimension expected, "
                                            "got shape %s", sh));
    luaL_argerror(L, idx, lua_pushfstring(L, "array with at least %d elements along its "
                                          "first axis expected, got shape %s", (int)minlen, sh));
  }
  if (a->dtype != LUMPY_FLOAT64) {
    lumpy_ascontig(L, idx, LUMPY_FLOAT64);
    lua_replace(L, idx);
    a = lumpy_checkarray(L, idx);
  }
  return a;
}

/* loop over the k rows of x from row r and row orow of out (out's first
** axis dropped when out has one dimension less than x) */
static void rows(Array *x, int64_t r, int k, Array *out, int64_t orow, lumpy_Loop loop) {
  char *data[4];
  const int64_t *strides[4];
  int j, drop = out->ndim < x->ndim;
  for (j = 0; j < k; j++) {
    data[j] = x->data + (r + j) * x->strides[0];
    strides[j] = x->strides + 1;
  }
  data[k] = out->data + (drop ? 0 : orow * out->strides[0]);
  strides[k] = out->strides + (drop ? 0 : 1);
  lumpy_iterate(k + 1, data, x->ndim - 1, x->shape + 1, strides, loop, NULL);
}

/* rosen(x) -> number (1-d x), or an array of shape x.shape[2..] */
static int optimize_rosen(lua_State *L) {
  Array *x = checkx(L, 1, 0, 0), *out;
  int64_t i;
  if (x->ndim == 1) {
    lua_pushnumber(L, rosen1(x->data, x->shape[0], x->strides[0]));
    return 1;
  }
  out = lumpy_newarray(L, LUMPY_FLOAT64, x->ndim - 1, x->shape + 1, 1);
  for (i = 0; i + 1 < x->shape[0]; i++) rows(x, i, 2, out, 0, loop_rosen);
  return 1;
}

/* rosen_der(x) -> array of x's shape */
static int optimize_rosen_der(lua_State *L) {
  Array *x = checkx(L, 1, 0, 2), *out;
  int64_t n = x->shape[0], i;
  out = lumpy_newarray(L, LUMPY_FLOAT64, x->ndim, x->shape, 0);
  if (x->ndim == 1) {
    rosender1(x->data, n, x->strides[0], (double *)out->data);
    return 1;
  }
  rows(x, 0, 2, out, 0, loop_der0);
  for (i = 1; i < n - 1; i++) rows(x, i - 1, 3, out, i, loop_der);
  rows(x, n - 2, 2, out, n - 1, loop_dern);
  return 1;
}

/* rosen_hess(x) -> n x n array */
static int optimize_rosen_hess(lua_State *L) {
  Array *x = checkx(L, 1, 1, 2), *out;
  const char *xd = x->data;
  int64_t n = x->shape[0], s = x->strides[0], shape[2], i;
  double *H;
  shape[0] = shape[1] = n;
  out = lumpy_newarray(L, LUMPY_FLOAT64, 2, shape, 1);
  H = (double *)out->data;
#undef X
#define X(i) (*(const double *)(xd + (i) * s))
  for (i = 0; i < n - 1; i++) {
    H[i * n + i + 1] = -400 * X(i) + 0.0;     /* SciPy's sums of diagonals: no -0 */
    H[(i + 1) * n + i] = 0.0 - 400 * X(i);
  }
  H[0] = 1200 * (X(0) * X(0)) - 400 * X(1) + 2;
  for (i = 1; i < n - 1; i++) H[i * n + i] = 202 + 1200 * (X(i) * X(i)) - 400 * X(i + 1);
  H[(n - 1) * n + n - 1] = 200;
  return 1;
}

/* rosen_hess_prod(x, p) -> array H(x) p */
static int optimize_rosen_hess_prod(lua_State *L) {
  Array *x = checkx(L, 1, 1, 2), *pa, *out;
  const char *xd = x->data, *pd;
  int64_t n = x->shape[0], s = x->strides[0], ps, i;
  double *hp;
  lua_settop(L, 2);
  pa = checkx(L, 2, 1, 0);
  if (pa->shape[0] != n)
    luaL_argerror(L, 2, lua_pushfstring(L, "p must have %d elements like x, got %d",
                                        (int)n, (int)pa->shape[0]));
  x = lumpy_checkarray(L, 1);
  xd = x->data;
  pd = pa->data;
  ps = pa->strides[0];
  out = lumpy_newarray(L, LUMPY_FLOAT64, 1, &n, 0);
  hp = (double *)out->data;
#define P(i) (*(const double *)(pd + (i) * ps))
  hp[0] = (1200 * (X(0) * X(0)) - 400 * X(1) + 2) * P(0) - 400 * X(0) * P(1);
  for (i = 1; i < n - 1; i++)
    hp[i] = -400 * X(i - 1) * P(i - 1) + (202 + 1200 * (X(i) * X(i)) - 400 * X(i + 1)) * P(i)
            - 400 * X(i) * P(i + 1);
  hp[n - 1] = -400 * X(n - 2) * P(n - 2) + 200 * P(n - 1);
#undef P
#undef X
  return 1;
}

static const luaL_Reg rosen_funcs[] = {
  {"rosen", optimize_rosen},
  {"rosen_der", optimize_rosen_der},
  {"rosen_hess", optimize_rosen_hess},
  {"rosen_hess_prod", optimize_rosen_hess_prod},
  {NULL, NULL}
};

void lumpy_open_opt_rosen(lua_State *L) {
  luaL_setfuncs(L, rosen_funcs, 0);
}
