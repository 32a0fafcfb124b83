/*
** linalg.h: what matmul.c and the linalg_*.c files share (private to them).
*/
#ifndef LUMPY_LINALG_H
#define LUMPY_LINALG_H

#include "core.h"

/* pushes matmul(a, b) for the arrays (or convertible values) at ia and ib,
** NumPy's semantics; fname names the caller in messages */
void lumpy_matmul(lua_State *L, int ia, int ib, const char *fname);

/* C = A B for one row-major C (n x m, leading dimension ldc elements) of
** dtype dt, with A (n x k) and B (k x m) given by byte strides. Float dtypes
** go to BLAS when the layouts allow it, else (and for integers) a plain
** loop. C is overwritten. */
void lumpy_gemm(int dt, int64_t n, int64_t m, int64_t k,
                const char *A, int64_t ars, int64_t acs,
                const char *B, int64_t brs, int64_t bcs,
                char *C, int64_t ldc);

void lumpy_open_matmul(lua_State *L);


/* ---- shared by the linalg_*.c files (defined in linalg.c) ---- */
#include <lapacke.h>

#define COLMAJ LAPACK_COL_MAJOR
#define ISCPLX(dt) ((dt) == LUMPY_COMPLEX128)

/* the array at idx (converted in place) checked to be a stack of matrices
** (ndim >= 2), square when square is set; raises argument errors. Loads
** OpenBLAS (lumpy_blas_load) for the caller */
Array *la_checkmat(lua_State *L, int idx, const char *fname, int square);
/* the dtype LAPACK works in for an input dtype: complex128 or float64 */
int la_workdtype(int dt);
/* a new owning array of dt holding nb batch dims (bshape) of rows x cols
** matrices, each stored column-major (Fortran strides on the last two axes) */
Array *la_newF(lua_State *L, int dt, int nb, const int64_t *bshape, int64_t rows,
               int64_t cols);
/* pushes a copy of src in dtype dt whose matrices are each one column-major
** block M: M = A (Fortran strides) or, when allowtrans is set and A's rows
** are contiguous, M = A^T (a plain C-order copy, *trans = 1). Either way the
** returned array has src's shape and holds src's values. */
Array *la_load(lua_State *L, const Array *src, int dt, int allowtrans, int *trans);
/* la_load raising "array must not contain infs or NaNs" (naming fname)
** when src holds one; a straight copy is checked on the fly */
Array *la_loadfinite(lua_State *L, const Array *src, int dt, int allowtrans, int *trans,
                     const char *fname);
/* a Lua-owned work block of n bytes (pushed; an array, 64-byte aligned) */
void *la_work(lua_State *L, size_t n);
/* frees at once the buffer of the array at idx, which must be one of our own
** temporaries (work blocks, copies): big temporaries are then reused by the
** allocator at once instead of waiting for the collector. Errors skip this
** and leave the job to the collector. */
void la_close(lua_State *L, int idx);
/* closes (as la_close) and pops the top n values */
void la_drop(lua_State *L, int n);
/* la_close on every stack slot from..to */
void la_closerange(lua_State *L, int from, int to);
/* raises "array must not contain infs or NaNs" when a (any layout, float
** or complex) holds one */
void la_checkfinite(lua_State *L, const Array *a, const char *fname);
/* number of matrices in a stack */
int64_t la_nbatch(const Array *a);
/* LAPACK sizes are int: raises if n does not fit */
lapack_int la_int(lua_State *L, int64_t n, const char *fname);
/* replaces the array at idx with its float32 copy when indt is float32 */
void la_restore32(lua_State *L, int idx, int indt);
/* option tables: rejects keys not in allowed (NULL-terminated); reads */
void la_checkopts(lua_State *L, int idx, const char *fname, const char *const *allowed);
int la_optbool(lua_State *L, int idx, const char *key, int def);
double la_optnum(lua_State *L, int idx, const char *key, double def);
/* pushes the 2-d (or stack) singular values of a (float64), for norms,
** rank and cond */
Array *la_svals(lua_State *L, const Array *a, const char *fname);
/* in-place LU inverse of one n x n column-major matrix; returns LAPACK info */
lapack_int la_invert(lua_State *L, int dt, lapack_int n, char *m, lapack_int *ipiv);

void lumpy_open_linalg_eig(lua_State *L);
void lumpy_open_linalg_misc(lua_State *L);
/* pushes the matrix norms (float64, shape of the batch dims) of every
** matrix of a for the ord at stack index ordidx (nil/'fro', 'nuc', 1, -1,
** 2, -2, inf, -inf) */
Array *la_matnorms(lua_State *L, const Array *a, int ordidx, const char *fname);
/* np.linalg.inv as a lua_CFunction */
int la_luainv(lua_State *L);

#endif
