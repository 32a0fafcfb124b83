/*
** pool.c: array buffers of more than 32 KB (smaller ones live inside their
** array's userdata, see lumpy_newarray). They live outside the Lua heap (so
** <close> can free them at once and big zero-filled arrays get lazily zeroed
** pages), and this file makes the collector account for them.
**
** lua5.4 runs the collector in generational mode, where a dead array that
** had grown old waits for a rare major collection, and neither mode sees
** outside memory. So each state keeps a pool (a userdata in its registry:
** no global state) with the bytes of live buffers and the bytes allocated
** since the last full collection. When the latter passes max(4 MB, the live
** bytes after the last collection, the Lua heap), a full collection runs:
** garbage buffers stay below about the live data plus 4 MB, the cost of
** collecting stays proportional to what was allocated, and the temporaries
** of small-array arithmetic are reused while still in cache (a 64 MB
** threshold made x*2.5 on 1000 elements 4x slower, from cache misses alone).
**
** Freed buffers of 1 MB or more go to a small cache (8 blocks, 512 MB at
** most) and are reused for the next buffer of about the same size: a fresh
** block costs page faults on first touch, which for the temporaries of an
** expression like a*2.5+b cost more than the arithmetic. A cached block that
** is not reused within a whole collection period is given back.
*/
#define _DEFAULT_SOURCE     /* madvise */
#include <stdlib.h>
#include <sys/mman.h>
#include "core.h"

#define MINCOLLECT ((size_t)4 << 20)
#define CACHEMIN ((size_t)1 << 20)
#define CACHEMAX ((size_t)512 << 20)
#define NCACHE 8

typedef struct Block {
  void *p;
  size_t size;
  unsigned epoch;     /* collection period it was cached in */
} Block;

typedef struct Pool {
  size_t live;        /* bytes in buffers not yet freed (cache excluded) */
  size_t since;       /* bytes allocated since the last full collection */
  size_t base;        /* live bytes right after the last full collection */
  size_t cached;      /* bytes in the cache */
  unsigned epoch;     /* full collections so far */
  int closed;         /* the state is closing: free directly */
  Block cache[NCACHE];
} Pool;

static const char poolkey = 'p';

static Pool *findpool(lua_State *L) {
  Pool *pool = NULL;
  if (lua_rawgetp(L, LUA_REGISTRYINDEX, &poolkey) == LUA_TUSERDATA)
    pool = (Pool *)lua_touserdata(L, -1);
  lua_pop(L, 1);
  return pool;
}

static void dropcache(Pool *pool, int all) {
  int i;
  for (i = 0; i < NCACHE; i++) {
    Block *k = &pool->cache[i];
    if (k->p && (all || k->epoch != pool->epoch)) {
      free(k->p);
      pool->cached -= k->size;
      k->p = NULL;
    }
  }
}

static int pool_gc(lua_State *L) {
  Pool *pool = (Pool *)lua_touserdata(L, 1);
  dropcache(pool, 1);
  pool->closed = 1;
  return 0;
}

static Pool *getpool(lua_State *L) {
  Pool *pool = findpool(L);
  if (pool) return pool;
  pool = (Pool *)lua_newuserdatauv(L, sizeof(Pool), 0);
  memset(pool, 0, sizeof *pool);
  lua_createtable(L, 0, 1);
  lua_pushcfunction(L, pool_gc);
  lua_setfield(L, -2, "__gc");
  lua_setmetatable(L, -2);
  lua_rawsetp(L, LUA_REGISTRYINDEX, &poolkey);
  return pool;
}

/* runs a full collection; cached blocks unused for a whole period go back */
static void collect(lua_State *L, Pool *pool) {
  dropcache(pool, 0);
  pool->epoch++;
  lua_gc(L, LUA_GCCOLLECT);
  pool->since = 0;
  pool->base = pool->live;
}

/* a cached block for n bytes (of at most n + n/4), its size in *size */
static void *fromcache(Pool *pool, size_t n, size_t *size) {
  int i;
  if (n < CACHEMIN) return NULL;
  for (i = 0; i < NCACHE; i++) {
    Block *k = &pool->cache[i];
    if (k->p && k->size >= n && k->size - n <= n / 4) {
      void *p = k->p;
      k->p = NULL;
      pool->cached -= k->size;
      *size = k->size;
      return p;
    }
  }
  return NULL;
}

/* a block of at least n bytes (zero-filled if zero), its size in *got; NULL
** when memory is exhausted even after a full collection */
void *lumpy_pool_alloc(lua_State *L, size_t n, int zero, size_t *got) {
  Pool *pool = getpool(L);
  size_t size = n, heap;
  void *p = zero ? NULL : fromcache(pool, n, &size);
  pool->since += n;
  if (!p) {
    heap = (size_t)lua_gc(L, LUA_GCCOUNT) << 10;
    if (pool->since > MINCOLLECT && pool->since > pool->base && pool->since > heap)
      collect(L, pool);
    p = zero ? calloc(1, n) : malloc(n);
    if (!p) {       /* garbage may hold the memory: collect and try again */
      dropcache(pool, 1);
      collect(L, pool);
      p = zero ? calloc(1, n) : malloc(n);
      if (!p) return NULL;
    }
#ifdef MADV_HUGEPAGE
    /* big buffers on huge pages: the first touch of 4 KB pages costs more
    ** than the work on them (NumPy does the same) */
    if (n >= ((size_t)4 << 20)) {
      uintptr_t lo = ((uintptr_t)p + 4095) & ~(uintptr_t)4095;
      uintptr_t hi = ((uintptr_t)p + n) & ~(uintptr_t)4095;
      if (hi > lo) madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
    }
#endif
  }
  pool->live += size;
  *got = size;
  return p;
}

/* gives back a block from lumpy_pool_alloc (safe in finalizers: allocates
** nothing) */
void lumpy_pool_free(lua_State *L, void *p, size_t size) {
  Pool *pool = findpool(L);
  int i;
  if (!pool) { free(p); return; }
  pool->live -= size < pool->live ? size : pool->live;
  if (!pool->closed && size >= CACHEMIN && pool->cached + size <= CACHEMAX) {
    for (i = 0; i < NCACHE; i++) {
      Block *k = &pool->cache[i];
      if (!k->p) {
        k->p = p;
        k->size = size;
        k->epoch = pool->epoch;
        pool->cached += size;
        return;
      }
    }
  }
  free(p);
}

/* np.memstats(): what the pool holds, for tests and the curious */
static int pool_memstats(lua_State *L) {
  Pool *pool = getpool(L);
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, (lua_Integer)pool->live);
  lua_setfield(L, -2, "live");
  lua_pushinteger(L, (lua_Integer)pool->cached);
  lua_setfield(L, -2, "cached");
  lua_pushinteger(L, (lua_Integer)pool->since);
  lua_setfield(L, -2, "since");
  lua_pushinteger(L, (lua_Integer)pool->epoch);
  lua_setfield(L, -2, "collections");
  return 1;
}

void lumpy_open_pool(lua_State *L) {
  static const luaL_Reg funcs[] = {{"memstats", pool_memstats}, {NULL, NULL}};
  getpool(L);
  lumpy_register(L, funcs, NULL);
}
