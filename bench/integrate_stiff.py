# stiff solve_ivp and odeint timing (SciPy side; run with /usr/bin/python3 from the
# repository root). See bench/integrate_stiff.lua.
import time
import numpy as np
from scipy.integrate import solve_ivp, odeint
mu = 1000.0
def vdp(t, y): return [y[1], mu * (1 - y[0] ** 2) * y[1] - y[0]]
def vdp_jac(t, y): return [[0, 1], [-2 * mu * y[0] * y[1] - 1, mu * (1 - y[0] ** 2)]]
def timeit(name, reps, f):
    best, r = float("inf"), None
    for _ in range(reps):
        t0 = time.perf_counter()
        r = f()
        best = min(best, time.perf_counter() - t0)
    print("scipy %-40s %9.3f ms  nfev=%-6d njev=%-4d (%.2f us/eval)"
          % (name, best * 1e3, r["nfev"], r["njev"], best * 1e6 / r["nfev"]))
for m in ("BDF", "Radau", "LSODA"):
    timeit("VdP mu=1000 [0,3000] " + m, 2,
           lambda: solve_ivp(vdp, [0, 3000], [2, 0], method=m))
    timeit("VdP mu=1000 [0,3000] " + m + " jac", 2,
           lambda: solve_ivp(vdp, [0, 3000], [2, 0], method=m, jac=vdp_jac))
t = np.linspace(0, 3000, 301)
def run_odeint():
    y, info = odeint(lambda y, t: vdp(t, y), [2, 0], t, mxstep=5000, full_output=True)
    return {"nfev": info["nfe"][-1], "njev": info["nje"][-1]}
timeit("odeint VdP mu=1000 [0,3000] 301 points", 2, run_odeint)
