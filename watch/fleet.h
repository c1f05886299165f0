// Several processes of one build watched at once: `hotc watch --pid A
// --pid B ...`, or `--all` (every process running with the agent whose
// executable or a library it maps lies in the build directory, processes
// that start later included). Each process gets a whole session of its
// own, a `hotc watch --pid N` child of this hotc: every save is compiled,
// linked and applied in each, all-or-nothing per process, and a refusal
// or a crash in one never reaches another. Their events come out of this
// hotc as one stream, each line with the pid it concerns
// (docs/events.md); human lines are prefixed "[pid N] ".
#pragma once

#include <string>
#include <vector>

namespace hotc::driver {

struct FleetOptions {
  std::string BuildDir;  // as given with -p (or hotreload.toml)
  std::vector<int> Pids; // --pid, in order
  bool All = false;      // --all
  bool Json = false;     // --json: the sessions' events on stdout
  std::string EventsTo;  // --events: the same lines there
  // What every session's command line gets after "watch" (-p, --config,
  // options); --pid N, --events fd:3 and, for all but the first session,
  // --no-disk-build are added (one session keeps the build on disk).
  std::vector<std::string> SessionArgs;
};

// Until every session has ended (with --all: until a signal). Returns 0,
// or the first non-zero exit code of a session, or 128+signal.
int runFleet(const FleetOptions &Opts);

} // namespace hotc::driver
