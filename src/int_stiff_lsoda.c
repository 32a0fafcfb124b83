/*
** int_stiff_lsoda.c: LSODA (solve_ivp's method "LSODA") and odeint.
**
** The method of L. R. Petzold, "Automatic selection of methods for solving
** stiff and nonstiff systems of ordinary differential equations", SIAM J.
** Sci. Stat. Comput. 4 (1983) 136-148, on the Nordsieck history array of
** A. C. Hindmarsh's LSODE (G. D. Byrne, A. C. Hindmarsh, "A polyalgorithm
** for the numerical solution of ordinary differential equations", ACM TOMS
** 1 (1975) 71-96; Hindmarsh, "ODEPACK, a systematized collection of ODE
** solvers", IMACS Trans. Sci. Comput. 1 (1983)):
**   - nonstiff: Adams-Moulton of orders 1 to 12, corrected by functional
**     iteration, whose convergence rate also estimates the Jacobian norm;
**   - stiff: BDF of orders 1 to 5, corrected by a chord Newton iteration
**     with I - h l0 J, refreshed when h l0 changed by more than 30% or after
**     20 steps or when the iteration fails;
**   - fixed-leading-coefficient formulas: a step size change rescales the
**     history, the coefficients l (and the error constants) are those of
**     constant steps, derived here from their generating polynomials;
**   - step and order selection after q + 1 steps at one step size from the
**     estimates at orders q - 1, q, q + 1 (safety factors 1.3, 1.2, 1.4);
**   - switching (Petzold sec. 4): after a successful step, the step the
**     other family would allow at the same accuracy is estimated from the
**     error estimate and the ratio of the error constants; the Adams step is
**     also bounded by its stability region, through the Jacobian norm
**     estimate; the solver switches to BDF when BDF's step would be 5 times
**     larger, back to Adams when Adams's is at least as large, waiting 20
**     steps after a switch.
** Errors are measured in the weighted max norm with weights rtol |y| + atol,
** as LSODA does. nfev counts every evaluation (finite differences
** included), njev = nlu = the number of Jacobian evaluations, as SciPy's
** LSODA reports them.
*/
#include <float.h>
#include <math.h>
#include <lapacke.h>
#include "int_stiff.h"

#define ODEINT "lumpy.integrate.odeint"
#define ADAMS 1
#define BDFM 2
#define MAXORD_A 12
#define MAXORD_B 5

/* the stability region sizes of the Adams formulas (LSODA's sm1) */
static const double sm1[MAXORD_A + 1] = {
  0, 0.5, 0.575, 0.55, 0.45, 0.35, 0.25, 0.2, 0.15, 0.1, 0.075, 0.05, 0.025
};

typedef struct Coef {
  double el[MAXORD_A + 1][MAXORD_A + 2];   /* el[q][0..q] */
  double tq[MAXORD_A + 2][3];              /* tq[q]: orders q-1, q, q+1 */
  double cm[MAXORD_A + 1];                 /* error constants (LSODA's cm) */
} Coef;

typedef struct Lsoda {
  Coef c[3];                  /* by method (1 Adams, 2 BDF) */
  int jkind, meth, nq, ialth, ipup, icount, kflag, has_save, maxord, irflag;
  long nst, nslp;
  double h, hu, rmax, hl0_J, crate, pdest, pdlast, pdnorm, tsw;
  double *yh;                 /* (MAXORD_A + 2) x n: the history, then saved acor */
  double *acor, *savf, *ewt, *J, *P, *ynew, *work;
  lapack_int *ipiv;
} Lsoda;

/* p(x) = prod (x + k), k = 1..m: coefficients pc[0..m] */
static void prodpoly(int m, double *pc) {
  int k, i;
  pc[0] = 1.0;
  for (k = 1; k <= m; k++) {
    pc[k] = 0.0;
    for (i = k; i >= 1; i--) pc[i] = pc[i - 1] + k * pc[i];
    pc[0] *= k;
  }
}

