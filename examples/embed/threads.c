/*
** threads.c: separate lua_States used from separate threads at once. Each
** thread opens lumpy in its own state, wraps its own buffer and runs a
** script on it many times; lumpy keeps no global mutable state, so the
** results are exact and the buffers are released once each.
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"
#include "lumpy.h"

#define NTHREADS 4
#define ROUNDS 200

typedef struct Job {
  int id;
  int released;
  double result;
  int ok;
} Job;

static void release(void *data, void *ud) {
  free(data);
  ((Job *)ud)->released++;
}

static void *work(void *arg) {
  Job *job = (Job *)arg;
  lua_State *L = luaL_newstate();
  int r;
  job->ok = 0;
  if (!L) return NULL;
  luaL_openlibs(L);
  lua_pushcfunction(L, lumpy_open);
  if (lua_pcall(L, 0, 1, 0) != LUA_OK) goto done;
  lua_setglobal(L, "np");
  if (luaL_loadstring(L,
        "local buf, k = ...\n"
        "local s = 0\n"
        "for i = 1, buf.size do buf:set(i, buf:get(i) + k) s = s + buf:get(i) end\n"
        "local z = np.zeros{100, 100}\n"
        "return s") != LUA_OK) goto done;
  lua_setglobal(L, "step");
  for (r = 0; r < ROUNDS; r++) {
    int64_t n = 1000, i;
    double *data = malloc(n * sizeof(double));
    if (!data) goto done;
    for (i = 0; i < n; i++) data[i] = (double)i;
    lua_getglobal(L, "step");
    lumpy_pushwrap(L, data, LUMPY_FLOAT64, 1, &n, NULL, release, job);
    lua_pushinteger(L, job->id);
    if (lua_pcall(L, 2, 1, 0) != LUA_OK) goto done;
    job->result = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  job->ok = 1;
done:
  if (!job->ok) fprintf(stderr, "thread %d: %s\n", job->id, lua_tostring(L, -1));
  lua_close(L);
  return NULL;
}

int main(void) {
  pthread_t th[NTHREADS];
  Job jobs[NTHREADS];
  int i, bad = 0;
  for (i = 0; i < NTHREADS; i++) {
    jobs[i].id = i + 1;
    jobs[i].released = 0;
    pthread_create(&th[i], NULL, work, &jobs[i]);
  }
  for (i = 0; i < NTHREADS; i++) pthread_join(th[i], NULL);
  for (i = 0; i < NTHREADS; i++) {
    /* sum of (i + id) for i = 0..999 */
    double expect = 999.0 * 1000.0 / 2 + 1000.0 * jobs[i].id;
    printf("thread %d: ok %d, result %.0f (expected %.0f), released %d of %d\n",
           jobs[i].id, jobs[i].ok, jobs[i].result, expect, jobs[i].released, ROUNDS);
    if (!jobs[i].ok || jobs[i].result != expect || jobs[i].released != ROUNDS) bad = 1;
  }
  return bad;
}
