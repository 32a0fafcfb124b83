/*
** int_quad.c: adaptive quadrature of a scalar integrand, the QUADPACK family.
**
** R. Piessens, E. de Doncker-Kapenga, C. W. Ueberhuber, D. K. Kahaner,
** "QUADPACK: A Subroutine Package for Automatic Integration", Springer 1983:
** the Gauss-Kronrod rules (section 2.2.1), the globally adaptive strategy
** with Wynn's epsilon algorithm (QAGS, QAGP, QAGI, section 3.4) and the
** error estimate (2.2.2). The routines here follow the book's algorithms
** step by step (same bisection, same ordering of the error list, same
** extrapolation tests) so that evaluation counts match SciPy's, which calls
** the original Fortran. lumpy_qext, the extrapolating strategy, also
** drives QAWO (int_qaw.c).
**
** The kernels are pure: they call the integrand through a function pointer
** (an error raised inside it unwinds through them; every buffer they touch
** is a Lua userdata, so nothing leaks).
*/
#include <float.h>
#include <math.h>
#include "core.h"
#include "int.h"

#define EPMACH DBL_EPSILON
#define UFLOW DBL_MIN
#define OFLOW DBL_MAX
#define LIMEXP 50

/* Kronrod nodes and weights, QUADPACK dqk21/dqk15 (the book's tables, also
** in Kronrod, "Nodes and weights of quadrature formulas", 1965) */
static const double xgk21[11] = {
  0.995657163025808080735527280689003, 0.973906528517171720077964012084452,
  0.930157491355708226001207180059508, 0.865063366688984510732096688423493,
  0.780817726586416897063717578345042, 0.679409568299024406234327365114874,
  0.562757134668604683339000099272694, 0.433395394129247190799265943165784,
  0.294392862701460198131126603103866, 0.148874338981631210884826001129720,
  0.0
};
static const double wgk21[11] = {
  0.011694638867371874278064396062192, 0.032558162307964727478818972459390,
  0.054755896574351996031381300244580, 0.075039674810919952767043140916190,
  0.093125454583697605535065465083366, 0.109387158802297641899210590325805,
  0.123491976262065851077208854208000, 0.134709217311473325928054001771707,
  0.142775938577060080797094273138717, 0.147739104901338491374841515972068,
  0.149445554002916905664936468389821
};
static const double wg10[5] = {
  0.066671344308688137593568809893332, 0.149451349150580593145776339657697,
  0.219086362515982043995534934228163, 0.269266719309996355091226921569469,
  0.295524224714752870173892994651338
};
static const double xgk15[8] = {
  0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
  0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
  0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
  0.207784955007898467600689403773245, 0.0
};
static const double wgk15[8] = {
  0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
  0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
  0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
  0.204432940075298892414161999234649, 0.209482141084727828012999174891714
};
/* 7-point Gauss weights at the Kronrod nodes (zero at the Kronrod-only ones) */
static const double wg15[8] = {
  0.0, 0.129484966168869693270611432679082, 0.0, 0.279705391489276667901467771423780,
  0.0, 0.381830050505118944950369775488975, 0.0, 0.417959183673469387755102040816327
};

/* the error estimate of a Kronrod rule (book, 2.2.2) */
static double rule_error(double resk, double resg, double hlgth, double resabs,
                         double resasc) {
  double abserr = fabs((resk - resg) * hlgth);
  if (resasc != 0.0 && abserr != 0.0)
    abserr = resasc * fmin(1.0, pow(200.0 * abserr / resasc, 1.5));
  if (resabs > UFLOW / (50.0 * EPMACH)) abserr = fmax(EPMACH * 50.0 * resabs, abserr);
  return abserr;
}

