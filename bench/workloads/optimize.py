"""bench/workloads/optimize.py: the SciPy side of optimize.lua."""
import numpy as np
from scipy import optimize
from scipy.optimize import rosen, rosen_der
from common import vec, mat


def _start(n):
    return np.array([-1.2 if i % 2 == 0 else 1.0 for i in range(n)])


def setup_brentq(n):
    return {"f": lambda x: x * x * x - 2 * x - 5}


def run_brentq(s):
    return optimize.brentq(s["f"], 2, 3)


def setup_bfgs_rosen10(n):
    return {"f": rosen, "x0": _start(n)}


def run_bfgs_rosen10(s):
    return optimize.minimize(s["f"], s["x0"], method="BFGS").x


def setup_bfgs_rosen10_jac(n):
    return {"f": rosen, "g": rosen_der, "x0": _start(n)}


def run_bfgs_rosen10_jac(s):
    return optimize.minimize(s["f"], s["x0"], method="BFGS", jac=s["g"]).x


setup_nelder_mead2 = setup_bfgs_rosen10


def run_nelder_mead2(s):
    return optimize.minimize(s["f"], s["x0"], method="Nelder-Mead").x


setup_lbfgsb100 = setup_bfgs_rosen10_jac


def run_lbfgsb100(s):
    return optimize.minimize(s["f"], s["x0"], method="L-BFGS-B", jac=s["g"]).x


# lumpy's side runs a plain-Lua objective; SciPy's is the same as lbfgsb100
setup_lbfgsb100_lua = setup_bfgs_rosen10_jac
run_lbfgsb100_lua = run_lbfgsb100


def setup_curve_fit(n):
    x = 4.0 * np.arange(n) / (n - 1)
    noise = vec(n, 3)
    y = 2.5 * np.exp(-1.3 * x) + 0.5 + 0.1 * (noise - 0.5)
    return {"f": lambda xs, a, b, c: a * np.exp(-b * xs) + c, "x": x, "y": y,
            "p0": [1.0, 1.0, 1.0]}


def run_curve_fit(s):
    return optimize.curve_fit(s["f"], s["x"], s["y"], p0=s["p0"])[0]


setup_powell_rosen10 = setup_bfgs_rosen10


def run_powell_rosen10(s):
    return optimize.minimize(s["f"], s["x0"], method="Powell").x


def _wood(x):
    a, b, c, d = x.tolist()
    return (100 * (b - a * a) ** 2 + (1 - a) ** 2 + 90 * (d - c * c) ** 2 + (1 - c) ** 2
            + 10 * (b + d - 2) ** 2 + 0.1 * (b - d) ** 2)


def setup_powell_wood(n):
    return {"f": _wood, "x0": np.array([-3.0, -1.0, -3.0, -1.0])}


run_powell_wood = run_powell_rosen10


def _hs071(x):
    a, b, c, d = x.tolist()
    return a * d * (a + b + c) + c


def _hs071_c1(x):
    a, b, c, d = x.tolist()
    return a * b * c * d - 25


def _hs071_c2(x):
    return sum(v * v for v in x.tolist()) - 40


def setup_slsqp_hs071(n):
    return {"f": _hs071, "c1": _hs071_c1, "c2": _hs071_c2,
            "x0": np.array([1.0, 5.0, 5.0, 1.0]), "bounds": [(1, 5)] * 4}


def run_slsqp_hs071(s):
    cons = [{"type": "ineq", "fun": s["c1"]}, {"type": "eq", "fun": s["c2"]}]
    return optimize.minimize(s["f"], s["x0"], method="SLSQP", bounds=s["bounds"],
                             constraints=cons).x


setup_slsqp_rosen10 = setup_bfgs_rosen10


def run_slsqp_rosen10(s):
    return optimize.minimize(s["f"], s["x0"], method="SLSQP").x


def setup_linprog40x60(n):
    m, me = 2 * n // 3, n // 6
    a, ae, xf = mat(m, n, 1, -1, 1), mat(me, n, 4, -1, 1), vec(n, 2)
    return {"c": vec(n, 5, -1, 1), "a": a, "b": a @ xf + vec(m, 3, 0.1, 1),
            "ae": ae, "be": ae @ xf, "bounds": [(0, 3)] * n}


def run_linprog40x60(s):
    return optimize.linprog(s["c"], A_ub=s["a"], b_ub=s["b"], A_eq=s["ae"], b_eq=s["be"],
                            bounds=s["bounds"], method="highs")


def fp_linprog40x60(r):
    return [r.fun]
