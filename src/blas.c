/*
** blas.c: OpenBLAS and LAPACKE, loaded on first use.
**
** Loading OpenBLAS (36 MB of code to relocate, its thread pool to start)
** costs more than the rest of `require "lumpy"`, and most scripts never
** call it. So core.so does not link it: this file defines every cblas_*,
** LAPACKE_* and openblas_* function the other files call, with the headers'
** exact prototypes, each forwarding through a pointer that the first call
** fills in by dlopen and dlsym. The one-time load runs under pthread_once,
** so separate lua_States in separate threads may race to it safely; the
** pointers are written only inside it and read only after it.
**
** A BLAS call has no lua_State to report a failed load to, so every
** Lua-facing function that reaches BLAS or LAPACK calls lumpy_blas_load(L)
** first, which raises a Lua error when the libraries cannot be loaded.
**
** The libraries: LUMPY_BLAS_DIR/libopenblas.so.0 (the directory
** `pkg-config --variable=libdir openblas` names at build time), else
** libopenblas.so.0 through the runtime linker; then liblapacke.so.3 the
** same way (LUMPY_LAPACKE_DIR), else the LAPACKE inside libopenblas. The
** file names can be changed at build time (LUMPY_BLAS_SONAME,
** LUMPY_LAPACKE_SONAME), and the environment variable LUMPY_BLAS_LIBRARY,
** when set, names the OpenBLAS file to open instead (say, another
** threading variant).
**
** OpenBLAS is opened RTLD_GLOBAL so that LAPACKE's Fortran LAPACK calls
** bind to OpenBLAS's own LAPACK (as when core.so linked it), not to the
** reference liblapack.so.3 that liblapacke also depends on.
*/
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "core.h"

/* the forwarders are core.so's own: hidden, so that no library binds to
** them (libopenblas calls openblas_get_num_threads and the like through
** its PLT while it loads, which would re-enter the load) */
#pragma GCC visibility push(hidden)
#include <cblas.h>
#include <lapacke.h>

#define LI lapack_int
#define LZ lapack_complex_double

/*
** The functions: F(return type, name, (parameters), (arguments)) for those
** returning a value, V(name, (parameters), (arguments)) for void ones.
** Adding a function is one line in the list of the library that has it.
*/
#define OPENBLAS_FUNCS(F, V) \
  V(cblas_daxpy, (const blasint n, const double a, const double *x, const blasint ix, double *y, const blasint iy), (n, a, x, ix, y, iy)) \
  F(double, cblas_ddot, (const blasint n, const double *x, const blasint ix, const double *y, const blasint iy), (n, x, ix, y, iy)) \
  F(float, cblas_sdot, (const blasint n, const float *x, const blasint ix, const float *y, const blasint iy), (n, x, ix, y, iy)) \
  V(cblas_zdotc_sub, (const blasint n, const void *x, const blasint ix, const void *y, const blasint iy, void *r), (n, x, ix, y, iy, r)) \
  V(cblas_zdotu_sub, (const blasint n, const void *x, const blasint ix, const void *y, const blasint iy, void *r), (n, x, ix, y, iy, r)) \
  V(cblas_dscal, (const blasint n, const double a, double *x, const blasint ix), (n, a, x, ix)) \
  V(cblas_dgemv, (const enum CBLAS_ORDER o, const enum CBLAS_TRANSPOSE t, const blasint m, const blasint n, const double al, const double *a, const blasint lda, const double *x, const blasint ix, const double be, double *y, const blasint iy), (o, t, m, n, al, a, lda, x, ix, be, y, iy)) \
  V(cblas_sgemv, (const enum CBLAS_ORDER o, const enum CBLAS_TRANSPOSE t, const blasint m, const blasint n, const float al, const float *a, const blasint lda, const float *x, const blasint ix, const float be, float *y, const blasint iy), (o, t, m, n, al, a, lda, x, ix, be, y, iy)) \
  V(cblas_zgemv, (const enum CBLAS_ORDER o, const enum CBLAS_TRANSPOSE t, const blasint m, const blasint n, const void *al, const void *a, const blasint lda, const void *x, const blasint ix, const void *be, void *y, const blasint iy), (o, t, m, n, al, a, lda, x, ix, be, y, iy)) \
  V(cblas_dgemm, (const enum CBLAS_ORDER o, const enum CBLAS_TRANSPOSE ta, const enum CBLAS_TRANSPOSE tb, const blasint m, const blasint n, const blasint k, const double al, const double *a, const blasint lda, const double *b, const blasint ldb, const double be, double *c, const blasint ldc), (o, ta, tb, m, n, k, al, a, lda, b, ldb, be, c, ldc)) \
  V(cblas_sgemm, (const enum CBLAS_ORDER o, const enum CBLAS_TRANSPOSE ta, const enum CBLAS_TRANSPOSE tb, const blasint m, const blasint n, const blasint k, const float al, const float *a, const blasint lda, const float *b, const blasint ldb, const float be, float *c, const blasint ldc), (o, ta, tb, m, n, k, al, a, lda, b, ldb, be, c, ldc)) \
  V(cblas_zgemm, (const enum CBLAS_ORDER o, const enum CBLAS_TRANSPOSE ta, const enum CBLAS_TRANSPOSE tb, const blasint m, const blasint n, const blasint k, const void *al, const void *a, const blasint lda, const void *b, const blasint ldb, const void *be, void *c, const blasint ldc), (o, ta, tb, m, n, k, al, a, lda, b, ldb, be, c, ldc)) \
  F(char *, openblas_get_config, (void), ()) \
  F(char *, openblas_get_corename, (void), ()) \
  F(int, openblas_get_num_threads, (void), ()) \
  F(int, openblas_get_parallel, (void), ()) \
  V(openblas_set_num_threads, (int n), (n))

