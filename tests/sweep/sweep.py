#!/usr/bin/env python3
"""Real-program sweep (docs/testing.md, "Real-program sweep"): real Debian
programs built through the hotc launcher run under `hotc watch --json`
while a sample of their functions is patched, one save each, with an edit
whose effect the sweep can see. Every save is classified; the exit code is
non-zero when the sweep itself could not run (build, workload, fewer
attempts than the sample) and when a patch crashed or hung the program,
changed what it prints, or hotc died; refusals and the other classes are
reported, not failed.
"""
import argparse
import json
import os
import random
import re
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import programs  # noqa: E402

# hotc's events: ready, patched, unchanged, ignored, error, rebuilt, note,
# exited. A save is answered by patched, unchanged, ignored or an error of
# the save's own compile, link or patch; `exited` ends the wait too. notes
# come before an answer, rebuilt after patched; errors of kind rebuild (the
# build on disk), build, watch or startup answer no save.
SETTLE_EVENTS = ("patched", "error", "unchanged", "ignored", "exited")
NOT_AN_ANSWER = ("rebuild", "build", "watch", "startup")
# What a patch must never do to the program: these fail the sweep.
FATAL_CLASSES = ("crash of the app", "hang", "wrong output", "hotc died")
# How long a save of a unit hotc said at start-up it will not patch (its
# baseline did not compile: `ignored`; taken as not linked: `note`) is
# given: hotc does not watch such a file, so no answer is the expected one.
UNWATCHED_WAIT = 8
ERROR_CLASSES = {"compile": "compile error on valid code",
                 "link": "link error", "layout": "layout refusal",
                 "removed": "removed-function refusal",
                 "patch": "patch refused",
                 "compiler": "build-compiler view refusal"}


class HarnessError(Exception):
    """The sweep could not do its job: CTest fails."""


# ---- one hotc watch session ---------------------------------------------------

class Session:
    def __init__(self, hotc, bdir, workload, work):
        self.workload, self.events, self.cv = workload, [], threading.Condition()
        self.stderr = open(os.path.join(work, "hotc-stderr.log"), "a")
        self.log = open(os.path.join(work, "events.jsonl"), "a")
        self.out = open(os.path.join(work, "output.log"), "a", buffering=1)
        self.proc = subprocess.Popen(
            [hotc, "watch", "-p", bdir, "--json", "--exec"] + workload.argv,
            stdin=workload.stdin or subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=self.stderr, text=True, bufsize=1, cwd=work,
            start_new_session=True)
        threading.Thread(target=self.read, daemon=True).start()

    def read(self):
        # The program's output shares hotc's stdout: only JSON objects with
        # an "event" are hotc's.
        for line in self.proc.stdout:
            ev = None
            if line.startswith("{"):
                try:
                    ev = json.loads(line)
                except ValueError:
                    pass
            if isinstance(ev, dict) and "event" in ev:
                self.log.write(line)
                self.log.flush()
                with self.cv:
                    self.events.append(ev)
                    self.cv.notify_all()
            else:
                self.out.write(line)
                self.workload.on_output(line.rstrip("\n"))
        with self.cv:
            self.events.append({"event": "eof"})
            self.cv.notify_all()

    def wait(self, names, start, timeout):
        """The first event at index >= start named in NAMES (or eof); an
        error that answers no save (NOT_AN_ANSWER) is passed over."""
        deadline = time.time() + timeout
        with self.cv:
            while True:
                for i in range(start, len(self.events)):
                    e = self.events[i]
                    if e["event"] == "error" and e.get("kind") in NOT_AN_ANSWER:
                        continue
                    if e["event"] in names + ("eof",):
                        return i, e
                left = deadline - time.time()
                if left <= 0:
                    return None, None
                self.cv.wait(left)

    def mark(self):
        with self.cv:
            return len(self.events)

    def since(self, start, name):
        with self.cv:
            return [e for e in self.events[start:] if e["event"] == name]

    def alive(self):
        return self.proc.poll() is None

    def close(self):
        self.workload.stop()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass
        try:
            # hotc's own session: the app too, if hotc died and left it.
            os.killpg(self.proc.pid, 9)
        except ProcessLookupError:
            pass
        self.proc.wait()


