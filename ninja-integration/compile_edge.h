// A compile edge of build.ninja, with the paths hotc needs to run it again
// or to compile the same unit in-process.
#pragma once

#include <string>

namespace hotc::ninja {

struct CompileEdge {
  std::string Object;    // absolute
  std::string Source;    // absolute; the edge's first explicit input ($in)
  std::string Command;   // as ninja runs it (through /bin/sh -c), in Directory
  std::string Directory; // the build directory; relative paths in Command
};

} // namespace hotc::ninja
