/*
** int_lsoda.c: LSODA, automatic switching between nonstiff (Adams-Moulton,
** orders 1-12, functional iteration) and stiff (BDF, orders 1-5, chord
** Newton with a finite-difference or user Jacobian) integration.
**
** L. R. Petzold, "Automatic selection of methods for solving stiff and
** nonstiff systems of ordinary differential equations", SIAM J. Sci. Stat.
** Comput. 4 (1983); A. C. Hindmarsh, "ODEPACK, a systematized collection of
** ODE solvers", in Scientific Computing, North-Holland 1983; K.
** Radhakrishnan, A. C. Hindmarsh, "Description and use of LSODE", LLNL
** UCRL-ID-113855 (1993), chapter 2 (the Nordsieck history array, the method
** coefficients, the corrector and its convergence test, the error test and
** the step/order selection with the 1.2/1.3/1.4 bias factors). Petzold's
** switching compares the step sizes the two families would allow, with the
** Adams step limited by its stability region (estimated Lipschitz constant)
** and the BDF one by the error estimate; the weighted max norm throughout.
**
** The method runs one step at a time for solve_ivp (never stepping past
** t_bound); its dense output is the Nordsieck polynomial of the last step.
*/
#include <float.h>
#include <math.h>
#include <lapacke.h>
#include "int.h"

#define UROUND DBL_EPSILON
#define MXORDN 12
#define MXORDS 5
#define MAXCOR 3
#define MSBP 20
#define MXNCF 10
#define CCMAX 0.3

/* Adams stability region bounds (the sm1 of LSODA) */
static const double sm1[13] = {0.0, 0.5, 0.575, 0.55, 0.45, 0.35, 0.25, 0.2, 0.15, 0.1,
                               0.075, 0.05, 0.025};

typedef struct Lsoda {
  double *yh, *savf, *acor, *rewt, *wm, *ytmp;
  lapack_int *ipiv;
  double elco[2][13][14], tesco[2][13][4], cm[2][13], el[14];
  int meth, miter, nq, l, ialth, ipup, nslp, nst, icount, irflag, jcur, started;
  double h, hold, rmax, rc, el0, crate, conit, pdest, pdlast, pdnorm, ratio, hmxi, hmin;
  int jacuser;
} Lsoda;

/* method coefficients (cfode): meth 0 Adams, 1 BDF; el[i][nq], tesco[nq][k] */
static void cfode(Lsoda *s) {
  double pc[14], rqfac, rq1fac;
  int nq, i;
  /* Adams */
  s->elco[0][1][1] = 1.0; s->elco[0][1][2] = 1.0;
  s->tesco[0][1][1] = 0.0; s->tesco[0][1][2] = 2.0;
  s->tesco[0][2][1] = 1.0; s->tesco[0][12][3] = 0.0;
  pc[1] = 1.0;
  rqfac = 1.0;
  for (nq = 2; nq <= 12; nq++) {
    double fnqm1 = nq - 1, pint, xpin, tsign = 1.0, agamq, ragq;
    rq1fac = rqfac;
    rqfac /= nq;
    pc[nq] = 0.0;
    for (i = nq; i >= 2; i--) pc[i] = pc[i - 1] + fnqm1 * pc[i];
    pc[1] = fnqm1 * pc[1];
    pint = pc[1];
    xpin = pc[1] / 2.0;
    for (i = 2; i <= nq; i++) {
      tsign = -tsign;
      pint += tsign * pc[i] / i;
      xpin += tsign * pc[i] / (i + 1);
    }
    s->elco[0][nq][1] = pint * rq1fac;
    s->elco[0][nq][2] = 1.0;
    for (i = 2; i <= nq; i++) s->elco[0][nq][i + 1] = rq1fac * pc[i] / i;
    agamq = rqfac * xpin;
    ragq = 1.0 / agamq;
    s->tesco[0][nq][2] = ragq;
    if (nq < 12) s->tesco[0][nq + 1][1] = ragq * rqfac / (nq + 1);
    s->tesco[0][nq - 1][3] = ragq;
  }
  /* BDF */
  pc[1] = 1.0;
  rq1fac = 1.0;
  for (nq = 1; nq <= 5; nq++) {
    double fnq = nq;
    pc[nq + 1] = 0.0;
    for (i = nq + 1; i >= 2; i--) pc[i] = pc[i - 1] + fnq * pc[i];
    pc[1] = fnq * pc[1];
    for (i = 1; i <= nq + 1; i++) s->elco[1][nq][i] = pc[i] / pc[2];
    s->elco[1][nq][2] = 1.0;
    s->tesco[1][nq][1] = rq1fac;
    s->tesco[1][nq][2] = (nq + 1) / s->elco[1][nq][1];
    s->tesco[1][nq][3] = (nq + 2) / s->elco[1][nq][1];
    rq1fac /= fnq;
  }
  for (i = 1; i <= 12; i++) s->cm[0][i] = s->tesco[0][i][2] * s->elco[0][i][i + 1];
  for (i = 1; i <= 5; i++) s->cm[1][i] = s->tesco[1][i][2] * s->elco[1][i][i + 1];
}

