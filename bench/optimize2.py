# SciPy side of bench/optimize2.lua: the same problems, same output format.
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


def rosen(xa):
    x, s = xa.tolist(), 0.0
    for i in range(len(x) - 1):
        a, b = x[i], x[i + 1]
        s += 100 * (b - a * a) ** 2 + (1 - a) ** 2
    return s


def wood(x):
    a, b, c, d = x.tolist()
    return (100 * (b - a * a) ** 2 + (1 - a) ** 2 + 90 * (d - c * c) ** 2 + (1 - c) ** 2
            + 10 * (b + d - 2) ** 2 + 0.1 * (b - d) ** 2)


def hs071(x):
    a, b, c, d = x.tolist()
    return a * d * (a + b + c) + c


def c1(x):
    a, b, c, d = x.tolist()
    return a * b * c * d - 25


def c2(x):
    return sum(v * v for v in x.tolist()) - 40


cons = [{"type": "ineq", "fun": c1}, {"type": "eq", "fun": c2}]
x10 = np.array([-1.2, 1.0] * 5)
t, r = best(5, lambda: optimize.minimize(rosen, [-1.2, 1.0], method="Powell"))
print("powell_rosen2 %.6f %d" % (t, r.nfev))
t, r = best(5, lambda: optimize.minimize(wood, [-3, -1, -3, -1], method="Powell"))
print("powell_wood %.6f %d" % (t, r.nfev))
t, r = best(5, lambda: optimize.minimize(rosen, x10, method="Powell"))
print("powell_rosen10 %.6f %d" % (t, r.nfev))
t, r = best(5, lambda: optimize.minimize(hs071, [1, 5, 5, 1], method="SLSQP", bounds=[(1, 5)] * 4,
                                         constraints=cons))
print("slsqp_hs071 %.6f %d" % (t, r.nfev))
t, r = best(5, lambda: optimize.minimize(rosen, x10, method="SLSQP"))
print("slsqp_rosen10 %.6f %d" % (t, r.nfev))

# the same random LP as the Lua side (regenerated exactly as gen_optimize2.py)
rng = np.random.default_rng(20240601)
lp = None
for k, (m, nn, me) in enumerate([(8, 10, 0), (15, 20, 3), (30, 25, 5), (40, 60, 10)]):
    A = rng.uniform(-1, 1, (m, nn))
    xf = rng.uniform(0, 1, nn)
    b = A @ xf + rng.uniform(0.1, 1, m)
    Ae = rng.uniform(-1, 1, (me, nn)) if me else None
    be = Ae @ xf if me else None
    c = rng.uniform(-1, 1, nn)
    lp = (c, A, b, Ae, be, [(0, 3)] * nn)
c, A, b, Ae, be, bnds = lp
t, r = best(5, lambda: optimize.linprog(c, A_ub=A, b_ub=b, A_eq=Ae, b_eq=be, bounds=bnds,
                                        method="highs"))
print("linprog_40x60 %.6f %d" % (t, r.nit))
