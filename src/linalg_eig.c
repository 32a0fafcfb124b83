/*
** linalg_eig.c: lumpy.linalg's eigenvalue, singular value and orthogonal
** factorisations: eig eigvals eigh eigvalsh svd qr lstsq schur.
**
** LAPACK drivers as NumPy/SciPy use them: ?geev, ?syevd/?heevd, ?gesdd,
** ?geqrf + ?orgqr/?ungqr, ?gelsd, ?gees. Each input is copied once
** (la_load); where a C-ordered copy serves (eigh, svd) it is handed to
** LAPACK as the transpose: the eigenvalues of A^T = conj(A) are A's, its
** eigenvectors the conjugates; the SVD of A^T = V S U^T gives A's factors
** with U and V^T swapped, read in C order.
*/
#include <math.h>
#include <float.h>
#include "linalg.h"

/* ------------------------------------------------------------------ */
/* eigh, eigvalsh                                                      */
/* ------------------------------------------------------------------ */

/* 'L' or 'U' from a string or {UPLO = ...} at idx */
static char optuplo(lua_State *L, int idx, const char *fname) {
  const char *s = NULL;
  if (lua_type(L, idx) == LUA_TSTRING) s = lua_tostring(L, idx);
  else if (lua_type(L, idx) == LUA_TTABLE) {
    static const char *const keys[] = {"UPLO", NULL};
    la_checkopts(L, idx, fname, keys);
    lua_getfield(L, idx, "UPLO");
    s = lua_tostring(L, -1);
    lua_pop(L, 1);         /* the string stays in the table */
  }
  else if (!lua_isnoneornil(L, idx)) luaL_typeerror(L, idx, "'L', 'U' or options table");
  if (s == NULL) return 'L';
  if ((s[0] != 'L' && s[0] != 'U') || s[1] != 0)
    luaL_argerror(L, idx, "UPLO argument must be 'L' or 'U'");
  return s[0];
}

/* pushes w, or w and v, for the square stack a (eigenvalues ascending,
** float64; eigenvectors in the columns, dtype float64 or complex128);
** returns the count */
static int eigh_core(lua_State *L, const Array *a, char uplo, int vecs, const char *fname) {
  Array *buf, *w;
  int dt = la_workdtype(a->dtype), isz = ITEMSIZE(dt), trans, nb = a->ndim - 2;
  int base = lua_gettop(L);
  char jobz = vecs ? 'V' : 'N';
  int64_t n = a->shape[a->ndim - 1], t, nbatch = la_nbatch(a);
  lapack_int ln = la_int(L, n, fname), lwork = -1, lrwork = -1, liwork = -1, ld = ln > 1 ? ln : 1;
  char *work = NULL;
  double *rwork = NULL;
  lapack_int *iwork = NULL;
  buf = la_loadfinite(L, a, dt, 1, &trans, fname);       /* base + 1 */
  if (trans) uplo = uplo == 'L' ? 'U' : 'L';
  w = lumpy_newarray(L, LUMPY_FLOAT64, nb + 1, a->shape, 0);   /* base + 2 */
  if (n > 0) {
    cplx wq;
    double rq;
    lapack_int iq;
    if (ISCPLX(dt)) {
      LAPACKE_zheevd_work(COLMAJ, jobz, uplo, ln, (cplx *)buf->data, ld, (double *)w->data,
                          &wq, -1, &rq, -1, &iq, -1);
      lwork = (lapack_int)creal(wq);
      lrwork = (lapack_int)rq;
    }
    else {
      LAPACKE_dsyevd_work(COLMAJ, jobz, uplo, ln, (double *)buf->data, ld, (double *)w->data,
                          &rq, -1, &iq, -1);
      lwork = (lapack_int)rq;
      lrwork = 1;
    }
    liwork = iq;
    work = (char *)la_work(L, (size_t)lwork * isz);
    rwork = (double *)la_work(L, (size_t)lrwork * sizeof(double));
    iwork = (lapack_int *)la_work(L, (size_t)liwork * sizeof(lapack_int));
    for (t = 0; t < nbatch; t++) {
      lapack_int info;
      char *m = buf->data + t * n * n * isz;
      double *wt = (double *)w->data + t * n;
      if (ISCPLX(dt))
        info = LAPACKE_zheevd_work(COLMAJ, jobz, uplo, ln, (cplx *)m, ld, wt, (cplx *)work,
                                   lwork, rwork, lrwork, iwork, liwork);
      else info = LAPACKE_dsyevd_work(COLMAJ, jobz, uplo, ln, (double *)m, ld, wt,
                                      (double *)work, lwork, iwork, liwork);
      if (info > 0) lumpy_error(L, "lumpy.linalg.%s: eigenvalues did not converge", fname);
    }
    la_drop(L, 3);
  }
  if (!vecs) { la_close(L, base + 1); lua_remove(L, base + 1); return 1; }
  /* the eigenvectors are the columns of each column-major block */
  if (trans) {
    int64_t s = buf->strides[nb];
    buf->strides[nb] = buf->strides[nb + 1];
    buf->strides[nb + 1] = s;
    if (ISCPLX(dt)) {
      int64_t i;
      cplx *z = (cplx *)buf->data;
      for (i = 0; i < buf->size; i++) z[i] = conj(z[i]);
    }
  }
  lua_insert(L, base + 1);       /* w, v */
  return 2;
}

static int eigh_impl(lua_State *L, int vecs, const char *fname) {
  Array *a = la_checkmat(L, 1, fname, 1);
  char uplo = optuplo(L, 2, fname);
  int nret, i;
  lua_settop(L, 2);
  nret = eigh_core(L, a, uplo, vecs, fname);
  for (i = 1; i <= nret; i++) la_restore32(L, -i, a->dtype);
  return nret;
}

static int linalg_eigh(lua_State *L) { return eigh_impl(L, 1, "eigh"); }
static int linalg_eigvalsh(lua_State *L) { return eigh_impl(L, 0, "eigvalsh"); }

/* ------------------------------------------------------------------ */
/* eig, eigvals                                                        */
/* ------------------------------------------------------------------ */

