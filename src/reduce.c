/*
** reduce.c: (to be written) the reduce domain of lumpy.
*/
#include "core.h"

void lumpy_open_reduce(lua_State *L) {
  (void)L;
}
