"""bench/workloads/fft.py: the NumPy side of fft.lua."""
import numpy as np
from common import vec


def setup_rfft(n):
    return {"x": vec(n, 1, -1, 1)}


def run_rfft(s):
    return np.fft.rfft(s["x"])


setup_fft = setup_rfft


def run_fft(s):
    return np.fft.fft(s["x"])
