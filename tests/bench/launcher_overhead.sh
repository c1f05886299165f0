#!/usr/bin/env bash
# Cost of `hotc` as compiler launcher on a clean build of a real C++
# project: ninja's own source (fetched by scripts/setup), built with CMake
# and Ninja with and without CMAKE_CXX_COMPILER_LAUNCHER=hotc, alternating,
# RUNS times each (default 3); prints the medians and the overhead.
#   tests/bench/launcher_overhead.sh [RUNS]
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${HOTC_OWN_BUILD:-$here/build}
runs=${1:-3}
src=$(ls -d "$here"/.deps/ninja-*/ | head -1)
work=$(mktemp -d)
cp -r "$src" "$work/src"
cmake -S "$work/src" -B "$work/plain" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake -S "$work/src" -B "$work/hotc" -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF \
  -DCMAKE_CXX_COMPILER_LAUNCHER="$build/bin/hotc" >/dev/null
time_build() { # prints seconds of a clean build of $1
  ninja -C "$1" -t clean >/dev/null
  local t0=$(date +%s.%N)
  ninja -C "$1" >/dev/null
  awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.3f", a - b }'
}
plain=(); launched=()
for i in $(seq "$runs"); do
  plain+=("$(time_build "$work/plain")")
  launched+=("$(time_build "$work/hotc")")
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
p=$(median "${plain[@]}"); l=$(median "${launched[@]}")
objects=$(ls "$work/hotc/.hotc/objects" | wc -l)
echo "clean build of ninja $(basename "$src") ($objects objects recorded by hotc)"
echo "without launcher: ${plain[*]} s, median $p s"
echo "with hotc:        ${launched[*]} s, median $l s"
echo "overhead: $(awk -v l="$l" -v p="$p" 'BEGIN { printf "%.1f", (l - p) * 100 / p }') %"
rm -rf "$work"
