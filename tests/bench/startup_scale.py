#!/usr/bin/env python3
"""hotc watch on a generated project of N units (issue: real-size projects).

  tests/bench/startup_scale.py [--units N] [--work DIR] [--hotc PATH]

Generates N C++ units, each including four standard headers and two of the
project's headers (a shared one and one of ten group headers), plus a main
that calls every unit once a round; configures with CMake (Ninja, GCC, -O0
-g, hotc as the compiler launcher) and builds; starts `hotc watch --json
--exec` on it and reports: `ready` ms and hotc's RSS then, the first save of
a unit (cold: its baseline is compiled too), the next saves of it (warm),
and a save of a group header read by N/10 units; with --spread K, K other
units saved once each, and hotc's RSS after them. Each save is written, its
`patched` event waited for, and the new value looked for in the program's
log. Results are printed as one table; nothing is asserted (a benchmark).

With --restart, hotc is then stopped once the build on disk has caught up
and prepared the baselines of what it rebuilt (BUILD_DIR/.hotc/baselines/),
and started again on the rebuilt binary: the same cold save of unit7.cpp
and the same header save are measured in that second run, where their
baselines are read from the store instead of compiled.
"""
import argparse, io, json, os, shutil, subprocess, sys, time

from watch_events import WatchEvents

UNIT = """#include <map>
#include <string>
#include <vector>
#include <algorithm>
#include "shared.h"
#include "group{g}.h"
int unit{i}(int x) {{
  std::vector<int> v{{x, {i}, 3}};
  std::map<std::string, int> m{{{{"k", x}}}};
  std::sort(v.begin(), v.end());
  return scale(v.back() + m["k"]) + group{g}_bias() + {value};
}}
"""

def put(path, text):
    """Writes only what differs: a reused build recompiles what was edited."""
    try:
        if open(path).read() == text:
            return
    except OSError:
        pass
    with open(path, "w") as f:
        f.write(text)


def generate(root, n):
    os.makedirs(root, exist_ok=True)
    put(os.path.join(root, "shared.h"),
        "#pragma once\ninline int scale(int v) { return v * 2; }\n")
    for g in range(10):
        put(os.path.join(root, "group%d.h" % g),
            "#pragma once\ninline int group%d_bias() { return %d; }\n" % (g, g))
    for i in range(n):
        put(os.path.join(root, "unit%d.cpp" % i), UNIT.format(i=i, g=i % 10, value=0))
    f = io.StringIO()
    f.write("#include <cstdio>\n#include <unistd.h>\n")
    for i in range(n):
        f.write("int unit%d(int);\n" % i)
    f.write("int main(int, char **argv) {\n  for (;;) {\n"
            "    FILE *log = fopen(argv[1], \"a\");\n")
    for i in (7, 11):
        f.write("    fprintf(log, \"u%d=%%d\\n\", unit%d(1));\n" % (i, i))
    f.write("    long sum = 0;\n")
    for i in range(n):
        f.write("    sum += unit%d(1);\n" % i)
    f.write("    fprintf(log, \"sum=%ld\\n\", sum);\n    fclose(log);\n"
            "    usleep(50000);\n  }\n}\n")
    put(os.path.join(root, "main.cpp"), f.getvalue())
    f = io.StringIO()
    f.write("cmake_minimum_required(VERSION 3.20)\nproject(scale CXX)\n"
            "file(GLOB SRC ${CMAKE_SOURCE_DIR}/*.cpp)\n"
            "add_executable(scale ${SRC})\n")
    put(os.path.join(root, "CMakeLists.txt"), f.getvalue())


def Watch(hotc, bdir, log):
    return WatchEvents([hotc, "watch", "-p", bdir, "--json", "--exec",
                        os.path.join(bdir, "scale"), log])


