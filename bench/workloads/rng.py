"""bench/workloads/rng.py: the NumPy side of rng.lua."""
import numpy as np


def _moments(a):
    return [float(a.mean()), float(a.std())]


def setup_standard_normal(n):
    return {"rng": np.random.default_rng(0), "n": n}


def run_standard_normal(s):
    return s["rng"].standard_normal(s["n"])


fp_standard_normal = _moments
setup_random = setup_standard_normal


def run_random(s):
    return s["rng"].random(s["n"])


fp_random = _moments