/* the coefficients of the corrector (l1 = 1) and the error constants:
** Adams of order q: l(x) = (1/(q-1)!) int_{-1}^x prod_{k=1}^{q-1} (u + k) du,
** error constant 1/tq2 = (1/q!) int_{-1}^0 (-x) prod (x + k) dx;
** BDF of order q: l(x) = prod_{k=1}^{q} (1 + x/k) / l'(0). */
static void coef_init(Coef *c, int meth) {
  double pc[MAXORD_A + 2];
  int q, i;
  memset(c, 0, sizeof *c);
  if (meth == ADAMS) {
    double tq2[MAXORD_A + 2], fq1 = 1.0;     /* fq1 = (q-1)! */
    for (q = 1; q <= MAXORD_A; q++) {
      double pint = 0.0, xpin = 0.0;
      prodpoly(q - 1, pc);
      for (i = 0; i <= q - 1; i++) {
        double sg = (i % 2 == 0) ? 1.0 : -1.0;   /* int_{-1}^0 x^i = (-1)^i/(i+1) */
        pint += pc[i] * sg / (i + 1);
        xpin -= pc[i] * (-sg) / (i + 2);         /* int (-x) x^i */
      }
      c->el[q][0] = pint / fq1;
      for (i = 1; i <= q; i++) c->el[q][i] = pc[i - 1] / (i * fq1);
      tq2[q] = 1.0 / (xpin / (fq1 * q));
      fq1 *= q;
    }
    {
      double fact = 1.0;
      for (q = 1; q <= MAXORD_A; q++) {
        fact *= q;                              /* q! */
        c->tq[q][1] = tq2[q];
        c->tq[q][0] = q > 1 ? tq2[q - 1] / fact : 0.0;
        c->tq[q][2] = q < MAXORD_A ? tq2[q + 1] : 0.0;
        c->cm[q] = tq2[q] * c->el[q][q];
      }
    }
  }
  else {
    double fq1 = 1.0;
    for (q = 1; q <= MAXORD_B; q++) {
      prodpoly(q, pc);
      for (i = 0; i <= q; i++) c->el[q][i] = pc[i] / pc[1];
      c->tq[q][0] = 1.0 / fq1;
      c->tq[q][1] = (q + 1) / c->el[q][0];
      c->tq[q][2] = (q + 2) / c->el[q][0];
      c->cm[q] = c->tq[q][1] * c->el[q][q];
      fq1 *= q;
    }
  }
}

/* the work block after the header: the history yh ((MAXORD_A + 2) n),
** acor, savf, ewt, ynew, work, J, P, the pivots; returns the bytes from s
** to the end */
static size_t lsoda_layout(Lsoda *s, int n) {
  size_t nn = (size_t)n * n, d = sizeof(double);
  uintptr_t at = LUMPY_CARVE_START(s);
  s->yh = (double *)lumpy_carve(&at, d * (MAXORD_A + 2) * n);
  s->acor = (double *)lumpy_carve(&at, d * n);
  s->savf = (double *)lumpy_carve(&at, d * n);
  s->ewt = (double *)lumpy_carve(&at, d * n);
  s->ynew = (double *)lumpy_carve(&at, d * n);
  s->work = (double *)lumpy_carve(&at, d * n);
  s->J = (double *)lumpy_carve(&at, d * nn);
  s->P = (double *)lumpy_carve(&at, d * nn);
  s->ipiv = (lapack_int *)lumpy_carve(&at, sizeof(lapack_int) * n);
  return (size_t)(at - (uintptr_t)s);
}

static size_t lsoda_worksize(int n) {
  Lsoda scratch;
  return lsoda_layout(&scratch, n) + 15;
}

/* the weighted max norm */
static double wnorm(const double *x, const double *ewt, int n) {
  double m = 0.0;
  int i;
  for (i = 0; i < n; i++) {
    double v = fabs(x[i]) / ewt[i];
    if (v > m || v != v) m = v;
  }
  return m;
}

#define YH(j) (s->yh + (size_t)(j) * n)

static void set_ewt(lumpy_Ode *o, Lsoda *s) {
  int i;
  for (i = 0; i < o->n; i++) s->ewt[i] = o->rtol * fabs(s->yh[i]) + o->atol[i];
}

