/*
** shape.c: (to be written) the shape domain of lumpy.
*/
#include "core.h"

void lumpy_open_shape(lua_State *L) {
  (void)L;
}