#define YH(j) (s->yh + (size_t)(j) * n)

/* the weighted max norm */
static double vmnorm(int n, const double *v, const double *w) {
  double m = 0.0;
  int i;
  for (i = 0; i < n; i++) {
    double x = fabs(v[i]) * w[i];
    if (x > m || x != x) m = x;
  }
  return m;
}

static void set_ewt(lumpy_Ode *o, Lsoda *s, const double *y) {
  int i;
  for (i = 0; i < o->n; i++) s->rewt[i] = 1.0 / (o->rtol * fabs(y[i]) + o->atol[i]);
}

static size_t lsoda_worksize(int n) {
  size_t m = (size_t)n;
  return sizeof(Lsoda) + sizeof(double) * (13 * m + 4 * m + m * m + m) +
         sizeof(lapack_int) * m + 64;
}

static int lsoda_reclen(int n) { return 4 + 13 * n; }

/* the iteration matrix P = I - h el0 J and its LU (prja) */
static int prja(lumpy_Ode *o, Lsoda *s) {
  int n = o->n, i, j;
  double hl0 = s->h * s->el0, *y = s->ytmp;
  o->njev++;
  if (s->jacuser) {
    /* the user's jac(t, y), then -h el0 J */
    lumpy_fn_callt(&o->jac, o->t, o->tfirst, y, n, 1);
    lumpy_ode_read_matrix(o, s->wm);
    for (i = 0; i < n * n; i++) s->wm[i] *= -hl0;
  }
  else {
    double fac = vmnorm(n, s->savf, s->rewt), srur = sqrt(UROUND);
    double r0 = 1000.0 * fabs(s->h) * UROUND * n * fac;
    if (r0 == 0.0) r0 = 1.0;
    for (j = 0; j < n; j++) {
      double yj = y[j], r = fmax(srur * fabs(yj), r0 / s->rewt[j]);
      y[j] += r;
      fac = -hl0 / r;
      lumpy_ode_fun(o, o->t, y, o->tmp);
      for (i = 0; i < n; i++) s->wm[(size_t)j * n + i] = (o->tmp[i] - s->savf[i]) * fac;
      y[j] = yj;
    }
  }
  /* the matrix norm consistent with the weighted max norm */
  {
    double an = 0.0;
    for (i = 0; i < n; i++) {
      double sum = 0.0;
      for (j = 0; j < n; j++) sum += fabs(s->wm[(size_t)j * n + i]) / s->rewt[j];
      sum *= s->rewt[i];
      if (sum > an) an = sum;
    }
    s->pdnorm = an / fabs(hl0);
  }
  for (i = 0; i < n; i++) s->wm[(size_t)i * n + i] += 1.0;
  o->nlu++;
  return LAPACKE_dgetrf(LAPACK_COL_MAJOR, n, n, s->wm, n, s->ipiv) == 0 ? 0 : -1;
}

