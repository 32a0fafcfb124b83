/*
** optimize.h: private interface between the optimize files (optimize.c and
** src/opt_*.c). Each opt_ file adds its kernels to the _optimize table.
*/
#ifndef LUMPY_OPTIMIZE_H
#define LUMPY_OPTIMIZE_H

#include "core.h"

/* each adds its functions to the table on top of the stack */
void lumpy_open_opt_scalar(lua_State *L);
void lumpy_open_opt_minimize(lua_State *L);

#endif
