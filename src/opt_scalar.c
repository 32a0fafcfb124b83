/*
** opt_scalar.c: scalar root finding and scalar minimisation.
**
** Every kernel calls the user's function with a Lua number (lumpy_fn_scalar:
** no table or array per call) and keeps its state in C locals, so an error
** raised by the function leaks nothing. The bindings return plain values
** (root, iterations, function calls, flag); lua/lumpy/optimize.lua builds
** the result tables and raises on non-convergence when disp is set.
**
** Flags: 0 converged, -1 sign error, -2 convergence error, -3 value error
** (non-finite value), -4 zero derivative.
*/
#include <math.h>
#include <float.h>
#include "optimize.h"

#define FLAG_OK 0
#define FLAG_SIGN (-1)
#define FLAG_CONV (-2)
#define FLAG_VALUE (-3)
#define FLAG_DERIV (-4)

typedef struct ZeroOut {
  double x;
  int iterations, funcalls, flag;
} ZeroOut;

static int signdiff(double a, double b) {
  return signbit(a) != signbit(b);
}

/* the start the bracketing methods share: f at both ends (into *fa, *fb);
** returns 1 when that settles it (no sign change, or an end is a root:
** o->x and o->flag set), else 0 */
static int bracket_start(lumpy_Fn *f, double xa, double xb, double *fa, double *fb,
                         ZeroOut *o) {
  o->iterations = 0;
  *fa = lumpy_fn_scalar(f, xa);
  *fb = lumpy_fn_scalar(f, xb);
  o->funcalls = 2;
  o->flag = FLAG_OK;
  if (*fa * *fb > 0) { o->flag = FLAG_SIGN; o->x = 0; return 1; }
  if (*fa == 0) { o->x = xa; return 1; }
  if (*fb == 0) { o->x = xb; return 1; }
  return 0;
}

/*
** Brent's method (R. P. Brent, Algorithms for Minimization Without
** Derivatives, 1973, ch. 4) in the formulation of Charles Harris used by
** SciPy's brentq: keep a bracketing point xblk, the current iterate xcur
** and the previous one xpre; take inverse quadratic interpolation
** (hyperbolic extrapolation for brenth, after Bus and Dekker 1975) when it
** lands well inside the bracket, bisection otherwise.
*/
static void brent_zero(lumpy_Fn *f, double xa, double xb, double xtol, double rtol,
                       int maxiter, int hyperbolic, ZeroOut *o) {
  double xpre = xa, xcur = xb, xblk = 0, fblk = 0, spre = 0, scur = 0;
  double fpre, fcur, delta, sbis, stry, dpre, dblk;
  int i;
  if (bracket_start(f, xpre, xcur, &fpre, &fcur, o)) return;
  for (i = 0; i < maxiter; i++) {
    o->iterations++;
    if (fpre != 0 && fcur != 0 && signdiff(fpre, fcur)) {
      xblk = xpre; fblk = fpre;
      spre = scur = xcur - xpre;
    }
    if (fabs(fblk) < fabs(fcur)) {      /* make xcur the best point */
      xpre = xcur; xcur = xblk; xblk = xpre;
      fpre = fcur; fcur = fblk; fblk = fpre;
    }
    delta = (xtol + rtol * fabs(xcur)) / 2;
    sbis = (xblk - xcur) / 2;
    if (fcur == 0 || fabs(sbis) < delta) { o->x = xcur; return; }
    if (fabs(spre) > delta && fabs(fcur) < fabs(fpre)) {
      if (xpre == xblk)                 /* secant */
        stry = -fcur * (xcur - xpre) / (fcur - fpre);
      else {
        dpre = (fpre - fcur) / (xpre - xcur);
        dblk = (fblk - fcur) / (xblk - xcur);
        if (hyperbolic)
          stry = -fcur * (fblk - fpre) / (fblk * dpre - fpre * dblk);
        else
          stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre));
      }
      if (2 * fabs(stry) < fmin(fabs(spre), 3 * fabs(sbis) - delta)) {
        spre = scur; scur = stry;       /* accept the interpolation */
      }
      else { spre = sbis; scur = sbis; }
    }
    else { spre = sbis; scur = sbis; }
    xpre = xcur; fpre = fcur;
    if (fabs(scur) > delta) xcur += scur;
    else xcur += (sbis > 0 ? delta : -delta);
    fcur = lumpy_fn_scalar(f, xcur);
    o->funcalls++;
  }
  o->x = xcur;
  o->flag = FLAG_CONV;
}

