// What the build compiled: the contents of each source and project header
// as the compiler read them, recorded by the launcher (`hotc <compiler>`)
// in BUILD_DIR/.hotc/. That is the code the running binary was built from,
// so it is hotc watch's baseline: edits made between the build and
// `hotc watch` are patched at once, and a file edited after a rebuild is
// never diffed against an older version.
#pragma once

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Chrono.h"

#include <optional>
#include <string>
#include <vector>

namespace hotc::driver {

struct SourceSnapshot {
  // Path -> content of every input of the compile, main source included.
  llvm::StringMap<std::string> Contents;
  // Inputs whose content on disk differs from the recorded one now.
  std::vector<std::string> EditedSince;
  // When the launcher wrote the record (the compile's end): a binary
  // linked before it cannot hold that compile's code.
  llvm::sys::TimePoint<> RecordedAt;
  // Set by the watch session when the process cannot be running this
  // compile (watch/process_build.h): why; its edits are not patched.
  std::string NotRunning;
};

struct BuildSnapshots {
  // By main source path (absolute). Sources compiled without the launcher,
  // or whose record or blobs are unusable, have none.
  llvm::StringMap<SourceSnapshot> Sources;
  std::vector<std::string> Unreadable; // "record: why", one per bad record
};

// Since: only the records written at or after it (the compiles of a
// rebuild), the others not even read.
BuildSnapshots readBuildSnapshots(
    const std::string &BuildDir,
    std::optional<llvm::sys::TimePoint<>> Since = std::nullopt);

} // namespace hotc::driver
