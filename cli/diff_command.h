// `hotc diff [-p BUILD_DIR] [--json] [--update] [FILE...]`: the forms that
// changed since the stored analysis and the functions a patch would have
// to recompile, each with its reason.
#pragma once

#include <string>
#include <vector>

namespace hotc::driver {

struct DiffOptions {
  std::string BuildDir;
  std::vector<std::string> Files; // only units reading these; all when empty
  bool Json = false;
  bool Update = false; // store the new analysis as the baseline
};

// 0: done; 1: the changes remove forms still in use; 2: could not analyse.
int runDiff(const DiffOptions &Options);

} // namespace hotc::driver