static void lsoda_init(lumpy_Ode *o) {
  Lsoda *s = (Lsoda *)o->ms;
  int n = o->n, i;
  double h0;
  coef_init(&s->c[ADAMS], ADAMS);
  coef_init(&s->c[BDFM], BDFM);
  lsoda_layout(s, n);
  s->jkind = lumpy_stiff_jacinit(o, s->J);
  lumpy_ode_fun(o, o->t, o->y, o->f);
  memcpy(YH(0), o->y, sizeof(double) * (size_t)n);
  set_ewt(o, s);
  /* LSODE's initial step: 1/h0^2 = 1/(tol w0^2) + tol ||f0||^2 */
  if (o->first_step > 0) h0 = o->first_step;
  else {
    double tdist = fabs(o->t_bound - o->t), w0 = fmax(fabs(o->t), fabs(o->t_bound));
    double tol = fmax(o->rtol, 100 * DBL_EPSILON), sm = wnorm(o->f, s->ewt, n);
    double sum = 1.0 / (tol * w0 * w0) + tol * sm * sm;
    h0 = 1.0 / sqrt(sum);
    if (!(h0 <= tdist)) h0 = tdist;
    if (h0 == 0) h0 = fmax(tdist, DBL_MIN);
  }
  if (h0 > o->max_step) h0 = o->max_step;
  s->h = h0 * o->direction;
  for (i = 0; i < n; i++) YH(1)[i] = s->h * o->f[i];
  s->meth = ADAMS;
  s->maxord = MAXORD_A;
  s->nq = 1;
  s->ialth = 2;
  s->ipup = s->jkind != STIFF_JAC_CONST;
  s->icount = 20;
  s->rmax = 1e4;
  s->crate = 0.7;
  s->pdest = s->pdlast = s->pdnorm = 0.0;
  s->hl0_J = 0.0;
  s->tsw = o->t;
  s->nst = s->nslp = 0;
  s->kflag = 0;
  s->has_save = 0;
  s->hu = 0.0;
  o->h_abs = fabs(s->h);
}

/* multiplies h by rh, rescaling the history */
static void rescale(lumpy_Ode *o, Lsoda *s, double rh) {
  int n = o->n, j, i;
  double r = 1.0;
  if (o->max_step < INFINITY) rh /= fmax(1.0, fabs(s->h) * rh / o->max_step);
  for (j = 1; j <= s->nq; j++) {
    double *z = YH(j);
    r *= rh;
    for (i = 0; i < n; i++) z[i] *= r;
  }
  s->h *= rh;
  s->ialth = s->nq + 1;
  s->has_save = 0;
}

static void predict(Lsoda *s, int n, int sign) {
  int j, k, i, q = s->nq;
  for (j = 0; j < q; j++)
    for (k = q; k > j; k--) {
      double *a = YH(k - 1), *b = YH(k);
      if (sign > 0) for (i = 0; i < n; i++) a[i] += b[i];
      else for (i = 0; i < n; i++) a[i] -= b[i];
    }
}

/* the Jacobian, its weighted norm and the LU of I - h l0 J */
static void new_matrix(lumpy_Ode *o, Lsoda *s, double tn, double l0) {
  int n = o->n, i, j;
  size_t k, nn = (size_t)n * n;
  lumpy_stiff_jac(o, s->jkind, tn, s->ynew, s->savf, s->J, s->work, 1);
  if (s->jkind == STIFF_JAC_CONST) o->njev++;     /* counted as LSODA counts */
  s->pdnorm = 0.0;
  for (i = 0; i < n; i++) {
    double r = 0.0;
    for (j = 0; j < n; j++) r += fabs(s->J[(size_t)j * n + i]) * s->ewt[j];
    r /= s->ewt[i];
    if (r > s->pdnorm) s->pdnorm = r;
  }
  for (k = 0; k < nn; k++) s->P[k] = -s->h * l0 * s->J[k];
  for (i = 0; i < n; i++) s->P[(size_t)i * n + i] += 1.0;
  o->nlu++;
  lumpy_stiff_lu(n, s->P, s->ipiv);
  s->hl0_J = s->h * l0;
  s->crate = 0.7;
  s->nslp = s->nst;
  s->ipup = 0;
}

