/*
** opt_slsqp.c: sequential least squares programming for minimize
** (method = "SLSQP").
**
** D. Kraft, "A software package for sequential quadratic programming",
** DFVLR-FB 88-28, 1988, and ACM TOMS Algorithm 733 (1994): the method of
** Han and Powell with a BFGS update of the Lagrangian Hessian kept as
** L D L' factors (R. Fletcher, M. J. D. Powell, "On the modification of
** LDL' factorizations", Math. Comp. 28, 1974), search directions from a
** least squares problem with linear equality and inequality constraints
** solved by the methods of C. L. Lawson, R. J. Hanson, Solving Least
** Squares Problems (1974): LSEI (ch. 23.6), LSI (ch. 23.5), LDP (ch. 23.3),
** NNLS (ch. 23.3) and HFTI (ch. 14) with Householder transformations H12
** (ch. 10), and an Armijo line search on the L1 merit function (an exact
** Brent line search when ftol < 0). The reverse-communication driver,
** finite differences and counting follow SciPy 1.10's _minimize_slsqp, so
** iteration and evaluation counts agree with SciPy's.
**
** The matrices are column-major with 1-based index macros, as in the
** published routines, so the order of every floating-point operation is
** the reference's.
*/
#include <math.h>
#include <float.h>
#include "optimize.h"

#define EPMACH 2.22e-16

/* ---- level-1 helpers with the reference's summation order ---- */

static double dot(int n, const double *x, int incx, const double *y, int incy) {
  double s = 0;
  int i;
  for (i = 0; i < n; i++) s += x[(size_t)i * incx] * y[(size_t)i * incy];
  return s;
}

/* Euclidean norm as Lawson's DNRM2: a plain sum of squares when the first
** nonzero element is above cutlo and none reaches cuthi / n (the usual
** case, summed in the same order), else a scaled sum */
static double nrm2(int n, const double *x, int incx) {
  const double cutlo = 8.232e-11, cuthi = 1.304e19;
  double scale = 0, ssq = 1, sum = 0;
  int i = 0, plain = 1;
  while (i < n && x[(size_t)i * incx] == 0) i++;
  if (i == n) return 0;
  if (!(fabs(x[(size_t)i * incx]) > cutlo)) plain = 0;
  for (; plain && i < n; i++) {
    double v = x[(size_t)i * incx];
    if (fabs(v) >= cuthi / n) plain = 0;
    sum += v * v;
  }
  if (plain) return sqrt(sum);
  for (i = 0; i < n; i++) {
    double v = fabs(x[(size_t)i * incx]);
    if (v != 0) {
      if (scale < v) { ssq = 1 + ssq * (scale / v) * (scale / v); scale = v; }
      else ssq += (v / scale) * (v / scale);
    }
    else if (isnan(v)) return v;
  }
  return scale * sqrt(ssq);
}

static void axpy(int n, double a, const double *x, int incx, double *y, int incy) {
  int i;
  if (n <= 0 || a == 0) return;
  for (i = 0; i < n; i++) y[(size_t)i * incy] += a * x[(size_t)i * incx];
}

static void copy(int n, const double *x, int incx, double *y, int incy) {
  int i;
  for (i = 0; i < n; i++) y[(size_t)i * incy] = x[(size_t)i * incx];
}

static void fill(int n, double v, double *y, int incy) {
  int i;
  for (i = 0; i < n; i++) y[(size_t)i * incy] = v;
}

static void scal(int n, double a, double *x, int incx) {
  int i;
  for (i = 0; i < n; i++) x[(size_t)i * incx] *= a;
}

/* Givens rotation as in Kraft's package (LINPACK drotg with its z) */
static void rotg(double *da, double *db, double *c, double *s) {
  double roe = *db, scale = fabs(*da) + fabs(*db), r, z;
  if (fabs(*da) > fabs(*db)) roe = *da;
  if (scale == 0) { *c = 1; *s = 0; r = 0; }
  else {
    r = scale * sqrt((*da / scale) * (*da / scale) + (*db / scale) * (*db / scale));
    r = copysign(1.0, roe) * r;
    *c = *da / r;
    *s = *db / r;
  }
  z = *s;
  if (fabs(*c) > 0 && fabs(*c) <= *s) z = 1 / *c;
  *da = r;
  *db = z;
}

static void rot(int n, double *x, int incx, double *y, int incy, double c, double s) {
  int i;
  for (i = 0; i < n; i++) {
    double *px = x + (size_t)i * incx, *py = y + (size_t)i * incy;
    double t = c * *px + s * *py;
    *py = c * *py - s * *px;
    *px = t;
  }
}

/*
** H12 (Lawson & Hanson, Algorithms H1 and H2): construct (mode 1) and/or
** apply the Householder transformation I + u u'/b that zeroes elements
** l1..m of the pivot vector u (stride iue) against element lpivot, to ncv
** vectors of c (element stride ice, vector stride icv). 1-based indices.
*/
static void h12(int mode, int lpivot, int l1, int m, double *u, int iue, double *up,
                double *c, int ice, int icv, int ncv) {
#define U(j) u[(size_t)((j) - 1) * iue]
  double cl, sm, b;
  int i, j, i2, i3, i4, incr;
  if (0 >= lpivot || lpivot >= l1 || l1 > m) return;
  cl = fabs(U(lpivot));
  if (mode != 2) {
    double clinv;
    for (j = l1; j <= m; j++) cl = fmax(fabs(U(j)), cl);
    if (cl <= 0) return;
    clinv = 1 / cl;
    sm = (U(lpivot) * clinv) * (U(lpivot) * clinv);
    for (j = l1; j <= m; j++) sm += (U(j) * clinv) * (U(j) * clinv);
    cl = cl * sqrt(sm);
    if (U(lpivot) > 0) cl = -cl;
    *up = U(lpivot) - cl;
    U(lpivot) = cl;
  }
  else if (cl <= 0) return;
  if (ncv <= 0) return;
  b = *up * U(lpivot);
  if (b >= 0) return;
  b = 1 / b;
  i2 = 1 - icv + ice * (lpivot - 1);
  incr = ice * (l1 - lpivot);
  for (j = 1; j <= ncv; j++) {
    i2 += icv;
    i3 = i2 + incr;
    i4 = i3;
    sm = c[i2 - 1] * *up;
    for (i = l1; i <= m; i++) { sm += c[i3 - 1] * U(i); i3 += ice; }
    if (sm == 0) continue;
    sm *= b;
    c[i2 - 1] += sm * *up;
    for (i = l1; i <= m; i++) { c[i4 - 1] += sm * U(i); i4 += ice; }
  }
#undef U
}

