/*
** int_samples.c: integration of sampled values along one axis: the
** composite trapezoidal rule, Simpson's rule (SciPy 1.10's simpson with
** even = "avg" | "first" | "last", including its unequal-spacing formula),
** the cumulative trapezoidal rule and Romberg's method on 2^k + 1 equally
** spaced samples (Richardson extrapolation of the trapezoidal rule, as
** scipy.integrate.romb).
**
** Each rule is a "lane" kernel: it reads one lane of y (and of x) with byte
** strides and writes one result (or a lane of results). The lanes are
** walked by lumpy_iterate over the shape with the integration axis removed.
*/
#include <math.h>
#include "int.h"

typedef struct Lane {
  int64_t n;          /* samples along the axis */
  int64_t sy, sx, so; /* byte strides along the axis (y, x, out) */
  int hasx;
  double dx;
  int even;           /* simpson: 0 avg, 1 first, 2 last */
  double initial;     /* cumulative: value put first, when hasinit */
  int hasinit;
} Lane;

#define Y(i) (*(const double *)(y + (i) * c->sy))
#define X(i) (*(const double *)(x + (i) * c->sx))

static double trap_lane(const Lane *c, const char *y, const char *x) {
  double s = 0.0;
  int64_t i;
  if (c->hasx)
    for (i = 1; i < c->n; i++) s += (X(i) - X(i - 1)) * (Y(i) + Y(i - 1)) * 0.5;
  else {
    for (i = 1; i < c->n; i++) s += (Y(i) + Y(i - 1)) * 0.5;
    s *= c->dx;
  }
  return s;
}

/* Simpson over the panels starting at start, start+2, ... < stop
** (scipy's _basic_simpson) */
static double simpson_basic(const Lane *c, const char *y, const char *x, int64_t start,
                            int64_t stop) {
  double s = 0.0;
  int64_t k;
  if (!c->hasx) {
    for (k = start; k < stop; k += 2) s += Y(k) + 4.0 * Y(k + 1) + Y(k + 2);
    return s * c->dx / 3.0;
  }
  for (k = start; k < stop; k += 2) {
    double h0 = X(k + 1) - X(k), h1 = X(k + 2) - X(k + 1);
    double hsum = h0 + h1, hprod = h0 * h1;
    double r = h1 != 0.0 ? h0 / h1 : 0.0;
    double rinv = r != 0.0 ? 1.0 / r : 0.0;
    double q = hprod != 0.0 ? hsum / hprod : 0.0;
    s += hsum / 6.0 * (Y(k) * (2.0 - rinv) + Y(k + 1) * (hsum * q) + Y(k + 2) * (2.0 - r));
  }
  return s;
}

static double simpson_lane(const Lane *c, const char *y, const char *x) {
  int64_t n = c->n;
  double val = 0.0, result = 0.0;
  if (n % 2 == 1) return simpson_basic(c, y, x, 0, n - 2);
  if (c->even != 2) {       /* avg, first: Simpson first, trapezoid on the last */
    double dl = c->hasx ? X(n - 1) - X(n - 2) : c->dx;
    val += 0.5 * dl * (Y(n - 1) + Y(n - 2));
    result = simpson_basic(c, y, x, 0, n - 3);
  }
  if (c->even != 1) {       /* avg, last: trapezoid on the first, then Simpson */
    double df = c->hasx ? X(1) - X(0) : c->dx;
    val += 0.5 * df * (Y(1) + Y(0));
    result += simpson_basic(c, y, x, 1, n - 2);
  }
  if (c->even == 0) {
    val /= 2.0;
    result /= 2.0;
  }
  return result + val;
}