/* the corrector at tn from the predicted history: returns 1 when it
** converged (acor, ynew set), 0 otherwise; *fresh tells whether the
** matrix was evaluated in this call */
static int corrector(lumpy_Ode *o, Lsoda *s, double tn, int *fresh) {
  int n = o->n, i, m = 0;
  const double *el = s->c[s->meth].el[s->nq];
  double tq2 = s->c[s->meth].tq[s->nq][1], conit = 0.5 / (s->nq + 2);
  double del, delp = 0.0, rate = 0.0, l0 = el[0], *z0 = YH(0), *z1 = YH(1);
  *fresh = 0;
  memcpy(s->ynew, z0, sizeof(double) * (size_t)n);
  memset(s->acor, 0, sizeof(double) * (size_t)n);
  lumpy_ode_fun(o, tn, s->ynew, s->savf);
  if (s->meth == BDFM && s->ipup) {
    new_matrix(o, s, tn, l0);
    *fresh = 1;
  }
  for (;;) {
    if (s->meth == ADAMS) {
      double d = 0.0;
      for (i = 0; i < n; i++) {
        double e = s->h * s->savf[i] - z1[i], v = fabs(e - s->acor[i]) / s->ewt[i];
        if (v > d || v != v) d = v;
        s->acor[i] = e;
        s->ynew[i] = z0[i] + l0 * e;
      }
      del = d;
    }
    else {
      double rc = s->h * l0 / s->hl0_J;
      for (i = 0; i < n; i++) s->work[i] = s->h * s->savf[i] - z1[i] - s->acor[i];
      lumpy_stiff_solve(n, s->P, s->ipiv, s->work);
      if (rc != 1.0)   /* a matrix made for another h l0 */
        for (i = 0; i < n; i++) s->work[i] *= 2.0 / (1.0 + rc);
      del = wnorm(s->work, s->ewt, n);
      for (i = 0; i < n; i++) {
        s->acor[i] += s->work[i];
        s->ynew[i] = z0[i] + l0 * s->acor[i];
      }
    }
    if (!isfinite(del)) return 0;
    if (m > 0) {
      double rm = del <= 1024 * delp ? del / delp : 1024.0;
      rate = fmax(rate, rm);
      s->crate = fmax(0.2 * s->crate, rm);
    }
    /* Adams always makes one iteration (PECE): it measures the rate that
    ** estimates the Jacobian norm, and the corrector is converged */
    if ((m > 0 || s->meth == BDFM) && del * fmin(1.0, 1.5 * s->crate) / (tq2 * conit) <= 1.0) {
      if (s->meth == ADAMS) {
        s->pdest = fmax(s->pdest, rate / fabs(s->h * l0));
        if (s->pdest != 0) s->pdlast = s->pdest;
      }
      return 1;
    }
    m++;
    if (m == 3 || (m >= 2 && del > 2 * delp)) return 0;
    delp = del;
    lumpy_ode_fun(o, tn, s->ynew, s->savf);
  }
}

/* the step ratio for an error norm d at order q (safety f) */
static double ratio_for(double d, int q, double f) {
  return 1.0 / (f * pow(d, 1.0 / (q + 1)) + f * 1e-6);
}

/* Petzold's switching test after a successful step with error norm dsm;
** returns 1 (and applies the switch) when the method changes */
static int switch_test(lumpy_Ode *o, Lsoda *s, double dsm) {
  int n = o->n, nq = s->nq;
  double rh1, rh2, rh1it, pdh;
  /* after a switch (and at the start), 20 steps before the next test */
  if (s->icount > 0) { s->icount--; return 0; }
  if (s->meth == ADAMS) {
    int nqm2;
    double dm2, pnorm = wnorm(YH(0), s->ewt, n);
    if (nq > MAXORD_B) return 0;    /* a high Adams order: not stiff */
    if (!(dsm > 100 * pnorm * DBL_EPSILON && s->pdest != 0)) {
      /* error estimate polluted by roundoff: switch only if the last
      ** step was limited by stability, doubling the step */
      if (!s->irflag) return 0;
      rh2 = 2.0;
      nqm2 = nq;
      goto to_bdf;
    }
    rh1 = ratio_for(dsm, nq, 1.2);
    rh1it = 2 * rh1;
    pdh = s->pdlast * fabs(s->h);
    if (pdh * rh1 > 1e-5) rh1it = sm1[nq] / pdh;
    rh1 = fmin(rh1, rh1it);
    nqm2 = nq;
    dm2 = dsm * (s->c[ADAMS].cm[nq] / s->c[BDFM].cm[nq]);
    rh2 = ratio_for(dm2, nqm2, 1.2);
    if (rh2 < 5 * rh1) return 0;
  to_bdf:
    s->meth = BDFM;
    s->maxord = MAXORD_B;
    s->nq = nqm2;
    s->ipup = 1;
    s->pdlast = 0.0;
    rescale(o, s, fmin(rh2, s->rmax));
  }
  else {
    double dm1;
    dm1 = dsm * (s->c[BDFM].cm[nq] / s->c[ADAMS].cm[nq]);
    rh1 = ratio_for(dm1, nq, 1.2);
    rh1it = 2 * rh1;
    pdh = s->pdnorm * fabs(s->h);
    if (pdh * rh1 > 1e-5) rh1it = sm1[nq] / pdh;
    rh1 = fmin(rh1, rh1it);
    rh2 = ratio_for(dsm, nq, 1.2);
    if (rh1 < rh2) return 0;
    s->meth = ADAMS;
    s->maxord = MAXORD_A;
    s->pdest = s->pdlast = 0.0;
    rescale(o, s, fmin(rh1, s->rmax));
  }
  s->icount = 20;
  s->tsw = o->t;
  return 1;
}

