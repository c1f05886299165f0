#include "watch/process_build.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

#include <fstream>
#include <unistd.h>
#include <set>

using namespace llvm;

namespace hotc::driver {
namespace {

// When the newest binary of BuildDir the process maps was linked: its
// executable through /proc (the file it runs, even once a relink replaced
// it on disk), its libraries by path (a replaced one, "(deleted)", is
// skipped: its time is not known). Nothing when it maps none.
std::optional<sys::TimePoint<>> newestBinary(int Pid, const std::string &Dir) {
  std::optional<sys::TimePoint<>> Newest;
  auto Consider = [&](const std::string &Path) {
    sys::fs::file_status St;
    if (!sys::fs::status(Path, St) &&
        (!Newest || St.getLastModificationTime() > *Newest))
      Newest = St.getLastModificationTime();
  };
  // Its name, without the " (deleted)" the kernel adds once a relink
  // replaced the file: the file itself is still read through the link.
  std::string Exe = formatv("/proc/{0}/exe", Pid).str();
  char Buf[4096];
  ssize_t N = readlink(Exe.c_str(), Buf, sizeof(Buf) - 1);
  std::string ExeName = N > 0 ? std::string(Buf, size_t(N)) : "";
  if (StringRef Name(ExeName); Name.consume_back(" (deleted)"))
    ExeName = Name.str();
  if (StringRef(ExeName).starts_with(Dir + "/"))
    Consider(Exe);
  std::ifstream Maps(formatv("/proc/{0}/maps", Pid).str());
  std::set<std::string> Seen;
  for (std::string Line; std::getline(Maps, Line);) {
    size_t Slash = Line.find('/');
    if (Slash == std::string::npos)
      continue;
    std::string Path = Line.substr(Slash);
    if (!StringRef(Path).starts_with(Dir + "/") ||
        StringRef(Path).ends_with(" (deleted)") || Path == ExeName ||
        !Seen.insert(Path).second)
      continue;
    Consider(Path);
  }
  return Newest;
}

} // namespace

void markRecordsNotRunning(int Pid, const std::string &BuildDir,
                           StringMap<SourceSnapshot> &Snapshots) {
  SmallString<256> Real;
  std::string Dir = sys::fs::real_path(BuildDir, Real) ? BuildDir : Real.str().str();
  std::optional<sys::TimePoint<>> Linked = newestBinary(Pid, Dir);
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