static int eig_impl(lua_State *L, int vecs, const char *fname) {
  Array *a = la_checkmat(L, 1, fname, 1), *buf, *w, *v = NULL;
  int dt = la_workdtype(a->dtype), isz = ITEMSIZE(dt), nb = a->ndim - 2;
  int64_t n = a->shape[a->ndim - 1], t, i, j, nbatch = la_nbatch(a);
  lapack_int ln = la_int(L, n, fname), ld = ln > 1 ? ln : 1, lwork;
  char jobvr = vecs ? 'V' : 'N', *work;
  int base;
  la_checkfinite(L, a, fname);
  lua_settop(L, 1);
  buf = la_load(L, a, dt, 0, NULL);                     /* 2: A, column-major */
  base = lua_gettop(L);
  if (ISCPLX(dt)) {
    cplx wq;
    double *rwork;
    w = lumpy_newarray(L, dt, nb + 1, a->shape, 0);          /* base+1 */
    if (vecs) v = la_newF(L, dt, nb, a->shape, n, n);        /* base+2 */
    if (n > 0) {
      /* the query writes rwork too (?trevc3) */
      rwork = (double *)la_work(L, (size_t)(2 * n) * sizeof(double));
      LAPACKE_zgeev_work(COLMAJ, 'N', jobvr, ln, (cplx *)buf->data, ld, (cplx *)w->data,
                         NULL, 1, vecs ? (cplx *)v->data : NULL, ld, &wq, -1, rwork);
      lwork = (lapack_int)creal(wq);
      work = (char *)la_work(L, (size_t)lwork * isz);
      for (t = 0; t < nbatch; t++)
        if (LAPACKE_zgeev_work(COLMAJ, 'N', jobvr, ln, (cplx *)(buf->data + t * n * n * isz),
                               ld, (cplx *)w->data + t * n, NULL, 1,
                               vecs ? (cplx *)v->data + t * n * n : NULL, ld,
                               (cplx *)work, lwork, rwork) > 0)
          lumpy_error(L, "lumpy.linalg.%s: eigenvalues did not converge", fname);
    }
    la_closerange(L, base + 2 + vecs, lua_gettop(L));
    la_close(L, base);
    lua_settop(L, base + 1 + vecs);
    return 1 + vecs;
  }
  {
    double wq, *wr, *wi, *vr = NULL;
    int allreal = 1;
    Array *vrA = NULL;
    wr = (double *)la_work(L, sizeof(double) * (size_t)(2 * n * nbatch + 1));  /* base+1 */
    wi = wr + n * nbatch;
    if (vecs) { vrA = la_newF(L, LUMPY_FLOAT64, nb, a->shape, n, n); vr = (double *)vrA->data; }
    if (n > 0) {
      LAPACKE_dgeev_work(COLMAJ, 'N', jobvr, ln, (double *)buf->data, ld, wr, wi, NULL, 1,
                         vr, ld, &wq, -1);
      lwork = (lapack_int)wq;
      work = (char *)la_work(L, (size_t)lwork * sizeof(double));
      for (t = 0; t < nbatch; t++)
        if (LAPACKE_dgeev_work(COLMAJ, 'N', jobvr, ln, (double *)buf->data + t * n * n, ld,
                               wr + t * n, wi + t * n, NULL, 1, vecs ? vr + t * n * n : NULL,
                               ld, (double *)work, lwork) > 0)
          lumpy_error(L, "lumpy.linalg.%s: eigenvalues did not converge", fname);
      la_drop(L, 1);
    }
    for (i = 0; i < n * nbatch; i++) if (wi[i] != 0) { allreal = 0; break; }
    if (allreal) {
      w = lumpy_newarray(L, LUMPY_FLOAT64, nb + 1, a->shape, 0);
      memcpy(w->data, wr, sizeof(double) * (size_t)(n * nbatch));
      if (vecs) lua_pushvalue(L, base + 2);
    }
    else {
      w = lumpy_newarray(L, LUMPY_COMPLEX128, nb + 1, a->shape, 0);
      for (i = 0; i < n * nbatch; i++) ((cplx *)w->data)[i] = wr[i] + I * wi[i];
      if (vecs) {
        Array *cv = la_newF(L, LUMPY_COMPLEX128, nb, a->shape, n, n);
        for (t = 0; t < nbatch; t++) {
          const double *src = vr + t * n * n, *wit = wi + t * n;
          cplx *dst = (cplx *)cv->data + t * n * n;
          for (j = 0; j < n; j++) {
            if (wit[j] != 0 && j + 1 < n) {   /* a conjugate pair in columns j, j+1 */
              for (i = 0; i < n; i++) {
                double re = src[j * n + i], im = src[(j + 1) * n + i];
                dst[j * n + i] = re + I * im;
                dst[(j + 1) * n + i] = re - I * im;
              }
              j++;
            }
            else for (i = 0; i < n; i++) dst[j * n + i] = src[j * n + i];
          }
        }
      }
    }
    la_close(L, base);
    la_close(L, base + 1);
    if (vecs && !allreal) la_close(L, base + 2);
    la_restore32(L, vecs ? -2 : -1, a->dtype);
    if (vecs) la_restore32(L, -1, a->dtype);
    return 1 + vecs;
  }
}

static int linalg_eig(lua_State *L) { return eig_impl(L, 1, "eig"); }
static int linalg_eigvals(lua_State *L) { return eig_impl(L, 0, "eigvals"); }

/* ------------------------------------------------------------------ */
/* svd                                                                 */
/* ------------------------------------------------------------------ */

/* sets every matrix of a (any geometry) to the identity */
static void setident(Array *a) {
  int nd = a->ndim, isz = ITEMSIZE(a->dtype);
  int64_t r = a->shape[nd - 2], c = a->shape[nd - 1], t, i, nbatch = la_nbatch(a);
  memset(a->data, 0, (size_t)(a->size * isz));
  for (t = 0; t < nbatch; t++)
    for (i = 0; i < r && i < c; i++) {
      char *p = a->data + t * r * c * isz + i * a->strides[nd - 2] + i * a->strides[nd - 1];
      if (a->dtype == LUMPY_COMPLEX128) *(cplx *)p = 1;
      else *(double *)p = 1;
    }
}

/* the hermitian SVD (NumPy's svd(..., hermitian = True)): from the
** eigendecomposition A = V diag(w) V^H, s = |w| in descending order, U = V
** in that order and V^H's rows sign(w_j) v_j^H. */
typedef struct HermKey { double v; int64_t i; } HermKey;

/* descending |w|; ties put the larger index first, as NumPy's reversed
** argsort does */
static int hermkey_cmp(const void *x, const void *y) {
  const HermKey *p = (const HermKey *)x, *q = (const HermKey *)y;
  if (p->v != q->v) return p->v < q->v ? 1 : -1;
  return p->i < q->i ? 1 : (p->i > q->i ? -1 : 0);
}

/* pushes s, or u, s, vh, as svd_core does; a must be square */
static int svd_herm(lua_State *L, const Array *a, int uv, const char *fname) {
  int nb = a->ndim - 2, base = lua_gettop(L), dt = la_workdtype(a->dtype);
  int isz = ITEMSIZE(dt);
  int64_t n = a->shape[nb + 1], t, i, j, nbatch = la_nbatch(a);
  Array *w, *v = NULL, *s, *U = NULL, *VT = NULL;
  HermKey *key;
  if (a->shape[nb] != n)
    lumpy_error(L, "lumpy.linalg.%s: hermitian needs square matrices, got %Ix%I", fname,
                (lua_Integer)a->shape[nb], (lua_Integer)n);
  eigh_core(L, a, 'L', uv, fname);                    /* base+1 w [, base+2 v] */
  w = lumpy_toarray(L, base + 1);
  if (uv) v = lumpy_toarray(L, base + 2);
  s = lumpy_newarray(L, LUMPY_FLOAT64, nb + 1, a->shape, 0);
  if (uv) {
    U = lumpy_newarray(L, dt, nb + 2, a->shape, 0);
    VT = lumpy_newarray(L, dt, nb + 2, a->shape, 0);
  }
  key = (HermKey *)la_work(L, sizeof(HermKey) * (size_t)(n + 1));
  for (t = 0; t < nbatch; t++) {
    const double *wt = (const double *)w->data + t * n;
    for (i = 0; i < n; i++) { key[i].v = fabs(wt[i]); key[i].i = i; }
    qsort(key, (size_t)n, sizeof(HermKey), hermkey_cmp);
    for (j = 0; j < n; j++) ((double *)s->data)[t * n + j] = key[j].v;
    if (!uv) continue;
    for (j = 0; j < n; j++) {
      int64_t src = key[j].i;
      double sg = wt[src] > 0 ? 1 : (wt[src] < 0 ? -1 : 0);
      const char *col = v->data + t * n * n * isz + src * v->strides[nb + 1];
      if (ISCPLX(dt)) {
        cplx *u = (cplx *)U->data + t * n * n, *vt = (cplx *)VT->data + t * n * n;
        for (i = 0; i < n; i++) {
          cplx e = *(const cplx *)(col + i * v->strides[nb]);
          u[i * n + j] = e;
          vt[j * n + i] = sg * conj(e);
        }
      }
      else {
        double *u = (double *)U->data + t * n * n, *vt = (double *)VT->data + t * n * n;
        for (i = 0; i < n; i++) {
          double e = *(const double *)(col + i * v->strides[nb]);
          u[i * n + j] = e;
          vt[j * n + i] = sg * e;
        }
      }
    }
  }
  la_drop(L, 1);
  la_closerange(L, base + 1, base + (uv ? 2 : 1));
  lua_remove(L, base + 1);
  if (!uv) return 1;
  lua_remove(L, base + 1);    /* s, U, VT */
  lua_pushvalue(L, base + 1);
  lua_remove(L, base + 1);    /* U, VT, s */
  lua_insert(L, base + 2);    /* U, s, VT */
  return 3;
}