/* Ridders' method (C. Ridders, IEEE Trans. Circuits Syst. 26, 1979):
** an exponential fit through the ends and the midpoint */
static void ridder_zero(lumpy_Fn *f, double xa, double xb, double xtol, double rtol,
                        int maxiter, ZeroOut *o) {
  double fa, fb, fm, fn, xm, xn = xa, dm, dn, tol = xtol;
  int i;
  if (bracket_start(f, xa, xb, &fa, &fb, o)) return;
  for (i = 0; i < maxiter; i++) {
    o->iterations++;
    dm = 0.5 * (xb - xa);
    xm = xa + dm;
    fm = lumpy_fn_scalar(f, xm);
    dn = (fb - fa >= 0 ? 1 : -1) * dm * fm / sqrt(fm * fm - fa * fb);
    xn = xm - (dn >= 0 ? 1 : -1) * fmin(fabs(dn), fabs(dm) - 0.5 * tol);
    fn = lumpy_fn_scalar(f, xn);
    o->funcalls += 2;
    if (signdiff(fn, fm)) { xa = xn; fa = fn; xb = xm; fb = fm; }
    else if (signdiff(fn, fa)) { xb = xn; fb = fn; }
    else { xa = xn; fa = fn; }
    tol = xtol + rtol * xn;
    if (fn == 0 || fabs(xb - xa) < tol) { o->x = xn; return; }
  }
  o->x = xn;
  o->flag = FLAG_CONV;
}

static void bisect_zero(lumpy_Fn *f, double xa, double xb, double xtol, double rtol,
                        int maxiter, ZeroOut *o) {
  double fa, fb, fm, xm = xa, dm;
  int i;
  if (bracket_start(f, xa, xb, &fa, &fb, o)) return;
  dm = xb - xa;
  for (i = 0; i < maxiter; i++) {
    o->iterations++;
    dm *= 0.5;
    xm = xa + dm;
    fm = lumpy_fn_scalar(f, xm);
    o->funcalls++;
    if (fm * fa >= 0) xa = xm;
    if (fm == 0 || fabs(dm) < xtol + rtol * fabs(xm)) { o->x = xm; return; }
  }
  o->x = xm;
  o->flag = FLAG_CONV;
}

/*
** TOMS 748: G. E. Alefeld, F. A. Potra, Y. Shi, "Algorithm 748: Enclosing
** Zeros of Continuous Functions", ACM TOMS 21(3), 1995, Algorithms 4.1/4.2.
** Each iteration takes k inverse cubic (or Newton-quadratic) steps, one
** double-length secant step, and bisects when the bracket did not shrink
** by MU. The bookkeeping (which points are kept, when to fall back) follows
** SciPy's toms748 so the evaluation counts agree.
*/
typedef struct T748 {
  lumpy_Fn *f;
  double a, b, fa, fb, xtol, rtol;
  int funcalls, iterations;
} T748;

static int isclose(double a, double b, double rtol, double atol) {
  return fabs(a - b) <= atol + rtol * fabs(b);
}

static int t748_call(T748 *s, double x, double *fx) {
  *fx = lumpy_fn_scalar(s->f, x);
  s->funcalls++;
  return isfinite(*fx);
}

/* puts c into the bracket, returns the discarded end in (*d, *fd) */
static void t748_update(T748 *s, double c, double fc, double *d, double *fd) {
  double sa = (s->fa > 0) - (s->fa < 0), sc = (fc > 0) - (fc < 0);
  if (sa * sc > 0) { *d = s->a; *fd = s->fa; s->a = c; s->fa = fc; }
  else { *d = s->b; *fd = s->fb; s->b = c; s->fb = fc; }
}

/* all four values nonzero, finite and pairwise apart by more than atol */
static int t748_notclose(const double *fs, int n, double atol) {
  int i, j;
  for (i = 0; i < n; i++) if (fs[i] == 0 || !isfinite(fs[i])) return 0;
  for (i = 0; i < n; i++)
    for (j = i + 1; j < n; j++) if (isclose(fs[i], fs[j], 0, atol)) return 0;
  return 1;
}

/* inverse cubic interpolation through (fa,a)...(fd,d), evaluated at 0 by
** Neville's scheme */
static double t748_ipzero(const double *x, const double *y) {
  double Q[4][4], D[4][4], s;
  int k, i;
  for (i = 0; i < 4; i++) { Q[i][0] = D[i][0] = y[i]; }
  for (k = 1; k < 4; k++)
    for (i = k; i < 4; i++) {
      double alpha = D[i][k - 1] - Q[i - 1][k - 1];
      double diffik = x[i - k] - x[i];
      Q[i][k] = (x[i] - 0) / diffik * alpha;
      D[i][k] = (x[i - k] - 0) / diffik * alpha;
    }
  s = Q[3][0];
  for (k = 1; k < 4; k++) s += Q[3][k];
  return s;
}

