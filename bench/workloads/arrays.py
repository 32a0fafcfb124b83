"""bench/workloads/arrays.py: the NumPy side of arrays.lua."""
import numpy as np
from common import vec, mat


def setup_triad(n):
    return {"a": vec(n, 1), "b": vec(n, 2)}


def run_triad(s):
    return s["a"] * 2.5 + s["b"]


def setup_triad_out(n):
    return {"a": vec(n, 1), "b": vec(n, 2), "out": np.empty(n)}


def run_triad_out(s):
    np.multiply(s["a"], 2.5, out=s["out"])
    return np.add(s["out"], s["b"], out=s["out"])


setup_iadd_out = setup_triad


def run_iadd_out(s):
    a = s["a"]
    a += s["b"]
    return a


def setup_sum(n):
    return {"a": vec(n, 1)}


def run_sum(s):
    return s["a"].sum()


def setup_sum_axis1(n):
    return {"a": mat(n, n, 1)}


def run_sum_axis1(s):
    return s["a"].sum(axis=0)


setup_sum_axis2 = setup_sum_axis1


def run_sum_axis2(s):
    return s["a"].sum(axis=1)


def setup_exp(n):
    return {"a": vec(n, 1, -5, 5)}


def run_exp(s):
    return np.exp(s["a"])


def setup_sqrt(n):
    return {"a": vec(n, 1, 0, 100)}


def run_sqrt(s):
    return np.sqrt(s["a"])


def setup_bcast_add(n):
    return {"a": mat(n, n, 1), "b": vec(n, 2)}


def run_bcast_add(s):
    return s["a"] + s["b"]


setup_transpose_copy = setup_sum_axis1


def run_transpose_copy(s):
    return s["a"].T.copy()


setup_slice_sum2 = setup_sum_axis1


def run_slice_sum2(s):
    return s["a"][::2, ::2].sum()


setup_slice_sum3 = setup_sum_axis1


def run_slice_sum3(s):
    return s["a"][::3, ::3].sum()


setup_sort = setup_sum


def run_sort(s):
    return np.sort(s["a"])


def setup_loop(n):
    return {"a": vec(n, 1), "n": n}


def run_loop(s):
    a = s["a"]
    for i in range(s["n"]):
        a[i] = a[i] * 2
    return a