#define LAPACKE_FUNCS(F, V) \
  F(LI, LAPACKE_dgees_work, (int l, char jv, char so, LAPACK_D_SELECT2 se, LI n, double *a, LI lda, LI *sd, double *wr, double *wi, double *vs, LI ldvs, double *w, LI lw, lapack_logical *bw), (l, jv, so, se, n, a, lda, sd, wr, wi, vs, ldvs, w, lw, bw)) \
  F(LI, LAPACKE_zgees_work, (int l, char jv, char so, LAPACK_Z_SELECT1 se, LI n, LZ *a, LI lda, LI *sd, LZ *wv, LZ *vs, LI ldvs, LZ *w, LI lw, double *rw, lapack_logical *bw), (l, jv, so, se, n, a, lda, sd, wv, vs, ldvs, w, lw, rw, bw)) \
  F(LI, LAPACKE_dgeev_work, (int l, char jl, char jr, LI n, double *a, LI lda, double *wr, double *wi, double *vl, LI ldvl, double *vr, LI ldvr, double *w, LI lw), (l, jl, jr, n, a, lda, wr, wi, vl, ldvl, vr, ldvr, w, lw)) \
  F(LI, LAPACKE_zgeev_work, (int l, char jl, char jr, LI n, LZ *a, LI lda, LZ *wv, LZ *vl, LI ldvl, LZ *vr, LI ldvr, LZ *w, LI lw, double *rw), (l, jl, jr, n, a, lda, wv, vl, ldvl, vr, ldvr, w, lw, rw)) \
  F(LI, LAPACKE_dgelsd_work, (int l, LI m, LI n, LI nr, double *a, LI lda, double *b, LI ldb, double *s, double rc, LI *rk, double *w, LI lw, LI *iw), (l, m, n, nr, a, lda, b, ldb, s, rc, rk, w, lw, iw)) \
  F(LI, LAPACKE_zgelsd_work, (int l, LI m, LI n, LI nr, LZ *a, LI lda, LZ *b, LI ldb, double *s, double rc, LI *rk, LZ *w, LI lw, double *rw, LI *iw), (l, m, n, nr, a, lda, b, ldb, s, rc, rk, w, lw, rw, iw)) \
  F(LI, LAPACKE_dgeqp3_work, (int l, LI m, LI n, double *a, LI lda, LI *jp, double *tau, double *w, LI lw), (l, m, n, a, lda, jp, tau, w, lw)) \
  F(LI, LAPACKE_dgeqrf, (int l, LI m, LI n, double *a, LI lda, double *tau), (l, m, n, a, lda, tau)) \
  F(LI, LAPACKE_dgeqrf_work, (int l, LI m, LI n, double *a, LI lda, double *tau, double *w, LI lw), (l, m, n, a, lda, tau, w, lw)) \
  F(LI, LAPACKE_zgeqrf_work, (int l, LI m, LI n, LZ *a, LI lda, LZ *tau, LZ *w, LI lw), (l, m, n, a, lda, tau, w, lw)) \
  F(LI, LAPACKE_dgesdd, (int l, char jz, LI m, LI n, double *a, LI lda, double *s, double *u, LI ldu, double *vt, LI ldvt), (l, jz, m, n, a, lda, s, u, ldu, vt, ldvt)) \
  F(LI, LAPACKE_dgesdd_work, (int l, char jz, LI m, LI n, double *a, LI lda, double *s, double *u, LI ldu, double *vt, LI ldvt, double *w, LI lw, LI *iw), (l, jz, m, n, a, lda, s, u, ldu, vt, ldvt, w, lw, iw)) \
  F(LI, LAPACKE_zgesdd_work, (int l, char jz, LI m, LI n, LZ *a, LI lda, double *s, LZ *u, LI ldu, LZ *vt, LI ldvt, LZ *w, LI lw, double *rw, LI *iw), (l, jz, m, n, a, lda, s, u, ldu, vt, ldvt, w, lw, rw, iw)) \
  F(LI, LAPACKE_dgetrf, (int l, LI m, LI n, double *a, LI lda, LI *ip), (l, m, n, a, lda, ip)) \
  F(LI, LAPACKE_dgetrf_work, (int l, LI m, LI n, double *a, LI lda, LI *ip), (l, m, n, a, lda, ip)) \
  F(LI, LAPACKE_sgetrf_work, (int l, LI m, LI n, float *a, LI lda, LI *ip), (l, m, n, a, lda, ip)) \
  F(LI, LAPACKE_zgetrf_work, (int l, LI m, LI n, LZ *a, LI lda, LI *ip), (l, m, n, a, lda, ip)) \
  F(LI, LAPACKE_dgetri_work, (int l, LI n, double *a, LI lda, const LI *ip, double *w, LI lw), (l, n, a, lda, ip, w, lw)) \
  F(LI, LAPACKE_sgetri_work, (int l, LI n, float *a, LI lda, const LI *ip, float *w, LI lw), (l, n, a, lda, ip, w, lw)) \
  F(LI, LAPACKE_zgetri_work, (int l, LI n, LZ *a, LI lda, const LI *ip, LZ *w, LI lw), (l, n, a, lda, ip, w, lw)) \
  F(LI, LAPACKE_dgetrs, (int l, char t, LI n, LI nr, const double *a, LI lda, const LI *ip, double *b, LI ldb), (l, t, n, nr, a, lda, ip, b, ldb)) \
  F(LI, LAPACKE_dgetrs_work, (int l, char t, LI n, LI nr, const double *a, LI lda, const LI *ip, double *b, LI ldb), (l, t, n, nr, a, lda, ip, b, ldb)) \
  F(LI, LAPACKE_sgetrs_work, (int l, char t, LI n, LI nr, const float *a, LI lda, const LI *ip, float *b, LI ldb), (l, t, n, nr, a, lda, ip, b, ldb)) \
  F(LI, LAPACKE_zgetrs_work, (int l, char t, LI n, LI nr, const LZ *a, LI lda, const LI *ip, LZ *b, LI ldb), (l, t, n, nr, a, lda, ip, b, ldb)) \
  F(LI, LAPACKE_dgtsv, (int l, LI n, LI nr, double *dl, double *d, double *du, double *b, LI ldb), (l, n, nr, dl, d, du, b, ldb)) \
  F(LI, LAPACKE_dorgqr, (int l, LI m, LI n, LI k, double *a, LI lda, const double *tau), (l, m, n, k, a, lda, tau)) \
  F(LI, LAPACKE_dorgqr_work, (int l, LI m, LI n, LI k, double *a, LI lda, const double *tau, double *w, LI lw), (l, m, n, k, a, lda, tau, w, lw)) \
  F(LI, LAPACKE_zungqr_work, (int l, LI m, LI n, LI k, LZ *a, LI lda, const LZ *tau, LZ *w, LI lw), (l, m, n, k, a, lda, tau, w, lw)) \
  F(LI, LAPACKE_dormqr_work, (int l, char s, char t, LI m, LI n, LI k, const double *a, LI lda, const double *tau, double *c, LI ldc, double *w, LI lw), (l, s, t, m, n, k, a, lda, tau, c, ldc, w, lw)) \
  F(LI, LAPACKE_dpotrf, (int l, char u, LI n, double *a, LI lda), (l, u, n, a, lda)) \
  F(LI, LAPACKE_dpotrf_work, (int l, char u, LI n, double *a, LI lda), (l, u, n, a, lda)) \
  F(LI, LAPACKE_spotrf_work, (int l, char u, LI n, float *a, LI lda), (l, u, n, a, lda)) \
  F(LI, LAPACKE_zpotrf_work, (int l, char u, LI n, LZ *a, LI lda), (l, u, n, a, lda)) \
  F(LI, LAPACKE_dpotrs_work, (int l, char u, LI n, LI nr, const double *a, LI lda, double *b, LI ldb), (l, u, n, nr, a, lda, b, ldb)) \
  F(LI, LAPACKE_zpotrs_work, (int l, char u, LI n, LI nr, const LZ *a, LI lda, LZ *b, LI ldb), (l, u, n, nr, a, lda, b, ldb)) \
  F(LI, LAPACKE_dsyevd_work, (int l, char jz, char u, LI n, double *a, LI lda, double *wv, double *w, LI lw, LI *iw, LI liw), (l, jz, u, n, a, lda, wv, w, lw, iw, liw)) \
  F(LI, LAPACKE_zheevd_work, (int l, char jz, char u, LI n, LZ *a, LI lda, double *wv, LZ *w, LI lw, double *rw, LI lrw, LI *iw, LI liw), (l, jz, u, n, a, lda, wv, w, lw, rw, lrw, iw, liw)) \
  F(LI, LAPACKE_dtrtri, (int l, char u, char d, LI n, double *a, LI lda), (l, u, d, n, a, lda)) \
  F(LI, LAPACKE_dtrtrs_work, (int l, char u, char t, char d, LI n, LI nr, const double *a, LI lda, double *b, LI ldb), (l, u, t, d, n, nr, a, lda, b, ldb)) \
  F(LI, LAPACKE_ztrtrs_work, (int l, char u, char t, char d, LI n, LI nr, const LZ *a, LI lda, LZ *b, LI ldb), (l, u, t, d, n, nr, a, lda, b, ldb))

