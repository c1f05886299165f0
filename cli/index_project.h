// The stored index of a build directory as the index commands (diff,
// explain, graph) see it: loaded from BUILD_DIR/.hotc/index/, with the
// units whose inputs changed since analysed again.
#pragma once

#include "analysis/form_diff.h"
#include "analysis/rebuild_set.h"
#include "analysis/static_graph.h"

#include "llvm/Support/Error.h"

#include <set>
#include <string>
#include <vector>

namespace hotc::driver {

struct ProjectIndex {
  index::StaticGraph Graph;  // as the sources are now
  std::vector<index::FormChange> Changes; // against the stored analyses
  unsigned Baselined = 0;    // units analysed for the first time (stored)
  unsigned Reanalysed = 0;
  std::set<std::string> Optimised; // main files built at -O1 and above

  // The rebuild set of Changes, with the callers an optimised unit may
  // have inlined an edited function into (index::addInlinedCallers).
  index::RebuildSet rebuildSet() const;
};

// Units: all of compile_commands.json, or those that read one of Files.
// Store: the new analyses become the stored baseline; a unit never
// analysed before is always stored, and reports no changes.
llvm::Expected<ProjectIndex> openProjectIndex(const std::string &BuildDir,
                                              const std::vector<std::string> &Files,
                                              bool Store);

// Nodes whose readable name or id is Query ("render", "render()",
// "geo::render", or a USR).
std::vector<uint32_t> findForms(const index::StaticGraph &G,
                                const std::string &Query);

// "geometry.h:12"
std::string shortLocation(const index::Form &F);

} // namespace hotc::driver
