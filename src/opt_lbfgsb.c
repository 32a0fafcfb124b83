/*
** opt_lbfgsb.c: L-BFGS-B, limited-memory BFGS with bounds.
**
** R. H. Byrd, P. Lu, J. Nocedal, C. Zhu, "A limited memory algorithm for
** bound constrained optimization", SIAM J. Sci. Comput. 16(5), 1995;
** C. Zhu, R. H. Byrd, P. Lu, J. Nocedal, ACM TOMS 23(4), 1997 (L-BFGS-B
** 2.1); J. L. Morales, J. Nocedal, ACM TOMS 38(1), 2011 (version 3.0: the
** subspace step is projected onto the box and kept when it is a descent
** direction).
**
** Each iteration: the generalized Cauchy point along the projected
** steepest descent path (section 4 of the 1995 paper: breakpoints taken in
** order, the piecewise quadratic minimised with the compact matrix
** B = theta I - W M W', W = [Y, theta S]); the direct primal subspace
** minimisation over the free variables (section 5.1, with the Sherman-
** Morrison-Woodbury form of the reduced inverse); a More-Thuente line
** search (ftol 1e-3, gtol 0.9, xtol 0.1) limited by the bounds. The
** stopping tests, driver loop and counting follow SciPy's
** _minimize_lbfgsb so evaluation counts compare.
*/
#include <math.h>
#include <float.h>
#include <stdlib.h>
#include <cblas.h>
#include "optimize.h"

/*
** Vector helpers for the O(mn) work. At n of a few hundred a BLAS call
** costs about as much in dispatch as in arithmetic, and the two-loop
** recursion wants each update fused with the next product; so these are
** plain loops over four lanes (lane k sums the elements i = k mod 4), with
** an AVX2 build of the same arithmetic chosen at run time (no FMA, so both
** round alike and the iterates do not depend on the machine).
*/
/* the portable build: four scalar lanes */
typedef struct V4 { double v[4]; } V4;
static V4 v4ld(const double *p) { V4 r; memcpy(r.v, p, sizeof r.v); return r; }
static V4 v4mul(V4 a, V4 b) {
  int k;
  for (k = 0; k < 4; k++) a.v[k] *= b.v[k];
  return a;
}
static V4 v4axpy(V4 y, double a, V4 x) {
  int k;
  for (k = 0; k < 4; k++) y.v[k] += a * x.v[k];
  return y;
}

static double dot_c(const double *a, const double *b, int n) {
  double s[4] = {0, 0, 0, 0}, r;
  int i, k;
  for (i = 0; i + 4 <= n; i += 4) {
    V4 p = v4mul(v4ld(a + i), v4ld(b + i));
    for (k = 0; k < 4; k++) s[k] += p.v[k];
  }
  r = (s[0] + s[1]) + (s[2] + s[3]);
  for (; i < n; i++) r += a[i] * b[i];
  return r;
}

static double axpydot_c(double a, const double *x, double *y, const double *z, int n) {
  double s[4] = {0, 0, 0, 0}, r;
  int i, k;
  for (i = 0; i + 4 <= n; i += 4) {
    V4 yv = v4axpy(v4ld(y + i), a, v4ld(x + i)), p;
    memcpy(y + i, yv.v, sizeof yv.v);
    p = v4mul(v4ld(z + i), yv);
    for (k = 0; k < 4; k++) s[k] += p.v[k];
  }
  r = (s[0] + s[1]) + (s[2] + s[3]);
  for (; i < n; i++) { y[i] += a * x[i]; r += z[i] * y[i]; }
  return r;
}

#if defined(__GNUC__) && defined(__x86_64__)
typedef double v4d __attribute__((vector_size(32)));
#define LD4(p) (__extension__({ v4d v_; memcpy(&v_, (p), sizeof v_); v_; }))

__attribute__((target("avx2")))
static double dot_avx(const double *a, const double *b, int n) {
  v4d s = {0, 0, 0, 0};
  double r;
  int i;
  for (i = 0; i + 4 <= n; i += 4) s += LD4(a + i) * LD4(b + i);
  r = (s[0] + s[1]) + (s[2] + s[3]);
  for (; i < n; i++) r += a[i] * b[i];
  return r;
}

__attribute__((target("avx2")))
static double axpydot_avx(double a, const double *x, double *y, const double *z, int n) {
  v4d s = {0, 0, 0, 0}, av = {a, a, a, a};
  double r;
  int i;
  for (i = 0; i + 4 <= n; i += 4) {
    v4d yv = LD4(y + i) + av * LD4(x + i);
    memcpy(y + i, &yv, sizeof yv);
    s += LD4(z + i) * yv;
  }
  r = (s[0] + s[1]) + (s[2] + s[3]);
  for (; i < n; i++) { y[i] += a * x[i]; r += z[i] * y[i]; }
  return r;
}
#define HAVE_AVX() (lumpy_simd >= LUMPY_SIMD_AVX2)
#else
#define dot_avx dot_c
#define axpydot_avx axpydot_c
#define HAVE_AVX() 0
#endif

