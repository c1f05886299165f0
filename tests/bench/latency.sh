#!/usr/bin/env bash
# Runs the edit->live latency harness and plots it next to the docs:
#   tests/bench/latency.sh [EDITS]
# Needs a build with tests (scripts/test, or cmake -DBUILD_TESTING=ON);
# installs gnuplot for the plot if it is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${HOTC_OWN_BUILD:-$here/build}
edits=${1:-20}
cmake --build "$build" --target hotc_edit_latency
command -v gnuplot >/dev/null || apt-get install -y --no-install-recommends gnuplot-nox >/dev/null
data=$(mktemp)
"$build/bin/hotc_edit_latency" "$edits" "$data" | tee "$here/docs/latency-last-run.txt"
gnuplot <<PLOT
set terminal pngcairo size 800,450
set output "$here/docs/latency.png"
set title "One-function edit of a TU with 9 standard headers (ms, log scale)"
set xlabel "edit"
set ylabel "ms until the new code runs"
set logscale y
set key top right
set yrange [10:6000]
set grid ytics
plot "$data" using 1:4 with linespoints title "ninja + relink + restart", \
     "$data" using 1:3 with linespoints title "clang++-19 -c of the TU", \
     "$data" using 1:2 with linespoints title "hotc (write -> new code running)"
PLOT
rm -f "$data"
echo "plot: $here/docs/latency.png"