/* Romberg on n = 2^k + 1 samples (checked by the caller) */
static double romb_lane(const Lane *c, const char *y) {
  double r0[64], r1[64], h;
  int64_t ninterv = c->n - 1, start, stop, step, m;
  int k = 0, i, j;
  for (m = 1; m < ninterv; m <<= 1) k++;
  h = (double)ninterv * c->dx;
  r0[0] = (Y(0) + Y(ninterv)) / 2.0 * h;
  start = stop = step = ninterv;
  for (i = 1; i <= k; i++) {
    double s = 0.0;
    int64_t p;
    start >>= 1;
    for (p = start; p < stop; p += step) s += Y(p);
    r1[0] = 0.5 * (r0[0] + h * s);
    step >>= 1;
    for (j = 1; j <= i; j++) {
      double prev = r1[j - 1];
      r1[j] = prev + (prev - r0[j - 1]) / (double)((1LL << (2 * j)) - 1);
    }
    for (j = 0; j <= i; j++) r0[j] = r1[j];
    h /= 2.0;
  }
  return r0[k];
}

static void cumtrap_lane(const Lane *c, const char *y, const char *x, char *out) {
  double s = 0.0;
  int64_t i;
  if (c->hasinit) {
    *(double *)out = c->initial;
    out += c->so;
  }
  for (i = 1; i < c->n; i++) {
    double d = c->hasx ? X(i) - X(i - 1) : c->dx;
    s += d * (Y(i) + Y(i - 1)) / 2.0;
    *(double *)(out + (i - 1) * c->so) = s;
  }
}

#undef X
#undef Y

/* loops over lanes: args out, y[, x] */
enum { R_TRAP, R_SIMPSON, R_ROMB, R_CUMTRAP };
typedef struct Ctx { Lane lane; int rule; } Ctx;

static void lanes_loop(char **args, int64_t n, const int64_t *steps, void *ud) {
  const Ctx *c = (const Ctx *)ud;
  char *out = args[0];
  const char *y = args[1], *x = c->lane.hasx ? args[2] : NULL;
  int64_t i, sx = c->lane.hasx ? steps[2] : 0;
  for (i = 0; i < n; i++, out += steps[0], y += steps[1], x += sx) {
    switch (c->rule) {      /* per lane, not per element */
      case R_TRAP: *(double *)out = trap_lane(&c->lane, y, x); break;
      case R_SIMPSON: *(double *)out = simpson_lane(&c->lane, y, x); break;
      case R_ROMB: *(double *)out = romb_lane(&c->lane, y); break;
      default: cumtrap_lane(&c->lane, y, x, out); break;
    }
  }
}

/* pushes a float64 version of the array argument at idx (real values only) */
static Array *asfloat(lua_State *L, int idx) {
  Array *a = lumpy_asarray(L, idx);
  if (a->dtype == LUMPY_COMPLEX128)
    luaL_argerror(L, idx, lua_pushfstring(L, "real array expected, got complex128"));
  if (a->dtype == LUMPY_FLOAT64) {
    lua_pushvalue(L, idx);
    return a;
  }
  return lumpy_toarrayx(L, idx, LUMPY_FLOAT64);
}

