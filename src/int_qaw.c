/*
** int_qaw.c: QUADPACK's integrators for weighted integrands (Piessens, de
** Doncker-Kapenga, Ueberhuber, Kahaner, "QUADPACK", Springer 1983, 3.5-3.8):
**   QAWC  Cauchy principal value of f(x)/(x - c), 2.2.3 and 3.5;
**   QAWS  f(x) (x-a)^alfa (b-x)^beta [log(x-a)] [log(b-x)], 2.2.4 and 3.6;
**   QAWO  f(x) cos(omega x) or sin(omega x) on a finite range, with the
**         modified Clenshaw-Curtis rule and Chebyshev moments of 2.2.5 and
**         the extrapolation of 3.7;
**   QAWF  the same on (a, inf), cycle by cycle with extrapolation of the
**         partial sums (3.8).
** The 24-point Clenshaw-Curtis rules expand f in Chebyshev polynomials at
** the nodes cos(k pi / 24) (the 12-point rule on every other node gives the
** error estimate) and integrate the expansion against modified Chebyshev
** moments of the weight. The adaptive strategies follow the book's
** algorithms step by step so that evaluation counts match SciPy; QAWO's
** is int_quad.c's lumpy_qext with the rule above.
*/
#include <float.h>
#include <math.h>
#include <lapacke.h>
#include "int.h"

#define EPMACH DBL_EPSILON
#define UFLOW DBL_MIN
#define OFLOW DBL_MAX

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif

/* the weight of a 15-point Kronrod rule */
typedef struct Weight {
  int kind;              /* 1 cauchy 1/(x-c), 2 algebraic-logarithmic, 3 cos/sin */
  double c;              /* cauchy: c; qaws: a; qawo: omega */
  double b, alfa, beta;  /* qaws */
  int integr;
} Weight;

static double wval(const Weight *w, double x) {
  switch (w->kind) {
    case 1: return 1.0 / (x - w->c);
    case 2: {
      double xma1 = x - w->c, bmx1 = w->b - x;
      double v = pow(xma1, w->alfa) * pow(bmx1, w->beta);
      switch (w->integr) {
        case 2: return v * log(xma1);
        case 3: return v * log(bmx1);
        case 4: return v * log(xma1) * log(bmx1);
        default: return v;
      }
    }
    default: return w->integr == 1 ? cos(w->c * x) : sin(w->c * x);
  }
}

static const double xgk[8] = {
  0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
  0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
  0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
  0.207784955007898467600689403773245, 0.0
};
static const double wgk[8] = {
  0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
  0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
  0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
  0.204432940075298892414161999234649, 0.209482141084727828012999174891714
};
static const double wg[4] = {
  0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
  0.381830050505118944950369775488975, 0.417959183673469387755102040816327
};

/* 15-point Gauss-Kronrod with a weight (dqk15w) */
static void qk15w(lumpy_QuadF f, void *ud, const Weight *w, double a, double b,
                  double *result, double *abserr, double *resabs, double *resasc) {
  double centr = 0.5 * (a + b), hlgth = 0.5 * (b - a), dhlgth = fabs(hlgth);
  double fc = f(centr, ud) * wval(w, centr), fv1[7], fv2[7];
  double resg = wg[3] * fc, resk = wgk[7] * fc, rabs = fabs(resk), rasc, reskh, err;
  int j;
  for (j = 0; j < 3; j++) {
    int jtw = 2 * j + 1;
    double absc = hlgth * xgk[jtw], x1 = centr - absc, x2 = centr + absc;
    double f1 = f(x1, ud) * wval(w, x1), f2 = f(x2, ud) * wval(w, x2);
    fv1[jtw] = f1; fv2[jtw] = f2;
    resg += wg[j] * (f1 + f2);
    resk += wgk[jtw] * (f1 + f2);
    rabs += wgk[jtw] * (fabs(f1) + fabs(f2));
  }
  for (j = 0; j < 4; j++) {
    int jtwm1 = 2 * j;
    double absc = hlgth * xgk[jtwm1], x1 = centr - absc, x2 = centr + absc;
    double f1 = f(x1, ud) * wval(w, x1), f2 = f(x2, ud) * wval(w, x2);
    fv1[jtwm1] = f1; fv2[jtwm1] = f2;
    resk += wgk[jtwm1] * (f1 + f2);
    rabs += wgk[jtwm1] * (fabs(f1) + fabs(f2));
  }
  reskh = resk * 0.5;
  rasc = wgk[7] * fabs(fc - reskh);
  for (j = 0; j < 7; j++) rasc += wgk[j] * (fabs(fv1[j] - reskh) + fabs(fv2[j] - reskh));
  *result = resk * hlgth;
  rabs *= dhlgth;
  rasc *= dhlgth;
  err = fabs((resk - resg) * hlgth);
  if (rasc != 0.0 && err != 0.0) err = rasc * fmin(1.0, pow(200.0 * err / rasc, 1.5));
  if (rabs > UFLOW / (50.0 * EPMACH)) err = fmax(EPMACH * 50.0 * rabs, err);
  *abserr = err;
  *resabs = rabs;
  *resasc = rasc;
}

