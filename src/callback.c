/*
** callback.c: calling user functions (Lua functions, callables, or C
** function pointers from lumpy.h) from the C kernels, as DESIGN.md
** "Kernels that call Lua" requires.
*/
#include <stdio.h>
#include "core.h"

typedef struct CFunc {
  lumpy_ScalarFn sf;
  lumpy_VectorFn vf;
  int nout;
  void *ud;
} CFunc;

void lumpy_pushscalarfn(lua_State *L, lumpy_ScalarFn f, void *ud) {
  CFunc *c = (CFunc *)lua_newuserdatauv(L, sizeof(CFunc), 0);
  c->sf = f; c->vf = NULL; c->nout = 1; c->ud = ud;
  luaL_setmetatable(L, CFUNC_MT);
}

void lumpy_pushvectorfn(lua_State *L, lumpy_VectorFn f, int nout, void *ud) {
  CFunc *c = (CFunc *)lua_newuserdatauv(L, sizeof(CFunc), 0);
  c->sf = NULL; c->vf = f; c->nout = nout; c->ud = ud;
  luaL_setmetatable(L, CFUNC_MT);
}

void lumpy_fn_init(lua_State *L, lumpy_Fn *f, int fidx, int optsidx, const char *kernel) {
  CFunc *c;
  memset(f, 0, sizeof *f);
  f->L = L;
  f->kernel = kernel;
  f->fidx = lua_absindex(L, fidx);
  if ((c = (CFunc *)luaL_testudata(L, fidx, CFUNC_MT)) != NULL) {
    f->sf = c->sf; f->vf = c->vf; f->cud = c->ud; f->cnout = c->nout;
  }
  else if (lua_type(L, fidx) != LUA_TFUNCTION) {
    if (!luaL_getmetafield(L, fidx, "__call"))
      luaL_argerror(L, fidx, lua_pushfstring(L, "function expected, got %s",
                                            luaL_typename(L, fidx)));
    lua_pop(L, 1);
  }
  if (optsidx && lua_type(L, optsidx) == LUA_TTABLE) {
    optsidx = lua_absindex(L, optsidx);
    lua_getfield(L, optsidx, "args");
    if (lua_isnil(L, -1)) lua_pop(L, 1);
    else {
      if (lua_type(L, -1) != LUA_TTABLE)
        lumpy_kerror(L, "%s: option 'args' must be a table", kernel);
      f->argsidx = lua_gettop(L);        /* stays on the stack */
      f->nargs = (int)lua_rawlen(L, -1);
    }
  }
}

/* calls the callable with nin arguments already pushed after it; an error
** gets the kernel's name */
static void fncall(lumpy_Fn *f, int nin, int nres) {
  lua_State *L = f->L;
  int i;
  if (f->nargs) {
    luaL_checkstack(L, f->nargs, "too many extra arguments");
    for (i = 1; i <= f->nargs; i++) lua_rawgeti(L, f->argsidx, i);
  }
  f->nev++;
  if (f->unprotected) {
    lua_call(L, nin + f->nargs, nres);
    return;
  }
  if (lua_pcall(L, nin + f->nargs, nres, 0) != LUA_OK) {
    if (lua_type(L, -1) == LUA_TSTRING) {
      lua_pushfstring(L, "%s: %s", f->kernel, lua_tostring(L, -1));
      lua_remove(L, -2);
    }
    lua_error(L);
  }
}

/* runs the kernel run with the nargs values on top of the stack under one
** lua_pcall, so that its callbacks can use plain lua_call (unprotected: no
** protected call per evaluation); a string error gets the kernel's name
** unless it has it already, any other error object passes unchanged */
int lumpy_fn_protect(lua_State *L, lua_CFunction run, int nargs, int nres,
                     const char *kernel) {
  size_t klen = strlen(kernel);
  lua_pushcfunction(L, run);
  lua_insert(L, -nargs - 1);
  if (lua_pcall(L, nargs, nres, 0) != LUA_OK) {
    const char *msg = lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1) : NULL;
    if (msg && !(strncmp(msg, kernel, klen) == 0 && msg[klen] == ':')) {
      lua_pushfstring(L, "%s: %s", kernel, msg);
      lua_remove(L, -2);
    }
    return lua_error(L);
  }
  return nres;
}

void lumpy_fn_pcall(lumpy_Fn *f, int nin, int nres) {
  luaL_checkstack(f->L, nres + 2, "lumpy callback");
  fncall(f, nin, nres);
}

