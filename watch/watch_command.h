// `hotc watch` and `hotc run`: start or attach to a process, then patch it
// on every save until it exits.
#pragma once

#include "config/config.h"

#include <optional>
#include <string>
#include <vector>

namespace hotc::driver {

struct WatchOptions {
  std::string BuildDir;               // holds compile_commands.json
  std::vector<std::string> ExecArgv;  // --exec PROG ARGS...
  std::optional<int> Pid;             // --pid N
  bool Json = false;
  // Human lines on a terminal: its last line shows the session's state
  // (--no-status-line: not).
  bool StatusLine = true;
  // --events: "fd:N" or a path (file or FIFO) that gets every event as a
  // JSON line; empty: none.
  std::string EventsTo;
  // Units that keep a precompiled preamble in memory (least recently edited
  // ones give theirs up); each costs the size the ready event reports.
  size_t MaxPreambles = 64;
  // ... and their preambles take at most this (preamble_budget_mb), the
  // last unit edited excepted.
  size_t PreambleBudgetBytes = size_t(1024) << 20;
  unsigned UndoDepth = 64; // versions `hotc undo` reaches (undo_depth)
  // safe_points / --safe-points: entries re-pointed by the next thread in
  // hotreload_safe_point(), which must come within SafePointTimeoutMs.
  bool SafePoints = false;
  unsigned SafePointTimeoutMs = 10000;
  // Keep the build on disk in step after patches (--no-disk-build: not;
  // one session of several watching one build does it: watch/fleet.h).
  bool DiskBuild = true;

  // From hotreload.toml (see config.h); main.cpp fills them.
  // Globs (config.h matchesAnyGlob): when not empty, only matching files are
  // watched; a file matching Exclude is never watched nor patched.
  std::vector<std::string> Watch;
  std::vector<std::string> Exclude;
  // Coalesces a burst of saves. The first save is processed at once; only
  // events arriving while a patch runs, or within DebounceMs after it, are
  // gathered into the next one.
  unsigned DebounceMs = 100;
  std::vector<std::string> ExtraFlags; // appended to patch compiles
  OnCrash Crash = OnCrash::Rollback;   // when patched code crashes
  std::string LogFile; // events appended as JSON lines too; empty: none
};

// Returns hotc's exit code: the process's own with --exec.
int runWatch(const WatchOptions &Opts);

// `hotc run PROG ARGS...`: runs the program with the agent; returns its code.
int runWithAgent(const std::vector<std::string> &Argv);

} // namespace hotc::driver
