// Shared pieces of the launcher tests: a scratch directory per test, files,
// running hotc with its stdio captured, and reading what it recorded.
#pragma once

#include "../../support/json_strings.h"

#include "llvm/Support/JSON.h"

#include <optional>
#include <string>
#include <vector>

namespace hotc::launcher_test {

// A fresh directory for the current test under the build's launcher-work/.
std::string scratchDir();

void writeFile(const std::string &Path, const std::string &Text,
               bool Executable = false);
std::string readFile(const std::string &Path);
bool exists(const std::string &Path);

struct HotcRun {
  bool Exited = false; // false: hotc itself was killed by a signal
  int Code = -1;       // exit code when Exited
  std::string Out, Err;
};

// Runs `hotc Args...` in Cwd with stdout and stderr captured; Env entries
// ("NAME=value") are added to the environment, which otherwise has no
// HOTC_BUILD_DIR.
HotcRun runHotc(const std::vector<std::string> &Args, const std::string &Cwd,
            const std::vector<std::string> &Env = {});

// The record of Object (absolute path) in BuildDir/.hotc, if there is one.
std::optional<llvm::json::Object> recordOf(const std::string &BuildDir,
                                           const std::string &Object);
size_t recordCount(const std::string &BuildDir);

// The xxh3-128 hex name a file's content gets in .hotc/blobs.
std::string contentHash(const std::string &Text);

using test::strings;

} // namespace hotc::launcher_test
