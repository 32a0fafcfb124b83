/*
** core.h: lumpy's internal array model, shared by every src/ file.
**
** An array is a Lua full userdata holding a lumpy_Array header. An owning
** array also owns its buffer (allocated with the state's allocator and
** reported to the collector, or a host buffer with a release callback); a
** view holds its owner in user value 1 and a pointer to the owner's header,
** so the owner lives as long as any view. The owner of a view is always an
** owning array, never another view.
*/
#ifndef LUMPY_CORE_H
#define LUMPY_CORE_H

#include <complex.h>
#include <stdint.h>
#include <string.h>
#include "lua.h"
#include "lauxlib.h"
#include "lumpy.h"

#define ARRAY_MT   "lumpy.array"
#define VIEW_MT    "lumpy.view"
#define COMPLEX_MT "lumpy.complex"
#define CFUNC_MT   "lumpy.cfunction"

typedef double _Complex cplx;

struct lumpy_Array {
  char *data;                   /* first element */
  int dtype;                    /* lumpy_Dtype */
  int ndim;
  int64_t size;                 /* product of shape */
  int64_t shape[LUMPY_MAXDIMS];
  int64_t strides[LUMPY_MAXDIMS];  /* in bytes, may be negative or zero */
  /* storage: only set on owners */
  void *mem;                    /* block to free (NULL for host and views) */
  size_t memsize;               /* bytes of mem */
  lumpy_Release release;        /* host buffers */
  void *release_ud;
  void *host;                   /* host data pointer passed to release */
  struct lumpy_Array *owner;    /* the owner (itself for owners) */
  int closed;                   /* set by __close on owners */
};

typedef struct lumpy_Array Array;

/* dtype facts */
typedef struct DtypeInfo {
  const char *name;
  int itemsize;
  char kind;      /* 'b' bool, 'u' unsigned, 'i' signed, 'f' float, 'c' complex */
} DtypeInfo;
extern const DtypeInfo lumpy_dtypes[LUMPY_NDTYPES];
#define ITEMSIZE(dt) (lumpy_dtypes[dt].itemsize)
#define ISINT(dt)   ((dt) == LUMPY_UINT8 || (dt) == LUMPY_INT32 || (dt) == LUMPY_INT64)
#define ISFLOAT(dt) ((dt) == LUMPY_FLOAT32 || (dt) == LUMPY_FLOAT64)

/* ---- arrays (array.c) ---- */
/* new owning array with uninitialised (zeroed if zero) data, C order */
Array *lumpy_newarray(lua_State *L, int dtype, int ndim, const int64_t *shape, int zero);
/* new view of a (whose userdata is at index aidx) with the given geometry */
Array *lumpy_newview(lua_State *L, int aidx, char *data, int ndim,
                     const int64_t *shape, const int64_t *strides);
Array *lumpy_newarray_like(lua_State *L, const Array *a, int dtype);
int lumpy_iscontiguous(const Array *a);     /* C-contiguous */
int lumpy_isfcontiguous(const Array *a);    /* Fortran-contiguous */
void lumpy_contigstrides(int dtype, int ndim, const int64_t *shape, int64_t *strides);
/* parse a dtype name or constant at idx; def when none/nil */
int lumpy_checkdtype(lua_State *L, int idx, int def);
int lumpy_optdtype(lua_State *L, int idx, int def);
/* read a shape (table or integer) at idx into shape; returns ndim */
int lumpy_checkshape(lua_State *L, int idx, int64_t *shape);
/* converts the value at idx (array, number, boolean, complex, nested table)
** to an array and replaces nothing: pushes the array and returns it.
** dtype < 0 means infer. */
Array *lumpy_toarrayx(lua_State *L, int idx, int dtype);
/* if idx is an array, returns it (no push); otherwise converts, replaces the
** stack slot idx with the new array and returns it */
Array *lumpy_asarray(lua_State *L, int idx);
/* a C-contiguous array of dtype with a's values: a itself (index aidx) when it
** already is one, else a copy; pushes the result */
Array *lumpy_ascontig(lua_State *L, int aidx, int dtype);
/* pushes one element (at data) as a Lua value */
void lumpy_pushelem(lua_State *L, int dtype, const char *p);
/* stores the Lua value at idx into the element at p (with conversion) */
void lumpy_setelem(lua_State *L, int idx, int dtype, char *p);
/* result dtype of combining two dtypes (NumPy promotion) */
int lumpy_promote(int a, int b);
/* formats a shape as {2, 3} into buf (>= 400 bytes) */
const char *lumpy_shapestr(char *buf, int ndim, const int64_t *shape);
/* The lumpy_open_* functions run with the module table at stack index 1, the
** array metatable at 2 and the array methods table at 3. lumpy_register puts
** funcs into the module and methods into the methods table (either may be
** NULL); metamethods go straight into index 2. A function that is both
** (np.sum(a) and a:sum()) is listed in both. */
#define LUMPY_MODULE 1
#define LUMPY_META 2
#define LUMPY_METHODS 3
void lumpy_register(lua_State *L, const luaL_Reg *funcs, const luaL_Reg *methods);
void lumpy_registermeta(lua_State *L, const luaL_Reg *meta);
/* raises "<fname>: ..." style errors with formatted message */
int lumpy_error(lua_State *L, const char *fmt, ...);
/* the same without a position: for kernels that lumpy's Lua modules call
** (their position would be the module's, not the user's) */
int lumpy_kerror(lua_State *L, const char *fmt, ...);
/* raises "unknown option 'k'" unless every key of the options table at idx
** is in the NULL-terminated list allowed */
void lumpy_checkopts(lua_State *L, int idx, const char *const *allowed);
/* is the table at idx a plain list (its keys exactly 1..#t)? */
int lumpy_islist(lua_State *L, int idx);
/* normalises a 1-based (negative from end) axis against ndim; raises */
int lumpy_checkaxis(lua_State *L, int axis, int ndim, int argn);