/* pushes s, or u, s, vh; returns the count */
static int svd_core(lua_State *L, const Array *a, int uv, int full, int herm,
                    const char *fname) {
  int dt = la_workdtype(a->dtype), isz = ITEMSIZE(dt), trans, nb = a->ndim - 2, top;
  int64_t m = a->shape[nb], n = a->shape[nb + 1], k = m < n ? m : n, t, nbatch = la_nbatch(a);
  int64_t rows, cols, uc, vr, shape[LUMPY_MAXDIMS];
  Array *buf, *s, *U = NULL, *VT = NULL;
  char jobz = uv ? (full ? 'A' : 'S') : 'N';
  lapack_int lwork, *iwork, ldu, ldvt;
  char *work, *ub, *vb;
  double *rwork = NULL;
  lumpy_blas_load(L);     /* matrix_rank and norm come here directly */
  if (herm) return svd_herm(L, a, uv, fname);
  la_int(L, m, fname);
  la_int(L, n, fname);
  top = lua_gettop(L);
  buf = la_loadfinite(L, a, dt, 1, &trans, fname);
  rows = trans ? n : m;
  cols = trans ? m : n;
  uc = full ? rows : k;
  vr = full ? cols : k;
  memcpy(shape, a->shape, sizeof(int64_t) * nb);
  shape[nb] = k;
  s = lumpy_newarray(L, LUMPY_FLOAT64, nb + 1, shape, 0);
  if (uv) {
    if (!trans) {
      U = la_newF(L, dt, nb, shape, m, uc);
      VT = la_newF(L, dt, nb, shape, vr, n);
    }
    else {    /* U_A = VT_M read in C order, V^T_A = U_M read in C order */
      shape[nb] = m; shape[nb + 1] = vr;
      U = lumpy_newarray(L, dt, nb + 2, shape, 0);
      shape[nb] = uc; shape[nb + 1] = n;
      VT = lumpy_newarray(L, dt, nb + 2, shape, 0);
    }
  }
  if (k == 0) {
    if (uv) { setident(U); setident(VT); }
  }
  else {
    lapack_int lm = (lapack_int)rows, lnn = (lapack_int)cols;
    ldu = (lapack_int)rows;
    ldvt = (lapack_int)(vr > 1 ? vr : 1);
    ub = uv ? (trans ? VT->data : U->data) : NULL;
    vb = uv ? (trans ? U->data : VT->data) : NULL;
    iwork = (lapack_int *)la_work(L, sizeof(lapack_int) * (size_t)(8 * k));
    if (ISCPLX(dt)) {
      cplx wq;
      int64_t mx = m > n ? m : n;
      int64_t lr = uv ? k * (5 * k + 7 > 2 * mx + 2 * k + 1 ? 5 * k + 7 : 2 * mx + 2 * k + 1)
                      : 7 * k;
      rwork = (double *)la_work(L, sizeof(double) * (size_t)lr);
      LAPACKE_zgesdd_work(COLMAJ, jobz, lm, lnn, (cplx *)buf->data, lm, (double *)s->data,
                          (cplx *)ub, ldu, (cplx *)vb, ldvt, &wq, -1, rwork, iwork);
      lwork = (lapack_int)creal(wq);
    }
    else {
      double wq;
      LAPACKE_dgesdd_work(COLMAJ, jobz, lm, lnn, (double *)buf->data, lm, (double *)s->data,
                          (double *)ub, ldu, (double *)vb, ldvt, &wq, -1, iwork);
      lwork = (lapack_int)wq;
    }
    work = (char *)la_work(L, (size_t)lwork * isz);
    for (t = 0; t < nbatch; t++) {
      lapack_int info;
      char *mt = buf->data + t * m * n * isz;
      double *st = (double *)s->data + t * k;
      char *ut = uv ? ub + t * rows * uc * isz : NULL;
      char *vt = uv ? vb + t * vr * cols * isz : NULL;
      if (ISCPLX(dt))
        info = LAPACKE_zgesdd_work(COLMAJ, jobz, lm, lnn, (cplx *)mt, lm, st, (cplx *)ut, ldu,
                                   (cplx *)vt, ldvt, (cplx *)work, lwork, rwork, iwork);
      else info = LAPACKE_dgesdd_work(COLMAJ, jobz, lm, lnn, (double *)mt, lm, st,
                                      (double *)ut, ldu, (double *)vt, ldvt, (double *)work,
                                      lwork, iwork);
      if (info > 0) lumpy_error(L, "lumpy.linalg.%s: SVD did not converge", fname);
    }
    la_drop(L, ISCPLX(dt) ? 3 : 2);
  }
  /* stack: buf, s [, U, VT] */
  la_close(L, top + 1);
  lua_remove(L, top + 1);
  if (!uv) return 1;
  lua_pushvalue(L, top + 1);
  lua_remove(L, top + 1);    /* U, VT, s */
  lua_insert(L, top + 2);    /* U, s, VT */
  return 3;
}

Array *la_svals(lua_State *L, const Array *a, const char *fname) {
  svd_core(L, a, 0, 0, 0, fname);
  return lumpy_toarray(L, -1);
}

static int linalg_svd(lua_State *L) {
  static const char *const keys[] = {"full_matrices", "compute_uv", "hermitian", NULL};
  Array *a = la_checkmat(L, 1, "svd", 0);
  int full, uv, herm, nret, i;
  la_checkopts(L, 2, "svd", keys);
  full = la_optbool(L, 2, "full_matrices", 1);
  uv = la_optbool(L, 2, "compute_uv", 1);
  herm = la_optbool(L, 2, "hermitian", 0);
  lua_settop(L, 2);
  nret = svd_core(L, a, uv, full, herm, "svd");
  for (i = 1; i <= nret; i++) la_restore32(L, -i, a->dtype);
  return nret;
}

/* ------------------------------------------------------------------ */
/* qr                                                                  */
/* ------------------------------------------------------------------ */