/* 21-point Gauss-Kronrod on [a, b] (dqk21) */
void lumpy_qk21(lumpy_QuadF f, void *ud, double a, double b, double *result,
                double *abserr, double *resabs, double *resasc) {
  double centr = 0.5 * (a + b), hlgth = 0.5 * (b - a), dhlgth = fabs(hlgth);
  double fv1[10], fv2[10], resg = 0.0, fc, resk, reskh, rabs, rasc;
  int j;
  fc = f(centr, ud);
  resk = wgk21[10] * fc;
  rabs = fabs(resk);
  for (j = 0; j < 5; j++) {
    int jtw = 2 * j + 1;
    double absc = hlgth * xgk21[jtw];
    double fval1 = f(centr - absc, ud), fval2 = f(centr + absc, ud);
    fv1[jtw] = fval1; fv2[jtw] = fval2;
    resg += wg10[j] * (fval1 + fval2);
    resk += wgk21[jtw] * (fval1 + fval2);
    rabs += wgk21[jtw] * (fabs(fval1) + fabs(fval2));
  }
  for (j = 0; j < 5; j++) {
    int jtwm1 = 2 * j;
    double absc = hlgth * xgk21[jtwm1];
    double fval1 = f(centr - absc, ud), fval2 = f(centr + absc, ud);
    fv1[jtwm1] = fval1; fv2[jtwm1] = fval2;
    resk += wgk21[jtwm1] * (fval1 + fval2);
    rabs += wgk21[jtwm1] * (fabs(fval1) + fabs(fval2));
  }
  reskh = resk * 0.5;
  rasc = wgk21[10] * fabs(fc - reskh);
  for (j = 0; j < 10; j++) rasc += wgk21[j] * (fabs(fv1[j] - reskh) + fabs(fv2[j] - reskh));
  *result = resk * hlgth;
  rabs *= dhlgth;
  rasc *= dhlgth;
  *resabs = rabs;
  *resasc = rasc;
  *abserr = rule_error(resk, resg, hlgth, rabs, rasc);
}

/* 15-point Gauss-Kronrod on a subrange [a, b] of (0, 1] after mapping an
** infinite range with x = boun + inf*(1 - t)/t (dqk15i); inf = 2 folds
** (-inf, inf) onto (0, inf) */
static void qk15i(lumpy_QuadF f, void *ud, double boun, int inf, double a, double b,
                  double *result, double *abserr, double *resabs, double *resasc) {
  double dinf = inf < 1 ? inf : 1;
  double centr = 0.5 * (a + b), hlgth = 0.5 * (b - a);
  double tabsc1 = boun + dinf * (1.0 - centr) / centr;
  double fval1, fc, resg, resk, rabs, rasc, reskh, fv1[7], fv2[7];
  int j;
  fval1 = f(tabsc1, ud);
  if (inf == 2) fval1 += f(-tabsc1, ud);
  fc = (fval1 / centr) / centr;
  resg = wg15[7] * fc;
  resk = wgk15[7] * fc;
  rabs = fabs(resk);
  for (j = 0; j < 7; j++) {
    double absc = hlgth * xgk15[j];
    double absc1 = centr - absc, absc2 = centr + absc, fval2, fsum;
    double t1 = boun + dinf * (1.0 - absc1) / absc1;
    double t2 = boun + dinf * (1.0 - absc2) / absc2;
    fval1 = f(t1, ud);
    fval2 = f(t2, ud);
    if (inf == 2) {
      fval1 += f(-t1, ud);
      fval2 += f(-t2, ud);
    }
    fval1 = (fval1 / absc1) / absc1;
    fval2 = (fval2 / absc2) / absc2;
    fv1[j] = fval1; fv2[j] = fval2;
    fsum = fval1 + fval2;
    resg += wg15[j] * fsum;
    resk += wgk15[j] * fsum;
    rabs += wgk15[j] * (fabs(fval1) + fabs(fval2));
  }
  reskh = resk * 0.5;
  rasc = wgk15[7] * fabs(fc - reskh);
  for (j = 0; j < 7; j++) rasc += wgk15[j] * (fabs(fv1[j] - reskh) + fabs(fv2[j] - reskh));
  *result = resk * hlgth;
  rasc *= hlgth;
  rabs *= hlgth;
  *resabs = rabs;
  *resasc = rasc;
  *abserr = rule_error(resk, resg, hlgth, rabs, rasc);
}

