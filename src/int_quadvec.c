/*
** int_quadvec.c: adaptive integration of a vector-valued integrand, as
** scipy.integrate.quad_vec: globally adaptive bisection of the intervals
** with the largest errors (batches of up to 128 per round) using a
** Gauss-Kronrod rule (21 points, 15 on mapped infinite ranges) with the
** QUADPACK error estimate (Piessens et al. 1983, 2.2.2) taken in a vector
** norm, stopping when the global error is below max(epsabs, epsrel |I|) / 8
** or below the accumulated rounding error. Infinite ranges are mapped to
** (0, 1] or [-1, 1] (x = start +- (1 - t)/t; x = (1 - |t|)/t).
**
** Interval records and the priority queue live in Lua userdata that grow by
** replacement in fixed stack slots, so an error in the integrand leaks
** nothing.
*/
#include <float.h>
#include <math.h>
#include "int.h"

#define QUADVEC "lumpy.integrate.quad_vec"

/* the Kronrod nodes in SciPy's order (descending), Kronrod weights v, and the
** Gauss weights w of the nodes at odd positions */
static const double x21[21] = {
  0.995657163025808080735527280689003, 0.973906528517171720077964012084452,
  0.930157491355708226001207180059508, 0.865063366688984510732096688423493,
  0.780817726586416897063717578345042, 0.679409568299024406234327365114874,
  0.562757134668604683339000099272694, 0.433395394129247190799265943165784,
  0.294392862701460198131126603103866, 0.148874338981631210884826001129720, 0.0,
  -0.148874338981631210884826001129720, -0.294392862701460198131126603103866,
  -0.433395394129247190799265943165784, -0.562757134668604683339000099272694,
  -0.679409568299024406234327365114874, -0.780817726586416897063717578345042,
  -0.865063366688984510732096688423493, -0.930157491355708226001207180059508,
  -0.973906528517171720077964012084452, -0.995657163025808080735527280689003
};
static const double v21[21] = {
  0.011694638867371874278064396062192, 0.032558162307964727478818972459390,
  0.054755896574351996031381300244580, 0.075039674810919952767043140916190,
  0.093125454583697605535065465083366, 0.109387158802297641899210590325805,
  0.123491976262065851077208854208000, 0.134709217311473325928054001771707,
  0.142775938577060080797094273138717, 0.147739104901338491374841515972068,
  0.149445554002916905664936468389821,
  0.147739104901338491374841515972068, 0.142775938577060080797094273138717,
  0.134709217311473325928054001771707, 0.123491976262065851077208854208000,
  0.109387158802297641899210590325805, 0.093125454583697605535065465083366,
  0.075039674810919952767043140916190, 0.054755896574351996031381300244580,
  0.032558162307964727478818972459390, 0.011694638867371874278064396062192
};
static const double w21[10] = {
  0.066671344308688137593568809893332, 0.149451349150580593145776339657697,
  0.219086362515982043995534934228163, 0.269266719309996355091226921569469,
  0.295524224714752870173892994651338, 0.295524224714752870173892994651338,
  0.269266719309996355091226921569469, 0.219086362515982043995534934228163,
  0.149451349150580593145776339657697, 0.066671344308688137593568809893332
};
static const double x15[15] = {
  0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
  0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
  0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
  0.207784955007898467600689403773245, 0.0,
  -0.207784955007898467600689403773245, -0.405845151377397166906606412076961,
  -0.586087235467691130294144845693013, -0.741531185599394439863864773280788,
  -0.864864423359769072789712788640926, -0.949107912342758524526189684047851,
  -0.991455371120812639206854697526329
};
static const double v15[15] = {
  0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
  0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
  0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
  0.204432940075298892414161999234649, 0.209482141084727828012999174891714,
  0.204432940075298892414161999234649, 0.190350578064785409913256402421014,
  0.169004726639267902826583426598550, 0.140653259715525918745189590510238,
  0.104790010322250183839876322541518, 0.063092092629978553290700663189204,
  0.022935322010529224963732008058970
};
static const double w15[7] = {
  0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
  0.381830050505118944950369775488975, 0.417959183673469387755102040816327,
  0.381830050505118944950369775488975, 0.279705391489276667901467771423780,
  0.129484966168869693270611432679082
};

typedef struct QV {
  lua_State *L;
  lumpy_Fn fn;
  int m;              /* length of the integrand's value; -1 before the first call */
  int scalar;         /* the integrand returns numbers */
  int maxnorm;        /* norm "max" instead of "2" */
  int tr;             /* 0 none, 1 semi-infinite, 2 doubly infinite */
  double start, sgn, tmin;
  int rule;           /* 21 or 15 */
  int slot;           /* stack slot of the scratch block */
  double *fv, *sk, *sg, *skabs, *skdabs, *tmp, *out0;
} QV;