/* the Chebyshev coefficients of the interpolants of degree 12 and 24 through
** fval (25 values at cos(k pi / 24), the end values already halved), as
** dqcheb: f ~ sum cheb24[k] T_k on [-1, 1] */
static void qcheb(const double *fval, double *cheb12, double *cheb24) {
  int k, j;
  for (k = 0; k < 25; k++) {
    double s = 0.0;
    for (j = 0; j < 25; j++) s += fval[j] * cos(M_PI * (double)((k * j) % 48) / 24.0);
    cheb24[k] = s / ((k == 0 || k == 24) ? 24.0 : 12.0);
  }
  for (k = 0; k < 13; k++) {
    double s = 0.0;
    for (j = 0; j < 13; j++) s += fval[2 * j] * cos(M_PI * (double)((k * j) % 24) / 12.0);
    cheb12[k] = s / ((k == 0 || k == 12) ? 12.0 : 6.0);
  }
}

/* f at the 25 Clenshaw-Curtis nodes centr + us[i] of [centr - hlgth,
** centr + hlgth]; the ends halved */
static void ccnodes(lumpy_QuadF f, void *ud, double centr, double hlgth, double *fval,
                    double *us) {
  int i;
  us[0] = hlgth;
  us[12] = 0.0;
  us[24] = -hlgth;
  for (i = 1; i < 12; i++) {
    double u = hlgth * cos(i * M_PI / 24.0);
    us[i] = u;
    us[24 - i] = -u;
  }
  for (i = 0; i < 25; i++) fval[i] = f(centr + us[i], ud);
  fval[0] *= 0.5;
  fval[24] *= 0.5;
}

/* ---------------------------------------------------------------------- */
/* QAWC                                                                    */
/* ---------------------------------------------------------------------- */

/* dqc25c: krul counts the rule uses as in QUADPACK */
static void qc25c(lumpy_QuadF f, void *ud, double a, double b, double c, double *result,
                  double *abserr, int *krul, int *neval) {
  double cc = (2.0 * c - b - a) / (b - a);
  if (fabs(cc) >= 1.1) {
    Weight w;
    double resabs, resasc;
    w.kind = 1; w.c = c; w.integr = 0;
    (*krul)--;
    qk15w(f, ud, &w, a, b, result, abserr, &resabs, &resasc);
    *neval = 15;
    if (resasc == *abserr) (*krul)++;
  }
  else {
    double hlgth = 0.5 * (b - a), centr = 0.5 * (b + a), fval[25], xs[25];
    double cheb12[13], cheb24[25], amom0, amom1, amom2, res12, res24;
    int k;
    *neval = 25;
    ccnodes(f, ud, centr, hlgth, fval, xs);
    qcheb(fval, cheb12, cheb24);
    amom0 = log(fabs((1.0 - cc) / (1.0 + cc)));
    amom1 = 2.0 + cc * amom0;
    res12 = cheb12[0] * amom0 + cheb12[1] * amom1;
    res24 = cheb24[0] * amom0 + cheb24[1] * amom1;
    for (k = 3; k <= 25; k++) {
      double ak22 = (double)(k - 2) * (k - 2);
      amom2 = 2.0 * cc * amom1 - amom0;
      if (k % 2 == 0) amom2 -= 4.0 / (ak22 - 1.0);
      if (k <= 13) res12 += cheb12[k - 1] * amom2;
      res24 += cheb24[k - 1] * amom2;
      amom0 = amom1;
      amom1 = amom2;
    }
    *result = res24;
    *abserr = fabs(res24 - res12);
  }
}

/* shared by the non-extrapolating strategies: appends the two halves */
static void place(lumpy_QuadWork *w, int maxerr, int last, double a1, double b1, double a2,
                  double b2, double area1, double area2, double error1, double error2) {
  int m = maxerr - 1, l = last - 1;
  w->rlist[m] = area1;
  w->rlist[l] = area2;
  if (error2 <= error1) {
    w->alist[l] = a2; w->blist[m] = b1; w->blist[l] = b2;
    w->elist[m] = error1; w->elist[l] = error2;
  }
  else {
    w->alist[m] = a2; w->alist[l] = a1; w->blist[l] = b1;
    w->rlist[m] = area2; w->rlist[l] = area1;
    w->elist[m] = error2; w->elist[l] = error1;
  }
}