/* a'b */
static double vdot(const double *a, const double *b, int n) {
  return HAVE_AVX() ? dot_avx(a, b, n) : dot_c(a, b, n);
}

/* y += a x, and returns z'y of the updated y (one pass for both) */
static double axpydot(double a, const double *x, double *y, const double *z, int n) {
  return HAVE_AVX() ? axpydot_avx(a, x, y, z, n) : axpydot_c(a, x, y, z, n);
}

/* bound types (the paper's nbd) */
enum { NB_NONE = 0, NB_LOWER = 1, NB_BOTH = 2, NB_UPPER = 3 };

typedef struct LB {
  int n, m, col, head;
  double theta;
  const double *l, *u;
  const int *nbd;
  double *S, *Y;           /* m rows of n: the corrections */
  double *K;               /* Cholesky factor of T (formk), m x m */
  int *piv;                /* 2m pivots of the subspace step's LU */
  double *wrk2m[4];        /* scratch vectors of 2m */
  double *A;               /* 2m x 2m scratch */
  double *SY, *SS, *YY;    /* m x m products between physical slots */
  double *W;               /* n x 2col: row i of W = [Y, theta S] (with bounds) */
  double *F;               /* n x 2col scratch: the rows of W of fixed variables */
} LB;

/* row k (0 = oldest) of the stored corrections */
static double *srow(LB *b, int k) { return b->S + (size_t)((b->head + k) % b->m) * b->n; }
static double *yrow(LB *b, int k) { return b->Y + (size_t)((b->head + k) % b->m) * b->n; }

/* LU with partial pivoting of the n x n matrix a (row major) in place;
** returns 0, or 1 if singular */
static int lufactor(double *a, int n, int *piv) {
  int i, j, k;
  for (k = 0; k < n; k++) {
    int p = k;
    double big = fabs(a[k * n + k]);
    for (i = k + 1; i < n; i++)
      if (fabs(a[i * n + k]) > big) { big = fabs(a[i * n + k]); p = i; }
    piv[k] = p;
    if (big == 0 || !isfinite(big)) return 1;
    if (p != k)
      for (j = 0; j < n; j++) { double t = a[k * n + j]; a[k * n + j] = a[p * n + j]; a[p * n + j] = t; }
    for (i = k + 1; i < n; i++) {
      double f = a[i * n + k] /= a[k * n + k];
      for (j = k + 1; j < n; j++) a[i * n + j] -= f * a[k * n + j];
    }
  }
  return 0;
}

static void lusolve(const double *a, int n, const int *piv, double *x) {
  int i, j;
  for (i = 0; i < n; i++) {
    double t;
    if (piv[i] != i) { t = x[i]; x[i] = x[piv[i]]; x[piv[i]] = t; }
  }
  for (i = 0; i < n; i++)
    for (j = 0; j < i; j++) x[i] -= a[i * n + j] * x[j];
  for (i = n - 1; i >= 0; i--) {
    for (j = i + 1; j < n; j++) x[i] -= a[i * n + j] * x[j];
    x[i] /= a[i * n + i];
  }
}

/* physical slot of logical correction k */
static int slot(const LB *b, int k) { return (b->head + k) % b->m; }

/* the products of the newest correction (logical col - 1) with all (all
** = 0: its s'y only) */
static void updprod(LB *b, int all) {
  int m = b->m, p = slot(b, b->col - 1), k;
  const double *sp = b->S + (size_t)p * b->n, *yp = b->Y + (size_t)p * b->n;
  if (!all) {       /* without bounds the two-loop recursion needs only s'y */
    b->SY[p * m + p] = vdot(sp, yp, b->n);
    return;
  }
  for (k = 0; k < b->col; k++) {
    int q = slot(b, k);
    const double *sq = b->S + (size_t)q * b->n, *yq = b->Y + (size_t)q * b->n;
    b->SY[p * m + q] = vdot(sp, yq, b->n);
    b->SY[q * m + p] = vdot(sq, yp, b->n);
    b->SS[p * m + q] = b->SS[q * m + p] = vdot(sp, sq, b->n);
    b->YY[p * m + q] = b->YY[q * m + p] = vdot(yp, yq, b->n);
  }
}

/*
** The middle matrix M = K^-1, K = [[-D, L'], [L, theta S'S]] (D = diag s_i'y_i,
** L = the strictly lower part of S'Y), is applied by block elimination as in
** the reference code's formt and bmv: with T = theta S'S + L D^-1 L' = J J'
** (Cholesky, m x m), K [p1; p2] = [v1; v2] gives
**   p2 = T^-1 (v2 + L D^-1 v1),   p1 = D^-1 (L' p2 - v1),
** O(m^2) per product instead of a 2m x 2m solve.
*/

/* s_i'y_j of logical corrections i and j (after formk) */
#define SYL(b, i, j) ((b)->K[(b)->m * (b)->m + (i) * (b)->col + (j)])