def shows(log, text, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if text in open(log).read()[-4000:]:
                return True
        except OSError:
            pass
        time.sleep(0.02)
    return False


def stored(bdir):
    d = os.path.join(bdir, ".hotc", "baselines")
    try:
        return len([f for f in os.listdir(d) if f.endswith(".json")])
    except OSError:
        return 0


def restart(w, hotc, bdir, log, rows, save, unit7, header):
    """Waits for the build on disk and the baselines it prepares, stops hotc
    (and the program), starts both again and saves unit7.cpp and the header
    once more. Returns the new Watch."""
    w.wait(("rebuilt",), 300)
    last, since = stored(bdir), time.time()
    while time.time() - since < 3:  # no new entry for 3 s: done
        time.sleep(0.2)
        if stored(bdir) != last:
            last, since = stored(bdir), time.time()
    w.close()
    log = log + ".restart"
    t = time.time()
    w = Watch(hotc, bdir, log)
    ready = w.wait(("ready",), 600)
    if not ready or not shows(log, "u7=623\n"):
        sys.exit("the restarted program does not run the rebuilt binary")
    rows.append(("restart: ready (%d baselines stored)" % last, "ready",
                 (time.time() - t) * 1000, ready["ms"], None, True, "-"))
    save("restart: first save of unit7.cpp", unit7, "+ 600;", "+ 700;",
         "u7=723\n", w, log)
    save("restart: group1.h again", header, "return 51;", "return 61;",
         "u11=85\n", w, log)
    return w


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument("--units", type=int, default=100)
    ap.add_argument("--work", default="/tmp/hotc-startup-scale")
    ap.add_argument("--hotc", default=os.path.join(here, "../../build/bin/hotc"))
    ap.add_argument("--reuse", action="store_true",
                    help="keep the project and build of an earlier run (its "
                         "sources are put back; only what changed is rebuilt)")
    ap.add_argument("--restart", action="store_true",
                    help="then stop hotc, start it again on the rebuilt "
                         "binary and save unit7.cpp and group1.h again")
    ap.add_argument("--spread", type=int, default=0,
                    help="then save N other units once each and report "
                         "hotc's RSS after them")
    a = ap.parse_args()
    hotc = os.path.abspath(a.hotc)
    root = os.path.join(a.work, "u%d" % a.units)
    if not a.reuse:
        shutil.rmtree(root, ignore_errors=True)
    generate(root, a.units)
    bdir = os.path.join(root, "build")
    t0 = time.time()
    subprocess.run("cmake -S '%s' -B '%s' -G Ninja -DCMAKE_BUILD_TYPE=Debug "
                   "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON -DCMAKE_CXX_COMPILER=g++ "
                   "-DCMAKE_CXX_COMPILER_LAUNCHER='%s' > '%s/configure.log' 2>&1 && "
                   "cmake --build '%s' > '%s/build.log' 2>&1"
                   % (root, bdir, hotc, root, bdir, root), shell=True, check=True)
    build_s = time.time() - t0
    log = os.path.join(root, "app.log")
    w = Watch(hotc, bdir, log)
    rows = []
    try:
        ready = w.wait(("ready",), 600)
        if not ready:
            sys.exit("no ready: %s" % w.events[-3:])
        if not shows(log, "sum="):
            sys.exit("the program does not run")

        def save(name, path, old, new, expect, watch=None, logfile=None):
            watch, logfile = watch or w, logfile or log
            text = open(path).read()
            assert old in text, (path, old)
            t = time.time()
            open(path, "w").write(text.replace(old, new, 1))
            ev = watch.wait(("patched", "error", "ignored", "unchanged"), 300)
            seen = shows(logfile, expect)
            wall = (time.time() - t) * 1000
            ms = (ev or {}).get("ms", {})
            b = (ev or {}).get("baselines", {})
            rows.append((name, ev.get("event") if ev else "none", wall,
                         ms.get("total"), ms.get("baseline"), seen,
                         "%s/%s" % (b.get("compiled", "-"), b.get("restored", "-"))))

        unit7 = os.path.join(root, "unit7.cpp")
        # unit7(1) = scale(7 + 1) + group7_bias() + value = 23 + value
        save("cold: first save of unit7.cpp", unit7, "+ 0;", "+ 100;", "u7=123\n")
        for k in range(1, 6):
            save("warm: save %d of unit7.cpp" % k, unit7, "+ %d;" % (100 * k),
                 "+ %d;" % (100 * (k + 1)), "u7=%d\n" % (23 + 100 * (k + 1)))
        g = os.path.join(root, "group1.h")
        save("header: group1.h (read by %d units)" % len([i for i in range(a.units) if i % 10 == 1]),
             g, "return 1;", "return 51;", "u11=75\n")  # scale(12) + 51
        # Spread saves: N units saved once each (each a cold first save),
        # the program's sum going up by one with each.
        spread, spread_ok = [], 0
        if a.spread:
            time.sleep(0.3)  # a whole round of the program since the last save
            sums = [l for l in open(log).read().splitlines() if l.startswith("sum=")]
            total = int(sums[-1][4:])
            step = max(1, a.units // a.spread)
            picks = [i for i in range(3, a.units, step) if i not in (7, 11)][:a.spread]
            for i in picks:
                path = os.path.join(root, "unit%d.cpp" % i)
                text = open(path).read()
                t = time.time()
                open(path, "w").write(text.replace("+ 0;", "+ 1;", 1))
                ev = w.wait(("patched", "error", "ignored", "unchanged"), 300)
                total += 1
                if ev and ev.get("event") == "patched" and shows(log, "sum=%d\n" % total):
                    spread_ok += 1
                spread.append((time.time() - t) * 1000)
        if a.restart:
            w = restart(w, hotc, bdir, log, rows, save, unit7, g)
        rss = ready.get("rss_bytes", 0) / 1e6
        print("units %d (+ main.cpp), built in %.0f s with g++ -O0 -g through the launcher"
              % (a.units, build_s))
        print("ready: %.0f ms after start, %s baselines compiled at start, "
              "%s analyses left to the background, hotc RSS %.0f MB"
              % (ready["ms"], ready.get("baselines"), ready.get("indexing"), rss))
        print("%-52s %-9s %9s %9s %9s %-9s %s" % ("save", "answer", "wall ms",
                                                   "total ms", "baseline",
                                                   "comp/rest", "in log"))
        for r in rows:
            print("%-52s %-9s %9.0f %9s %9s %-9s %s" % (
                r[0], r[1], r[2], "%.0f" % r[3] if r[3] is not None else "-",
                "%.0f" % r[4] if r[4] is not None else "-", r[6], r[5]))
        if spread:
            spread.sort()
            rss_now = 0
            for l in open("/proc/%d/status" % w.p.pid):
                if l.startswith("VmRSS:"):
                    rss_now = int(l.split()[1]) / 1e3
            print("spread: %d units saved once each: %d patched and seen; wall "
                  "median %.0f ms, p95 %.0f ms; hotc RSS after them %.0f MB"
                  % (len(spread), spread_ok, spread[len(spread) // 2],
                     spread[min(len(spread) - 1, int(len(spread) * 0.95))], rss_now))
    finally:
        w.close()


if __name__ == "__main__":
    main()