static int linalg_qr(lua_State *L) {
  Array *a = la_checkmat(L, 1, "qr", 0), *buf, *R, *Q;
  int dt = la_workdtype(a->dtype), isz = ITEMSIZE(dt), nb = a->ndim - 2, mode = 0;
  int64_t m = a->shape[nb], n = a->shape[nb + 1], k = m < n ? m : n, t, i, nbatch = la_nbatch(a);
  int64_t rrows, qc, shape[LUMPY_MAXDIMS];
  lapack_int lm = la_int(L, m, "qr"), lnn = la_int(L, n, "qr"), lwork = 1, ld = lm > 1 ? lm : 1;
  char *tau, *work;
  const char *ms = NULL;
  if (lua_type(L, 2) == LUA_TSTRING) ms = lua_tostring(L, 2);
  else if (lua_type(L, 2) == LUA_TTABLE) {
    static const char *const keys[] = {"mode", NULL};
    la_checkopts(L, 2, "qr", keys);
    lua_getfield(L, 2, "mode");
    ms = lua_tostring(L, -1);
    lua_pop(L, 1);
  }
  else if (!lua_isnoneornil(L, 2)) luaL_typeerror(L, 2, "mode string or options table");
  if (ms == NULL || strcmp(ms, "reduced") == 0) mode = 0;
  else if (strcmp(ms, "complete") == 0) mode = 1;
  else if (strcmp(ms, "r") == 0) mode = 2;
  else if (strcmp(ms, "raw") == 0) mode = 3;
  else luaL_argerror(L, 2, lua_pushfstring(L, "unrecognized mode '%s' (expected 'reduced', "
                     "'complete', 'r' or 'raw')", ms));
  la_checkfinite(L, a, "qr");
  lua_settop(L, 1);
  buf = la_load(L, a, dt, 0, NULL);                                         /* 2 */
  tau = (char *)la_work(L, (size_t)(k * nbatch + 1) * isz);                /* 3 */
  qc = mode == 1 ? m : k;
  if (k > 0) {
    cplx wq1 = 0, wq2 = 0;
    double dq1 = 0, dq2 = 0;
    if (ISCPLX(dt)) {
      LAPACKE_zgeqrf_work(COLMAJ, lm, lnn, (cplx *)buf->data, ld, (cplx *)tau, &wq1, -1);
      if (mode < 2)
        LAPACKE_zungqr_work(COLMAJ, lm, (lapack_int)qc, (lapack_int)k, (cplx *)buf->data, ld,
                            (cplx *)tau, &wq2, -1);
      lwork = (lapack_int)(creal(wq1) > creal(wq2) ? creal(wq1) : creal(wq2));
    }
    else {
      LAPACKE_dgeqrf_work(COLMAJ, lm, lnn, (double *)buf->data, ld, (double *)tau, &dq1, -1);
      if (mode < 2)
        LAPACKE_dorgqr_work(COLMAJ, lm, (lapack_int)qc, (lapack_int)k, (double *)buf->data, ld,
                            (double *)tau, &dq2, -1);
      lwork = (lapack_int)(dq1 > dq2 ? dq1 : dq2);
    }
    if (lwork < 1) lwork = 1;
  }
  work = (char *)la_work(L, (size_t)lwork * isz);                           /* 4 */
  for (t = 0; t < nbatch && k > 0; t++) {
    char *mt = buf->data + t * m * n * isz, *tt = tau + t * k * isz;
    if (ISCPLX(dt)) LAPACKE_zgeqrf_work(COLMAJ, lm, lnn, (cplx *)mt, ld, (cplx *)tt,
                                        (cplx *)work, lwork);
    else LAPACKE_dgeqrf_work(COLMAJ, lm, lnn, (double *)mt, ld, (double *)tt,
                             (double *)work, lwork);
  }
  if (mode == 3) {
    /* NumPy's raw: h is the factored block read in C order, shape
    ** (..., n, m), and tau (..., k) */
    Array *ta;
    memcpy(shape, a->shape, sizeof(int64_t) * nb);
    shape[nb] = k;
    ta = lumpy_newarray(L, dt, nb + 1, shape, 0);                           /* 5 */
    if (k > 0) memcpy(ta->data, tau, (size_t)(k * nbatch * isz));
    buf->shape[nb] = n;
    buf->shape[nb + 1] = m;
    lumpy_contigstrides(dt, buf->ndim, buf->shape, buf->strides);
    la_closerange(L, 3, 4);
    lua_remove(L, 3);
    lua_remove(L, 3);                                                      /* h, tau */
    la_restore32(L, 2, a->dtype);
    la_restore32(L, 3, a->dtype);
    return 2;
  }
  rrows = mode == 1 ? m : k;
  memcpy(shape, a->shape, sizeof(int64_t) * nb);
  shape[nb] = rrows;
  shape[nb + 1] = n;
  R = lumpy_newarray(L, dt, nb + 2, shape, 1);                              /* 5 */
  for (t = 0; t < nbatch; t++) {
    const char *mt = buf->data + t * m * n * isz;
    char *rt = R->data + t * rrows * n * isz;
    int64_t j;
    for (i = 0; i < rrows && i < m; i++)
      for (j = i; j < n; j++)
        memcpy(rt + (i * n + j) * isz, mt + (j * m + i) * isz, (size_t)isz);
  }
  if (mode == 2) { la_closerange(L, 2, 4); la_restore32(L, -1, a->dtype); return 1; }
  Q = la_newF(L, dt, nb, a->shape, m, qc);                                  /* 6 */
  for (t = 0; t < nbatch; t++) {
    char *qt = Q->data + t * m * qc * isz;
    int64_t nc = n < qc ? n : qc;
    memcpy(qt, buf->data + t * m * n * isz, (size_t)(m * nc * isz));
    if (k == 0) { continue; }
    if (ISCPLX(dt))
      LAPACKE_zungqr_work(COLMAJ, lm, (lapack_int)qc, (lapack_int)k, (cplx *)qt, ld,
                          (cplx *)(tau + t * k * isz), (cplx *)work, lwork);
    else LAPACKE_dorgqr_work(COLMAJ, lm, (lapack_int)qc, (lapack_int)k, (double *)qt, ld,
                             (double *)(tau + t * k * isz), (double *)work, lwork);
  }
  if (k == 0) setident(Q);
  la_closerange(L, 2, 4);
  lua_insert(L, 5);
  la_restore32(L, -1, a->dtype);
  la_restore32(L, -2, a->dtype);
  return 2;
}

/* ------------------------------------------------------------------ */
/* lstsq                                                               */
/* ------------------------------------------------------------------ */

/* double-double arithmetic for the residuals (Dekker 1971; Ogita, Rump and
** Oishi, "Accurate sum and dot product", SIAM J. Sci. Comput. 26 (2005)):
** a value is hi + lo with |lo| <= ulp(hi) / 2, so the residual of a
** problem with cond(A) up to ~1e15 is still computed to working accuracy */
typedef struct DD { double hi, lo; } DD;

/* a + b exactly as s + e */
static DD dd_twosum(double a, double b) {
  DD r;
  double bb;
  r.hi = a + b;
  bb = r.hi - a;
  r.lo = (a - (r.hi - bb)) + (b - bb);
  return r;
}

/* x + y */
static DD dd_add(DD x, DD y) {
  DD s = dd_twosum(x.hi, y.hi);
  s.lo += x.lo + y.lo;
  return dd_twosum(s.hi, s.lo);
}