/* maintains the descending ordering of the error estimates (dqpsrt); 1-based
** indices in iord, as the book */
void lumpy_qpsrt(int limit, int last, int *maxerr, double *ermax, const double *elist,
                  int *iord, int *nrmax) {
  double errmax, errmin;
  int i, k, isucc, jupbn, jbnd, ibeg;
  /* arrays are used 1-based below */
  elist--; iord--;
  if (last <= 2) {
    iord[1] = 1;
    iord[2] = 2;
    goto done;
  }
  errmax = elist[*maxerr];
  if (*nrmax != 1) {
    int ido = *nrmax - 1;
    for (i = 1; i <= ido; i++) {
      isucc = iord[*nrmax - 1];
      if (errmax <= elist[isucc]) break;
      iord[*nrmax] = isucc;
      (*nrmax)--;
    }
  }
  jupbn = last;
  if (last > limit / 2 + 2) jupbn = limit + 3 - last;
  errmin = elist[last];
  jbnd = jupbn - 1;
  ibeg = *nrmax + 1;
  for (i = ibeg; i <= jbnd; i++) {
    isucc = iord[i];
    if (errmax >= elist[isucc]) {
      int j;
      iord[i - 1] = *maxerr;
      k = jbnd;
      for (j = i; j <= jbnd; j++) {
        isucc = iord[k];
        if (errmin < elist[isucc]) {
          iord[k + 1] = last;
          goto done;
        }
        iord[k + 1] = isucc;
        k--;
      }
      iord[i] = last;
      goto done;
    }
    iord[i - 1] = isucc;
  }
  iord[jbnd] = *maxerr;
  iord[jupbn] = last;
done:
  *maxerr = iord[*nrmax];
  *ermax = elist[*maxerr];
}

/* Wynn's epsilon algorithm (dqelg): epstab holds *n elements (1-based in
** the book; 0-based storage here, LIMEXP + 2 long), res3la the last three
** results, nres how many were computed */
void lumpy_qelg(int *n, double *epstab, double *result, double *abserr, double *res3la,
                 int *nres) {
  int i, ib, ie, k1, newelm, num, indx;
  double *e = epstab - 1;     /* 1-based view */
  (*nres)++;
  *abserr = OFLOW;
  *result = e[*n];
  if (*n < 3) goto out;
  e[*n + 2] = e[*n];
  newelm = (*n - 1) / 2;
  e[*n] = OFLOW;
  num = *n;
  k1 = *n;
  for (i = 1; i <= newelm; i++) {
    int k2 = k1 - 1, k3 = k1 - 2;
    double res = e[k1 + 2], e0 = e[k3], e1 = e[k2], e2 = res, e3;
    double e1abs = fabs(e1), delta2 = e2 - e1, err2 = fabs(delta2);
    double tol2 = fmax(fabs(e2), e1abs) * EPMACH;
    double delta3 = e1 - e0, err3 = fabs(delta3), tol3 = fmax(e1abs, fabs(e0)) * EPMACH;
    double delta1, err1, tol1, ss, epsinf, error;
    if (err2 <= tol2 && err3 <= tol3) {
      /* e0, e1 and e2 are equal to machine accuracy: convergence */
      *result = res;
      *abserr = err2 + err3;
      goto out;
    }
    e3 = e[k1];
    e[k1] = e1;
    delta1 = e1 - e3;
    err1 = fabs(delta1);
    tol1 = fmax(e1abs, fabs(e3)) * EPMACH;
    if (err1 <= tol1 || err2 <= tol2 || err3 <= tol3) {
      *n = i + i - 1;
      break;
    }
    ss = 1.0 / delta1 + 1.0 / delta2 - 1.0 / delta3;
    epsinf = fabs(ss * e1);
    if (epsinf <= 1e-4) {     /* irregular behaviour: omit part of the table */
      *n = i + i - 1;
      break;
    }
    res = e1 + 1.0 / ss;
    e[k1] = res;
    k1 -= 2;
    error = err2 + fabs(res - e2) + err3;
    if (error <= *abserr) {
      *abserr = error;
      *result = res;
    }
  }
  if (*n == LIMEXP) *n = 2 * (LIMEXP / 2) - 1;
  ib = (num % 2 == 0) ? 2 : 1;
  ie = newelm + 1;
  for (i = 1; i <= ie; i++) {
    e[ib] = e[ib + 2];
    ib += 2;
  }
  if (num != *n) {
    indx = num - *n + 1;
    for (i = 1; i <= *n; i++) {
      e[i] = e[indx];
      indx++;
    }
  }
  if (*nres < 4) {
    res3la[*nres - 1] = *result;
    *abserr = OFLOW;
  }
  else {
    *abserr = fabs(*result - res3la[2]) + fabs(*result - res3la[1]) +
              fabs(*result - res3la[0]);
    res3la[0] = res3la[1];
    res3la[1] = res3la[2];
    res3la[2] = *result;
  }
out:
  *abserr = fmax(*abserr, 5.0 * EPMACH * fabs(*result));
}