/*
** NNLS (Lawson & Hanson, ch. 23): min ||A x - b|| subject to x >= 0, for
** the m x n matrix a (leading dimension mda). w returns the dual vector,
** z is m of scratch, index n ints. mode 1 ok, 2 bad dimensions, 3 more
** than 3n iterations.
*/
static void nnls(double *a, int mda, int m, int n, double *b, double *x, double *rnorm,
                 double *w, double *z, int *index, int *mode) {
#define A(i, j) a[((i) - 1) + (size_t)((j) - 1) * mda]
  const double factor = 1e-2;
  int i, ii, ip, iter, itmax, iz, izmax = 0, iz1, iz2, j, jj = 0, jz, k, l, npp1, nsetp;
  double asave, wmax, alpha, c, s, t, up = 0, unorm;
  *mode = 2;
  if (m <= 0 || n <= 0) return;
  *mode = 1;
  iter = 0;
  itmax = 3 * n;
  for (i = 1; i <= n; i++) index[i - 1] = i;
  iz1 = 1; iz2 = n; nsetp = 0; npp1 = 1;
  fill(n, 0, x, 1);
loop_a:     /* compute the dual vector */
  if (iz1 > iz2 || nsetp >= m) goto done;
  for (iz = iz1; iz <= iz2; iz++) {
    j = index[iz - 1];
    w[j - 1] = dot(m - nsetp, &A(npp1, j), 1, &b[npp1 - 1], 1);
  }
test_dual:
  wmax = 0;
  for (iz = iz1; iz <= iz2; iz++) {
    j = index[iz - 1];
    if (w[j - 1] <= wmax) continue;
    wmax = w[j - 1];
    izmax = iz;
  }
  if (wmax <= 0) goto done;
  iz = izmax;
  j = index[iz - 1];
  /* is column j linearly independent of the set P? */
  asave = A(npp1, j);
  h12(1, npp1, npp1 + 1, m, &A(1, j), 1, &up, z, 1, 1, 0);
  unorm = nrm2(nsetp, &A(1, j), 1);
  t = factor * fabs(A(npp1, j));
  if ((unorm + t) - unorm > 0) {
    copy(m, b, 1, z, 1);
    h12(2, npp1, npp1 + 1, m, &A(1, j), 1, &up, z, 1, 1, 1);
    if (z[npp1 - 1] / A(npp1, j) > 0) goto add_column;
  }
  A(npp1, j) = asave;
  w[j - 1] = 0;
  goto test_dual;
add_column:
  copy(m, z, 1, b, 1);
  index[iz - 1] = index[iz1 - 1];
  index[iz1 - 1] = j;
  iz1++;
  nsetp = npp1;
  npp1++;
  for (jz = iz1; jz <= iz2; jz++) {
    jj = index[jz - 1];
    h12(2, nsetp, npp1, m, &A(1, j), 1, &up, &A(1, jj), 1, mda, 1);
  }
  k = npp1 < mda ? npp1 : mda;
  w[j - 1] = 0;
  fill(m - nsetp, 0, &A(k, j), 1);
loop_b:     /* solve the least squares subproblem on P */
  for (ip = nsetp; ip >= 1; ip--) {
    if (ip != nsetp) axpy(ip, -z[ip], &A(1, jj), 1, z, 1);
    jj = index[ip - 1];
    z[ip - 1] /= A(ip, jj);
  }
  iter++;
  if (iter > itmax) { *mode = 3; goto done; }
  alpha = 1;
  jj = 0;
  for (ip = 1; ip <= nsetp; ip++) {
    if (z[ip - 1] > 0) continue;
    l = index[ip - 1];
    t = -x[l - 1] / (z[ip - 1] - x[l - 1]);
    if (alpha < t) continue;
    alpha = t;
    jj = ip;
  }
  for (ip = 1; ip <= nsetp; ip++) {
    l = index[ip - 1];
    x[l - 1] = (1 - alpha) * x[l - 1] + alpha * z[ip - 1];
  }
  if (jj == 0) goto loop_a;
  i = index[jj - 1];
delete_column:
  x[i - 1] = 0;
  jj++;
  for (j = jj; j <= nsetp; j++) {
    ii = index[j - 1];
    index[j - 2] = ii;
    rotg(&A(j - 1, ii), &A(j, ii), &c, &s);
    t = A(j - 1, ii);
    rot(n, &A(j - 1, 1), mda, &A(j, 1), mda, c, s);
    A(j - 1, ii) = t;
    A(j, ii) = 0;
    rot(1, &b[j - 2], 1, &b[j - 1], 1, c, s);
  }
  npp1 = nsetp;
  nsetp--;
  iz1--;
  index[iz1 - 1] = i;
  if (nsetp <= 0) { *mode = 3; goto done; }
  for (jj = 1; jj <= nsetp; jj++) {
    i = index[jj - 1];
    if (x[i - 1] <= 0) goto delete_column;
  }
  copy(m, b, 1, z, 1);
  goto loop_b;
done:
  k = npp1 < m ? npp1 : m;
  *rnorm = nrm2(m - nsetp, &b[k - 1], 1);
  if (npp1 > m) fill(n, 0, w, 1);
#undef A
}

/*
** LDP (Lawson & Hanson, ch. 23.3): min ||x|| subject to G x >= h, through
** the NNLS dual. w: (m + 2)(n + 1) + 2m, returns the multipliers in w[0..m).
** mode 1 ok, 2 bad dimensions, 3 NNLS iterations, 4 incompatible.
*/
static void ldp(const double *g, int mg, int m, int n, const double *h, double *x,
                double *xnorm, double *w, int *index, int *mode) {
#define G(i, j) g[((i) - 1) + (size_t)((j) - 1) * mg]
  int i, j, iw, iff, iy, iz, iwdual, n1;
  double fac, rnorm;
  *mode = 2;
  if (n <= 0) return;
  *mode = 1;
  fill(n, 0, x, 1);
  *xnorm = 0;
  if (m == 0) return;
  iw = 0;
  for (j = 1; j <= m; j++) {
    for (i = 1; i <= n; i++) w[iw++] = G(j, i);
    w[iw++] = h[j - 1];
  }
  iff = iw + 1;
  for (i = 1; i <= n; i++) w[iw++] = 0;
  w[iw] = 1;
  n1 = n + 1;
  iz = iw + 2;
  iy = iz + n1;
  iwdual = iy + m;
  nnls(w, n1, n1, m, &w[iff - 1], &w[iy - 1], &rnorm, &w[iwdual - 1], &w[iz - 1], index, mode);
  if (*mode != 1) return;
  *mode = 4;
  if (rnorm <= 0) return;
  fac = 1 - dot(m, h, 1, &w[iy - 1], 1);
  if (!((1 + fac) - 1 > 0)) return;
  *mode = 1;
  fac = 1 / fac;
  for (j = 1; j <= n; j++) x[j - 1] = fac * dot(m, &G(1, j), 1, &w[iy - 1], 1);
  *xnorm = nrm2(n, x, 1);
  fill(m, 0, w, 1);
  axpy(m, fac, &w[iy - 1], 1, w, 1);
#undef G
}

