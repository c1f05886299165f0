// The process's working directory, moved into a build directory for the
// duration of one call into ninja: ninja resolves every relative path in
// build.ninja and in its logs against the current directory.
#pragma once

#include "llvm/Support/Error.h"

#include <string>

namespace hotc::ninja {

// While alive, the process works in another directory; the destructor goes
// back. The working directory is shared by all threads, so no other thread
// may rely on relative paths meanwhile.
class WorkingDir {
public:
  static llvm::Expected<WorkingDir> enter(const std::string &Dir);
  WorkingDir(WorkingDir &&Other);
  WorkingDir &operator=(WorkingDir &&) = delete;
  ~WorkingDir();

private:
  explicit WorkingDir(int Previous) : Previous(Previous) {}
  int Previous; // an open descriptor of the directory to go back to, or -1
};

} // namespace hotc::ninja