/* Newton steps on the quadratic through a, b, d (the paper's NEWQUAD) */
static double t748_newquad(const T748 *s, double d, double fd, int k) {
  double a = s->a, b = s->b, fa = s->fa, fb = s->fb;
  double B = (fb - fa) / (b - a), Bbd = (fd - fb) / (d - b);
  double A = (Bbd - B) / (d - a), r, r1;
  int i;
  if (A == 0) r = a - fa / B;
  else r = (((A > 0) - (A < 0)) * ((fa > 0) - (fa < 0)) > 0) ? a : b;
  for (i = 0; i < k; i++) {
    double P = (A * (r - b) + B) * (r - a) + fa;
    r1 = r - P / (B + A * (2 * r - a - b));
    if (!(a < r1 && r1 < b)) {
      if (a < r && r < b) return r;
      return (a + b) / 2;
    }
    r = r1;
  }
  return r;
}

static void toms748_zero(lumpy_Fn *fn, double a, double b, double xtol, double rtol,
                         int maxiter, int k, ZeroOut *o) {
  T748 s;
  double c, fc, d, fd, e = 0, fe = 0, fz;
  int have_e = 0, nsteps;
  const double eps = DBL_EPSILON;
  s.f = fn; s.a = a; s.b = b; s.xtol = xtol; s.rtol = rtol;
  s.funcalls = 0; s.iterations = 0;
  o->flag = FLAG_OK;
#define T748_DONE(x_, fl_) do { o->x = (x_); o->flag = (fl_); goto done; } while (0)
  if (!t748_call(&s, a, &s.fa)) T748_DONE(a, FLAG_VALUE);
  if (s.fa == 0) T748_DONE(a, FLAG_OK);
  if (!t748_call(&s, b, &s.fb)) T748_DONE(b, FLAG_VALUE);
  if (s.fb == 0) T748_DONE(b, FLAG_OK);
  if (((s.fa > 0) - (s.fa < 0)) * ((s.fb > 0) - (s.fb < 0)) > 0) T748_DONE(0, FLAG_SIGN);
  /* first step: secant */
  if (s.fa == s.fb) c = NAN;
  else if (fabs(s.fb) > fabs(s.fa)) c = (-s.fa / s.fb * s.b + s.a) / (1 - s.fa / s.fb);
  else c = (-s.fb / s.fa * s.a + s.b) / (1 - s.fb / s.fa);
  if (!(s.a < c && c < s.b)) c = (s.a + s.b) / 2;
  if (!t748_call(&s, c, &fc)) T748_DONE(c, FLAG_VALUE);
  if (fc == 0) T748_DONE(c, FLAG_OK);
  t748_update(&s, c, fc, &d, &fd);
  s.iterations++;
  for (;;) {
    double width = s.b - s.a, u, fu, A;
    int uix;
    s.iterations++;
    c = NAN;
    for (nsteps = 2; nsteps < k + 2; nsteps++) {
      int got = 0;
      if (have_e) {
        double fs[4], xs[4];
        fs[0] = s.fa; fs[1] = s.fb; fs[2] = fd; fs[3] = fe;
        if (t748_notclose(fs, 4, 32 * eps)) {
          double c0;
          xs[0] = s.a; xs[1] = s.b; xs[2] = d; xs[3] = e;
          c0 = t748_ipzero(fs, xs);
          if (s.a < c0 && c0 < s.b) { c = c0; got = 1; }
        }
      }
      if (!got && isnan(c)) c = t748_newquad(&s, d, fd, nsteps);
      if (!t748_call(&s, c, &fc)) T748_DONE(c, FLAG_VALUE);
      if (fc == 0) T748_DONE(c, FLAG_OK);
      e = d; fe = fd; have_e = 1;
      t748_update(&s, c, fc, &d, &fd);
    }
    /* double-length secant step from the better end */
    uix = fabs(s.fa) < fabs(s.fb) ? 0 : 1;
    u = uix == 0 ? s.a : s.b;
    fu = uix == 0 ? s.fa : s.fb;
    A = (s.fb - s.fa) / (s.b - s.a);
    c = u - 2 * fu / A;
    if (fabs(c - u) > 0.5 * (s.b - s.a)) c = (s.a + s.b) / 2;
    else {
      if (isclose(c, u, eps, 0)) {
        int eu, ev;
        frexp(uix == 0 ? s.fa : s.fb, &eu);
        frexp(uix == 0 ? s.fb : s.fa, &ev);
        if (eu < ev - 50) c = (31 * u + (uix == 0 ? s.b : s.a)) / 32;
        else {
          double mm = uix == 0 ? 1 : -1;
          c = u + mm * fabs(c) * s.rtol + mm * s.xtol;
        }
        if (!(s.a < c && c < s.b)) c = (s.a + s.b) / 2;
      }
    }
    if (!t748_call(&s, c, &fc)) T748_DONE(c, FLAG_VALUE);
    if (fc == 0) T748_DONE(c, FLAG_OK);
    e = d; fe = fd;
    t748_update(&s, c, fc, &d, &fd);
    if (s.b - s.a > 0.5 * width) {      /* too little progress: bisect */
      double z = (s.a + s.b) / 2;
      e = d; fe = fd;
      if (!t748_call(&s, z, &fz)) T748_DONE(z, FLAG_VALUE);
      if (fz == 0) T748_DONE(z, FLAG_OK);
      t748_update(&s, z, fz, &d, &fd);
    }
    if (isclose(s.a, s.b, s.rtol, s.xtol)) T748_DONE((s.a + s.b) / 2, FLAG_OK);
    if (s.iterations >= maxiter) T748_DONE((s.a + s.b) / 2, FLAG_CONV);
  }
#undef T748_DONE
done:
  o->funcalls = s.funcalls;
  o->iterations = s.iterations;
}