static int lsoda_step(lumpy_Ode *o, const char **msg) {
  Lsoda *s = (Lsoda *)o->ms;
  int n = o->n, i, j, ncf = 0, fresh;
  double t = o->t, tn, dsm = 0.0;
  double hmin = 10.0 * fabs(nextafter(t, o->direction * INFINITY) - t);
  s->kflag = 0;
  /* do not step past t_bound */
  if (o->direction * (t + s->h - o->t_bound) > 0) rescale(o, s, (o->t_bound - t) / s->h);
  if (fabs(s->h) > o->max_step) rescale(o, s, o->max_step / fabs(s->h));
  for (;;) {
    const double *el;
    if (!isfinite(s->h) || s->h == 0) {
      *msg = "The step size is not finite (the right-hand side gave NaN or inf).";
      return 0;
    }
    if (fabs(s->h) < hmin) { *msg = STIFF_TOO_SMALL; return 0; }
    set_ewt(o, s);
    el = s->c[s->meth].el[s->nq];
    if (s->meth == BDFM && s->jkind != STIFF_JAC_CONST &&
        (s->hl0_J == 0 || fabs(s->h * el[0] / s->hl0_J - 1) > 0.3 || s->nst >= s->nslp + 20))
      s->ipup = 1;
    if (s->meth == BDFM && s->hl0_J == 0) s->ipup = 1;
    tn = t + s->h;
    if (o->direction * (tn - o->t_bound) > 0 ||
        fabs(o->t_bound - tn) <= 4 * DBL_EPSILON * fabs(o->t_bound)) tn = o->t_bound;
    predict(s, n, 1);
    for (;;) {
      int ok = corrector(o, s, tn, &fresh);
      if (ok) break;
      if (s->meth == BDFM && !fresh) { s->ipup = 1; continue; }
      ncf = -1;
      break;
    }
    if (ncf < 0) {
      /* convergence failure: back off by 4 */
      predict(s, n, -1);
      ncf = 0;
      s->kflag--;
      if (s->kflag <= -10) {
        *msg = "Repeated convergence failures (the problem may be singular or the "
               "right-hand side not finite).";
        return 0;
      }
      s->rmax = 2.0;
      if (s->meth == BDFM) s->ipup = 1;
      rescale(o, s, 0.25);
      continue;
    }
    dsm = wnorm(s->acor, s->ewt, n) / s->c[s->meth].tq[s->nq][1];
    if (dsm <= 1.0) break;
    /* error test failure */
    predict(s, n, -1);
    s->kflag--;
    s->rmax = 2.0;
    if (s->kflag <= -10) {
      *msg = "Repeated error test failures (the tolerances may be too small).";
      return 0;
    }
    if (s->kflag > -3) {
      double rhsm = ratio_for(dsm, s->nq, 1.2), rhdn = 0.0, rh;
      if (s->nq > 1)
        rhdn = ratio_for(wnorm(YH(s->nq), s->ewt, n) / s->c[s->meth].tq[s->nq][0],
                         s->nq - 1, 1.3);
      if (s->meth == ADAMS && s->pdlast > 0) {
        double pdh = fmax(fabs(s->h) * s->pdlast, 1e-6);
        rhsm = fmin(rhsm, sm1[s->nq] / pdh);
        if (s->nq > 1) rhdn = fmin(rhdn, sm1[s->nq - 1] / pdh);
      }
      rh = rhsm;
      if (rhdn > rhsm) { rh = rhdn; s->nq--; }
      rh = fmin(fmax(rh, hmin / fabs(s->h)), 0.9);
      if (s->kflag <= -2) rh = fmin(rh, 0.2);
      rescale(o, s, rh);
    }
    else {
      /* three failures in a row: restart at order 1 from f(t, y) */
      double rh = fmax(0.1, hmin / fabs(s->h));
      s->nq = 1;
      s->h *= rh;
      lumpy_ode_fun(o, t, YH(0), s->savf);
      for (i = 0; i < n; i++) YH(1)[i] = s->h * s->savf[i];
      s->ialth = 5;
      s->has_save = 0;
      if (s->meth == BDFM) s->ipup = 1;
    }
  }
  /* accepted */
  {
    const double *el = s->c[s->meth].el[s->nq];
    for (j = 0; j <= s->nq; j++) {
      double *z = YH(j);
      for (i = 0; i < n; i++) z[i] += el[j] * s->acor[i];
    }
  }
  s->nst++;
  s->hu = s->h;
  o->h_previous = s->h;
  memcpy(o->y_old, o->y, sizeof(double) * (size_t)n);
  memcpy(o->y, YH(0), sizeof(double) * (size_t)n);
  memcpy(o->f, s->savf, sizeof(double) * (size_t)n);
  o->t = tn;
  s->ialth--;
  if (!switch_test(o, s, dsm)) {
    if (s->ialth == 0) {
      const double *tq = s->c[s->meth].tq[s->nq];
      double rhsm = ratio_for(dsm, s->nq, 1.2), rhup = 0.0, rhdn = 0.0, rh;
      int nq = s->nq, dq = 0;
      if (nq < s->maxord && s->has_save) {
        double *sv = YH(MAXORD_A + 1);
        for (i = 0; i < n; i++) s->work[i] = s->acor[i] - sv[i];
        rhup = ratio_for(wnorm(s->work, s->ewt, n) / tq[2], nq + 1, 1.4);
      }
      if (nq > 1) rhdn = ratio_for(wnorm(YH(nq), s->ewt, n) / tq[0], nq - 1, 1.3);
      if (s->meth == ADAMS) {
        double pdh = fmax(fabs(s->h) * s->pdlast, 1e-6);
        if (nq < s->maxord) rhup = fmin(rhup, sm1[nq + 1] / pdh);
        rhsm = fmin(rhsm, sm1[nq] / pdh);
        if (nq > 1) rhdn = fmin(rhdn, sm1[nq - 1] / pdh);
        s->pdest = 0.0;
      }
      rh = rhsm;
      if (rhup > rh) { rh = rhup; dq = 1; }
      if (rhdn > rh) { rh = rhdn; dq = -1; }
      /* irflag: the new step sits on the Adams stability bound */
      s->irflag = s->meth == ADAMS &&
        (rh < 1.1 ? 1.0 : fmin(rh, s->rmax)) * fmax(fabs(s->h) * s->pdlast, 1e-6) * 1.00001
          >= sm1[rh < 1.1 ? nq : nq + dq];
      if (rh < 1.1) {
        s->ialth = 3;
      }
      else {
        if (dq == 1) {
          double r = s->c[s->meth].el[nq][nq] / (nq + 1);
          for (i = 0; i < n; i++) YH(nq + 1)[i] = s->acor[i] * r;
          s->nq = nq + 1;
        }
        else if (dq == -1) s->nq = nq - 1;
        rescale(o, s, fmin(rh, s->rmax));
        s->rmax = 10.0;
      }
    }
    else if (s->ialth == 1 && s->nq < s->maxord) {
      memcpy(YH(MAXORD_A + 1), s->acor, sizeof(double) * (size_t)n);
      s->has_save = 1;
    }
  }
  if (s->rmax < 10.0 && s->kflag == 0) s->rmax = 10.0;
  o->h_abs = fabs(s->h);
  return 1;
}