/* ---- buffers (pool.c) ---- */
void *lumpy_pool_alloc(lua_State *L, size_t n, int zero, size_t *got);
void lumpy_pool_free(lua_State *L, void *p, size_t size);
void lumpy_open_pool(lua_State *L);

/* ---- iteration and casting (iter.c) ---- */
/* inner loop: n elements, args[k] base pointers, steps[k] byte steps */
typedef void (*lumpy_Loop)(char **args, int64_t n, const int64_t *steps, void *ctx);
/* walks nop operands over a common shape (strides already broadcast; zero for
** broadcast axes), merging and reordering dimensions for locality, calling
** loop on each innermost run */
void lumpy_iterate(int nop, char **data, int ndim, const int64_t *shape,
                   const int64_t *const *strides, lumpy_Loop loop, void *ctx);
/* broadcasts the shapes of n arrays; raises the NumPy message on mismatch */
int lumpy_broadcast_shapes(lua_State *L, int n, Array *const *arrs, int64_t *shape);
/* strides of a broadcast to (ndim, shape): zeros for new or stretched axes */
void lumpy_broadcast_strides(const Array *a, int ndim, const int64_t *shape, int64_t *strides);
/* copies src into dst with broadcasting and dtype conversion; raises on
** shape mismatch */
void lumpy_assign(lua_State *L, Array *dst, const Array *src);
/* the byte range [lo, hi) that a's elements occupy */
void lumpy_extent(const Array *a, char **lo, char **hi);
/* the conversion loop from one dtype to another */
lumpy_Loop lumpy_castloop(int from, int to);

/* ---- complex scalars (complex.c) ---- */
void lumpy_pushcomplex(lua_State *L, cplx z);
cplx *lumpy_tocomplex(lua_State *L, int idx);   /* NULL if not complex */

/* ---- calling user functions from kernels (callback.c) ---- */
/* DESIGN.md "Kernels that call Lua": a Lua function, a callable, or a C
** function pointer made with lumpy_pushscalarfn/lumpy_pushvectorfn; extra
** arguments from opts.args are passed after x; an error inside the callback
** reaches the kernel's caller with the kernel's name prefixed to a string
** message (any other error object unchanged); a wrong return gets a clear
** error. The lumpy_Fn lives on the C stack; it holds stack indices, so the
** function and the args table must stay where they are during the kernel. */
typedef struct lumpy_Fn {
  lua_State *L;
  int fidx;              /* absolute stack index of the callable */
  int argsidx;           /* absolute index of the args table, 0 if none */
  int nargs;             /* number of extra arguments */
  const char *kernel;    /* e.g. "lumpy.integrate.quad", for messages */
  lumpy_ScalarFn sf;     /* C scalar function, or NULL */
  lumpy_VectorFn vf;     /* C vector function, or NULL */
  void *cud;
  int cnout;             /* outputs of the C vector function */
  long nev;              /* evaluations so far */
  int unprotected;       /* call with lua_call: the kernel runs under its own
                         ** lua_pcall and names itself in errors (set by it) */
} lumpy_Fn;
/* runs run(...) on the nargs values on top of the stack under one pcall
** (its lumpy_Fn callbacks may then be unprotected); string errors get the
** kernel's name; returns nres (the results on the stack) */
int lumpy_fn_protect(lua_State *L, lua_CFunction run, int nargs, int nres,
                     const char *kernel);