void lumpy_qawc(lumpy_QuadF f, void *ud, double a, double b, double c, double epsabs,
                double epsrel, int limit, lumpy_QuadWork *w, lumpy_QuadResult *out) {
  double aa = a, bb = b, result, abserr, errbnd, area, errsum, errmax;
  int ier = 0, krule = 2, neval, last, maxerr, nrmax, iroff1 = 0, iroff2 = 0, k;
  if (a > b) { aa = b; bb = a; }
  qc25c(f, ud, aa, bb, c, &result, &abserr, &krule, &neval);
  last = 1;
  w->rlist[0] = result; w->elist[0] = abserr; w->iord[0] = 1;
  w->alist[0] = a; w->blist[0] = b;
  errbnd = fmax(epsabs, epsrel * fabs(result));
  if (limit == 1) ier = 1;
  if (abserr < fmin(0.01 * fabs(result), errbnd) || ier == 1) goto done;
  w->alist[0] = aa; w->blist[0] = bb;
  errsum = abserr; area = result;
  maxerr = 1; errmax = abserr; nrmax = 1;
  for (last = 2; last <= limit; last++) {
    double a1 = w->alist[maxerr - 1], b1 = 0.5 * (w->alist[maxerr - 1] + w->blist[maxerr - 1]);
    double b2 = w->blist[maxerr - 1], a2, area1, area2, error1, error2, area12, erro12;
    int nev;
    if (c <= b1 && c > a1) b1 = 0.5 * (c + b2);
    if (c > b1 && c < b2) b1 = 0.5 * (a1 + c);
    a2 = b1;
    krule = 2;
    qc25c(f, ud, a1, b1, c, &area1, &error1, &krule, &nev);
    neval += nev;
    qc25c(f, ud, a2, b2, c, &area2, &error2, &krule, &nev);
    neval += nev;
    area12 = area1 + area2;
    erro12 = error1 + error2;
    errsum = errsum + erro12 - errmax;
    area = area + area12 - w->rlist[maxerr - 1];
    if (fabs(w->rlist[maxerr - 1] - area12) < 1e-5 * fabs(area12) && erro12 >= 0.99 * errmax &&
        krule == 0)
      iroff1++;
    if (last > 10 && erro12 > errmax && krule == 0) iroff2++;
    errbnd = fmax(epsabs, epsrel * fabs(area));
    if (errsum > errbnd) {
      if (iroff1 >= 6 && iroff2 > 20) ier = 2;
      if (last == limit) ier = 1;
      if (fmax(fabs(a1), fabs(b2)) <= (1.0 + 100.0 * EPMACH) * (fabs(a2) + 1000.0 * UFLOW))
        ier = 3;
    }
    place(w, maxerr, last, a1, b1, a2, b2, area1, area2, error1, error2);
    /* the book's ordering routine */
    lumpy_qpsrt(limit, last, &maxerr, &errmax, w->elist, w->iord, &nrmax);
    if (ier != 0 || errsum <= errbnd) break;
  }
  if (last > limit) last = limit;
  result = 0.0;
  for (k = 0; k < last; k++) result += w->rlist[k];
  abserr = errsum;
done:
  if (aa == b) result = -result;
  out->result = result;
  out->abserr = abserr;
  out->ier = ier;
  out->last = last;
  out->neval = neval;
}

/* ---------------------------------------------------------------------- */
/* QAWS                                                                    */
/* ---------------------------------------------------------------------- */

/* modified Chebyshev moments of the algebraic-logarithmic weights (dqmomo) */
static void qmomo(double alfa, double beta, double *ri, double *rj, double *rg, double *rh,
                  int integr) {
  double alfp1 = alfa + 1.0, betp1 = beta + 1.0, alfp2 = alfa + 2.0, betp2 = beta + 2.0;
  double ralf = pow(2.0, alfp1), rbet = pow(2.0, betp1), an, anm1;
  int i;
  ri[0] = ralf / alfp1;
  rj[0] = rbet / betp1;
  ri[1] = ri[0] * alfa / alfp2;
  rj[1] = rj[0] * beta / betp2;
  an = 2.0; anm1 = 1.0;
  for (i = 2; i < 25; i++) {
    ri[i] = -(ralf + an * (an - alfp2) * ri[i - 1]) / (anm1 * (an + alfp1));
    rj[i] = -(rbet + an * (an - betp2) * rj[i - 1]) / (anm1 * (an + betp1));
    anm1 = an;
    an += 1.0;
  }
  if (integr == 2 || integr == 4) {
    rg[0] = -ri[0] / alfp1;
    rg[1] = -(ralf + ralf) / (alfp2 * alfp2) - rg[0];
    an = 2.0; anm1 = 1.0;
    for (i = 2; i < 25; i++) {
      rg[i] = -(an * (an - alfp2) * rg[i - 1] - an * ri[i - 1] + anm1 * ri[i]) /
              (anm1 * (an + alfp1));
      anm1 = an;
      an += 1.0;
    }
  }
  if (integr == 3 || integr == 4) {
    rh[0] = -rj[0] / betp1;
    rh[1] = -(rbet + rbet) / (betp2 * betp2) - rh[0];
    an = 2.0; anm1 = 1.0;
    for (i = 2; i < 25; i++) {
      rh[i] = -(an * (an - betp2) * rh[i - 1] - an * rj[i - 1] + anm1 * rj[i]) /
              (anm1 * (an + betp1));
      anm1 = an;
      an += 1.0;
    }
    for (i = 1; i < 25; i += 2) rh[i] = -rh[i];
  }
  for (i = 1; i < 25; i += 2) rj[i] = -rj[i];
}

