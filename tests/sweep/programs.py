"""The real programs of the sweep: how each is fetched (apt-get source, a
pinned Debian 12 version), built the way its users build it with hotc as the
compiler launcher, and driven by a workload whose output the sweep checks.

Everything is cached under CACHE/<package>-<version>/, keyed by the version
and the build flags, so a second run on the same machine fetches and builds
nothing. Sources are edited in place by the sweep and restored from
pristine/ before and after each run.
"""
import json
import os
import queue
import re
import shutil
import subprocess
import threading
import time

# The programs are built as their users build them (Debian's defaults,
# -g -O2), not with the extra flags hotreload_enable() adds: the code hotc
# did not shape is what the sweep judges. -g is Debian's default too.
HOT_FLAGS = "-g"


def sh(cmd, cwd=None, env=None, log=None):
    """Runs a shell command; its output goes to LOG (appended). Raises with
    the log's tail so a broken build says why."""
    full_env = dict(os.environ, **(env or {}))
    with open(log or os.devnull, "a") as out:
        rc = subprocess.call(cmd, shell=True, cwd=cwd, env=full_env,
                             stdout=out, stderr=subprocess.STDOUT)
    if rc != 0:
        tail = open(log).read()[-3000:] if log else ""
        raise RuntimeError("command failed (%d): %s\n%s" % (rc, cmd, tail))


def apt_install(packages, log):
    """Build dependencies come from Debian, installed only when missing."""
    missing = [p for p in packages
               if subprocess.call(["dpkg", "-s", p], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL) != 0]
    if missing:
        sudo = "" if os.geteuid() == 0 else "sudo "
        sh(sudo + "apt-get install -y --no-install-recommends " +
           " ".join(missing), log=log,
           env={"DEBIAN_FRONTEND": "noninteractive"})


class Program:
    package = version = srcdir = ""
    build_deps = []
    lang = "c"              # ctags language of the sources swept
    exts = (".c",)

    def __init__(self, cache, hotc, compiler, opt="-O2"):
        # opt: the optimisation level the program is built at; -O2 is what
        # its users get from Debian and autoconf, -O0 what they debug with.
        self.hotc, self.compiler, self.opt = hotc, compiler, opt
        self.root = os.path.join(cache, "%s-%s" % (self.package, self.version))
        self.src = os.path.join(self.root, self.srcdir)
        self.pristine = os.path.join(self.root, "pristine")
        self.log = os.path.join(self.root, "setup.log")

    # ---- fetching --------------------------------------------------------
    def fetch(self):
        if os.path.exists(os.path.join(self.root, "fetched.ok")):
            return
        shutil.rmtree(self.root, ignore_errors=True)
        os.makedirs(self.root)
        apt_install(["dpkg-dev", "bear"] + self.build_deps, self.log)
        sh("apt-get source --only-source '%s=%s'" % (self.package, self.version),
           cwd=self.root, log=self.log)
        self.prepare()
        shutil.copytree(self.src, self.pristine, symlinks=True)
        open(os.path.join(self.root, "fetched.ok"), "w").close()

    def prepare(self):
        pass

    def restore_sources(self):
        """Puts back every source file the sweep may have edited."""
        for dirpath, _, files in os.walk(self.pristine):
            for f in files:
                if not f.endswith(self.exts):
                    continue
                p = os.path.join(dirpath, f)
                live = os.path.join(self.src, os.path.relpath(p, self.pristine))
                with open(p, "rb") as a:
                    want = a.read()
                try:
                    with open(live, "rb") as b:
                        same = b.read() == want
                except OSError:
                    same = False
                if not same:
                    with open(live, "wb") as b:
                        b.write(want)

    # ---- building ----------------------------------------------------------
    def flags(self):
        return HOT_FLAGS

    def build_dir(self):
        return os.path.join(self.root, "build-" + self.variant())

    def variant(self):
        return self.compiler + ("" if self.opt == "-O2" else self.opt)

    def build(self):
        bdir = self.build_dir()
        stamp = os.path.join(bdir, "built.ok")
        key = self.flags() + " " + self.compiler + " " + self.opt
        if os.path.exists(stamp) and open(stamp).read() == key:
            return bdir
        shutil.rmtree(bdir, ignore_errors=True)
        self.restore_sources()
        started = time.time()
        self.build_into(bdir)
        if not os.path.exists(os.path.join(bdir, "compile_commands.json")):
            raise RuntimeError("no compile_commands.json in " + bdir)
        with open(stamp, "w") as f:
            f.write(key)
        print("  built %s with %s in %.0f s" %
              (self.package, self.variant(), time.time() - started), flush=True)
        return bdir

    def cc(self):
        return {"gcc": ("gcc", "g++"), "clang": ("clang-19", "clang++-19")}[
            self.compiler]

    def bear(self, bdir, make_cmd, cwd):
        # The launcher records its snapshots in HOTC_BUILD_DIR (a Make build
        # has no CMakeCache.txt or build.ninja to find it by); bear writes
        # the compile database hotc watch reads.
        sh("bear --output '%s/compile_commands.json' -- %s" % (bdir, make_cmd),
           cwd=cwd, env={"HOTC_BUILD_DIR": bdir}, log=self.log)

    def units_of(self, bdir):
        with open(os.path.join(bdir, "compile_commands.json")) as f:
            return json.load(f)


