"""bench/common.py: what the NumPy/SciPy workloads share. The inputs are
bench/common.lua's, bit for bit, so the spec can compare results."""
import numpy as np

_M = 0xFFFFFFFFFFFFFFFF


def _u(k):
    """splitmix64 of the uint64 array k, as doubles in (0, 1)"""
    z = k * np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    z = z ^ (z >> np.uint64(31))
    return ((z >> np.uint64(11)).astype(np.float64) + 0.5) * 2.0 ** -53


def vec(n, seed, lo=0.0, hi=1.0):
    k = np.arange(1, n + 1, dtype=np.uint64) + np.uint64((seed << 32) & _M)
    return lo + (hi - lo) * _u(k)


def mat(r, c, seed, lo=0.0, hi=1.0):
    return vec(r * c, seed, lo, hi).reshape(r, c)


def shifted(n, seed, shift):
    return mat(n, n, seed) + shift * np.eye(n)


def sym(n, seed, shift):
    a = mat(n, n, seed)
    s = np.triu(a) + np.triu(a, 1).T
    return s + shift * np.eye(n)


def flat(v):
    """a result as a flat list of floats, row-major, complex as (re, im)"""
    out = []

    def walk(x):
        if isinstance(x, (list, tuple)):
            for y in x:
                walk(y)
        elif isinstance(x, np.ndarray):
            if np.iscomplexobj(x):
                for z in x.ravel():
                    out.extend((float(z.real), float(z.imag)))
            else:
                out.extend(float(z) for z in x.ravel())
        elif isinstance(x, (complex, np.complexfloating)):
            out.extend((float(x.real), float(x.imag)))
        else:
            out.append(float(x))
    walk(v)
    return out
