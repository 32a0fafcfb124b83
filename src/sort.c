/*
** sort.c: (to be written) the sort domain of lumpy.
*/
#include "core.h"

void lumpy_open_sort(lua_State *L) {
  (void)L;
}