/*
** The globally adaptive strategy with extrapolation (the book's QAGS,
** section 3.4, and its variants QAGP and QAWO, 3.7): bisect the interval
** with the largest error until the error sum meets the tolerance; once the
** interval to bisect next is "small", bisect the large ones first while
** they carry more error than the requested accuracy, then feed the current
** area to the epsilon table (lumpy_qelg) and halve the size counted small.
** The counters of roundoff (iroff1-3), the tests for ier 1-6 and the choice
** between the extrapolated and the plain sum are the book's. Small means
** narrower than small (QAGS, QAWO) or at least levmax bisections deep
** (QAGP). QAWO starts extrapolating only once the intervals are short for
** omega (omega_wait, extall).
*/
void lumpy_qext(const lumpy_Qext *q, lumpy_QuadWork *w, lumpy_QuadResult *out) {
  double *alist = w->alist, *blist = w->blist, *rlist = w->rlist, *elist = w->elist;
  int *iord = w->iord, *level = w->level;
  const int limit = q->limit, bylevel = q->bylevel;
  double rlist2[LIMEXP + 2], res3la[3];
  double result = q->result, area = q->result, errsum = q->errsum, defabs = q->defabs;
  double abserr = OFLOW, dres = fabs(result), errbnd = fmax(q->epsabs, q->epsrel * dres);
  double errmax, small = 0.0, erlarg = 0.0, ertest = 0.0, correc = 0.0, erlast;
  int ier = 0, ierro = 0, neval = q->neval, last, maxerr = iord[0], nrmax = 1, nres = 0;
  int numrl2 = 0, ktmin = 0, extrap = 0, noext = 0, extall = 0, levmax = 1;
  int iroff1 = 0, iroff2 = 0, iroff3 = 0;
  int ksgn = (dres >= (1.0 - 50.0 * EPMACH) * defabs) ? 1 : -1;
  errmax = elist[maxerr - 1];
  if (bylevel) {
    extall = 1;
    numrl2 = 1;
    rlist2[0] = result;
    erlarg = errsum;
    ertest = errbnd;
  }
  else {
    double width = fabs(blist[0] - alist[0]);
    small = width * 0.75;
    if (!q->omega_wait || 0.5 * width * q->domega <= 2.0) {
      numrl2 = 1;
      extall = 1;
      rlist2[0] = result;
    }
    if (q->omega_wait && 0.25 * width * q->domega <= 2.0) extall = 1;
  }
/* whether interval k is large (not yet small) */
#define LARGE(k) (bylevel ? level[k] + 1 <= levmax : fabs(blist[k] - alist[k]) > small)
  for (last = q->last + 1; last <= limit; last++) {
    double a1, b1, a2, b2, area1, area2, error1, error2, resabs, defab1, defab2, area12, erro12;
    int m = maxerr - 1, l = last - 1, lev = level[m] + 1;
    a1 = alist[m]; b1 = 0.5 * (alist[m] + blist[m]); a2 = b1; b2 = blist[m];
    erlast = errmax;
    neval += q->rule(q->ctx, a1, b1, lev, 0, &area1, &error1, &resabs, &defab1);
    neval += q->rule(q->ctx, a2, b2, lev, 1, &area2, &error2, &resabs, &defab2);
    area12 = area1 + area2;
    erro12 = error1 + error2;
    errsum = errsum + erro12 - errmax;
    area = area + area12 - rlist[m];
    if (defab1 != error1 && defab2 != error2) {
      if (fabs(rlist[m] - area12) <= 1e-5 * fabs(area12) && erro12 >= 0.99 * errmax) {
        if (extrap) iroff2++;
        else iroff1++;
      }
      if (last > 10 && erro12 > errmax) iroff3++;
    }
    level[m] = lev;
    level[l] = lev;
    rlist[m] = area1;
    rlist[l] = area2;
    errbnd = fmax(q->epsabs, q->epsrel * fabs(area));
    if (iroff1 + iroff2 >= 10 || iroff3 >= 20) ier = 2;
    if (iroff2 >= 5) ierro = 3;
    if (last == limit) ier = 1;
    if (fmax(fabs(a1), fabs(b2)) <= (1.0 + 100.0 * EPMACH) * (fabs(a2) + 1000.0 * UFLOW))
      ier = 4;
    if (error2 <= error1) {
      alist[l] = a2; blist[m] = b1; blist[l] = b2;
      elist[m] = error1; elist[l] = error2;
    }
    else {
      alist[m] = a2; alist[l] = a1; blist[l] = b1;
      rlist[m] = area2; rlist[l] = area1;
      elist[m] = error2; elist[l] = error1;
    }
    lumpy_qpsrt(limit, last, &maxerr, &errmax, elist, iord, &nrmax);
    if (errsum <= errbnd) goto sumup;
    if (ier != 0) goto extrapolated;
    if (last == 2 && extall && !bylevel) {
      /* the first bisection gives the table's second element */
      small *= 0.5;
      rlist2[numrl2++] = area;
      ertest = errbnd;
      erlarg = errsum;
      continue;
    }
    if (noext) continue;
    if (extall) {
      /* erlarg: the error over the large intervals */
      erlarg -= erlast;
      if (bylevel ? lev + 1 <= levmax : fabs(b1 - a1) > small) erlarg += erro12;
    }
    if (!extrap) {
      /* test whether the interval to be bisected next is small */
      if (LARGE(maxerr - 1)) continue;
      if (!extall) {
        /* QAWO: extrapolate once the next interval is short for omega */
        double width = fabs(blist[maxerr - 1] - alist[maxerr - 1]);
        small *= 0.5;
        if (0.25 * width * q->domega > 2.0) continue;
        extall = 1;
        ertest = errbnd;
        erlarg = errsum;
        continue;
      }
      extrap = 1;
      nrmax = 2;
    }
    if (ierro != 3 && erlarg > ertest) {
      /* the small interval has the largest error: before bisecting it
      ** decrease the sum of the errors over the large intervals */
      int k, jupbnd = last > 2 + limit / 2 ? limit + 3 - last : last, large = 0;
      for (k = nrmax; k <= jupbnd; k++) {
        maxerr = iord[nrmax - 1];
        errmax = elist[maxerr - 1];
        if (LARGE(maxerr - 1)) { large = 1; break; }
        nrmax++;
      }
      if (large) continue;
    }
    /* perform extrapolation */
    rlist2[numrl2++] = area;
    if (numrl2 >= 3) {
      double reseps, abseps;
      lumpy_qelg(&numrl2, rlist2, &reseps, &abseps, res3la, &nres);
      ktmin++;
      if (ktmin > 5 && abserr < 1e-3 * errsum) ier = 5;
      if (abseps < abserr) {
        ktmin = 0;
        abserr = abseps;
        result = reseps;
        correc = erlarg;
        ertest = fmax(q->epsabs, q->epsrel * fabs(reseps));
        if (q->lt_converged ? abserr < ertest : abserr <= ertest) goto extrapolated;
      }
      if (numrl2 == 1) noext = 1;
      if (ier == 5) goto extrapolated;
    }
    /* prepare bisection of the smallest interval */
    maxerr = iord[0];
    errmax = elist[maxerr - 1];
    nrmax = 1;
    extrap = 0;
    small *= 0.5;
    levmax++;
    erlarg = errsum;
  }
#undef LARGE
extrapolated:
  /* set final result and error estimate */
  if (abserr == OFLOW) goto sumup;
  if (ier + ierro != 0) {
    if (ierro == 3) abserr += correc;
    if (ier == 0) ier = 3;
    if (result != 0.0 && area != 0.0) {
      if (abserr / fabs(result) > errsum / fabs(area)) goto sumup;
    }
    else if (abserr > errsum) goto sumup;
    else if (area == 0.0) goto fixier;
  }
  /* test on divergence */
  if (!(ksgn == -1 && fmax(fabs(result), fabs(area)) <= defabs * 0.01)) {
    if (0.01 > result / area || result / area > 100.0 ||
        (q->ge_diverges ? errsum >= fabs(area) : errsum > fabs(area)))
      ier = 6;
  }
  goto fixier;
sumup:
  {
    int k;
    result = 0.0;
    for (k = 0; k < last; k++) result += rlist[k];
    abserr = errsum;
  }
fixier:
  if (ier > 2) ier--;
  if (last > limit) last = limit;
  out->result = result;
  out->abserr = abserr;
  out->ier = ier;
  out->last = last;
  out->neval = neval;
}