double lumpy_fn_scalar(lumpy_Fn *f, double x) {
  lua_State *L = f->L;
  double y;
  int isnum;
  if (f->sf) { f->nev++; return f->sf(x, f->cud); }
  if (f->vf) {
    double out;
    f->nev++;
    if (f->cnout != 1) lumpy_kerror(L, "%s: C function must have one output", f->kernel);
    if (f->vf(1, &x, &out, f->cud) != 0) lumpy_kerror(L, "%s: C function failed", f->kernel);
    return out;
  }
  lua_pushvalue(L, f->fidx);
  lua_pushnumber(L, x);
  fncall(f, 1, 1);
  y = lua_tonumberx(L, -1, &isnum);
  if (!isnum) {
    if (lumpy_isarray(L, -1) && lumpy_checkarray(L, -1)->size == 1) {
      Array *a = lumpy_checkarray(L, -1);
      double v;
      char *args[2];
      int64_t steps[2] = {0, 0};
      args[0] = a->data; args[1] = (char *)&v;
      if (a->dtype == LUMPY_COMPLEX128) goto bad;
      lumpy_castloop(a->dtype, LUMPY_FLOAT64)(args, 1, steps, NULL);
      lua_pop(L, 1);
      return v;
    }
  bad:
    lumpy_kerror(L, "%s: function must return a number, got %s", f->kernel,
               luaL_typename(L, -1));
  }
  lua_pop(L, 1);
  return y;
}

void lumpy_fn_call(lumpy_Fn *f, const double *x, int n, int nres) {
  lua_State *L = f->L;
  int64_t len = n;
  Array *a;
  luaL_checkstack(L, 4 + nres, "lumpy callback");
  lua_pushvalue(L, f->fidx);
  if (f->vf) {      /* C function: call it directly, push its outputs */
    double *out;
    int i;
    lua_pop(L, 1);
    len = f->cnout;
    a = lumpy_newarray(L, LUMPY_FLOAT64, 1, &len, 0);
    out = (double *)a->data;
    f->nev++;
    if (f->vf(n, x, out, f->cud) != 0) lumpy_kerror(L, "%s: C function failed", f->kernel);
    if (f->cnout == 1) { lua_pop(L, 1); lua_pushnumber(L, out[0]); }
    for (i = 1; i < nres; i++) lua_pushnil(L);
    return;
  }
  if (f->sf) {
    double v;
    int i;
    lua_pop(L, 1);
    if (n != 1) lumpy_kerror(L, "%s: scalar C function used with %d variables", f->kernel, n);
    f->nev++;
    v = f->sf(x[0], f->cud);
    lua_pushnumber(L, v);
    for (i = 1; i < nres; i++) lua_pushnil(L);
    return;
  }
  a = lumpy_newarray(L, LUMPY_FLOAT64, 1, &len, 0);
  if (n) memcpy(a->data, x, sizeof(double) * (size_t)n);
  fncall(f, 1, nres);
}

/* f(x) with a number x for kernels whose integrand returns a vector
** (quad_vec); leaves nres results (a C vector function gets x as one value) */
void lumpy_fn_callx(lumpy_Fn *f, double x, int nres) {
  lua_State *L = f->L;
  if (f->vf || f->sf) {
    lumpy_fn_call(f, &x, 1, nres);
    return;
  }
  luaL_checkstack(L, 4 + nres, "lumpy callback");
  lua_pushvalue(L, f->fidx);
  lua_pushnumber(L, x);
  fncall(f, 1, nres);
}

/* f(t, x) for ODE kernels (tfirst) or f(x, t) (odeint's order): t a
** number, x (n doubles) a new float64 array; leaves nres results. A C vector
** function gets the n + 1 values (t, x...) */
void lumpy_fn_callt(lumpy_Fn *f, double t, int tfirst, const double *x, int n, int nres) {
  lua_State *L = f->L;
  int64_t len = n;
  Array *a;
  if (f->vf || f->sf) {
    double *tx;
    int64_t m = (int64_t)n + 1;
    luaL_checkstack(L, 2, "lumpy callback");
    a = lumpy_newarray(L, LUMPY_FLOAT64, 1, &m, 0);
    tx = (double *)a->data;
    tx[0] = t;
    if (n) memcpy(tx + 1, x, sizeof(double) * (size_t)n);
    lumpy_fn_call(f, tx, n + 1, nres);
    lua_remove(L, -1 - nres);
    return;
  }
  luaL_checkstack(L, 5 + nres, "lumpy callback");
  lua_pushvalue(L, f->fidx);
  if (tfirst) lua_pushnumber(L, t);
  a = lumpy_newarray(L, LUMPY_FLOAT64, 1, &len, 0);
  if (n) memcpy(a->data, x, sizeof(double) * (size_t)n);
  if (!tfirst) lua_pushnumber(L, t);
  fncall(f, 2, nres);
}

