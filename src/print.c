/*
** print.c: tostring(a), exactly NumPy's repr(a) (np.array_repr with the
** default print options: precision 8, floatmode 'maxprec', linewidth 75,
** threshold 1000, edgeitems 3).
**
** Three steps. The shown elements (all of them, or the first and last 3 along
** every long axis when the array has more than 1000 elements) are gathered
** into a flat buffer; they are formatted to strings of one common width, as
** NumPy's IntegerFormat / BoolFormat / FloatingFormat /
** ComplexFloatingFormat do; then the strings are laid out as NumPy's
** _formatArray does (hanging indent, wrapping rows at the line width,
** blank lines between blocks, "..." for the cut parts).
**
** Floats use the shortest digits that read back as the same value (found
** with snprintf("%.*e") and a strtod/strtof round trip), cut to 8 digits
** after the point (correctly rounded by snprintf) when longer.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "core.h"

#define LINEWIDTH 75
#define THRESHOLD 1000
#define EDGEITEMS 3
#define PRECISION 8

/* ------------------------------------------------------------------ */
/* float digits                                                        */
/* ------------------------------------------------------------------ */

/* a finite |x| as digits d1 d2 ... dn (no trailing zeros) times 10^e10,
** read as d1.d2...dn * 10^e10 */
typedef struct Num {
  char d[28];
  int nd;
  int e10;
  int neg;
} Num;

static int roundtrips(const char *s, double x, int f32) {
  if (f32) return strtof(s, NULL) == (float)x;
  return strtod(s, NULL) == x;
}

/* reads "d.ddde+XX" */
static void parse_e(const char *s, Num *n) {
  n->nd = 0;
  for (; *s && *s != 'e'; s++)
    if (*s != '.' && n->nd < (int)sizeof n->d) n->d[n->nd++] = *s;
  n->e10 = *s ? atoi(s + 1) : 0;
  while (n->nd > 1 && n->d[n->nd - 1] == '0') n->nd--;
}

/* reads "ddd.dddd" (as from %f) */
static void parse_f(const char *s, Num *n) {
  int intdigits = 0, seendot = 0, first = -1, k = 0;
  n->nd = 0;
  for (; *s; s++) {
    if (*s == '.') { seendot = 1; continue; }
    if (!seendot) intdigits++;
    if (first < 0 && *s != '0') first = k;
    if (first >= 0 && n->nd < (int)sizeof n->d) n->d[n->nd++] = *s;
    k++;
  }
  if (first < 0) { n->d[0] = '0'; n->nd = 1; n->e10 = 0; return; }
  n->e10 = intdigits - 1 - first;
  while (n->nd > 1 && n->d[n->nd - 1] == '0') n->nd--;
}

/* the digits of finite x: the shortest that round-trip (as a float32 when
** f32), cut to PRECISION digits after the point in positional notation
** (pos) or after the first digit in scientific notation */
static void todigits(double x, int f32, int pos, Num *n) {
  char buf[64];
  double ax = fabs(x);
  int lo = 1, hi = f32 ? 9 : 17;
  n->neg = signbit(x) != 0;
  if (ax == 0) { n->d[0] = '0'; n->nd = 1; n->e10 = 0; return; }
  while (lo < hi) {   /* fewest significant digits that read back as x */
    int mid = (lo + hi) / 2;
    snprintf(buf, sizeof buf, "%.*e", mid - 1, ax);
    if (roundtrips(buf, ax, f32)) hi = mid;
    else lo = mid + 1;
  }
  snprintf(buf, sizeof buf, "%.*e", lo - 1, ax);
  parse_e(buf, n);
  if (pos && n->nd - 1 - n->e10 > PRECISION) {
    snprintf(buf, sizeof buf, "%.*f", PRECISION, ax);
    parse_f(buf, n);
  }
  else if (pos && n->nd < n->e10 + 1) {
    /* NumPy (min_digits = 0) prints every digit down to the units place:
    ** the exact integer, when the shortest digits stop before it (float32
    ** values from 2^24 on) */
    snprintf(buf, sizeof buf, "%.0f", ax);
    parse_f(buf, n);
  }
  else if (!pos && n->nd - 1 > PRECISION) {
    snprintf(buf, sizeof buf, "%.*e", PRECISION, ax);
    parse_e(buf, n);
  }
}