static double qv_norm(const QV *q, const double *x, double scale) {
  double s = 0.0;
  int i;
  if (q->scalar) return fabs(x[0] * scale);
  for (i = 0; i < q->m; i++) {
    double v = fabs(x[i] * scale);
    if (q->maxnorm) { if (v > s || v != v) s = v; }
    else s += v * v;
  }
  return q->maxnorm ? s : sqrt(s);
}

/* scratch for a rule: fv (rule x m) and five vectors of m */
static void qv_alloc(QV *q) {
  size_t m = (size_t)q->m;
  double *p = (double *)lua_newuserdatauv(q->L, sizeof(double) * (m * 21 + 6 * m + 1), 0);
  lua_replace(q->L, q->slot);
  q->fv = p;
  q->sk = p + m * 21;
  q->sg = q->sk + m;
  q->skabs = q->sg + m;
  q->skdabs = q->skabs + m;
  q->tmp = q->skdabs + m;
  q->out0 = q->tmp + m;
}

/* the (mapped) integrand at t into out (the first call sizes everything) */
static void qv_eval(QV *q, double t, double *out, int node) {
  lua_State *L = q->L;
  double x = t, jac = 1.0;
  int i;
  if (q->tr == 1) {
    if (t < q->tmin) goto zero;
    x = q->start + q->sgn * (1.0 - t) / t;
    jac = q->sgn / t / t;
  }
  else if (q->tr == 2) {
    if (fabs(t) < q->tmin) goto zero;
    x = (1.0 - fabs(t)) / t;
    jac = 1.0 / t / t;
  }
  lumpy_fn_callx(&q->fn, x, 1);
  if (q->m < 0) {
    q->scalar = lua_type(L, -1) == LUA_TNUMBER;
    q->m = lumpy_fn_veclen(&q->fn, -1, "the integrand's value");
    qv_alloc(q);
    out = q->fv + (size_t)node * q->m;
  }
  lumpy_fn_checkvector(&q->fn, -1, out, q->m, "the integrand's value");
  lua_pop(L, 1);
  if (jac != 1.0)
    for (i = 0; i < q->m; i++) out[i] = (out[i] / t) / t * (q->tr == 1 ? q->sgn : 1.0);
  return;
zero:
  if (q->m < 0) {
    /* size the integrand at a point inside the range instead */
    lumpy_fn_callx(&q->fn, q->tr == 1 ? q->start : 0.0, 1);
    q->scalar = lua_type(L, -1) == LUA_TNUMBER;
    q->m = lumpy_fn_veclen(&q->fn, -1, "the integrand's value");
    lua_pop(L, 1);
    qv_alloc(q);
    out = q->fv + (size_t)node * q->m;
  }
  for (i = 0; i < q->m; i++) out[i] = 0.0;
}

/* one Gauss-Kronrod rule on [a, b] into ig (m), its error and rounding error */
static void qv_rule(QV *q, double a, double b, double *ig, double *err, double *rnd) {
  int n = q->rule, i, k, ng = n == 21 ? 10 : 7, m;
  const double *X = n == 21 ? x21 : x15, *V = n == 21 ? v21 : v15, *W = n == 21 ? w21 : w15;
  double c = 0.5 * (a + b), h = 0.5 * (b - a), e, dabs, r;
  for (i = 0; i < n; i++) {
    double *out = q->m < 0 ? NULL : q->fv + (size_t)i * q->m;
    qv_eval(q, c + h * X[i], out, i);
  }
  m = q->m;
  for (k = 0; k < m; k++) {
    double sk = 0.0, sabs = 0.0, sg = 0.0, sd = 0.0, y0;
    for (i = 0; i < n; i++) {
      double f = q->fv[(size_t)i * m + k];
      sk += V[i] * f;
      sabs += V[i] * fabs(f);
    }
    for (i = 0; i < ng; i++) sg += W[i] * q->fv[(size_t)(2 * i + 1) * m + k];
    y0 = sk / 2.0;
    for (i = 0; i < n; i++) sd += V[i] * fabs(q->fv[(size_t)i * m + k] - y0);
    q->sk[k] = sk;
    q->skabs[k] = sabs;
    q->skdabs[k] = sd;
    q->tmp[k] = sk - sg;
  }
  e = qv_norm(q, q->tmp, h);
  dabs = qv_norm(q, q->skdabs, h);
  if (dabs != 0 && e != 0) e = dabs * fmin(1.0, pow(200.0 * e / dabs, 1.5));
  r = qv_norm(q, q->skabs, 50.0 * DBL_EPSILON * h);
  if (r > DBL_MIN) e = fmax(e, r);
  if (ig == NULL) ig = q->out0;
  for (k = 0; k < m; k++) ig[k] = h * q->sk[k];
  *err = e;
  *rnd = r;
}

