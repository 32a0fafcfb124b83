# SciPy side of bench/optimize.lua: the same problems, same output format.
# The *_loop lines repeat SciPy's (vectorised) time next to lumpy's Lua-loop
# objectives.
import math
import time
import numpy as np
from scipy import optimize


def best(reps, f):
    """best of reps rounds; each round repeats f until 0.05 s have passed"""
    tb, out = float("inf"), None
    for _ in range(reps):
        t0, k = time.process_time(), 0
        while True:
            out = f()
            k += 1
            if time.process_time() - t0 >= 0.05:
                break
        tb = min(tb, (time.process_time() - t0) / k)
    return tb, out


x10 = np.array([-1.2, 1.0] * 5)
x100 = np.array([-1.2, 1.0] * 50)
t, r = best(5, lambda: optimize.minimize(optimize.rosen, x10, method="BFGS"))
print("bfgs_rosen10 %.6f %d" % (t, r.nfev))
print("bfgs_rosen10_loop %.6f %d" % (t, r.nfev))


def rosen_seq(x):
    """Rosenbrock summed in order, as the Lua objective (same rounding)"""
    s = 0.0
    for i in range(len(x) - 1):
        a, b = float(x[i]), float(x[i + 1])
        d, e = b - a * a, 1 - a
        s += 100 * (d * d) + e * e
    return s


t, r = best(5, lambda: optimize.minimize(rosen_seq, x10, method="BFGS"))
print("bfgs_rosen10_seqsum %.6f %d" % (t, r.nfev))
t, r = best(5, lambda: optimize.minimize(optimize.rosen, [-1.2, 1.0], method="Nelder-Mead"))
print("neldermead_rosen2 %.6f %d" % (t, r.nfev))
print("neldermead_rosen2_loop %.6f %d" % (t, r.nfev))
t, r = best(5, lambda: optimize.minimize(optimize.rosen, x100, method="L-BFGS-B",
                                         jac=optimize.rosen_der))
print("lbfgsb_rosen100 %.6f %d" % (t, r.nfev))
print("lbfgsb_rosen100_loop %.6f %d" % (t, r.nfev))
f = lambda x: x * x * x - 2 * x - 5


def many():
    for _ in range(1000):
        x, rr = optimize.brentq(f, 2, 3, full_output=True)
    return rr


t, r = best(5, many)
print("brentq_x1000 %.6f %d" % (t, r.function_calls))
xd = np.linspace(0, 4, 1000)
yd = 2.5 * np.exp(-1.3 * xd) + 0.5 + 0.05 * np.sin(7 * xd)
model = lambda x, a, b, c: a * np.exp(-b * x) + c
nf = [0]


def fit():
    popt, pcov, info, msg, ier = optimize.curve_fit(model, xd, yd, p0=[1, 1, 1], full_output=True)
    nf[0] = info["nfev"]
    return popt


t, r = best(5, fit)
print("curve_fit_exp1000 %.6f %d" % (t, nf[0]))
