/*
** reduce.c: reductions (sum prod mean var std min max argmin argmax any all
** count_nonzero nansum nanprod nanmean nanvar nanstd nanmin nanmax nanargmin
** nanargmax ptp), cumulative sums and products (and nancumsum nancumprod),
** diff (with prepend/append), and order statistics (median percentile
** quantile and their nan versions).
**
** A reduction over some axes is one pass of lumpy_iterate over the input and
** the output, the output having stride 0 along the reduced axes (NumPy's
** trick). The iterator walks the input in memory order, so an inner run
** either reduces (output step 0: the run is summed pairwise and added to one
** output element) or accumulates (output step nonzero: a row of the input is
** added into the output vector); there is never a strided walk per output
** element over a C-contiguous array.
**
** Float sums are pairwise (Higham, "The accuracy of floating point
** summation", SIAM J. Sci. Comput. 14, 1993): blocks of 128 elements summed
** with eight accumulators, block sums combined as a binary tree without
** recursion. var/std use the corrected two-pass algorithm (Chan, Golub and
** LeVeque, "Algorithms for computing the sample variance", 1983):
** (sum d^2 - (sum d)^2 / n) / (n - ddof) with d = x - mean.
*/
#include <math.h>
#include <stdlib.h>
#include "core.h"

#if defined(__GNUC__)
#define INLINE static inline __attribute__((always_inline))
#else
#define INLINE static inline
#endif

#define LV(T, q) (*(const T *)(q))

/* ------------------------------------------------------------------ */
/* pairwise sums                                                       */
/* ------------------------------------------------------------------ */

#define PWBLOCK 128

/* PAIRWISE(NAME, TA, TM, ES, LOAD) defines
**   TA NAME(const char *p, int64_t n, int64_t s, TM mu)
** the pairwise sum of LOAD(p + i*s, mu) for i < n; ES is the element size,
** for which a contiguous copy of the loop is compiled */
#define PAIRWISE(NAME, TA, TM, ES, LOAD) \
INLINE TA NAME##_blk(const char *p, int64_t n, int64_t s, TM mu) { \
  TA r0, r1, r2, r3, r4, r5, r6, r7, r; \
  int64_t i; \
  (void)mu; \
  if (n < 8) { \
    r = 0; \
    for (i = 0; i < n; i++) r += LOAD(p + i * s, mu); \
    return r; \
  } \
  r0 = LOAD(p, mu); r1 = LOAD(p + s, mu); \
  r2 = LOAD(p + 2 * s, mu); r3 = LOAD(p + 3 * s, mu); \
  r4 = LOAD(p + 4 * s, mu); r5 = LOAD(p + 5 * s, mu); \
  r6 = LOAD(p + 6 * s, mu); r7 = LOAD(p + 7 * s, mu); \
  for (i = 8; i + 8 <= n; i += 8) { \
    const char *q = p + i * s; \
    r0 += LOAD(q, mu); r1 += LOAD(q + s, mu); \
    r2 += LOAD(q + 2 * s, mu); r3 += LOAD(q + 3 * s, mu); \
    r4 += LOAD(q + 4 * s, mu); r5 += LOAD(q + 5 * s, mu); \
    r6 += LOAD(q + 6 * s, mu); r7 += LOAD(q + 7 * s, mu); \
  } \
  r = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7)); \
  for (; i < n; i++) r += LOAD(p + i * s, mu); \
  return r; \
} \
INLINE TA NAME##_run(const char *p, int64_t n, int64_t s, TM mu) { \
  TA stk[64], r = 0; \
  int lvl[64], top = 0; \
  while (n > 0) { \
    int64_t m = n < PWBLOCK ? n : PWBLOCK; \
    TA b = NAME##_blk(p, m, s, mu); \
    int l = 0; \
    p += m * s; \
    n -= m; \
    while (top > 0 && lvl[top - 1] == l) { b = stk[--top] + b; l++; } \
    stk[top] = b; \
    lvl[top++] = l; \
  } \
  while (top > 0) r = stk[--top] + r; \
  return r; \
} \
static TA NAME(const char *p, int64_t n, int64_t s, TM mu) { \
  if (s == (ES)) return NAME##_run(p, n, (ES), mu); \
  return NAME##_run(p, n, s, mu); \
}

static inline double nz(double x) { return x == x ? x : 0.0; }
static inline cplx nzc(cplx x) { return isnan(creal(x)) || isnan(cimag(x)) ? 0 : x; }
static inline double abs2(cplx z) { return creal(z) * creal(z) + cimag(z) * cimag(z); }

/* element loads: L_<input>_<accumulator>(pointer, mu) */
#define L_b_u(q, mu) ((uint64_t)LV(uint8_t, q))
#define L_u8_u(q, mu) ((uint64_t)LV(uint8_t, q))
#define L_i32_u(q, mu) ((uint64_t)(int64_t)LV(int32_t, q))
#define L_i64_u(q, mu) ((uint64_t)LV(int64_t, q))
#define L_b_d(q, mu) ((double)LV(uint8_t, q))
#define L_u8_d(q, mu) ((double)LV(uint8_t, q))
#define L_i32_d(q, mu) ((double)LV(int32_t, q))
#define L_i64_d(q, mu) ((double)LV(int64_t, q))
#define L_f32_d(q, mu) ((double)LV(float, q))
#define L_f64_d(q, mu) LV(double, q)
#define L_c_c(q, mu) LV(cplx, q)
#define L_nf32_d(q, mu) nz((double)LV(float, q))
#define L_nf64_d(q, mu) nz(LV(double, q))
#define L_nc_c(q, mu) nzc(LV(cplx, q))
/* squared deviations and deviations from mu, for var */
#define SQ(x) ((x) * (x))
#define L_b_sq(q, mu) SQ((double)LV(uint8_t, q) - (mu))
#define L_u8_sq(q, mu) SQ((double)LV(uint8_t, q) - (mu))
#define L_i32_sq(q, mu) SQ((double)LV(int32_t, q) - (mu))
#define L_i64_sq(q, mu) SQ((double)LV(int64_t, q) - (mu))
#define L_f32_sq(q, mu) SQ((double)LV(float, q) - (mu))
#define L_f64_sq(q, mu) SQ(LV(double, q) - (mu))
#define L_c_sq(q, mu) abs2(LV(cplx, q) - (mu))
#define L_b_dv(q, mu) ((double)LV(uint8_t, q) - (mu))
#define L_u8_dv(q, mu) ((double)LV(uint8_t, q) - (mu))
#define L_i32_dv(q, mu) ((double)LV(int32_t, q) - (mu))
#define L_i64_dv(q, mu) ((double)LV(int64_t, q) - (mu))
#define L_f32_dv(q, mu) ((double)LV(float, q) - (mu))
#define L_f64_dv(q, mu) (LV(double, q) - (mu))
#define L_c_dv(q, mu) (LV(cplx, q) - (mu))

/* ------------------------------------------------------------------ */
/* inner loops: args[0] the input, args[1] the output                  */
/* ------------------------------------------------------------------ */

/* out += sum(in): TI input, TA accumulator, TO output */
#define SUMLOOP(NAME, TI, TA, TO, LOAD) \
PAIRWISE(NAME##_pw, TA, TA, (int64_t)sizeof(TI), LOAD) \
static void NAME(char **args, int64_t n, const int64_t *steps, void *ctx) { \
  char *ip = args[0], *op = args[1]; \
  int64_t is = steps[0], os = steps[1], i; \
  (void)ctx; \
  if (os == 0) { \
    *(TO *)op = (TO)((TA)*(TO *)op + NAME##_pw(ip, n, is, 0)); \
    return; \
  } \
  if (is == (int64_t)sizeof(TI) && os == (int64_t)sizeof(TO)) { \
    TO *restrict o = (TO *)op; \
    const char *restrict q = ip; \
    for (i = 0; i + 4 <= n; i += 4) { \
      TA x0 = LOAD(q + i * (int64_t)sizeof(TI), 0); \
      TA x1 = LOAD(q + (i + 1) * (int64_t)sizeof(TI), 0); \
      TA x2 = LOAD(q + (i + 2) * (int64_t)sizeof(TI), 0); \
      TA x3 = LOAD(q + (i + 3) * (int64_t)sizeof(TI), 0); \
      o[i] = (TO)((TA)o[i] + x0); o[i + 1] = (TO)((TA)o[i + 1] + x1); \
      o[i + 2] = (TO)((TA)o[i + 2] + x2); o[i + 3] = (TO)((TA)o[i + 3] + x3); \
    } \
    for (; i < n; i++) o[i] = (TO)((TA)o[i] + LOAD(q + i * (int64_t)sizeof(TI), 0)); \
  } \
  else \
    for (i = 0; i < n; i++) \
      *(TO *)(op + i * os) = (TO)((TA)*(TO *)(op + i * os) + LOAD(ip + i * is, 0)); \
}

SUMLOOP(sum_b, uint8_t, uint64_t, int64_t, L_b_u)
SUMLOOP(sum_u8, uint8_t, uint64_t, int64_t, L_u8_u)
SUMLOOP(sum_i32, int32_t, uint64_t, int64_t, L_i32_u)
SUMLOOP(sum_i64, int64_t, uint64_t, int64_t, L_i64_u)
SUMLOOP(sum_f32, float, double, float, L_f32_d)
SUMLOOP(sum_f64, double, double, double, L_f64_d)
SUMLOOP(sum_c, cplx, cplx, cplx, L_c_c)
SUMLOOP(sumd_b, uint8_t, double, double, L_b_d)
SUMLOOP(sumd_u8, uint8_t, double, double, L_u8_d)
SUMLOOP(sumd_i32, int32_t, double, double, L_i32_d)
SUMLOOP(sumd_i64, int64_t, double, double, L_i64_d)
SUMLOOP(sumd_f32, float, double, double, L_f32_d)
SUMLOOP(nsum_f32, float, double, float, L_nf32_d)
SUMLOOP(nsum_f64, double, double, double, L_nf64_d)
SUMLOOP(nsumd_f32, float, double, double, L_nf32_d)
SUMLOOP(nsum_c, cplx, cplx, cplx, L_nc_c)

/* out += the sum of 8 rows rs bytes apart (rs = *ctx), added pairwise:
** the loop of a sum over an outer axis, run on blocks of 8 rows of that
** axis (see sumrun). The output vector is read and written once per 8 rows
** instead of once per row, and the result is more accurate than one running
** sum down the axis. */
#define SUM8LOOP(NAME, TI, TA, TO, LOAD) \
INLINE void NAME##_8r(const char *restrict ip, char *restrict op, int64_t n, \
                      int64_t is, int64_t os, int64_t rs) { \
  int64_t i; \
  for (i = 0; i < n; i++) { \
    const char *q = ip + i * is; \
    TO *o = (TO *)(op + i * os); \
    TA s01 = LOAD(q, 0) + LOAD(q + rs, 0); \
    TA s23 = LOAD(q + 2 * rs, 0) + LOAD(q + 3 * rs, 0); \
    TA s45 = LOAD(q + 4 * rs, 0) + LOAD(q + 5 * rs, 0); \
    TA s67 = LOAD(q + 6 * rs, 0) + LOAD(q + 7 * rs, 0); \
    *o = (TO)((TA)*o + ((s01 + s23) + (s45 + s67))); \
  } \
} \
static void NAME##_8(char **args, int64_t n, const int64_t *steps, void *ctx) { \
  int64_t is = steps[0], os = steps[1], rs = *(const int64_t *)ctx; \
  if (os == 0) {    /* the rows are reduced runs themselves */ \
    int k; \
    for (k = 0; k < 8; k++) { \
      char *a[2]; \
      a[0] = args[0] + k * rs; \
      a[1] = args[1]; \
      NAME(a, n, steps, NULL); \
    } \
  } \
  else if (is == (int64_t)sizeof(TI) && os == (int64_t)sizeof(TO)) \
    NAME##_8r(args[0], args[1], n, (int64_t)sizeof(TI), (int64_t)sizeof(TO), rs); \
  else \
    NAME##_8r(args[0], args[1], n, is, os, rs); \
}

