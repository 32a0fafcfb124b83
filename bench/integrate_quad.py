# quad timing with SciPy (run with /usr/bin/python3)
# CPU time (time.process_time), as the Lua side measures with os.clock
import time, math
from scipy.integrate import quad
def bench(name, f, a, b, n):
    info = quad(f, a, b, full_output=1)[2]
    t0 = time.process_time()
    for _ in range(n): quad(f, a, b)
    dt = (time.process_time() - t0) / n
    print("scipy %-24s %8.2f us/call %6.3f us/eval neval=%d" % (name, dt * 1e6, dt * 1e6 / info["neval"], info["neval"]))
exp, cos = math.exp, math.cos
bench("exp(-x^2)cos(x) [0,10]", lambda x: exp(-x * x) * cos(x), 0, 10, 20000)
bench("exp(-x^2) (-inf,inf)", lambda x: exp(-x * x), -math.inf, math.inf, 10000)