/*
** Newton-Raphson, Halley (with fprime2) and secant iterations, with the
** stopping rule and counting of scipy.optimize.newton: stop when the new
** point is close to the old one (|p - p0| <= tol + rtol |p0|).
*/
static void newton_zero(lumpy_Fn *f, lumpy_Fn *df, lumpy_Fn *d2f, double x0, double x1,
                        int have_x1, double tol, double rtol, int maxiter, ZeroOut *o) {
  double p0 = x0, p = x0, p1, q0, q1;
  int itr;
  o->funcalls = 0;
  o->flag = FLAG_OK;
  if (df) {
    for (itr = 0; itr < maxiter; itr++) {
      double fval = lumpy_fn_scalar(f, p0), fder, step;
      o->funcalls++;
      if (fval == 0) { o->x = p0; o->iterations = itr; return; }
      fder = lumpy_fn_scalar(df, p0);
      o->funcalls++;
      if (fder == 0) { o->x = p0; o->iterations = itr + 1; o->flag = FLAG_DERIV; return; }
      step = fval / fder;
      if (d2f) {
        double fder2 = lumpy_fn_scalar(d2f, p0), adj;
        o->funcalls++;
        adj = step * fder2 / fder / 2;
        if (fabs(adj) < 1) step /= 1.0 - adj;
      }
      p = p0 - step;
      if (isclose(p, p0, rtol, tol)) { o->x = p; o->iterations = itr + 1; return; }
      p0 = p;
    }
  }
  else {
    if (have_x1) p1 = x1;
    else {
      p1 = x0 * (1 + 1e-4);
      p1 += (p1 >= 0 ? 1e-4 : -1e-4);
    }
    q0 = lumpy_fn_scalar(f, p0);
    q1 = lumpy_fn_scalar(f, p1);
    o->funcalls = 2;
    if (fabs(q1) < fabs(q0)) {
      double t = p0; p0 = p1; p1 = t;
      t = q0; q0 = q1; q1 = t;
    }
    for (itr = 0; itr < maxiter; itr++) {
      if (q1 == q0) {
        o->x = (p1 + p0) / 2;
        o->iterations = itr + 1;
        if (p1 != p0) o->flag = FLAG_DERIV;
        return;
      }
      if (fabs(q1) > fabs(q0)) p = (-q0 / q1 * p1 + p0) / (1 - q0 / q1);
      else p = (-q1 / q0 * p0 + p1) / (1 - q1 / q0);
      if (isclose(p, p1, rtol, tol)) { o->x = p; o->iterations = itr + 1; return; }
      p0 = p1; q0 = q1;
      p1 = p;
      q1 = lumpy_fn_scalar(f, p1);
      o->funcalls++;
    }
  }
  o->x = p;
  o->iterations = maxiter;
  o->flag = FLAG_CONV;
}

/* ---- scalar minimisation ---- */

static double fnscalar(void *ud, double x) {
  return lumpy_fn_scalar((lumpy_Fn *)ud, x);
}