typedef struct Moments { double ri[25], rj[25], rg[25], rh[25]; } Moments;

static void chebsum(const double *cheb12, const double *cheb24, const double *mom,
                    double *res12, double *res24) {
  int i;
  *res12 = 0.0;
  *res24 = 0.0;
  for (i = 0; i < 13; i++) {
    *res12 += cheb12[i] * mom[i];
    *res24 += cheb24[i] * mom[i];
  }
  for (i = 13; i < 25; i++) *res24 += cheb24[i] * mom[i];
}

/* dqc25s: the integral over [bl, br] inside [a, b] */
static void qc25s(lumpy_QuadF f, void *ud, double a, double b, double bl, double br,
                  double alfa, double beta, const Moments *mo, int integr, double *result,
                  double *abserr, double *resasc, int *nev) {
  double fval[25], xs[25], cheb12[13], cheb24[25], hlgth, centr, fix, factor;
  double res12, res24, res = 0.0, err = 0.0;
  int i, ata = bl == a && (alfa != 0.0 || integr == 2 || integr == 4);
  int atb = br == b && (beta != 0.0 || integr == 3 || integr == 4);
  *nev = 25;
  *resasc = 0.0;
  if (!ata && !atb) {
    Weight w;
    double resabs;
    w.kind = 2; w.c = a; w.b = b; w.alfa = alfa; w.beta = beta; w.integr = integr;
    qk15w(f, ud, &w, bl, br, result, abserr, &resabs, resasc);
    *nev = 15;
    return;
  }
  hlgth = 0.5 * (br - bl);
  centr = 0.5 * (br + bl);
  ccnodes(f, ud, centr, hlgth, fval, xs);
  if (ata) {
    /* singular at a: the factor (b - x)^beta [log(b - x)] is expanded */
    fix = b - centr;
    for (i = 0; i < 25; i++) fval[i] *= pow(fix - xs[i], beta);
    factor = pow(hlgth, alfa + 1.0);
    if (integr > 2)
      for (i = 0; i < 25; i++) fval[i] *= log(fix - xs[i]);
    qcheb(fval, cheb12, cheb24);
    chebsum(cheb12, cheb24, mo->ri, &res12, &res24);
    if (integr == 2 || integr == 4) {
      double dc = log(br - bl);
      res = res24 * dc;
      err = fabs((res24 - res12) * dc);
      chebsum(cheb12, cheb24, mo->rg, &res12, &res24);
    }
  }
  else {
    /* singular at b: the factor (x - a)^alfa [log(x - a)] is expanded */
    fix = centr - a;
    for (i = 0; i < 25; i++) fval[i] *= pow(fix + xs[i], alfa);
    factor = pow(hlgth, beta + 1.0);
    if (integr == 2 || integr == 4)
      for (i = 0; i < 25; i++) fval[i] *= log(fix + xs[i]);
    qcheb(fval, cheb12, cheb24);
    chebsum(cheb12, cheb24, mo->rj, &res12, &res24);
    if (integr == 3 || integr == 4) {
      double dc = log(br - bl);
      res = res24 * dc;
      err = fabs((res24 - res12) * dc);
      chebsum(cheb12, cheb24, mo->rh, &res12, &res24);
    }
  }
  *result = (res + res24) * factor;
  *abserr = (err + fabs(res24 - res12)) * factor;
}

