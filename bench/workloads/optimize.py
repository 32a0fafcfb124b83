"""bench/workloads/optimize.py: the SciPy side of optimize.lua."""
import numpy as np
from scipy import optimize
from scipy.optimize import rosen, rosen_der
from common import vec


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
