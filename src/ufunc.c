/*
** ufunc.c: elementwise operations (NumPy's ufuncs): arithmetic operators,
** comparisons, math functions, where, clip, isclose and friends.
**
** Each operation is a Ufunc: a row saying which computation dtype serves
** each (promoted) input dtype, which dtype the result has, and one inner
** loop per computation dtype. The loops are instantiated per dtype with the
** macros below; each has a contiguous fast path, scalar-operand fast paths
** (step 0) and a strided path, and is driven by lumpy_iterate. Operands
** whose dtype differs from the computation dtype are converted in bounded
** chunks on the C stack (see buffered), never by an array-sized temporary.
**
** Operand layout in every inner loop: args[0] is the output, args[1..] the
** inputs (so the iterator orders axes by the output's memory order).
**
** A call of at least PAR_MIN elements whose operands are all contiguous
** (or scalars) and need no conversion is split in two halves, the second
** run on a second thread (see parallel): one core cannot use the memory
** bandwidth of two. Each half has its own Ctx; nothing else is shared and
** the loops cannot raise.
*/
#include <math.h>
#include <pthread.h>
#include "core.h"

/* parameters and status shared with the inner loops of one call */
typedef struct Ctx {
  int err;                /* set by a loop: integer power with negative exponent */
  double scale;           /* round: 10^|decimals| */
  int decimals;
  double rtol, atol;      /* isclose */
  int equal_nan;
} Ctx;

/* ------------------------------------------------------------------ */
/* loop templates                                                      */
/* ------------------------------------------------------------------ */

/* out = EXPR(a) */
#define UNLOOP(fname, TA, TO, EXPR) \
static void fname(char **args, int64_t n, const int64_t *steps, void *vctx) { \
  char *po = args[0], *pa = args[1]; \
  int64_t so = steps[0], sa = steps[1], i; \
  const Ctx *ctx = (const Ctx *)vctx; \
  (void)ctx; \
  if (so == (int64_t)sizeof(TO) && sa == (int64_t)sizeof(TA)) { \
    TO *o = (TO *)po; \
    const TA *xa = (const TA *)pa; \
    for (i = 0; i < n; i++) { TA a = xa[i]; o[i] = (TO)(EXPR); } \
  } \
  else \
    for (i = 0; i < n; i++, po += so, pa += sa) { \
      TA a = *(const TA *)pa; \
      *(TO *)po = (TO)(EXPR); \
    } \
}

/* out = EXPR(a, b) */
#define BINLOOP(fname, TA, TO, EXPR) \
static void fname(char **args, int64_t n, const int64_t *steps, void *vctx) { \
  char *po = args[0], *pa = args[1], *pb = args[2]; \
  int64_t so = steps[0], sa = steps[1], sb = steps[2], i; \
  Ctx *ctx = (Ctx *)vctx; \
  (void)ctx; \
  if (so == (int64_t)sizeof(TO) && sa == (int64_t)sizeof(TA) && sb == (int64_t)sizeof(TA)) { \
    TO *o = (TO *)po; \
    const TA *xa = (const TA *)pa, *xb = (const TA *)pb; \
    for (i = 0; i < n; i++) { TA a = xa[i], b = xb[i]; o[i] = (TO)(EXPR); } \
  } \
  else if (so == (int64_t)sizeof(TO) && sa == (int64_t)sizeof(TA) && sb == 0) { \
    TO *o = (TO *)po; \
    const TA *xa = (const TA *)pa; \
    const TA b = *(const TA *)pb; \
    for (i = 0; i < n; i++) { TA a = xa[i]; o[i] = (TO)(EXPR); } \
  } \
  else if (so == (int64_t)sizeof(TO) && sa == 0 && sb == (int64_t)sizeof(TA)) { \
    TO *o = (TO *)po; \
    const TA a = *(const TA *)pa; \
    const TA *xb = (const TA *)pb; \
    for (i = 0; i < n; i++) { TA b = xb[i]; o[i] = (TO)(EXPR); } \
  } \
  else \
    for (i = 0; i < n; i++, po += so, pa += sa, pb += sb) { \
      TA a = *(const TA *)pa, b = *(const TA *)pb; \
      *(TO *)po = (TO)(EXPR); \
    } \
}

/* out = EXPR(a, b, c); a of type TA, b and c of type TB */
#define TERLOOP(fname, TA, TB, TO, EXPR) \
static void fname(char **args, int64_t n, const int64_t *steps, void *vctx) { \
  char *po = args[0], *pa = args[1], *pb = args[2], *pc = args[3]; \
  int64_t so = steps[0], sa = steps[1], sb = steps[2], sc = steps[3], i; \
  (void)vctx; \
  if (so == (int64_t)sizeof(TO) && sa == (int64_t)sizeof(TA) && sb == 0 && sc == 0) { \
    TO *o = (TO *)po; \
    const TA *xa = (const TA *)pa; \
    const TB b = *(const TB *)pb, c = *(const TB *)pc; \
    for (i = 0; i < n; i++) { TA a = xa[i]; o[i] = (TO)(EXPR); } \
  } \
  else if (so == (int64_t)sizeof(TO) && sa == (int64_t)sizeof(TA) && \
           sb == (int64_t)sizeof(TB) && sc == (int64_t)sizeof(TB)) { \
    TO *o = (TO *)po; \
    const TA *xa = (const TA *)pa; \
    const TB *xb = (const TB *)pb, *xc = (const TB *)pc; \
    for (i = 0; i < n; i++) { TA a = xa[i]; TB b = xb[i], c = xc[i]; o[i] = (TO)(EXPR); } \
  } \
  else \
    for (i = 0; i < n; i++, po += so, pa += sa, pb += sb, pc += sc) { \
      TA a = *(const TA *)pa; \
      TB b = *(const TB *)pb, c = *(const TB *)pc; \
      *(TO *)po = (TO)(EXPR); \
    } \
}

/* the seven dtypes: suffix, C type, unsigned companion (for wrapping
** integer arithmetic without undefined behaviour) */
typedef uint8_t bool_t;
#define U_u8 unsigned
#define U_i32 uint32_t
#define U_i64 uint64_t

/* loop tables: one slot per computation dtype */
#define L_ALL(op) { op##_b, op##_u8, op##_i32, op##_i64, op##_f32, op##_f64, op##_c128 }
#define L_NUM(op) { NULL, op##_u8, op##_i32, op##_i64, op##_f32, op##_f64, op##_c128 }
#define L_REAL(op) { op##_b, op##_u8, op##_i32, op##_i64, op##_f32, op##_f64, NULL }
#define L_RNUM(op) { NULL, op##_u8, op##_i32, op##_i64, op##_f32, op##_f64, NULL }
#define L_INT(op) { op##_b, op##_u8, op##_i32, op##_i64, NULL, NULL, NULL }
#define L_FLT(op) { NULL, NULL, NULL, NULL, op##_f32, op##_f64, op##_c128 }
#define L_RFLT(op) { NULL, NULL, NULL, NULL, op##_f32, op##_f64, NULL }

/* ------------------------------------------------------------------ */
/* scalar helpers                                                      */
/* ------------------------------------------------------------------ */

/* Python's floor division and modulo for floats (the quotient rounded so
** that a == b*q + r with r of b's sign), IEEE results for b == 0 */
#define FLOATDIVMOD(S, T, FMOD, FLOOR, CPS) \
static inline T pyfdiv_##S(T a, T b) { \
  T mod, div, fl; \
  if (b == 0) return a / b; \
  mod = FMOD(a, b); \
  div = (a - mod) / b; \
  if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1; \
  if (div != 0) { \
    fl = FLOOR(div); \
    if (div - fl > (T)0.5) fl += 1; \
    return fl; \
  } \
  return CPS((T)0, a / b); \
} \
static inline T pymod_##S(T a, T b) { \
  T mod = FMOD(a, b); \
  if (b == 0) return mod; \
  if (mod != 0) { if ((b < 0) != (mod < 0)) mod += b; } \
  else mod = CPS((T)0, b); \
  return mod; \
}
FLOATDIVMOD(f32, float, fmodf, floorf, copysignf)
FLOATDIVMOD(f64, double, fmod, floor, copysign)

