// `hotc watch` and `hotc run`: start or attach to a process, then patch it
// on every save until it exits.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace hotc::driver {

struct WatchOptions {
  std::string BuildDir;               // holds compile_commands.json
  std::vector<std::string> ExecArgv;  // --exec PROG ARGS...
  std::optional<int> Pid;             // --pid N
  bool Json = false;
};

// Returns hotc's exit code: the process's own with --exec.
int runWatch(const WatchOptions &Opts);

// `hotc run PROG ARGS...`: runs the program with the agent; returns its code.
int runWithAgent(const std::vector<std::string> &Argv);

} // namespace hotc::driver
