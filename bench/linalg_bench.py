#!/usr/bin/python3
"""numpy.linalg timings paired with bench/linalg_bench.lua (same matrices).
Usage: /usr/bin/python3 bench/linalg_bench.py [names...]
Wall clock, or process CPU time when LUMPY_BENCH_CPU is set."""
import os
import sys
import time

import numpy as np


def mat(m, n, seed, spd=False):
    x = seed
    out = np.empty(m * n)
    for k in range(m * n):
        x = (x * 1103515245 + 12345) % 2147483648
        out[k] = x / 1073741824 - 1
    a = out.reshape(m, n)
    if spd:
        a = np.triu(a, 1)
        a = a + a.T + n * np.eye(m)
    return a


clock = time.process_time if os.environ.get("LUMPY_BENCH_CPU") else time.perf_counter


def best(f, reps, runs=5):
    b = float("inf")
    for _ in range(runs):
        t0 = clock()
        for _ in range(reps):
            f()
        b = min(b, (clock() - t0) / reps)
    return b


def cases():
    yield "matmul1000", lambda: (lambda a, b: (lambda: a @ b))(mat(1000, 1000, 1), mat(1000, 1000, 2)), 10
    yield "matmul2000", lambda: (lambda a, b: (lambda: a @ b))(mat(2000, 2000, 1), mat(2000, 2000, 2)), 2
    yield "solve1000", lambda: (lambda a, b: (lambda: np.linalg.solve(a, b)))(mat(1000, 1000, 3), mat(1, 1000, 4)[0]), 10
    yield "inv1000", lambda: (lambda a: (lambda: np.linalg.inv(a)))(mat(1000, 1000, 3)), 5
    yield "cholesky1000", lambda: (lambda a: (lambda: np.linalg.cholesky(a)))(mat(1000, 1000, 5, True)), 20
    yield "qr1000", lambda: (lambda a: (lambda: np.linalg.qr(a)))(mat(1000, 1000, 6)), 3
    yield "eigh500", lambda: (lambda a: (lambda: np.linalg.eigh(a)))(mat(500, 500, 7, True)), 5
    yield "svd500", lambda: (lambda a: (lambda: np.linalg.svd(a)))(mat(500, 500, 8)), 5
    yield "lstsq2000x100", lambda: (lambda a, b: (lambda: np.linalg.lstsq(a, b, rcond=None)))(mat(2000, 100, 9), mat(1, 2000, 10)[0]), 20


want = set(sys.argv[1:])
for name, make, reps in cases():
    if not want or name in want:
        f = make()
        f()
        print("%s %.6f" % (name, best(f, reps)), flush=True)