void lumpy_qaws(lumpy_QuadF f, void *ud, double a, double b, double alfa, double beta,
                int integr, double epsabs, double epsrel, int limit, lumpy_QuadWork *w,
                lumpy_QuadResult *out) {
  Moments mo;
  double centre = 0.5 * (a + b), area1, area2, error1, error2, resas1, resas2;
  double result, abserr, errbnd, errmax, area, errsum;
  int nev, neval, last, ier = 0, maxerr, nrmax, iroff1 = 0, iroff2 = 0, k;
  qmomo(alfa, beta, mo.ri, mo.rj, mo.rg, mo.rh, integr);
  qc25s(f, ud, a, b, a, centre, alfa, beta, &mo, integr, &area1, &error1, &resas1, &nev);
  neval = nev;
  qc25s(f, ud, a, b, centre, b, alfa, beta, &mo, integr, &area2, &error2, &resas2, &nev);
  neval += nev;
  last = 2;
  result = area1 + area2;
  abserr = error1 + error2;
  errbnd = fmax(epsabs, epsrel * fabs(result));
  if (error2 <= error1) {
    w->alist[0] = a; w->alist[1] = centre; w->blist[0] = centre; w->blist[1] = b;
    w->rlist[0] = area1; w->rlist[1] = area2; w->elist[0] = error1; w->elist[1] = error2;
  }
  else {
    w->alist[0] = centre; w->alist[1] = a; w->blist[0] = b; w->blist[1] = centre;
    w->rlist[0] = area2; w->rlist[1] = area1; w->elist[0] = error2; w->elist[1] = error1;
  }
  w->iord[0] = 1;
  w->iord[1] = 2;
  if (limit == 2) ier = 1;
  if (abserr <= errbnd || ier == 1) goto done;
  errmax = w->elist[0]; maxerr = 1; nrmax = 1; area = result; errsum = abserr;
  for (last = 3; last <= limit; last++) {
    double a1 = w->alist[maxerr - 1], b1 = 0.5 * (w->alist[maxerr - 1] + w->blist[maxerr - 1]);
    double a2 = b1, b2 = w->blist[maxerr - 1], area12, erro12;
    qc25s(f, ud, a, b, a1, b1, alfa, beta, &mo, integr, &area1, &error1, &resas1, &nev);
    neval += nev;
    qc25s(f, ud, a, b, a2, b2, alfa, beta, &mo, integr, &area2, &error2, &resas2, &nev);
    neval += nev;
    area12 = area1 + area2;
    erro12 = error1 + error2;
    errsum = errsum + erro12 - errmax;
    area = area + area12 - w->rlist[maxerr - 1];
    if (a != a1 && b != b2 && resas1 != error1 && resas2 != error2) {
      if (fabs(w->rlist[maxerr - 1] - area12) < 1e-5 * fabs(area12) && erro12 >= 0.99 * errmax)
        iroff1++;
      if (last > 10 && erro12 > errmax) iroff2++;
    }
    errbnd = fmax(epsabs, epsrel * fabs(area));
    if (errsum > errbnd) {
      if (last == limit) ier = 1;
      if (iroff1 >= 6 || iroff2 >= 20) ier = 2;
      if (fmax(fabs(a1), fabs(b2)) <= (1.0 + 100.0 * EPMACH) * (fabs(a2) + 1000.0 * UFLOW))
        ier = 3;
    }
    place(w, maxerr, last, a1, b1, a2, b2, area1, area2, error1, error2);
    lumpy_qpsrt(limit, last, &maxerr, &errmax, w->elist, w->iord, &nrmax);
    if (ier != 0 || errsum <= errbnd) break;
  }
  if (last > limit) last = limit;
  result = 0.0;
  for (k = 0; k < last; k++) result += w->rlist[k];
  abserr = errsum;
done:
  out->result = result;
  out->abserr = abserr;
  out->ier = ier;
  out->last = last;
  out->neval = neval;
}

/* ---------------------------------------------------------------------- */
/* QAWO and QAWF                                                           */
/* ---------------------------------------------------------------------- */

/* the moment table: chebmo[m][0..24] for m < maxp1, momcom computed, and
** the last level used (dqc25f's saved m) */
typedef struct OscMoments {
  double *chebmo;
  int maxp1, momcom, m;
} OscMoments;

/* tridiagonal solve of the moment recurrences (LINPACK dgtsl in the book;
** LAPACK dgtsv, the same Gaussian elimination with partial pivoting):
** sub-diagonal c[1..n-1], diagonal d, super-diagonal e[0..n-2], rhs b */
static void tridiag(int n, double *c, double *d, double *e, double *b) {
  LAPACKE_dgtsv(LAPACK_COL_MAJOR, n, 1, c + 1, d, e, b, n);
}