static void lsoda_init(lumpy_Ode *o) {
  Lsoda *s = (Lsoda *)o->ms;
  int n = o->n, i;
  double *p = (double *)(((uintptr_t)(s + 1) + 15) & ~(uintptr_t)15);
  double tdist, w0, tol, sum, h0;
  s->yh = p; p += 13 * (size_t)n;
  s->savf = p; p += n;
  s->acor = p; p += n;
  s->rewt = p; p += n;
  s->ytmp = p; p += n;
  s->wm = p; p += (size_t)n * n;
  s->ipiv = (lapack_int *)p;
  cfode(s);
  s->jacuser = o->jacidx != 0 && o->jac.fidx != 0;
  s->hmxi = isinf(o->max_step) ? 0.0 : 1.0 / o->max_step;
  s->hmin = 0.0;
  /* the initial step of the LSODA driver */
  memcpy(YH(0), o->y, sizeof(double) * (size_t)n);
  lumpy_ode_fun(o, o->t, o->y, YH(1));
  set_ewt(o, s, o->y);
  tdist = fabs(o->t_bound - o->t);
  w0 = fmax(fabs(o->t), fabs(o->t_bound));
  if (o->first_step > 0) h0 = o->first_step;
  else {
    tol = o->rtol;
    if (tol <= 0.0)
      for (i = 0; i < n; i++) {
        double ayi = fabs(o->y[i]);
        if (ayi != 0.0) tol = fmax(tol, o->atol[i] / ayi);
      }
    tol = fmax(tol, 100.0 * UROUND);
    tol = fmin(tol, 0.001);
    sum = vmnorm(n, YH(1), s->rewt);
    sum = 1.0 / (tol * w0 * w0) + tol * sum * sum;
    h0 = 1.0 / sqrt(sum);
    h0 = fmin(h0, tdist);
  }
  if (s->hmxi * h0 > 1.0) h0 = 1.0 / s->hmxi;
  s->h = h0 * o->direction;
  for (i = 0; i < n; i++) YH(1)[i] *= s->h;
  /* stoda's start */
  s->meth = 0;
  s->miter = 0;
  s->nq = 1;
  s->l = 2;
  s->ialth = 2;
  s->rmax = 10000.0;
  s->rc = 0.0;
  s->el0 = 1.0;
  s->crate = 0.7;
  s->hold = s->h;
  s->nslp = 0;
  s->ipup = 0;
  s->icount = 20;
  s->irflag = 0;
  s->pdest = 0.0;
  s->pdlast = 0.0;
  s->ratio = 5.0;
  s->nst = 0;
  s->jcur = 0;
  s->pdnorm = 0.0;
  for (i = 1; i <= 2; i++) s->el[i] = s->elco[0][1][i];
  s->rc = s->rc * s->el[1] / s->el0;
  s->el0 = s->el[1];
  s->conit = 0.5 / (s->nq + 2);
  o->h_abs = fabs(s->h);
}

/* new coefficients for the current method and order */
static void set_coeffs(Lsoda *s) {
  int i;
  for (i = 1; i <= s->l; i++) s->el[i] = s->elco[s->meth][s->nq][i];
  s->rc = s->rc * s->el[1] / s->el0;
  s->el0 = s->el[1];
  s->conit = 0.5 / (s->nq + 2);
}