/*
** Bracketing a minimum downhill from xa, xb by golden growth with parabolic
** extrapolation (Press et al., Numerical Recipes, mnbrak), as SciPy's
** bracket. Returns 0, or -1 after too many iterations.
*/
int opt_bracket(opt_F1 f, void *ud, double *pa, double *pb, double *pc, double *pfa,
                       double *pfb, double *pfc, int *ncalls, double grow_limit,
                       int maxiter) {
  const double gold = 1.618034, tiny = 1e-21;
  double xa = *pa, xb = *pb, xc, fa, fb, fc, w, fw, wlim, t1, t2, val, denom;
  int iter = 0;
  fa = f(ud, xa);
  fb = f(ud, xb);
  if (fa < fb) { double t = xa; xa = xb; xb = t; t = fa; fa = fb; fb = t; }
  xc = xb + gold * (xb - xa);
  fc = f(ud, xc);
  *ncalls = 3;
  while (fc < fb) {
    t1 = (xb - xa) * (fb - fc);
    t2 = (xb - xc) * (fb - fa);
    val = t2 - t1;
    denom = fabs(val) < tiny ? 2.0 * tiny : 2.0 * val;
    w = xb - ((xb - xc) * t2 - (xb - xa) * t1) / denom;
    wlim = xb + grow_limit * (xc - xb);
    if (iter > maxiter) return -1;
    iter++;
    if ((w - xc) * (xb - w) > 0.0) {
      fw = f(ud, w); (*ncalls)++;
      if (fw < fc) { xa = xb; xb = w; fa = fb; fb = fw; goto out; }
      else if (fw > fb) { xc = w; fc = fw; goto out; }
      w = xc + gold * (xc - xb);
      fw = f(ud, w); (*ncalls)++;
    }
    else if ((w - wlim) * (wlim - xc) >= 0.0) {
      w = wlim;
      fw = f(ud, w); (*ncalls)++;
    }
    else if ((w - wlim) * (xc - w) > 0.0) {
      fw = f(ud, w); (*ncalls)++;
      if (fw < fc) {
        xb = xc; xc = w; w = xc + gold * (xc - xb);
        fb = fc; fc = fw;
        fw = f(ud, w); (*ncalls)++;
      }
    }
    else {
      w = xc + gold * (xc - xb);
      fw = f(ud, w); (*ncalls)++;
    }
    xa = xb; xb = xc; xc = w;
    fa = fb; fb = fc; fc = fw;
  }
out:
  *pa = xa; *pb = xb; *pc = xc; *pfa = fa; *pfb = fb; *pfc = fc;
  return 0;
}

/* the bracket from a Lua option: nil, {xa, xb} or {xa, xb, xc}; returns
** 0 or an error message */
static const char *get_bracket(lumpy_Fn *f, int nb, const double *br, double *xa,
                               double *xb, double *xc, double *fa, double *fb, double *fc,
                               int *ncalls) {
  if (nb == 0 || nb == 2) {
    *xa = nb ? br[0] : 0.0;
    *xb = nb ? br[1] : 1.0;
    if (opt_bracket(fnscalar, f, xa, xb, xc, fa, fb, fc, ncalls, 110.0, 1000) != 0)
      return "too many iterations in bracket";
    return NULL;
  }
  *xa = br[0]; *xb = br[1]; *xc = br[2];
  if (*xa > *xc) { double t = *xa; *xa = *xc; *xc = t; }
  if (!(*xa < *xb && *xb < *xc))
    return "bracketing values (xa, xb, xc) must satisfy xa < xb < xc";
  *fa = lumpy_fn_scalar(f, *xa);
  *fb = lumpy_fn_scalar(f, *xb);
  *fc = lumpy_fn_scalar(f, *xc);
  if (!(*fb < *fa && *fb < *fc))
    return "bracketing values (xa, xb, xc) must satisfy f(xb) < f(xa) and f(xb) < f(xc)";
  *ncalls = 3;
  return NULL;
}