/* forms T and its Cholesky factor J (lower, in K), then S'Y in logical
** order and the diagonal of D^-1; returns 0, or 1 when T is not positive definite */
static int formk(LB *b) {
  int c = b->col, i, j, k, m = b->m;
  double *J = b->K;
  for (i = 0; i < c; i++) {
    for (j = 0; j < c; j++) SYL(b, i, j) = b->SY[slot(b, i) * m + slot(b, j)];
    J[2 * m * m + i] = 1 / SYL(b, i, i);        /* D^-1 */
  }
  for (i = 0; i < c; i++)
    for (j = 0; j <= i; j++) {
      double t = b->theta * b->SS[slot(b, i) * m + slot(b, j)];
      for (k = 0; k < j; k++) t += SYL(b, i, k) * SYL(b, j, k) / SYL(b, k, k);
      J[i * c + j] = t;
    }
  for (j = 0; j < c; j++) {          /* J J' = T, column by column */
    double d = J[j * c + j];
    for (k = 0; k < j; k++) d -= J[j * c + k] * J[j * c + k];
    if (!(d > 0)) return 1;
    d = sqrt(d);
    J[j * c + j] = d;
    for (i = j + 1; i < c; i++) {
      double t = J[i * c + j];
      for (k = 0; k < j; k++) t -= J[i * c + k] * J[j * c + k];
      J[i * c + j] = t / d;
    }
  }
  return 0;
}

/* V := M V for the 2col x nc matrix V (row major: row r holds component r
** of the nc vectors) */
static void bmm(LB *b, double *V, int nc) {
  int c = b->col, i, k, j;
  const double *J = b->K, *dinv = b->K + 2 * b->m * b->m;
  double *V1 = V, *V2 = V + (size_t)c * nc;
  for (i = 0; i < c; i++) {          /* V2 := J^-1 (V2 + L D^-1 V1) */
    double *r = V2 + (size_t)i * nc, rd = 1 / J[i * c + i];
    for (k = 0; k < i; k++) {
      double a1 = SYL(b, i, k) * dinv[k], a2 = J[i * c + k];
      const double *r1 = V1 + (size_t)k * nc, *r2 = V2 + (size_t)k * nc;
      for (j = 0; j < nc; j++) r[j] += a1 * r1[j] - a2 * r2[j];
    }
    for (j = 0; j < nc; j++) r[j] *= rd;
  }
  for (i = c - 1; i >= 0; i--) {     /* V2 := J'^-1 V2 */
    double *r = V2 + (size_t)i * nc, rd = 1 / J[i * c + i];
    for (k = i + 1; k < c; k++) {
      double a2 = J[k * c + i];
      const double *r2 = V2 + (size_t)k * nc;
      for (j = 0; j < nc; j++) r[j] -= a2 * r2[j];
    }
    for (j = 0; j < nc; j++) r[j] *= rd;
  }
  for (i = 0; i < c; i++) {          /* V1 := D^-1 (L' V2 - V1) */
    double *r = V1 + (size_t)i * nc;
    for (j = 0; j < nc; j++) r[j] = -r[j];
    for (k = i + 1; k < c; k++) {
      double a1 = SYL(b, k, i);
      const double *r2 = V2 + (size_t)k * nc;
      for (j = 0; j < nc; j++) r[j] += a1 * r2[j];
    }
    for (j = 0; j < nc; j++) r[j] *= dinv[i];
  }
}

/* v := M v */
static void bmv(LB *b, double *v) { bmm(b, v, 1); }

/* W = [Y, theta S] row by row (contiguous rows for the Cauchy point and
** the subspace step) */
static void formw(LB *b) {
  int i, j, c2 = 2 * b->col;
  for (j = 0; j < b->col; j++) {
    const double *y = yrow(b, j), *sv = srow(b, j);
    for (i = 0; i < b->n; i++) {
      b->W[(size_t)i * c2 + j] = y[i];
      b->W[(size_t)i * c2 + b->col + j] = b->theta * sv[i];
    }
  }
}

/* row i of W */
static const double *wrow(const LB *b, int i) { return b->W + (size_t)i * 2 * b->col; }

/* infinity norm of the projected gradient */
static double projgr(const LB *b, const double *x, const double *g, int cnstnd) {
  double norm = 0;
  int i;
  if (!cnstnd) {
    for (i = 0; i < b->n; i++) {
      double a = fabs(g[i]);
      if (!(a <= norm)) {
        if (isnan(a)) return NAN;
        norm = a;
      }
    }
    return norm;
  }
  for (i = 0; i < b->n; i++) {
    double gi = g[i];
    if (b->nbd[i] != NB_NONE) {
      if (gi < 0) { if (b->nbd[i] >= NB_BOTH) gi = fmax(x[i] - b->u[i], gi); }
      else { if (b->nbd[i] <= NB_BOTH) gi = fmin(x[i] - b->l[i], gi); }
    }
    if (isnan(gi)) return NAN;
    norm = fmax(norm, fabs(gi));
  }
  return norm;
}