/*
** LSI (Lawson & Hanson, ch. 23.5): min ||E x - f|| subject to G x >= h,
** by QR of E and reduction to LDP. mode 5: E not of full rank.
*/
static void lsi(double *e, double *f, double *g, double *h, int le, int me, int lg, int mg,
                int n, double *x, double *xnorm, double *w, int *jw, int *mode) {
#define E(i, j) e[((i) - 1) + (size_t)((j) - 1) * le]
#define G(i, j) g[((i) - 1) + (size_t)((j) - 1) * lg]
  int i, j;
  double t = 0;
  for (i = 1; i <= n; i++) {
    j = i + 1 < n ? i + 1 : n;
    h12(1, i, i + 1, me, &E(1, i), 1, &t, &E(1, j), 1, le, n - i);
    h12(2, i, i + 1, me, &E(1, i), 1, &t, f, 1, 1, 1);
  }
  *mode = 5;
  for (i = 1; i <= mg; i++) {
    for (j = 1; j <= n; j++) {
      if (!(fabs(E(j, j)) >= EPMACH)) return;
      G(i, j) = (G(i, j) - dot(j - 1, &G(i, 1), lg, &E(1, j), 1)) / E(j, j);
    }
    h[i - 1] -= dot(n, &G(i, 1), lg, f, 1);
  }
  ldp(g, lg, mg, n, h, x, xnorm, w, jw, mode);
  if (*mode != 1) return;
  axpy(n, 1, f, 1, x, 1);
  for (i = n; i >= 1; i--) {
    j = i + 1 < n ? i + 1 : n;
    x[i - 1] = (x[i - 1] - dot(n - i, &E(i, j), le, &x[j - 1], 1)) / E(i, i);
  }
  j = n + 1 < me ? n + 1 : me;
  t = nrm2(me - n, &f[j - 1], 1);
  *xnorm = sqrt(*xnorm * *xnorm + t * t);
#undef E
#undef G
}

/*
** HFTI (Lawson & Hanson, ch. 14): rank-deficient least squares A x = b
** with column pivoting and pseudorank tolerance tau, one right-hand side;
** b returns the solution. h, g: n scratch, ip: n ints.
*/
static void hfti(double *a, int mda, int m, int n, double *b, double tau, int *krank,
                 double *rnorm, double *h, double *g, int *ip) {
#define A(i, j) a[((i) - 1) + (size_t)((j) - 1) * mda]
  const double factor = 1e-3;
  int i, j, k = 0, kp1, l, ldiag = m < n ? m : n, lmax;
  double hmax = 0, tmp;
  if (ldiag <= 0) goto end;
  for (j = 1; j <= ldiag; j++) {
    if (j != 1) {
      lmax = j;
      for (l = j; l <= n; l++) {
        h[l - 1] -= A(j - 1, l) * A(j - 1, l);
        if (h[l - 1] > h[lmax - 1]) lmax = l;
      }
      if ((hmax + factor * h[lmax - 1]) - hmax > 0) goto interchange;
    }
    lmax = j;
    for (l = j; l <= n; l++) {
      h[l - 1] = 0;
      for (i = j; i <= m; i++) h[l - 1] += A(i, l) * A(i, l);
      if (h[l - 1] > h[lmax - 1]) lmax = l;
    }
    hmax = h[lmax - 1];
  interchange:
    ip[j - 1] = lmax;
    if (ip[j - 1] != j) {
      for (i = 1; i <= m; i++) { tmp = A(i, j); A(i, j) = A(i, lmax); A(i, lmax) = tmp; }
      h[lmax - 1] = h[j - 1];
    }
    i = j + 1 < n ? j + 1 : n;
    h12(1, j, j + 1, m, &A(1, j), 1, &h[j - 1], &A(1, i), 1, mda, n - j);
    h12(2, j, j + 1, m, &A(1, j), 1, &h[j - 1], b, 1, m, 1);
  }
  for (j = 1; j <= ldiag; j++)
    if (fabs(A(j, j)) <= tau) break;
  k = j - 1;
  kp1 = k + 1;
  *rnorm = nrm2(m - k, &b[kp1 - 1], 1);
  if (k <= 0) { fill(n, 0, b, 1); goto end; }
  if (k != n)
    for (i = k; i >= 1; i--) h12(1, i, kp1, n, &A(i, 1), mda, &g[i - 1], a, mda, 1, i - 1);
  for (i = k; i >= 1; i--) {
    j = i + 1 < n ? i + 1 : n;
    b[i - 1] = (b[i - 1] - dot(k - i, &A(i, j), mda, &b[j - 1], 1)) / A(i, i);
  }
  if (k != n) {
    for (j = kp1; j <= n; j++) b[j - 1] = 0;
    for (i = 1; i <= k; i++) h12(2, i, kp1, n, &A(i, 1), mda, &g[i - 1], b, 1, n, 1);
  }
  for (j = ldiag; j >= 1; j--) {
    if (ip[j - 1] == j) continue;
    l = ip[j - 1];
    tmp = b[l - 1]; b[l - 1] = b[j - 1]; b[j - 1] = tmp;
  }
end:
  *krank = k;
#undef A
}