/*
** rule(y, x|nil, dx, axis, extra): y an array (or nested table), x nil or
** samples (1-d of the axis' length, or y's number of axes, broadcastable),
** axis 1-based. extra: simpson's even (0, 1, 2); cumulative_trapezoid's
** initial (nil for none). Returns a number for 1-d y, else an array.
*/
static int samples(lua_State *L, int rule) {
  Array *y, *x = NULL, *out;
  Ctx c;
  int64_t oshape[LUMPY_MAXDIMS], xst[LUMPY_MAXDIMS], ost[LUMPY_MAXDIMS];
  int64_t yst[LUMPY_MAXDIMS];
  const int64_t *strides[3];
  char *data[3];
  int axis, d, od = 0, cum = rule == R_CUMTRAP;
  lua_settop(L, 5);
  if (lua_isnil(L, 1)) return luaL_argerror(L, 1, "array expected, got nil");
  y = asfloat(L, 1);
  if (y->ndim == 0) return luaL_argerror(L, 1, "at least 1-d array expected, got 0-d");
  axis = lumpy_checkaxis(L, (int)luaL_optinteger(L, 4, -1), y->ndim, 4);
  memset(&c, 0, sizeof c);
  c.rule = rule;
  c.lane.n = y->shape[axis];
  c.lane.sy = y->strides[axis];
  c.lane.dx = luaL_optnumber(L, 3, 1.0);
  if (!lua_isnil(L, 2)) {
    char b1[400], b2[400];
    x = asfloat(L, 2);
    c.lane.hasx = 1;
    if (x->ndim == 1) {
      if (x->shape[0] != c.lane.n)
        return luaL_argerror(L, 2, lua_pushfstring(L,
          "x must have the length of y along the axis (%d), got %d", (int)c.lane.n,
          (int)x->shape[0]));
      for (d = 0; d < y->ndim; d++) xst[d] = 0;
      xst[axis] = x->strides[0];
    }
    else {
      if (x->ndim != y->ndim)
        return luaL_argerror(L, 2, lua_pushfstring(L,
          "x must be 1-d or have y's shape, got %s and %s",
          lumpy_shapestr(b1, x->ndim, x->shape), lumpy_shapestr(b2, y->ndim, y->shape)));
      for (d = 0; d < y->ndim; d++)
        if (x->shape[d] != y->shape[d] && !(x->shape[d] == 1 && d != axis))
          return luaL_argerror(L, 2, lua_pushfstring(L,
            "x must be 1-d or have y's shape, got %s and %s",
            lumpy_shapestr(b1, x->ndim, x->shape), lumpy_shapestr(b2, y->ndim, y->shape)));
      lumpy_broadcast_strides(x, y->ndim, y->shape, xst);
    }
    c.lane.sx = xst[axis];
  }
  if (rule == R_SIMPSON) c.lane.even = (int)luaL_optinteger(L, 5, 0);
  if (rule == R_ROMB) {
    int64_t ninterv = c.lane.n - 1, m = 1;
    while (m < ninterv) m <<= 1;
    if (m != ninterv)
      return lumpy_kerror(L, "lumpy.integrate.romb: number of samples must be one plus a "
                        "non-negative power of 2, got %d", (int)c.lane.n);
  }
  if (cum && !lua_isnil(L, 5)) {
    c.lane.hasinit = 1;
    c.lane.initial = luaL_checknumber(L, 5);
  }
  /* the output: y's shape without the axis (cumulative: the axis shortened) */
  for (d = 0; d < y->ndim; d++) {
    if (d == axis && !cum) continue;
    oshape[od++] = d == axis ? (c.lane.n > 0 ? c.lane.n - 1 + c.lane.hasinit : 0) : y->shape[d];
  }
  out = lumpy_newarray(L, LUMPY_FLOAT64, od, oshape, 1);
  /* operand strides over y's shape; the axis has length 1 so the iterator
  ** drops it */
  {
    int64_t ishape[LUMPY_MAXDIMS];
    od = 0;
    for (d = 0; d < y->ndim; d++) {
      ishape[d] = d == axis ? 1 : y->shape[d];
      yst[d] = y->strides[d];
      if (d == axis) {
        ost[d] = 0;
        if (cum) c.lane.so = out->strides[od++];
      }
      else ost[d] = out->strides[od++];
    }
    if (c.lane.n == 0 && !cum) {
      /* empty lanes integrate to 0 (simpson, romb included) */
      c.rule = R_TRAP;
    }
    data[0] = out->data; data[1] = y->data; data[2] = x ? x->data : NULL;
    strides[0] = ost; strides[1] = yst; strides[2] = xst;
    lumpy_iterate(x ? 3 : 2, data, y->ndim, ishape, strides, lanes_loop, &c);
  }
  if (!cum && out->ndim == 0) lua_pushnumber(L, *(double *)out->data);
  return 1;
}

static int samples_trapezoid(lua_State *L) { return samples(L, R_TRAP); }
static int samples_simpson(lua_State *L) { return samples(L, R_SIMPSON); }
static int samples_romb(lua_State *L) { return samples(L, R_ROMB); }
static int samples_cumtrap(lua_State *L) { return samples(L, R_CUMTRAP); }

void lumpy_open_int_samples(lua_State *L, int t) {
  static const luaL_Reg funcs[] = {
    {"trapezoid", samples_trapezoid}, {"simpson", samples_simpson},
    {"romb", samples_romb}, {"cumulative_trapezoid", samples_cumtrap},
    {NULL, NULL}
  };
  lua_pushvalue(L, t);
  luaL_setfuncs(L, funcs, 0);
  lua_pop(L, 1);
}