# ---- choosing functions and writing the edit ------------------------------

def linked_sources(exe):
    """The source files of the executable's compile units (DWARF): objects
    of an archive the link did not pull in are no part of the program."""
    out = subprocess.run(["llvm-dwarfdump-19", "--debug-info",
                          "--recurse-depth=0", exe], capture_output=True,
                         text=True).stdout
    found, name = set(), None
    for line in out.splitlines():
        m = re.search(r'DW_AT_(name|comp_dir)\s+\("(.*)"\)', line)
        if m and m.group(1) == "name":
            name = m.group(2)
        elif m and name:
            found.add(os.path.realpath(os.path.join(m.group(2), name)))
            name = None
    return found


def candidates(prog, bdir):
    units = {os.path.realpath(u["file"]): u for u in prog.units_of(bdir)}
    linked = linked_sources(prog.executable(bdir))
    files = sorted(f for f in units if f in linked and f.endswith(prog.exts))
    out = subprocess.run(["ctags", "--output-format=json", "--fields=+nKeZ",
                          "--kinds-C=f", "--kinds-C++=f", "-f", "-"] + files,
                         capture_output=True, text=True).stdout
    found = []
    for line in out.splitlines():
        t = json.loads(line)
        if t.get("kind") == "function":
            path = os.path.realpath(t["path"])
            found.append({"file": path, "line": t["line"], "name": t["name"],
                          "scope": t.get("scope", ""), "unit": units[path]})
    return found


def body_brace(text, offset):
    """Offset of the body's '{' of the definition starting at OFFSET, or
    None where the edit cannot go safely (a declaration, a constructor's
    initialiser list, `= default`)."""
    depth, seen_params, i, n = 0, False, offset, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            i = text.find("\n", i)
            if i < 0:
                return None
        elif text.startswith("/*", i):
            i = text.find("*/", i) + 1
            if i <= 0:
                return None
        elif c in "\"'":
            j = i + 1
            while j < n and text[j] != c:
                j += 2 if text[j] == "\\" else 1
            i = j
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            seen_params = seen_params or depth == 0
        elif depth == 0:
            if c == "{":
                return i if seen_params else None
            if c in ";=" or (c == ":" and seen_params and
                             text[i + 1:i + 2] != ":" and text[i - 1] != ":"):
                return None
        i += 1
    return None


def declaration_start(lines, idx):
    """The first line of the definition whose name is on line IDX (0-based):
    return types, `static`, `template <...>` may sit on lines above."""
    while idx > 0:
        prev = lines[idx - 1].strip()
        if (not prev or prev.endswith((";", "}", "{", "*/", ":")) or
                prev.startswith(("#", "//"))):
            break
        idx -= 1
    return idx


def helper(n, marks, lang):
    # A new static function that appends its number to the marks file once.
    # libc's syscall(2) under a private name (an asm label, not inline asm:
    # hotc's JIT has no asm parser) so the edit needs no #include, works in
    # C and C++, and changes nothing the workload prints.
    # One name for every helper's declaration: Clang 19 emits only the
    # first of two functions whose declarations share one asm label (it
    # drops the second's definition without a diagnostic), GCC both.
    sc = "hotc_sweep_sc"
    return (('extern "C" ' if lang == "c++" else "") +
            'long %s(long, ...) __asm__("syscall"); ' % sc +
            "static int hotc_sweep_done_%d; static void hotc_sweep_mark_%d(void) { "
            "long fd; if (hotc_sweep_done_%d) return; hotc_sweep_done_%d = 1; "
            % (n, n, n, n) +
            'fd = %s(2L, "%s", 01101L, 0644L); if (fd < 0) return; ' % (sc, marks) +
            '%s(1L, fd, "%d\\n", %dL); %s(3L, fd); }\n'
            % (sc, n, len(str(n)) + 1, sc))