/*
** LSEI (Lawson & Hanson, ch. 23.6): min ||E x - f|| subject to C x = d
** and G x >= h, through an orthogonal basis of the null space of C.
** w returns the multipliers in its first mc + mg elements. mode 6: C
** singular; 7: rank defect in HFTI.
*/
static void lsei(double *c, double *d, double *e, double *f, double *g, double *h, int lc,
                 int mc, int le, int me, int lg, int mg, int n, double *x, double *xnrm,
                 double *w, int *jw, int *mode) {
#define C(i, j) c[((i) - 1) + (size_t)((j) - 1) * lc]
#define E(i, j) e[((i) - 1) + (size_t)((j) - 1) * le]
#define G(i, j) g[((i) - 1) + (size_t)((j) - 1) * lg]
#define W(i) w[(i) - 1]
  int i, j, l, mc1, iw, ie, iff, ig, krank;
  double t;
  *mode = 2;
  if (mc > n) return;
  l = n - mc;
  mc1 = mc + 1;
  iw = (l + 1) * (mg + 2) + 2 * mg + mc;
  ie = iw + mc + 1;
  iff = ie + me * l;
  ig = iff + me;
  /* triangularise C and apply the factors to E and G */
  for (i = 1; i <= mc; i++) {
    j = i + 1 < lc ? i + 1 : lc;
    h12(1, i, i + 1, n, &C(i, 1), lc, &W(iw + i), &C(j, 1), lc, 1, mc - i);
    h12(2, i, i + 1, n, &C(i, 1), lc, &W(iw + i), e, le, 1, me);
    h12(2, i, i + 1, n, &C(i, 1), lc, &W(iw + i), g, lg, 1, mg);
  }
  /* solve C x = d and modify f */
  *mode = 6;
  for (i = 1; i <= mc; i++) {
    if (fabs(C(i, i)) < EPMACH) return;
    x[i - 1] = (d[i - 1] - dot(i - 1, &C(i, 1), lc, x, 1)) / C(i, i);
  }
  *mode = 1;
  W(mc1) = 0;
  fill(mg - mc, 0, &W(mc1), 1);
  if (mc == n) goto solution;
  for (i = 1; i <= me; i++) W(iff - 1 + i) = f[i - 1] - dot(mc, &E(i, 1), le, x, 1);
  /* the transformed E and G */
  for (i = 1; i <= me; i++) copy(l, &E(i, mc1), le, &W(ie - 1 + i), me);
  for (i = 1; i <= mg; i++) copy(l, &G(i, mc1), lg, &W(ig - 1 + i), mg);
  if (mg <= 0) {
    /* least squares without inequality constraints */
    *mode = 7;
    hfti(&W(ie), me, me, l, &W(iff), sqrt(EPMACH), &krank, xnrm, w, &W(l + 1), jw);
    copy(l, &W(iff), 1, &x[mc1 - 1], 1);
    if (krank != l) return;
    *mode = 1;
    goto solution;
  }
  for (i = 1; i <= mg; i++) h[i - 1] -= dot(mc, &G(i, 1), lg, x, 1);
  lsi(&W(ie), &W(iff), &W(ig), h, me, me, mg, mg, l, &x[mc1 - 1], xnrm, &W(mc1), jw, mode);
  if (mc == 0) return;
  t = nrm2(mc, x, 1);
  *xnrm = sqrt(*xnrm * *xnrm + t * t);
  if (*mode != 1) return;
solution:
  /* the solution of the original problem and the multipliers */
  for (i = 1; i <= me; i++) f[i - 1] = dot(n, &E(i, 1), le, x, 1) - f[i - 1];
  for (i = 1; i <= mc; i++)
    d[i - 1] = dot(me, &E(1, i), 1, f, 1) - dot(mg, &G(1, i), 1, &W(mc1), 1);
  for (i = mc; i >= 1; i--) h12(2, i, i + 1, n, &C(i, 1), lc, &W(iw + i), x, 1, 1, 1);
  for (i = mc; i >= 1; i--) {
    j = i + 1 < lc ? i + 1 : lc;
    W(i) = (d[i - 1] - dot(mc - i, &C(j, i), 1, &W(j), 1)) / C(i, i);
  }
#undef C
#undef E
#undef G
#undef W
}

/*
** LSQ (Kraft): the QP subproblem as min ||E x - f|| with E = D^(1/2) L',
** f = -D^(-1/2) L^(-1) g, subject to the linearised constraints a x - b
** (= 0 for the first meq, >= 0 after) and xl <= x <= xu (NaN: no bound).
** l holds the unit lower triangular L column-wise with D on its diagonal;
** nl tells the augmented problem (one more variable) from the plain one.
** y returns the multipliers, m + 2n of them.
*/
static void lsq(int m, int meq, int n, int nl, int la, const double *l, const double *g,
                const double *a, const double *b, const double *xl, const double *xu,
                double *x, double *y, double *w, int *jw, int *mode) {
#define A(i, j) a[((i) - 1) + (size_t)((j) - 1) * la]
#define W(i) w[(i) - 1]
  int i, j, i1, i2, i3, i4, ie, iff, ic, id, ig, ih, il, ip, iw, mineq, m1, n1, n2, n3,
      nancnt;
  double diag, xnorm = 0;
  n1 = n + 1;
  mineq = m - meq;
  m1 = mineq + n + n;
  n2 = n1 * n / 2 + 1;
  n2 = n2 == nl ? 0 : 1;
  n3 = n - n2;
  /* E and f from L, D and g */
  i2 = 1; i3 = 1; i4 = 1; ie = 1;
  iff = n * n + 1;
  for (i = 1; i <= n3; i++) {
    i1 = n1 - i;
    diag = sqrt(l[i2 - 1]);
    fill(i1, 0, &W(i3), 1);
    copy(i1 - n2, &l[i2 - 1], 1, &W(i3), n);
    scal(i1 - n2, diag, &W(i3), n);
    W(i3) = diag;
    W(iff - 1 + i) = (g[i - 1] - dot(i - 1, &W(i4), 1, &W(iff), 1)) / diag;
    i2 += i1 - n2;
    i3 += n1;
    i4 += n;
  }
  if (n2 == 1) {
    W(i3) = l[nl - 1];
    fill(n3, 0, &W(i4), 1);
    W(iff - 1 + n) = 0;
  }
  scal(n, -1, &W(iff), 1);
  ic = iff + n;
  id = ic + meq * n;
  if (meq > 0) {
    for (i = 1; i <= meq; i++) copy(n, &A(i, 1), la, &W(ic - 1 + i), meq);
    copy(meq, b, 1, &W(id), 1);
    scal(meq, -1, &W(id), 1);
  }
  ig = id + meq;
  for (i = 1; i <= mineq; i++) copy(n, &A(meq + i, 1), la, &W(ig - 1 + i), m1);
  ih = ig + m1 * n;
  iw = ih + mineq + 2 * n;
  if (mineq > 0) {
    copy(mineq, &b[meq], 1, &W(ih), 1);
    scal(mineq, -1, &W(ih), 1);
  }
  /* the bounds as rows +I and -I of G */
  ip = ig + mineq;
  il = ih + mineq;
  nancnt = 0;
  for (i = 1; i <= n; i++) {
    if (xl[i - 1] == xl[i - 1]) {
      W(il) = xl[i - 1];
      for (j = 1; j <= n; j++) W(ip + m1 * (j - 1)) = 0;
      W(ip + m1 * (i - 1)) = 1;
      ip++; il++;
    }
    else nancnt++;
  }
  for (i = 1; i <= n; i++) {
    if (xu[i - 1] == xu[i - 1]) {
      W(il) = -xu[i - 1];
      for (j = 1; j <= n; j++) W(ip + m1 * (j - 1)) = 0;
      W(ip + m1 * (i - 1)) = -1;
      ip++; il++;
    }
    else nancnt++;
  }
  lsei(&W(ic), &W(id), &W(ie), &W(iff), &W(ig), &W(ih), meq > 1 ? meq : 1, meq, n, n, m1,
       m1 - nancnt, n, x, &xnorm, &W(iw), jw, mode);
  if (*mode == 1) {
    copy(m, &W(iw), 1, y, 1);
    if (n3 > 0) fill(2 * n3, NAN, &y[m], 1);
  }
  for (i = 0; i < n; i++) {     /* keep the step inside the bounds */
    if (xl[i] == xl[i] && x[i] < xl[i]) x[i] = xl[i];
    else if (xu[i] == xu[i] && x[i] > xu[i]) x[i] = xu[i];
  }
#undef A
#undef W
}