/* the resolved pointers, one member per function (members have their own
** name space, so each is named after its function) */
#define MEMBER(ret, name, params, args) ret (*name) params;
#define MEMBERV(name, params, args) void (*name) params;
typedef struct Fns {
  OPENBLAS_FUNCS(MEMBER, MEMBERV)
  LAPACKE_FUNCS(MEMBER, MEMBERV)
} Fns;

/* written only by load(), under pthread_once; read only after it */
static pthread_once_t once = PTHREAD_ONCE_INIT;
static Fns fns;
static int loaded;                    /* every pointer in fns is set */
static char loaderr[512];             /* why not, when not */
static char blasname[1024], lapackename[1024];  /* what dlopen opened */

/* dlopen of dir/file (when dir is set), else of file through the runtime
** linker; name receives the one that opened */
static void *openlib(const char *dir, const char *file, int flags, char *name, size_t size) {
  void *h;
  if (dir && dir[0] && (size_t)snprintf(name, size, "%s/%s", dir, file) < size &&
      (h = dlopen(name, flags)) != NULL)
    return h;
  snprintf(name, size, "%s", file);
  return dlopen(file, flags);
}

/* the dlerror message, or dflt */
static void seterror(const char *dflt) {
  const char *e = dlerror();
  snprintf(loaderr, sizeof loaderr, "%s", e ? e : dflt);
}