/* the interval records: x1, x2, err, then the integral (m) */
typedef struct Store {
  int slot, hslot;
  double *rec;
  int64_t *heap;
  int64_t n, cap, hn;
  int stride;
} Store;

static void store_grow(lua_State *L, Store *s, int64_t need) {
  if (need > s->cap) {
    int64_t cap = s->cap * 2 > need ? s->cap * 2 : need;
    double *r = (double *)lua_newuserdatauv(L, sizeof(double) * (size_t)(cap * s->stride), 0);
    int64_t *h;
    memcpy(r, s->rec, sizeof(double) * (size_t)(s->n * s->stride));
    lua_replace(L, s->slot);
    h = (int64_t *)lua_newuserdatauv(L, sizeof(int64_t) * (size_t)cap, 0);
    memcpy(h, s->heap, sizeof(int64_t) * (size_t)s->hn);
    lua_replace(L, s->hslot);
    s->rec = r;
    s->heap = h;
    s->cap = cap;
  }
}

#define REC(s, i) ((s)->rec + (size_t)(i) * (s)->stride)

/* heap order of Python's (-err, x1, x2) tuples: larger error first */
static int before(const Store *s, int64_t i, int64_t j) {
  const double *a = REC(s, i), *b = REC(s, j);
  if (a[2] != b[2]) return a[2] > b[2];
  if (a[0] != b[0]) return a[0] < b[0];
  return a[1] < b[1];
}

static void heap_push(Store *s, int64_t r) {
  int64_t k = s->hn++;
  while (k > 0) {
    int64_t p = (k - 1) / 2;
    if (!before(s, r, s->heap[p])) break;
    s->heap[k] = s->heap[p];
    k = p;
  }
  s->heap[k] = r;
}

static int64_t heap_pop(Store *s) {
  int64_t top = s->heap[0], last = s->heap[--s->hn], k = 0;
  for (;;) {
    int64_t c = 2 * k + 1;
    if (c >= s->hn) break;
    if (c + 1 < s->hn && before(s, s->heap[c + 1], s->heap[c])) c++;
    if (!before(s, s->heap[c], last)) break;
    s->heap[k] = s->heap[c];
    k = c;
  }
  if (s->hn > 0) s->heap[k] = last;
  return top;
}

static const char *const qv_messages[] = {
  "Target precision reached.", "Target precision not reached.",
  "Target precision could not be reached due to rounding error.",
  "Non-finite values encountered."
};