/* the Chebyshev moments of cos and sin for parint = omega * hlgth */
static void osc_moments(double parint, double *mom) {
  double v[28], d[25], d1[25], d2[25], par2 = parint * parint, par22 = par2 + 2.0;
  double sinpar = sin(parint), cospar = cos(parint), ac, as, an, an2, ass, asap;
  const int noequ = 22;
  int k, i, j;
  /* with respect to cosine */
  v[0] = 2.0 * sinpar / parint;
  v[1] = (8.0 * cospar + (par2 + par2 - 8.0) * sinpar / parint) / par2;
  v[2] = (32.0 * (par2 - 12.0) * cospar + (2.0 * ((par2 - 80.0) * par2 + 192.0) * sinpar) /
          parint) / (par2 * par2);
  ac = 8.0 * cospar;
  as = 24.0 * parint * sinpar;
  if (fabs(parint) <= 24.0) {
    /* a boundary value problem: v[2] given, the end value asymptotic */
    an = 6.0;
    for (k = 0; k < noequ - 1; k++) {
      an2 = an * an;
      d[k] = -2.0 * (an2 - 4.0) * (par22 - an2 - an2);
      d2[k] = (an - 1.0) * (an - 2.0) * par2;
      d1[k + 1] = (an + 3.0) * (an + 4.0) * par2;
      v[k + 3] = as - (an2 - 4.0) * ac;
      an += 2.0;
    }
    an2 = an * an;
    d[noequ - 1] = -2.0 * (an2 - 4.0) * (par22 - an2 - an2);
    v[noequ + 2] = as - (an2 - 4.0) * ac;
    v[3] -= 56.0 * par2 * v[2];
    ass = parint * sinpar;
    asap = (((((210.0 * par2 - 1.0) * cospar - (105.0 * par2 - 63.0) * ass) / an2 -
              (1.0 - 15.0 * par2) * cospar + 15.0 * ass) / an2 - cospar + 3.0 * ass) / an2 -
            cospar) / an2;
    v[noequ + 2] -= 2.0 * asap * par2 * (an - 1.0) * (an - 2.0);
    tridiag(noequ, d1, d, d2, v + 3);
  }
  else {
    an = 4.0;
    for (i = 3; i < 13; i++) {
      an2 = an * an;
      v[i] = ((an2 - 4.0) * (2.0 * (par22 - an2 - an2) * v[i - 1] - ac) + as -
              par2 * (an + 1.0) * (an + 2.0) * v[i - 2]) / (par2 * (an - 1.0) * (an - 2.0));
      an += 2.0;
    }
  }
  for (j = 0; j < 13; j++) mom[2 * j] = v[j];
  /* with respect to sine */
  v[0] = 2.0 * (sinpar - parint * cospar) / par2;
  v[1] = (18.0 - 48.0 / par2) * sinpar / par2 + (-2.0 + 48.0 / par2) * cospar / parint;
  ac = -24.0 * parint * cospar;
  as = -8.0 * sinpar;
  if (fabs(parint) <= 24.0) {
    an = 5.0;
    for (k = 0; k < noequ - 1; k++) {
      an2 = an * an;
      d[k] = -2.0 * (an2 - 4.0) * (par22 - an2 - an2);
      d2[k] = (an - 1.0) * (an - 2.0) * par2;
      d1[k + 1] = (an + 3.0) * (an + 4.0) * par2;
      v[k + 2] = ac + (an2 - 4.0) * as;
      an += 2.0;
    }
    an2 = an * an;
    d[noequ - 1] = -2.0 * (an2 - 4.0) * (par22 - an2 - an2);
    v[noequ + 1] = ac + (an2 - 4.0) * as;
    v[2] -= 42.0 * par2 * v[1];
    ass = parint * cospar;
    asap = (((((105.0 * par2 - 63.0) * ass + (210.0 * par2 - 1.0) * sinpar) / an2 +
              (15.0 * par2 - 1.0) * sinpar - 15.0 * ass) / an2 - 3.0 * ass - sinpar) / an2 -
            sinpar) / an2;
    v[noequ + 1] -= 2.0 * asap * par2 * (an - 1.0) * (an - 2.0);
    tridiag(noequ, d1, d, d2, v + 2);
  }
  else {
    an = 3.0;
    for (i = 2; i < 12; i++) {
      an2 = an * an;
      v[i] = ((an2 - 4.0) * (2.0 * (par22 - an2 - an2) * v[i - 1] + as) + ac -
              par2 * (an + 1.0) * (an + 2.0) * v[i - 2]) / (par2 * (an - 1.0) * (an - 2.0));
      an += 2.0;
    }
  }
  for (j = 0; j < 12; j++) mom[2 * j + 1] = v[j];
}

