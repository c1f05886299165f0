// The progress of an in-process rebuild, one call per edge started or
// finished, so a caller can show it as `ninja` would.
#pragma once

#include <functional>
#include <string>

namespace hotc::ninja {

struct BuildStep {
  enum class Kind { Started, Finished };
  Kind What = Kind::Started;
  // The edge's `description` (CMake: "Building CXX object ..."), else its
  // command.
  std::string Description;
  std::string Output;  // the edge's first output, absolute
  bool Success = true; // for Finished: whether the command succeeded
  int Finished = 0;    // edges finished so far, this one included
  int Total = 0;       // edges this build runs
};

using ProgressFn = std::function<void(const BuildStep &)>;

} // namespace hotc::ninja
