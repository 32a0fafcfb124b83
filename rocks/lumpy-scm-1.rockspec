rockspec_format = "3.0"
package = "lumpy"
version = "scm-1"
source = { url = "git+file:///dev/null" }
description = {
  summary = "NumPy and SciPy for Lua 5.4: n-d arrays, linear algebra, optimize, integrate",
  detailed = [[
lumpy gives Lua 5.4 n-dimensional arrays with operators, broadcasting and
1-based indexing, linear algebra on OpenBLAS and LAPACKE, and SciPy-style
kernels whose C loops call back into Lua functions.]],
  license = "MIT",
}
dependencies = { "lua >= 5.4, < 5.5" }
build = {
  type = "make",
  build_variables = {
    CFLAGS = "$(CFLAGS)",
    LUA = "$(LUA)",
  },
  install_variables = {
    LUA_LIBDIR = "$(LIBDIR)",
    LUA_DIR = "$(LUADIR)",
  },
}
test = { type = "command", command = "make test" }