# ---- Lua 5.4 -----------------------------------------------------------------

class Lua(Program):
    package, version, srcdir = "lua5.4", "5.4.4-3+deb12u1", "lua5.4-5.4.4"
    build_deps = ["libreadline-dev"]

    def prepare(self):
        # Debian's 0001 patch turns the Makefile into a libtool build that
        # compiles every file twice (C and C++, for liblua5.4-c++); users of
        # upstream Lua run `make linux`, which the patch's reversal restores.
        # The CVE patches stay applied.
        sh("patch -R -p1 < debian/patches/0001-build-system.patch",
           cwd=self.src, log=self.log)
        with open(os.path.join(self.src, "src/lua5.4-deb-multiarch.h"), "w") as f:
            f.write('#ifndef _LUA_DEB_MULTIARCH_\n#define _LUA_DEB_MULTIARCH_\n'
                    '#define DEB_HOST_MULTIARCH "x86_64-linux-gnu"\n#endif\n')

    def build_dir(self):
        # Lua builds in its tree: the build directory is a copy of the tree,
        # and its sources are the ones edited.
        return os.path.join(self.root, "build-" + self.variant())

    def build_into(self, bdir):
        shutil.copytree(self.pristine, bdir, symlinks=True)
        cc, _ = self.cc()
        # Lua's Makefile puts -O2 before MYCFLAGS: a later -O0 wins.
        self.bear(bdir, "make -j2 linux CC='%s %s -std=gnu99' MYCFLAGS='%s %s'" %
                  (self.hotc, cc, self.flags(), self.opt),
                  cwd=os.path.join(bdir, "src"))

    def sources_root(self, bdir):
        return bdir

    def restore_build_sources(self, bdir):
        saved, self.src = self.src, bdir
        try:
            self.restore_sources()
        finally:
            self.src = saved

    def executable(self, bdir):
        return os.path.join(bdir, "src/lua")

    def workload(self, bdir, work):
        return LuaWorkload(self.executable(bdir), work)

    def coverage_build(self):
        d = os.path.join(self.root, "coverage")
        if not os.path.exists(os.path.join(d, "built.ok")):
            shutil.rmtree(d, ignore_errors=True)
            shutil.copytree(self.pristine, d, symlinks=True)
            sh("make -j2 linux MYCFLAGS='-O0 --coverage' MYLDFLAGS=--coverage "
               "CFLAGS='-std=gnu99 -Wall -DLUA_COMPAT_5_3 $(SYSCFLAGS) $(MYCFLAGS)'",
               cwd=os.path.join(d, "src"), log=self.log)
            open(os.path.join(d, "built.ok"), "w").close()
        return d

    def run_rounds(self, covdir, rounds):
        script = os.path.join(os.path.dirname(__file__), "lua_workload.lua")
        sh("'%s/src/lua' '%s' /dev/null %d" % (covdir, script, rounds),
           log=self.log)


class LuaWorkload:
    """lua_workload.lua appends `round N sum S total T` to a log: S must be
    the same every round and T == N*S (the interpreter's state survived)."""

    def __init__(self, exe, work):
        self.log = os.path.join(work, "lua-rounds.log")
        if os.path.exists(self.log):
            os.remove(self.log)
        script = os.path.join(os.path.dirname(__file__), "lua_workload.lua")
        self.argv = [exe, script, self.log]
        self.stdin = None
        self.pos = 0
        self.sum = None

    def on_output(self, line):
        pass

    def poll(self):
        """New rounds since the last poll: [(ok, text)]."""
        out = []
        try:
            with open(self.log) as f:
                f.seek(self.pos)
                data = f.read()
        except OSError:
            return out
        end = data.rfind("\n") + 1
        self.pos += end
        for line in data[:end].splitlines():
            m = re.match(r"round (\d+) sum (\d+) total (\d+)$", line)
            if not m:
                out.append((False, "garbled: " + line))
                continue
            n, s, t = map(int, m.groups())
            if self.sum is None:
                self.sum = s
            out.append((s == self.sum and t == n * self.sum, line))
        return out

    def stop(self):
        pass


# ---- GNU Chess 6 (C++) -------------------------------------------------------

