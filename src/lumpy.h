/*
** lumpy.h: the public C API of lumpy for host programs that embed Lua.
**
** A host opens lumpy into its lua_State, hands its own buffers to scripts with
** no copy, reads arrays that scripts return, and may pass C function pointers
** to the kernels (quad, minimize, ...) in place of Lua functions.
** Every function here is safe to call from separate lua_States in separate
** threads at once: lumpy keeps no global mutable state.
*/
#ifndef LUMPY_H
#define LUMPY_H

#include <stddef.h>
#include <stdint.h>
#include "lua.h"

#define LUMPY_MAXDIMS 32

typedef enum lumpy_Dtype {
  LUMPY_BOOL = 0,
  LUMPY_UINT8,
  LUMPY_INT32,
  LUMPY_INT64,
  LUMPY_FLOAT32,
  LUMPY_FLOAT64,
  LUMPY_COMPLEX128,
  LUMPY_NDTYPES
} lumpy_Dtype;

/* called once when the last array (or view) over a host buffer dies */
typedef void (*lumpy_Release)(void *data, void *ud);

/* opens lumpy into L (as require "lumpy" would) and leaves the module on the
** stack. lumpy's Lua files must be on package.path. It may raise: call it
** through lua_pcall (lua_pushcfunction(L, lumpy_open)). */
int lumpy_open(lua_State *L);

/* pushes a new zero-filled array; returns its data pointer (C-contiguous) */
void *lumpy_pushnew(lua_State *L, lumpy_Dtype dtype, int ndim, const int64_t *shape);

/* pushes an array over a host buffer with no copy. strides are in bytes and
** may be NULL (C-contiguous). release (may be NULL) is called with (data, ud)
** when the array and all its views are collected or closed. If this function
** raises (bad arguments, out of memory), release is called before it raises. */
void lumpy_pushwrap(lua_State *L, void *data, lumpy_Dtype dtype, int ndim,
                    const int64_t *shape, const int64_t *strides,
                    lumpy_Release release, void *ud);

/* is the value at idx an array? */
int lumpy_isarray(lua_State *L, int idx);

/* raises a Lua argument error unless idx is an open array. The accessors
** below read the array's fields; their results stay valid while the array
** is alive and not closed. */
typedef struct lumpy_Array lumpy_Array;
lumpy_Array *lumpy_checkarray(lua_State *L, int idx);
lumpy_Array *lumpy_toarray(lua_State *L, int idx);   /* NULL if not an array */
void *lumpy_data(const lumpy_Array *a);
lumpy_Dtype lumpy_dtype(const lumpy_Array *a);
int lumpy_ndim(const lumpy_Array *a);
const int64_t *lumpy_shape(const lumpy_Array *a);
const int64_t *lumpy_strides(const lumpy_Array *a);   /* bytes */
int64_t lumpy_size(const lumpy_Array *a);

/* C callables for the kernels (the analogue of SciPy's LowLevelCallable).
** A scalar function double f(double x, void *ud) is used by quad, brentq,
** minimize_scalar ...; a vector function int f(int n, const double *x,
** double *out, void *ud) returning 0 on success by minimize and friends
** (nout outputs; 1 for an objective). For solve_ivp and odeint a vector
** function gets n + 1 values: t first, then y; it writes the n derivatives.
** pushcfunc pushes a value the kernels accept wherever they take a function;
** it is also callable from Lua. */
typedef double (*lumpy_ScalarFn)(double x, void *ud);
typedef int (*lumpy_VectorFn)(int n, const double *x, double *out, void *ud);
void lumpy_pushscalarfn(lua_State *L, lumpy_ScalarFn f, void *ud);
void lumpy_pushvectorfn(lua_State *L, lumpy_VectorFn f, int nout, void *ud);

#endif