double lumpy_fn_checknumber(lumpy_Fn *f, int idx, const char *what) {
  lua_State *L = f->L;
  int isnum;
  double y = lua_tonumberx(L, idx, &isnum);
  if (isnum) return y;
  if (lumpy_isarray(L, idx)) {
    Array *a = lumpy_checkarray(L, idx);
    if (a->size == 1 && a->dtype != LUMPY_COMPLEX128) {
      char *args[2];
      int64_t steps[2] = {0, 0};
      args[0] = a->data; args[1] = (char *)&y;
      lumpy_castloop(a->dtype, LUMPY_FLOAT64)(args, 1, steps, NULL);
      return y;
    }
  }
  lumpy_kerror(L, "%s: %s must be a number, got %s", f->kernel, what, luaL_typename(L, idx));
  return 0;
}

int lumpy_fn_veclen(lumpy_Fn *f, int idx, const char *what) {
  lua_State *L = f->L;
  Array *a;
  if (lua_type(L, idx) == LUA_TNUMBER) return 1;
  if (lua_type(L, idx) == LUA_TTABLE) return (int)lua_rawlen(L, idx);
  if ((a = lumpy_toarray(L, idx)) != NULL) {
    lumpy_checkarray(L, idx);
    return (int)a->size;
  }
  lumpy_kerror(L, "%s: %s must be an array or a table of numbers, got %s",
             f->kernel, what, luaL_typename(L, idx));
  return 0;
}

const double *lumpy_fn_vector(lumpy_Fn *f, int idx, double *out, int n, const char *what) {
  lua_State *L = f->L;
  Array *a = lumpy_toarray(L, idx);
  int len, i;
  idx = lua_absindex(L, idx);
  if (a != NULL) {        /* the common case first: one array test only */
    Array view;
    if (a->closed || a->owner->closed) lumpy_checkarray(L, idx);   /* raises */
    if (a->size != n)
      lumpy_kerror(L, "%s: %s must have %d elements, got %d", f->kernel, what, n, (int)a->size);
    if (a->dtype == LUMPY_COMPLEX128)
      lumpy_kerror(L, "%s: %s must be real, got a complex128 array", f->kernel, what);
    if (a->dtype == LUMPY_FLOAT64 && lumpy_iscontiguous(a)) return (const double *)a->data;
    memset(&view, 0, sizeof view);
    view.dtype = LUMPY_FLOAT64;
    view.ndim = a->ndim;
    view.size = a->size;
    memcpy(view.shape, a->shape, sizeof(int64_t) * a->ndim);
    lumpy_contigstrides(LUMPY_FLOAT64, a->ndim, a->shape, view.strides);
    view.data = (char *)out;
    view.owner = &view;
    lumpy_assign(L, &view, a);
    return out;
  }
  len = lumpy_fn_veclen(f, idx, what);
  if (len != n)
    lumpy_kerror(L, "%s: %s must have %d elements, got %d", f->kernel, what, n, len);
  if (lua_type(L, idx) == LUA_TNUMBER) { out[0] = lua_tonumber(L, idx); return out; }
  for (i = 0; i < n; i++) {
    int isnum;
    lua_rawgeti(L, idx, i + 1);
    out[i] = lua_tonumberx(L, -1, &isnum);
    if (!isnum)
      lumpy_kerror(L, "%s: %s must hold numbers, element %d is %s", f->kernel, what,
                 i + 1, luaL_typename(L, -1));
    lua_pop(L, 1);
  }
  return out;
}

void lumpy_fn_checkvector(lumpy_Fn *f, int idx, double *out, int n, const char *what) {
  const double *v = lumpy_fn_vector(f, idx, out, n, what);
  if (v != out && n) memcpy(out, v, sizeof(double) * (size_t)n);
}

double lumpy_fn_vscalar(lumpy_Fn *f, const double *x, int n) {
  double y;
  lumpy_fn_call(f, x, n, 1);
  y = lumpy_fn_checknumber(f, -1, "objective value");
  lua_pop(f->L, 1);
  return y;
}

/* a C function pointer is callable from Lua too */
static int cfunc_call(lua_State *L) {
  CFunc *c = (CFunc *)luaL_checkudata(L, 1, CFUNC_MT);
  if (c->sf) {
    lua_pushnumber(L, c->sf(luaL_checknumber(L, 2), c->ud));
    return 1;
  }
  {
    Array *x = lumpy_asarray(L, 2), *out;
    int64_t n = c->nout;
    lumpy_ascontig(L, 2, LUMPY_FLOAT64);
    x = lumpy_checkarray(L, -1);
    out = lumpy_newarray(L, LUMPY_FLOAT64, 1, &n, 0);
    if (c->vf((int)x->size, (double *)x->data, (double *)out->data, c->ud) != 0)
      return lumpy_kerror(L, "C function failed");
    if (c->nout == 1) lua_pushnumber(L, ((double *)out->data)[0]);
    return 1;
  }
}

void lumpy_open_callback(lua_State *L) {
  luaL_newmetatable(L, CFUNC_MT);
  lua_pushcfunction(L, cfunc_call);
  lua_setfield(L, -2, "__call");
  lua_pop(L, 1);
}
