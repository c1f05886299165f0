// What a file looked like when it was read, to tell later whether it was
// rewritten (CMake rewrites build.ninja when it re-runs).
#pragma once

#include "llvm/Support/Chrono.h"
#include "llvm/Support/FileSystem/UniqueID.h"

#include <cstdint>
#include <string>

namespace hotc::ninja {

struct FileStamp {
  std::string Path; // absolute
  bool Exists = false;
  llvm::sys::TimePoint<> Modified;
  uint64_t Size = 0;
  llvm::sys::fs::UniqueID ID; // a rename over the file changes it
};

FileStamp stampFile(const std::string &Path);

// Whether the file at Old.Path is not the one Old describes any more.
bool fileChanged(const FileStamp &Old);

} // namespace hotc::ninja
