// Scratch directories, files, and running the hotc binary for the
// configuration tests.
#pragma once

#include <string>
#include <vector>

namespace hotc::config_test {

// A fresh, empty directory for the current test under the build's
// config-work/.
std::string scratchDir();

void makeDir(const std::string &Path);
// Writes Text to Path, creating its parent directories.
void writeFile(const std::string &Path, const std::string &Text);

struct HotcRun {
  int Code = -1; // exit code; -1 when hotc died of a signal
  std::string Out, Err;
};

// Runs the hotc under test with Args in Cwd, stdout and stderr captured.
HotcRun runHotc(const std::vector<std::string> &Args, const std::string &Cwd);

} // namespace hotc::config_test