static int ndigits10(int e) {
  int k = 1;
  if (e < 0) e = -e;
  while (e >= 10) { e /= 10; k++; }
  return k;
}

/* ------------------------------------------------------------------ */
/* FloatingFormat                                                      */
/* ------------------------------------------------------------------ */

typedef struct Fmt {
  int exp;        /* scientific notation */
  int padl;       /* width of the part before the point, with the sign */
  int padr;       /* width after the point (scientific: with the exponent) */
  int prec;       /* scientific: mantissa digits after the point */
  int expsize;    /* scientific: exponent digits */
  int plus;       /* sign '+' (imaginary parts) */
} Fmt;

static int intlen(const Fmt *f, const Num *n) {
  int s = n->neg || f->plus;
  if (f->exp) return 1 + s;
  return (n->e10 >= 0 ? n->e10 + 1 : 1) + s;
}

static int fraclen(const Num *n) {
  int k = n->nd - 1 - n->e10;
  return k > 0 ? k : 0;
}

/* NumPy's FloatingFormat.fillFormat over the m values v; fills num[k] for
** the finite ones */
static void fmtinit(Fmt *f, const double *v, Num *num, int64_t m, int f32, int plus) {
  double mx = 0, mn = HUGE_VAL;
  int64_t k;
  int anyfinite = 0, anynonzero = 0, nonfinite = 0, neginf = 0;
  memset(f, 0, sizeof *f);
  f->plus = plus;
  for (k = 0; k < m; k++) {
    double x = v[k];
    if (isfinite(x)) {
      double ax = fabs(x);
      anyfinite = 1;
      if (ax != 0) {
        anynonzero = 1;
        if (ax > mx) mx = ax;
        if (ax < mn) mn = ax;
      }
    }
    else {
      nonfinite = 1;
      if (isinf(x) && x < 0) neginf = 1;
    }
  }
  if (anynonzero) {
    if (f32) {   /* NumPy compares float32 scalars: the ratio is a float32 */
      float q = (float)mx / (float)mn;
      f->exp = mx >= 1e8 || mn < 1e-4 || q > 1000.0f;
    }
    else f->exp = mx >= 1e8 || mn < 1e-4 || mx / mn > 1000.0;
  }
  if (anyfinite) {
    int maxfrac = 0, maxexp = 0;
    for (k = 0; k < m; k++) {
      Num *n = &num[k];
      int il;
      if (!isfinite(v[k])) continue;
      todigits(v[k], f32, !f->exp, n);
      il = intlen(f, n);
      if (il > f->padl) f->padl = il;
      if (f->exp) {
        int e = ndigits10(n->e10);
        if (n->nd - 1 > maxfrac) maxfrac = n->nd - 1;
        if (e > maxexp) maxexp = e;
      }
      else if (fraclen(n) > maxfrac) maxfrac = fraclen(n);
    }
    if (f->exp) {
      /* every mantissa gets prec digits after the point: NumPy's second
      ** pass (min_digits = prec) prints the value's own digits, correctly
      ** rounded, not zeros, past the shortest ones */
      f->prec = maxfrac;
      f->expsize = maxexp < 2 ? 2 : maxexp;
      f->padr = f->expsize + 2 + f->prec;
      for (k = 0; k < m; k++) {
        char buf[64];
        int neg = num[k].neg;
        if (!isfinite(v[k]) || v[k] == 0) continue;
        snprintf(buf, sizeof buf, "%.*e", f->prec, fabs(v[k]));
        parse_e(buf, &num[k]);
        num[k].neg = neg;
      }
    }
    else f->padr = maxfrac;
  }
  if (nonfinite) {
    int off = f->padr + 1, inflen = 3 + (plus || neginf);
    if (3 - off > f->padl) f->padl = 3 - off;
    if (inflen - off > f->padl) f->padl = inflen - off;
  }
}

static int fmtwidth(const Fmt *f) { return f->padl + f->padr + 1; }