/* x - a * y for a double a */
static DD dd_submul(DD x, double a, DD y) {
  DD p;
  p.hi = -a * y.hi;
  p.lo = fma(-a, y.hi, -p.hi) - a * y.lo;
  return dd_add(x, p);
}

static DD dd_of(double a) { DD r; r.hi = a; r.lo = 0; return r; }

/* S = b - sub - A x in double-double (sub may be NULL), A column-major
** m x n, walked by columns */
static void dd_resid(int64_t m, int64_t n, const double *A0, const double *b, const DD *x,
                     const DD *sub, DD *S) {
  int64_t i, j;
  for (i = 0; i < m; i++) {
    S[i] = dd_of(b[i]);
    if (sub) { DD ns; ns.hi = -sub[i].hi; ns.lo = -sub[i].lo; S[i] = dd_add(S[i], ns); }
  }
  for (j = 0; j < n; j++) {
    const double *c = A0 + j * m;
    DD xj = x[j];
    for (i = 0; i < m; i++) S[i] = dd_submul(S[i], c[i], xj);
  }
}

/* Accurate mode (refine = true), for ill-conditioned full-rank designs such
** as NIST's Filip: the columns are scaled to unit 2-norm (the solution is
** invariant, the conditioning improves), the scaled design is factored with
** Householder QR (?geqrf), and the solution of the augmented system
**   [I  A] [r]   [b]
**   [A' 0] [x] = [0]
** is refined with residuals accumulated in double-double (Bjorck, "Iterative
** refinement of linear least squares solutions I", BIT 7 (1967); Higham,
** "Accuracy and Stability of Numerical Algorithms", 2nd ed., sec. 20.5).
** Each correction solves the augmented system with the QR factors:
**   R' h = g,  d = Q' f,  dx = R^-1 (d1 - h),  dr = Q [h; d2].
** Real float64 only; one right-hand side column at a time. */
static void lsq_refine(int64_t m, int64_t n, const double *A0, const double *b,
                       const double *qr, const double *tau, const double *scale,
                       double *x, double *rss, char *work, lapack_int lwork) {
  DD *xd = (DD *)work, *rd = xd + n, *S = rd + m;
  double *r = (double *)(S + m), *f = r + m, *d = f + m, *g = d + m, *wk = g + n;
  double acc = 0, comp = 0;
  int64_t i, j;
  int it, done;
  lapack_int lm = (lapack_int)m, lnn = (lapack_int)n;
  /* initial solution of the scaled problem: y = R^-1 (Q'b)_1 */
  memcpy(d, b, sizeof(double) * (size_t)m);
  LAPACKE_dormqr_work(COLMAJ, 'L', 'T', lm, 1, lnn, qr, lm, tau, d, lm, wk, lwork);
  LAPACKE_dtrtrs_work(COLMAJ, 'U', 'N', 'N', lnn, 1, qr, lm, d, lm);
  for (j = 0; j < n; j++) xd[j] = dd_of(d[j] / scale[j]);
  dd_resid(m, n, A0, b, xd, NULL, rd);
  for (it = 0; it < 4; it++) {
    /* f = b - r - A x, g = -A' r (scaled columns), in double-double */
    dd_resid(m, n, A0, b, xd, rd, S);
    for (i = 0; i < m; i++) f[i] = S[i].hi + S[i].lo;
    for (j = 0; j < n; j++) {
      DD s = dd_of(0);
      for (i = 0; i < m; i++) s = dd_submul(s, A0[j * m + i], rd[i]);
      g[j] = (s.hi + s.lo) / scale[j];
    }
    /* h = R^-T g (in g), d = Q' f */
    LAPACKE_dtrtrs_work(COLMAJ, 'U', 'T', 'N', lnn, 1, qr, lm, g, lnn);
    memcpy(d, f, sizeof(double) * (size_t)m);
    LAPACKE_dormqr_work(COLMAJ, 'L', 'T', lm, 1, lnn, qr, lm, tau, d, lm, wk, lwork);
    for (j = 0; j < n; j++) { d[j] -= g[j]; r[j] = g[j]; }
    for (i = n; i < m; i++) r[i] = d[i];
    /* dy = R^-1 (d1 - h), dr = Q [h; d2] */
    LAPACKE_dtrtrs_work(COLMAJ, 'U', 'N', 'N', lnn, 1, qr, lm, d, lm);
    LAPACKE_dormqr_work(COLMAJ, 'L', 'N', lm, 1, lnn, qr, lm, tau, r, lm, wk, lwork);
    done = 1;
    for (j = 0; j < n; j++) {
      double dx = d[j] / scale[j];
      if (fabs(dx) > 0x1p-56 * fabs(xd[j].hi)) done = 0;
      xd[j] = dd_add(xd[j], dd_of(dx));
    }
    for (i = 0; i < m; i++) rd[i] = dd_add(rd[i], dd_of(r[i]));
    if (done) break;   /* x no longer moves in float64 */
  }
  for (j = 0; j < n; j++) x[j] = xd[j].hi + xd[j].lo;
  dd_resid(m, n, A0, b, xd, NULL, S);
  for (i = 0; i < m; i++) {   /* Kahan-summed squares of the final residual */
    double e = S[i].hi + S[i].lo, v = e * e - comp, t = acc + v;
    comp = (t - acc) - v;
    acc = t;
  }
  *rss = acc;
}

/* the default lstsq refines x (keeping gelsd's rank and singular values)
** when the 2-norm condition number exceeds this: below it the SVD solution
** already has about 9 correct digits or more (its error bound is
** eps (cond + cond^2 |r| / (|A| |x|)), Higham sec. 20.1), and a well-conditioned
** problem pays nothing extra */
#define LSQ_COND 1e3

