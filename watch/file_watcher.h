// Noticing saved files with inotify. Editors save in place (close-write) or
// by renaming a temporary file over the original (moved-to); both count.
// Each directory that holds a watched file is watched once.
#pragma once

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace hotc::driver {

class FileWatcher {
public:
  static llvm::Expected<FileWatcher> create();
  FileWatcher(FileWatcher &&O) noexcept;
  ~FileWatcher();

  // Starts watching File (absolute). Records its content hash, so that a
  // save that does not change the content is not reported.
  llvm::Error watch(const std::string &File);
  int fd() const { return Fd; }

  // Reads the pending events without blocking and returns the watched files
  // whose content changed since last reported.
  std::vector<std::string> takeChanged();

private:
  FileWatcher() = default;
  int Fd = -1;
  std::map<int, std::string> DirOfWatch;
  llvm::StringMap<uint64_t> ContentHash; // watched files
};

// XXH3 of a file's content, 0 when it cannot be read.
uint64_t hashFile(const std::string &Path);

} // namespace hotc::driver
