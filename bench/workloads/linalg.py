"""bench/workloads/linalg.py: the NumPy side of linalg.lua."""
import numpy as np
from common import vec, mat, shifted, sym


def setup_matmul(n):
    return {"a": mat(n, n, 1), "b": mat(n, n, 2)}


def run_matmul(s):
    return s["a"] @ s["b"]


setup_matmul1000 = setup_matmul2000 = setup_matmul
run_matmul1000 = run_matmul2000 = run_matmul


def setup_solve1000(n):
    return {"a": shifted(n, 1, n), "b": vec(n, 2)}


def run_solve1000(s):
    return np.linalg.solve(s["a"], s["b"])


def setup_inv1000(n):
    return {"a": shifted(n, 1, n)}


def run_inv1000(s):
    return np.linalg.inv(s["a"])


def setup_cholesky1000(n):
    return {"a": sym(n, 1, n)}


def run_cholesky1000(s):
    return np.linalg.cholesky(s["a"])


def setup_qr1000(n):
    return {"a": mat(n, n, 1)}


def run_qr1000(s):
    return np.linalg.qr(s["a"])[1]


def fp_qr1000(r):
    return [abs(x) for x in r.ravel()]


def setup_eigh500(n):
    return {"a": sym(n, 1, 0)}


def run_eigh500(s):
    return np.linalg.eigh(s["a"])[0]


setup_eig300 = setup_qr1000


def run_eig300(s):
    return np.linalg.eig(s["a"])[0]


def fp_eig300(w):
    return sorted(float(abs(z)) for z in w) + [float(np.sum(w.real))]


setup_svd500 = setup_qr1000


def run_svd500(s):
    return np.linalg.svd(s["a"])[1]


def setup_lstsq2000x100(n):
    return {"a": mat(n, n // 20, 1), "b": vec(n, 2)}


def run_lstsq2000x100(s):
    return np.linalg.lstsq(s["a"], s["b"], rcond=None)[0]
