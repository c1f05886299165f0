#include "watch/file_watcher.h"

#include "frontend/disk_file_system.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <cerrno>
#include <cstring>
#include <set>
#include <sys/inotify.h>
#include <unistd.h>
#include <xxhash.h>

using namespace llvm;

namespace hotc::driver {

uint64_t hashFile(const std::string &Path) {
  auto Buf = frontend::readFile(Path);
  if (!Buf)
    return 0;
  return XXH3_64bits((*Buf)->getBufferStart(), (*Buf)->getBufferSize()) | 1;
}

Expected<FileWatcher> FileWatcher::create() {
  FileWatcher W;
  W.Fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (W.Fd < 0)
    return createStringError(std::error_code(errno, std::generic_category()),
                             "inotify: %s", strerror(errno));
  return std::move(W);
}

FileWatcher::FileWatcher(FileWatcher &&O) noexcept
    : Fd(O.Fd), DirOfWatch(std::move(O.DirOfWatch)),
      ContentHash(std::move(O.ContentHash)) {
  O.Fd = -1;
}

FileWatcher::~FileWatcher() {
  if (Fd >= 0)
    close(Fd);
}

Error FileWatcher::watch(const std::string &File) {
  if (ContentHash.count(File))
    return Error::success();
  std::string Dir = sys::path::parent_path(File).str();
  int WD = inotify_add_watch(Fd, Dir.c_str(),
                             IN_CLOSE_WRITE | IN_MOVED_TO);
  if (WD < 0)
    return createStringError(std::error_code(errno, std::generic_category()),
                             "cannot watch %s: %s", Dir.c_str(),
                             strerror(errno));
  DirOfWatch[WD] = Dir;
  ContentHash[File] = hashFile(File);
  return Error::success();
}

std::vector<std::string> FileWatcher::takeChanged() {
  std::set<std::string> Touched;
  alignas(inotify_event) char Buf[16384];
  for (;;) {
    ssize_t N = read(Fd, Buf, sizeof(Buf));
    if (N <= 0)
      break;
    for (char *P = Buf; P < Buf + N;) {
      auto *E = reinterpret_cast<inotify_event *>(P);
      P += sizeof(inotify_event) + E->len;
      auto Dir = DirOfWatch.find(E->wd);
      if (Dir == DirOfWatch.end() || E->len == 0)
        continue;
      std::string Path = Dir->second + "/" + E->name;
      if (ContentHash.count(Path))
        Touched.insert(Path);
    }
  }
  std::vector<std::string> Changed;
  for (const std::string &Path : Touched) {
    uint64_t H = hashFile(Path);
    if (H != 0 && H != ContentHash[Path]) {
      ContentHash[Path] = H;
      Changed.push_back(Path);
    }
  }
  return Changed;
}

} // namespace hotc::driver