typedef struct Brk { double t; int i; } Brk;

/* breakpoint order: by t, then by index */
static int brkless(const Brk *a, const Brk *b) {
  return a->t < b->t || (a->t == b->t && a->i < b->i);
}

/* the breakpoints as a binary min-heap (the paper takes them in order, and
** usually needs only the first few: no full sort) */
static void heapdown(Brk *h, int n, int k) {
  for (;;) {
    int l = 2 * k + 1, sm = k;
    Brk t;
    if (l < n && brkless(&h[l], &h[sm])) sm = l;
    if (l + 1 < n && brkless(&h[l + 1], &h[sm])) sm = l + 1;
    if (sm == k) return;
    t = h[k]; h[k] = h[sm]; h[sm] = t;
    k = sm;
  }
}

/* removes the smallest of the n breakpoints of the heap and returns it */
static Brk heappop(Brk *h, int n) {
  Brk top = h[0];
  h[0] = h[n - 1];
  heapdown(h, n - 1, 0);
  return top;
}

/*
** The generalized Cauchy point xcp from x along -g (paper, Algorithm CP),
** and c = W'(xcp - x). iwhere: -1 unbounded, 0 free, 1 at lower, 2 at
** upper, 3 fixed, -3 zero gradient.
*/
static void cauchy(LB *b, const double *x, const double *g, int *iwhere, double *xcp,
                   double *d, double *c, Brk *brk) {
  int n = b->n, col = b->col, c2 = 2 * b->col, i, j, nbreak = 0, bnded = 1, nleft, k;
  double *p = b->wrk2m[0], *v = b->wrk2m[1];
  const double *wbp;
  double f1 = 0, f2, f2_org, dtm, tsum = 0, tj = 0, tj0, dt, theta = b->theta;
  int nfreeish = 0;
  for (j = 0; j < c2; j++) { p[j] = 0; c[j] = 0; }
  for (i = 0; i < n; i++) {
    double neggi = -g[i], tl = 0, tu = 0;
    if (iwhere[i] != 3 && iwhere[i] != -1) {
      int xlower, xupper;
      if (b->nbd[i] <= NB_BOTH) tl = x[i] - b->l[i];
      if (b->nbd[i] >= NB_BOTH) tu = b->u[i] - x[i];
      xlower = b->nbd[i] <= NB_BOTH && b->nbd[i] != NB_NONE && tl <= 0;
      xupper = b->nbd[i] >= NB_BOTH && tu <= 0;
      iwhere[i] = 0;
      if (xlower) { if (neggi <= 0) iwhere[i] = 1; }
      else if (xupper) { if (neggi >= 0) iwhere[i] = 2; }
      else if (fabs(neggi) <= 0) iwhere[i] = -3;
    }
    if (iwhere[i] != 0 && iwhere[i] != -1) d[i] = 0;
    else {
      d[i] = neggi;
      f1 -= neggi * neggi;
      if (b->nbd[i] <= NB_BOTH && b->nbd[i] != NB_NONE && neggi < 0) {
        brk[nbreak].t = tl / (-neggi); brk[nbreak].i = i; nbreak++;
      }
      else if (b->nbd[i] >= NB_BOTH && neggi > 0) {
        brk[nbreak].t = tu / neggi; brk[nbreak].i = i; nbreak++;
      }
      else {
        nfreeish++;
        if (fabs(neggi) > 0) bnded = 0;
      }
    }
  }
  if (col > 0)            /* p = W'd (d is zero on the fixed variables) */
    cblas_dgemv(CblasRowMajor, CblasTrans, n, c2, 1.0, b->W, c2, d, 1, 0.0, p, 1);
  memcpy(xcp, x, sizeof(double) * (size_t)n);
  if (nbreak == 0 && nfreeish == 0) return;          /* d = 0 */
  f2 = -theta * f1;
  f2_org = f2;
  if (col > 0) {
    memcpy(v, p, sizeof(double) * (size_t)c2);
    bmv(b, v);
    f2 -= vdot(v, p, c2);
  }
  dtm = -f1 / f2;
  if (nbreak > 0) {
    int nheap = nbreak;
    for (k = nbreak / 2 - 1; k >= 0; k--) heapdown(brk, nbreak, k);
    nleft = nbreak;
    for (k = 0; ; k++) {
      int ibp;
      double dibp, zibp, dibp2;
      tj0 = tj;
      {
        Brk bk = heappop(brk, nheap--);
        tj = bk.t;
        ibp = bk.i;
      }
      dt = tj - tj0;
      if (dtm < dt) break;             /* the minimiser is in this interval */
      tsum += dt;
      nleft--;
      dibp = d[ibp];
      d[ibp] = 0;
      if (dibp > 0) { zibp = b->u[ibp] - x[ibp]; xcp[ibp] = b->u[ibp]; iwhere[ibp] = 2; }
      else { zibp = b->l[ibp] - x[ibp]; xcp[ibp] = b->l[ibp]; iwhere[ibp] = 1; }
      if (nleft == 0 && nbreak == n) {  /* all variables fixed */
        dtm = dt;
        if (col > 0) for (j = 0; j < c2; j++) c[j] += dtm * p[j];
        return;
      }
      dibp2 = dibp * dibp;
      f1 = f1 + dt * f2 + dibp2 - theta * dibp * zibp;
      f2 = f2 - theta * dibp2;
      if (col > 0) {
        double wmc, wmp, wmw;
        for (j = 0; j < c2; j++) c[j] += dt * p[j];
        wbp = wrow(b, ibp);
        memcpy(v, wbp, sizeof(double) * (size_t)c2);
        bmv(b, v);
        wmc = vdot(c, v, c2);
        wmp = vdot(p, v, c2);
        wmw = vdot(wbp, v, c2);
        for (j = 0; j < c2; j++) p[j] -= dibp * wbp[j];
        f1 += dibp * wmc;
        f2 += 2.0 * dibp * wmp - dibp2 * wmw;
      }
      f2 = fmax(DBL_EPSILON * f2_org, f2);
      if (nleft > 0) dtm = -f1 / f2;
      else {
        dtm = bnded ? 0 : -f1 / f2;
        break;
      }
    }
  }
  if (dtm <= 0) dtm = 0;
  tsum += dtm;
  for (i = 0; i < n; i++) xcp[i] += tsum * d[i];
  if (col > 0) for (j = 0; j < c2; j++) c[j] += dtm * p[j];
}