/*
** LDL: the rank-one update L D L' + sigma z z' of the factors a (packed
** column-wise), by Fletcher and Powell's method; w: n of scratch for
** sigma < 0. z is overwritten.
*/
static void ldl(int n, double *a, double *z, double sigma, double *w) {
  int i, j, ij = 1;
  double t, v, u, tp = 0, alpha, beta, delta, gamma;
  if (sigma == 0) return;
  t = 1 / sigma;
  if (sigma < 0) {
    for (i = 0; i < n; i++) w[i] = z[i];
    for (i = 1; i <= n; i++) {
      v = w[i - 1];
      t += v * v / a[ij - 1];
      for (j = i + 1; j <= n; j++) { ij++; w[j - 1] -= v * a[ij - 1]; }
      ij++;
    }
    if (t >= 0) t = EPMACH / sigma;
    for (i = 1; i <= n; i++) {
      j = n + 1 - i;
      ij -= i;
      u = w[j - 1];
      w[j - 1] = t;
      t -= u * u / a[ij - 1];
    }
  }
  for (i = 1; i <= n; i++) {
    v = z[i - 1];
    delta = v / a[ij - 1];
    if (sigma < 0) tp = w[i - 1];
    if (sigma > 0) tp = t + delta * v;
    alpha = tp / t;
    a[ij - 1] = alpha * a[ij - 1];
    if (i == n) return;
    beta = delta / tp;
    if (alpha > 4) {
      gamma = t / tp;
      for (j = i + 1; j <= n; j++) {
        ij++;
        u = a[ij - 1];
        a[ij - 1] = gamma * u + beta * z[j - 1];
        z[j - 1] -= v * u;
      }
    }
    else
      for (j = i + 1; j <= n; j++) {
        ij++;
        z[j - 1] -= v * a[ij - 1];
        a[ij - 1] += beta * z[j - 1];
      }
    ij++;
    t = tp;
  }
}

/*
** LINMIN: Brent's localmin (Algorithms for Minimization without
** Derivatives, 1973) on [ax, bx] by reverse communication: *mode 0 starts,
** 1 and 2 ask for f at the returned abscissa, 3 is the end.
*/
typedef struct Linmin {
  double a, b, d, e, p, q, r, u, v, w, x, fu, fv, fw, fx;
} Linmin;

static double linmin(Linmin *s, int *mode, double ax, double bx, double f, double tol) {
  const double c = 0.381966011, eps = 1.5e-8;
  double m, tol1, tol2;
  if (*mode == 1) {
    s->fx = f; s->fv = s->fx; s->fw = s->fv;
  }
  else if (*mode == 2) {
    s->fu = f;
    if (s->fu > s->fx) {
      if (s->u < s->x) s->a = s->u;
      if (s->u >= s->x) s->b = s->u;
      if (s->fu <= s->fw || s->w == s->x) {
        s->v = s->w; s->fv = s->fw; s->w = s->u; s->fw = s->fu;
      }
      else if (s->fu <= s->fv || s->v == s->x || s->v == s->w) {
        s->v = s->u; s->fv = s->fu;
      }
    }
    else {
      if (s->u >= s->x) s->a = s->x;
      if (s->u < s->x) s->b = s->x;
      s->v = s->w; s->fv = s->fw; s->w = s->x; s->fw = s->fx; s->x = s->u; s->fx = s->fu;
    }
  }
  else {
    s->a = ax; s->b = bx; s->e = 0; s->d = 0; s->u = 0;
    s->v = s->a + c * (s->b - s->a);
    s->w = s->v; s->x = s->w;
    *mode = 1;
    return s->x;
  }
  m = 0.5 * (s->a + s->b);
  tol1 = eps * fabs(s->x) + tol;
  tol2 = tol1 + tol1;
  if (fabs(s->x - m) <= tol2 - 0.5 * (s->b - s->a)) { *mode = 3; return s->x; }
  s->r = 0; s->q = 0; s->p = 0;
  if (fabs(s->e) > tol1) {
    s->r = (s->x - s->w) * (s->fx - s->fv);
    s->q = (s->x - s->v) * (s->fx - s->fw);
    s->p = (s->x - s->v) * s->q - (s->x - s->w) * s->r;
    s->q = s->q - s->r;
    s->q = s->q + s->q;
    if (s->q > 0) s->p = -s->p;
    if (s->q < 0) s->q = -s->q;
    s->r = s->e;
    s->e = s->d;
  }
  if (fabs(s->p) >= 0.5 * fabs(s->q * s->r) || s->p <= s->q * (s->a - s->x)
      || s->p >= s->q * (s->b - s->x)) {
    s->e = s->x >= m ? s->a - s->x : s->b - s->x;
    s->d = c * s->e;
  }
  else {
    s->d = s->p / s->q;
    if (s->u - s->a < tol2) s->d = copysign(tol1, m - s->x);
    if (s->b - s->u < tol2) s->d = copysign(tol1, m - s->x);
  }
  if (fabs(s->d) < tol1) s->d = copysign(tol1, s->d);
  s->u = s->x + s->d;
  *mode = 2;
  return s->u;
}

/*
** The SQP iteration (Kraft's SLSQPB) by reverse communication: called
** first with mode 0, then again after each request, mode 1 (f and c at x
** wanted) or -1 (g and a at x wanted), until mode is neither. a is la by
** n + 1 column-major; g has n + 1 elements.
*/
typedef struct SQP {
  int m, meq, la, n, n1, n2, n3;
  double *x, *xl, *xu, *c, *g, *a;
  double acc, tol, alpha, f0, gs, h1, h2, h3, h4, t, t0;
  int iter, itermx, iexact, incons, ireset, line, badlin;
  double *r, *l, *x0, *mu, *s, *u, *v, *w;
  int *iw;
  Linmin lm;
  int lmode;
} SQP;

/* start + the constraint violation (weighted by mu), summed in order */
static double merit_violation(const SQP *q, int weighted, double start) {
  double h = start;
  int j;
  for (j = 0; j < q->m; j++) {
    double v = fmax(-q->c[j], j < q->meq ? q->c[j] : 0);
    h += weighted ? q->mu[j] * v : v;
  }
  return h;
}

#define AA(i, j) q->a[((i) - 1) + (size_t)((j) - 1) * q->la]