/*
** quad_vec(f, a, b, opts) -> value, abserr, neval, status
** opts (normalised by integrate.lua; a, b finite after the mapping): epsabs,
** epsrel, limit, norm ("2" or "max"), points (sorted table), rule (21 or
** 15), map (0, 1, 2), start, sgn, args
*/
static int integrate_quad_vec(lua_State *L) {
  QV q;
  Store s;
  double a = luaL_checknumber(L, 2), b = luaL_checknumber(L, 3);
  double epsabs, epsrel, gerr = 0.0, grnd = 0.0, *gint = NULL, *s1 = NULL, *s2 = NULL;
  int64_t limit, k, npts = 0;
  int status = 1, m = 0, gslot = 0;
  double *pts = NULL;
  luaL_checktype(L, 4, LUA_TTABLE);
  lua_settop(L, 4);
  memset(&q, 0, sizeof q);
  q.L = L;
  q.m = -1;
  lumpy_fn_init(L, &q.fn, 1, 4, QUADVEC);
  epsabs = lumpy_int_optnum(L, 4, "epsabs", 1e-200);
  epsrel = lumpy_int_optnum(L, 4, "epsrel", 1e-8);
  limit = (int64_t)lumpy_int_optnum(L, 4, "limit", 10000);
  q.rule = (int)lumpy_int_optnum(L, 4, "rule", 21);
  q.tr = (int)lumpy_int_optnum(L, 4, "map", 0);
  q.start = lumpy_int_optnum(L, 4, "start", 0.0);
  q.sgn = lumpy_int_optnum(L, 4, "sgn", 1.0);
  q.tmin = sqrt(DBL_MIN);
  lua_getfield(L, 4, "norm");
  q.maxnorm = lua_isstring(L, -1) && strcmp(lua_tostring(L, -1), "max") == 0;
  lua_pop(L, 1);
  if (lua_getfield(L, 4, "points") == LUA_TTABLE) {
    int n = (int)lua_rawlen(L, -1), i;
    double prev = a;
    pts = (double *)lua_newuserdatauv(L, sizeof(double) * (size_t)(n + 1), 0);
    lua_insert(L, -2);          /* keep the buffer below the points table */
    for (i = 1; i <= n; i++) {
      double p;
      lua_rawgeti(L, -1, i);
      p = lua_tonumber(L, -1);
      lua_pop(L, 1);
      if (!(a < p && p < b) || p == prev) continue;
      pts[npts++] = p;
      prev = p;
    }
  }
  lua_pop(L, 1);
  lua_pushnil(L);               /* scratch block slot */
  q.slot = lua_gettop(L);
  /* the initial intervals; the first call of f sizes the buffers */
  for (k = 0; k <= npts; k++) {
    double x1 = k == 0 ? a : pts[k - 1], x2 = k < npts ? pts[k] : b, e, r, *rec;
    int i;
    if (k == 0) {
      int64_t sh;
      qv_rule(&q, x1, x2, NULL, &e, &r);
      m = q.m;
      s.stride = 3 + m;
      s.cap = 64;
      s.n = 0;
      s.hn = 0;
      s.rec = (double *)lua_newuserdatauv(L, sizeof(double) * (size_t)(s.cap * s.stride), 0);
      s.slot = lua_gettop(L);
      s.heap = (int64_t *)lua_newuserdatauv(L, sizeof(int64_t) * (size_t)s.cap, 0);
      s.hslot = lua_gettop(L);
      sh = m;
      gint = (double *)lumpy_newarray(L, LUMPY_FLOAT64, 1, &sh, 1)->data;
      gslot = lua_gettop(L);
      s1 = (double *)lua_newuserdatauv(L, sizeof(double) * 2 * (size_t)m, 0);
      s2 = s1 + m;
      memcpy(s1, q.out0, sizeof(double) * (size_t)m);
    }
    else qv_rule(&q, x1, x2, s1, &e, &r);
    store_grow(L, &s, s.n + 1);
    rec = REC(&s, s.n);
    rec[0] = x1; rec[1] = x2; rec[2] = e;
    memcpy(rec + 3, s1, sizeof(double) * (size_t)m);
    heap_push(&s, s.n);
    s.n++;
    for (i = 0; i < m; i++) gint[i] += s1[i];
    gerr += e;
    grnd += r;
  }
  {
    long neval = (long)(npts + 1) * q.rule;
    while (s.hn > 0 && s.hn < limit) {
      double tol = fmax(epsabs, epsrel * qv_norm(&q, gint, 1.0)), errsum = 0.0;
      int64_t batch[128], nb = 0, j;
      for (j = 0; j < 128 && s.hn > 0; j++) {
        if (j > 0 && errsum > gerr - tol / 8) break;
        batch[nb] = heap_pop(&s);
        errsum += REC(&s, batch[nb])[2];
        nb++;
      }
      for (j = 0; j < nb; j++) {
        int64_t r0 = batch[j], r1;
        double x1 = REC(&s, r0)[0], x2 = REC(&s, r0)[1], olderr = REC(&s, r0)[2];
        double c = 0.5 * (x1 + x2), e1, e2, d1, d2, *rec;
        int i;
        qv_rule(&q, x1, c, s1, &e1, &d1);
        qv_rule(&q, c, x2, s2, &e2, &d2);
        neval += 2 * q.rule;
        rec = REC(&s, r0);
        for (i = 0; i < m; i++) gint[i] += s1[i] + s2[i] - rec[3 + i];
        gerr += e1 + e2 - olderr;
        grnd += d1 + d2;
        rec[1] = c; rec[2] = e1;
        memcpy(rec + 3, s1, sizeof(double) * (size_t)m);
        heap_push(&s, r0);
        store_grow(L, &s, s.n + 1);
        r1 = s.n++;
        rec = REC(&s, r1);
        rec[0] = c; rec[1] = x2; rec[2] = e2;
        memcpy(rec + 3, s2, sizeof(double) * (size_t)m);
        heap_push(&s, r1);
      }
      if (s.hn >= 2) {
        tol = fmax(epsabs, epsrel * qv_norm(&q, gint, 1.0));
        if (gerr < tol / 8) { status = 0; break; }
        if (gerr < grnd) { status = 2; break; }
      }
      if (!(isfinite(gerr) && isfinite(grnd))) { status = 3; break; }
    }
    if (q.scalar) lua_pushnumber(L, gint[0]);
    else lua_pushvalue(L, gslot);
    lua_pushnumber(L, gerr + grnd);
    lua_pushinteger(L, neval);
    lua_pushinteger(L, status);
    lua_pushstring(L, qv_messages[status]);
    return 5;
  }
}

void lumpy_open_int_quadvec(lua_State *L, int t) {
  lua_pushcfunction(L, integrate_quad_vec);
  lua_setfield(L, t, "quad_vec");
}