/* Brent's parabolic interpolation with golden sections (Brent 1973, ch. 5,
** procedure localmin), started from a bracket as SciPy's Brent class */
void opt_brent(opt_F1 f, void *ud, double xa, double xb, double xc, double fb,
                      int ncalls, double tol, int maxiter, MinOut *o) {
  const double mintol = 1.0e-11, cg = 0.3819660;
  double x, w, v, fx, fw, fv, a, b, deltax = 0.0, rat = 0.0, u, fu;
  double tol1, tol2, xmid, t1, t2, p, dxt;
  int iter = 0;
  x = w = v = xb;
  fw = fv = fx = fb;
  if (xa < xc) { a = xa; b = xc; } else { a = xc; b = xa; }
  while (iter < maxiter) {
    tol1 = tol * fabs(x) + mintol;
    tol2 = 2.0 * tol1;
    xmid = 0.5 * (a + b);
    if (fabs(x - xmid) < (tol2 - 0.5 * (b - a))) break;
    if (fabs(deltax) <= tol1) {
      deltax = x >= xmid ? a - x : b - x;
      rat = cg * deltax;
    }
    else {
      t1 = (x - w) * (fx - fv);
      t2 = (x - v) * (fx - fw);
      p = (x - v) * t2 - (x - w) * t1;
      t2 = 2.0 * (t2 - t1);
      if (t2 > 0.0) p = -p;
      t2 = fabs(t2);
      dxt = deltax;
      deltax = rat;
      if (p > t2 * (a - x) && p < t2 * (b - x) && fabs(p) < fabs(0.5 * t2 * dxt)) {
        rat = p / t2;
        u = x + rat;
        if ((u - a) < tol2 || (b - u) < tol2) rat = xmid - x >= 0 ? tol1 : -tol1;
      }
      else {
        deltax = x >= xmid ? a - x : b - x;
        rat = cg * deltax;
      }
    }
    if (fabs(rat) < tol1) u = rat >= 0 ? x + tol1 : x - tol1;
    else u = x + rat;
    fu = f(ud, u);
    ncalls++;
    if (fu > fx) {
      if (u < x) a = u; else b = u;
      if (fu <= fw || w == x) { v = w; w = u; fv = fw; fw = fu; }
      else if (fu <= fv || v == x || v == w) { v = u; fv = fu; }
    }
    else {
      if (u >= x) a = x; else b = x;
      v = w; w = x; x = u;
      fv = fw; fw = fx; fx = fu;
    }
    iter++;
  }
  o->x = x; o->fun = fx; o->nit = iter; o->nfev = ncalls;
  o->flag = iter < maxiter ? 0 : 1;
  if (isnan(x) || isnan(fx)) o->flag = 2;
}

/* golden section search (Kiefer 1953) from a bracket, as SciPy's golden */
static void golden_min(opt_F1 f, void *ud, double xa, double xb, double xc, int ncalls,
                       double tol, int maxiter, MinOut *o) {
  const double gR = 0.61803399, gC = 1.0 - 0.61803399;
  double x0 = xa, x1, x2, x3 = xc, f1, f2;
  int i, nit = 0;
  if (fabs(xc - xb) > fabs(xb - xa)) { x1 = xb; x2 = xb + gC * (xc - xb); }
  else { x2 = xb; x1 = xb - gC * (xb - xa); }
  f1 = f(ud, x1);
  f2 = f(ud, x2);
  ncalls += 2;
  for (i = 0; i < maxiter; i++) {
    if (fabs(x3 - x0) <= tol * (fabs(x1) + fabs(x2))) break;
    if (f2 < f1) {
      x0 = x1; x1 = x2; x2 = gR * x1 + gC * x3;
      f1 = f2; f2 = f(ud, x2);
    }
    else {
      x3 = x2; x2 = x1; x1 = gR * x2 + gC * x0;
      f2 = f1; f1 = f(ud, x1);
    }
    ncalls++;
    nit++;
  }
  if (f1 < f2) { o->x = x1; o->fun = f1; } else { o->x = x2; o->fun = f2; }
  o->nit = nit; o->nfev = ncalls;
  o->flag = nit < maxiter ? 0 : 1;
  if (isnan(o->x) || isnan(o->fun)) o->flag = 2;
}

/* Brent's fmin on [x1, x2] (Forsythe, Malcolm, Moler, Computer Methods for
** Mathematical Computations, 1977, FMIN), as SciPy's fminbound */
void opt_bounded(opt_F1 f, void *ud, double x1, double x2, double xatol, int maxfun,
                        MinOut *o) {
  const double sqrt_eps = sqrt(2.2e-16), gm = 0.5 * (3.0 - sqrt(5.0));
  double a = x1, b = x2, fulc, nfc, xf, rat = 0.0, e = 0.0, x, fx, fu = INFINITY;
  double ffulc, fnfc, xm, tol1, tol2, r, q, p, si;
  int num, flag = 0, golden;
  fulc = a + gm * (b - a);
  nfc = xf = fulc;
  x = xf;
  fx = f(ud, x);
  num = 1;
  ffulc = fnfc = fx;
  xm = 0.5 * (a + b);
  tol1 = sqrt_eps * fabs(xf) + xatol / 3.0;
  tol2 = 2.0 * tol1;
  while (fabs(xf - xm) > (tol2 - 0.5 * (b - a))) {
    golden = 1;
    if (fabs(e) > tol1) {
      golden = 0;
      r = (xf - nfc) * (fx - ffulc);
      q = (xf - fulc) * (fx - fnfc);
      p = (xf - fulc) * q - (xf - nfc) * r;
      q = 2.0 * (q - r);
      if (q > 0.0) p = -p;
      q = fabs(q);
      r = e;
      e = rat;
      if (fabs(p) < fabs(0.5 * q * r) && p > q * (a - xf) && p < q * (b - xf)) {
        rat = p / q;
        x = xf + rat;
        if ((x - a) < tol2 || (b - x) < tol2) {
          si = (xm - xf > 0) - (xm - xf < 0) + ((xm - xf) == 0);
          rat = tol1 * si;
        }
      }
      else golden = 1;
    }
    if (golden) {
      e = xf >= xm ? a - xf : b - xf;
      rat = gm * e;
    }
    si = (rat > 0) - (rat < 0) + (rat == 0);
    x = xf + si * fmax(fabs(rat), tol1);
    fu = f(ud, x);
    num++;
    if (fu <= fx) {
      if (x >= xf) a = xf; else b = xf;
      fulc = nfc; ffulc = fnfc;
      nfc = xf; fnfc = fx;
      xf = x; fx = fu;
    }
    else {
      if (x < xf) a = x; else b = x;
      if (fu <= fnfc || nfc == xf) { fulc = nfc; ffulc = fnfc; nfc = x; fnfc = fu; }
      else if (fu <= ffulc || fulc == xf || fulc == nfc) { fulc = x; ffulc = fu; }
    }
    xm = 0.5 * (a + b);
    tol1 = sqrt_eps * fabs(xf) + xatol / 3.0;
    tol2 = 2.0 * tol1;
    if (num >= maxfun) { flag = 1; break; }
  }
  if (isnan(xf) || isnan(fx) || isnan(fu)) flag = 2;
  o->x = xf; o->fun = fx; o->nfev = num; o->nit = num; o->flag = flag;
}

