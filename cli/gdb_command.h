// `hotc gdb PID [GDB ARGS...]`: gdb attached to a process hotc patches,
// with the package's command file (cli/hotc.gdb, installed as
// share/hotc/hotc.gdb) loaded so that patching goes on under it.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace hotc::driver {

struct GdbCommand {
  CLI::App *Command = nullptr;
  int Pid = 0;
  std::vector<std::string> GdbArgs; // after --
};

void addGdbCommand(CLI::App &App, GdbCommand &G);

// Replaces hotc by gdb; returns only on failure, with the exit code (2)
// after saying why.
int runGdbCommand(const GdbCommand &G, const char *Argv0);

// The installed command file next to hotc-core (PREFIX/share/hotc/hotc.gdb);
// "" when it is missing.
std::string gdbCommandFile(const char *Argv0);

} // namespace hotc::driver
