// One load of a build directory's ninja graph: build.ninja with its deps
// log, and for a build its build log too. A graph is loaded afresh for each
// build, because ninja's dirty scan (Builder::AddTarget) assumes a State
// whose nodes were never scanned before.
#pragma once

#include "ninja-integration/file_stamp.h"

#include "build_log.h"
#include "deps_log.h"
#include "disk_interface.h"
#include "state.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace hotc::ninja {

enum class LogUse {
  // Read only: the deps log is loaded from a private copy (ninja truncates
  // a log whose last record is incomplete, as it is while `ninja` writes
  // it), and the build log, which no query needs, only has its version
  // checked.
  Query,
  // Both logs loaded in place and opened for appending, as `ninja` does.
  Build,
};

struct NinjaState : public BuildLogUser {
  explicit NinjaState(std::string BuildDir) : BuildDir(std::move(BuildDir)) {}
  // ninja never frees its graph (its process ends after one build); a
  // long-lived hotc loads one per build, so this does.
  ~NinjaState();

  // ninja's own answer (NinjaMain::IsPathDead), used when it compacts the
  // build log: an entry stays while its output is built or still on disk.
  bool IsPathDead(StringPiece Path) const override;

  // Flushes and closes the logs opened for a build.
  void closeLogs();

  std::string BuildDir; // absolute; the working directory while loading
  State Graph;
  RealDiskInterface Disk;
  BuildLog Log;
  DepsLog Deps;
  std::string LogPath;  // as ninja opens them: relative to BuildDir unless
  std::string DepsPath; // $builddir is absolute
  std::vector<FileStamp> Manifest; // build.ninja and every file it includes
};

// Loads BuildDir's graph. The working directory must be BuildDir. Logs
// whose version is not this libninja's are refused before ninja sees them.
llvm::Expected<std::unique_ptr<NinjaState>>
loadNinjaState(const std::string &BuildDir, LogUse Use);

} // namespace hotc::ninja
