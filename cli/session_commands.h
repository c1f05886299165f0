// `hotc undo [N]`, `redo`, `history [--json]`, `status [--json]`, `pause`,
// `resume`, `reload FILE`, `debug [--off] FUNCTION...`: commands to a running `hotc watch` session over
// its control socket (protocol/control_protocol.h), from another terminal.
// The session is the one watching BUILD_DIR (-p, as for watch), or the one
// watching --pid.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace hotc::driver {

struct SessionCommands {
  CLI::App *Undo = nullptr;
  CLI::App *Redo = nullptr;
  CLI::App *History = nullptr;
  CLI::App *Status = nullptr;
  CLI::App *Pause = nullptr;
  CLI::App *Resume = nullptr;
  CLI::App *Reload = nullptr;
  CLI::App *Debug = nullptr;
  unsigned Count = 1;  // undo N
  int Pid = 0;         // --pid: the session watching this process
  bool Json = false;   // history and status --json
  std::string File;    // reload FILE
  std::vector<std::string> Functions; // debug FUNCTION|FILE:LINE...
  bool Off = false;                   // debug --off
};

// BuildDirOption: the -p option the commands share with the others.
void addSessionCommands(CLI::App &App, SessionCommands &C,
                        std::string &BuildDirOption);

// Whether one of them was parsed.
bool sessionCommandParsed(const SessionCommands &C);

// Runs the parsed one against the session watching BuildDir (absolute; or
// any build when empty) and C.Pid (when not 0). Returns the exit code: 0,
// 1 when the session refused (nothing to undo), 2 when no session answered.
int runSessionCommand(const SessionCommands &C, const std::string &BuildDir);

} // namespace hotc::driver