/* writes x (whose digits are n when finite) in exactly fmtwidth(f) chars */
static void fmtfloat(const Fmt *f, double x, const Num *n, char *out) {
  int w = fmtwidth(f), p = 0, i;
  if (!isfinite(x)) {
    const char *s = isnan(x) ? (f->plus ? "+nan" : "nan")
                  : x < 0 ? "-inf" : (f->plus ? "+inf" : "inf");
    int l = (int)strlen(s);
    for (i = 0; i < w - l; i++) out[p++] = ' ';
    memcpy(out + p, s, (size_t)l);
    return;
  }
  for (i = intlen(f, n); i < f->padl; i++) out[p++] = ' ';
  if (n->neg) out[p++] = '-';
  else if (f->plus) out[p++] = '+';
  if (f->exp) {
    int e = n->e10 < 0 ? -n->e10 : n->e10, ed = ndigits10(e);
    out[p++] = n->d[0];
    out[p++] = '.';
    for (i = 1; i <= f->prec; i++) out[p++] = i < n->nd ? n->d[i] : '0';
    out[p++] = 'e';
    out[p++] = n->e10 < 0 ? '-' : '+';
    for (i = ed; i < f->expsize; i++) out[p++] = '0';
    snprintf(out + p, (size_t)ed + 1, "%d", e);   /* writes its NUL inside out */
    p += ed;
  }
  else {
    int fl = fraclen(n);
    if (n->e10 >= 0) {
      for (i = 0; i <= n->e10; i++) out[p++] = i < n->nd ? n->d[i] : '0';
      out[p++] = '.';
      for (i = n->e10 + 1; i < n->nd; i++) out[p++] = n->d[i];
    }
    else {
      out[p++] = '0';
      out[p++] = '.';
      for (i = 0; i < -n->e10 - 1; i++) out[p++] = '0';
      for (i = 0; i < n->nd; i++) out[p++] = n->d[i];
    }
    for (i = fl; i < f->padr; i++) out[p++] = ' ';
  }
}

/* ------------------------------------------------------------------ */
/* gathering the shown elements                                        */
/* ------------------------------------------------------------------ */

static int64_t countshown(const Array *a, int summ) {
  int64_t m = 1;
  int d;
  for (d = 0; d < a->ndim; d++)
    m *= (summ && a->shape[d] > 2 * EDGEITEMS) ? 2 * EDGEITEMS : a->shape[d];
  return m;
}

/* copies the shown elements below axis d, starting at p, to out */
static char *gather(const Array *a, int d, const char *p, char *out, int summ) {
  int64_t n = a->shape[d], st = a->strides[d], i;
  int cut = summ && n > 2 * EDGEITEMS, isz = ITEMSIZE(a->dtype);
  for (i = 0; i < n; i++) {
    if (cut && i == EDGEITEMS) i = n - EDGEITEMS;
    if (d == a->ndim - 1) {
      memcpy(out, p + i * st, (size_t)isz);
      out += isz;
    }
    else out = gather(a, d + 1, p + i * st, out, summ);
  }
  return out;
}

/* ------------------------------------------------------------------ */
/* layout (NumPy's _formatArray)                                       */
/* ------------------------------------------------------------------ */

typedef struct Layout {
  luaL_Buffer *b;
  const Array *a;
  const char *elems;    /* the shown elements, each w chars */
  int w;
  int summ;
} Layout;

static void spaces(luaL_Buffer *b, int n) {
  while (n-- > 0) luaL_addchar(b, ' ');
}

/* adds one word of a row: wraps when it would pass width ew */
static void addword(Layout *o, int *len, const char *s, int l, int hang, int ew, int last) {
  if (*len + l > ew && *len > hang) {
    luaL_addchar(o->b, '\n');
    spaces(o->b, hang);
    *len = hang;
  }
  else if (*len > hang) luaL_addchar(o->b, ' ');
  luaL_addlstring(o->b, s, (size_t)l);
  *len += l;
  if (!last) {
    luaL_addchar(o->b, ',');
    *len += 2;
  }
}

