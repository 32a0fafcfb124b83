"""bench/workloads/stats.py: the SciPy side of stats.lua."""
from scipy import stats, special
from common import vec


def setup_norm_cdf(n):
    return {"x": vec(n, 1, -5, 5)}


def run_norm_cdf(s):
    return stats.norm.cdf(s["x"])


def setup_norm_ppf(n):
    return {"x": vec(n, 1)}


def run_norm_ppf(s):
    return stats.norm.ppf(s["x"])


setup_t_cdf = setup_norm_cdf


def run_t_cdf(s):
    return stats.t.cdf(s["x"], 5)


def setup_gammaln(n):
    return {"x": vec(n, 1, 0, 50)}


def run_gammaln(s):
    return special.gammaln(s["x"])