/* record: t_old, t, h, q, yh[0..q] (up to 13 n) */
static int lsoda_reclen(int n) { return 4 + (MAXORD_A + 1) * n; }

static void lsoda_dense(lumpy_Ode *o, double *rec) {
  Lsoda *s = (Lsoda *)o->ms;
  rec[0] = o->t_old;
  rec[1] = o->t;
  rec[2] = s->h;
  rec[3] = s->nq;
  memcpy(rec + 4, s->yh, sizeof(double) * (size_t)o->n * (s->nq + 1));
}

/* the Nordsieck polynomial: sum_j z_j ((t - t_n)/h)^j */
static void lsoda_eval(const double *rec, int n, double t, double *y) {
  double x = (t - rec[1]) / rec[2];
  int q = (int)rec[3], i, j;
  const double *z = rec + 4;
  for (i = 0; i < n; i++) {
    double v = z[(size_t)q * n + i];
    for (j = q - 1; j >= 0; j--) v = v * x + z[(size_t)j * n + i];
    y[i] = v;
  }
}

const lumpy_OdeMethod lumpy_ode_lsoda = {
  "LSODA", lsoda_worksize, lsoda_init, lsoda_step, lsoda_dense, lsoda_reclen, lsoda_eval
};

/* ---------------------------------------------------------------------- */
/* odeint                                                                  */
/* ---------------------------------------------------------------------- */