def name_line_of(lines, cand):
    """The 0-based line naming the candidate in the text as it is now: the
    list's line numbers are the pristine file's, and earlier saves of the
    sweep added helper lines above it."""
    pat = re.compile(r"\b%s\s*\(" % re.escape(cand["name"]))
    hits = [i for i, l in enumerate(lines) if pat.search(l)
            and not l.lstrip().startswith(("hotc_sweep", "long hotc_sweep"))]
    if not hits:
        return None
    return min(hits, key=lambda i: (abs(i - (cand["line"] - 1)), i))


def make_edit(text, cand, n, marks, lang):
    lines = text.splitlines(keepends=True)
    name_line = name_line_of(lines, cand)
    if name_line is None:
        return None
    start = declaration_start(lines, name_line)
    at = sum(len(x) for x in lines[:start])
    brace = body_brace(text, sum(len(x) for x in lines[:name_line]))
    if brace is None:
        return None
    return (text[:at] + helper(n, marks, lang) + text[at:brace + 1] +
            " hotc_sweep_mark_%d();" % n + text[brace + 1:])


def compiles(unit, text, lang, marker):
    """Whether the build's own compiler accepts the edited text, and
    compiles MARKER (the edit's call): a refusal of an edit the compiler
    takes is hotc's bug, not the edit's; a definition in a disabled
    preprocessor branch (gnuchess's `#ifdef NO_INLINE` leadz) is no part
    of the program, and hotc rightly answers `unchanged`."""
    args = unit.get("arguments")
    drop_next = {"-o", "-MF", "-MT", "-MQ"}
    cmd, skip = [], False
    for a in args:
        if skip:
            skip = False
        elif a in drop_next:
            skip = True
        elif a in ("-c", "-MD", "-MMD", "-MP") or os.path.realpath(
                os.path.join(unit["directory"], a)) == os.path.realpath(unit["file"]):
            continue
        else:
            cmd.append(a)
    # An edit whose helper landed where the compiler cannot see it (in a
    # comment) calls an undeclared function: C compilers only warn.
    cmd += ["-w", "-Werror=implicit-function-declaration", "-iquote",
            os.path.dirname(unit["file"]), "-x", lang, "-"]
    if subprocess.run(cmd + ["-fsyntax-only"], input=text,
                      cwd=unit["directory"], text=True,
                      capture_output=True).returncode != 0:
        return False
    pre = subprocess.run(cmd + ["-E", "-P"], input=text, cwd=unit["directory"],
                         text=True, capture_output=True)
    return pre.returncode == 0 and marker in pre.stdout


# ---- which functions the workload runs: a --coverage build ----------------

def coverage(prog, cache_file):
    """{(file basename, line)} of the functions a workload round calls
    (counts after 3 rounds above those after 1: not just start-up)."""
    if os.path.exists(cache_file):
        return {tuple(x) for x in json.load(open(cache_file))}
    d = prog.coverage_build()

    def counts(rounds):
        for root, _, fs in os.walk(d):
            for f in fs:
                if f.endswith(".gcda"):
                    os.remove(os.path.join(root, f))
        prog.run_rounds(d, rounds)
        got = {}
        for root, _, fs in os.walk(d):
            for f in fs:
                if not f.endswith(".gcda"):
                    continue
                p = subprocess.run(["gcov", "--json-format", "--stdout", f],
                                   cwd=root, capture_output=True, text=True)
                for doc in p.stdout.splitlines():
                    for fl in json.loads(doc).get("files", []):
                        for fn in fl.get("functions", []):
                            key = (os.path.basename(fl["file"]), fn["start_line"])
                            got[key] = got.get(key, 0) + fn["execution_count"]
        return got
    one, three = counts(1), counts(3)
    called = sorted(k for k, v in three.items() if v > one.get(k, 0))
    if not called:
        # Without it no save is checked for its mark: a harness that
        # cannot fail on patched code that never runs.
        raise RuntimeError("the coverage run of %s recorded no function the "
                           "workload calls (%d functions counted)" % (
                               type(prog).__name__, len(three)))
    json.dump(called, open(cache_file, "w"))
    return set(called)


