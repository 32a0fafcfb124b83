"""bench/worker.py: the NumPy/SciPy side of bench/run; the same line protocol
as bench/worker.lua:
  info          "info" and tab-separated key=value facts (NumPy, SciPy, OpenBLAS)
  setup NAME N  "ok", "startup CODE" or "error MSG"
  run K         "time SECONDS" (total of K runs) or "error MSG"
  evals         one untimed run counting the callbacks' calls: "evals COUNT"
  free          "ok"
  quit
"""
import ctypes
import gc
import importlib.util
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GROUPS = sorted(f[:-3] for f in os.listdir(os.path.join(HERE, "workloads")) if f.endswith(".py"))
COUNTED = {
    "brentq": ["f"], "bfgs_rosen10": ["f"], "bfgs_rosen10_jac": ["f", "g"],
    "nelder_mead2": ["f"], "lbfgsb100": ["f", "g"], "lbfgsb100_lua": ["f", "g"],
    "curve_fit": ["f"], "powell_rosen10": ["f"], "powell_wood": ["f"],
    "slsqp_hs071": ["f", "c1", "c2"], "slsqp_rosen10": ["f"],
    "quad_oscil": ["f"], "quad_inf": ["f"], "ivp_lv_rk45": ["f"],
    "ivp_vdp_bdf": ["f"], "ivp_vdp_radau": ["f"], "ivp_vdp_lsoda": ["f"],
    "ivp_vdp_bdf_jac": ["f", "j"], "odeint_vdp": ["f"],
}


def load(name, folder=HERE):
    """<folder>/<name>.py as a module registered under its own name, loaded
    from its file, so no installed module of the same name can stand in for it"""
    spec = importlib.util.spec_from_file_location(name, os.path.join(folder, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[name] = mod
    spec.loader.exec_module(mod)
    return mod


def openblas():
    """the OpenBLAS library NumPy loaded, through ctypes, or None"""
    import numpy  # noqa: F401  (loads the BLAS)
    with open("/proc/self/maps") as f:
        for line in f:
            path = line.split()[-1]
            if "libopenblas" in path:
                return ctypes.CDLL(path)
    return None


def info():
    import numpy
    import scipy
    facts = ["info", "numpy=" + numpy.__version__, "scipy=" + scipy.__version__,
             "python=" + sys.version.split()[0]]
    lib = openblas()
    if lib is not None:
        lib.openblas_get_config.restype = ctypes.c_char_p
        lib.openblas_get_corename.restype = ctypes.c_char_p
        facts.append("blas_config=" + lib.openblas_get_config().decode())
        facts.append("blas_core=" + lib.openblas_get_corename().decode())
        facts.append("blas_threads=%d" % lib.openblas_get_num_threads())
    else:
        facts.append("blas_config=not OpenBLAS")
    env = os.environ.get("OPENBLAS_CORETYPE")
    if env is not None:
        facts.append("coretype=" + env)
    print("\t".join(facts), flush=True)


def say(*words):
    print(" ".join(str(w) for w in words).replace("\n", " | "), flush=True)


def main():
    load("common")
    mods = [load(g, os.path.join(HERE, "workloads")) for g in GROUPS]
    current = {}

    def find(prefix, name):
        for m in mods:
            f = getattr(m, prefix + name, None)
            if f is not None:
                return f
        return None

    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        cmd = words[0]
        try:
            if cmd == "info":
                info()
            elif cmd == "setup":
                name, n = words[1], int(words[2])
                current.clear()
                code = find("code_", name)
                if code is not None:
                    say("startup", code)
                    continue
                setup, run = find("setup_", name), find("run_", name)
                if setup is None or run is None:
                    say("error", "no Python workload " + name)
                    continue
                current.update(name=name, state=setup(n), run=run)
                gc.collect()
                say("ok")
            elif cmd == "run":
                k = int(words[1]) if len(words) > 1 else 1
                run, state = current["run"], current["state"]
                t0 = time.perf_counter()
                for _ in range(k):
                    run(state)
                say("time", "%.9g" % (time.perf_counter() - t0))
            elif cmd == "evals":
                keys = COUNTED.get(current["name"])
                if not keys:
                    say("evals", "-")
                    continue
                state, count = current["state"], [0]
                saved = {k: state[k] for k in keys}

                def counting(f):
                    def g(*a, **kw):
                        count[0] += 1
                        return f(*a, **kw)
                    return g
                for k in keys:
                    state[k] = counting(saved[k])
                try:
                    current["run"](state)
                finally:
                    state.update(saved)
                say("evals", count[0])
            elif cmd == "free":
                current.clear()
                gc.collect()
                say("ok")
            elif cmd == "quit":
                break
            else:
                say("error", "unknown command " + cmd)
        except Exception as e:  # a broken workload is reported, not fatal
            say("error", "%s: %s" % (type(e).__name__, e))


if __name__ == "__main__":
    main()