/* integer floor division and modulo; 0 for division by zero, and
** MIN // -1 wraps to MIN, as NumPy */
#define INTDIVMOD(S, T, U) \
static inline T idiv_##S(T a, T b) { \
  T q; \
  if (b == 0) return 0; \
  if (b == -1) return (T)((U)0 - (U)a); \
  q = (T)(a / b); \
  if ((T)(a % b) != 0 && ((a < 0) != (b < 0))) q--; \
  return q; \
} \
static inline T imod_##S(T a, T b) { \
  T r; \
  if (b == 0 || b == -1) return 0; \
  r = (T)(a % b); \
  if (r != 0 && ((r < 0) != (b < 0))) r = (T)(r + b); \
  return r; \
} \
static inline T ipow_##S(T a, T b, Ctx *ctx) { \
  U r = 1, x = (U)a; \
  if (b < 0) { ctx->err = 1; return 0; } \
  while (b) { \
    if (b & 1) r *= x; \
    x *= x; \
    b = (T)(b >> 1); \
  } \
  return (T)r; \
}
INTDIVMOD(i32, int32_t, uint32_t)
INTDIVMOD(i64, int64_t, uint64_t)

static inline uint8_t idiv_u8(uint8_t a, uint8_t b) { return b ? (uint8_t)(a / b) : 0; }
static inline uint8_t imod_u8(uint8_t a, uint8_t b) { return b ? (uint8_t)(a % b) : 0; }
static inline uint8_t ipow_u8(uint8_t a, uint8_t b, Ctx *ctx) {
  unsigned r = 1, x = a;
  (void)ctx;
  while (b) {
    if (b & 1) r *= x;
    x *= x;
    b >>= 1;
  }
  return (uint8_t)r;
}

/* NaN-propagating maximum/minimum; fmax/fmin ignore a NaN operand */
#define MAXR(a, b) (((a) >= (b) || (a) != (a)) ? (a) : (b))
#define MINR(a, b) (((a) <= (b) || (a) != (a)) ? (a) : (b))
#define FMAXR(a, b) (((a) >= (b) || (b) != (b)) ? (a) : (b))
#define FMINR(a, b) (((a) <= (b) || (b) != (b)) ? (a) : (b))

/* complex: NumPy orders complex numbers lexicographically */
static inline int cisnan(cplx z) { return isnan(creal(z)) || isnan(cimag(z)); }
static inline int clt(cplx a, cplx b) {
  return creal(a) < creal(b) || (creal(a) == creal(b) && cimag(a) < cimag(b));
}
static inline int cle(cplx a, cplx b) {
  return creal(a) < creal(b) || (creal(a) == creal(b) && cimag(a) <= cimag(b));
}
static inline cplx cmax(cplx a, cplx b) { return (cle(b, a) || cisnan(a)) ? a : b; }
static inline cplx cmin(cplx a, cplx b) { return (cle(a, b) || cisnan(a)) ? a : b; }
static inline cplx cfmax(cplx a, cplx b) { return (cle(b, a) || cisnan(b)) ? a : b; }
static inline cplx cfmin(cplx a, cplx b) { return (cle(a, b) || cisnan(b)) ? a : b; }

#define LN2 0.693147180559945309417232121458176568
#define LN10 2.30258509299404568401799145468436421

static inline cplx clog2_(cplx z) { return clog(z) / LN2; }
static inline cplx clog10_(cplx z) { return clog(z) / LN10; }
static inline cplx cexp2_(cplx z) { return cexp(z * LN2); }
/* log(1+z) and exp(z)-1 without cancellation for small z */
static inline cplx clog1p_(cplx z) {
  double x = creal(z), y = cimag(z);
  double m = hypot(x + 1, y);
  return log(m) + I * atan2(y, x + 1);
}
static inline cplx cexpm1_(cplx z) {
  double x = creal(z), y = cimag(z), s = sin(y / 2);
  return (expm1(x) * cos(y) - 2 * s * s) + I * (exp(x) * sin(y));
}
/* NumPy 2: sign(z) = z / |z| (0 for 0) */
static inline cplx csign_(cplx z) {
  double m = cabs(z);
  if (isnan(m)) return NAN + I * NAN;
  if (m == 0) return 0;
  if (isinf(m)) {
    double x = isinf(creal(z)) ? copysign(1.0, creal(z)) : 0;
    double y = isinf(cimag(z)) ? copysign(1.0, cimag(z)) : 0;
    m = hypot(x, y);
    return x / m + I * (y / m);
  }
  return z / m;
}
/* NumPy's complex power: exact products for small integer exponents,
** 0 ** b is 0 for real b > 0 and NaN otherwise (b != 0) */
static inline cplx cpow_(cplx a, cplx b) {
  double br = creal(b), bi = cimag(b);
  if (br == 0 && bi == 0) return 1;
  if (creal(a) == 0 && cimag(a) == 0) {
    if (br > 0 && bi == 0) return 0;
    return NAN + I * NAN;
  }
  if (bi == 0 && br == floor(br) && fabs(br) < 100) {
    int n = (int)fabs(br);
    cplx r = 1, x = a;
    while (n) {
      if (n & 1) r *= x;
      x *= x;
      n >>= 1;
    }
    return br < 0 ? 1 / r : r;
  }
  return cpow(a, b);
}
cplx lumpy_cpow(cplx a, cplx b) { return cpow_(a, b); }
static inline cplx crint_(cplx z) { return rint(creal(z)) + I * rint(cimag(z)); }

/* float sign keeps NaN and zero */
#define FSIGN(a) ((a) > 0 ? 1 : (a) < 0 ? -1 : (a))

/* round half to even at decimals (NumPy's around: multiply, rint, divide) */
#define ROUNDF(T, RINT, a, ctx) \
  ((ctx)->decimals >= 0 ? (T)(RINT((a) * (T)(ctx)->scale) / (T)(ctx)->scale) \
                        : (T)(RINT((a) / (T)(ctx)->scale) * (T)(ctx)->scale))
static inline double f2d_clamp(double x, double lo, double hi) {
  return x < lo ? lo : x > hi ? hi : x;
}
#define ROUNDI(T, a, lo, hi, ctx) \
  ((ctx)->decimals >= 0 ? (a) \
     : (T)f2d_clamp(rint((double)(a) / (ctx)->scale) * (ctx)->scale, lo, hi))
static inline cplx cround_(cplx z, const Ctx *ctx) {
  double x = creal(z), y = cimag(z);
  return ROUNDF(double, rint, x, ctx) + I * ROUNDF(double, rint, y, ctx);
}

static inline int isclose_d(double a, double b, const Ctx *c) {
  if (isfinite(a) && isfinite(b)) return fabs(a - b) <= c->atol + c->rtol * fabs(b);
  if (isnan(a) || isnan(b)) return c->equal_nan && isnan(a) && isnan(b);
  return a == b;
}
static inline int isclose_z(cplx a, cplx b, const Ctx *c) {
  if (isfinite(creal(a)) && isfinite(cimag(a)) && isfinite(creal(b)) && isfinite(cimag(b)))
    return cabs(a - b) <= c->atol + c->rtol * cabs(b);
  if (cisnan(a) || cisnan(b)) return c->equal_nan && cisnan(a) && cisnan(b);
  return a == b;
}

/* ------------------------------------------------------------------ */
/* arithmetic loops                                                    */
/* ------------------------------------------------------------------ */