static void sqp_step(SQP *q, double f, int *mode) {
  int i, j, k, n = q->n, m = q->m, n1 = q->n1;
  double *s = q->s, *u = q->u, *v = q->v, *l = q->l;
  q->badlin = 0;      /* not kept across calls, as in the reference */
  if (*mode == -1) goto update;
  if (*mode == 1) goto evaluated;
  /* initialisation */
  q->itermx = q->iter;
  q->iexact = q->acc >= 0 ? 0 : 1;
  q->acc = fabs(q->acc);
  q->tol = 10 * q->acc;
  q->iter = 0;
  q->ireset = 0;
  q->n1 = n1 = n + 1;
  q->n2 = n1 * n / 2;
  q->n3 = q->n2 + 1;
  fill(n, 0, s, 1);
  fill(m, 0, q->mu, 1);
reset:
  q->ireset++;
  if (q->ireset > 5) goto relaxed;
  fill(q->n2, 0, l, 1);
  for (i = 1, j = 1; i <= n; i++) { l[j - 1] = 1; j += n1 - i; }
iterate:
  q->iter++;
  *mode = 9;
  if (q->iter > q->itermx) return;
  /* the search direction from the QP subproblem */
  for (i = 0; i < n; i++) { u[i] = q->xl[i] - q->x[i]; v[i] = q->xu[i] - q->x[i]; }
  q->h4 = 1;
  lsq(m, q->meq, n, q->n3, q->la, l, q->g, q->a, q->c, u, v, s, q->r, q->w, q->iw, mode);
  /* the augmented problem for an inconsistent linearisation */
  q->badlin = 0;
  if (*mode == 6 && n == q->meq) *mode = 4;
  if (*mode == 4) {
    q->badlin = 1;
    for (j = 1; j <= m; j++) AA(j, n1) = j <= q->meq ? -q->c[j - 1] : fmax(-q->c[j - 1], 0);
    fill(n, 0, s, 1);
    q->h3 = 0;
    q->g[n1 - 1] = 0;
    l[q->n3 - 1] = 100;
    s[n1 - 1] = 1;
    u[n1 - 1] = 0;
    v[n1 - 1] = 1;
    q->incons = 0;
    for (;;) {
      lsq(m, q->meq, n1, q->n3, q->la, l, q->g, q->a, q->c, u, v, s, q->r, q->w, q->iw, mode);
      q->h4 = 1 - s[n1 - 1];
      if (*mode != 4) break;
      l[q->n3 - 1] = 10 * l[q->n3 - 1];
      q->incons++;
      if (q->incons > 5) return;
    }
    if (*mode != 1) return;
  }
  else if (*mode != 1) return;
  /* multipliers for the L1 test */
  for (i = 1; i <= n; i++) v[i - 1] = q->g[i - 1] - dot(m, &AA(1, i), 1, q->r, 1);
  q->f0 = f;
  copy(n, q->x, 1, q->x0, 1);
  q->gs = dot(n, q->g, 1, s, 1);
  q->h1 = fabs(q->gs);
  q->h2 = 0;
  for (j = 1; j <= m; j++) {
    q->h3 = j <= q->meq ? q->c[j - 1] : 0;
    q->h2 += fmax(-q->c[j - 1], q->h3);
    q->h3 = fabs(q->r[j - 1]);
    q->mu[j - 1] = fmax(q->h3, (q->mu[j - 1] + q->h3) / 2);
    q->h1 += q->h3 * fabs(q->c[j - 1]);
  }
  /* convergence */
  *mode = 0;
  if (q->h1 < q->acc && q->h2 < q->acc && !q->badlin) return;
  q->h1 = merit_violation(q, 1, 0);
  q->t0 = f + q->h1;
  q->h3 = q->gs - q->h1 * q->h4;
  *mode = 8;
  if (q->h3 >= 0) goto reset;
  /* line search on the L1 merit function */
  q->line = 0;
  q->alpha = 1;
  if (q->iexact == 1) { q->lmode = 0; goto exact; }
inexact:
  q->line++;
  q->h3 = q->alpha * q->h3;
  scal(n, q->alpha, s, 1);
  copy(n, q->x0, 1, q->x, 1);
  axpy(n, 1, s, 1, q->x, 1);
  *mode = 1;
  return;
evaluated:
  q->t = merit_violation(q, 1, f);
  q->h1 = q->t - q->t0;
  if (q->iexact == 0) {
    if (q->h1 <= q->h3 / 10 || q->line > 10) goto converged;
    q->alpha = fmax(q->h3 / (2 * (q->h3 - q->h1)), 0.1);
    goto inexact;
  }
exact:
  if (q->lmode != 3) {
    q->alpha = linmin(&q->lm, &q->lmode, 0.1, 1, q->t, q->tol);
    copy(n, q->x0, 1, q->x, 1);
    axpy(n, q->alpha, s, 1, q->x, 1);
    *mode = 1;
    return;
  }
  scal(n, q->alpha, s, 1);
converged:
  q->h3 = merit_violation(q, 0, 0);
  if ((fabs(f - q->f0) < q->acc || nrm2(n, s, 1) < q->acc) && q->h3 < q->acc && !q->badlin)
    *mode = 0;
  else *mode = -1;
  return;
relaxed:
  q->h3 = merit_violation(q, 0, 0);
  if ((fabs(f - q->f0) < q->tol || nrm2(n, s, 1) < q->tol) && q->h3 < q->tol && !q->badlin)
    *mode = 0;
  else *mode = 8;
  return;
update:
  /* the BFGS update of the L D L' factors (Powell's modification) */
  for (i = 1; i <= n; i++)
    u[i - 1] = q->g[i - 1] - dot(m, &AA(1, i), 1, q->r, 1) - v[i - 1];
  k = 0;
  for (i = 1; i <= n; i++) {      /* L' s */
    double h = 0;
    k++;
    for (j = i + 1; j <= n; j++) { k++; h += l[k - 1] * s[j - 1]; }
    v[i - 1] = s[i - 1] + h;
  }
  k = 1;
  for (i = 1; i <= n; i++) {      /* D L' s */
    v[i - 1] = l[k - 1] * v[i - 1];
    k += n1 - i;
  }
  for (i = n; i >= 1; i--) {      /* L D L' s */
    double h = 0;
    k = i;
    for (j = 1; j <= i - 1; j++) { h += l[k - 1] * v[j - 1]; k += n - j; }
    v[i - 1] += h;
  }
  q->h1 = dot(n, s, 1, u, 1);
  q->h2 = dot(n, s, 1, v, 1);
  q->h3 = 0.2 * q->h2;
  if (q->h1 < q->h3) {
    q->h4 = (q->h2 - q->h3) / (q->h2 - q->h1);
    q->h1 = q->h3;
    scal(n, q->h4, u, 1);
    axpy(n, 1 - q->h4, v, 1, u, 1);
  }
  if (q->h1 == 0 || q->h2 == 0) goto reset;
  ldl(n, l, u, 1 / q->h1, v);
  ldl(n, l, v, -1 / q->h2, u);
  goto iterate;
}

#undef AA

/* ---- the driver: objective, constraints, finite differences ---- */

typedef struct Con {
  lumpy_Fn fun, jac;
  int hasjac, m, row;    /* row: first row in a and c (1-based) */
} Con;

typedef struct Slsqp {
  lua_State *L;
  Obj *o;
  SQP q;
  Con *cons;
  int ncon, n;
  const double *lb, *ub;  /* bounds, or NULL */
  double *xc, *xt, *ft, *f0, *jt;   /* clipped x, scratch */
  double epsabs;          /* absolute step of the difference Jacobians; 0: relative */
  int fd3;                /* jac = "3-point": 3-point constraint Jacobians too */
} Slsqp;