/* dqc25f: f cos(omega x) or f sin(omega x) over [a, b] (omega >= 0) */
static void qc25f(lumpy_QuadF f, void *ud, double a, double b, double omega, int integr,
                  int nrmom, int ksave, OscMoments *om, double *result, double *abserr,
                  int *neval, double *resabs, double *resasc) {
  double centr = 0.5 * (b + a), hlgth = 0.5 * (b - a), parint = omega * hlgth;
  double conc, cons, fval[25], xs[25], cheb12[13], cheb24[25], *mom;
  double resc12, ress12, resc24, ress24, estc, ests, rabs;
  int k, j;
  if (fabs(parint) <= 2.0) {
    Weight w;
    w.kind = 3; w.c = omega; w.integr = integr;
    qk15w(f, ud, &w, a, b, result, abserr, resabs, resasc);
    *neval = 15;
    return;
  }
  conc = hlgth * cos(centr * omega);
  cons = hlgth * sin(centr * omega);
  *resasc = OFLOW;
  *neval = 25;
  if (!(nrmom < om->momcom || ksave == 1)) {
    om->m = om->momcom + 1;
    osc_moments(parint, om->chebmo + (size_t)(om->m - 1) * 25);
  }
  if (nrmom < om->momcom) om->m = nrmom + 1;
  if (om->momcom < om->maxp1 - 1 && nrmom >= om->momcom) om->momcom++;
  mom = om->chebmo + (size_t)(om->m - 1) * 25;
  ccnodes(f, ud, centr, hlgth, fval, xs);
  qcheb(fval, cheb12, cheb24);
  resc12 = cheb12[12] * mom[12];
  ress12 = 0.0;
  k = 10;
  for (j = 0; j < 6; j++) {
    resc12 += cheb12[k] * mom[k];
    ress12 += cheb12[k + 1] * mom[k + 1];
    k -= 2;
  }
  resc24 = cheb24[24] * mom[24];
  ress24 = 0.0;
  rabs = fabs(cheb24[24]);
  k = 22;
  for (j = 0; j < 12; j++) {
    resc24 += cheb24[k] * mom[k];
    ress24 += cheb24[k + 1] * mom[k + 1];
    rabs += fabs(cheb24[k]) + fabs(cheb24[k + 1]);
    k -= 2;
  }
  estc = fabs(resc24 - resc12);
  ests = fabs(ress24 - ress12);
  *resabs = rabs * fabs(hlgth);
  if (integr == 2) {
    *result = conc * ress24 + cons * resc24;
    *abserr = fabs(conc * ests) + fabs(cons * estc);
  }
  else {
    *result = conc * resc24 - cons * ress24;
    *abserr = fabs(conc * estc) + fabs(cons * ests);
  }
}

/* QAWO's rule for lumpy_qext: lev bisections deep, the moments of level lev */
typedef struct OscRule {
  lumpy_QuadF f;
  void *ud;
  double omega;
  int integr;
  OscMoments *om;
} OscRule;

static int osc_rule(void *ctx, double a, double b, int lev, int second, double *result,
                    double *abserr, double *resabs, double *resasc) {
  const OscRule *r = (const OscRule *)ctx;
  int nev;
  qc25f(r->f, r->ud, a, b, r->omega, r->integr, lev, second, r->om, result, abserr, &nev,
        resabs, resasc);
  return nev;
}

/* dqawoe: the first rule, then the extrapolating strategy of int_quad.c;
** om carries the moments between calls (icall > 1 keeps them) */
static void qawoe(lumpy_QuadF f, void *ud, double a, double b, double omega, int integr,
                  double epsabs, double epsrel, int limit, int icall, OscMoments *om,
                  lumpy_QuadWork *w, lumpy_QuadResult *out) {
  double domega = fabs(omega), result, abserr, defabs, resabs, errbnd;
  int ier = 0, neval;
  w->alist[0] = a; w->blist[0] = b; w->level[0] = 0;
  if (icall <= 1) om->momcom = 0;
  qc25f(f, ud, a, b, domega, integr, 0, 0, om, &result, &abserr, &neval, &defabs, &resabs);
  errbnd = fmax(epsabs, epsrel * fabs(result));
  w->rlist[0] = result; w->elist[0] = abserr; w->iord[0] = 1;
  if (abserr <= 100.0 * EPMACH * defabs && abserr > errbnd) ier = 2;
  if (limit == 1) ier = 1;
  if (ier != 0 || abserr <= errbnd) {
    out->result = result;
    out->abserr = abserr;
    out->ier = ier;
    out->last = 0;      /* as the book: an accepted first rule reports no intervals */
    out->neval = neval;
  }
  else {
    OscRule r;
    lumpy_Qext q;
    r.f = f; r.ud = ud; r.omega = domega; r.integr = integr; r.om = om;
    q.rule = osc_rule;
    q.ctx = &r;
    q.epsabs = epsabs;
    q.epsrel = epsrel;
    q.limit = limit;
    q.last = 1;
    q.neval = neval;
    q.result = result;
    q.errsum = abserr;
    q.defabs = defabs;
    q.bylevel = 0;
    q.omega_wait = 1;
    q.domega = domega;
    q.lt_converged = 0;
    q.ge_diverges = 1;
    lumpy_qext(&q, w, out);
  }
  if (integr == 2 && omega < 0.0) out->result = -out->result;
}