class GnuChess(Program):
    package, version, srcdir = "gnuchess", "6.2.7-1+deb12u1", "gnuchess-6.2.7"
    build_deps = ["help2man"]
    lang, exts = "c++", (".cc", ".cpp")

    def build_into(self, bdir):
        os.makedirs(bdir)
        cc, cxx = self.cc()
        # autoconf's default is -g -O2 (the -O0 variant: what a user who
        # debugs it configures); the hot flags are added to it. The man page
        # and translations are not part of the program.
        flags = "-g %s %s" % (self.opt, self.flags())
        if self.compiler == "clang":
            # Clang's C++17 default makes gnuchess's `register` an error
            # (GCC only warns): what a user building it with Clang adds.
            flags += " -Wno-register"
        sh("'%s/configure' --disable-nls CC='%s %s' CXX='%s %s' "
           "CFLAGS='%s' CXXFLAGS='%s'" % (self.src, self.hotc, cc, self.hotc,
                                          cxx, flags, flags),
           cwd=bdir, env={"HOTC_BUILD_DIR": bdir}, log=self.log)
        self.bear(bdir, "make -j2 -C src", cwd=bdir)

    def sources_root(self, bdir):
        return self.src

    def restore_build_sources(self, bdir):
        self.restore_sources()

    def executable(self, bdir):
        return os.path.join(bdir, "src/gnuchess")

    def workload(self, bdir, work):
        return ChessWorkload(self.executable(bdir))

    def coverage_build(self):
        d = os.path.join(self.root, "coverage")
        if not os.path.exists(os.path.join(d, "built.ok")):
            shutil.rmtree(d, ignore_errors=True)
            os.makedirs(d)
            # gnuchess dies on `quit` (tests/sweep/gcov_flush.c): the
            # counters are written on its fatal signal.
            flush = os.path.join(d, "gcov_flush.o")
            sh("gcc -c -o '%s' '%s'" % (flush, os.path.join(
                os.path.dirname(__file__), "gcov_flush.c")), log=self.log)
            sh("'%s/configure' --disable-nls CXXFLAGS='-O0 --coverage' "
               "LDFLAGS=--coverage LIBS='%s' && make -j2 -C src" % (
                   self.pristine, flush), cwd=d, log=self.log)
            open(os.path.join(d, "built.ok"), "w").close()
        return d

    def run_rounds(self, covdir, rounds):
        # Round by round, as the live workload plays: all the input at once
        # makes gnuchess stop searches for the commands that follow.
        p = subprocess.Popen([os.path.join(covdir, "src/gnuchess"), "--uci"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             text=True, bufsize=1)
        p.stdin.write("uci\n")
        for _ in range(rounds):
            for search in ChessWorkload.SEARCHES:
                p.stdin.write(search)
                p.stdin.flush()
                line = ""
                while not line.startswith("bestmove"):
                    line = p.stdout.readline()
                    if not line:
                        raise RuntimeError("coverage run of gnuchess ended early")
        p.stdin.write("quit\n")
        p.stdin.close()
        p.wait(60)


class ChessWorkload:
    """The harness plays UCI: each round clears the engine (ucinewgame),
    searches two positions to a fixed depth and checks that the best moves
    and node counts are those of the first round (the search is
    deterministic at a fixed depth with cleared tables)."""
    # One search at a time: a command sent during a search stops it.
    SEARCHES = ("ucinewgame\nposition startpos moves e2e4 e7e5\ngo depth 6\n",
                "ucinewgame\nposition fen r1bqkbnr/pppp1ppp/2n5/4p3/2B1P3/5N2/"
                "PPPP1PPP/RNBQK2R b KQkq - 3 3\ngo depth 5\n")

    def __init__(self, exe):
        self.argv = [exe, "--uci"]
        self.stdin = subprocess.PIPE
        self.lines = queue.Queue()
        self.nodes = None
        self.current = []
        self.expected = None
        self.proc = None
        self.results = []

    def attach(self, proc):
        """The hotc process: rounds are written to its stdin, which the
        program inherits, one round at a time."""
        self.proc = proc
        proc.stdin.write("uci\n")  # gnuchess ignores `go` before the handshake
        self.send()

    def send(self):
        try:
            self.proc.stdin.write(self.SEARCHES[len(self.current)])
            self.proc.stdin.flush()
        except (OSError, ValueError):
            pass

    def on_output(self, line):
        m = re.search(r"\bnodes (\d+)", line)
        if m:
            self.nodes = m.group(1)
        if line.startswith("bestmove"):
            self.current.append(line.split()[1] + "/" + str(self.nodes))
            if len(self.current) == 2:
                got, self.current = " ".join(self.current), []
                if self.expected is None:
                    self.expected = got
                self.lines.put((got == self.expected,
                                "bestmoves " + got +
                                ("" if got == self.expected
                                 else " (expected %s)" % self.expected)))
            self.send()

    def poll(self):
        out = []
        while not self.lines.empty():
            out.append(self.lines.get())
        return out

    def stop(self):
        try:
            self.proc.stdin.write("quit\n")
            self.proc.stdin.flush()
        except (OSError, ValueError):
            pass


PROGRAMS = {
    "lua": lambda c, h: Lua(c, h, "gcc"),
    "lua-O0": lambda c, h: Lua(c, h, "gcc", "-O0"),
    "gnuchess-gcc": lambda c, h: GnuChess(c, h, "gcc"),
    "gnuchess-clang": lambda c, h: GnuChess(c, h, "clang"),
    "gnuchess-gcc-O0": lambda c, h: GnuChess(c, h, "gcc", "-O0"),
}
