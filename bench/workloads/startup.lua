-- bench/workloads/startup.lua: a whole process that loads lumpy (and a
-- submodule), timed by bench/run from spawn to exit; startup.py beside it gives
-- the Python commands. `code` is what `lua5.4 -e` runs.
local W = {}

W.startup = {code = 'require "lumpy"'}
W.startup_optimize = {needs = {"np.optimize"}, code = 'local _ = require("lumpy").optimize'}
W.startup_integrate = {needs = {"np.integrate"}, code = 'local _ = require("lumpy").integrate'}
W.startup_stats = {needs = {"np.stats"}, code = 'local _ = require("lumpy").stats'}

return W