/* one rule application on [a, b], for QAGS and QAGP (21 points) and QAGI
** (15, twice for (-inf, inf)) */
typedef struct Rule {
  lumpy_QuadF f;
  void *ud;
  int inf;          /* 0: plain [a, b]; else QAGI's mapping */
  double boun;
} Rule;

static int apply(void *ctx, double a, double b, int lev, int second, double *res,
                 double *err, double *resabs, double *resasc) {
  const Rule *r = (const Rule *)ctx;
  (void)lev; (void)second;
  if (r->inf) {
    qk15i(r->f, r->ud, r->boun, r->inf, a, b, res, err, resabs, resasc);
    return r->inf == 2 ? 30 : 15;
  }
  lumpy_qk21(r->f, r->ud, a, b, res, err, resabs, resasc);
  return 21;
}

/* the driver's settings for QAGS and QAGI */
static void qext_init(lumpy_Qext *q, Rule *r, double epsabs, double epsrel, int limit) {
  q->rule = apply;
  q->ctx = r;
  q->epsabs = epsabs;
  q->epsrel = epsrel;
  q->limit = limit;
  q->bylevel = 0;
  q->omega_wait = 0;
  q->domega = 0.0;
  q->lt_converged = 0;
  q->ge_diverges = 0;
}

/* the QAGS strategy (dqagse, and dqagie with the mapped rule); w has room
** for limit intervals */
static void qags_run(Rule *r, double a, double b, double epsabs, double epsrel, int limit,
                     lumpy_QuadWork *w, lumpy_QuadResult *out) {
  lumpy_Qext q;
  double result, abserr, defabs, resabs, errbnd;
  int ier = 0, neval;
  w->alist[0] = a; w->blist[0] = b; w->level[0] = 0;
  neval = apply(r, a, b, 0, 0, &result, &abserr, &defabs, &resabs);
  errbnd = fmax(epsabs, epsrel * fabs(result));
  w->rlist[0] = result; w->elist[0] = abserr; w->iord[0] = 1;
  if (abserr <= 100.0 * EPMACH * defabs && abserr > errbnd) ier = 2;
  if (limit == 1) ier = 1;
  if (ier != 0 || (abserr <= errbnd && abserr != resabs) || abserr == 0.0) {
    out->result = result;
    out->abserr = abserr;
    out->ier = ier;
    out->last = 1;
    out->neval = neval;
    return;
  }
  qext_init(&q, r, epsabs, epsrel, limit);
  q.last = 1;
  q.neval = neval;
  q.result = result;
  q.errsum = abserr;
  q.defabs = defabs;
  lumpy_qext(&q, w, out);
}