/* fidx: the callable; optsidx: an options table holding args (0: none) */
void lumpy_fn_init(lua_State *L, lumpy_Fn *f, int fidx, int optsidx, const char *kernel);
/* f(x) for scalar kernels: a number in, a number out */
double lumpy_fn_scalar(lumpy_Fn *f, double x);
/* f(x) for vector kernels: x (n doubles) is passed as a new float64 array;
** leaves nres results on the stack (the caller pops them) */
void lumpy_fn_call(lumpy_Fn *f, const double *x, int n, int nres);
/* f(x) with a number x, leaving nres results (vector-valued integrands) */
void lumpy_fn_callx(lumpy_Fn *f, double x, int nres);
/* f(t, x) (tfirst) or f(x, t) for ODE kernels: t a number, x a new float64
** array; leaves nres results (C vector functions get t, x... as one vector) */
void lumpy_fn_callt(lumpy_Fn *f, double t, int tfirst, const double *x, int n, int nres);
/* reads a result left by lumpy_fn_call: a number, or a vector of exactly n
** values (array or table); raises naming the kernel otherwise */
double lumpy_fn_checknumber(lumpy_Fn *f, int idx, const char *what);
/* the n values of the vector at idx (what names it in errors): a pointer
** into a contiguous float64 array's own memory, valid while it stays on the
** stack, or else out, filled */
const double *lumpy_fn_vector(lumpy_Fn *f, int idx, double *out, int n, const char *what);
void lumpy_fn_checkvector(lumpy_Fn *f, int idx, double *out, int n, const char *what);
/* the length of a vector result (array or table), raising if not one */
int lumpy_fn_veclen(lumpy_Fn *f, int idx, const char *what);
/* calls the callable (pushed by the caller with nin arguments after it,
** extra args are added) with the kernel's error prefix; leaves nres results */
void lumpy_fn_pcall(lumpy_Fn *f, int nin, int nres);
/* objective value of a vector kernel: f(x) must return a number */
double lumpy_fn_vscalar(lumpy_Fn *f, const double *x, int n);

/* ---- domains: each adds its functions and methods ---- */
void lumpy_open_array(lua_State *L);
void lumpy_open_views(lua_State *L);
void lumpy_open_complex(lua_State *L);
void lumpy_open_print(lua_State *L);
void lumpy_open_callback(lua_State *L);
void lumpy_open_ufunc(lua_State *L);
void lumpy_open_reduce(lua_State *L);
void lumpy_open_sort(lua_State *L);
void lumpy_open_index(lua_State *L);
void lumpy_open_shape(lua_State *L);
void lumpy_open_linalg(lua_State *L);
void lumpy_open_optimize(lua_State *L);
void lumpy_open_integrate(lua_State *L);
void lumpy_open_config(lua_State *L);
/* config.c: the vector instructions lumpy's own kernels use: LUMPY_SIMD_NONE
** (baseline code), LUMPY_SIMD_AVX2 (AVX2 with FMA) or LUMPY_SIMD_AVX512
** (AVX-512F with FMA); the CPU's level unless lumpy.config{simd = ...}
** chose a lower one (for the whole process, as the BLAS thread count) */
enum { LUMPY_SIMD_NONE = 0, LUMPY_SIMD_AVX2 = 1, LUMPY_SIMD_AVX512 = 2 };
extern int lumpy_simd;

/* ---- shared helpers each domain exports (add below its own heading) ---- */
/* ufunc.c exports: */
/* NumPy's complex power (exact products for small integer exponents) */
cplx lumpy_cpow(cplx a, cplx b);
/* reduce.c exports: */
/* sort.c exports: */
/* nonzero(a) with a at 1: pushes one 1-based int64 array per axis */
int lumpy_nonzero(lua_State *L);
/* shape.c exports: */
/* linalg.c exports: */
/* blas.c exports: */
/* loads OpenBLAS and LAPACKE if not yet loaded (raising "lumpy: cannot load
** OpenBLAS: ..." when they cannot be): every Lua-facing function that
** reaches a cblas_*, LAPACKE_* or openblas_* call calls it first */
int lumpy_blas_load(lua_State *L);
/* the file dlopen opened for OpenBLAS (lapacke 0) or LAPACKE (1), loading
** them first; NULL when they cannot be loaded */
const char *lumpy_blas_library(int lapacke);

/* a[key] and a[key] = value for non-string keys (index.c): called with the
** array at 1, the key at 2 (and the value at 3) */
int lumpy_getitem(lua_State *L);
int lumpy_setitem(lua_State *L);

#endif
