#!/bin/sh
# Powell, SLSQP and linprog next to SciPy, interleaved (three rounds each): prints
# name, lumpy seconds, SciPy seconds, speedup, lumpy nfev, SciPy nfev.
cd "$(dirname "$0")/.." || exit 1
L() { LUA_PATH="lua/?.lua;lua/?/init.lua;;" LUA_CPATH="lua/?.so;;" lua5.4 bench/optimize2.lua; }
P() { /usr/bin/python3 bench/optimize2.py; }
tmp=$(mktemp -d)
for i in 1 2 3; do L >>"$tmp/l"; P >>"$tmp/p"; done
awk 'FNR == NR { if (!($1 in lt) || $2 < lt[$1]) lt[$1] = $2; ln[$1] = $3; next }
     { if (!($1 in pt) || $2 < pt[$1]) pt[$1] = $2; pn[$1] = $3; if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 } }
     END { printf "%-20s %12s %12s %9s %8s %8s\n", "case", "lumpy s", "scipy s", "speedup", "nfev", "scipy"
           for (i = 1; i <= k; i++) { c = order[i]
             printf "%-20s %12.6f %12.6f %8.1fx %8d %8d\n", c, lt[c], pt[c], pt[c] / lt[c], ln[c], pn[c] } }' \
  "$tmp/l" "$tmp/p"
rm -rf "$tmp"