static void *newvec(lua_State *L, int64_t len, int dtype) {
  return lumpy_newarray(L, dtype, 1, &len, 1)->data;
}

/*
** odeint(func, t0, tlast, y0, opts, t) -> y (len(t) x n), info table
** opts (normalised by integrate.lua): rtol, atol (number or float64 array
** of n), jac (Dfun) or jac_const, tfirst, args, hmax, h0, mxstep. t is a
** monotone float64 array starting at t0. The LSODA method integrates
** towards the last time, interpolating at the others (never stepping past
** the last).
*/
static int stiff_odeint(lua_State *L) {
  lumpy_Ode *o;
  Array *y0a, *ta, *ya;
  const double *tv;
  double *yout, *hu, *tcur, *rec;
  int64_t *nst, *nfe, *nje, *nqu, *mused;
  const char *msg = NULL;
  int n, i, istate = 2, yslot;
  int64_t nt, k, sh[2];
  long mxstep;
  lua_settop(L, 6);
  luaL_checktype(L, 5, LUA_TTABLE);
  y0a = lumpy_ascontig(L, 4, LUMPY_FLOAT64);
  lua_replace(L, 4);
  ta = lumpy_ascontig(L, 6, LUMPY_FLOAT64);
  lua_replace(L, 6);
  n = (int)y0a->size;
  nt = ta->size;
  tv = (const double *)ta->data;
  o = (lumpy_Ode *)lua_newuserdatauv(L, sizeof(lumpy_Ode) + sizeof(double) *
        (size_t)(5 * n + 8) + lumpy_ode_lsoda.worksize(n) + 16 +
        sizeof(double) * (size_t)lumpy_ode_lsoda.reclen(n), 0);
  memset(o, 0, sizeof *o);
  o->L = L;
  o->m = &lumpy_ode_lsoda;
  o->n = n;
  lua_getfield(L, 5, "tfirst");
  o->tfirst = lua_toboolean(L, -1);
  lua_pop(L, 1);
  lumpy_fn_init(L, &o->fn, 1, 5, ODEINT);
  o->y = (double *)(o + 1);
  o->y_old = o->y + n;
  o->f = o->y_old + n;
  o->atol = o->f + n;
  o->tmp = o->atol + n;
  rec = o->tmp + n + 8;
  o->ms = (void *)(((uintptr_t)(rec + lumpy_ode_lsoda.reclen(n)) + 15) & ~(uintptr_t)15);
  memcpy(o->y, y0a->data, sizeof(double) * (size_t)n);
  o->t = luaL_checknumber(L, 2);
  o->t_bound = luaL_checknumber(L, 3);
  o->direction = o->t_bound >= o->t ? 1.0 : -1.0;
  o->rtol = lumpy_int_optnum(L, 5, "rtol", 1.49012e-8);
  o->max_step = lumpy_int_optnum(L, 5, "hmax", INFINITY);
  o->first_step = lumpy_int_optnum(L, 5, "h0", 0.0);
  mxstep = (long)lumpy_int_optnum(L, 5, "mxstep", 500);
  lua_getfield(L, 5, "atol");
  if (lua_type(L, -1) == LUA_TNUMBER || lua_isnil(L, -1)) {
    double a = luaL_optnumber(L, -1, 1.49012e-8);
    for (i = 0; i < n; i++) o->atol[i] = a;
  }
  else {
    Array *a = lumpy_ascontig(L, -1, LUMPY_FLOAT64);
    if (a->size != n) return lumpy_kerror(L, "%s: atol must be a number or have %d values",
                                        ODEINT, n);
    memcpy(o->atol, a->data, sizeof(double) * (size_t)n);
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  lua_getfield(L, 5, "jac");
  if (!lua_isnil(L, -1)) {
    o->jacidx = lua_gettop(L);
    lumpy_fn_init(L, &o->jac, o->jacidx, 5, ODEINT);
  }
  else lua_pop(L, 1);
  /* outputs: y, then the info arrays (len(t) - 1 each) */
  sh[0] = nt;
  sh[1] = n;
  ya = lumpy_newarray(L, LUMPY_FLOAT64, 2, sh, 0);
  yout = (double *)ya->data;
  yslot = lua_gettop(L);
  k = nt > 1 ? nt - 1 : 0;
  hu = newvec(L, k, LUMPY_FLOAT64);
  tcur = newvec(L, k, LUMPY_FLOAT64);
  nst = newvec(L, k, LUMPY_INT64);
  nfe = newvec(L, k, LUMPY_INT64);
  nje = newvec(L, k, LUMPY_INT64);
  nqu = newvec(L, k, LUMPY_INT64);
  mused = newvec(L, k, LUMPY_INT64);
  if (nt > 0) memcpy(yout, o->y, sizeof(double) * (size_t)n);
  if (nt > 1 && n > 0) {
    Lsoda *s;
    lumpy_ode_lsoda.init(o);
    s = (Lsoda *)o->ms;
    for (k = 1; k < nt; k++) {
      double tout = tv[k];
      long steps = 0;
      while (istate > 0 && o->direction * (o->t - tout) < 0) {
        double tb = o->t;
        if (steps++ >= mxstep) {
          istate = -1;
          msg = "Excess work done on this call (perhaps wrong Dfun type).";
          break;
        }
        if (!lumpy_ode_lsoda.step(o, &msg)) { istate = -5; break; }
        o->t_old = tb;
      }
      if (istate < 0) {
        for (; k < nt; k++)
          for (i = 0; i < n; i++) yout[(size_t)k * n + i] = NAN;
        break;
      }
      if (o->t == tout) memcpy(yout + (size_t)k * n, o->y, sizeof(double) * (size_t)n);
      else {
        lumpy_ode_lsoda.dense(o, rec);
        lumpy_ode_lsoda.eval(rec, n, tout, yout + (size_t)k * n);
      }
      hu[k - 1] = s->hu;
      tcur[k - 1] = o->t;
      nst[k - 1] = s->nst;
      nfe[k - 1] = o->nfev;
      nje[k - 1] = o->njev;
      nqu[k - 1] = s->nq;
      mused[k - 1] = s->meth;
    }
    lua_createtable(L, 0, 12);
    lua_pushnumber(L, s->tsw);
    lua_setfield(L, -2, "tsw");
  }
  else {
    for (k = 1; k < nt; k++) memcpy(yout + (size_t)k * n, o->y, sizeof(double) * (size_t)n);
    lua_createtable(L, 0, 12);
    lua_pushnumber(L, o->t);
    lua_setfield(L, -2, "tsw");
  }
  {
    static const char *const names[] = {"hu", "tcur", "nst", "nfe", "nje", "nqu", "mused"};
    for (i = 0; i < 7; i++) {
      lua_pushvalue(L, yslot + 1 + i);
      lua_setfield(L, -2, names[i]);
    }
  }
  lua_pushinteger(L, o->nfev);
  lua_setfield(L, -2, "nfev");
  lua_pushinteger(L, o->njev);
  lua_setfield(L, -2, "njev");
  lua_pushinteger(L, istate);
  lua_setfield(L, -2, "istate");
  lua_pushstring(L, istate > 0 ? "Integration successful." : msg);
  lua_setfield(L, -2, "message");
  lua_pushvalue(L, yslot);
  lua_insert(L, -2);
  return 2;
}

/* ismonotonic(a): whether the 1-d array a never changes direction */
static int stiff_ismonotonic(lua_State *L) {
  Array *a = lumpy_ascontig(L, 1, LUMPY_FLOAT64);
  const double *v = (const double *)a->data;
  int64_t i, k = a->size;
  double dir = k > 0 && v[k - 1] < v[0] ? -1.0 : 1.0;
  for (i = 1; i < k; i++)
    if (!((v[i] - v[i - 1]) * dir >= 0)) break;
  lua_pushboolean(L, i >= k);
  return 1;
}

void lumpy_open_int_stiff(lua_State *L, int t) {
  static const luaL_Reg funcs[] = {
    {"odeint", stiff_odeint}, {"ismonotonic", stiff_ismonotonic},
    {NULL, NULL}
  };
  lua_pushvalue(L, t);
  luaL_setfuncs(L, funcs, 0);
  lua_pop(L, 1);
}
