"""`hotc watch --json` under a benchmark: its events read from its stdout,
which it shares with the program it runs (only JSON objects with an
"event" are hotc's)."""
import json, os, select, subprocess, time


class WatchEvents:
    def __init__(self, argv, cwd=None, stdin=subprocess.DEVNULL):
        self.p = subprocess.Popen(argv, stdin=stdin, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, cwd=cwd)
        self.events = []
        self.pending = b""  # read from the pipe, not yet a whole line

    # Reads the pipe itself: a buffered readline() could hold a whole event
    # line (hotc starts each on a fresh line) while select() waits.
    def wait(self, kinds, timeout):
        """The next event named in KINDS within TIMEOUT seconds, or None."""
        deadline = time.time() + timeout
        fd = self.p.stdout.fileno()
        while time.time() < deadline:
            while b"\n" in self.pending:
                line, self.pending = self.pending.split(b"\n", 1)
                try:
                    ev = json.loads(line)
                except ValueError:
                    continue
                if not isinstance(ev, dict) or "event" not in ev:
                    continue
                self.events.append(ev)
                if ev.get("event") in kinds:
                    return ev
            r, _, _ = select.select([fd], [], [], 0.2)
            if not r:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                return None
            self.pending += chunk
        return None

    def drain(self, seconds, kinds=("patched", "error", "unchanged")):
        """Passes over events of KINDS until none came for SECONDS: a patch
        at start (an edit saved before hotc watch started) must not answer
        the first save."""
        while self.wait(kinds, seconds):
            pass

    def close(self):
        self.p.terminate()
        try:
            self.p.wait(20)
        except subprocess.TimeoutExpired:
            self.p.kill()