# ---- the sweep of one program ----------------------------------------------

class Sweep:
    def __init__(self, prog, bdir, hotc, work, sample, seed, save_timeout,
                 only=None):
        self.prog, self.bdir, self.hotc, self.work = prog, bdir, hotc, work
        self.sample, self.seed, self.save_timeout = sample, seed, save_timeout
        self.only = only
        self.marks = os.path.join(work, "marks.txt")
        self.results, self.restarts, self.startup_ignored = [], 0, {}
        self.startup_unlinked = set()
        self.times = {}
        self.session = None

    def start(self):
        self.prog.restore_build_sources(self.bdir)
        self.workload = self.prog.workload(self.bdir, self.work)
        self.session = Session(self.hotc, self.bdir, self.workload, self.work)
        if hasattr(self.workload, "attach"):
            self.workload.attach(self.session.proc)
        _, ev = self.session.wait(("ready",), 0, 900)
        if not ev or ev["event"] != "ready":
            raise HarnessError("hotc watch never got ready: %s" % ev)
        self.ready = {k: ev.get(k) for k in ("ms", "units", "baselines",
                                             "rss_bytes", "indexing")}
        self.startup_ignored = {e.get("file"): e.get("reason", "")[:300]
                                for e in self.session.events
                                if e["event"] == "ignored"}
        # "<file> is not linked into this process: its edits are not
        # patched": hotc does not watch that file either.
        unlinked = " is not linked into this process"
        self.startup_unlinked = {
            e["message"].split(unlinked)[0] for e in self.session.events
            if e["event"] == "note" and unlinked in e.get("message", "")}
        good = 0
        deadline = time.time() + 120
        while good < 2 and time.time() < deadline:
            for ok, text in self.workload.poll():
                if not ok:
                    raise HarnessError("workload wrong before any patch: " + text)
                good += 1
            time.sleep(0.1)
        if good < 2:
            raise HarnessError("workload not running before any patch")

    def rounds(self, count, timeout):
        """Waits for COUNT new workload rounds; (ok, detail)."""
        seen, deadline = 0, time.time() + timeout
        while seen < count and time.time() < deadline:
            for ok, text in self.workload.poll():
                if not ok:
                    return False, "wrong output: " + text
                seen += 1
            if not self.session.alive():
                return False, "crash"
            time.sleep(0.05)
        return (True, "") if seen >= count else (False, "hang")

    def stderr_tail(self):
        lines = [l for l in open(os.path.join(self.work, "hotc-stderr.log"))
                 .read().splitlines() if l.strip()]
        return " | ".join(lines[-2:])[:300]

    def seen_marks(self):
        try:
            return set(open(self.marks).read().split())
        except OSError:
            return set()

    def one(self, n, cand, edited, original, covered):
        path, s = cand["file"], self.session
        start = s.mark()
        with open(path, "w") as f:
            f.write(edited)
        # A unit hotc said at start-up it will not patch is not watched:
        # no answer is expected, a short wait shows whether one comes.
        unusable = (path in self.startup_ignored or
                    path in self.startup_unlinked)
        t0 = time.time()
        i, ev = s.wait(SETTLE_EVENTS, start,
                       UNWATCHED_WAIT if unusable else self.save_timeout)
        r = {"n": n, "function": cand["name"], "file": os.path.basename(path),
             "line": cand["line"], "called": covered,
             "answer_s": None if ev is None else round(time.time() - t0, 2)}
        notes = "; ".join(e.get("message", "")
                          for e in s.since(start, "note"))[:300]
        if notes:
            r["notes"] = notes
        if ev is None and path in self.startup_ignored:
            r["class"] = "unit hotc cannot compile (ignored at start-up)"
            r["detail"] = "no event; at start-up: " + self.startup_ignored[path]
        elif ev is None and path in self.startup_unlinked:
            r["class"] = "unit hotc takes as not linked (note at start-up)"
            r["detail"] = ("no event; at start-up: %s is not linked into this "
                           "process (the executable's DWARF has it)"
                           % os.path.basename(path))
        elif (ev is None or ev["event"] == "eof") and s.since(0, "exited"):
            # The app died after an earlier save's rounds had passed: hotc
            # said so and ended, before this save was answered.
            r["class"] = "crash of the app"
            r["detail"] = "after an earlier save: " + json.dumps(s.since(0, "exited")[-1])
        elif ev is None and s.proc.poll() is not None:
            # The app keeps hotc's stdout open: hotc's death shows as no EOF.
            r["class"], r["detail"] = "hotc died", self.stderr_tail()
        elif ev is None:
            r["class"] = "no event"
            r["detail"] = "nothing within %d s of the save%s" % (
                self.save_timeout, "; notes: " + notes if notes else "")
        elif ev["event"] == "eof":
            r["class"], r["detail"] = "hotc died", self.stderr_tail()
        elif ev["event"] == "exited":
            r["class"], r["detail"] = "crash of the app", json.dumps(ev)
        elif ev["event"] == "error":
            kind = ev.get("kind", "?")
            r["class"] = ERROR_CLASSES.get(kind, "error " + kind)
            r["refused"] = True
            r["detail"] = "%s: %s" % (kind, ev.get("message", "")[:400])
        elif ev["event"] != "patched":
            r["class"] = ev["event"] + " (edit not applied)"
            r["detail"] = json.dumps(ev)[:400]
        else:
            r["version"] = ev.get("version")
            ms = ev.get("ms", {})
            r["patch_ms"] = ms.get("total")
            r["cold"] = (ms.get("baseline") or 0) > 0
            names = ev.get("functions", []) + ev.get("inlined", [])
            ok, why = self.rounds(2, 60)
            # Patched code that crashed is rolled back and the app lives on
            # (on_crash = "rollback"): the crashed event is the crash.
            crashed = s.since(start, "crashed")
            if crashed:
                r["class"] = "crash of the app"
                r["detail"] = json.dumps(crashed[-1])[:600]
            elif not ok:
                r["class"] = "crash of the app" if why == "crash" else (
                    "hang" if why == "hang" else "wrong output")
                r["detail"] = why
            elif ev.get("missed"):
                r["class"], r["detail"] = "missed", json.dumps(ev["missed"])[:400]
            elif not any(cand["name"] in x for x in names):
                r["class"] = "edited function not in the patch"
                r["detail"] = "functions %s" % names[:6]
            else:
                # A function each round calls writes its mark within a round
                # or two; one the workload does not call only counts if seen.
                deadline = time.time() + (10 if covered else 0)
                while str(n) not in self.seen_marks() and time.time() < deadline:
                    time.sleep(0.05)
                r["observed"] = str(n) in self.seen_marks()
                if covered and not r["observed"]:
                    r["class"] = "mark not observed"
                    r["detail"] = "called each round, no mark after the patch"
                else:
                    r["class"] = "applied"
        if r["class"] in ("crash of the app", "hang", "hotc died"):
            self.session.close()
            self.restarts += 1
            self.start()  # restores every source first
        elif r["class"] != "applied" and r["class"] != "missed":
            # The edit is not live: put the file back so the next save of
            # this file is judged alone.
            # A save hotc did not answer: neither will its revert be.
            start = s.mark()
            with open(path, "w") as f:
                f.write(original)
            s.wait(SETTLE_EVENTS, start, 2 if ev is None else 90)
        return r

    def run(self):
        t0 = time.time()
        cov = coverage(self.prog, os.path.join(self.prog.root, "coverage-%s.json"
                                                % type(self.prog).__name__))
        self.times["coverage"] = round(time.time() - t0)
        cands = candidates(self.prog, self.bdir)
        random.Random(self.seed).shuffle(cands)
        if self.only:  # in the order given, for reproducing one save
            cands = [c for name in self.only for c in cands if c["name"] == name]
        if os.path.exists(self.marks):
            os.remove(self.marks)
        t0 = time.time()
        self.start()
        self.times["ready"] = round(time.time() - t0)
        t0 = time.time()
        skipped, attempted, n = 0, 0, 0
        for cand in cands:
            if attempted >= self.sample:
                break
            original = open(cand["file"]).read()
            n += 1
            edited = make_edit(original, cand, n, self.marks,
                               self.prog.lang)
            if edited is None or not compiles(
                    cand["unit"], edited, self.prog.lang,
                    "hotc_sweep_mark_%d();" % n):
                skipped += 1
                continue
            covered = (os.path.basename(cand["file"]), cand["line"]) in cov
            r = self.one(n, cand, edited, original, covered)
            attempted += 1
            self.results.append(r)
            print("  [%3d/%d] %-34s %s%s" % (attempted, self.sample,
                  cand["name"][:34], r["class"],
                  "" if r["class"] == "applied" else
                  " — " + r["detail"][:120].replace("\n", " | ")),
                  flush=True)
        self.times["saves"] = round(time.time() - t0)
        self.session.close()
        self.prog.restore_build_sources(self.bdir)
        return {"candidates": len(cands), "skipped": skipped,
                "attempted": attempted, "restarts": self.restarts,
                "startup_ignored": self.startup_ignored,
                "startup_unlinked": sorted(self.startup_unlinked),
                "times": self.times, "results": self.results,
                "ready": getattr(self, "ready", {})}