static int linalg_lstsq(lua_State *L) {
  static const char *const keys[] = {"rcond", "refine", NULL};
  Array *a, *b, *A, *B, *x, *s, *res, hb;
  int dt, isz, indt, vec, refine = -1, accurate;
  int64_t m, n, k, nrhs, ldb, i, j, zero = 0;
  double rcond, *csc;
  lapack_int rank = 0, lwork, info;
  char *work;
  a = la_checkmat(L, 1, "lstsq", 0);
  if (a->ndim != 2) luaL_argerror(L, 1, "2-d array expected");
  luaL_checkany(L, 2);
  b = lumpy_asarray(L, 2);
  m = a->shape[0]; n = a->shape[1]; k = m < n ? m : n;
  if (b->ndim != 1 && b->ndim != 2) luaL_argerror(L, 2, "1-d or 2-d array expected");
  if (b->shape[0] != m) {
    char s1[400], s2[400];
    lumpy_error(L, "lumpy.linalg.lstsq: incompatible dimensions: a has shape %s, b has shape %s",
                lumpy_shapestr(s1, a->ndim, a->shape), lumpy_shapestr(s2, b->ndim, b->shape));
  }
  rcond = DBL_EPSILON * (double)(m > n ? m : n);
  if (lua_type(L, 3) == LUA_TNUMBER) rcond = lua_tonumber(L, 3);
  else if (lua_type(L, 3) == LUA_TTABLE) {
    la_checkopts(L, 3, "lstsq", keys);
    rcond = la_optnum(L, 3, "rcond", rcond);
    lua_getfield(L, 3, "refine");
    if (!lua_isnil(L, -1)) refine = la_optbool(L, 3, "refine", 0);
    lua_pop(L, 1);
  }
  else if (!lua_isnoneornil(L, 3)) luaL_typeerror(L, 3, "rcond number or options table");
  indt = lumpy_promote(a->dtype, b->dtype);
  dt = la_workdtype(indt);
  isz = ITEMSIZE(dt);
  vec = b->ndim == 1;
  nrhs = vec ? 1 : b->shape[1];
  ldb = m > n ? m : n;
  if (ldb < 1) ldb = 1;
  la_checkfinite(L, a, "lstsq");
  la_checkfinite(L, b, "lstsq");
  la_int(L, ldb, "lstsq");
  la_int(L, nrhs, "lstsq");
  lua_settop(L, 2);
  A = la_load(L, a, dt, 0, NULL);                                           /* 3 */
  B = la_newF(L, dt, 0, NULL, ldb, nrhs);                                   /* 4 */
  memset(B->data, 0, (size_t)(B->size * isz));
  hb = *B;
  hb.shape[0] = m;
  hb.size = m * nrhs;
  {
    Array hsrc = *b;
    if (vec) { hsrc.ndim = 2; hsrc.shape[1] = 1; hsrc.strides[1] = 0; }
    lumpy_assign(L, &hb, &hsrc);
  }
  s = lumpy_newarray(L, LUMPY_FLOAT64, 1, &k, 0);                           /* 5 */
  csc = (double *)la_work(L, sizeof(double) * (size_t)(n + 1));             /* 6 */
  if (refine == 1 && !ISCPLX(dt)) {
    /* accurate mode: rank and singular values of the column-scaled design */
    for (j = 0; j < n; j++) {
      double ss = 0, *c = (double *)A->data + j * m;
      for (i = 0; i < m; i++) ss += c[i] * c[i];
      csc[j] = ss = ss > 0 ? sqrt(ss) : 1;
      for (i = 0; i < m; i++) c[i] /= ss;
    }
  }
  if (k > 0 && nrhs > 0) {
    lapack_int lm = (lapack_int)m, lnn = (lapack_int)n, lr = (lapack_int)nrhs;
    lapack_int lb = (lapack_int)ldb, iq = 1, *iwork;
    if (ISCPLX(dt)) {
      cplx wq;
      double rq, *rwork;
      LAPACKE_zgelsd_work(COLMAJ, lm, lnn, lr, (cplx *)A->data, lm, (cplx *)B->data, lb,
                          (double *)s->data, rcond, &rank, &wq, -1, &rq, &iq);
      lwork = (lapack_int)creal(wq);
      work = (char *)la_work(L, (size_t)lwork * isz);
      rwork = (double *)la_work(L, sizeof(double) * (size_t)(rq > 1 ? rq : 1));
      iwork = (lapack_int *)la_work(L, sizeof(lapack_int) * (size_t)(iq > 1 ? iq : 1));
      info = LAPACKE_zgelsd_work(COLMAJ, lm, lnn, lr, (cplx *)A->data, lm, (cplx *)B->data, lb,
                                 (double *)s->data, rcond, &rank, (cplx *)work, lwork, rwork,
                                 iwork);
      la_drop(L, 3);
    }
    else {
      double wq;
      LAPACKE_dgelsd_work(COLMAJ, lm, lnn, lr, (double *)A->data, lm, (double *)B->data, lb,
                          (double *)s->data, rcond, &rank, &wq, -1, &iq);
      lwork = (lapack_int)wq;
      work = (char *)la_work(L, (size_t)lwork * isz);
      iwork = (lapack_int *)la_work(L, sizeof(lapack_int) * (size_t)(iq > 1 ? iq : 1));
      info = LAPACKE_dgelsd_work(COLMAJ, lm, lnn, lr, (double *)A->data, lm, (double *)B->data,
                                 lb, (double *)s->data, rcond, &rank, (double *)work, lwork,
                                 iwork);
      la_drop(L, 2);
    }
    if (info > 0)
      lumpy_error(L, "lumpy.linalg.lstsq: SVD did not converge in Linear Least Squares");
  }
  /* refine = true: always (full rank); default: when cond_2(a) > LSQ_COND */
  accurate = !ISCPLX(dt) && rank == n && m >= n && n > 0 && nrhs > 0 &&
             (refine == 1 || (refine == -1 &&
              ((double *)s->data)[0] > LSQ_COND * ((double *)s->data)[n - 1]));
  if (refine == 1 && !ISCPLX(dt) && !accurate)
    for (j = 0; j < nrhs; j++)   /* gelsd solved for the scaled unknowns */
      for (i = 0; i < n; i++) ((double *)B->data)[j * ldb + i] /= csc[i];
  if (accurate) {
    /* redo the solution in accurate mode from fresh copies */
    Array *A0 = la_load(L, a, dt, 0, NULL);                                 /* 7 */
    Array *Q = la_load(L, a, dt, 0, NULL);                                  /* 8 */
    Array *Bc = la_newF(L, dt, 0, NULL, m, nrhs);                           /* 9 */
    double *scale = (double *)la_work(L, sizeof(double) * (size_t)(n + 1)); /* 10 */
    double *tau = (double *)la_work(L, sizeof(double) * (size_t)(n + 1));   /* 11 */
    double wq;
    lapack_int lm = (lapack_int)m, lnn = (lapack_int)n, lw;
    char *w;
    Array hsrc = *b;
    if (vec) { hsrc.ndim = 2; hsrc.shape[1] = 1; hsrc.strides[1] = 0; }
    lumpy_assign(L, Bc, &hsrc);
    for (j = 0; j < n; j++) {
      double ss = 0, *c = (double *)Q->data + j * m;
      for (i = 0; i < m; i++) ss += c[i] * c[i];
      scale[j] = ss > 0 ? sqrt(ss) : 1;
      for (i = 0; i < m; i++) c[i] /= scale[j];
    }
    LAPACKE_dgeqrf_work(COLMAJ, lm, lnn, (double *)Q->data, lm, tau, &wq, -1);
    lw = (lapack_int)wq > lnn ? (lapack_int)wq : lnn;
    w = (char *)la_work(L, sizeof(DD) * (size_t)(2 * m + n) +
                        sizeof(double) * (size_t)(3 * m + n + lw));         /* 12 */
    LAPACKE_dgeqrf_work(COLMAJ, lm, lnn, (double *)Q->data, lm, tau,
                        (double *)(w + sizeof(DD) * (size_t)(2 * m + n)), lw);
    for (j = 0; j < nrhs; j++) {
      double rss;
      lsq_refine(m, n, (double *)A0->data, (double *)Bc->data + j * m, (double *)Q->data, tau,
                 scale, (double *)B->data + j * ldb, &rss, w, lw);
      /* keep the residual of the refined solution where gelsd's tail was */
      for (i = n; i < m; i++) ((double *)B->data)[j * ldb + i] = i == n ? sqrt(rss) : 0;
    }
    la_closerange(L, 7, lua_gettop(L));
    lua_settop(L, 6);
  }
  /* x: the first n rows of B */
  {
    int64_t shape[2];
    shape[0] = n; shape[1] = nrhs;
    x = lumpy_newarray(L, dt, vec ? 1 : 2, shape, 0);                       /* 7 */
    for (i = 0; i < n; i++)
      for (j = 0; j < nrhs; j++)
        memcpy(x->data + (i * nrhs + j) * isz, B->data + (j * ldb + i) * isz, (size_t)isz);
  }
  if (rank == n && m > n) {
    res = lumpy_newarray(L, LUMPY_FLOAT64, 1, &nrhs, 0);                    /* 8 */
    for (j = 0; j < nrhs; j++) {
      double acc = 0;
      for (i = n; i < m; i++) {
        const char *p = B->data + (j * ldb + i) * isz;
        if (ISCPLX(dt)) { cplx z = *(const cplx *)p; acc += creal(z) * creal(z) + cimag(z) * cimag(z); }
        else acc += *(const double *)p * *(const double *)p;
      }
      ((double *)res->data)[j] = acc;
    }
  }
  else res = lumpy_newarray(L, LUMPY_FLOAT64, 1, &zero, 0);                 /* 8 */
  la_restore32(L, 7, indt);
  la_restore32(L, 8, indt);
  lua_pushinteger(L, rank);                                                 /* 9 */
  lua_pushvalue(L, 5);                                                      /* 10 */
  la_restore32(L, 10, indt);
  la_close(L, 3);
  la_close(L, 4);
  la_close(L, 6);
  return 4;
}

