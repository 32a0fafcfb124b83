"""bench/workloads/integrate.py: the SciPy side of integrate.lua."""
import math
import numpy as np
from scipy import integrate


def setup_quad_oscil(n):
    return {"b": n, "f": lambda x: math.exp(-x * x) * math.cos(x)}


def run_quad_oscil(s):
    return integrate.quad(s["f"], 0, s["b"])[0]


def setup_quad_inf(n):
    return {"f": lambda x: math.exp(-x * x)}


def run_quad_inf(s):
    return integrate.quad(s["f"], -math.inf, math.inf)[0]


def _last(res):
    return list(res.y[:, -1])


def _lv(t, y):
    a, b = y
    return [1.5 * a - a * b, -3 * b + a * b]


def setup_ivp_lv_rk45(n):
    return {"T": n, "f": _lv}


def run_ivp_lv_rk45(s):
    return integrate.solve_ivp(s["f"], (0, s["T"]), [10, 5], method="RK45",
                               rtol=1e-8, atol=1e-6)


fp_ivp_lv_rk45 = _last


def _vdp(t, y):
    a, b = y
    return [b, 1000 * (1 - a * a) * b - a]


def setup_ivp_vdp_bdf(n):
    return {"T": n, "f": _vdp}


def run_ivp_vdp_bdf(s):
    return integrate.solve_ivp(s["f"], (0, s["T"]), [2, 0], method="BDF")


fp_ivp_vdp_bdf = _last
setup_ivp_vdp_radau = setup_ivp_vdp_bdf


def run_ivp_vdp_radau(s):
    return integrate.solve_ivp(s["f"], (0, s["T"]), [2, 0], method="Radau")


fp_ivp_vdp_radau = _last

setup_ivp_vdp_lsoda = setup_ivp_vdp_bdf


def run_ivp_vdp_lsoda(s):
    return integrate.solve_ivp(s["f"], (0, s["T"]), [2, 0], method="LSODA")


fp_ivp_vdp_lsoda = _last


def _vdp_jac(t, y):
    a, b = y
    return [[0, 1], [-2000 * a * b - 1, 1000 * (1 - a * a)]]


def setup_ivp_vdp_bdf_jac(n):
    return {"T": n, "f": _vdp, "j": _vdp_jac}


def run_ivp_vdp_bdf_jac(s):
    return integrate.solve_ivp(s["f"], (0, s["T"]), [2, 0], method="BDF", jac=s["j"])


fp_ivp_vdp_bdf_jac = _last


def setup_odeint_vdp(n):
    return {"t": np.linspace(0, n, 301), "f": lambda y, t: _vdp(t, y)}


def run_odeint_vdp(s):
    y = integrate.odeint(s["f"], [2, 0], s["t"], mxstep=5000)
    return list(y[-1])