static void layout(Layout *o, int d, int hang, int width) {
  const Array *a = o->a;
  int64_t n = a->shape[d], i;
  int cut = o->summ && n > 2 * EDGEITEMS, left = a->ndim - d, k;
  luaL_addchar(o->b, '[');
  if (left == 1) {
    int len = hang, ew = width - 1;
    for (i = 0; i < n; i++) {
      if (cut && i == EDGEITEMS) {
        addword(o, &len, "...", 3, hang, ew, 0);
        i = n - EDGEITEMS;
      }
      addword(o, &len, o->elems, o->w, hang, ew, i == n - 1);
      o->elems += o->w;
    }
  }
  else {
    for (i = 0; i < n; i++) {
      if (i > 0) spaces(o->b, hang);
      if (cut && i == EDGEITEMS) {
        luaL_addstring(o->b, "...,");
        for (k = 1; k < left; k++) luaL_addchar(o->b, '\n');
        spaces(o->b, hang);
        i = n - EDGEITEMS;
      }
      layout(o, d + 1, hang + 1, width - 1);
      if (i < n - 1) {
        luaL_addchar(o->b, ',');
        for (k = 1; k < left; k++) luaL_addchar(o->b, '\n');
      }
    }
  }
  luaL_addchar(o->b, ']');
}

/* ------------------------------------------------------------------ */
/* element formats                                                     */
/* ------------------------------------------------------------------ */

/* formats the m gathered elements (raw, of a's dtype) to strings of one
** width; pushes the buffer and returns it, with the width in *w */
static char *formatall(lua_State *L, const Array *a, const char *raw, int64_t m, int *w) {
  int dt = a->dtype;
  int64_t k;
  char *out, *args[2];
  int64_t steps[2];
  if (dt == LUMPY_BOOL) {
    *w = a->ndim == 0 ? (raw[0] ? 4 : 5) : 5;
    out = (char *)lua_newuserdatauv(L, (size_t)(m * *w), 0);
    for (k = 0; k < m; k++)
      memcpy(out + k * *w, raw[k] ? (*w == 4 ? "True" : " True") : "False", (size_t)*w);
    return out;
  }
  if (ISINT(dt)) {
    int64_t *v = (int64_t *)lua_newuserdatauv(L, sizeof(int64_t) * (size_t)m, 0);
    int64_t mx, mn;
    char buf[32];
    int lmx, lmn;
    args[0] = (char *)raw; args[1] = (char *)v;
    steps[0] = ITEMSIZE(dt); steps[1] = sizeof(int64_t);
    lumpy_castloop(dt, LUMPY_INT64)(args, m, steps, NULL);
    mx = mn = v[0];
    for (k = 1; k < m; k++) {
      if (v[k] > mx) mx = v[k];
      if (v[k] < mn) mn = v[k];
    }
    lmx = snprintf(buf, sizeof buf, "%lld", (long long)mx);
    lmn = snprintf(buf, sizeof buf, "%lld", (long long)mn);
    *w = lmx > lmn ? lmx : lmn;
    out = (char *)lua_newuserdatauv(L, (size_t)(m * *w) + 1, 0);
    for (k = 0; k < m; k++)   /* each writes its NUL over the next one's start */
      snprintf(out + k * *w, (size_t)*w + 1, "%*lld", *w, (long long)v[k]);
    return out;
  }
  if (ISFLOAT(dt)) {
    double *v = (double *)lua_newuserdatauv(L, sizeof(double) * (size_t)m, 0);
    Num *num = (Num *)lua_newuserdatauv(L, sizeof(Num) * (size_t)m, 0);
    Fmt f;
    args[0] = (char *)raw; args[1] = (char *)v;
    steps[0] = ITEMSIZE(dt); steps[1] = sizeof(double);
    lumpy_castloop(dt, LUMPY_FLOAT64)(args, m, steps, NULL);
    fmtinit(&f, v, num, m, dt == LUMPY_FLOAT32, 0);
    *w = fmtwidth(&f);
    out = (char *)lua_newuserdatauv(L, (size_t)(m * *w) + 1, 0);
    for (k = 0; k < m; k++) fmtfloat(&f, v[k], &num[k], out + k * *w);
    return out;
  }
  {   /* complex: real and imaginary parts formatted apart, 'j' after the imaginary */
    const cplx *z = (const cplx *)raw;
    double *re = (double *)lua_newuserdatauv(L, sizeof(double) * 2 * (size_t)m, 0);
    double *im = re + m;
    Num *num = (Num *)lua_newuserdatauv(L, sizeof(Num) * 2 * (size_t)m, 0);
    Fmt fr, fi;
    int wr, wi;
    for (k = 0; k < m; k++) { re[k] = creal(z[k]); im[k] = cimag(z[k]); }
    fmtinit(&fr, re, num, m, 0, 0);
    fmtinit(&fi, im, num + m, m, 0, 1);
    wr = fmtwidth(&fr);
    wi = fmtwidth(&fi);
    *w = wr + wi + 1;
    out = (char *)lua_newuserdatauv(L, (size_t)(m * *w) + 1, 0);
    for (k = 0; k < m; k++) {
      char *p = out + k * *w, *q = p + wr;
      int t;
      fmtfloat(&fr, re[k], &num[k], p);
      fmtfloat(&fi, im[k], &num[m + k], q);
      for (t = wi; t > 0 && q[t - 1] == ' '; t--) {}
      memmove(q + t + 1, q + t, (size_t)(wi - t));
      q[t] = 'j';
    }
    return out;
  }
}