SUM8LOOP(sum_b, uint8_t, uint64_t, int64_t, L_b_u)
SUM8LOOP(sum_u8, uint8_t, uint64_t, int64_t, L_u8_u)
SUM8LOOP(sum_i32, int32_t, uint64_t, int64_t, L_i32_u)
SUM8LOOP(sum_i64, int64_t, uint64_t, int64_t, L_i64_u)
SUM8LOOP(sum_f32, float, double, float, L_f32_d)
SUM8LOOP(sum_f64, double, double, double, L_f64_d)
SUM8LOOP(sum_c, cplx, cplx, cplx, L_c_c)
SUM8LOOP(sumd_b, uint8_t, double, double, L_b_d)
SUM8LOOP(sumd_u8, uint8_t, double, double, L_u8_d)
SUM8LOOP(sumd_i32, int32_t, double, double, L_i32_d)
SUM8LOOP(sumd_i64, int64_t, double, double, L_i64_d)
SUM8LOOP(sumd_f32, float, double, double, L_f32_d)
SUM8LOOP(nsum_f32, float, double, float, L_nf32_d)
SUM8LOOP(nsum_f64, double, double, double, L_nf64_d)
SUM8LOOP(nsumd_f32, float, double, double, L_nf32_d)
SUM8LOOP(nsum_c, cplx, cplx, cplx, L_nc_c)

/* each sum loop and its 8-row version */
static const struct { lumpy_Loop one, eight; } sum8[] = {
  {sum_b, sum_b_8}, {sum_u8, sum_u8_8}, {sum_i32, sum_i32_8},
  {sum_i64, sum_i64_8}, {sum_f32, sum_f32_8}, {sum_f64, sum_f64_8},
  {sum_c, sum_c_8}, {sumd_b, sumd_b_8}, {sumd_u8, sumd_u8_8},
  {sumd_i32, sumd_i32_8}, {sumd_i64, sumd_i64_8}, {sumd_f32, sumd_f32_8},
  {nsum_f32, nsum_f32_8}, {nsum_f64, nsum_f64_8}, {nsumd_f32, nsumd_f32_8},
  {nsum_c, nsum_c_8}
};

/* natural sum (int -> int64, float32 -> float32 ...) and sum into float64 */
static const lumpy_Loop sumloops[LUMPY_NDTYPES] = {
  sum_b, sum_u8, sum_i32, sum_i64, sum_f32, sum_f64, sum_c
};
static const lumpy_Loop sumdloops[LUMPY_NDTYPES] = {
  sumd_b, sumd_u8, sumd_i32, sumd_i64, sumd_f32, sum_f64, sum_c
};

#define CV_U(x) ((uint64_t)(int64_t)(x))
#define CV_D(x) ((double)(x))
#define CV_C(x) ((cplx)(x))

/* out *= prod(in) */
#define PRODLOOP(NAME, TI, TA, TO, CV) \
static void NAME(char **args, int64_t n, const int64_t *steps, void *ctx) { \
  char *ip = args[0], *op = args[1]; \
  int64_t is = steps[0], os = steps[1], i; \
  (void)ctx; \
  if (os == 0) { \
    TA r = 1; \
    for (i = 0; i < n; i++) r *= CV(LV(TI, ip + i * is)); \
    *(TO *)op = (TO)((TA)*(TO *)op * r); \
  } \
  else \
    for (i = 0; i < n; i++) \
      *(TO *)(op + i * os) = (TO)((TA)*(TO *)(op + i * os) * CV(LV(TI, ip + i * is))); \
}

PRODLOOP(prod_b, uint8_t, uint64_t, int64_t, CV_U)
PRODLOOP(prod_u8, uint8_t, uint64_t, int64_t, CV_U)
PRODLOOP(prod_i32, int32_t, uint64_t, int64_t, CV_U)
PRODLOOP(prod_i64, int64_t, uint64_t, int64_t, CV_U)
PRODLOOP(prod_f32, float, double, float, CV_D)
PRODLOOP(prod_f64, double, double, double, CV_D)
PRODLOOP(prod_c, cplx, cplx, cplx, CV_C)

static const lumpy_Loop prodloops[LUMPY_NDTYPES] = {
  prod_b, prod_u8, prod_i32, prod_i64, prod_f32, prod_f64, prod_c
};

/* "x replaces the best m so far": NaN wins (the first one) for max/min,
** NaN loses for nanmax/nanmin; complex compares lexicographically */
#define GT_I(x, m) ((x) > (m))
#define LT_I(x, m) ((x) < (m))
#define GT_F(x, m) ((x) > (m) || ((x) != (x) && (m) == (m)))
#define LT_F(x, m) ((x) < (m) || ((x) != (x) && (m) == (m)))
#define NGT_F(x, m) ((x) > (m) || ((m) != (m) && (x) == (x)))
#define NLT_F(x, m) ((x) < (m) || ((m) != (m) && (x) == (x)))

static inline int cisnan(cplx z) { return isnan(creal(z)) || isnan(cimag(z)); }
static inline int cgt(cplx x, cplx m) {
  if (cisnan(m)) return 0;
  if (cisnan(x)) return 1;
  return creal(x) > creal(m) || (creal(x) == creal(m) && cimag(x) > cimag(m));
}
static inline int clt(cplx x, cplx m) {
  if (cisnan(m)) return 0;
  if (cisnan(x)) return 1;
  return creal(x) < creal(m) || (creal(x) == creal(m) && cimag(x) < cimag(m));
}
static inline int ncgt(cplx x, cplx m) {
  if (cisnan(x)) return 0;
  if (cisnan(m)) return 1;
  return cgt(x, m);
}
static inline int nclt(cplx x, cplx m) {
  if (cisnan(x)) return 0;
  if (cisnan(m)) return 1;
  return clt(x, m);
}

/* contiguous runs of max/min: four accumulators compared plainly, NaNs
** tracked with a flag (the first NaN is the result), so the loop has no
** NaN branches */
#define NOFAST(T, CMP)
#define FASTRUN(T, CMP) \
  if (is == (int64_t)sizeof(T) && n >= 8) { \
    const T *x = (const T *)ip; \
    T m0 = *(T *)op, m1 = m0, m2 = m0, m3 = m0; \
    int bad = 0; \
    for (i = 0; i + 4 <= n; i += 4) { \
      m0 = x[i] CMP m0 ? x[i] : m0; \
      m1 = x[i + 1] CMP m1 ? x[i + 1] : m1; \
      m2 = x[i + 2] CMP m2 ? x[i + 2] : m2; \
      m3 = x[i + 3] CMP m3 ? x[i + 3] : m3; \
      bad |= (x[i] != x[i]) | (x[i + 1] != x[i + 1]) | \
             (x[i + 2] != x[i + 2]) | (x[i + 3] != x[i + 3]); \
    } \
    for (; i < n; i++) { m0 = x[i] CMP m0 ? x[i] : m0; bad |= x[i] != x[i]; } \
    m0 = m1 CMP m0 ? m1 : m0; \
    m2 = m3 CMP m2 ? m3 : m2; \
    m0 = m2 CMP m0 ? m2 : m0; \
    if (bad && m0 == m0) \
      for (i = 0; i < n; i++) if (x[i] != x[i]) { m0 = x[i]; break; } \
    *(T *)op = m0; \
    return; \
  }

/* out = best(out, in...) */
#define MMLOOP(NAME, T, BETTER, FAST, CMP) \
static void NAME(char **args, int64_t n, const int64_t *steps, void *ctx) { \
  char *ip = args[0], *op = args[1]; \
  int64_t is = steps[0], os = steps[1], i; \
  (void)ctx; \
  if (os == 0) { \
    T m = *(T *)op; \
    FAST(T, CMP) \
    for (i = 0; i < n; i++) { \
      T x = LV(T, ip + i * is); \
      if (BETTER(x, m)) m = x; \
    } \
    *(T *)op = m; \
  } \
  else \
    for (i = 0; i < n; i++) { \
      T x = LV(T, ip + i * is), *o = (T *)(op + i * os); \
      if (BETTER(x, *o)) *o = x; \
    } \
}

