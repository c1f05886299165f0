// The reader ninja's ManifestParser reads build.ninja and the files it
// includes through. It records what it read, to notice a rewrite later, and
// refuses a manifest that needs a newer ninja: ninja itself would call
// Fatal(), which exits the whole process.
#pragma once

#include "ninja-integration/file_stamp.h"

#include "disk_interface.h"

#include <string>
#include <vector>

namespace hotc::ninja {

struct ManifestReader : public FileReader {
  explicit ManifestReader(std::string BuildDir)
      : BuildDir(std::move(BuildDir)) {}

  // Path is relative to the build directory, which is the current one.
  FileReader::Status ReadFile(const std::string &Path, std::string *Contents,
                              std::string *Err) override;

  std::vector<FileStamp> Read; // every file read, with absolute paths

private:
  std::string BuildDir;
  RealDiskInterface Disk;
};

} // namespace hotc::ninja
