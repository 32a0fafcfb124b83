"""bench/plot.py: the results as an SVG bar chart, one bar per workload, the
ratio (NumPy time / lumpy time) on a log axis; written by hand, no plotting
library. bench/run calls write_svg; `bench/plot.py [results.tsv [out.svg]]`
redraws from a saved table, and `bench/plot.py --markdown [results.tsv]` prints
it as a Markdown table (for docs/bench.md and the README)."""
import math
import os
import sys
from xml.sax.saxutils import escape

ROW, LEFT, WIDTH, TOP = 18, 150, 560, 90
LO, HI = 0.01, 1000.0           # the axis, widened to fit the data


def _x(r, lo, hi):
    return LEFT + WIDTH * (math.log10(r) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))


def write_svg(path, header, bars):
    """bars: (name, ratio or None, target, status) in table order"""
    vals = [b[1] for b in bars if b[1]]
    lo = min([LO] + [10 ** math.floor(math.log10(v)) for v in vals])
    hi = max([HI] + [10 ** math.ceil(math.log10(v)) for v in vals])
    height = TOP + ROW * len(bars) + 40
    total_w = LEFT + WIDTH + 190
    out = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="sans-serif" font-size="11">' % (total_w, height),
           '<rect width="100%" height="100%" fill="white"/>',
           '<text x="10" y="18" font-size="14" font-weight="bold">lumpy vs NumPy/SciPy: '
           'ratio = NumPy time / lumpy time (log scale; right of 1 = lumpy faster)</text>']
    for i, h in enumerate(header):
        out.append('<text x="10" y="%d" fill="#444">%s</text>' % (36 + 13 * i, escape(h)))
    axis_y = TOP + ROW * len(bars) + 4
    d = int(math.log10(lo))
    while 10 ** d <= hi:
        x = _x(10 ** d, lo, hi)
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>' % (
            x, TOP - 4, x, axis_y, "#000" if d == 0 else "#ddd"))
        out.append('<text x="%.1f" y="%d" text-anchor="middle">%g</text>' % (
            x, axis_y + 14, 10 ** d))
        d += 1
    one = _x(1, lo, hi)
    for i, (name, ratio, target, status) in enumerate(bars):
        y = TOP + ROW * i
        out.append('<text x="%d" y="%d" text-anchor="end">%s</text>' % (
            LEFT - 6, y + 12, escape(name)))
        if not ratio:
            out.append('<text x="%.1f" y="%d" fill="#888">%s</text>' % (
                one + 4, y + 12, escape(status if status != "ok" else "no result")))
            continue
        x = _x(ratio, lo, hi)
        colour = "#2a9d48" if ratio >= target else ("#e9a23b" if ratio >= 1 else "#d1453b")
        out.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>' % (
            min(x, one), y + 2, max(abs(x - one), 1), ROW - 5, colour))
        tx = _x(target, lo, hi)
        out.append('<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="#000" '
                   'stroke-width="2"/>' % (tx, y, tx, y + ROW - 1))
        out.append('<text x="%.1f" y="%d">%.3g</text>' % (max(x, one, tx) + 4, y + 12, ratio))
    out.append('<text x="%d" y="%d" fill="#444">bars: green meets the target (black tick), '
               'orange faster than NumPy but short of the target, red slower</text>' % (
                   LEFT, height - 6))
    out.append('</svg>')
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def read_tsv(path):
    header, bars, cols = [], [], None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("# "):
                header.append(line[2:])
                continue
            fields = line.split("\t")
            if cols is None:
                cols = fields
                continue
            r = dict(zip(cols, fields))
            t = r["target"]
            status = r["lumpy_status"] if r["lumpy_status"] != "ok" else r["numpy_status"]
            bars.append((r["name"], float(r["ratio"]) if r["ratio"] else None,
                         float(t[:-4] if t.endswith("eval") else t), status))
    return header, bars


def _time(x):
    if not x:
        return "-"
    t = float(x)
    for unit, f in (("s", 1), ("ms", 1e3), ("us", 1e6)):
        if t * f >= 1:
            return "%.3g %s" % (t * f, unit)
    return "%.3g ns" % (t * 1e9)


def markdown(path):
    """the saved table as Markdown lines"""
    lines, cols = [], None
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("# "):
                lines.append(line[2:] + "  ")
                continue
            fields = line.split("\t")
            if cols is None:
                cols = fields
                lines += ["", "| workload | size | lumpy | NumPy/SciPy | ratio | pairs | target | "
                          "evals lumpy/SciPy | of machine limit lumpy (NumPy) |",
                          "|---|---|--:|--:|--:|--:|---|--:|---|"]
                continue
            r = dict(zip(cols, fields))
            lt = r["lumpy_status"] if r["lumpy_status"] != "ok" else _time(r["lumpy_s"])
            pt = r["numpy_status"] if r["numpy_status"] != "ok" else _time(r["numpy_s"])
            verdict = {"yes": "met", "no": "**missed**"}.get(r["target_met"], "")
            target = ">= %s%s %s" % (r["target"].replace("eval", ""),
                                     " per eval" if r["target"].endswith("eval") else "", verdict)
            ev = ""
            if r["lumpy_evals"] or r["numpy_evals"]:
                ev = "%s/%s" % (r["lumpy_evals"] or "-", r["numpy_evals"] or "-")
            lim = ""
            if r["limit"] and (r["lumpy_limit_frac"] or r["numpy_limit_frac"]):
                def pc(x):
                    return "%.0f%%" % (100 * float(x)) if x else "-"
                lim = "%s (%s) of %s" % (pc(r["lumpy_limit_frac"]), pc(r["numpy_limit_frac"]),
                                         "1-thread triad bandwidth" if r["limit"] == "bw1"
                                         else "dgemm rate")
            if r["lumpy_status"] != "ok" and r["note"]:
                lim = r["note"]
            pairs = ""
            if r.get("pair_ratio_lo"):
                pairs = "%.3g-%.3g" % (float(r["pair_ratio_lo"]), float(r["pair_ratio_hi"]))
            lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                r["name"], r["size"], lt, pt, "%.2f" % float(r["ratio"]) if r["ratio"] else "-",
                pairs, target, ev, lim))
    return lines


if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    if len(sys.argv) > 1 and sys.argv[1] == "--markdown":
        print("\n".join(markdown(sys.argv[2] if len(sys.argv) > 2
                                  else os.path.join(here, "results.tsv"))))
        sys.exit(0)
    src = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "results.tsv")
    dst = sys.argv[2] if len(sys.argv) > 2 else os.path.splitext(src)[0] + ".svg"
    h, b = read_tsv(src)
    write_svg(dst, h[:4], b)