/*
** Subspace minimisation over the free variables (iwhere <= 0) from the
** Cauchy point z (paper section 5.1, direct primal method), then the
** version 3.0 projection: z := P(z + du) if that is a descent direction
** from x, else the largest feasible step along du (the 1995 rule).
*/
static void subsm(LB *b, const double *x, const double *g, const int *iwhere, double *z,
                  const double *c, double *rc, double *du, double *xp) {
  int n = b->n, c2 = 2 * b->col, i, j, k, nfree = 0, iword = 0;
  double *v = b->wrk2m[0], *mc = b->wrk2m[3];
  double *A = b->A, theta = b->theta, ddp;
  /* reduced gradient rc = Z'(g + theta (z - x) - W M c) */
  memcpy(mc, c, sizeof(double) * (size_t)c2);
  bmv(b, mc);
  {       /* A = W'W from the cached products, less the fixed rows */
    int nc = b->col, m = b->m;
    for (j = 0; j < nc; j++)
      for (k = 0; k < nc; k++) {
        int pj = slot(b, j), pk = slot(b, k);
        A[j * c2 + k] = b->YY[pj * m + pk];
        A[j * c2 + nc + k] = theta * b->SY[pk * m + pj];
        A[(nc + j) * c2 + k] = theta * b->SY[pj * m + pk];
        A[(nc + j) * c2 + nc + k] = theta * theta * b->SS[pj * m + pk];
      }
  }
  /* W M c for every row (du is scratch until the step) */
  cblas_dgemv(CblasRowMajor, CblasNoTrans, n, c2, 1.0, b->W, c2, mc, 1, 0.0, du, 1);
  {       /* the fixed rows of W gathered, then A -= F'F in one BLAS call */
    int nfix = 0;
    for (i = 0; i < n; i++) {
      if (iwhere[i] > 0) {
        memcpy(b->F + (size_t)nfix * c2, wrow(b, i), sizeof(double) * (size_t)c2);
        nfix++;
        rc[i] = 0;
        continue;
      }
      nfree++;
      rc[i] = g[i] + theta * (z[i] - x[i]) - du[i];
    }
    if (nfree == 0) return;
    if (nfix > 0)
      cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, c2, c2, nfix, -1.0, b->F, c2,
                  b->F, c2, 1.0, A, c2);
  }
  /* du = -(1/theta) rc - (1/theta^2) Z'W (I - (1/theta) M W'ZZ'W)^-1 M W'Z rc */
  cblas_dgemv(CblasRowMajor, CblasTrans, n, c2, 1.0, b->W, c2, rc, 1, 0.0, v, 1);
  bmv(b, v);
  bmm(b, A, c2);                      /* A := I - (1/theta) M A */
  for (j = 0; j < c2; j++)
    for (k = 0; k < c2; k++) A[j * c2 + k] = (j == k) - A[j * c2 + k] / theta;
  {
    int *piv = b->piv;
    if (lufactor(A, c2, piv) != 0) {
      /* singular: keep the Cauchy point */
      return;
    }
    lusolve(A, c2, piv, v);
  }
  cblas_dgemv(CblasRowMajor, CblasNoTrans, n, c2, 1.0, b->W, c2, v, 1, 0.0, du, 1);
  for (i = 0; i < n; i++)
    du[i] = iwhere[i] > 0 ? 0 : -rc[i] / theta - du[i] / (theta * theta);
  /* projection (version 3.0) */
  memcpy(xp, z, sizeof(double) * (size_t)n);
  for (i = 0; i < n; i++) {
    double zk, dk;
    if (iwhere[i] > 0) continue;
    zk = z[i]; dk = du[i];
    switch (b->nbd[i]) {
      case NB_LOWER:
        z[i] = fmax(b->l[i], zk + dk);
        if (z[i] == b->l[i]) iword = 1;
        break;
      case NB_BOTH:
        zk = fmax(b->l[i], zk + dk);
        z[i] = fmin(b->u[i], zk);
        if (z[i] == b->l[i] || z[i] == b->u[i]) iword = 1;
        break;
      case NB_UPPER:
        z[i] = fmin(b->u[i], zk + dk);
        if (z[i] == b->u[i]) iword = 1;
        break;
      default:
        z[i] = zk + dk;
    }
  }
  if (!iword) return;
  ddp = 0;
  for (i = 0; i < n; i++) ddp += (z[i] - x[i]) * g[i];
  if (ddp <= 0) return;
  /* not a descent direction: backtrack along du from the Cauchy point */
  memcpy(z, xp, sizeof(double) * (size_t)n);
  {
    double alpha = 1, temp1 = 1;
    int ibd = -1;
    for (i = 0; i < n; i++) {
      double dk = du[i], temp2;
      if (iwhere[i] > 0 || b->nbd[i] == NB_NONE) continue;
      if (dk < 0 && b->nbd[i] <= NB_BOTH) {
        temp2 = b->l[i] - z[i];
        if (temp2 >= 0) temp1 = 0;
        else if (dk * alpha < temp2) temp1 = temp2 / dk;
      }
      else if (dk > 0 && b->nbd[i] >= NB_BOTH) {
        temp2 = b->u[i] - z[i];
        if (temp2 <= 0) temp1 = 0;
        else if (dk * alpha > temp2) temp1 = temp2 / dk;
      }
      if (temp1 < alpha) { alpha = temp1; ibd = i; }
    }
    if (alpha < 1 && ibd >= 0) {
      if (du[ibd] > 0) { z[ibd] = b->u[ibd]; du[ibd] = 0; }
      else if (du[ibd] < 0) { z[ibd] = b->l[ibd]; du[ibd] = 0; }
    }
    for (i = 0; i < n; i++) if (iwhere[i] <= 0) z[i] += alpha * du[i];
  }
}

