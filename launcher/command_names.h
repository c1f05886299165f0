// The names of hotc's commands: the one list both binaries use (the front
// here in launcher/, hotc-core in cli/). The front
// runs anything else as a compiler, so a command missing here would be run
// as one; hotc-core refuses to start when it defines a command not listed.
#pragma once

#include <cstring>
#include <iterator>

namespace hotc::driver {

inline constexpr const char *CommandNames[] = {
    "watch", "run",   "help", "config",  "diff",
    "explain", "graph", "undo", "redo", "history",
    "status", "pause", "resume", "reload", "gdb", "debug"};

inline bool isCommandName(const char *Name) {
  for (const char *C : CommandNames)
    if (std::strcmp(C, Name) == 0)
      return true;
  return false;
}

} // namespace hotc::driver