#define MMALL(P, GI, GF, GC, FF, CMP) \
  MMLOOP(P##_b, uint8_t, GI, FASTRUN, CMP) MMLOOP(P##_u8, uint8_t, GI, FASTRUN, CMP) \
  MMLOOP(P##_i32, int32_t, GI, FASTRUN, CMP) MMLOOP(P##_i64, int64_t, GI, FASTRUN, CMP) \
  MMLOOP(P##_f32, float, GF, FF, CMP) MMLOOP(P##_f64, double, GF, FF, CMP) \
  MMLOOP(P##_c, cplx, GC, NOFAST, CMP) \
  static const lumpy_Loop P##loops[LUMPY_NDTYPES] = { \
    P##_b, P##_u8, P##_i32, P##_i64, P##_f32, P##_f64, P##_c };

MMALL(max, GT_I, GT_F, cgt, FASTRUN, >)
MMALL(min, LT_I, LT_F, clt, FASTRUN, <)
MMALL(nmax, GT_I, NGT_F, ncgt, NOFAST, >)
MMALL(nmin, LT_I, NLT_F, nclt, NOFAST, <)

/* any, all (bool output) and counts (int64 output) */
#define ANYLOOP(NAME, T, ISALL) \
static void NAME(char **args, int64_t n, const int64_t *steps, void *ctx) { \
  char *ip = args[0], *op = args[1]; \
  int64_t is = steps[0], os = steps[1], i; \
  (void)ctx; \
  if (os == 0) { \
    for (i = 0; i < n; i++) \
      if ((LV(T, ip + i * is) != 0) != ISALL) { *(uint8_t *)op = !ISALL; return; } \
  } \
  else \
    for (i = 0; i < n; i++) \
      if ((LV(T, ip + i * is) != 0) != ISALL) *(uint8_t *)(op + i * os) = !ISALL; \
}

#define COUNTLOOP(NAME, T, TEST) \
static void NAME(char **args, int64_t n, const int64_t *steps, void *ctx) { \
  char *ip = args[0], *op = args[1]; \
  int64_t is = steps[0], os = steps[1], i; \
  (void)ctx; \
  if (os == 0) { \
    int64_t c = 0; \
    for (i = 0; i < n; i++) c += TEST(LV(T, ip + i * is)); \
    *(int64_t *)op += c; \
  } \
  else \
    for (i = 0; i < n; i++) *(int64_t *)(op + i * os) += TEST(LV(T, ip + i * is)); \
}
#define NONZERO(x) ((x) != 0)
#define NOTNAN(x) ((x) == (x))
#define CNOTNAN(x) (!cisnan(x))

#define BOOLALL(P, K, MAC) \
  MAC(P##_b, uint8_t, K) MAC(P##_u8, uint8_t, K) MAC(P##_i32, int32_t, K) \
  MAC(P##_i64, int64_t, K) MAC(P##_f32, float, K) MAC(P##_f64, double, K) \
  MAC(P##_c, cplx, K) \
  static const lumpy_Loop P##loops[LUMPY_NDTYPES] = { \
    P##_b, P##_u8, P##_i32, P##_i64, P##_f32, P##_f64, P##_c };

BOOLALL(any, 0, ANYLOOP)
BOOLALL(all, 1, ANYLOOP)
BOOLALL(cnz, NONZERO, COUNTLOOP)
COUNTLOOP(cnn_f32, float, NOTNAN)
COUNTLOOP(cnn_f64, double, NOTNAN)
COUNTLOOP(cnn_c, cplx, CNOTNAN)

/* var: args = in, mean (TM), sum of squared deviations (double), sum of
** deviations (TM); the mean has the output's zero strides. nanvar (NVARLOOP)
** passes each deviation through NZ, which maps NaN to 0 */
#define ABS2R(d) ((d) * (d))
#define NVARLOOP(NAME, TI, TM, LSQ, LDV, A2, NZ) \
PAIRWISE(NAME##_sq, double, TM, (int64_t)sizeof(TI), LSQ) \
PAIRWISE(NAME##_dv, TM, TM, (int64_t)sizeof(TI), LDV) \
static void NAME(char **args, int64_t n, const int64_t *steps, void *ctx) { \
  char *ip = args[0], *mp = args[1], *qp = args[2], *dp = args[3]; \
  int64_t is = steps[0], i; \
  (void)ctx; \
  if (steps[2] == 0) { \
    TM mu = *(TM *)mp; \
    *(double *)qp += NAME##_sq(ip, n, is, mu); \
    *(TM *)dp += NAME##_dv(ip, n, is, mu); \
  } \
  else \
    for (i = 0; i < n; i++) { \
      TM d = NZ((TM)LV(TI, ip + i * is) - *(TM *)(mp + i * steps[1])); \
      *(double *)(qp + i * steps[2]) += A2(d); \
      *(TM *)(dp + i * steps[3]) += d; \
    } \
}
#define NOZ(x) (x)
#define VARLOOP(NAME, TI, TM, LSQ, LDV, A2) NVARLOOP(NAME, TI, TM, LSQ, LDV, A2, NOZ)

VARLOOP(var_b, uint8_t, double, L_b_sq, L_b_dv, ABS2R)
VARLOOP(var_u8, uint8_t, double, L_u8_sq, L_u8_dv, ABS2R)
VARLOOP(var_i32, int32_t, double, L_i32_sq, L_i32_dv, ABS2R)
VARLOOP(var_i64, int64_t, double, L_i64_sq, L_i64_dv, ABS2R)
VARLOOP(var_f32, float, double, L_f32_sq, L_f32_dv, ABS2R)
VARLOOP(var_f64, double, double, L_f64_sq, L_f64_dv, ABS2R)
VARLOOP(var_c, cplx, cplx, L_c_sq, L_c_dv, abs2)

static const lumpy_Loop varloops[LUMPY_NDTYPES] = {
  var_b, var_u8, var_i32, var_i64, var_f32, var_f64, var_c
};

/* nanvar: a NaN element adds nothing */
#define L_nf32_sq(q, mu) nz(SQ((double)LV(float, q) - (mu)))
#define L_nf64_sq(q, mu) nz(SQ(LV(double, q) - (mu)))
#define L_nc_sq(q, mu) nz(abs2(LV(cplx, q) - (mu)))
#define L_nf32_dv(q, mu) nz((double)LV(float, q) - (mu))
#define L_nf64_dv(q, mu) nz(LV(double, q) - (mu))
#define L_nc_dv(q, mu) nzc(LV(cplx, q) - (mu))
NVARLOOP(nvar_f32, float, double, L_nf32_sq, L_nf32_dv, ABS2R, nz)
NVARLOOP(nvar_f64, double, double, L_nf64_sq, L_nf64_dv, ABS2R, nz)
NVARLOOP(nvar_c, cplx, cplx, L_nc_sq, L_nc_dv, abs2, nzc)

static const lumpy_Loop nvarloops[LUMPY_NDTYPES] = {
  var_b, var_u8, var_i32, var_i64, nvar_f32, nvar_f64, nvar_c
};

/* nanprod: NaN elements count as 1 */
#define CV_ND(x) ((x) == (x) ? (double)(x) : 1.0)
#define CV_NC(x) (cisnan(x) ? (cplx)1 : (x))
PRODLOOP(nprod_f32, float, double, float, CV_ND)
PRODLOOP(nprod_f64, double, double, double, CV_ND)
PRODLOOP(nprod_c, cplx, cplx, cplx, CV_NC)

/* replaces the NaNs (complex: with a NaN part) of the C-contiguous float or
** complex array o by v */
static void nanreplace(Array *o, double v) {
  int64_t i;
  if (o->dtype == LUMPY_FLOAT64) {
    double *p = (double *)o->data;
    for (i = 0; i < o->size; i++) if (p[i] != p[i]) p[i] = v;
  }
  else if (o->dtype == LUMPY_FLOAT32) {
    float *p = (float *)o->data;
    for (i = 0; i < o->size; i++) if (p[i] != p[i]) p[i] = (float)v;
  }
  else if (o->dtype == LUMPY_COMPLEX128) {
    cplx *p = (cplx *)o->data;
    for (i = 0; i < o->size; i++) if (cisnan(p[i])) p[i] = v;
  }
}

#define FLOATLIKE(dt) (ISFLOAT(dt) || (dt) == LUMPY_COMPLEX128)

/* ------------------------------------------------------------------ */
/* arguments                                                           */
/* ------------------------------------------------------------------ */

/* a Lua integer axis as an int for lumpy_checkaxis, without wrapping huge
** values into range */
static int clampaxis(lua_Integer v) {
  return v > 1000000 ? 1000000 : v < -1000000 ? -1000000 : (int)v;
}

/* a parsed reduction call */
typedef struct Red {
  const char *name;
  int ndim;
  unsigned char red[LUMPY_MAXDIMS];   /* 1 on reduced axes */
  int nred;                           /* number of reduced axes */
  int all;                            /* axis not given */
  int keepdims;
  int dtype;                          /* dtype option, -1 none */
  int outidx;                         /* out option's stack index, 0 none */
  double ddof;
  int optidx;                         /* options table, 0 none */
  int axisarg;                        /* argument number for axis errors */
  int64_t count;                      /* elements reduced into each output */
} Red;


/* is the value at idx an options table (rather than a list of axes)? */
static int isopts(lua_State *L, int idx) {
  int r;
  if (lua_type(L, idx) != LUA_TTABLE) return 0;
  r = lua_rawgeti(L, idx, 1) == LUA_TNIL;
  lua_pop(L, 1);
  return r;
}

/* marks the axis (or table of axes) at vidx in r; argn for messages */
static void readaxes(lua_State *L, Red *r, int vidx, int argn, int multi) {
  int k;
  for (k = 0; k < r->ndim; k++) r->red[k] = 0;
  r->nred = 0;
  r->all = lua_isnoneornil(L, vidx);
  if (r->all) {
    for (k = 0; k < r->ndim; k++) r->red[k] = 1;
    r->nred = r->ndim;
    return;
  }
  if (lua_type(L, vidx) == LUA_TTABLE) {
    lua_Integer i, n = (lua_Integer)lua_rawlen(L, vidx);
    if (!multi) luaL_argerror(L, argn, "axis must be an integer");
    if (!lumpy_islist(L, vidx))
      luaL_argerror(L, argn, "a table of axes must be a plain list (options go in their own table)");
    for (i = 1; i <= n; i++) {
      int isnum, ax;
      lua_Integer v;
      lua_rawgeti(L, vidx, i);
      v = lua_tointegerx(L, -1, &isnum);
      lua_pop(L, 1);
      if (!isnum) luaL_argerror(L, argn, "axis must be an integer or a table of integers");
      ax = lumpy_checkaxis(L, clampaxis(v), r->ndim, argn);
      if (r->red[ax]) luaL_argerror(L, argn, "duplicate value in 'axis'");
      r->red[ax] = 1;
      r->nred++;
    }
    return;
  }
  {
    int isnum;
    lua_Integer v = lua_tointegerx(L, vidx, &isnum);
    if (!isnum || lua_type(L, vidx) != LUA_TNUMBER)
      luaL_argerror(L, argn, multi ? "axis must be an integer or a table of integers"
                                   : "axis must be an integer");
    k = lumpy_checkaxis(L, clampaxis(v), r->ndim, argn);
    r->red[k] = 1;
    r->nred = 1;
  }
}

/* reads the arguments of f(a, axis_or_opts [, opts]) from stack index argi;
** a is at index 1 */
static void redargs(lua_State *L, Red *r, const Array *a, int argi,
                    const char *const *allowed, int multi) {
  int axidx;
  r->ndim = a->ndim;
  r->keepdims = 0;
  r->dtype = -1;
  r->outidx = 0;
  r->ddof = 0;
  r->optidx = 0;
  if (isopts(L, argi)) {
    r->optidx = argi;
    axidx = 0;
  }
  else {
    axidx = argi;
    if (!lua_isnoneornil(L, argi + 1)) {
      if (lua_type(L, argi + 1) != LUA_TTABLE) luaL_typeerror(L, argi + 1, "options table");
      r->optidx = argi + 1;
    }
  }
  if (r->optidx) {
    lumpy_checkopts(L, r->optidx, allowed);
    if (lua_getfield(L, r->optidx, "keepdims") != LUA_TNIL) r->keepdims = lua_toboolean(L, -1);
    lua_pop(L, 1);
    lua_getfield(L, r->optidx, "dtype");
    r->dtype = lumpy_optdtype(L, -1, -1);
    lua_pop(L, 1);
    if (lua_getfield(L, r->optidx, "ddof") != LUA_TNIL) {
      if (lua_type(L, -1) != LUA_TNUMBER)
        luaL_argerror(L, r->optidx, "option 'ddof' must be a number");
      r->ddof = lua_tonumber(L, -1);
    }
    lua_pop(L, 1);
    if (lua_getfield(L, r->optidx, "out") != LUA_TNIL) {
      lumpy_checkarray(L, -1);
      r->outidx = lua_gettop(L);    /* stays on the stack */
    }
    else lua_pop(L, 1);
    if (axidx != 0) {
      if (lua_getfield(L, r->optidx, "axis") != LUA_TNIL)
        luaL_argerror(L, r->optidx, "axis given twice (argument and option)");
      lua_pop(L, 1);
    }
    else {
      lua_getfield(L, r->optidx, "axis");
      axidx = lua_gettop(L);
      r->axisarg = r->optidx;
      readaxes(L, r, axidx, r->optidx, multi);
      lua_pop(L, 1);   /* out (if any) stays below */
      return;
    }
  }
  r->axisarg = axidx;
  readaxes(L, r, axidx, axidx, multi);
}

/* ------------------------------------------------------------------ */
/* the reduction driver                                                */
/* ------------------------------------------------------------------ */

/* a header describing part of an array (not a Lua object) */
static void header(Array *h, int dtype, char *data, int ndim, const int64_t *shape,
                   const int64_t *strides) {
  int k;
  memset(h, 0, sizeof *h);
  h->dtype = dtype;
  h->data = data;
  h->ndim = ndim;
  h->size = 1;
  for (k = 0; k < ndim; k++) {
    h->shape[k] = shape[k];
    h->strides[k] = strides ? strides[k] : 0;
    h->size *= shape[k];
  }
  if (!strides) lumpy_contigstrides(dtype, ndim, shape, h->strides);
  h->owner = h;
}

/* pushes a zeroed output array of dtype for the reduction r of a; fills
** ostr with its strides over a's shape (0 on reduced axes) */
static Array *redout(lua_State *L, const Array *a, Red *r, int dtype, int64_t *ostr) {
  int64_t shape[LUMPY_MAXDIMS];
  Array *o;
  int k, n = 0;
  r->count = 1;
  for (k = 0; k < a->ndim; k++) {
    if (!r->red[k]) shape[n++] = a->shape[k];
    else {
      r->count *= a->shape[k];
      if (r->keepdims) shape[n++] = 1;
    }
  }
  o = lumpy_newarray(L, dtype, n, shape, 1);
  for (k = 0, n = 0; k < a->ndim; k++) {
    if (!r->red[k]) ostr[k] = o->strides[n++];
    else {
      ostr[k] = 0;
      if (r->keepdims) n++;
    }
  }
  return o;
}

static void redrun(const Array *a, const Array *o, const int64_t *ostr, lumpy_Loop loop) {
  char *data[2];
  const int64_t *st[2];
  data[0] = a->data; data[1] = o->data;
  st[0] = a->strides; st[1] = ostr;
  lumpy_iterate(2, data, a->ndim, a->shape, st, loop, NULL);
}

/* redrun for a sum loop. When the input's innermost axis (smallest stride)
** is kept and a reduced axis R has at least 8 entries, the iteration would
** add one row at a time into the output vector: instead R is walked in
** blocks of 8 rows summed pairwise by the loop's 8-row version, then the
** rows left over one at a time. */
static void sumrun(const Array *a, const Array *o, const int64_t *ostr, lumpy_Loop loop) {
  int64_t shape[LUMPY_MAXDIMS], st[LUMPY_MAXDIMS], rs;
  const int64_t *sts[2];
  char *data[2];
  int k, in = -1, R = -1;
  size_t e;
  lumpy_Loop eight = NULL;
  for (e = 0; e < sizeof sum8 / sizeof sum8[0]; e++)
    if (sum8[e].one == loop) eight = sum8[e].eight;
  for (k = 0; k < a->ndim; k++) {
    if (a->shape[k] < 2) continue;
    if (in < 0 || llabs(a->strides[k]) < llabs(a->strides[in])) in = k;
    if (ostr[k] == 0 && a->shape[k] >= 8 && (R < 0 || a->shape[k] > a->shape[R])) R = k;
  }
  if (eight == NULL || in < 0 || R < 0 || ostr[in] == 0 || a->size == 0) {
    redrun(a, o, ostr, loop);
    return;
  }
  for (k = 0; k < a->ndim; k++) {
    shape[k] = a->shape[k];
    st[k] = a->strides[k];
  }
  rs = a->strides[R];
  shape[R] = a->shape[R] / 8;
  st[R] = 8 * rs;
  data[0] = a->data; data[1] = o->data;
  sts[0] = st; sts[1] = ostr;
  lumpy_iterate(2, data, a->ndim, shape, sts, eight, &rs);
  if (a->shape[R] % 8) {
    data[0] = a->data + shape[R] * 8 * rs;
    shape[R] = a->shape[R] % 8;
    st[R] = rs;
    lumpy_iterate(2, data, a->ndim, shape, sts, loop, NULL);
  }
}

/* the header of the first slice of a along the reduced axes, shaped like o */
static void firstslice(Array *h, const Array *a, const Red *r, const Array *o) {
  int64_t st[LUMPY_MAXDIMS];
  int k, n = 0;
  for (k = 0; k < a->ndim; k++) {
    if (!r->red[k]) st[n++] = a->strides[k];
    else if (r->keepdims) st[n++] = 0;
  }
  header(h, a->dtype, a->data, o->ndim, o->shape, st);
}

/* converts the result at the top (an array) to dtype (if >= 0) */
static void castresult(lua_State *L, int dtype) {
  Array *o = lumpy_checkarray(L, -1);
  if (dtype >= 0 && dtype != o->dtype) {
    lumpy_toarrayx(L, -1, dtype);
    lua_remove(L, -2);
  }
}

/* finishes a reduction whose result array is at the top: copies it into
** out (when given) or turns it into a Lua scalar for whole-array results */
static int redfinish(lua_State *L, const Red *r) {
  Array *o = lumpy_checkarray(L, -1);
  if (r->outidx) {
    Array *out = lumpy_checkarray(L, r->outidx);
    int k, same = out->ndim == o->ndim;
    for (k = 0; same && k < o->ndim; k++) same = out->shape[k] == o->shape[k];
    if (!same) {
      char b1[400], b2[400];
      lumpy_error(L, "lumpy.%s: output array has wrong shape: expected %s, got %s", r->name,
                  lumpy_shapestr(b1, o->ndim, o->shape),
                  lumpy_shapestr(b2, out->ndim, out->shape));
    }
    lumpy_assign(L, out, o);
    lua_pushvalue(L, r->outidx);
    return 1;
  }
  if (o->ndim == 0) lumpy_pushelem(L, o->dtype, o->data);
  return 1;
}

static const char *const O_BASIC[] = {"axis", "keepdims", "dtype", "out", NULL};
static const char *const O_MINMAX[] = {"axis", "keepdims", "out", NULL};
static const char *const O_VAR[] = {"axis", "keepdims", "dtype", "out", "ddof", NULL};
static const char *const O_AXIS[] = {"axis", "keepdims", NULL};

/* the array argument (converting tables and numbers) */
static Array *arg1(lua_State *L) {
  luaL_checkany(L, 1);
  return lumpy_asarray(L, 1);
}

/* accumulator dtype of sum and prod */
static int accdtype(int dt) {
  if (dt == LUMPY_FLOAT32 || dt == LUMPY_FLOAT64 || dt == LUMPY_COMPLEX128) return dt;
  return LUMPY_INT64;
}

/* sum or prod (nansum, nanprod with the NaN-skipping loops and dloops, nan
** set): pushes the result */
static int sumprod(lua_State *L, const char *name, const lumpy_Loop *loops,
                   const lumpy_Loop *dloops, int isprod, int nan) {
  Array *a = arg1(L), *o;
  int64_t ostr[LUMPY_MAXDIMS];
  Red r;
  int acc;
  lumpy_Loop loop;
  r.name = name;
  redargs(L, &r, a, 2, O_BASIC, 1);
  acc = accdtype(r.dtype >= 0 ? r.dtype : a->dtype);
  if (acc == accdtype(a->dtype)) loop = loops[a->dtype];
  else if (acc == LUMPY_FLOAT64 && !isprod) loop = dloops[a->dtype];
  else {
    if (nan && FLOATLIKE(a->dtype)) {
      /* NaNs become the identity before the conversion */
      nanreplace(lumpy_toarrayx(L, 1, -1), isprod ? 1.0 : 0.0);
      lua_replace(L, 1);
    }
    a = lumpy_toarrayx(L, 1, acc);
    lua_replace(L, 1);
    loop = loops[acc];
  }
  if (r.all && !r.keepdims && !r.outidx && (r.dtype < 0 || r.dtype == acc)) {
    /* a Lua scalar result: reduced into a stack value, no output array */
    union { cplx z; int64_t i; double d; float f; } v;
    Array h;
    int k;
    memset(&v, 0, sizeof v);
    if (isprod) switch (acc) {
      case LUMPY_INT64: v.i = 1; break;
      case LUMPY_FLOAT32: v.f = 1; break;
      case LUMPY_FLOAT64: v.d = 1; break;
      default: v.z = 1; break;
    }
    for (k = 0; k < a->ndim; k++) ostr[k] = 0;
    h.data = (char *)&v;      /* the runs read only the output's data */
    if (isprod) redrun(a, &h, ostr, loop);
    else sumrun(a, &h, ostr, loop);
    lumpy_pushelem(L, acc, h.data);
    return 1;
  }
  o = redout(L, a, &r, acc, ostr);
  if (isprod) {
    Array one;
    int64_t v = 1;
    header(&one, LUMPY_INT64, (char *)&v, 0, NULL, NULL);
    lumpy_assign(L, o, &one);
  }
  if (isprod) redrun(a, o, ostr, loop);
  else sumrun(a, o, ostr, loop);
  castresult(L, r.dtype);
  return redfinish(L, &r);
}

static int reduce_sum(lua_State *L) {
  return sumprod(L, "sum", sumloops, sumdloops, 0, 0);
}
static int reduce_prod(lua_State *L) {
  return sumprod(L, "prod", prodloops, prodloops, 1, 0);
}

static int reduce_nansum(lua_State *L) {
  static const lumpy_Loop nloops[LUMPY_NDTYPES] = {
    sum_b, sum_u8, sum_i32, sum_i64, nsum_f32, nsum_f64, nsum_c
  };
  static const lumpy_Loop ndloops[LUMPY_NDTYPES] = {
    sumd_b, sumd_u8, sumd_i32, sumd_i64, nsumd_f32, nsum_f64, nsum_c
  };
  return sumprod(L, "nansum", nloops, ndloops, 0, 1);
}

static int reduce_nanprod(lua_State *L) {
  static const lumpy_Loop nloops[LUMPY_NDTYPES] = {
    prod_b, prod_u8, prod_i32, prod_i64, nprod_f32, nprod_f64, nprod_c
  };
  return sumprod(L, "nanprod", nloops, nloops, 1, 1);
}

/* divides the float64 or complex128 array at the top by the counts */
static void divide(Array *o, int64_t count, const Array *counts) {
  int64_t i;
  if (o->dtype == LUMPY_COMPLEX128) {
    cplx *p = (cplx *)o->data;
    for (i = 0; i < o->size; i++)
      p[i] /= (double)(counts ? ((int64_t *)counts->data)[i] : count);
  }
  else {
    double *p = (double *)o->data;
    for (i = 0; i < o->size; i++)
      p[i] /= (double)(counts ? ((int64_t *)counts->data)[i] : count);
  }
}

/* float64 (or complex128) mean of a over r, pushed; for nan, NaNs are skipped */
static Array *meanof(lua_State *L, const Array *a, Red *r, int nan) {
  int64_t ostr[LUMPY_MAXDIMS], cstr[LUMPY_MAXDIMS];
  int isc = a->dtype == LUMPY_COMPLEX128;
  Array *o = redout(L, a, r, isc ? LUMPY_COMPLEX128 : LUMPY_FLOAT64, ostr);
  if (nan && (ISFLOAT(a->dtype) || isc)) {
    int oidx = lua_gettop(L);
    Array *c = redout(L, a, r, LUMPY_INT64, cstr);
    sumrun(a, o, ostr, a->dtype == LUMPY_FLOAT32 ? nsumd_f32
                       : a->dtype == LUMPY_FLOAT64 ? nsum_f64 : nsum_c);
    redrun(a, c, cstr, a->dtype == LUMPY_FLOAT32 ? cnn_f32
                       : a->dtype == LUMPY_FLOAT64 ? cnn_f64 : cnn_c);
    divide(o, 0, c);
    lua_settop(L, oidx);
  }
  else {
    sumrun(a, o, ostr, sumdloops[a->dtype]);
    divide(o, r->count, NULL);
  }
  return o;
}

static int mean(lua_State *L, const char *name, int nan) {
  Array *a = arg1(L);
  Red r;
  r.name = name;
  redargs(L, &r, a, 2, O_BASIC, 1);
  meanof(L, a, &r, nan);
  castresult(L, r.dtype >= 0 ? r.dtype : a->dtype == LUMPY_FLOAT32 ? LUMPY_FLOAT32 : -1);
  return redfinish(L, &r);
}
static int reduce_mean(lua_State *L) { return mean(L, "mean", 0); }
static int reduce_nanmean(lua_State *L) { return mean(L, "nanmean", 1); }

/* var (or std when isstd; nanvar, nanstd when nan: NaNs skipped, each
** output divided by its own count less ddof, NaN when that is <= 0) */
static int variance(lua_State *L, const char *name, int isstd, int nan) {
  Array *a = arg1(L), *m, *q, *d, *c = NULL;
  int64_t mstr[LUMPY_MAXDIMS], qstr[LUMPY_MAXDIMS], dstr[LUMPY_MAXDIMS], i;
  int isc = a->dtype == LUMPY_COMPLEX128;
  char *data[4];
  const int64_t *st[4];
  double div;
  Red r;
  r.name = name;
  redargs(L, &r, a, 2, O_VAR, 1);
  nan = nan && FLOATLIKE(a->dtype);
  m = meanof(L, a, &r, nan);
  if (nan) {
    c = redout(L, a, &r, LUMPY_INT64, qstr);
    redrun(a, c, qstr, a->dtype == LUMPY_FLOAT32 ? cnn_f32
                       : a->dtype == LUMPY_FLOAT64 ? cnn_f64 : cnn_c);
  }
  q = redout(L, a, &r, LUMPY_FLOAT64, qstr);
  d = redout(L, a, &r, m->dtype, dstr);
  memcpy(mstr, dstr, sizeof mstr);     /* the mean is shaped and typed like d */
  data[0] = a->data; data[1] = m->data; data[2] = q->data; data[3] = d->data;
  st[0] = a->strides; st[1] = mstr; st[2] = qstr; st[3] = dstr;
  lumpy_iterate(4, data, a->ndim, a->shape, st, (nan ? nvarloops : varloops)[a->dtype], NULL);
  for (i = 0; i < q->size; i++) {
    double s = ((double *)q->data)[i], dd;
    int64_t count = c ? ((int64_t *)c->data)[i] : r.count;
    if (isc) dd = abs2(((cplx *)d->data)[i]);
    else dd = SQ(((double *)d->data)[i]);
    s = count > 0 ? (s - dd / (double)count) : 0.0 / 0.0;
    if (s < 0) s = 0;
    div = (double)count - r.ddof;
    if (c) s = div > 0 ? s / div : 0.0 / 0.0;
    else s = div > 0 ? s / div : (s == s ? (s > 0 ? 1.0 / 0.0 : 0.0 / 0.0) : s);
    ((double *)q->data)[i] = isstd ? sqrt(s) : s;
  }
  lua_pushvalue(L, -2);    /* q */
  castresult(L, r.dtype >= 0 ? r.dtype : a->dtype == LUMPY_FLOAT32 ? LUMPY_FLOAT32 : -1);
  return redfinish(L, &r);
}
static int reduce_var(lua_State *L) { return variance(L, "var", 0, 0); }
static int reduce_std(lua_State *L) { return variance(L, "std", 1, 0); }
static int reduce_nanvar(lua_State *L) { return variance(L, "nanvar", 0, 1); }
static int reduce_nanstd(lua_State *L) { return variance(L, "nanstd", 1, 1); }

/* min, max, nanmin, nanmax: pushes the result array */
static Array *minmax(lua_State *L, Array *a, Red *r, const lumpy_Loop *loops) {
  int64_t ostr[LUMPY_MAXDIMS];
  Array *o = redout(L, a, r, a->dtype, ostr), first;
  if (r->count == 0 && o->size > 0)
    lumpy_error(L, "zero-size array to reduction operation %s which has no identity", r->name);
  if (o->size == 0) return o;
  firstslice(&first, a, r, o);
  lumpy_assign(L, o, &first);
  redrun(a, o, ostr, loops[a->dtype]);
  return o;
}

static int mm(lua_State *L, const char *name, const lumpy_Loop *loops) {
  Array *a = arg1(L);
  Red r;
  r.name = name;
  redargs(L, &r, a, 2, O_MINMAX, 1);
  minmax(L, a, &r, loops);
  return redfinish(L, &r);
}
static int reduce_max(lua_State *L) { return mm(L, "max", maxloops); }
static int reduce_min(lua_State *L) { return mm(L, "min", minloops); }
static int reduce_nanmax(lua_State *L) { return mm(L, "nanmax", nmaxloops); }
static int reduce_nanmin(lua_State *L) { return mm(L, "nanmin", nminloops); }

/* ptp: max - min in the input's dtype (integers wrap as in NumPy) */
#define PTPSUB(T, U) { \
  T *x = (T *)hi->data, *y = (T *)lo->data; \
  for (i = 0; i < hi->size; i++) x[i] = (T)((U)x[i] - (U)y[i]); \
}
static int reduce_ptp(lua_State *L) {
  Array *a = arg1(L), *hi, *lo;
  int64_t i;
  Red r;
  r.name = "ptp";
  redargs(L, &r, a, 2, O_MINMAX, 1);
  if (a->dtype == LUMPY_BOOL)
    lumpy_error(L, "ptp: not supported for bool arrays (max - min of booleans)");
  r.name = "maximum";
  hi = minmax(L, a, &r, maxloops);
  r.name = "minimum";
  lo = minmax(L, a, &r, minloops);
  r.name = "ptp";
  switch (a->dtype) {
    case LUMPY_UINT8: PTPSUB(uint8_t, uint8_t) break;
    case LUMPY_INT32: PTPSUB(int32_t, uint32_t) break;
    case LUMPY_INT64: PTPSUB(int64_t, uint64_t) break;
    case LUMPY_FLOAT32: PTPSUB(float, float) break;
    case LUMPY_FLOAT64: PTPSUB(double, double) break;
    default: PTPSUB(cplx, cplx) break;
  }
  lua_pop(L, 1);
  return redfinish(L, &r);
}

static int boolred(lua_State *L, const char *name, const lumpy_Loop *loops, int init,
                   int odt, const char *const *allowed) {
  Array *a = arg1(L), *o;
  int64_t ostr[LUMPY_MAXDIMS];
  Red r;
  r.name = name;
  redargs(L, &r, a, 2, allowed, 1);
  o = redout(L, a, &r, odt, ostr);
  if (init) memset(o->data, 1, (size_t)o->size);
  redrun(a, o, ostr, loops[a->dtype]);
  return redfinish(L, &r);
}
static const char *const O_ANY[] = {"axis", "keepdims", "out", NULL};
static int reduce_any(lua_State *L) { return boolred(L, "any", anyloops, 0, LUMPY_BOOL, O_ANY); }
static int reduce_all(lua_State *L) { return boolred(L, "all", allloops, 1, LUMPY_BOOL, O_ANY); }
static int reduce_count_nonzero(lua_State *L) {
  return boolred(L, "count_nonzero", cnzloops, 0, LUMPY_INT64, O_AXIS);
}

/* ------------------------------------------------------------------ */
/* argmin, argmax                                                      */
/* ------------------------------------------------------------------ */

typedef struct ArgCtx {
  int64_t n;        /* length of the reduced axis */
  int64_t step;     /* its stride */
  int64_t r;        /* current slice (slice method) */
} ArgCtx;

/* per output element, a walk along the (innermost) reduced axis */
#define ARGLANE(NAME, T, BETTER, BAD) \
static void NAME(char **args, int64_t n, const int64_t *steps, void *ctx) { \
  const ArgCtx *c = (const ArgCtx *)ctx; \
  int64_t j, k; \
  for (j = 0; j < n; j++) { \
    const char *p = args[0] + j * steps[0]; \
    T m = LV(T, p); \
    int64_t b = 0; \
    for (k = 1; k < c->n; k++) { \
      T x = LV(T, p + k * c->step); \
      if (BETTER(x, m)) { m = x; b = k; } \
    } \
    *(int64_t *)(args[1] + j * steps[1]) = BAD(m) ? 0 : b + 1; \
  } \
}
/* one slice r against the best values so far: args = slice, best, index */
#define ARGSLICE(NAME, T, BETTER, BAD) \
static void NAME(char **args, int64_t n, const int64_t *steps, void *ctx) { \
  const ArgCtx *c = (const ArgCtx *)ctx; \
  int64_t j; \
  for (j = 0; j < n; j++) { \
    T x = LV(T, args[0] + j * steps[0]), *m = (T *)(args[1] + j * steps[1]); \
    if (BETTER(x, *m)) { *m = x; *(int64_t *)(args[2] + j * steps[2]) = c->r + 1; } \
  } \
}
#define ARGALL(P, MAC, GI, GF, GC, BF, BC) \
  MAC(P##_b, uint8_t, GI, NOBAD) MAC(P##_u8, uint8_t, GI, NOBAD) \
  MAC(P##_i32, int32_t, GI, NOBAD) MAC(P##_i64, int64_t, GI, NOBAD) \
  MAC(P##_f32, float, GF, BF) MAC(P##_f64, double, GF, BF) MAC(P##_c, cplx, GC, BC) \
  static const lumpy_Loop P##loops[LUMPY_NDTYPES] = { \
    P##_b, P##_u8, P##_i32, P##_i64, P##_f32, P##_f64, P##_c };

/* BAD(m): the best is NaN, which for nanargmin/nanargmax is an error
** (marked with position 0) */
#define NOBAD(m) 0
#define FBAD(m) ((m) != (m))

ARGALL(amaxl, ARGLANE, GT_I, GT_F, cgt, NOBAD, NOBAD)
ARGALL(aminl, ARGLANE, LT_I, LT_F, clt, NOBAD, NOBAD)
ARGALL(amaxs, ARGSLICE, GT_I, GT_F, cgt, NOBAD, NOBAD)
ARGALL(amins, ARGSLICE, LT_I, LT_F, clt, NOBAD, NOBAD)
ARGALL(namaxl, ARGLANE, GT_I, NGT_F, ncgt, FBAD, cisnan)
ARGALL(naminl, ARGLANE, LT_I, NLT_F, nclt, FBAD, cisnan)
ARGALL(namaxs, ARGSLICE, GT_I, NGT_F, ncgt, NOBAD, NOBAD)
ARGALL(namins, ARGSLICE, LT_I, NLT_F, nclt, NOBAD, NOBAD)

/* does the array of best values hold a NaN (an all-NaN slice)? */
static int anynan(const Array *b) {
  int64_t i;
  if (b->dtype == LUMPY_FLOAT64) {
    for (i = 0; i < b->size; i++) if (((double *)b->data)[i] != ((double *)b->data)[i]) return 1;
  }
  else if (b->dtype == LUMPY_FLOAT32) {
    for (i = 0; i < b->size; i++) if (((float *)b->data)[i] != ((float *)b->data)[i]) return 1;
  }
  else if (b->dtype == LUMPY_COMPLEX128) {
    for (i = 0; i < b->size; i++) if (cisnan(((cplx *)b->data)[i])) return 1;
  }
  return 0;
}

static const char *const O_ARG[] = {"axis", "keepdims", "out", NULL};

static int argminmax(lua_State *L, const char *name, const lumpy_Loop *lanes,
                     const lumpy_Loop *slices, int nan) {
  Array *a = arg1(L), *o, sub;
  int64_t ostr[LUMPY_MAXDIMS], shape[LUMPY_MAXDIMS], ist[LUMPY_MAXDIMS], ost[LUMPY_MAXDIMS];
  ArgCtx c;
  Red r;
  int k, ax = 0, n = 0, inner = 1;
  r.name = name;
  redargs(L, &r, a, 2, O_ARG, 0);
  if (r.all) {
    /* flat position in C order */
    int64_t sh = a->size;
    Array *f;
    if (a->size == 0) lumpy_error(L, "attempt to get %s of an empty sequence", name);
    f = lumpy_ascontig(L, 1, -1);
    ax = lua_gettop(L);
    header(&sub, f->dtype, f->data, 1, &sh, NULL);
    r.keepdims = 0;
    r.ndim = 1;
    r.red[0] = 1;
    a = &sub;
    (void)ax;
  }
  for (k = 0; k < a->ndim; k++) if (r.red[k]) ax = k;
  if (a->shape[ax] == 0) lumpy_error(L, "attempt to get %s of an empty sequence", name);
  o = redout(L, a, &r, LUMPY_INT64, ostr);
  c.n = a->shape[ax];
  c.step = a->strides[ax];
  /* the lane walk when the reduced axis has the smallest stride */
  for (k = 0; k < a->ndim; k++)
    if (k != ax && a->shape[k] > 1 && llabs(a->strides[k]) < llabs(c.step)) inner = 0;
  for (k = 0; k < a->ndim; k++)
    if (k != ax) { shape[n] = a->shape[k]; ist[n] = a->strides[k]; ost[n++] = ostr[k]; }
  if (o->size == 0) return redfinish(L, &r);
  if (inner || c.n == 1) {
    char *data[2];
    const int64_t *st[2];
    data[0] = a->data; data[1] = o->data;
    st[0] = ist; st[1] = ost;
    lumpy_iterate(2, data, n, shape, st, lanes[a->dtype], &c);
    if (nan) {
      int64_t i;
      for (i = 0; i < o->size; i++)
        if (((int64_t *)o->data)[i] == 0) lumpy_error(L, "lumpy.%s: all-NaN slice encountered", name);
    }
  }
  else {
    Array *best = lumpy_newarray(L, a->dtype, n, shape, 0), first;
    const int64_t *st[3];
    char *data[3];
    int64_t i, bst[LUMPY_MAXDIMS];
    header(&first, a->dtype, a->data, n, shape, ist);
    lumpy_assign(L, best, &first);
    for (i = 0; i < o->size; i++) ((int64_t *)o->data)[i] = 1;
    lumpy_contigstrides(a->dtype, n, shape, bst);
    st[0] = ist; st[1] = bst; st[2] = ost;
    for (c.r = 1; c.r < c.n; c.r++) {
      data[0] = a->data + c.r * c.step; data[1] = best->data; data[2] = o->data;
      lumpy_iterate(3, data, n, shape, st, slices[a->dtype], &c);
    }
    if (nan && anynan(best)) lumpy_error(L, "lumpy.%s: all-NaN slice encountered", name);
    lua_pop(L, 1);
  }
  return redfinish(L, &r);
}
static int reduce_argmax(lua_State *L) {
  return argminmax(L, "argmax", amaxlloops, amaxsloops, 0);
}
static int reduce_argmin(lua_State *L) {
  return argminmax(L, "argmin", aminlloops, aminsloops, 0);
}
static int reduce_nanargmax(lua_State *L) {
  return argminmax(L, "nanargmax", namaxlloops, namaxsloops, 1);
}
static int reduce_nanargmin(lua_State *L) {
  return argminmax(L, "nanargmin", naminlloops, naminsloops, 1);
}

/* ------------------------------------------------------------------ */
/* cumsum, cumprod, diff                                               */
/* ------------------------------------------------------------------ */

/* in-place scans over a C-contiguous block seen as (outer, n, inner) */
#define SCAN(NAME, T, U, OP) \
static void NAME(char *p, int64_t outer, int64_t n, int64_t inner) { \
  int64_t o, k, i; \
  for (o = 0; o < outer; o++) { \
    T *b = (T *)p + o * n * inner; \
    if (inner == 1) \
      for (k = 1; k < n; k++) b[k] = (T)((U)b[k - 1] OP (U)b[k]); \
    else \
      for (k = 1; k < n; k++) { \
        T *x = b + k * inner, *y = x - inner; \
        for (i = 0; i < inner; i++) x[i] = (T)((U)y[i] OP (U)x[i]); \
      } \
  } \
}
typedef void (*Scan)(char *p, int64_t outer, int64_t n, int64_t inner);
SCAN(csum_i64, int64_t, uint64_t, +)
SCAN(csum_f32, float, float, +)
SCAN(csum_f64, double, double, +)
SCAN(csum_c, cplx, cplx, +)
SCAN(cprod_i64, int64_t, uint64_t, *)
SCAN(cprod_f32, float, float, *)
SCAN(cprod_f64, double, double, *)
SCAN(cprod_c, cplx, cplx, *)

/* (outer, n, inner) of a shape around axis ax */
static void around(int ndim, const int64_t *shape, int ax, int64_t *outer, int64_t *inner) {
  int k;
  *outer = *inner = 1;
  for (k = 0; k < ax; k++) *outer *= shape[k];
  for (k = ax + 1; k < ndim; k++) *inner *= shape[k];
}

static const char *const O_CUM[] = {"axis", "dtype", "out", NULL};

/* cumsum, cumprod (nancumsum, nancumprod when nan: NaNs count as 0 or 1) */
static int cumulative(lua_State *L, const char *name, int isprod, int nan) {
  Array *a = arg1(L), *o, view;
  int64_t outer, inner, n;
  Red r;
  int acc, ax = 0, k;
  Scan f;
  r.name = name;
  redargs(L, &r, a, 2, O_CUM, 0);
  acc = accdtype(r.dtype >= 0 ? r.dtype : a->dtype);
  nan = nan && FLOATLIKE(a->dtype);
  if (nan && !FLOATLIKE(acc)) {
    /* NaNs become the identity before the conversion to integers */
    a = lumpy_toarrayx(L, 1, -1);
    nanreplace(a, isprod ? 1.0 : 0.0);
    lua_replace(L, 1);
    nan = 0;
  }
  if (r.all) {
    n = a->size;
    o = lumpy_newarray(L, acc, 1, &n, 0);
    outer = inner = 1;
  }
  else {
    for (k = 0; k < a->ndim; k++) if (r.red[k]) ax = k;
    o = lumpy_newarray(L, acc, a->ndim, a->shape, 0);
    n = a->shape[ax];
    around(a->ndim, a->shape, ax, &outer, &inner);
  }
  header(&view, acc, o->data, a->ndim, a->shape, NULL);
  lumpy_assign(L, &view, a);
  if (nan) nanreplace(o, isprod ? 1.0 : 0.0);
  switch (acc) {
    case LUMPY_FLOAT32: f = isprod ? cprod_f32 : csum_f32; break;
    case LUMPY_FLOAT64: f = isprod ? cprod_f64 : csum_f64; break;
    case LUMPY_COMPLEX128: f = isprod ? cprod_c : csum_c; break;
    default: f = isprod ? cprod_i64 : csum_i64; break;
  }
  if (o->size > 0) f(o->data, outer, n, inner);
  castresult(L, r.dtype);
  r.all = 0;
  return redfinish(L, &r);
}
static int reduce_cumsum(lua_State *L) { return cumulative(L, "cumsum", 0, 0); }
static int reduce_cumprod(lua_State *L) { return cumulative(L, "cumprod", 1, 0); }
static int reduce_nancumsum(lua_State *L) { return cumulative(L, "nancumsum", 0, 1); }
static int reduce_nancumprod(lua_State *L) { return cumulative(L, "nancumprod", 1, 1); }

/* one differencing step in place over (outer, n, inner): x[k] = x[k+1] - x[k] */
#define DIFF(NAME, T, EXPR) \
static void NAME(char *p, int64_t outer, int64_t n, int64_t inner, int64_t len) { \
  int64_t o, k, i; \
  for (o = 0; o < outer; o++) { \
    T *b = (T *)p + o * len * inner; \
    for (k = 0; k + 1 < n; k++) { \
      T *x = b + k * inner, *y = x + inner; \
      for (i = 0; i < inner; i++) x[i] = EXPR(y[i], x[i]); \
    } \
  } \
}
#define D_B(y, x) ((uint8_t)((y) != (x)))
#define D_U8(y, x) ((uint8_t)((y) - (x)))
#define D_I32(y, x) ((int32_t)((uint32_t)(y) - (uint32_t)(x)))
#define D_I64(y, x) ((int64_t)((uint64_t)(y) - (uint64_t)(x)))
#define D_F(y, x) ((y) - (x))
typedef void (*Diff)(char *p, int64_t outer, int64_t n, int64_t inner, int64_t len);
DIFF(diff_b, uint8_t, D_B)
DIFF(diff_u8, uint8_t, D_U8)
DIFF(diff_i32, int32_t, D_I32)
DIFF(diff_i64, int64_t, D_I64)
DIFF(diff_f32, float, D_F)
DIFF(diff_f64, double, D_F)
DIFF(diff_c, cplx, D_F)
static const Diff diffs[LUMPY_NDTYPES] = {
  diff_b, diff_u8, diff_i32, diff_i64, diff_f32, diff_f64, diff_c
};

/* pushes prepend (at pidx), a (at 1) and append (at qidx) joined along ax,
** as NumPy's diff does: a scalar (0-d) value is broadcast to a's shape with
** length 1 along ax; an array must match a's shape except along ax; returns
** the joined array */
static Array *joinends(lua_State *L, int pidx, int qidx, int ax) {
  int ends[2], k, e, dt;
  int64_t shape[LUMPY_MAXDIMS], len[3], off = 0;
  Array *part[3], *r;
  ends[0] = pidx; ends[1] = qidx;
  part[1] = lumpy_checkarray(L, 1);
  dt = part[1]->dtype;
  len[1] = part[1]->shape[ax];
  for (e = 0; e < 2; e++) {
    int i = e == 0 ? 0 : 2;
    part[i] = NULL;
    len[i] = 0;
    if (lua_isnil(L, ends[e])) continue;
    part[i] = lumpy_asarray(L, ends[e]);
    dt = lumpy_promote(dt, part[i]->dtype);
    if (part[i]->ndim == 0) len[i] = 1;
    else {
      int same = part[i]->ndim == part[1]->ndim;
      for (k = 0; same && k < part[1]->ndim; k++)
        same = k == ax || part[i]->shape[k] == part[1]->shape[k];
      if (!same) {
        char b1[400], b2[400];
        lumpy_error(L, "diff: %s has shape %s, which does not match the array's shape %s "
                       "except along axis %d", e == 0 ? "prepend" : "append",
                    lumpy_shapestr(b1, part[i]->ndim, part[i]->shape),
                    lumpy_shapestr(b2, part[1]->ndim, part[1]->shape), ax + 1);
      }
      len[i] = part[i]->shape[ax];
    }
  }
  memcpy(shape, part[1]->shape, sizeof(int64_t) * part[1]->ndim);
  shape[ax] = len[0] + len[1] + len[2];
  r = lumpy_newarray(L, dt, part[1]->ndim, shape, 0);
  for (e = 0; e < 3; e++) {
    Array slot;
    if (!part[e]) continue;
    shape[ax] = len[e];
    header(&slot, dt, r->data + off * r->strides[ax], r->ndim, shape, r->strides);
    lumpy_assign(L, &slot, part[e]);      /* a 0-d end broadcasts */
    off += len[e];
  }
  return r;
}

/* diff(a [, n [, axis]]) or diff(a, {n = , axis = , prepend = , append = }) */
static int reduce_diff(lua_State *L) {
  Array *a = arg1(L), *w, view;
  lua_Integer n = 1;
  int ax, axarg = 3, s, ends = 0;
  int64_t outer, inner, len, shape[LUMPY_MAXDIMS];
  if (isopts(L, 2)) {
    static const char *const allowed[] = {"n", "axis", "prepend", "append", NULL};
    lumpy_checkopts(L, 2, allowed);
    lua_settop(L, 2);
    lua_getfield(L, 2, "n");
    lua_getfield(L, 2, "axis");
    lua_getfield(L, 2, "prepend");
    lua_getfield(L, 2, "append");
    lua_remove(L, 2);          /* a, n, axis, prepend, append */
    ends = !lua_isnil(L, 4) || !lua_isnil(L, 5);
    axarg = 2;
  }
  if (!lua_isnoneornil(L, 2)) n = luaL_checkinteger(L, 2);
  if (n < 0) luaL_argerror(L, 2, lua_pushfstring(L, "order must be non-negative but got %d", (int)n));
  if (a->ndim == 0) lumpy_error(L, "diff requires input that is at least one dimensional");
  ax = lumpy_checkaxis(L, clampaxis(luaL_optinteger(L, 3, -1)), a->ndim, axarg);
  if (ends) {
    a = joinends(L, 4, 5, ax);
    lua_replace(L, 1);
  }
  len = a->shape[ax];
  w = lumpy_toarrayx(L, 1, -1);       /* work copy, C order */
  around(a->ndim, a->shape, ax, &outer, &inner);
  for (s = 0; s < n && s < len; s++)
    if (w->size > 0) diffs[a->dtype](w->data, outer, len - s, inner, len);
  memcpy(shape, a->shape, sizeof(int64_t) * a->ndim);
  shape[ax] = n < len ? len - n : 0;
  header(&view, w->dtype, w->data, a->ndim, shape, w->strides);
  lumpy_newarray(L, a->dtype, a->ndim, shape, 0);
  lumpy_assign(L, lumpy_checkarray(L, -1), &view);
  return 1;
}

/* ------------------------------------------------------------------ */
/* median, percentile, quantile                                        */
/* ------------------------------------------------------------------ */

static void swapd(double *x, int64_t i, int64_t j) { double t = x[i]; x[i] = x[j]; x[j] = t; }

static void siftdown(double *x, int64_t i, int64_t n) {
  for (;;) {
    int64_t c = 2 * i + 1;
    if (c >= n) return;
    if (c + 1 < n && x[c + 1] > x[c]) c++;
    if (x[i] >= x[c]) return;
    swapd(x, i, c);
    i = c;
  }
}

static void heapsortd(double *x, int64_t n) {
  int64_t i;
  for (i = n / 2 - 1; i >= 0; i--) siftdown(x, i, n);
  for (i = n - 1; i > 0; i--) {
    swapd(x, 0, i);
    siftdown(x, 0, i);
  }
}

/* introselect (Musser 1997): puts the k-th smallest of x[0..n) (no NaNs)
** at x[k], smaller ones before it and larger ones after */
static void select_k(double *x, int64_t n, int64_t k) {
  int64_t lo = 0, hi = n - 1;
  int depth = 0;
  while (hi > lo) {
    int64_t i, j, mid;
    double p;
    if (hi - lo < 16) {          /* insertion sort */
      for (i = lo + 1; i <= hi; i++) {
        double v = x[i];
        for (j = i; j > lo && x[j - 1] > v; j--) x[j] = x[j - 1];
        x[j] = v;
      }
      return;
    }
    if (++depth > 64) {
      heapsortd(x + lo, hi - lo + 1);
      return;
    }
    mid = lo + (hi - lo) / 2;
    if (x[mid] < x[lo]) swapd(x, mid, lo);
    if (x[hi] < x[lo]) swapd(x, hi, lo);
    if (x[hi] < x[mid]) swapd(x, hi, mid);
    p = x[mid];
    i = lo; j = hi;
    while (i <= j) {
      while (x[i] < p) i++;
      while (x[j] > p) j--;
      if (i <= j) { swapd(x, i, j); i++; j--; }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

/* the largest of x[0..n) */
static double maxto(const double *x, int64_t n) {
  double m = x[0];
  int64_t i;
  for (i = 1; i < n; i++) if (x[i] > m) m = x[i];
  return m;
}

/* the smallest of x[from..n) */
static double minfrom(const double *x, int64_t from, int64_t n) {
  double m = x[from];
  int64_t i;
  for (i = from + 1; i < n; i++) if (x[i] < m) m = x[i];
  return m;
}

enum { M_LINEAR, M_LOWER, M_HIGHER, M_NEAREST, M_MIDPOINT, M_MEDIAN };
static const char *const qmethods[] = {"linear", "lower", "higher", "nearest", "midpoint", NULL};

/* NumPy's _lerp: exact at both ends */
static double lerp(double a, double b, double t) {
  double d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

/* the q-quantile of the lane x[0..n) by method; x is reordered */
static double quant(double *x, int64_t n, double q, int method) {
  double h, t;
  int64_t lo, hi;
  if (n == 0) return 0.0 / 0.0;
  if (method == M_MEDIAN) {
    int64_t k = n / 2;
    select_k(x, n, k);
    if (n % 2) return x[k];
    return (maxto(x, k) + x[k]) / 2;
  }
  h = q * (double)(n - 1);
  lo = (int64_t)floor(h);
  if (lo > n - 1) lo = n - 1;
  if (lo < 0) lo = 0;
  t = h - (double)lo;
  switch (method) {
    case M_LOWER: select_k(x, n, lo); return x[lo];
    case M_HIGHER:
      hi = (int64_t)ceil(h);
      if (hi > n - 1) hi = n - 1;
      select_k(x, n, hi);
      return x[hi];
    case M_NEAREST: {
      double r = nearbyint(h);    /* round half to even, as np.around */
      int64_t k = (int64_t)r;
      if (k > n - 1) k = n - 1;
      select_k(x, n, k);
      return x[k];
    }
    default: break;
  }
  select_k(x, n, lo);
  if (lo + 1 >= n || t == 0) return x[lo];
  {
    double b = minfrom(x, lo + 1, n);
    if (method == M_MIDPOINT) t = 0.5;
    return lerp(x[lo], b, t);
  }
}

static const char *const O_MED[] = {"axis", "keepdims", "out", NULL};
static const char *const O_PCT[] = {"axis", "keepdims", "out", "method", NULL};

/* median(a [, axis]), percentile(a, q [, axis]) and quantile(a, q [, axis]);
** kind 0, 1, 2. Lanes are copied (reduced axes last) into a float64 work
** array and each quantile is found by selection, not by sorting. */
static int orderstat(lua_State *L, const char *name, int kind, int nan) {
  Array *a = arg1(L), *qa = NULL, *w, *o, src;
  int64_t shape[LUMPY_MAXDIMS], st[LUMPY_MAXDIMS], oshape[LUMPY_MAXDIMS];
  int64_t lanes = 1, m = 1, nq = 1, l, i;
  int method = kind ? M_LINEAR : M_MEDIAN, k, n = 0, on = 0, odt;
  double scale = kind == 1 ? 100.0 : 1.0;
  Red r;
  r.name = name;
  if (kind) {
    luaL_checkany(L, 2);
    qa = lumpy_toarrayx(L, 2, LUMPY_FLOAT64);
    lua_replace(L, 2);
    for (i = 0; i < qa->size; i++) {
      double q = ((double *)qa->data)[i];
      if (!(q >= 0 && q <= scale))
        luaL_argerror(L, 2, kind == 1 ? "percentiles must be in the range [0, 100]"
                                      : "quantiles must be in the range [0, 1]");
    }
    nq = qa->size;
  }
  redargs(L, &r, a, kind ? 3 : 2, kind ? O_PCT : O_MED, 1);
  if (kind && r.optidx) {
    if (lua_getfield(L, r.optidx, "method") != LUA_TNIL) {
      const char *s = lua_tostring(L, -1);
      for (k = 0; s && qmethods[k]; k++) if (strcmp(s, qmethods[k]) == 0) break;
      if (!s || !qmethods[k])
        luaL_argerror(L, r.optidx, lua_pushfstring(L, "unknown method '%s'",
                      s ? s : luaL_typename(L, -1)));
      method = k;
    }
    lua_pop(L, 1);
  }
  if (a->dtype == LUMPY_COMPLEX128)
    lumpy_error(L, "lumpy.%s: not supported for complex arrays", name);
  /* kept axes first, reduced axes last */
  for (k = 0; k < a->ndim; k++)
    if (!r.red[k]) { shape[n] = a->shape[k]; st[n++] = a->strides[k]; lanes *= a->shape[k]; }
  for (k = 0; k < a->ndim; k++)
    if (r.red[k]) { shape[n] = a->shape[k]; st[n++] = a->strides[k]; m *= a->shape[k]; }
  header(&src, a->dtype, a->data, a->ndim, shape, st);
  w = lumpy_newarray(L, LUMPY_FLOAT64, a->ndim, shape, 0);
  lumpy_assign(L, w, &src);
  /* result: q's shape, then the kept (or kept-as-1) axes */
  if (qa) for (k = 0; k < qa->ndim; k++) oshape[on++] = qa->shape[k];
  for (k = 0; k < a->ndim; k++) {
    if (!r.red[k]) oshape[on++] = a->shape[k];
    else if (r.keepdims) oshape[on++] = 1;
  }
  o = lumpy_newarray(L, LUMPY_FLOAT64, on, oshape, 0);
  for (l = 0; l < lanes; l++) {
    double *x = (double *)w->data + l * m;
    int64_t mm = m;
    int hasnan = 0;
    if (nan) {       /* NaNs out of the lane */
      for (i = 0, mm = 0; i < m; i++) if (x[i] == x[i]) x[mm++] = x[i];
    }
    else for (i = 0; i < m; i++) if (x[i] != x[i]) { hasnan = 1; break; }
    for (i = 0; i < nq; i++) {
      double q = qa ? ((double *)qa->data)[i] / scale : 0.5;
      ((double *)o->data)[i * lanes + l] = hasnan ? 0.0 / 0.0 : quant(x, mm, q, method);
    }
  }
  if (method == M_MEDIAN) odt = a->dtype == LUMPY_FLOAT32 ? LUMPY_FLOAT32 : LUMPY_FLOAT64;
  else if (method == M_LINEAR || method == M_MIDPOINT) odt = LUMPY_FLOAT64;
  else odt = a->dtype;
  castresult(L, odt);
  return redfinish(L, &r);
}
static int reduce_median(lua_State *L) { return orderstat(L, "median", 0, 0); }
static int reduce_percentile(lua_State *L) { return orderstat(L, "percentile", 1, 0); }
static int reduce_quantile(lua_State *L) { return orderstat(L, "quantile", 2, 0); }
static int reduce_nanmedian(lua_State *L) { return orderstat(L, "nanmedian", 0, 1); }
static int reduce_nanpercentile(lua_State *L) { return orderstat(L, "nanpercentile", 1, 1); }
static int reduce_nanquantile(lua_State *L) { return orderstat(L, "nanquantile", 2, 1); }

/* ------------------------------------------------------------------ */
/* registration                                                        */
/* ------------------------------------------------------------------ */

#define REDFUNCS \
  {"sum", reduce_sum}, {"prod", reduce_prod}, {"mean", reduce_mean}, \
  {"var", reduce_var}, {"std", reduce_std}, {"min", reduce_min}, \
  {"max", reduce_max}, {"argmin", reduce_argmin}, {"argmax", reduce_argmax}, \
  {"cumsum", reduce_cumsum}, {"cumprod", reduce_cumprod}, {"any", reduce_any}, \
  {"all", reduce_all}, {"nansum", reduce_nansum}, {"nanmean", reduce_nanmean}, \
  {"nanmin", reduce_nanmin}, {"nanmax", reduce_nanmax}, {"median", reduce_median}, \
  {"percentile", reduce_percentile}, {"quantile", reduce_quantile}, \
  {"ptp", reduce_ptp}, {"count_nonzero", reduce_count_nonzero}, {"diff", reduce_diff}, \
  {"nanargmin", reduce_nanargmin}, {"nanargmax", reduce_nanargmax}, \
  {"nanmedian", reduce_nanmedian}, {"nanpercentile", reduce_nanpercentile}, \
  {"nanquantile", reduce_nanquantile}, {"nanprod", reduce_nanprod}, \
  {"nanvar", reduce_nanvar}, {"nanstd", reduce_nanstd}, \
  {"nancumsum", reduce_nancumsum}, {"nancumprod", reduce_nancumprod}

void lumpy_open_reduce(lua_State *L) {
  static const luaL_Reg funcs[] = {
    REDFUNCS, {"amin", reduce_min}, {"amax", reduce_max}, {NULL, NULL}
  };
  static const luaL_Reg methods[] = { REDFUNCS, {NULL, NULL} };
  lumpy_register(L, funcs, methods);
}