/* without bounds every variable is free and the subspace step is the
** quasi-Newton step z = x - H g with H the inverse of the compact B, which
** the two-loop recursion gives in O(mn) (Nocedal & Wright, Algorithm 7.4) */
static void twoloop(LB *b, const double *x, const double *g, double *z, double *q) {
  int n = b->n, m = b->m, k, i, col = b->col;
  double *alpha = b->wrk2m[0], *rho = b->wrk2m[1], sq, yq = 0;
  double rtheta = 1 / b->theta;
  memcpy(q, g, sizeof(double) * (size_t)n);
  for (k = 0; k < col; k++) rho[k] = 1 / b->SY[slot(b, k) * m + slot(b, k)];
  /* each pass updates q and forms the next product with it */
  sq = vdot(srow(b, col - 1), q, n);
  for (k = col - 1; k >= 0; k--) {
    alpha[k] = rho[k] * sq;
    if (k > 0) sq = axpydot(-alpha[k], yrow(b, k), q, srow(b, k - 1), n);
    else yq = axpydot(-alpha[0], yrow(b, 0), q, yrow(b, 0), n) * rtheta;
  }
  for (i = 0; i < n; i++) q[i] *= rtheta;        /* H0 = I / theta */
  for (k = 0; k < col; k++) {
    double be = rho[k] * yq;
    const double *sv = srow(b, k);
    if (k + 1 < col) yq = axpydot(alpha[k] - be, sv, q, yrow(b, k + 1), n);
    else for (i = 0; i < n; i++) z[i] = x[i] - (q[i] + (alpha[k] - be) * sv[i]);
  }
}

static const char *const LB_PGTOL = "CONVERGENCE: NORM_OF_PROJECTED_GRADIENT_<=_PGTOL";
static const char *const LB_FACTR = "CONVERGENCE: REL_REDUCTION_OF_F_<=_FACTR*EPSMCH";
static const char *const LB_MAXITER = "STOP: TOTAL NO. of ITERATIONS REACHED LIMIT";
static const char *const LB_MAXFUN = "STOP: TOTAL NO. of f AND g EVALUATIONS EXCEEDS LIMIT";
static const char *const LB_ABNORMAL = "ABNORMAL_TERMINATION_IN_LNSRCH";

