/*
** optimize.c: (to be written) the optimize domain of lumpy.
*/
#include "core.h"

void lumpy_open_optimize(lua_State *L) {
  (void)L;
}