/* ------------------------------------------------------------------ */
/* schur                                                               */
/* ------------------------------------------------------------------ */

static int linalg_schur(lua_State *L) {
  Array *a = la_checkmat(L, 1, "schur", 1), *T, *Z;
  int cx, isz;
  const char *out = "real";
  int64_t n = a->shape[a->ndim - 1];
  lapack_int ln = la_int(L, n, "schur"), ld = ln > 1 ? ln : 1, sdim, lwork, info = 0;
  if (a->ndim != 2) luaL_argerror(L, 1, "2-d array expected");
  if (lua_type(L, 2) == LUA_TSTRING) out = lua_tostring(L, 2);
  else if (lua_type(L, 2) == LUA_TTABLE) {
    static const char *const keys[] = {"output", NULL};
    la_checkopts(L, 2, "schur", keys);
    lua_getfield(L, 2, "output");
    if (!lua_isnil(L, -1)) out = lua_tostring(L, -1);
    lua_pop(L, 1);
  }
  if (out == NULL || (strcmp(out, "real") != 0 && strcmp(out, "complex") != 0))
    luaL_argerror(L, 2, "output must be 'real' or 'complex'");
  cx = a->dtype == LUMPY_COMPLEX128 || out[0] == 'c';
  isz = cx ? 16 : 8;
  la_checkfinite(L, a, "schur");
  lua_settop(L, 1);
  T = la_load(L, a, cx ? LUMPY_COMPLEX128 : LUMPY_FLOAT64, 0, NULL);        /* 2 */
  Z = la_newF(L, cx ? LUMPY_COMPLEX128 : LUMPY_FLOAT64, 0, NULL, n, n);     /* 3 */
  if (n > 0) {
    if (cx) {
      cplx wq, *w = (cplx *)la_work(L, sizeof(cplx) * (size_t)n);
      double *rw = (double *)la_work(L, sizeof(double) * (size_t)n);
      LAPACKE_zgees_work(COLMAJ, 'V', 'N', NULL, ln, (cplx *)T->data, ld, &sdim, w,
                         (cplx *)Z->data, ld, &wq, -1, rw, NULL);
      lwork = (lapack_int)creal(wq);
      info = LAPACKE_zgees_work(COLMAJ, 'V', 'N', NULL, ln, (cplx *)T->data, ld, &sdim, w,
                                (cplx *)Z->data, ld, (cplx *)la_work(L, (size_t)lwork * isz),
                                lwork, rw, NULL);
    }
    else {
      double wq, *wr = (double *)la_work(L, sizeof(double) * (size_t)(2 * n));
      LAPACKE_dgees_work(COLMAJ, 'V', 'N', NULL, ln, (double *)T->data, ld, &sdim, wr, wr + n,
                         (double *)Z->data, ld, &wq, -1, NULL);
      lwork = (lapack_int)wq;
      info = LAPACKE_dgees_work(COLMAJ, 'V', 'N', NULL, ln, (double *)T->data, ld, &sdim, wr,
                                wr + n, (double *)Z->data, ld,
                                (double *)la_work(L, (size_t)lwork * isz), lwork, NULL);
    }
    if (info > 0) lumpy_error(L, "lumpy.linalg.schur: Schur form did not converge");
  }
  la_closerange(L, 4, lua_gettop(L));
  lua_settop(L, 3);
  la_restore32(L, 2, a->dtype);
  la_restore32(L, 3, a->dtype);
  return 2;
}


/* ------------------------------------------------------------------ */
/* pinv, matrix_rank, cond                                             */
/* ------------------------------------------------------------------ */

/* element (i, j) of matrix t of a stack, any geometry */
#define ELEM(a, t, i, j) ((a)->data + (t) * (a)->shape[(a)->ndim - 2] * \
  (a)->shape[(a)->ndim - 1] * ITEMSIZE((a)->dtype) + (i) * (a)->strides[(a)->ndim - 2] + \
  (j) * (a)->strides[(a)->ndim - 1])

/* pinv(a [, rcond]) or pinv(a, {rcond = ...}): V diag(1/s) U^H, singular
** values below rcond * max(s) dropped (NumPy's default rcond 1e-15) */
static int linalg_pinv(lua_State *L) {
  static const char *const keys[] = {"rcond", "hermitian", NULL};
  Array *a = la_checkmat(L, 1, "pinv", 0), *U, *s, *VT, *P, *W, *VH;
  int herm = 0;
  int dt = la_workdtype(a->dtype), isz = ITEMSIZE(dt), nb = a->ndim - 2;
  int64_t m = a->shape[nb], n = a->shape[nb + 1], k = m < n ? m : n, t, i, j;
  int64_t nbatch = la_nbatch(a), shape[2];
  double rcond = 1e-15;
  if (lua_type(L, 2) == LUA_TNUMBER) rcond = lua_tonumber(L, 2);
  else if (lua_type(L, 2) == LUA_TTABLE) {
    la_checkopts(L, 2, "pinv", keys);
    rcond = la_optnum(L, 2, "rcond", rcond);
    herm = la_optbool(L, 2, "hermitian", 0);
  }
  else if (!lua_isnoneornil(L, 2)) luaL_typeerror(L, 2, "rcond number or options table");
  lua_settop(L, 1);
  svd_core(L, a, 1, 0, herm, "pinv");                     /* 2 U, 3 s, 4 VT */
  U = lumpy_toarray(L, 2); s = lumpy_toarray(L, 3); VT = lumpy_toarray(L, 4);
  P = la_newF(L, dt, nb, a->shape, n, m);           /* 5 */
  shape[0] = k; shape[1] = m;
  W = lumpy_newarray(L, dt, 2, shape, 0);           /* 6: diag(1/s) U^H */
  shape[0] = n; shape[1] = k;
  VH = lumpy_newarray(L, dt, 2, shape, 0);          /* 7: V */
  for (t = 0; t < nbatch; t++) {
    const double *st = (const double *)s->data + t * k;
    double cut = k > 0 ? rcond * st[0] : 0;
    if (ISCPLX(dt)) {
      for (i = 0; i < k; i++) {
        double inv = st[i] > cut ? 1 / st[i] : 0;
        for (j = 0; j < m; j++)
          ((cplx *)W->data)[i * m + j] = inv * conj(*(const cplx *)ELEM(U, t, j, i));
      }
      for (i = 0; i < n; i++)
        for (j = 0; j < k; j++)
          ((cplx *)VH->data)[i * k + j] = conj(*(const cplx *)ELEM(VT, t, j, i));
    }
    else {
      for (i = 0; i < k; i++) {
        double inv = st[i] > cut ? 1 / st[i] : 0;
        for (j = 0; j < m; j++)
          ((double *)W->data)[i * m + j] = inv * *(const double *)ELEM(U, t, j, i);
      }
      for (i = 0; i < n; i++)
        for (j = 0; j < k; j++)
          ((double *)VH->data)[i * k + j] = *(const double *)ELEM(VT, t, j, i);
    }
    /* P (column-major n x m) = VH W: computed as P^T = W^T VH^T row-major */
    lumpy_gemm(dt, m, n, k, W->data, isz, m * isz, VH->data, isz, k * isz,
               P->data + t * n * m * isz, n);
  }
  la_closerange(L, 6, lua_gettop(L));
  la_closerange(L, 2, 4);
  lua_settop(L, 5);
  la_restore32(L, 5, a->dtype);
  return 1;
}

