/*
** bench/limits.c: this machine's limits, measured in the same run as the
** workloads so their timings can be read as fractions of what the hardware
** allows.
**
**   copy_1t, copy_2t    STREAM copy  c[i] = a[i]           GB/s, 1 and 2 threads
**   triad_1t, triad_2t  STREAM triad a[i] = b[i] + s*c[i]  GB/s, 1 and 2 threads
**   dgemm_gflops        cblas_dgemm n x n through the OpenBLAS lumpy links,
**   dgemm_1t_gflops     with its default thread count and with one thread
**   lua_call_ns         one lua_call of a Lua function(x) from C, with a
**                       number in and a number out (what a quad integrand costs)
**
** Bytes are counted as STREAM does (copy 16, triad 24 per element, no
** write-allocate traffic); each figure is the best of several trials, as in
** McCalpin's STREAM. Output: one "key value" line per figure.
**
** usage: limits [--tiny] [--n ELEMENTS] [--gemm N]
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cblas.h>
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- STREAM ---- */

typedef struct Stream {
  double *a, *b, *c;
  long n;
  int nthreads, ntrials, kernel;   /* kernel 0 copy, 1 triad */
  pthread_barrier_t bar;
  double best;
} Stream;

typedef struct Worker {
  Stream *s;
  int id;
} Worker;

static void *streamworker(void *arg) {
  Worker *w = (Worker *)arg;
  Stream *s = w->s;
  long lo = s->n * w->id / s->nthreads, hi = s->n * (w->id + 1) / s->nthreads, i;
  double *a = s->a, *b = s->b, *c = s->c, q = 3.0, t0 = 0;
  int k, trial;
  for (i = lo; i < hi; i++) { a[i] = 1.0; b[i] = 2.0; c[i] = 0.0; }   /* first touch */
  for (trial = 0; trial < s->ntrials; trial++) {
    for (k = 0; k < 2; k++) {
      pthread_barrier_wait(&s->bar);
      if (w->id == 0) t0 = now();
      if (k == 0) {
        for (i = lo; i < hi; i++) c[i] = a[i];
      } else {
        for (i = lo; i < hi; i++) a[i] = b[i] + q * c[i];
      }
      pthread_barrier_wait(&s->bar);
      if (w->id == 0 && k == s->kernel) {
        double t = now() - t0;
        if (s->best == 0 || t < s->best) s->best = t;
      }
    }
  }
  return NULL;
}

/* best GB/s of kernel (0 copy, 1 triad) over ntrials with nthreads */
static double stream(double *a, double *b, double *c, long n, int nthreads, int kernel,
                     int ntrials) {
  Stream s;
  Worker w[2];
  pthread_t th[2];
  int i;
  s.a = a; s.b = b; s.c = c; s.n = n; s.nthreads = nthreads; s.ntrials = ntrials;
  s.kernel = kernel; s.best = 0;
  pthread_barrier_init(&s.bar, NULL, (unsigned)nthreads);
  for (i = 0; i < nthreads; i++) {
    w[i].s = &s; w[i].id = i;
    if (i > 0) pthread_create(&th[i], NULL, streamworker, &w[i]);
  }
  streamworker(&w[0]);
  for (i = 1; i < nthreads; i++) pthread_join(th[i], NULL);
  pthread_barrier_destroy(&s.bar);
  return (kernel == 0 ? 16.0 : 24.0) * (double)n / s.best * 1e-9;
}

/* ---- dgemm ---- */

static double gemm(int n, int ntrials) {
  size_t nn = (size_t)n * (size_t)n;
  double *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b), *c = malloc(nn * sizeof *c);
  double best = 0;
  size_t i;
  int t;
  if (!a || !b || !c) { fprintf(stderr, "limits: out of memory\n"); exit(1); }
  for (i = 0; i < nn; i++) { a[i] = (double)(i % 7) * 0.1; b[i] = (double)(i % 5) * 0.2; }
  for (t = 0; t < ntrials; t++) {
    double t0 = now(), dt;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a, n, b, n, 0.0, c, n);
    dt = now() - t0;
    if (t == 0 || dt < best) best = dt;
  }
  free(a); free(b); free(c);
  return 2.0 * (double)n * (double)n * (double)n / best * 1e-9;
}

/* ---- one Lua call from C ---- */

static double luacall(long ncalls) {
  lua_State *L = luaL_newstate();
  double t0, sum = 0;
  long i;
  luaL_openlibs(L);
  if (luaL_dostring(L, "return function(x) return x * 0.5 end")) {
    fprintf(stderr, "limits: %s\n", lua_tostring(L, -1));
    exit(1);
  }
  t0 = now();
  for (i = 0; i < ncalls; i++) {
    lua_pushvalue(L, 1);
    lua_pushnumber(L, (lua_Number)i);
    lua_call(L, 1, 1);
    sum += lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  t0 = now() - t0;
  lua_close(L);
  if (sum < 0) printf("# %g\n", sum);   /* keeps the loop */
  return t0 / (double)ncalls * 1e9;
}

int main(int argc, char **argv) {
  long n = 10000000, ncalls = 10000000;
  int ngemm = 2000, ntrials = 10, i;
  double *a, *b, *c;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--tiny") == 0) {
      n = 100000; ngemm = 100; ntrials = 2; ncalls = 100000;
    } else if (strcmp(argv[i], "--n") == 0 && i + 1 < argc) {
      n = atol(argv[++i]);
    } else if (strcmp(argv[i], "--gemm") == 0 && i + 1 < argc) {
      ngemm = atoi(argv[++i]);
    } else {
      fprintf(stderr, "usage: limits [--tiny] [--n ELEMENTS] [--gemm N]\n");
      return 2;
    }
  }
  if (n < 1000 || ngemm < 1) {
    fprintf(stderr, "limits: sizes too small\n");
    return 2;
  }
  a = malloc((size_t)n * sizeof *a);
  b = malloc((size_t)n * sizeof *b);
  c = malloc((size_t)n * sizeof *c);
  if (!a || !b || !c) { fprintf(stderr, "limits: out of memory\n"); return 1; }
  printf("stream_elements %ld\n", n);
  printf("copy_1t %.2f\n", stream(a, b, c, n, 1, 0, ntrials));
  printf("copy_2t %.2f\n", stream(a, b, c, n, 2, 0, ntrials));
  printf("triad_1t %.2f\n", stream(a, b, c, n, 1, 1, ntrials));
  printf("triad_2t %.2f\n", stream(a, b, c, n, 2, 1, ntrials));
  free(a); free(b); free(c);
  printf("gemm_n %d\n", ngemm);
  printf("blas_threads %d\n", openblas_get_num_threads());
  printf("dgemm_gflops %.2f\n", gemm(ngemm, 5));
  {
    int nt = openblas_get_num_threads();
    openblas_set_num_threads(1);
    printf("dgemm_1t_gflops %.2f\n", gemm(ngemm, 5));
    openblas_set_num_threads(nt);
  }
  printf("blas_core %s\n", openblas_get_corename());
  printf("lua_call_ns %.1f\n", luacall(ncalls));
  return 0;
}
