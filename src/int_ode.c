/*
** int_ode.c: initial value problems.
*/
#include "int.h"

void lumpy_open_int_ode(lua_State *L, int t) {
  (void)L; (void)t;
}
