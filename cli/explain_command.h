// `hotc explain [-p BUILD_DIR] FUNCTION`: what a function's code depends on
// (the edits that make hotc recompile it, through inline functions,
// templates, macros and types) and which functions depend on it.
#pragma once

#include <string>

namespace hotc::driver {

struct ExplainOptions {
  std::string BuildDir;
  std::string Function;
};

// 0: explained; 1: no such form; 2: could not analyse.
int runExplain(const ExplainOptions &Options);

} // namespace hotc::driver