/* *dst = the address of sym in h, through memcpy: ISO C has no conversion
** from void * to a function pointer, POSIX makes their representations equal */
static int resolve(void *h, const char *sym, void *dst) {
  void *p;
  dlerror();
  p = dlsym(h, sym);
  if (!p) {
    seterror(sym);
    return 0;
  }
  memcpy(dst, &p, sizeof p);
  return 1;
}

#ifndef LUMPY_BLAS_DIR
#define LUMPY_BLAS_DIR NULL
#endif
#ifndef LUMPY_BLAS_SONAME
#define LUMPY_BLAS_SONAME "libopenblas.so.0"
#endif
#ifndef LUMPY_LAPACKE_SONAME
#define LUMPY_LAPACKE_SONAME "liblapacke.so.3"
#endif
#ifndef LUMPY_LAPACKE_DIR
#define LUMPY_LAPACKE_DIR NULL
#endif

#define RESOLVE(ret, name, params, args) \
  if (!resolve(h, #name, &fns.name)) return;
#define RESOLVEV(name, params, args) RESOLVE(void, name, params, args)

static void load(void) {
  void *h, *hblas;
  const char *env = getenv("LUMPY_BLAS_LIBRARY");
  if (env && env[0]) {
    snprintf(blasname, sizeof blasname, "%s", env);
    hblas = dlopen(env, RTLD_NOW | RTLD_GLOBAL);
  }
  else hblas = openlib(LUMPY_BLAS_DIR, LUMPY_BLAS_SONAME, RTLD_NOW | RTLD_GLOBAL, blasname,
                       sizeof blasname);
  if (!hblas) {
    seterror(LUMPY_BLAS_SONAME " not found");
    return;
  }
  h = hblas;
  OPENBLAS_FUNCS(RESOLVE, RESOLVEV)
  h = openlib(LUMPY_LAPACKE_DIR, LUMPY_LAPACKE_SONAME, RTLD_NOW | RTLD_LOCAL, lapackename,
              sizeof lapackename);
  if (!h) {                           /* some builds of OpenBLAS include LAPACKE */
    seterror(LUMPY_LAPACKE_SONAME " not found");
    if (!dlsym(hblas, "LAPACKE_dgetrf")) return;
    h = hblas;
    memcpy(lapackename, blasname, sizeof blasname);
  }
  LAPACKE_FUNCS(RESOLVE, RESOLVEV)
  loaded = 1;
}

/* the pointers, loading them on the first call. Only a Lua-facing function
** that forgot lumpy_blas_load can get here with a failed load: no Lua error
** can be raised without a lua_State, so the process stops with the reason */
static const Fns *getfns(void) {
  pthread_once(&once, load);
  if (!loaded) {
    fprintf(stderr, "lumpy: cannot load OpenBLAS: %s\n", loaderr);
    abort();
  }
  return &fns;
}

#define FORWARD(ret, name, params, args) ret name params { return getfns()->name args; }
#define FORWARDV(name, params, args) void name params { getfns()->name args; }
OPENBLAS_FUNCS(FORWARD, FORWARDV)
LAPACKE_FUNCS(FORWARD, FORWARDV)

#pragma GCC visibility pop

int lumpy_blas_load(lua_State *L) {
  pthread_once(&once, load);
  if (!loaded) luaL_error(L, "lumpy: cannot load OpenBLAS: %s", loaderr);
  return 0;
}

const char *lumpy_blas_library(int lapacke) {
  pthread_once(&once, load);
  if (!loaded) return NULL;
  return lapacke ? lapackename : blasname;
}