/* ---- bindings ---- */

static int pushzero(lua_State *L, const ZeroOut *o) {
  lua_pushnumber(L, o->x);
  lua_pushinteger(L, o->iterations);
  lua_pushinteger(L, o->funcalls);
  lua_pushinteger(L, o->flag);
  return 4;
}

static const char *const zero_names[] = {"brentq", "brenth", "ridder", "bisect", "toms748",
  NULL};
static const char *const zero_kernels[] = {"lumpy.optimize.brentq", "lumpy.optimize.brenth",
  "lumpy.optimize.ridder", "lumpy.optimize.bisect", "lumpy.optimize.toms748"};

static int zero_run(lua_State *L) {
  int m = luaL_checkoption(L, 1, NULL, zero_names);
  double a = luaL_checknumber(L, 3), b = luaL_checknumber(L, 4);
  double xtol = luaL_checknumber(L, 5), rtol = luaL_checknumber(L, 6);
  int maxiter = (int)luaL_checkinteger(L, 7);
  int k = (int)luaL_optinteger(L, 9, 1);
  lumpy_Fn f;
  ZeroOut o;
  lumpy_fn_init(L, &f, 2, 8, zero_kernels[m]);
  f.unprotected = 1;
  switch (m) {
    case 0: brent_zero(&f, a, b, xtol, rtol, maxiter, 0, &o); break;
    case 1: brent_zero(&f, a, b, xtol, rtol, maxiter, 1, &o); break;
    case 2: ridder_zero(&f, a, b, xtol, rtol, maxiter, &o); break;
    case 3: bisect_zero(&f, a, b, xtol, rtol, maxiter, &o); break;
    default: toms748_zero(&f, a, b, xtol, rtol, maxiter, k, &o); break;
  }
  return pushzero(L, &o);
}

/* _zero(method, f, a, b, xtol, rtol, maxiter, opts[, k]) ->
** x, iterations, funcalls, flag; method: brentq brenth ridder bisect toms748.
** The kernel runs under one pcall: f is called with plain lua_call */
static int optimize_zero(lua_State *L) {
  int m = luaL_checkoption(L, 1, NULL, zero_names);
  lua_settop(L, 9);
  return lumpy_fn_protect(L, zero_run, 9, 4, zero_kernels[m]);
}

/* _newton(f, x0, fprime, fprime2, x1, tol, rtol, maxiter, opts, kernel) */
static int optimize_newton(lua_State *L) {
  double x0 = luaL_checknumber(L, 2);
  int have_x1 = !lua_isnil(L, 5);
  double x1 = have_x1 ? luaL_checknumber(L, 5) : 0;
  double tol = luaL_checknumber(L, 6), rtol = luaL_checknumber(L, 7);
  int maxiter = (int)luaL_checkinteger(L, 8);
  const char *kernel = luaL_optstring(L, 10, "lumpy.optimize.newton");
  lumpy_Fn f, df, d2f;
  ZeroOut o;
  lumpy_fn_init(L, &f, 1, 9, kernel);
  if (!lua_isnil(L, 3)) lumpy_fn_init(L, &df, 3, 9, kernel);
  if (!lua_isnil(L, 4)) lumpy_fn_init(L, &d2f, 4, 9, kernel);
  newton_zero(&f, lua_isnil(L, 3) ? NULL : &df, lua_isnil(L, 4) ? NULL : &d2f,
              x0, x1, have_x1, tol, rtol, maxiter, &o);
  return pushzero(L, &o);
}

