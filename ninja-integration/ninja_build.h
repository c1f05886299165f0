// A CMake/Ninja build directory seen through ninja itself (linked as a
// library): which compile edges a saved file affects, and rebuilding
// outputs in-process so that the user's next `ninja` has nothing to do.
//
// ninja resolves paths against the working directory, so load() and
// rebuild() move the whole process into the build directory while they run,
// and go back before returning: call them from one thread, while no other
// thread relies on relative paths. Every path here is absolute.
#pragma once

#include "ninja-integration/build_interrupt.h"
#include "ninja-integration/build_step.h"
#include "ninja-integration/compile_edge.h"
#include "ninja-integration/file_stamp.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace hotc::ninja {

struct NinjaState;

class NinjaBuild {
public:
  // Loads build.ninja (and the files it includes) and the deps log of
  // BuildDir, after checking that .ninja_log and .ninja_deps are of the
  // version the linked ninja writes. Writes nothing in BuildDir.
  static llvm::Expected<std::unique_ptr<NinjaBuild>>
  load(const std::string &BuildDir);
  ~NinjaBuild();

  // The compile edges whose object depends on File (a source, or a header
  // through the deps log, i.e. as of the last build), among the objects
  // linked into LinkedInto (executables or shared libraries), directly or
  // through static libraries. Sorted by object.
  llvm::Expected<std::vector<CompileEdge>>
  edgesAffectedBy(const std::string &File,
                  const std::vector<std::string> &LinkedInto) const;

  // Builds Outputs (objects, link outputs) and whatever they need, as
  // `ninja OUTPUTS` would, with ninja's Builder in this process, appending
  // to .ninja_log and .ninja_deps. Refused while a `ninja` process builds
  // the same directory, or when build.ninja changed since load(). A failed
  // command's output is in the error. Afterwards queries see the deps the
  // build recorded. A request of Interrupt (may be null) stops it: the
  // commands running are killed, and the error is BuildInterrupted; what
  // was not rebuilt stays dirty for the next rebuild.
  llvm::Error rebuild(const std::vector<std::string> &Outputs,
                      const ProgressFn &Progress = nullptr,
                      BuildInterrupt *Interrupt = nullptr);

  // Whether build.ninja or a file it includes was rewritten since load()
  // (CMake re-ran): the graph is stale, load again.
  bool manifestChanged() const;

  const std::string &buildDir() const { return Dir; }

private:
  NinjaBuild(std::string Dir, std::unique_ptr<NinjaState> Graph);

  std::string Dir;
  std::unique_ptr<NinjaState> Graph;
  // As of load(); rebuild() re-reads the manifest but keeps these, so a
  // rewrite is reported even if it happened just before a rebuild.
  std::vector<FileStamp> Manifest;
};

} // namespace hotc::ninja