/* ------------------------------------------------------------------ */
/* repr                                                                */
/* ------------------------------------------------------------------ */

/* the dtypes NumPy leaves implied in a repr */
static int impliedtype(int dt) {
  return dt == LUMPY_FLOAT64 || dt == LUMPY_INT64 || dt == LUMPY_BOOL ||
         dt == LUMPY_COMPLEX128;
}

static int print_tostring(lua_State *L) {
  Array *a = lumpy_checkarray(L, 1);
  int skipdtype = impliedtype(a->dtype) && a->size > 0;
  luaL_Buffer b;
  lua_settop(L, 1);
  if (a->size > 0) {
    int summ = a->size > THRESHOLD, w;
    int64_t m = countshown(a, summ);
    char *raw = (char *)lua_newuserdatauv(L, (size_t)(m * ITEMSIZE(a->dtype)), 0);
    const char *elems;
    if (a->ndim == 0) memcpy(raw, a->data, (size_t)ITEMSIZE(a->dtype));
    else gather(a, 0, a->data, raw, summ);
    elems = formatall(L, a, raw, m, &w);
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "array(");
    if (a->ndim == 0) luaL_addlstring(&b, elems, (size_t)w);
    else {
      Layout o;
      o.b = &b; o.a = a; o.elems = elems; o.w = w; o.summ = summ;
      /* the line width less the closing ")" or ","; rows hang under "array([" */
      layout(&o, 0, (int)strlen("array(") + 1, LINEWIDTH - 1);
    }
  }
  else {
    luaL_buffinit(L, &b);
    luaL_addstring(&b, "array([]");
    if (!(a->ndim == 1 && a->shape[0] == 0)) {
      int d;
      luaL_addstring(&b, ", shape=(");
      for (d = 0; d < a->ndim; d++) {
        if (d) luaL_addstring(&b, ", ");
        lua_pushinteger(L, a->shape[d]);
        luaL_addvalue(&b);
      }
      luaL_addstring(&b, a->ndim == 1 ? ",)" : ")");
    }
  }
  if (skipdtype) luaL_addchar(&b, ')');
  else {
    const char *name = lumpy_dtypes[a->dtype].name;
    const char *s = luaL_buffaddr(&b);
    size_t n = luaL_bufflen(&b), last = n + 1;   /* after the ',' */
    size_t i;
    for (i = n; i > 0; i--) if (s[i - 1] == '\n') { last = n + 1 - i; break; }
    luaL_addchar(&b, ',');
    if (last + strlen("dtype=)") + strlen(name) + 1 > LINEWIDTH)
      luaL_addstring(&b, "\n      ");
    else luaL_addchar(&b, ' ');
    luaL_addstring(&b, "dtype=");
    luaL_addstring(&b, name);
    luaL_addchar(&b, ')');
  }
  luaL_pushresult(&b);
  return 1;
}

/* __tostring: as array_repr, but a closed array (or a view of one) prints
** as "array (closed)" (as liolib prints "file (closed)") instead of raising,
** so printing and error messages that format an array never fail */
static int print_meta_tostring(lua_State *L) {
  Array *a = lumpy_toarray(L, 1);
  if (a != NULL && (a->closed || a->owner->closed)) {
    lua_pushliteral(L, "array (closed)");
    return 1;
  }
  return print_tostring(L);
}

void lumpy_open_print(lua_State *L) {
  static const luaL_Reg funcs[] = {{"array_repr", print_tostring}, {NULL, NULL}};
  static const luaL_Reg meta[] = {{"__tostring", print_meta_tostring}, {NULL, NULL}};
  lumpy_register(L, funcs, NULL);
  lumpy_registermeta(L, meta);
}