static int pushmin(lua_State *L, const MinOut *o) {
  lua_pushnumber(L, o->x);
  lua_pushnumber(L, o->fun);
  lua_pushinteger(L, o->nit);
  lua_pushinteger(L, o->nfev);
  lua_pushinteger(L, o->flag);
  return 5;
}

/* reads an optional bracket table at idx into br; returns its length */
/* the option bracket at idx (nil: none) of kernel into br; returns its length */
static int checkbracket(lua_State *L, int idx, double *br, const char *kernel) {
  int n, i;
  if (lua_isnil(L, idx)) return 0;
  if (!lua_istable(L, idx))
    lumpy_kerror(L, "%s: bracket must be a table of 2 or 3 numbers, got %s", kernel,
               luaL_typename(L, idx));
  n = (int)lua_rawlen(L, idx);
  if (n != 2 && n != 3)
    lumpy_kerror(L, "%s: bracket must have 2 or 3 numbers, got %d", kernel, n);
  for (i = 0; i < n; i++) {
    lua_rawgeti(L, idx, i + 1);
    if (!lua_isnumber(L, -1)) lumpy_kerror(L, "%s: bracket must hold numbers", kernel);
    br[i] = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  return n;
}

/* _minscalar(method, f, bracket|bounds, tol, maxiter, opts) ->
** x, fun, nit, nfev, flag; method: brent golden bounded */
static int optimize_minscalar(lua_State *L) {
  static const char *const names[] = {"brent", "golden", "bounded", NULL};
  int m = luaL_checkoption(L, 1, NULL, names);
  double br[3], xa, xb, xc, fa, fb, fc;
  double tol = luaL_checknumber(L, 4);
  int maxiter = (int)luaL_checkinteger(L, 5), nb, ncalls = 0;
  const char *err;
  lumpy_Fn f;
  MinOut o;
  nb = checkbracket(L, 3, br, "lumpy.optimize.minimize_scalar");
  lumpy_fn_init(L, &f, 2, 6, "lumpy.optimize.minimize_scalar");
  if (m == 2) {
    if (nb != 2) return luaL_argerror(L, 3, "bounds must have two numbers");
    opt_bounded(fnscalar, &f, br[0], br[1], tol, maxiter, &o);
    return pushmin(L, &o);
  }
  err = get_bracket(&f, nb, br, &xa, &xb, &xc, &fa, &fb, &fc, &ncalls);
  if (err) return lumpy_kerror(L, "lumpy.optimize.minimize_scalar: %s", err);
  if (m == 0) opt_brent(fnscalar, &f, xa, xb, xc, fb, ncalls, tol, maxiter, &o);
  else golden_min(fnscalar, &f, xa, xb, xc, ncalls, tol, maxiter, &o);
  return pushmin(L, &o);
}

/* _bracket(f, xa, xb, grow_limit, maxiter, opts) -> xa, xb, xc, fa, fb, fc, funcalls */
static int optimize_bracket(lua_State *L) {
  double xa = luaL_checknumber(L, 2), xb = luaL_checknumber(L, 3), xc, fa, fb, fc;
  double grow = luaL_checknumber(L, 4);
  int maxiter = (int)luaL_checkinteger(L, 5), ncalls;
  lumpy_Fn f;
  lumpy_fn_init(L, &f, 1, 6, "lumpy.optimize.bracket");
  if (opt_bracket(fnscalar, &f, &xa, &xb, &xc, &fa, &fb, &fc, &ncalls, grow, maxiter) != 0)
    return lumpy_kerror(L, "lumpy.optimize.bracket: too many iterations");
  lua_pushnumber(L, xa); lua_pushnumber(L, xb); lua_pushnumber(L, xc);
  lua_pushnumber(L, fa); lua_pushnumber(L, fb); lua_pushnumber(L, fc);
  lua_pushinteger(L, ncalls);
  return 7;
}

static const luaL_Reg scalar_funcs[] = {
  {"_zero", optimize_zero},
  {"_newton", optimize_newton},
  {"_minscalar", optimize_minscalar},
  {"_bracket", optimize_bracket},
  {NULL, NULL}
};

/* adds the scalar kernels to the table on top of the stack */
void lumpy_open_opt_scalar(lua_State *L) {
  luaL_setfuncs(L, scalar_funcs, 0);
}