def report(name, rep):
    res = rep["results"]
    by = {}
    for r in res:
        by.setdefault(r["class"], []).append(r)
    ok = len(by.get("applied", []))
    called = [r for r in res if r["called"]]
    print("\n== %s: %d attempted, %d applied (%.0f%%), %d refused with an "
          "error event, %d restarts; %d candidates, %d skipped (edit cannot "
          "go in, or the compiler rejects it)" % (
              name, len(res), ok, 100.0 * ok / max(1, len(res)),
              sum(1 for r in res if r.get("refused")), rep["restarts"],
              rep["candidates"], rep["skipped"]))
    print("   the workload calls %d of them: mark observed for %d" % (
        len(called), sum(1 for r in called if r.get("observed"))))
    if rep["startup_ignored"]:
        first = sorted(rep["startup_ignored"].items())[0]
        print("   %d units hotc could not compile at start-up (%s), e.g. %s: %s"
              % (len(rep["startup_ignored"]), ", ".join(
                  os.path.basename(f) for f in sorted(rep["startup_ignored"])),
                 os.path.basename(first[0]), first[1][:200].replace("\n", " | ")))
    if rep.get("startup_unlinked"):
        print("   %d units hotc takes as not linked into the process (a note "
              "at start-up; not watched): %s" % (
                  len(rep["startup_unlinked"]), ", ".join(
                      os.path.basename(f) for f in rep["startup_unlinked"])))
    for cls, rs in sorted(by.items(), key=lambda kv: -len(kv[1])):
        if cls == "applied":
            continue
        e = rs[0]
        print("   %-36s %4d  e.g. %s (%s:%d): %s" % (
            cls, len(rs), e["function"], e["file"], e["line"],
            e.get("detail", "")[:300].replace("\n", " | ")))
    crashes = len(by.get("crash of the app", []))
    print("   app crashes: %d, hangs: %d, wrong output: %d" % (
        crashes, len(by.get("hang", [])), len(by.get("wrong output", []))))
    answers = sorted(r["answer_s"] for r in res if r.get("answer_s") is not None)
    if answers:
        print("   answers to saves: median %.2f s, slowest %.2f s; unanswered %d"
              % (answers[len(answers) // 2], answers[-1],
                 sum(1 for r in res if r.get("answer_s") is None)))
    rd = rep.get("ready") or {}
    if rd:
        print("   hotc ready in %.0f ms (%s units, %s baselines compiled at start, "
              "%s analyses left to the background), hotc RSS %.0f MB" % (
                  rd.get("ms") or 0, rd.get("units"), rd.get("baselines"),
                  rd.get("indexing"), (rd.get("rss_bytes") or 0) / 1e6))
    for cold in (True, False):
        ms = sorted(r["patch_ms"] for r in res
                    if r.get("patch_ms") is not None and r.get("cold") == cold)
        if ms:
            print("   %s patches (%s): median %.0f ms, p95 %.0f ms, n=%d" % (
                "cold" if cold else "warm",
                "the unit's first save: baseline compiled too" if cold
                else "baseline known", ms[len(ms) // 2],
                ms[min(len(ms) - 1, int(len(ms) * 0.95))], len(ms)))
    t = rep.get("times", {})
    print("   times: fetch %s s, build %s s, coverage %s s, ready %s s, "
          "saves %s s" % (t.get("fetch"), t.get("build"), t.get("coverage"),
                          t.get("ready"), t.get("saves")))


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--full", action="store_true",
                    help="the full sweep: 200 functions per program")
    ap.add_argument("--sample", type=int, default=40,
                    help="functions per program (default 40, the CI sample)")
    ap.add_argument("--programs", default=",".join(programs.PROGRAMS))
    ap.add_argument("--build-dir", default=os.path.join(here, "../../build"),
                    help="hotc's CMake build directory (bin/hotc, the cache)")
    ap.add_argument("--hotc", metavar="PATH",
                    help="the hotc binary to use (default BUILD_DIR/bin/hotc);"
                    " the cache stays in BUILD_DIR/sweep-cache")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", metavar="FUNCS",
                    help="patch only these functions (comma-separated), in "
                    "this order, to reproduce a result")
    ap.add_argument("--save-timeout", type=int, default=120, metavar="S",
                    help="how long a save hotc watches is given to be "
                    "answered (default 120 s)")
    a = ap.parse_args()
    sample = 200 if a.full else a.sample
    build = os.path.realpath(a.build_dir)
    hotc = os.path.realpath(a.hotc) if a.hotc else os.path.join(build, "bin/hotc")
    if not os.access(hotc, os.X_OK):
        print("SWEEP HARNESS FAILURE: no hotc at " + hotc)
        return 1
    cache = os.path.join(build, "sweep-cache")
    failed, worst, started = [], [], time.time()
    for name in a.programs.split(","):
        t0 = time.time()
        print("== %s" % name, flush=True)
        try:
            prog = programs.PROGRAMS[name](cache, hotc)
            t1 = time.time()
            prog.fetch()
            t2 = time.time()
            bdir = prog.build()
            t3 = time.time()
            work = os.path.join(cache, "work-" + name)
            os.makedirs(work, exist_ok=True)
            only = a.only.split(",") if a.only else None
            sw = Sweep(prog, bdir, hotc, work, min(sample, len(only)) if only
                       else sample, a.seed, a.save_timeout, only)
            sw.times.update(fetch=round(t2 - t1), build=round(t3 - t2))
            rep = sw.run()
            rep["seconds"] = round(time.time() - t0)
            json.dump(rep, open(os.path.join(work, "report.json"), "w"), indent=1)
            report(name, rep)
            if rep["attempted"] < sw.sample:
                failed.append("%s: %d functions attempted, fewer than %d" % (
                    name, rep["attempted"], sw.sample))
            # The outcomes hotc must never cause: the suite fails on them,
            # while refusals and other classes are reported.
            for r in rep["results"]:
                if r["class"] in FATAL_CLASSES:
                    worst.append("%s: %s of %s (%s:%d): %s" % (
                        name, r["class"], r["function"], r["file"], r["line"],
                        r.get("detail", "")[:200]))
        except (HarnessError, RuntimeError, OSError) as e:
            failed.append("%s: %s" % (name, e))
        print("   %s took %.0f s" % (name, time.time() - t0), flush=True)
    print("\nsweep took %.0f s" % (time.time() - started))
    for f in failed:
        print("SWEEP HARNESS FAILURE: " + f)
    for w in worst:
        print("SWEEP FAILURE (caused by hotc): " + w)
    return 1 if failed or worst else 0


if __name__ == "__main__":
    sys.exit(main())