/* rescales the history to the step h * rh (LSODA's stability limit for
** Adams included) */
static void rescale(lumpy_Ode *o, Lsoda *s, double rh) {
  int n = o->n, i, j;
  double r = 1.0;
  rh = fmax(rh, s->hmin / fabs(s->h));
  rh = fmin(rh, s->rmax);
  rh = rh / fmax(1.0, fabs(s->h) * s->hmxi * rh);
  if (s->meth == 0) {
    double pdh = fmax(fabs(s->h) * s->pdlast, 0.000001);
    s->irflag = 0;
    if (rh * pdh * 1.00001 >= sm1[s->nq]) {
      rh = sm1[s->nq] / pdh;
      s->irflag = 1;
    }
  }
  for (j = 1; j < s->l; j++) {
    r *= rh;
    for (i = 0; i < n; i++) YH(j)[i] *= r;
  }
  s->h *= rh;
  s->rc *= rh;
  s->ialth = s->l;
}

static void predict(int n, Lsoda *s, int sign) {
  int j, k, i;
  for (k = 0; k < s->nq; k++)
    for (j = s->nq; j > k; j--)
      for (i = 0; i < n; i++) YH(j - 1)[i] += sign * YH(j)[i];
}

/* one step (stoda); 0 and *msg on failure */
static int lsoda_step(lumpy_Ode *o, const char **msg) {
  Lsoda *s = (Lsoda *)o->ms;
  int n = o->n, i, j, m, ncf = 0, kflag = 0;
  double told = o->t, del = 0.0, delp = 0.0, dsm = 0.0, rate = 0.0, pnorm = 0.0;
  /* never step past t_bound */
  if ((o->t + s->h - o->t_bound) * s->h > 0) {
    double rh = (o->t_bound - o->t) * (1.0 - 4.0 * UROUND) / s->h;
    double r = 1.0;
    for (j = 1; j < s->l; j++) {
      r *= rh;
      for (i = 0; i < n; i++) YH(j)[i] *= r;
    }
    s->h *= rh;
    s->rc *= rh;
    s->ialth = s->l;
  }
  memcpy(o->y_old, o->y, sizeof(double) * (size_t)n);
  for (;;) {
    double tn;
    int converged = 0;
    if (fabs(s->rc - 1.0) > CCMAX) s->ipup = s->miter;
    if (s->nst >= s->nslp + MSBP) s->ipup = s->miter;
    if (!isfinite(s->h)) {
      *msg = "The step size is not finite (the right-hand side gave NaN or inf).";
      return 0;
    }
    if (fabs(s->h) < 10.0 * fabs(nextafter(told, o->direction * INFINITY) - told)) {
      *msg = "Required step size is less than spacing between numbers.";
      return 0;
    }
    tn = told + s->h;
    predict(n, s, 1);
    pnorm = vmnorm(n, YH(0), s->rewt);
    /* the corrector */
    for (;;) {
      m = 0;
      rate = 0.0;
      memcpy(s->ytmp, YH(0), sizeof(double) * (size_t)n);
      o->t = tn;
      lumpy_ode_fun(o, tn, s->ytmp, s->savf);
      if (s->ipup > 0) {
        if (prja(o, s) != 0) { converged = -1; break; }
        s->ipup = 0;
        s->rc = 1.0;
        s->nslp = s->nst;
        s->crate = 0.7;
        s->jcur = 1;
      }
      for (i = 0; i < n; i++) s->acor[i] = 0.0;
      for (;;) {
        double dcon;
        if (s->miter == 0) {
          for (i = 0; i < n; i++) {
            s->savf[i] = s->h * s->savf[i] - YH(1)[i];
            s->ytmp[i] = s->savf[i] - s->acor[i];
          }
          del = vmnorm(n, s->ytmp, s->rewt);
          for (i = 0; i < n; i++) {
            s->ytmp[i] = YH(0)[i] + s->el[1] * s->savf[i];
            s->acor[i] = s->savf[i];
          }
        }
        else {
          for (i = 0; i < n; i++) o->tmp[i] = s->h * s->savf[i] - (YH(1)[i] + s->acor[i]);
          LAPACKE_dgetrs(LAPACK_COL_MAJOR, 'N', n, 1, s->wm, n, s->ipiv, o->tmp, n);
          del = vmnorm(n, o->tmp, s->rewt);
          for (i = 0; i < n; i++) {
            s->acor[i] += o->tmp[i];
            s->ytmp[i] = YH(0)[i] + s->el[1] * s->acor[i];
          }
        }
        /* a change at the level of roundoff has converged; otherwise
        ** Adams takes at least two iterations, to estimate the local
        ** Lipschitz constant for the stiffness test */
        if (del <= 100.0 * pnorm * UROUND) { converged = 1; break; }
        if (m == 0 && s->meth == 0) {
          m++;
          delp = del;
          lumpy_ode_fun(o, tn, s->ytmp, s->savf);
          continue;
        }
        if (m != 0) {
          double rm = 1024.0;
          if (del <= 1024.0 * delp) rm = del / delp;
          rate = fmax(rate, rm);
          s->crate = fmax(0.2 * s->crate, rm);
        }
        dcon = del * fmin(1.0, 1.5 * s->crate) / (s->tesco[s->meth][s->nq][2] * s->conit);
        if (dcon <= 1.0) {
          s->pdest = fmax(s->pdest, rate / fabs(s->h * s->el[1]));
          if (s->pdest != 0.0) s->pdlast = s->pdest;
          converged = 1;
          break;
        }
        m++;
        if (m == MAXCOR || (m >= 2 && del > 2.0 * delp) || !isfinite(del)) break;
        delp = del;
        lumpy_ode_fun(o, tn, s->ytmp, s->savf);
      }
      if (converged) break;
      if (s->miter == 0 || s->jcur) break;
      s->ipup = s->miter;     /* retry with a new Jacobian */
    }
    if (converged != 1) {
      ncf++;
      s->rmax = 2.0;
      o->t = told;
      predict(n, s, -1);
      if (ncf == MXNCF || converged < 0) {
        *msg = "Repeated convergence failures (perhaps bad Jacobian or tolerances).";
        return 0;
      }
      s->ipup = s->miter;
      rescale(o, s, 0.25);
      continue;
    }
    s->jcur = 0;
    if (m == 0) dsm = del / s->tesco[s->meth][s->nq][2];
    else dsm = vmnorm(n, s->acor, s->rewt) / s->tesco[s->meth][s->nq][2];
    if (dsm <= 1.0) break;
    /* the error test failed */
    kflag--;
    o->t = told;
    predict(n, s, -1);
    s->rmax = 2.0;
    if (kflag <= -3) {
      if (kflag == -10) {
        *msg = "Repeated error test failures.";
        return 0;
      }
      /* restart at order 1 from the derivative */
      rescale(o, s, 0.1);
      memcpy(s->ytmp, YH(0), sizeof(double) * (size_t)n);
      lumpy_ode_fun(o, told, s->ytmp, s->savf);
      for (i = 0; i < n; i++) YH(1)[i] = s->h * s->savf[i];
      s->ipup = s->miter;
      s->ialth = 5;
      if (s->nq != 1) {
        s->nq = 1;
        s->l = 2;
        set_coeffs(s);
      }
      continue;
    }
    {
      /* a smaller step, perhaps a lower order */
      double exsm = 1.0 / s->l, rhsm = 1.0 / (1.2 * pow(dsm, exsm) + 0.0000012), rhdn = 0.0;
      if (s->nq > 1) {
        double ddn = vmnorm(n, YH(s->l - 1), s->rewt) / s->tesco[s->meth][s->nq][1];
        rhdn = 1.0 / (1.3 * pow(ddn, 1.0 / s->nq) + 0.0000013);
      }
      if (s->meth == 0) {
        double pdh = fmax(fabs(s->h) * s->pdlast, 0.000001);
        rhsm = fmin(rhsm, sm1[s->nq] / pdh);
        if (s->nq > 1) rhdn = fmin(rhdn, sm1[s->nq - 1] / pdh);
        s->pdest = 0.0;
      }
      if (rhsm >= rhdn) {
        if (kflag <= -2) rhsm = fmin(rhsm, 0.2);
        rescale(o, s, rhsm);
      }
      else {
        double rh = rhdn > 1.0 ? 1.0 : rhdn;
        if (kflag <= -2) rh = fmin(rh, 0.2);
        s->nq--;
        s->l = s->nq + 1;
        set_coeffs(s);
        rescale(o, s, rh);
      }
    }
  }
  /* the step is accepted */
  s->nst++;
  o->t_old = told;
  o->t = told + s->h;
  o->h_previous = s->h;
  for (j = 0; j < s->l; j++)
    for (i = 0; i < n; i++) YH(j)[i] += s->el[j + 1] * s->acor[i];
  memcpy(o->y, YH(0), sizeof(double) * (size_t)n);
  set_ewt(o, s, o->y);
  /* within rounding of t_bound: there (as LSODA's tcrit) */
  if (fabs(o->t - o->t_bound) <= 100.0 * UROUND * (fabs(o->t) + fabs(s->h)))
    o->t = o->t_bound;
  {
    int newmeth = s->meth, newq = s->nq, switched = 0;
    double rh = 1.0;
    s->icount--;
    if (s->icount < 0) {
      if (s->meth == 0 && s->nq <= 5) {
        /* Adams: would BDF allow a much larger step? */
        double rh1, rh2, exsm = 1.0 / s->l, pdh, rh1it;
        if (dsm > 100.0 * pnorm * UROUND && s->pdest != 0.0) {
          rh1 = 1.0 / (1.2 * pow(dsm, exsm) + 0.0000012);
          rh1it = 2.0 * rh1;
          pdh = s->pdlast * fabs(s->h);
          if (pdh * rh1 > 0.00001) rh1it = sm1[s->nq] / pdh;
          rh1 = fmin(rh1, rh1it);
          rh2 = 1.0 / (1.2 * pow(dsm * (s->cm[0][s->nq] / s->cm[1][s->nq]), exsm) + 0.0000012);
          if (rh2 >= s->ratio * rh1) { switched = 1; rh = rh2; newq = s->nq; }
        }
        else if (s->irflag) { switched = 1; rh = 2.0; newq = s->nq; }
        if (switched) newmeth = 1;
      }
      else if (s->meth == 1) {
        /* BDF: would Adams allow a comparable step? */
        double exsm = 1.0 / s->l, dm1, rh1, rh2, rh1it, pdh, exm1 = exsm;
        int nqm1 = s->nq;
        dm1 = dsm * (s->cm[1][s->nq] / s->cm[0][s->nq]);
        rh1 = 1.0 / (1.2 * pow(dm1, exsm) + 0.0000012);
        rh1it = 2.0 * rh1;
        pdh = s->pdnorm * fabs(s->h);
        if (pdh * rh1 > 0.00001) rh1it = sm1[nqm1] / pdh;
        rh1 = fmin(rh1, rh1it);
        rh2 = 1.0 / (1.2 * pow(dsm, exsm) + 0.0000012);
        if (rh1 * s->ratio >= 5.0 * rh2) {
          double alpha = fmax(0.001, rh1);
          dm1 = pow(alpha, exm1) * dm1;
          if (dm1 > 1000.0 * UROUND * pnorm) {
            switched = 1;
            newmeth = 0;
            rh = rh1;
            newq = nqm1;
          }
        }
      }
    }
    if (switched) {
      s->icount = 20;
      s->meth = newmeth;
      s->miter = newmeth == 1 ? 2 : 0;
      s->pdlast = 0.0;
      s->nq = newq;
      s->l = newq + 1;
      set_coeffs(s);
      if (newmeth == 1) s->ipup = 2;
      rescale(o, s, rh);
      s->rmax = 10.0;
      goto done;
    }
  }
  s->ialth--;
  if (s->ialth == 0) {
    /* consider a change of order */
    double rhup = 0.0, rhsm, rhdn = 0.0, rh;
    int lmax = (s->meth == 0 ? MXORDN : MXORDS) + 1, newq;
    if (s->l != lmax) {
      double dup;
      for (i = 0; i < n; i++) o->tmp[i] = s->acor[i] - YH(lmax - 1)[i];
      dup = vmnorm(n, o->tmp, s->rewt) / s->tesco[s->meth][s->nq][3];
      rhup = 1.0 / (1.4 * pow(dup, 1.0 / (s->l + 1)) + 0.0000014);
    }
    rhsm = 1.0 / (1.2 * pow(dsm, 1.0 / s->l) + 0.0000012);
    if (s->nq > 1) {
      double ddn = vmnorm(n, YH(s->l - 1), s->rewt) / s->tesco[s->meth][s->nq][1];
      rhdn = 1.0 / (1.3 * pow(ddn, 1.0 / s->nq) + 0.0000013);
    }
    if (s->meth == 0) {
      double pdh = fmax(fabs(s->h) * s->pdlast, 0.000001);
      if (s->l < lmax) rhup = fmin(rhup, sm1[s->l] / pdh);
      rhsm = fmin(rhsm, sm1[s->nq] / pdh);
      if (s->nq > 1) rhdn = fmin(rhdn, sm1[s->nq - 1] / pdh);
      s->pdest = 0.0;
    }
    if (rhsm >= rhup) {
      if (rhsm >= rhdn) { newq = s->nq; rh = rhsm; }
      else { newq = s->nq - 1; rh = rhdn; }
    }
    else if (rhup > rhdn) { newq = s->l; rh = rhup; }
    else { newq = s->nq - 1; rh = rhdn; }
    if (newq == s->l) {
      if (rh < 1.1) { s->ialth = 3; goto done; }
      {
        double r = s->el[s->l] / s->l;
        for (i = 0; i < n; i++) YH(newq)[i] = s->acor[i] * r;
      }
    }
    else {
      int stab = 0;
      if (s->meth == 0) {
        double pdh = fmax(fabs(s->h) * s->pdlast, 0.000001);
        stab = rh * pdh * 1.00001 >= sm1[newq];
      }
      if (!stab && rh < 1.1) { s->ialth = 3; goto done; }
    }
    if (newq != s->nq) {
      s->nq = newq;
      s->l = newq + 1;
      set_coeffs(s);
    }
    rescale(o, s, rh);
    s->rmax = 10.0;
  }
  else if (s->ialth == 1) {
    int lmax = (s->meth == 0 ? MXORDN : MXORDS) + 1;
    if (s->l != lmax) memcpy(YH(lmax - 1), s->acor, sizeof(double) * (size_t)n);
  }
done:
  s->hold = s->h;
  o->h_abs = fabs(s->h);
  (void)kflag;
  return 1;
}

/* record: t_old, t, h, order, yh (order + 1 columns of n) */
static void lsoda_dense(lumpy_Ode *o, double *rec) {
  Lsoda *s = (Lsoda *)o->ms;
  rec[0] = o->t_old;
  rec[1] = o->t;
  rec[2] = s->h;
  rec[3] = s->nq;
  memcpy(rec + 4, s->yh, sizeof(double) * (size_t)(s->nq + 1) * o->n);
}

static void lsoda_eval(const double *rec, int n, double t, double *y) {
  double x = (t - rec[1]) / rec[2];
  int q = (int)rec[3], i, j;
  for (i = 0; i < n; i++) {
    double v = rec[4 + (size_t)q * n + i];
    for (j = q - 1; j >= 0; j--) v = v * x + rec[4 + (size_t)j * n + i];
    y[i] = v;
  }
}

const lumpy_OdeMethod lumpy_ode_lsoda = {
  "LSODA", lsoda_worksize, lsoda_init, lsoda_step, lsoda_dense, lsoda_reclen, lsoda_eval
};
