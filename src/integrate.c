/*
** integrate.c: (to be written) the integrate domain of lumpy.
*/
#include "core.h"

void lumpy_open_integrate(lua_State *L) {
  (void)L;
}