/* _lbfgsb(fun, x0, jac, opts, lb, ub) -> result table */
static int optimize_lbfgsb(lua_State *L) {
  int n, i, m, status = 0, cnstnd = 0, boxed = 1, *iwhere, *nbd;
  long maxiter, maxfun, maxls, nit = 0;
  double *x0, *bnd, *l, *u, *x, *g, *z, *d, *t, *r, *c, *rc, *du, *xp, *work;
  double f, fold = 0, pgtol, ftol, sbgnrm;
  const char *msg = NULL;
  Brk *brk;
  Obj o;
  LB b;
  Callback cb;
  lua_settop(L, 6);
  lumpy_blas_load(L);
  luaL_checktype(L, 4, LUA_TTABLE);
  x0 = opt_checkx0(L, 2, &n);
  bnd = opt_checkbounds(L, 5, n);
  opt_objinit(L, &o, 1, 3, 4, n);
  if (o.eps == 0 && (o.mode == JAC_FD2 || o.mode == JAC_FD3) && !lua_isstring(L, 3))
    o.eps = 1e-8;
  m = (int)opt_optint(L, 4, "maxcor", 10);
  if (m < 1) m = 1;
  maxiter = opt_optint(L, 4, "maxiter", 15000);
  maxfun = opt_optint(L, 4, "maxfun", 15000);
  maxls = opt_optint(L, 4, "maxls", 20);
  pgtol = opt_optnum(L, 4, "gtol", 1e-5);
  ftol = opt_optnum(L, 4, "ftol", 2.2204460492503131e-09);
  opt_cbinit(L, &cb, 4, "lumpy.optimize.minimize");
  /* work memory: doubles, then ints and breakpoints in the same block */
  work = opt_work(L, 11 * (size_t)n + 6 * (size_t)m * n + 11 * (size_t)m * m + 10 * (size_t)m
                  + ((size_t)n * sizeof(Brk) + 2 * (size_t)n * sizeof(int)
                     + 2 * (size_t)m * sizeof(int)) / sizeof(double) + 2);
  l = work; u = l + n;
  x = u + n; g = x + n; z = g + n; d = z + n; t = d + n; r = t + n; rc = r + n; du = rc + n;
  xp = du + n;
  b.S = xp + n; b.Y = b.S + (size_t)m * n;
  b.K = b.Y + (size_t)m * n; b.A = b.K + 4 * (size_t)m * m;
  b.wrk2m[0] = b.A + 4 * (size_t)m * m;
  for (i = 1; i < 4; i++) b.wrk2m[i] = b.wrk2m[i - 1] + 2 * m;
  b.SY = b.wrk2m[3] + 2 * m; b.SS = b.SY + (size_t)m * m; b.YY = b.SS + (size_t)m * m;
  b.W = b.YY + (size_t)m * m;
  b.F = b.W + 2 * (size_t)m * n;
  c = b.F + 2 * (size_t)m * n;
  brk = (Brk *)(c + 2 * m);
  iwhere = (int *)(brk + n);
  nbd = iwhere + n;
  b.piv = nbd + n;
  for (i = 0; i < n; i++) {
    l[i] = bnd ? bnd[i] : -INFINITY;
    u[i] = bnd ? bnd[n + i] : INFINITY;
    if (l[i] > -INFINITY && u[i] < INFINITY) nbd[i] = NB_BOTH;
    else if (l[i] > -INFINITY) nbd[i] = NB_LOWER;
    else if (u[i] < INFINITY) nbd[i] = NB_UPPER;
    else nbd[i] = NB_NONE;
    if (nbd[i] != NB_NONE) cnstnd = 1;
    if (nbd[i] != NB_BOTH) boxed = 0;
    iwhere[i] = nbd[i] == NB_NONE ? -1 : (nbd[i] == NB_BOTH && u[i] - l[i] <= 0) ? 3 : 0;
    x[i] = fmin(fmax(x0[i], l[i]), u[i]);
  }
  if (cnstnd) { o.lb = l; o.ub = u; }
  b.n = n; b.m = m; b.col = 0; b.head = 0; b.theta = 1.0;
  b.l = l; b.u = u; b.nbd = nbd;
  f = opt_objf(&o, x);
  opt_objg(&o, x, g);
  sbgnrm = projgr(&b, x, g, cnstnd);
  if (sbgnrm <= pgtol) msg = LB_PGTOL;
  while (!msg) {
    double dnorm, stpmx, stp, gd, gdold, dr, rr, ddum;
    int ifun = 0, task, info = 0, updatable;
    Dcsrch ls;
    /* the search point z */
    if (!cnstnd && b.col > 0) memcpy(z, x, sizeof(double) * (size_t)n);
    else cauchy(&b, x, g, iwhere, z, d, c, brk);
    if (b.col > 0) {
      if (!cnstnd) twoloop(&b, x, g, z, rc);
      else subsm(&b, x, g, iwhere, z, c, rc, du, xp);
    }
    for (i = 0; i < n; i++) d[i] = z[i] - x[i];
    /* line search (lnsrlb) */
    dnorm = sqrt(vdot(d, d, n));
    stpmx = 1e10;
    if (cnstnd) {
      if (nit == 0) stpmx = 1;
      else
        for (i = 0; i < n; i++) {
          double a1 = d[i], a2;
          if (nbd[i] == NB_NONE) continue;
          if (a1 < 0 && nbd[i] <= NB_BOTH) {
            a2 = l[i] - x[i];
            if (a2 >= 0) stpmx = 0;
            else if (a1 * stpmx < a2) stpmx = a2 / a1;
          }
          else if (a1 > 0 && nbd[i] >= NB_BOTH) {
            a2 = u[i] - x[i];
            if (a2 <= 0) stpmx = 0;
            else if (a1 * stpmx > a2) stpmx = a2 / a1;
          }
        }
    }
    stp = (nit == 0 && !boxed) ? fmin(1.0 / dnorm, stpmx) : 1.0;
    if (stp > stpmx) stp = stpmx;
    memcpy(t, x, sizeof(double) * (size_t)n);
    memcpy(r, g, sizeof(double) * (size_t)n);
    fold = f;
    gd = gdold = vdot(g, d, n);
    if (!(gd < 0) || dnorm == 0) { info = -4; task = DCS_ERROR; }
    else task = opt_dcsrch_start(&ls, &stp, f, gd, 1e-3, 0.9, 0.1, 0.0, stpmx);
    while (task == DCS_FG) {
      if (ifun >= maxls) break;
      ifun++;
      if (stp == 1.0) memcpy(x, z, sizeof(double) * (size_t)n);
      else for (i = 0; i < n; i++) x[i] = stp * d[i] + t[i];
      f = opt_objf(&o, x);
      opt_objg(&o, x, g);
      gd = vdot(g, d, n);
      task = opt_dcsrch_next(&ls, &stp, f, gd);
    }
    if (task == DCS_ERROR && info == 0) info = -1;
    if (info != 0 || (task == DCS_FG && ifun >= maxls)) {
      /* restore the previous iterate */
      memcpy(x, t, sizeof(double) * (size_t)n);
      memcpy(g, r, sizeof(double) * (size_t)n);
      f = fold;
      if (b.col == 0) {
        msg = LB_ABNORMAL;
        status = 2;
        break;
      }
      b.col = 0; b.head = 0; b.theta = 1.0;       /* refresh the memory, retry */
      continue;
    }
    /* a new iterate */
    nit++;
    if (opt_cbcall(&cb, x, n)) { status = STATUS_CALLBACK; msg = MSG_CALLBACK; break; }
    if (nit >= maxiter) { status = 1; msg = LB_MAXITER; break; }
    if (o.nfev > maxfun) { status = 1; msg = LB_MAXFUN; break; }
    sbgnrm = projgr(&b, x, g, cnstnd);
    if (sbgnrm <= pgtol) { msg = LB_PGTOL; break; }
    ddum = fmax(fabs(fold), fmax(fabs(f), 1.0));
    if (fold - f <= ftol * ddum) { msg = LB_FACTR; break; }
    /* the correction pair s = stp d, y = g - g_old */
    for (i = 0; i < n; i++) r[i] = g[i] - r[i];
    rr = vdot(r, r, n);
    if (stp == 1.0) { dr = gd - gdold; ddum = -gdold; }
    else {
      dr = (gd - gdold) * stp;
      for (i = 0; i < n; i++) d[i] *= stp;
      ddum = -gdold * stp;
    }
    updatable = dr > DBL_EPSILON * ddum;
    if (!updatable) continue;        /* skip the update */
    if (b.col < m) b.col++;
    else b.head = (b.head + 1) % m;
    memcpy(srow(&b, b.col - 1), d, sizeof(double) * (size_t)n);
    memcpy(yrow(&b, b.col - 1), r, sizeof(double) * (size_t)n);
    b.theta = rr / dr;
    updprod(&b, cnstnd);
    /* the middle matrix serves the Cauchy point and the subspace step with
    ** bounds; without them the two-loop recursion needs only s'y */
    if (cnstnd) {
      if (formk(&b) != 0) { b.col = 0; b.head = 0; b.theta = 1.0; }
      else formw(&b);
    }
  }
  if (!isfinite(f) && status == 0 && msg != LB_PGTOL) status = 2;
  opt_pushresult(L, x, n, f, g, NULL, nit, o.nfev, o.njev, status, msg);
  {   /* the stored corrections, oldest slot first as SciPy's s[:n_corrs],
      ** for the inverse Hessian operator (lumpy/optimize.lua) */
    int64_t shape[2];
    Array *a;
    shape[0] = b.col; shape[1] = n;
    a = lumpy_newarray(L, LUMPY_FLOAT64, 2, shape, 0);
    if (b.col) memcpy(a->data, b.S, sizeof(double) * (size_t)b.col * n);
    lua_setfield(L, -2, "_sk");
    a = lumpy_newarray(L, LUMPY_FLOAT64, 2, shape, 0);
    if (b.col) memcpy(a->data, b.Y, sizeof(double) * (size_t)b.col * n);
    lua_setfield(L, -2, "_yk");
  }
  return 1;
}

static const luaL_Reg lbfgsb_funcs[] = {
  {"_lbfgsb", optimize_lbfgsb},
  {NULL, NULL}
};

void lumpy_open_opt_lbfgsb(lua_State *L) {
  luaL_setfuncs(L, lbfgsb_funcs, 0);
}