/* wrapping integer arithmetic through the unsigned type */
#define IARITH(S, T) \
  BINLOOP(add_##S, T, T, (U_##S)a + (U_##S)b) \
  BINLOOP(sub_##S, T, T, (U_##S)a - (U_##S)b) \
  BINLOOP(mul_##S, T, T, (U_##S)a * (U_##S)b) \
  BINLOOP(fdiv_##S, T, T, idiv_##S(a, b)) \
  BINLOOP(mod_##S, T, T, imod_##S(a, b)) \
  BINLOOP(pow_##S, T, T, ipow_##S(a, b, ctx)) \
  BINLOOP(band_##S, T, T, a & b) \
  BINLOOP(bor_##S, T, T, a | b) \
  BINLOOP(bxor_##S, T, T, a ^ b) \
  UNLOOP(bnot_##S, T, T, ~a) \
  UNLOOP(neg_##S, T, T, (U_##S)0 - (U_##S)a) \
  UNLOOP(square_##S, T, T, (U_##S)a * (U_##S)a) \
  UNLOOP(conj_##S, T, T, a) \
  BINLOOP(max_##S, T, T, a >= b ? a : b) \
  BINLOOP(min_##S, T, T, a <= b ? a : b) \
  TERLOOP(clip_##S, T, T, T, a < b ? b : a > c ? c : a)
IARITH(u8, uint8_t)
IARITH(i32, int32_t)
IARITH(i64, int64_t)

UNLOOP(abs_u8, uint8_t, uint8_t, a)
UNLOOP(abs_i32, int32_t, int32_t, a < 0 ? (uint32_t)0 - (uint32_t)a : (uint32_t)a)
UNLOOP(abs_i64, int64_t, int64_t, a < 0 ? (uint64_t)0 - (uint64_t)a : (uint64_t)a)
UNLOOP(sign_u8, uint8_t, uint8_t, a > 0)
UNLOOP(sign_i32, int32_t, int32_t, (a > 0) - (a < 0))
UNLOOP(sign_i64, int64_t, int64_t, (a > 0) - (a < 0))
UNLOOP(round_u8, uint8_t, uint8_t, ROUNDI(uint8_t, a, 0, 255, ctx))
UNLOOP(round_i32, int32_t, int32_t, ROUNDI(int32_t, a, -2147483648.0, 2147483647.0, ctx))
UNLOOP(round_i64, int64_t, int64_t,
       ROUNDI(int64_t, a, -9223372036854775808.0, 9223372036854774784.0, ctx))

/* bool: + is or, * is and; bitwise ops are logical */
BINLOOP(add_b, bool_t, bool_t, a | b)
BINLOOP(mul_b, bool_t, bool_t, a & b)
BINLOOP(band_b, bool_t, bool_t, a & b)
BINLOOP(bor_b, bool_t, bool_t, a | b)
BINLOOP(bxor_b, bool_t, bool_t, a ^ b)
UNLOOP(bnot_b, bool_t, bool_t, !a)
UNLOOP(abs_b, bool_t, bool_t, a)
BINLOOP(max_b, bool_t, bool_t, a | b)
BINLOOP(min_b, bool_t, bool_t, a & b)
TERLOOP(clip_b, bool_t, bool_t, bool_t, a < b ? b : a > c ? c : a)

/*
** The four float operators on contiguous operands (or one scalar) also have
** an AVX2 build of their loop, taken when the CPU has it (lumpy_simd, see
** config.c): half the instructions of the baseline SSE2 loop, which
** shows on arrays that sit in cache (1000 elements: 0.29 -> ~0.2 us a call).
** One operation each, so both builds round alike.
*/
#if defined(__GNUC__) && defined(__x86_64__)
#define AVX2FN __attribute__((target("avx2"), optimize("O3")))
#else
#define AVX2FN
#endif

#define FBINLOOP(fname, T, OP) \
BINLOOP(fname##_base, T, T, a OP b) \
AVX2FN static void fname##_vec(T *o, const T *xa, const T *xb, int64_t n, int mode) { \
  int64_t i; \
  if (mode == 0) for (i = 0; i < n; i++) o[i] = xa[i] OP xb[i]; \
  else if (mode == 1) { const T b = *xb; for (i = 0; i < n; i++) o[i] = xa[i] OP b; } \
  else { const T a = *xa; for (i = 0; i < n; i++) o[i] = a OP xb[i]; } \
} \
static void fname(char **args, int64_t n, const int64_t *steps, void *ctx) { \
  const int64_t w = (int64_t)sizeof(T); \
  if (lumpy_simd >= LUMPY_SIMD_AVX2 && steps[0] == w) { \
    if (steps[1] == w && steps[2] == w) { \
      fname##_vec((T *)args[0], (const T *)args[1], (const T *)args[2], n, 0); return; } \
    if (steps[1] == w && steps[2] == 0) { \
      fname##_vec((T *)args[0], (const T *)args[1], (const T *)args[2], n, 1); return; } \
    if (steps[1] == 0 && steps[2] == w) { \
      fname##_vec((T *)args[0], (const T *)args[1], (const T *)args[2], n, 2); return; } \
  } \
  fname##_base(args, n, steps, ctx); \
}

#define FARITH(S, T, FLOOR, CEIL, RINT, TRUNC, FABS, POW, ATAN2, HYPOT) \
  FBINLOOP(add_##S, T, +) \
  FBINLOOP(sub_##S, T, -) \
  FBINLOOP(mul_##S, T, *) \
  FBINLOOP(div_##S, T, /) \
  BINLOOP(fdiv_##S, T, T, pyfdiv_##S(a, b)) \
  BINLOOP(mod_##S, T, T, pymod_##S(a, b)) \
  BINLOOP(pow_##S, T, T, POW(a, b)) \
  BINLOOP(max_##S, T, T, MAXR(a, b)) \
  BINLOOP(min_##S, T, T, MINR(a, b)) \
  BINLOOP(fmax_##S, T, T, FMAXR(a, b)) \
  BINLOOP(fmin_##S, T, T, FMINR(a, b)) \
  BINLOOP(arctan2_##S, T, T, ATAN2(a, b)) \
  BINLOOP(hypot_##S, T, T, HYPOT(a, b)) \
  TERLOOP(clip_##S, T, T, T, MINR(MAXR(a, b), c)) \
  UNLOOP(neg_##S, T, T, -a) \
  UNLOOP(abs_##S, T, T, FABS(a)) \
  UNLOOP(square_##S, T, T, a * a) \
  UNLOOP(conj_##S, T, T, a) \
  UNLOOP(sign_##S, T, T, FSIGN(a)) \
  UNLOOP(floor_##S, T, T, FLOOR(a)) \
  UNLOOP(ceil_##S, T, T, CEIL(a)) \
  UNLOOP(rint_##S, T, T, RINT(a)) \
  UNLOOP(trunc_##S, T, T, TRUNC(a)) \
  UNLOOP(round_##S, T, T, ROUNDF(T, RINT, a, ctx))
FARITH(f32, float, floorf, ceilf, rintf, truncf, fabsf, powf, atan2f, hypotf)
FARITH(f64, double, floor, ceil, rint, trunc, fabs, pow, atan2, hypot)

BINLOOP(add_c128, cplx, cplx, a + b)
BINLOOP(sub_c128, cplx, cplx, a - b)
BINLOOP(mul_c128, cplx, cplx, a * b)
BINLOOP(div_c128, cplx, cplx, a / b)
BINLOOP(pow_c128, cplx, cplx, cpow_(a, b))
BINLOOP(max_c128, cplx, cplx, cmax(a, b))
BINLOOP(min_c128, cplx, cplx, cmin(a, b))
BINLOOP(fmax_c128, cplx, cplx, cfmax(a, b))
BINLOOP(fmin_c128, cplx, cplx, cfmin(a, b))
TERLOOP(clip_c128, cplx, cplx, cplx, cmin(cmax(a, b), c))
UNLOOP(neg_c128, cplx, cplx, -a)
UNLOOP(abs_c128, cplx, double, cabs(a))
UNLOOP(square_c128, cplx, cplx, a * a)
UNLOOP(conj_c128, cplx, cplx, conj(a))
UNLOOP(sign_c128, cplx, cplx, csign_(a))
UNLOOP(rint_c128, cplx, cplx, crint_(a))
UNLOOP(round_c128, cplx, cplx, cround_(a, ctx))

/* ------------------------------------------------------------------ */
/* comparisons, logic and classification                               */
/* ------------------------------------------------------------------ */

#define CMPS(S, T) \
  BINLOOP(lt_##S, T, bool_t, a < b) \
  BINLOOP(le_##S, T, bool_t, a <= b) \
  BINLOOP(gt_##S, T, bool_t, a > b) \
  BINLOOP(ge_##S, T, bool_t, a >= b) \
  BINLOOP(eq_##S, T, bool_t, a == b) \
  BINLOOP(ne_##S, T, bool_t, a != b)
CMPS(b, bool_t)
CMPS(u8, uint8_t)
CMPS(i32, int32_t)
CMPS(i64, int64_t)
CMPS(f32, float)
CMPS(f64, double)
BINLOOP(lt_c128, cplx, bool_t, clt(a, b))
BINLOOP(le_c128, cplx, bool_t, cle(a, b))
BINLOOP(gt_c128, cplx, bool_t, clt(b, a))
BINLOOP(ge_c128, cplx, bool_t, cle(b, a))
BINLOOP(eq_c128, cplx, bool_t, a == b)
BINLOOP(ne_c128, cplx, bool_t, a != b)

/* logical ops run on inputs converted to bool (0 or 1) */
BINLOOP(land_b, bool_t, bool_t, a & b)
BINLOOP(lor_b, bool_t, bool_t, a | b)
BINLOOP(lxor_b, bool_t, bool_t, a ^ b)
UNLOOP(lnot_b, bool_t, bool_t, !a)

#define CLASSIFY_INT(S, T) \
  UNLOOP(isnan_##S, T, bool_t, ((void)a, 0)) \
  UNLOOP(isinf_##S, T, bool_t, ((void)a, 0)) \
  UNLOOP(isfinite_##S, T, bool_t, ((void)a, 1))
CLASSIFY_INT(b, bool_t)
CLASSIFY_INT(u8, uint8_t)
CLASSIFY_INT(i32, int32_t)
CLASSIFY_INT(i64, int64_t)
UNLOOP(isnan_f32, float, bool_t, isnan(a))
UNLOOP(isinf_f32, float, bool_t, isinf(a))
UNLOOP(isfinite_f32, float, bool_t, isfinite(a))
UNLOOP(isnan_f64, double, bool_t, isnan(a))
UNLOOP(isinf_f64, double, bool_t, isinf(a))
UNLOOP(isfinite_f64, double, bool_t, isfinite(a))
UNLOOP(isnan_c128, cplx, bool_t, cisnan(a))
UNLOOP(isinf_c128, cplx, bool_t, isinf(creal(a)) || isinf(cimag(a)))
UNLOOP(isfinite_c128, cplx, bool_t, isfinite(creal(a)) && isfinite(cimag(a)))

BINLOOP(isclose_f64, double, bool_t, isclose_d(a, b, ctx))
BINLOOP(isclose_c128, cplx, bool_t, isclose_z(a, b, ctx))

/* where(cond, x, y): cond is bool */
#define WHERE(S, T) TERLOOP(where_##S, bool_t, T, T, a ? b : c)
WHERE(b, bool_t)
WHERE(u8, uint8_t)
WHERE(i32, int32_t)
WHERE(i64, int64_t)
WHERE(f32, float)
WHERE(f64, double)
WHERE(c128, cplx)

/* ------------------------------------------------------------------ */
/* math functions                                                      */
/* ------------------------------------------------------------------ */

/* name, float, double, complex (0: none) */
#define MATH_FUNCS(X) \
  X(sqrt, sqrtf(a), sqrt(a), csqrt(a)) \
  X(exp2, exp2f(a), exp2(a), cexp2_(a)) \
  X(expm1, expm1f(a), expm1(a), cexpm1_(a)) \
  X(log, logf(a), log(a), clog(a)) \
  X(log2, log2f(a), log2(a), clog2_(a)) \
  X(log10, log10f(a), log10(a), clog10_(a)) \
  X(log1p, log1pf(a), log1p(a), clog1p_(a)) \
  X(sin, sinf(a), sin(a), csin(a)) \
  X(cos, cosf(a), cos(a), ccos(a)) \
  X(tan, tanf(a), tan(a), ctan(a)) \
  X(arcsin, asinf(a), asin(a), casin(a)) \
  X(arccos, acosf(a), acos(a), cacos(a)) \
  X(arctan, atanf(a), atan(a), catan(a)) \
  X(sinh, sinhf(a), sinh(a), csinh(a)) \
  X(cosh, coshf(a), cosh(a), ccosh(a)) \
  X(tanh, tanhf(a), tanh(a), ctanh(a)) \
  X(arcsinh, asinhf(a), asinh(a), casinh(a)) \
  X(arccosh, acoshf(a), acosh(a), cacosh(a)) \
  X(arctanh, atanhf(a), atanh(a), catanh(a))

#define MATH_LOOPS(name, ef, ed, ez) \
  UNLOOP(name##_f32, float, float, ef) \
  UNLOOP(name##_f64, double, double, ed) \
  UNLOOP(name##_c128, cplx, cplx, ez)
MATH_FUNCS(MATH_LOOPS)
UNLOOP(exp_f32, float, float, expf(a))
UNLOOP(exp_c128, cplx, cplx, cexp(a))
UNLOOP(exp_strided_f64, double, double, exp(a))

/*
** exp on contiguous float64, vectorised where the CPU has FMA and AVX2 or
** AVX-512: x = k ln2 + r with |r| <= ln2/2 (Cody-Waite split of ln2, k from
** the round-to-nearest shift trick), exp(r) by its Taylor polynomial of
** degree 13 (truncation error below 1e-17), then 2^k put in the exponent
** bits. Results agree with libm's to about one ulp. Arguments outside
** [-708, 709] (overflow, subnormal results, inf, NaN) are flagged in the
** same pass and recomputed with libm's exp in a second pass over a block
** that has any, while the block is in cache.
*/
#define EXPBLOCK 256
#define EXP_BODY \
  int64_t i; \
  int out = 0; \
  for (i = 0; i < n; i++) { \
    double v = x[i], t, k, r, p; \
    out |= !(v >= -708.0) | !(v <= 709.0); \
    union { double d; uint64_t u; } ut, us; \
    t = fma(v, 0x1.71547652b82fep+0, 0x1.8p52); \
    k = t - 0x1.8p52; \
    r = fma(k, -0x1.62e42fee00000p-1, v); \
    r = fma(k, -0x1.a39ef35793c76p-33, r); \
    p = 1.0 / 6227020800.0; \
    p = fma(p, r, 1.0 / 479001600.0); \
    p = fma(p, r, 1.0 / 39916800.0); \
    p = fma(p, r, 1.0 / 3628800.0); \
    p = fma(p, r, 1.0 / 362880.0); \
    p = fma(p, r, 1.0 / 40320.0); \
    p = fma(p, r, 1.0 / 5040.0); \
    p = fma(p, r, 1.0 / 720.0); \
    p = fma(p, r, 1.0 / 120.0); \
    p = fma(p, r, 1.0 / 24.0); \
    p = fma(p, r, 1.0 / 6.0); \
    p = fma(p, r, 0.5); \
    p = fma(p, r, 1.0); \
    p = fma(p, r, 1.0); \
    ut.d = t; \
    us.u = (ut.u - 0x4338000000000000ULL + 1023) << 52; \
    y[i] = p * us.d; \
  } \
  return out;

#if defined(__GNUC__) && defined(__x86_64__)
__attribute__((target("avx512f,fma"), optimize("O3")))
static int vexp512(const double *x, double *y, int64_t n) { EXP_BODY }
__attribute__((target("avx2,fma"), optimize("O3")))
static int vexp256(const double *x, double *y, int64_t n) { EXP_BODY }
#endif

static void exp_f64(char **args, int64_t n, const int64_t *steps, void *ctx) {
#if defined(__GNUC__) && defined(__x86_64__)
  int (*kernel)(const double *, double *, int64_t) =
    lumpy_simd >= LUMPY_SIMD_AVX512 ? vexp512 : lumpy_simd >= LUMPY_SIMD_AVX2 ? vexp256 : NULL;
  if (kernel && steps[0] == 8 && steps[1] == 8) {
    double *y = (double *)args[0];
    const double *x = (const double *)args[1];
    int64_t i, j, m;
    for (i = 0; i < n; i += m) {
      m = n - i < EXPBLOCK ? n - i : EXPBLOCK;
      if (kernel(x + i, y + i, m))
        for (j = i; j < i + m; j++)
          if (!(x[j] >= -708.0 && x[j] <= 709.0)) y[j] = exp(x[j]);
    }
    return;
  }
#endif
  exp_strided_f64(args, n, steps, ctx);
}

UNLOOP(cbrt_f32, float, float, cbrtf(a))
UNLOOP(cbrt_f64, double, double, cbrt(a))

/* ------------------------------------------------------------------ */
/* ufunc descriptions                                                  */
/* ------------------------------------------------------------------ */

/* computation dtype for each promoted input dtype (b u8 i32 i64 f32 f64 c128),
** -1 where the operation is not defined */
#define CT_ALL     { 0, 1, 2, 3, 4, 5, 6 }
#define CT_NUM     { -1, 1, 2, 3, 4, 5, 6 }     /* no bool: - and sign */
#define CT_INTB    { 3, 1, 2, 3, 4, 5, 6 }      /* bool computes as int64 */
#define CT_RINTB   { 3, 1, 2, 3, 4, 5, -1 }     /* same, no complex */
#define CT_FLT     { 5, 5, 5, 5, 4, 5, 6 }      /* integers compute as float64 */
#define CT_RFLT    { 5, 5, 5, 5, 4, 5, -1 }
#define CT_RND     { 5, 1, 2, 3, 4, 5, 6 }      /* round: ints stay */
#define CT_REAL    { 0, 1, 2, 3, 4, 5, -1 }
#define CT_BITS    { 0, 1, 2, 3, -1, -1, -1 }
#define CT_BOOL    { 0, 0, 0, 0, 0, 0, 0 }
#define CT_CLOSE   { 5, 5, 5, 5, 5, 5, 6 }
/* result dtype for each computation dtype */
#define OT_SAME    { 0, 1, 2, 3, 4, 5, 6 }
#define OT_BOOL    { 0, 0, 0, 0, 0, 0, 0 }
#define OT_ABS     { 0, 1, 2, 3, 4, 5, 5 }

enum { F_CMP = 1, F_COND = 2 };   /* comparison; first input is a bool condition */

typedef struct Ufunc {
  const char *name;
  int nin;
  int flags;
  signed char ct[LUMPY_NDTYPES];
  signed char ot[LUMPY_NDTYPES];
  lumpy_Loop loops[LUMPY_NDTYPES];
} Ufunc;

#define UF(var, name, nin, flags, ct, ot, ...) \
  static const Ufunc var = { name, nin, flags, ct, ot, __VA_ARGS__ };

UF(U_add, "add", 2, 0, CT_ALL, OT_SAME, L_ALL(add))
UF(U_sub, "subtract", 2, 0, CT_NUM, OT_SAME, L_NUM(sub))
UF(U_mul, "multiply", 2, 0, CT_ALL, OT_SAME, L_ALL(mul))
UF(U_div, "divide", 2, 0, CT_FLT, OT_SAME, L_FLT(div))
UF(U_fdiv, "floor_divide", 2, 0, CT_RINTB, OT_SAME, L_RNUM(fdiv))
UF(U_mod, "remainder", 2, 0, CT_RINTB, OT_SAME, L_RNUM(mod))
UF(U_pow, "power", 2, 0, CT_INTB, OT_SAME, L_NUM(pow))
UF(U_max, "maximum", 2, 0, CT_ALL, OT_SAME, L_ALL(max))
UF(U_min, "minimum", 2, 0, CT_ALL, OT_SAME, L_ALL(min))
UF(U_fmax, "fmax", 2, 0, CT_ALL, OT_SAME,
   { max_b, max_u8, max_i32, max_i64, fmax_f32, fmax_f64, fmax_c128 })
UF(U_fmin, "fmin", 2, 0, CT_ALL, OT_SAME,
   { min_b, min_u8, min_i32, min_i64, fmin_f32, fmin_f64, fmin_c128 })
UF(U_arctan2, "arctan2", 2, 0, CT_RFLT, OT_SAME, L_RFLT(arctan2))
UF(U_hypot, "hypot", 2, 0, CT_RFLT, OT_SAME, L_RFLT(hypot))
UF(U_band, "bitwise_and", 2, 0, CT_BITS, OT_SAME, L_INT(band))
UF(U_bor, "bitwise_or", 2, 0, CT_BITS, OT_SAME, L_INT(bor))
UF(U_bxor, "bitwise_xor", 2, 0, CT_BITS, OT_SAME, L_INT(bxor))
UF(U_bnot, "invert", 1, 0, CT_BITS, OT_SAME, L_INT(bnot))
UF(U_land, "logical_and", 2, 0, CT_BOOL, OT_BOOL, { land_b })
UF(U_lor, "logical_or", 2, 0, CT_BOOL, OT_BOOL, { lor_b })
UF(U_lxor, "logical_xor", 2, 0, CT_BOOL, OT_BOOL, { lxor_b })
UF(U_lnot, "logical_not", 1, 0, CT_BOOL, OT_BOOL, { lnot_b })
UF(U_lt, "less", 2, F_CMP, CT_ALL, OT_BOOL, L_ALL(lt))
UF(U_le, "less_equal", 2, F_CMP, CT_ALL, OT_BOOL, L_ALL(le))
UF(U_gt, "greater", 2, F_CMP, CT_ALL, OT_BOOL, L_ALL(gt))
UF(U_ge, "greater_equal", 2, F_CMP, CT_ALL, OT_BOOL, L_ALL(ge))
UF(U_eq, "equal", 2, F_CMP, CT_ALL, OT_BOOL, L_ALL(eq))
UF(U_ne, "not_equal", 2, F_CMP, CT_ALL, OT_BOOL, L_ALL(ne))
UF(U_isclose, "isclose", 2, F_CMP, CT_CLOSE, OT_BOOL,
   { NULL, NULL, NULL, NULL, NULL, isclose_f64, isclose_c128 })
UF(U_neg, "negative", 1, 0, CT_NUM, OT_SAME, L_NUM(neg))
UF(U_abs, "absolute", 1, 0, CT_ALL, OT_ABS, L_ALL(abs))
UF(U_sign, "sign", 1, 0, CT_NUM, OT_SAME, L_NUM(sign))
UF(U_square, "square", 1, 0, CT_INTB, OT_SAME, L_NUM(square))
UF(U_conj, "conjugate", 1, 0, CT_INTB, OT_SAME, L_NUM(conj))
UF(U_floor, "floor", 1, 0, CT_RFLT, OT_SAME, L_RFLT(floor))
UF(U_ceil, "ceil", 1, 0, CT_RFLT, OT_SAME, L_RFLT(ceil))
UF(U_trunc, "trunc", 1, 0, CT_RFLT, OT_SAME, L_RFLT(trunc))
UF(U_rint, "rint", 1, 0, CT_FLT, OT_SAME, L_FLT(rint))
UF(U_round, "round", 1, 0, CT_RND, OT_SAME, L_NUM(round))
UF(U_isnan, "isnan", 1, 0, CT_ALL, OT_BOOL, L_ALL(isnan))
UF(U_isinf, "isinf", 1, 0, CT_ALL, OT_BOOL, L_ALL(isinf))
UF(U_isfinite, "isfinite", 1, 0, CT_ALL, OT_BOOL, L_ALL(isfinite))
UF(U_clip, "clip", 3, 0, CT_ALL, OT_SAME, L_ALL(clip))
UF(U_where, "where", 3, F_COND, CT_ALL, OT_SAME, L_ALL(where))

#define MATH_UFUNCS(name, ef, ed, ez) \
  UF(U_##name, #name, 1, 0, CT_FLT, OT_SAME, \
     { NULL, NULL, NULL, NULL, name##_f32, name##_f64, name##_c128 })
MATH_FUNCS(MATH_UFUNCS)

UF(U_cbrt, "cbrt", 1, 0, CT_RFLT, OT_SAME, L_RFLT(cbrt))
UF(U_exp, "exp", 1, 0, CT_FLT, OT_SAME, L_FLT(exp))

/* ------------------------------------------------------------------ */
/* the driver                                                          */
/* ------------------------------------------------------------------ */

#define MAXIN 3
#define NOP (MAXIN + 1)
#define CHUNK 512

/* a call whose operands need dtype conversion: the inner loop runs on
** chunks converted into stack buffers */
typedef struct Buffered {
  lumpy_Loop loop;
  void *ctx;
  int nop;
  lumpy_Loop cast[NOP];   /* inputs: to the loop's dtype; [0]: loop's result to out */
  int64_t isz[NOP];       /* itemsize the loop sees for each operand */
} Buffered;

static void buffered(char **args, int64_t n, const int64_t *steps, void *vb) {
  const Buffered *b = (const Buffered *)vb;
  union { cplx z; char c[CHUNK * sizeof(cplx)]; } buf[NOP];
  char *a[NOP], *ca[2];
  int64_t st[NOP], cs[2], i, m;
  int k;
  for (i = 0; i < n; i += m) {
    m = n - i < CHUNK ? n - i : CHUNK;
    for (k = 1; k < b->nop; k++) {
      char *p = args[k] + i * steps[k];
      if (!b->cast[k]) { a[k] = p; st[k] = steps[k]; continue; }
      a[k] = buf[k].c;
      ca[0] = p; ca[1] = buf[k].c;
      cs[0] = steps[k]; cs[1] = b->isz[k];
      if (steps[k] == 0) {    /* a broadcast operand is converted once */
        if (i == 0) b->cast[k](ca, 1, cs, NULL);
        st[k] = 0;
      }
      else {
        b->cast[k](ca, m, cs, NULL);
        st[k] = b->isz[k];
      }
    }
    if (b->cast[0]) { a[0] = buf[0].c; st[0] = b->isz[0]; }
    else { a[0] = args[0] + i * steps[0]; st[0] = steps[0]; }
    b->loop(a, m, st, b->ctx);
    if (b->cast[0]) {
      ca[0] = buf[0].c; ca[1] = args[0] + i * steps[0];
      cs[0] = b->isz[0]; cs[1] = steps[0];
      b->cast[0](ca, m, cs, NULL);
    }
  }
}

/* kinds for promotion and casting: bool, unsigned, signed, float, complex */
static int kindrank(int dt) {
  switch (lumpy_dtypes[dt].kind) {
    case 'b': return 0;
    case 'u': return 1;
    case 'i': return 2;
    case 'f': return 3;
    default: return 4;
  }
}

/* bool 0, integers 1, floats 2, complex 3 (NumPy 2's weak-scalar kinds) */
static int numkind(int dt) {
  int r = kindrank(dt);
  return r == 0 ? 0 : r <= 2 ? 1 : r - 1;
}

/* one input operand */
typedef struct Operand {
  Array *a;           /* NULL for a Lua scalar */
  int idx;            /* stack index */
  int weak;           /* Lua scalar: dtype it would have alone */
} Operand;

/* the dtype a Lua scalar at idx would have on its own, or -1 */
static int scalarkind(lua_State *L, int idx) {
  switch (lua_type(L, idx)) {
    case LUA_TBOOLEAN: return LUMPY_BOOL;
    case LUA_TNUMBER: return lua_isinteger(L, idx) ? LUMPY_INT64 : LUMPY_FLOAT64;
    case LUA_TUSERDATA: return lumpy_tocomplex(L, idx) ? LUMPY_COMPLEX128 : -1;
    default: return -1;
  }
}

/* reads input operand at idx: an array, a Lua scalar, or a table (made an
** array in place) */
static void getoperand(lua_State *L, int idx, Operand *op) {
  Array *a = lumpy_toarray(L, idx);
  op->idx = idx;
  op->weak = -1;
  op->a = NULL;
  if (a) {
    if (a->closed || a->owner->closed) luaL_argerror(L, idx, "array is closed");
    op->a = a;
  }
  else if ((op->weak = scalarkind(L, idx)) >= 0) return;
  else if (lua_type(L, idx) == LUA_TTABLE) op->a = lumpy_asarray(L, idx);
  else {
    const char *msg = lua_pushfstring(L, "array or number expected, got %s",
                                      luaL_typename(L, idx));
    luaL_argerror(L, idx, msg);
  }
}

/* does an integer weak scalar fit the integer dtype dt? */
static int intfits(lua_Integer v, int dt) {
  switch (dt) {
    case LUMPY_UINT8: return v >= 0 && v <= 255;
    case LUMPY_INT32: return v >= INT32_MIN && v <= INT32_MAX;
    default: return 1;
  }
}

/* NumPy 2 promotion with Lua scalars as weak: the arrays decide, unless a
** scalar is of a higher kind (int over bool, float over int, complex over
** float), which then promotes to its default dtype */
static int promote_ops(lua_State *L, const Ufunc *u, Operand *ops, int nin) {
  int s = -1, k, first = (u->flags & F_COND) ? 1 : 0;
  for (k = first; k < nin; k++)
    if (ops[k].a) s = s < 0 ? ops[k].a->dtype : lumpy_promote(s, ops[k].a->dtype);
  if (s < 0) {        /* only scalars: they are strong */
    for (k = first; k < nin; k++)
      s = s < 0 ? ops[k].weak : lumpy_promote(s, ops[k].weak);
    return s;
  }
  for (k = first; k < nin; k++) {
    int w = ops[k].weak, wk;
    if (w < 0) continue;
    wk = w == LUMPY_BOOL ? 0 : w == LUMPY_INT64 ? 1 : w == LUMPY_FLOAT64 ? 2 : 3;
    if (wk > numkind(s)) s = lumpy_promote(s, w);
  }
  /* integer scalars must fit an integer computation */
  for (k = first; k < nin; k++) {
    int ct = u->ct[s];
    if (ops[k].weak == LUMPY_INT64 && ct >= 0 && ISINT(ct) &&
        !intfits(lua_tointeger(L, ops[k].idx), ct)) {
      if (u->flags & F_CMP) s = LUMPY_INT64;
      else lumpy_error(L, "lumpy.%s: integer %I out of bounds for %s", u->name,
                       lua_tointeger(L, ops[k].idx), lumpy_dtypes[ct].name);
    }
  }
  return s;
}


/* must input a be copied before writing out? (overlapping memory that is
** not the very same elements in the same order) */
static int needcopy(const Array *out, const Array *a) {
  char *alo, *ahi, *olo, *ohi;
  int d;
  if (out->size == 0 || a->size == 0) return 0;
  lumpy_extent(out, &olo, &ohi);
  lumpy_extent(a, &alo, &ahi);
  if (!(alo < ohi && olo < ahi)) return 0;
  if (a->data != out->data || a->ndim != out->ndim || a->dtype != out->dtype) return 1;
  for (d = 0; d < a->ndim; d++)
    if (a->shape[d] != out->shape[d] || a->strides[d] != out->strides[d]) return 1;
  return 0;
}

static void shapeerror(lua_State *L, const Ufunc *u, const Array *out,
                       int nd, const int64_t *shape) {
  char b1[400], b2[400];
  lumpy_error(L, "lumpy.%s: output array has shape %s, expected the broadcast shape %s",
              u->name, lumpy_shapestr(b1, out->ndim, out->shape),
              lumpy_shapestr(b2, nd, shape));
}

/* ------------------------------------------------------------------ */
/* two threads for big contiguous calls                                */
/* ------------------------------------------------------------------ */

#define PAR_MIN ((int64_t)1 << 20)

/* one half of a call: what its thread needs, owned by the caller's frame */
typedef struct Half {
  lumpy_Loop loop;
  char *args[NOP];
  int64_t steps[NOP];
  int64_t n;
  Ctx ctx;
} Half;

static void *runhalf(void *vh) {
  Half *h = (Half *)vh;
  h->loop(h->args, h->n, h->steps, &h->ctx);
  return NULL;
}

/* is every operand C-contiguous over shape (or a scalar: all strides 0)?
** fills steps with the itemsize (or 0) of each */
static int onerun(int nop, int nd, const int64_t *shape, const int64_t *const *strides,
                  const int64_t *isz, int64_t *steps) {
  int k, d, zero;
  for (k = 0; k < nop; k++) {
    int64_t want = isz[k];
    for (d = 0, zero = 1; d < nd; d++) zero = zero && strides[k][d] == 0;
    steps[k] = zero ? 0 : isz[k];
    if (zero) continue;
    for (d = nd - 1; d >= 0; d--) {
      if (shape[d] != 1 && strides[k][d] != want) return 0;
      want *= shape[d];
    }
  }
  return 1;
}

/* loop over n elements as two halves, the second on its own thread (in
** this thread when none can be started); the halves' error flags are
** merged into ctx */
static void parallel(lumpy_Loop loop, int nop, char **data, const int64_t *steps,
                     int64_t n, Ctx *ctx) {
  Half h;
  pthread_t t;
  char *args[NOP];
  int64_t m = (n / 2) & ~(int64_t)63;     /* whole cache lines for each half */
  int k, started;
  h.loop = loop;
  h.n = n - m;
  h.ctx = *ctx;
  for (k = 0; k < nop; k++) {
    args[k] = data[k];
    h.args[k] = data[k] + m * steps[k];
    h.steps[k] = steps[k];
  }
  started = pthread_create(&t, NULL, runhalf, &h) == 0;
  loop(args, m, steps, ctx);
  if (started) pthread_join(t, NULL);
  else runhalf(&h);
  if (h.ctx.err) ctx->err = h.ctx.err;
}

/*
** Runs u on the inputs at stack indices idx[0..nin-1], writing into the
** array at outidx (0 or nil there: a new array). Pushes the result: the
** output array, or a Lua value when the result is 0-d and no out was given.
*/
static int ufunc_run(lua_State *L, const Ufunc *u, const int *idx, int outidx, Ctx *ctx) {
  Operand ops[MAXIN];
  Array *arrs[MAXIN], *out = NULL;
  int64_t shape[LUMPY_MAXDIMS], st[NOP][LUMPY_MAXDIMS];
  const int64_t *strides[NOP];
  char *data[NOP];
  int64_t psteps[NOP];
  union { cplx z; int64_t i; double d; } sval[NOP];
  Buffered b;
  Array *given = NULL;
  int nin = u->nin, narr = 0, nd = 0, s, ct, ot, k, d, anycast = 0, opdt;
  for (k = 0; k < nin; k++) getoperand(L, idx[k], &ops[k]);
  if (outidx && lua_isnoneornil(L, outidx)) outidx = 0;
  if (outidx) out = lumpy_checkarray(L, outidx);
  s = promote_ops(L, u, ops, nin);
  ct = u->ct[s];
  if (ct < 0 || !u->loops[ct])
    return lumpy_error(L, "lumpy.%s: not supported for %s input", u->name, lumpy_dtypes[s].name);
  ot = u->ot[ct];
  for (k = 0; k < nin; k++) if (ops[k].a) arrs[narr++] = ops[k].a;
  if (narr) nd = lumpy_broadcast_shapes(L, narr, arrs, shape);
  if (out) {
    if (out->ndim != nd) shapeerror(L, u, out, nd, shape);
    for (d = 0; d < nd; d++) if (out->shape[d] != shape[d]) shapeerror(L, u, out, nd, shape);
    if (kindrank(ot) > kindrank(out->dtype))
      lumpy_error(L, "lumpy.%s: cannot cast the result from %s to the output's %s",
                  u->name, lumpy_dtypes[ot].name, lumpy_dtypes[out->dtype].name);
    for (k = 0; k < nin; k++)     /* overlapping inputs are copied aside */
      if (ops[k].a && needcopy(out, ops[k].a)) {
        ops[k].a = lumpy_toarrayx(L, ops[k].idx, -1);
        lua_replace(L, ops[k].idx);
      }
  }
  else out = lumpy_newarray(L, ot, nd, shape, 0);
  if (outidx && u == &U_pow && ISINT(ct)) {
    /* integer power can fail halfway (a negative exponent): compute aside
    ** so that the given out is written only when the whole result is good */
    given = out;
    out = lumpy_newarray(L, out->dtype, nd, shape, 0);
  }
  data[0] = out->data;
  strides[0] = out->strides;
  b.cast[0] = out->dtype != ot ? lumpy_castloop(ot, out->dtype) : NULL;
  b.isz[0] = ITEMSIZE(ot);
  anycast = b.cast[0] != NULL;
  for (k = 0; k < nin; k++) {
    opdt = (k == 0 && (u->flags & F_COND)) ? LUMPY_BOOL : ct;
    b.isz[k + 1] = ITEMSIZE(opdt);
    b.cast[k + 1] = NULL;
    if (ops[k].a) {
      Array *a = ops[k].a;
      lumpy_broadcast_strides(a, nd, shape, st[k + 1]);
      data[k + 1] = a->data;
      if (a->dtype != opdt) {
        b.cast[k + 1] = lumpy_castloop(a->dtype, opdt);
        anycast = 1;
      }
    }
    else {
      lumpy_setelem(L, ops[k].idx, opdt, (char *)&sval[k + 1]);
      for (d = 0; d < nd; d++) st[k + 1][d] = 0;
      data[k + 1] = (char *)&sval[k + 1];
    }
    strides[k + 1] = st[k + 1];
  }
  ctx->err = 0;
  if (out->size > 0) {
    if (anycast) {
      b.loop = u->loops[ct];
      b.ctx = ctx;
      b.nop = nin + 1;
      lumpy_iterate(nin + 1, data, nd, shape, strides, buffered, &b);
    }
    else if (onerun(nin + 1, nd, shape, strides, b.isz, psteps)) {
      /* one run: no need for the iterator */
      if (out->size >= PAR_MIN) parallel(u->loops[ct], nin + 1, data, psteps, out->size, ctx);
      else u->loops[ct](data, out->size, psteps, ctx);
    }
    else lumpy_iterate(nin + 1, data, nd, shape, strides, u->loops[ct], ctx);
  }
  if (ctx->err)
    lumpy_error(L, "lumpy.%s: integers to negative integer powers are not allowed", u->name);
  if (given) lumpy_assign(L, given, out);
  if (outidx) lua_pushvalue(L, outidx);
  else if (nd == 0) lumpy_pushelem(L, out->dtype, out->data);
  return 1;
}

/* np.f(a [, out]) and np.f(a, b [, out]) */
static int callu(lua_State *L, const Ufunc *u) {
  int idx[MAXIN] = {1, 2, 3};
  Ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  if (lua_gettop(L) < u->nin) luaL_checkany(L, u->nin);
  return ufunc_run(L, u, idx, u->nin + 1, &ctx);
}

/* operators: a scalar on either side; unary ones get the operand twice */
static int callop(lua_State *L, const Ufunc *u) {
  int idx[MAXIN] = {1, 2, 3};
  Ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  lua_settop(L, u->nin);
  return ufunc_run(L, u, idx, 0, &ctx);
}

#define FUNC(fname, u) static int ufunc_##fname(lua_State *L) { return callu(L, &u); }
#define META(fname, u) static int meta_##fname(lua_State *L) { return callop(L, &u); }

FUNC(add, U_add) FUNC(subtract, U_sub) FUNC(multiply, U_mul) FUNC(divide, U_div)
FUNC(floor_divide, U_fdiv) FUNC(remainder, U_mod) FUNC(power, U_pow)
FUNC(maximum, U_max) FUNC(minimum, U_min) FUNC(fmax, U_fmax) FUNC(fmin, U_fmin)
FUNC(arctan2, U_arctan2) FUNC(hypot, U_hypot)
FUNC(bitwise_and, U_band) FUNC(bitwise_or, U_bor) FUNC(bitwise_xor, U_bxor)
FUNC(invert, U_bnot)
FUNC(logical_and, U_land) FUNC(logical_or, U_lor) FUNC(logical_xor, U_lxor)
FUNC(logical_not, U_lnot)
FUNC(less, U_lt) FUNC(less_equal, U_le) FUNC(greater, U_gt)
FUNC(greater_equal, U_ge) FUNC(equal, U_eq) FUNC(not_equal, U_ne)
FUNC(negative, U_neg) FUNC(absolute, U_abs) FUNC(sign, U_sign)
FUNC(square, U_square) FUNC(conjugate, U_conj)
FUNC(floor, U_floor) FUNC(ceil, U_ceil) FUNC(trunc, U_trunc) FUNC(rint, U_rint)
FUNC(isnan, U_isnan) FUNC(isinf, U_isinf) FUNC(isfinite, U_isfinite)
FUNC(cbrt, U_cbrt) FUNC(exp, U_exp)

#define MATH_FUNC(name, ef, ed, ez) FUNC(name, U_##name)
MATH_FUNCS(MATH_FUNC)

META(add, U_add) META(sub, U_sub) META(mul, U_mul) META(div, U_div)
META(idiv, U_fdiv) META(mod, U_mod) META(pow, U_pow) META(unm, U_neg)
META(band, U_band) META(bor, U_bor) META(bxor, U_bxor) META(bnot, U_bnot)

/* ------------------------------------------------------------------ */
/* functions with extra arguments                                      */
/* ------------------------------------------------------------------ */

/* round(a [, decimals [, out]]), decimals also as {decimals = n} */
static int ufunc_round(lua_State *L) {
  int idx[1] = {1};
  Ctx ctx;
  lua_Integer dec = 0;
  memset(&ctx, 0, sizeof ctx);
  luaL_checkany(L, 1);
  if (lua_type(L, 2) == LUA_TTABLE) {
    static const char *const allowed[] = {"decimals", NULL};
    lumpy_checkopts(L, 2, allowed);
    lua_getfield(L, 2, "decimals");
    if (!lua_isnil(L, -1)) {
      int isnum;
      dec = lua_tointegerx(L, -1, &isnum);
      if (!isnum) luaL_argerror(L, 2, "decimals must be an integer");
    }
    lua_pop(L, 1);
  }
  else if (!lua_isnoneornil(L, 2)) dec = luaL_checkinteger(L, 2);
  if (dec > 400 || dec < -400) dec = dec > 0 ? 400 : -400;
  ctx.decimals = (int)dec;
  ctx.scale = pow(10.0, (double)(dec < 0 ? -dec : dec));
  return ufunc_run(L, &U_round, idx, 3, &ctx);
}

/* clip(a, lo, hi [, out]); lo or hi may be nil */
static int ufunc_clip(lua_State *L) {
  int idx[MAXIN] = {1, 2, 3};
  Ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  luaL_checkany(L, 1);
  if (lua_isnoneornil(L, 2) && lua_isnoneornil(L, 3))
    return luaL_argerror(L, 2, "one of the bounds must be given");
  if (lua_isnoneornil(L, 2)) { idx[1] = 3; return ufunc_run(L, &U_min, idx, 4, &ctx); }
  if (lua_isnoneornil(L, 3)) return ufunc_run(L, &U_max, idx, 4, &ctx);
  return ufunc_run(L, &U_clip, idx, 4, &ctx);
}

/* where(cond, x, y [, out]); where(cond) is nonzero(cond) */
static int ufunc_where(lua_State *L) {
  int idx[MAXIN] = {1, 2, 3};
  Ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  luaL_checkany(L, 1);
  if (lua_gettop(L) == 1) {
    return lumpy_nonzero(L);
  }
  if (lua_isnoneornil(L, 2) || lua_isnoneornil(L, 3))
    return luaL_argerror(L, lua_isnoneornil(L, 2) ? 2 : 3,
                         "where takes 1 or 3 arguments (cond, x, y)");
  return ufunc_run(L, &U_where, idx, 4, &ctx);
}

/* reads rtol, atol, equal_nan: numbers at 3 and 4 and a boolean at 5, or
** an options table at 3 */
static void closeopts(lua_State *L, Ctx *ctx) {
  ctx->rtol = 1e-5;
  ctx->atol = 1e-8;
  ctx->equal_nan = 0;
  if (lua_type(L, 3) == LUA_TTABLE) {
    static const char *const allowed[] = {"rtol", "atol", "equal_nan", NULL};
    lumpy_checkopts(L, 3, allowed);
    if (lua_getfield(L, 3, "rtol") != LUA_TNIL) {
      if (!lua_isnumber(L, -1)) luaL_argerror(L, 3, "rtol must be a number");
      ctx->rtol = lua_tonumber(L, -1);
    }
    if (lua_getfield(L, 3, "atol") != LUA_TNIL) {
      if (!lua_isnumber(L, -1)) luaL_argerror(L, 3, "atol must be a number");
      ctx->atol = lua_tonumber(L, -1);
    }
    lua_getfield(L, 3, "equal_nan");
    ctx->equal_nan = lua_toboolean(L, -1);
    lua_pop(L, 3);
  }
  else {
    ctx->rtol = luaL_optnumber(L, 3, ctx->rtol);
    ctx->atol = luaL_optnumber(L, 4, ctx->atol);
    ctx->equal_nan = lua_toboolean(L, 5);
  }
}

/* all elements of the bool result on top of the stack true? (pops it) */
static int alltrue(lua_State *L) {
  Array *r = lumpy_toarray(L, -1);
  int ok = 1;
  if (r) {
    const uint8_t *p = (const uint8_t *)r->data;
    int64_t i;
    for (i = 0; i < r->size; i++) if (!p[i]) { ok = 0; break; }
  }
  else ok = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return ok;
}

static int ufunc_isclose(lua_State *L) {
  int idx[2] = {1, 2};
  Ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  luaL_checkany(L, 2);
  closeopts(L, &ctx);
  lua_settop(L, 2);
  return ufunc_run(L, &U_isclose, idx, 0, &ctx);
}

static int ufunc_allclose(lua_State *L) {
  ufunc_isclose(L);
  lua_pushboolean(L, alltrue(L));
  return 1;
}

/* both arrays of the same shape and equal elements */
static int sameshape(const Array *a, const Array *b) {
  int d;
  if (a->ndim != b->ndim) return 0;
  for (d = 0; d < a->ndim; d++) if (a->shape[d] != b->shape[d]) return 0;
  return 1;
}

static int array_equal(lua_State *L, int equal_nan) {
  int idx[2] = {1, 2};
  Ctx ctx;
  Array *a = lumpy_asarray(L, 1), *b = lumpy_asarray(L, 2);
  memset(&ctx, 0, sizeof ctx);
  if (!sameshape(a, b)) return 0;
  if (equal_nan) {
    ctx.rtol = 0;
    ctx.atol = 0;
    ctx.equal_nan = 1;
    if (ISFLOAT(lumpy_promote(a->dtype, b->dtype)) ||
        lumpy_promote(a->dtype, b->dtype) == LUMPY_COMPLEX128) {
      ufunc_run(L, &U_isclose, idx, 0, &ctx);   /* |a-b| <= 0, NaN equals NaN */
      return alltrue(L);
    }
  }
  ufunc_run(L, &U_eq, idx, 0, &ctx);
  return alltrue(L);
}

static int ufunc_array_equal(lua_State *L) {
  int en = 0;
  luaL_checkany(L, 2);
  if (lua_type(L, 3) == LUA_TTABLE) {
    static const char *const allowed[] = {"equal_nan", NULL};
    lumpy_checkopts(L, 3, allowed);
    lua_getfield(L, 3, "equal_nan");
    en = lua_toboolean(L, -1);
  }
  else en = lua_toboolean(L, 3);
  lua_settop(L, 2);
  lua_pushboolean(L, array_equal(L, en));
  return 1;
}

/* a == b: whole-array equality (false for anything but two arrays) */
static int meta_eq(lua_State *L) {
  if (!lumpy_isarray(L, 1) || !lumpy_isarray(L, 2)) {
    lua_pushboolean(L, 0);
    return 1;
  }
  lua_settop(L, 2);
  lua_pushboolean(L, array_equal(L, 0));
  return 1;
}

/* outer(a, b [, out]): a flattened as a column times b flattened as a row */
static int ufunc_outer(lua_State *L) {
  int idx[2] = {4, 5}, k;
  Ctx ctx;
  memset(&ctx, 0, sizeof ctx);
  luaL_checkany(L, 2);
  lua_settop(L, 3);
  for (k = 1; k <= 2; k++) {
    int64_t shape[2], strides[2];
    Array *c;
    lumpy_asarray(L, k);
    c = lumpy_ascontig(L, k, -1);     /* pushed: k itself or a copy */
    shape[0] = k == 1 ? c->size : 1;
    shape[1] = k == 1 ? 1 : c->size;
    strides[0] = strides[1] = ITEMSIZE(c->dtype);
    lumpy_newview(L, -1, c->data, 2, shape, strides);
    lua_replace(L, -2);
  }
  return ufunc_run(L, &U_mul, idx, 3, &ctx);
}

/* the comparison method names: a:lt(b) ... */
FUNC(lt, U_lt) FUNC(le, U_le) FUNC(gt, U_gt) FUNC(ge, U_ge) FUNC(eq, U_eq) FUNC(ne, U_ne)

void lumpy_open_ufunc(lua_State *L) {
#define MATH_REG(name, ef, ed, ez) {#name, ufunc_##name},
  static const luaL_Reg unary[] = {
    MATH_FUNCS(MATH_REG)
    {"abs", ufunc_absolute}, {"absolute", ufunc_absolute}, {"negative", ufunc_negative},
    {"sign", ufunc_sign}, {"square", ufunc_square}, {"cbrt", ufunc_cbrt}, {"exp", ufunc_exp},
    {"conj", ufunc_conjugate}, {"conjugate", ufunc_conjugate},
    {"floor", ufunc_floor}, {"ceil", ufunc_ceil}, {"trunc", ufunc_trunc},
    {"rint", ufunc_rint}, {"round", ufunc_round}, {"around", ufunc_round},
    {"isnan", ufunc_isnan}, {"isinf", ufunc_isinf}, {"isfinite", ufunc_isfinite},
    {"logical_not", ufunc_logical_not}, {"invert", ufunc_invert},
    {"clip", ufunc_clip},
    {"lt", ufunc_lt}, {"le", ufunc_le}, {"gt", ufunc_gt}, {"ge", ufunc_ge},
    {"eq", ufunc_eq}, {"ne", ufunc_ne},
    {NULL, NULL}
  };
  static const luaL_Reg funcs[] = {
    {"add", ufunc_add}, {"subtract", ufunc_subtract}, {"multiply", ufunc_multiply},
    {"divide", ufunc_divide}, {"true_divide", ufunc_divide},
    {"floor_divide", ufunc_floor_divide}, {"mod", ufunc_remainder},
    {"remainder", ufunc_remainder}, {"power", ufunc_power},
    {"maximum", ufunc_maximum}, {"minimum", ufunc_minimum},
    {"fmax", ufunc_fmax}, {"fmin", ufunc_fmin},
    {"arctan2", ufunc_arctan2}, {"hypot", ufunc_hypot},
    {"bitwise_and", ufunc_bitwise_and}, {"bitwise_or", ufunc_bitwise_or},
    {"bitwise_xor", ufunc_bitwise_xor}, {"bitwise_not", ufunc_invert},
    {"logical_and", ufunc_logical_and}, {"logical_or", ufunc_logical_or},
    {"logical_xor", ufunc_logical_xor},
    {"less", ufunc_less}, {"less_equal", ufunc_less_equal},
    {"greater", ufunc_greater}, {"greater_equal", ufunc_greater_equal},
    {"equal", ufunc_equal}, {"not_equal", ufunc_not_equal},
    {"where", ufunc_where}, {"outer", ufunc_outer},
    {"isclose", ufunc_isclose}, {"allclose", ufunc_allclose},
    {"array_equal", ufunc_array_equal},
    {NULL, NULL}
  };
  static const luaL_Reg meta[] = {
    {"__add", meta_add}, {"__sub", meta_sub}, {"__mul", meta_mul},
    {"__div", meta_div}, {"__idiv", meta_idiv}, {"__mod", meta_mod},
    {"__pow", meta_pow}, {"__unm", meta_unm},
    {"__band", meta_band}, {"__bor", meta_bor}, {"__bxor", meta_bxor},
    {"__bnot", meta_bnot}, {"__eq", meta_eq},
    {NULL, NULL}
  };
  lumpy_register(L, unary, unary);
  lumpy_register(L, funcs, NULL);
  lumpy_registermeta(L, meta);
#undef MATH_REG
}