static const double *clipx(Slsqp *s, const double *x) {
  int i;
  if (!s->lb) return x;
  for (i = 0; i < s->n; i++) s->xc[i] = fmin(fmax(x[i], s->lb[i]), s->ub[i]);
  return s->xc;
}

/* calls constraint k at x, its values into out (k->m of them) */
static void con_values(Slsqp *s, Con *k, const double *x, double *out) {
  lumpy_fn_call(&k->fun, x, s->n, 1);
  lumpy_fn_checkvector(&k->fun, -1, out, k->m, "constraint value");
  lua_pop(s->L, 1);
}

static void eval_cons(Slsqp *s, const double *x) {
  int k;
  for (k = 0; k < s->ncon; k++)
    con_values(s, &s->cons[k], x, s->q.c + s->cons[k].row - 1);
}

/* reads a constraint Jacobian (m x n: a 2-d array, a table of rows, or for
** m = 1 a vector) at the top of the stack into out, row-major */
static void read_conjac(Slsqp *s, Con *k, double *out) {
  lua_State *L = s->L;
  int n = s->n, m = k->m, i;
  Array *a = lumpy_toarray(L, -1);
  if (a) {
    char buf[400];
    if (!((a->ndim == 2 && a->shape[0] == m && a->shape[1] == n)
          || (m == 1 && a->ndim == 1 && a->shape[0] == n)))
      lumpy_kerror(L, "%s: constraint Jacobian must have shape {%d, %d}, got %s", k->jac.kernel,
                 m, n, lumpy_shapestr(buf, a->ndim, a->shape));
    lumpy_fn_checkvector(&k->jac, -1, out, m * n, "constraint Jacobian");
    return;
  }
  if (lua_type(L, -1) == LUA_TTABLE) {
    lua_rawgeti(L, -1, 1);
    if (m == 1 && lua_type(L, -1) == LUA_TNUMBER) {
      lua_pop(L, 1);
      lumpy_fn_checkvector(&k->jac, -1, out, n, "constraint Jacobian");
      return;
    }
    lua_pop(L, 1);
    if ((int)lua_rawlen(L, -1) != m)
      lumpy_kerror(L, "%s: constraint Jacobian must have %d rows, got %d", k->jac.kernel, m,
                 (int)lua_rawlen(L, -1));
    for (i = 0; i < m; i++) {
      lua_rawgeti(L, -1, i + 1);
      lumpy_fn_checkvector(&k->jac, -1, out + (size_t)i * n, n, "constraint Jacobian row");
      lua_pop(L, 1);
    }
    return;
  }
  lumpy_kerror(L, "%s: constraint Jacobian must be an array or a table, got %s", k->jac.kernel,
             luaL_typename(L, -1));
}

/* the constraint normals at x into rows of a: the user's jac, or forward
** differences (approx_derivative's 2-point rules, inside the bounds) */
static void eval_normals(Slsqp *s, const double *x) {
  int kk, i, r, n = s->n, la = s->q.la;
  double *a = s->q.a;
  for (kk = 0; kk < s->ncon; kk++) {
    Con *k = &s->cons[kk];
    if (k->hasjac) {
      lumpy_fn_call(&k->jac, x, n, 1);
      read_conjac(s, k, s->jt);
      lua_pop(s->L, 1);
    }
    else {
      const double *xx = clipx(s, x);
      double *xt = s->xt;
      con_values(s, k, xx, s->f0);
      memcpy(xt, xx, sizeof(double) * (size_t)n);
      for (i = 0; i < n; i++) {
        double h, dx;
        int one = 1;
        if (s->fd3) {
          h = opt_fdstep(xx[i], 0, pow(DBL_EPSILON, 1.0 / 3.0));
          if (s->lb) h = opt_fdbounded(xx[i], h, s->lb[i], s->ub[i], 1, &one);
          else one = 0;
        }
        else {
          h = opt_fdstep(xx[i], s->epsabs, sqrt(DBL_EPSILON));
          if (s->lb) h = opt_fdbounded(xx[i], h, s->lb[i], s->ub[i], 0, &one);
        }
        if (h == 0) {            /* a variable fixed by its bounds */
          for (r = 0; r < k->m; r++) s->jt[(size_t)r * n + i] = 0;
          continue;
        }
        if (s->fd3 && !one) {    /* central: x - h, x + h */
          xt[i] = xx[i] - h;
          con_values(s, k, xt, s->f0);
          xt[i] = xx[i] + h;
          con_values(s, k, xt, s->ft);
          dx = 2 * h;
          for (r = 0; r < k->m; r++) s->jt[(size_t)r * n + i] = (s->ft[r] - s->f0[r]) / dx;
          con_values(s, k, xx, s->f0);
        }
        else if (s->fd3) {       /* one-sided: x, x + h, x + 2h */
          double x1 = xx[i] + h, x2 = xx[i] + 2 * h;
          xt[i] = x1;
          con_values(s, k, xt, s->ft);
          for (r = 0; r < k->m; r++) s->jt[(size_t)r * n + i] = 4 * s->ft[r] - 3 * s->f0[r];
          xt[i] = x2;
          con_values(s, k, xt, s->ft);
          for (r = 0; r < k->m; r++)
            s->jt[(size_t)r * n + i] = (s->jt[(size_t)r * n + i] - s->ft[r]) / (x2 - xx[i]);
        }
        else {
          xt[i] = xx[i] + h;
          dx = xt[i] - xx[i];
          con_values(s, k, xt, s->ft);
          for (r = 0; r < k->m; r++) s->jt[(size_t)r * n + i] = (s->ft[r] - s->f0[r]) / dx;
        }
        xt[i] = xx[i];
      }
    }
    for (r = 0; r < k->m; r++)
      for (i = 0; i < n; i++)
        a[(k->row - 1 + r) + (size_t)i * la] = s->jt[(size_t)r * n + i];
  }
}

static const char *const slsqp_msgs[] = {
  "Optimization terminated successfully",
  "Function evaluation required (f & c)",
  "More equality constraints than independent variables",
  "More than 3*n iterations in LSQ subproblem",
  "Inequality constraints incompatible",
  "Singular matrix E in LSQ subproblem",
  "Singular matrix C in LSQ subproblem",
  "Rank-deficient equality constraint subproblem HFTI",
  "Positive directional derivative for linesearch",
  "Iteration limit reached",
};

