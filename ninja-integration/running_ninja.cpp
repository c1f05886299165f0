#include "ninja-integration/running_ninja.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cctype>
#include <dirent.h>
#include <memory>
#include <unistd.h>

using namespace llvm;

namespace hotc::ninja {

namespace {

bool isPid(const char *Name) {
  for (const char *C = Name; *C; ++C)
    if (!isdigit(static_cast<unsigned char>(*C)))
      return false;
  return *Name != 0;
}

std::string commandName(const std::string &Pid) {
  auto Buf = MemoryBuffer::getFileAsStream("/proc/" + Pid + "/comm");
  if (!Buf)
    return "";
  return (*Buf)->getBuffer().rtrim('\n').str();
}

// The process's working directory; empty when it cannot be read (another
// user's process, or one that just exited).
std::string workingDir(const std::string &Pid) {
  SmallString<256> Dir;
  if (sys::fs::real_path("/proc/" + Pid + "/cwd", Dir))
    return "";
  return Dir.str().str();
}

struct DirCloser {
  void operator()(DIR *D) const { closedir(D); }
};

} // namespace

Error checkNoNinjaRunsIn(const std::string &BuildDir) {
  SmallString<256> Wanted;
  if (std::error_code EC = sys::fs::real_path(BuildDir, Wanted))
    return createStringError(EC, "cannot resolve %s: %s", BuildDir.c_str(),
                             EC.message().c_str());
  std::unique_ptr<DIR, DirCloser> Proc(opendir("/proc"));
  if (!Proc)
    return createStringError(inconvertibleErrorCode(),
                             "cannot list /proc to look for a running ninja");
  while (dirent *Entry = readdir(Proc.get())) {
    if (!isPid(Entry->d_name))
      continue;
    std::string Pid = Entry->d_name;
    if (commandName(Pid) != "ninja" || workingDir(Pid) != Wanted)
      continue;
    return createStringError(
        inconvertibleErrorCode(),
        "ninja (pid %s) is building %s: hotc does not build alongside it "
        "(both would write .ninja_log and .ninja_deps); retry when it is done",
        Pid.c_str(), BuildDir.c_str());
  }
  return Error::success();
}

} // namespace hotc::ninja