/* matrix_rank(a [, tol]) or matrix_rank(a, {tol =, rtol =}) */
static int linalg_matrix_rank(lua_State *L) {
  static const char *const keys[] = {"tol", "rtol", "hermitian", NULL};
  Array *a, *s, *r;
  int nb, herm = 0;
  int64_t m, n, k, t, i, nbatch;
  double tol = -1, rtol = -1;
  luaL_checkany(L, 1);
  a = lumpy_asarray(L, 1);
  if (lua_type(L, 2) == LUA_TNUMBER) tol = lua_tonumber(L, 2);
  else if (lua_type(L, 2) == LUA_TTABLE) {
    la_checkopts(L, 2, "matrix_rank", keys);
    tol = la_optnum(L, 2, "tol", -1);
    rtol = la_optnum(L, 2, "rtol", -1);
    herm = la_optbool(L, 2, "hermitian", 0);
  }
  else if (!lua_isnoneornil(L, 2)) luaL_typeerror(L, 2, "tol number or options table");
  if (a->ndim < 2) {   /* NumPy: 1 unless every element is zero */
    Array *d = lumpy_toarrayx(L, 1, LUMPY_COMPLEX128);
    int nz = 0;
    for (i = 0; i < d->size; i++) if (((cplx *)d->data)[i] != 0) { nz = 1; break; }
    lua_pushinteger(L, nz);
    return 1;
  }
  nb = a->ndim - 2;
  m = a->shape[nb]; n = a->shape[nb + 1]; k = m < n ? m : n;
  nbatch = la_nbatch(a);
  lua_settop(L, 2);
  svd_core(L, a, 0, 0, herm, "matrix_rank");
  s = lumpy_toarray(L, -1);
  r = lumpy_newarray(L, LUMPY_INT64, nb, a->shape, 0);
  for (t = 0; t < nbatch; t++) {
    const double *st = (const double *)s->data + t * k;
    double smax = k > 0 ? st[0] : 0;
    double cut = tol >= 0 ? tol : smax * (rtol >= 0 ? rtol : (double)(m > n ? m : n) * DBL_EPSILON);
    int64_t c = 0;
    for (i = 0; i < k; i++) if (st[i] > cut) c++;
    ((int64_t *)r->data)[t] = c;
  }
  if (nb == 0) lua_pushinteger(L, ((int64_t *)r->data)[0]);
  return 1;
}

/* cond(x [, p]): s_max / s_min for p = nil, 2 (-2: the inverse), else
** norm(x, p) * norm(inv(x), p); singular matrices give inf */
static int linalg_cond(lua_State *L) {
  Array *a = la_checkmat(L, 1, "cond", 0), *r;
  int nb = a->ndim - 2, dt = la_workdtype(a->dtype);
  int64_t t, nbatch = la_nbatch(a);
  lua_settop(L, 2);
  if (a->shape[nb] == 0 || a->shape[nb + 1] == 0)
    lumpy_error(L, "lumpy.linalg.cond: cond is not defined on empty arrays");
  if (lua_isnil(L, 2) || (lua_type(L, 2) == LUA_TNUMBER &&
      (lua_tonumber(L, 2) == 2 || lua_tonumber(L, 2) == -2))) {
    int inverse = !lua_isnil(L, 2) && lua_tonumber(L, 2) < 0;
    int64_t k = a->shape[nb] < a->shape[nb + 1] ? a->shape[nb] : a->shape[nb + 1];
    Array *s = la_svals(L, a, "cond");
    r = lumpy_newarray(L, LUMPY_FLOAT64, nb, a->shape, 0);
    for (t = 0; t < nbatch; t++) {
      const double *st = (const double *)s->data + t * k;
      double hi = k > 0 ? st[0] : 0, lo = k > 0 ? st[k - 1] : 0;
      double c = inverse ? lo / hi : hi / lo;
      ((double *)r->data)[t] = isnan(c) ? HUGE_VAL : c;   /* 0 / 0: singular */
    }
  }
  else {
    Array *n1, *buf, *n2;
    int64_t n = a->shape[nb + 1];
    lapack_int *ipiv, ln;
    char *bad;
    if (a->shape[nb] != n)
      luaL_argerror(L, 1, lua_pushfstring(L, "square matrix expected, got %Ix%I",
                    (lua_Integer)a->shape[nb], (lua_Integer)n));
    ln = la_int(L, n, "cond");
    la_checkfinite(L, a, "cond");
    n1 = la_matnorms(L, a, 2, "cond");                     /* 3 */
    buf = la_load(L, a, dt, 1, NULL);                      /* 4 */
    ipiv = (lapack_int *)la_work(L, sizeof(lapack_int) * (size_t)(n + 1));   /* 5 */
    bad = (char *)la_work(L, (size_t)nbatch + 1);                            /* 6 */
    for (t = 0; t < nbatch; t++)
      bad[t] = n > 0 && la_invert(L, dt, ln, buf->data + t * n * n * ITEMSIZE(dt), ipiv) != 0;
    lua_pushvalue(L, 4);
    n2 = la_matnorms(L, buf, 2, "cond");                   /* 8 */
    r = lumpy_newarray(L, LUMPY_FLOAT64, nb, a->shape, 0);
    for (t = 0; t < nbatch; t++)
      ((double *)r->data)[t] = bad[t] ? HUGE_VAL :
        ((double *)n1->data)[t] * ((double *)n2->data)[t];
    la_closerange(L, 3, 8);
  }
  if (nb == 0) lua_pushnumber(L, ((double *)r->data)[0]);
  else la_restore32(L, -1, a->dtype);
  return 1;
}

void lumpy_open_linalg_eig(lua_State *L) {
  static const luaL_Reg funcs[] = {
    {"eig", linalg_eig}, {"eigvals", linalg_eigvals}, {"eigh", linalg_eigh},
    {"eigvalsh", linalg_eigvalsh}, {"svd", linalg_svd}, {"qr", linalg_qr},
    {"lstsq", linalg_lstsq}, {"schur", linalg_schur}, {"pinv", linalg_pinv},
    {"matrix_rank", linalg_matrix_rank}, {"cond", linalg_cond}, {NULL, NULL}
  };
  lua_getfield(L, LUMPY_MODULE, "_linalg");
  luaL_setfuncs(L, funcs, 0);
  lua_pop(L, 1);
}