void lumpy_qags(lumpy_QuadF f, void *ud, double a, double b, double epsabs, double epsrel,
                int limit, lumpy_QuadWork *w, lumpy_QuadResult *out) {
  Rule r;
  r.f = f; r.ud = ud; r.inf = 0; r.boun = 0.0;
  qags_run(&r, a, b, epsabs, epsrel, limit, w, out);
}

void lumpy_qagi(lumpy_QuadF f, void *ud, double bound, int inf, double epsabs,
                double epsrel, int limit, lumpy_QuadWork *w, lumpy_QuadResult *out) {
  Rule r;
  r.f = f; r.ud = ud; r.inf = inf; r.boun = inf == 2 ? 0.0 : bound;
  qags_run(&r, 0.0, 1.0, epsabs, epsrel, limit, w, out);
}

/* QAGP (dqagpe): the QAGS strategy started from the intervals between the
** sorted user break points pts[0..npts-1] (strictly inside (a, b), a < b),
** with the levels of bisection steering when to extrapolate; w needs room
** for limit >= npts + 2 intervals and w->level, w->ndin */
void lumpy_qagp(lumpy_QuadF f, void *ud, double a, double b, int npts, const double *pts,
                double epsabs, double epsrel, int limit, lumpy_QuadWork *w,
                lumpy_QuadResult *out) {
  double *alist = w->alist, *blist = w->blist, *rlist = w->rlist, *elist = w->elist;
  int *iord = w->iord, *level = w->level, *ndin = w->ndin;
  double result = 0.0, abserr = 0.0, resabs = 0.0, a1, errbnd, errsum;
  int nint = npts + 1, i, j, ier = 0, last;
  Rule r;
  lumpy_Qext q;
  a1 = a;
  for (i = 0; i < nint; i++) {
    double b1 = i < npts ? pts[i] : b, area1, error1, defabs, resa;
    lumpy_qk21(f, ud, a1, b1, &area1, &error1, &defabs, &resa);
    abserr += error1;
    result += area1;
    ndin[i] = (error1 == resa && error1 != 0.0);
    resabs += defabs;
    level[i] = 0;
    elist[i] = error1; alist[i] = a1; blist[i] = b1; rlist[i] = area1;
    iord[i] = i + 1;
    a1 = b1;
  }
  errsum = 0.0;
  for (i = 0; i < nint; i++) {
    if (ndin[i]) elist[i] = abserr;
    errsum += elist[i];
  }
  last = nint;
  errbnd = fmax(epsabs, epsrel * fabs(result));
  if (abserr <= 100.0 * EPMACH * resabs && abserr > errbnd) ier = 2;
  if (nint > 1) {
    /* order the intervals by decreasing error (selection sort of iord) */
    for (i = 1; i <= npts; i++) {
      int ind1 = iord[i - 1], k = i;
      for (j = i + 1; j <= nint; j++) {
        int ind2 = iord[j - 1];
        if (elist[ind1 - 1] > elist[ind2 - 1]) continue;
        ind1 = ind2;
        k = j;
      }
      if (ind1 == iord[i - 1]) continue;
      iord[k - 1] = iord[i - 1];
      iord[i - 1] = ind1;
    }
  }
  if (limit < npts + 2) ier = 1;
  if (ier != 0 || abserr <= errbnd) {
    out->result = result;
    out->abserr = abserr;
    out->ier = ier;
    out->last = last > limit ? limit : last;
    out->neval = 21 * nint;
    return;
  }
  r.f = f; r.ud = ud; r.inf = 0; r.boun = 0.0;
  qext_init(&q, &r, epsabs, epsrel, limit);
  q.bylevel = 1;
  q.lt_converged = 1;
  q.last = nint;
  q.neval = 21 * nint;
  q.result = result;
  q.errsum = errsum;
  q.defabs = resabs;
  lumpy_qext(&q, w, out);
}
