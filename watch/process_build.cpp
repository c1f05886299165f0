#include "watch/process_build.h"

#include "watch/background_index.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"

#include <fstream>
#include <optional>
#include <unistd.h>

using namespace llvm;

namespace hotc::driver {
namespace {

constexpr StringRef kDeleted = " (deleted)";

// When the newest binary of Dir the process maps was linked: its
// executable read through /proc (the file it runs, even once a relink
// replaced it on disk), its libraries by path (a replaced one is not in
// binariesOf: its time is not known). Nothing when it maps none.
std::optional<sys::TimePoint<>> newestBinary(int Pid, const std::string &Dir) {
  std::string Exe = executablePath(Pid);
  std::optional<sys::TimePoint<>> Newest;
  for (const std::string &B : binariesOf(Pid, Dir)) {
    sys::fs::file_status St;
    std::string Read = B == Exe ? formatv("/proc/{0}/exe", Pid).str() : B;
    if (!sys::fs::status(Read, St) &&
        (!Newest || St.getLastModificationTime() > *Newest))
      Newest = St.getLastModificationTime();
  }
  return Newest;
}

} // namespace

std::string executablePath(int Pid) {
  char Buf[4096];
  ssize_t N = readlink(formatv("/proc/{0}/exe", Pid).str().c_str(), Buf,
                       sizeof(Buf) - 1);
  if (N <= 0)
    return "";
  std::string Path(Buf, N);
  if (StringRef(Path).ends_with(kDeleted))
    Path.resize(Path.size() - kDeleted.size());
  return Path;
}

std::vector<std::string> binariesOf(int Pid, const std::string &Dir) {
  std::vector<std::string> Out;
  std::string Exe = executablePath(Pid);
  if (StringRef(Exe).starts_with(Dir + "/"))
    Out.push_back(Exe);
  std::ifstream Maps(formatv("/proc/{0}/maps", Pid).str());
  for (std::string Line; std::getline(Maps, Line);) {
    size_t Slash = Line.find('/');
    if (Slash == std::string::npos)
      continue;
    std::string Path = Line.substr(Slash);
    if (StringRef(Path).starts_with(Dir + "/") &&
        !StringRef(Path).ends_with(kDeleted) && Path != Exe &&
        !is_contained(Out, Path))
      Out.push_back(Path);
  }
  return Out;
}

void markRecordsNotRunning(int Pid, const std::string &BuildDir,
                           StringMap<SourceSnapshot> &Snapshots) {
  std::optional<sys::TimePoint<>> Linked =
      newestBinary(Pid, realPathOf(BuildDir));
  if (!Linked)
    return; // no binary of the build: nothing to compare with
  for (auto &Entry : Snapshots) // by reference: a binding would copy
    if (SourceSnapshot &S = Entry.second; S.RecordedAt > *Linked)
      S.NotRunning = formatv("pid {0} runs a build older than the record of "
                             "its last compile (the binary was linked before "
                             "that compile, so the process cannot be running "
                             "it); restart the process to patch this file",
                             Pid)
                         .str();
}

} // namespace hotc::driver