/* _slsqp(fun, x0, jac, opts, lb, ub, cons) -> result table; cons is a list
** of {type =, fun =, jac =, args =} tables (checked by the Lua side) */
static int optimize_slsqp(lua_State *L) {
  Slsqp *s;
  SQP *q;
  Obj *o;
  Callback cb;
  int n, i, k, ncon, m = 0, meq = 0, la, mode = 0, pass, prev = 0, mmax = 1, stopped = 0;
  double *x, *bnd, fx;
  luaL_checktype(L, 4, LUA_TTABLE);
  luaL_checktype(L, 7, LUA_TTABLE);
  lua_settop(L, 7);
  x = opt_checkx0(L, 2, &n);                              /* 8 */
  if (n < 1) lumpy_kerror(L, "lumpy.optimize.minimize: method 'SLSQP' needs x0 of at least one element");
  bnd = opt_checkbounds(L, 5, n);                         /* 9 (or nothing) */
  ncon = (int)lua_rawlen(L, 7);
  s = (Slsqp *)lua_newuserdatauv(L, sizeof(Slsqp) + sizeof(Obj)
                                 + sizeof(Con) * (size_t)(ncon ? ncon : 1), 0);
  memset(s, 0, sizeof *s);
  o = (Obj *)(s + 1);
  s->cons = (Con *)(o + 1);
  s->L = L; s->o = o; s->n = n; s->ncon = ncon;
  q = &s->q;
  opt_objinit(L, o, 1, 3, 4, n);
  if (bnd) {
    s->lb = bnd; s->ub = bnd + n;
    o->lb = s->lb; o->ub = s->ub;
    for (i = 0; i < n; i++) x[i] = fmin(fmax(x[i], bnd[i]), bnd[n + i]);
  }
  s->epsabs = lua_type(L, 3) == LUA_TSTRING ? 0 : opt_optnum(L, 4, "eps", 1.4901161193847656e-08);
  o->eps = s->epsabs;    /* SciPy: absolute steps unless jac names a scheme */
  s->fd3 = lua_type(L, 3) == LUA_TSTRING && strcmp(lua_tostring(L, 3), "3-point") == 0;
  /* the constraints: equalities first, each sized by a call at x0 */
  luaL_checkstack(L, 6 * ncon + 20, "too many constraints");
  {
    int idx = 0;
    for (pass = 0; pass < 2; pass++)
      for (k = 1; k <= ncon; k++) {
        Con *c;
        int isq, tidx;
        lua_rawgeti(L, 7, k);
        tidx = lua_gettop(L);
        lua_getfield(L, tidx, "type");
        isq = lua_type(L, -1) == LUA_TSTRING && strcmp(lua_tostring(L, -1), "eq") == 0;
        lua_pop(L, 1);
        if (isq != (pass == 0)) { lua_pop(L, 1); continue; }
        c = &s->cons[idx++];
        lua_getfield(L, tidx, "fun");
        lumpy_fn_init(L, &c->fun, -1, tidx, "lumpy.optimize.minimize");
        lua_getfield(L, tidx, "jac");
        c->hasjac = !lua_isnil(L, -1);
        if (c->hasjac) lumpy_fn_init(L, &c->jac, -1, tidx, "lumpy.optimize.minimize");
        else c->jac = c->fun;
        lumpy_fn_call(&c->fun, x, n, 1);     /* its size, from a call at x0 */
        c->m = lumpy_fn_veclen(&c->fun, -1, "constraint value");
        lua_pop(L, 1);
        c->row = m + 1;
        m += c->m;
        if (isq) meq += c->m;
        if (c->m > mmax) mmax = c->m;
      }
  }
  la = m > 1 ? m : 1;
  {
    int n1 = n + 1, mineq = m - meq + n1 + n1;
    size_t lenw = (size_t)(3 * n1 + m) * (n1 + 1) + (size_t)(n1 - meq + 1) * (mineq + 2)
                  + 2 * (size_t)mineq + (size_t)(n1 + mineq) * (n1 - meq) + 2 * (size_t)meq
                  + (size_t)n1 * n / 2 + 2 * (size_t)m + 3 * (size_t)n + 4 * (size_t)n1 + 1;
    size_t lenl = (size_t)n1 * (n1 + 1) / 2 + 1;
    size_t total = (size_t)la * (n1 + 1) + 3 * (size_t)n1 + 2 * (size_t)la + 2 * (size_t)n
                   + lenl + (size_t)n + (size_t)la + (2 * (size_t)n + la + 2)
                   + 3 * (size_t)n1 + lenw + 3 * (size_t)n + 3 * (size_t)mmax
                   + (size_t)mmax * n;
    double *p = opt_work(L, total);
    q->a = p; p += (size_t)la * (n1 + 1);
    q->g = p; p += n1;
    q->xl = p; p += n;
    q->xu = p; p += n;
    q->c = p; p += la;
    q->mu = p; p += la;
    q->l = p; p += lenl;
    q->x0 = p; p += n;
    q->r = p; p += 2 * (size_t)n + la + 2;
    q->s = p; p += n1;
    q->u = p; p += n1;
    q->v = p; p += n1;
    q->w = p; p += lenw;
    q->x = p; p += n1;
    s->xc = p; p += n;
    s->xt = p; p += n;
    s->f0 = p; p += mmax;
    s->ft = p; p += mmax;
    s->jt = p;
    q->iw = (int *)lua_newuserdatauv(L, sizeof(int) * (size_t)(mineq + n1 + 2), 0);
  }
  q->m = m; q->meq = meq; q->la = la; q->n = n;
  memcpy(q->x, x, sizeof(double) * (size_t)n);
  for (i = 0; i < n; i++) {
    q->xl[i] = bnd && isfinite(bnd[i]) ? bnd[i] : NAN;
    q->xu[i] = bnd && isfinite(bnd[n + i]) ? bnd[n + i] : NAN;
  }
  q->acc = opt_optnum(L, 4, "ftol", 1e-6);
  q->iter = (int)opt_optint(L, 4, "maxiter", 100) - 1;
  opt_cbinit(L, &cb, 4, "lumpy.optimize.minimize");
  /* mode 0: f, g, c and a at x0 */
  fx = opt_objf(o, clipx(s, q->x));
  opt_objg(o, clipx(s, q->x), q->g);
  q->g[n] = 0;
  eval_cons(s, q->x);
  eval_normals(s, q->x);
  for (;;) {
    sqp_step(q, fx, &mode);
    if (mode == 1) {
      fx = opt_objf(o, clipx(s, q->x));
      eval_cons(s, q->x);
    }
    if (mode == -1) {
      opt_objg(o, clipx(s, q->x), q->g);
      q->g[n] = 0;
      eval_normals(s, q->x);
    }
    if (q->iter > prev && opt_cbcall(&cb, q->x, n)) { stopped = 1; break; }
    if (mode != 1 && mode != -1) break;
    prev = q->iter;
  }
  {
    int status = stopped ? STATUS_CALLBACK : mode;
    const char *msg = stopped ? MSG_CALLBACK
                    : (mode >= 0 && mode <= 9 ? slsqp_msgs[mode] : "Unknown exit mode");
    opt_pushresult(L, q->x, n, fx, q->g, NULL, q->iter, o->nfev, o->njev, status, msg);
  }
  return 1;
}

static const luaL_Reg slsqp_funcs[] = {
  {"_slsqp", optimize_slsqp},
  {NULL, NULL}
};

void lumpy_open_opt_slsqp(lua_State *L) {
  luaL_setfuncs(L, slsqp_funcs, 0);
}
