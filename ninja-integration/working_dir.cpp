#include "ninja-integration/working_dir.h"

#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

using namespace llvm;

namespace hotc::ninja {

Expected<WorkingDir> WorkingDir::enter(const std::string &Dir) {
  // A descriptor rather than a path: going back works even if the previous
  // directory was renamed meanwhile.
  int Previous = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (Previous < 0)
    return createStringError(inconvertibleErrorCode(),
                             "cannot open the current directory: %s",
                             strerror(errno));
  if (chdir(Dir.c_str()) != 0) {
    int Err = errno;
    close(Previous);
    return createStringError(inconvertibleErrorCode(), "cannot enter %s: %s",
                             Dir.c_str(), strerror(Err));
  }
  return WorkingDir(Previous);
}

WorkingDir::WorkingDir(WorkingDir &&Other) : Previous(Other.Previous) {
  Other.Previous = -1;
}

WorkingDir::~WorkingDir() {
  if (Previous < 0)
    return;
  if (fchdir(Previous) != 0)
    errs() << "hotc: cannot return to the previous working directory: "
           << strerror(errno) << "\n";
  close(Previous);
}

} // namespace hotc::ninja
