"""bench/workloads/startup.py: the Python side of startup.lua: what
`python3 -c` runs."""
code_startup = "import numpy"
code_startup_optimize = "import scipy.optimize"
code_startup_integrate = "import scipy.integrate"
code_startup_stats = "import scipy.stats"
