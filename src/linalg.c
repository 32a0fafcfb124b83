/*
** linalg.c: (to be written) the linalg domain of lumpy.
*/
#include "core.h"

void lumpy_open_linalg(lua_State *L) {
  (void)L;
}
