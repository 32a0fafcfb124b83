# solve_ivp timing with SciPy (run with /usr/bin/python3)
# CPU time (time.process_time), as the Lua side measures with os.clock
import time
from scipy.integrate import solve_ivp
def lv(t, y): return [1.5 * y[0] - y[0] * y[1], -3 * y[1] + y[0] * y[1]]
def timeit(name, n, f):
    r = f()
    t0 = time.process_time()
    for _ in range(n): f()
    dt = (time.process_time() - t0) / n
    print("scipy %-34s %9.3f ms nfev=%d (%.2f us/eval)" % (name, dt * 1e3, r.nfev, dt * 1e6 / r.nfev))
timeit("RK45 Lotka-Volterra rtol 1e-8", 5, lambda: solve_ivp(lv, [0, 15], [10, 5], method="RK45", rtol=1e-8))
mu = 1000
def vdp(t, y): return [y[1], mu * (1 - y[0] ** 2) * y[1] - y[0]]
for m in ("BDF", "Radau"):
    timeit("Van der Pol mu=1000 [0,3000] " + m, 1, lambda: solve_ivp(vdp, [0, 3000], [2, 0], method=m))
