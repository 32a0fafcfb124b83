/*
** ufunc.c: (to be written) the ufunc domain of lumpy.
*/
#include "core.h"

void lumpy_open_ufunc(lua_State *L) {
  (void)L;
}
