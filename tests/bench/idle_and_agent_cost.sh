#!/usr/bin/env bash
# Two costs that should be nil:
#  1. CPU used by an idle `hotc watch` over SECONDS (default 10);
#  2. what the agent costs code that is never patched: live_app's worker
#     thread's calls to spin_value() per second, with and without the agent.
#   tests/bench/idle_and_agent_cost.sh [SECONDS]
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${HOTC_OWN_BUILD:-$here/build}
secs=${1:-10}
work=$(mktemp -d)
cp -r "$here/tests/fixtures/live_app" "$work/app"
cmake -S "$work/app" -B "$work/app/build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null
ninja -C "$work/app/build" >/dev/null
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

"$build/bin/hotc" watch -p "$work/app/build" --json --exec "$work/app/build/live_app" \
  "$work/idle.log" > "$work/events" 2>&1 &
hotc=$!
until grep -q '"ready"' "$work/events"; do sleep 0.1; done
t0=$(ticks $hotc); sleep "$secs"; t1=$(ticks $hotc)
hz=$(getconf CLK_TCK)
echo "idle hotc watch: $(awk -v d=$((t1 - t0)) -v hz="$hz" -v s="$secs" 'BEGIN { printf "%.2f", d * 100 / hz / s }') % of one core over $secs s"
kill $hotc; wait $hotc 2>/dev/null || true

calls() { # calls/s of one worker over 3 s; $1 = with agent or not
  local log="$work/calls-$1.log"
  if [ "$1" = agent ]; then
    "$build/bin/hotc" run -- "$work/app/build/live_app" "$log" 1 300 2>/dev/null &
  else
    "$work/app/build/live_app" "$log" 1 300 &
  fi
  local pid=$!; wait $pid || true
  # calls= after ~3 s of ticks (300 ticks of 10 ms)
  tail -1 "$log" | sed 's/.*calls=//' | awk '{printf "%.0f", $1 / 3}'
}
for i in 1 2 3; do
  echo "worker calls/s without agent: $(calls plain), with agent: $(calls agent)"
done
rm -rf "$work"