void lumpy_qawo(lumpy_QuadF f, void *ud, double a, double b, double omega, int integr,
                double epsabs, double epsrel, int limit, int maxp1, double *chebmo,
                lumpy_QuadWork *w, lumpy_QuadResult *out) {
  OscMoments om;
  om.chebmo = chebmo;
  om.maxp1 = maxp1;
  om.momcom = 0;
  om.m = 1;
  qawoe(f, ud, a, b, omega, integr, epsabs, epsrel, limit, 1, &om, w, out);
}

/* dqawfe: cycles of length (2 |omega| + 1) pi / |omega| from a, each by
** QAWO, the partial sums extrapolated; *lst the cycles used */
void lumpy_qawf(lumpy_QuadF f, void *ud, double a, double omega, int integr, double epsabs,
                int limlst, int limit, int maxp1, double *chebmo, lumpy_QuadWork *w,
                lumpy_QuadResult *out, int *lstout) {
  const double p = 0.9;
  double psum[52], res3la[3], cycle, c1, c2, p1 = 1.0 - p, eps, ep, fact = 1.0, correc = 0.0;
  double result = 0.0, abserr = 0.0, errsum = 0.0, drl = 0.0, l;
  int ier = 0, ktmin = 0, neval = 0, numrl2 = 0, nres = 0, lst, ll = 0;
  OscMoments om;
  om.chebmo = chebmo;
  om.maxp1 = maxp1;
  om.momcom = 0;
  om.m = 1;
  if (omega == 0.0) {
    lumpy_QuadResult r;
    if (integr == 1) lumpy_qagi(f, ud, a, 1, epsabs, 0.0, limit, w, &r);
    else { r.result = 0.0; r.abserr = 0.0; r.neval = 0; r.ier = 0; r.last = 0; }
    *out = r;
    *lstout = 1;
    return;
  }
  l = fabs(omega);
  l = floor(l);
  cycle = (2.0 * l + 1.0) * M_PI / fabs(omega);
  c1 = a;
  c2 = cycle + a;
  eps = epsabs;
  if (epsabs > UFLOW / p1) eps = epsabs * p1;
  ep = eps;
  for (lst = 1; lst <= limlst; lst++) {
    lumpy_QuadResult r;
    double epsa = eps * fact;
    qawoe(f, ud, c1, c2, omega, integr, epsa, 0.0, limit, lst, &om, w, &r);
    neval += r.neval;
    fact *= p;
    errsum += r.abserr;
    drl = 50.0 * fabs(r.result);
    if (errsum + drl <= epsabs && lst >= 6) goto partial;
    correc = fmax(correc, r.abserr);
    if (r.ier != 0) {
      eps = fmax(ep, correc * p1);
      ier = 7;
    }
    if (ier == 7 && errsum + drl <= correc * 10.0 && lst > 5) goto partial;
    numrl2++;
    if (lst == 1) psum[0] = r.result;
    else {
      psum[numrl2 - 1] = psum[ll - 1] + r.result;
      if (lst > 2) {
        double reseps, abseps;
        if (lst == limlst) ier = 1;
        lumpy_qelg(&numrl2, psum, &reseps, &abseps, res3la, &nres);
        ktmin++;
        if (ktmin >= 15 && abserr <= 1e-3 * (errsum + drl)) ier = 4;
        if (abseps <= abserr || lst == 3) {
          abserr = abseps;
          result = reseps;
          ktmin = 0;
          if (abserr + 10.0 * correc <= epsabs || (abserr <= epsabs && 10.0 * correc >= epsabs))
            goto final;
        }
        if (ier != 0 && ier != 7) goto final;
      }
    }
    ll = numrl2;
    c1 = c2;
    c2 += cycle;
  }
  if (lst > limlst) lst = limlst;
final:
  abserr += 10.0 * correc;
  if (ier == 0) goto done;
  if (result != 0.0 && psum[numrl2 - 1] != 0.0) {
    if (abserr / fabs(result) > (errsum + drl) / fabs(psum[numrl2 - 1])) goto partial;
    if (ier >= 1 && ier != 7) abserr += drl;
    goto done;
  }
  if (abserr > errsum) goto partial;
  if (psum[numrl2 - 1] == 0.0) goto done;
  if (abserr / fabs(result) > (errsum + drl) / fabs(psum[numrl2 - 1])) goto partial;
  if (ier >= 1 && ier != 7) abserr += drl;
  goto done;
partial:
  result = psum[numrl2 - 1];
  abserr = errsum + drl;
done:
  out->result = result;
  out->abserr = abserr;
  out->ier = ier;
  out->neval = neval;
  out->last = 0;
  *lstout = lst > limlst ? limlst : lst;
}
