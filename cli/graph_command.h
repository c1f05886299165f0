// `hotc graph [-p BUILD_DIR] [--dot] [FILE|FORM]`: the static graph, whole
// or around the forms of one file or one form, as text or Graphviz dot.
#pragma once

#include <string>

namespace hotc::driver {

struct GraphOptions {
  std::string BuildDir;
  std::string Focus; // a file or a form; everything when empty
  bool Dot = false;
};

// 0: printed; 1: nothing matches Focus; 2: could not analyse.
int runGraph(const GraphOptions &Options);

} // namespace hotc::driver
