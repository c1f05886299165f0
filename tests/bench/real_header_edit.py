#!/usr/bin/env python3
"""An inline-function edit in a header of a real program (issue: real-size
projects, "a header used by 4 units of a real program: <= 1 s").

  tests/bench/real_header_edit.py [--edits N] [--build-dir DIR] [--hotc PATH]
                                  [--program gnuchess-gcc]

The program is the sweep's (tests/sweep/programs.py: apt-get source, built
through the hotc launcher, cached in BUILD_DIR/sweep-cache/). The header is
gnuchess's src/frontend/inlines.h: `nbits` is a static inline function of
it that 4 of the 16 frontend units call (epd.cc, genmove.cc, move.cc,
util.cc), while every frontend unit includes the header (through common.h).
Each edit changes the constant it returns with, so its code differs; the
program (`gnuchess --uci`, idle on its stdin) does not call it, so nothing
it prints changes: this measures time, the sweep and the differential
suite judge what runs.

`hotc watch --json --no-disk-build --exec` starts; 3 s after `ready` (a
user opening the file) the first edit is saved: it is cold (the 4 units' baselines are
compiled first). Each next edit is saved 1.5 s after the previous patch.
Per edit: write -> `patched` event (wall), `ms.total`, `ms.baseline`, the
units recompiled and the baselines compiled. Nothing is asserted (a
benchmark); the sources are restored at the end.
"""
import argparse, json, os, re, subprocess, sys, time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "sweep"))
import programs  # noqa: E402
from watch_events import WatchEvents  # noqa: E402

HEADER = "src/frontend/inlines.h"
# The last line of nbits' return: `+ BitCount[(b>>16) & 0xffff] + BitCount[b & 0xffff];`
RETURN = re.compile(r"(\+ BitCount\[b & 0xffff\])( \+ \d+)?;")


def save(path, value):
    text = open(path).read()
    new, n = RETURN.subn(r"\1 + %d;" % value if value else r"\1;", text)
    if n != 1:
        raise RuntimeError("nbits' return not found in " + path)
    tmp = path + ".hotc-bench"
    with open(tmp, "w") as f:
        f.write(new)
    os.rename(tmp, path)  # as editors save


def restore(path, text):
    if open(path).read() != text:
        with open(path, "w") as f:
            f.write(text)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--edits", type=int, default=6)
    ap.add_argument("--verbose", action="store_true",
                    help="print each patched event")
    ap.add_argument("--build-dir", default=os.path.join(HERE, "../../build"))
    ap.add_argument("--hotc", help="default BUILD_DIR/bin/hotc")
    ap.add_argument("--program", default="gnuchess-gcc",
                    choices=[p for p in programs.PROGRAMS if "gnuchess" in p])
    a = ap.parse_args()
    build = os.path.realpath(a.build_dir)
    hotc = os.path.realpath(a.hotc or os.path.join(build, "bin/hotc"))
    prog = programs.PROGRAMS[a.program](os.path.join(build, "sweep-cache"), hotc)
    prog.fetch()
    # The sweep restores only the sources it edits (.cc, .cpp): the header
    # is put back here, before a build and after the run.
    pristine = open(os.path.join(prog.pristine, HEADER)).read()
    header = os.path.join(prog.src, HEADER)
    restore(header, pristine)
    bdir = prog.build()
    prog.restore_build_sources(bdir)
    work = os.path.join(build, "sweep-cache", "bench-header-" + a.program)
    os.makedirs(work, exist_ok=True)
    # --no-disk-build: the build on disk would be rebuilt with the edited
    # header between edits, and that build is the sweep's cache (its
    # executable would no longer be what its sources say once restored).
    # Saves stop that rebuild within milliseconds (docs/benchmarks.md).
    w = WatchEvents([hotc, "watch", "-p", bdir, "--json", "--no-disk-build",
                     "--exec", prog.executable(bdir), "--uci"], work,
                    subprocess.PIPE)
    rows = []
    try:
        ready = w.wait(("ready",), 600)
        if not ready:
            print("hotc watch never got ready")
            return 1
        w.drain(3)
        for i in range(1, a.edits + 1):
            w.drain(0.01)
            t0 = time.monotonic()
            save(header, i)
            ev = w.wait(("patched", "error", "unchanged"), 120)
            wall = (time.monotonic() - t0) * 1000
            if not ev or ev["event"] != "patched":
                print("edit %d: %s" % (i, json.dumps(ev)[:400]))
                return 1
            ms, bl = ev.get("ms", {}), ev.get("baselines", {})
            rows.append((i, wall, ms.get("total", 0), ms.get("baseline", 0),
                         len(ev.get("files", [])), bl.get("compiled", 0),
                         bl.get("restored", 0), " ".join(sorted(
                             os.path.basename(f) for f in ev.get("files", [])))))
            if a.verbose:
                print(json.dumps(ev, indent=1)[:3000])
            w.drain(1.5)
    finally:
        w.close()
        prog.restore_build_sources(bdir)
        restore(header, pristine)
    print("%s: edits of nbits in %s (read by 4 of its units), ms" % (
        a.program, HEADER))
    print("edit  write->patched  ms.total  ms.baseline  units  baselines "
          "compiled/restored  units recompiled")
    for r in rows:
        print("%4d  %14.0f  %8.0f  %11.0f  %5d  %8d/%-8d  %s" % r)
    warm = sorted(r[1] for r in rows[1:])
    if warm:
        print("cold (edit 1): %.0f ms; warm median (edits 2-%d): %.0f ms" % (
            rows[0][1], len(rows), warm[len(warm) // 2]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
