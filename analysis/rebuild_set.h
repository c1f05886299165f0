// The rebuild set of a save: every function whose code must be compiled
// again because of the changed forms, each with the chain of uses that
// leads to a change, plus the layout changes and the uses of removed forms
// that make the save unsafe to apply.
//
// The query walks reverse edges from the changed forms only: its cost is
// the size of the affected part of the graph, not of the graph.
#pragma once

#include "analysis/form_diff.h"
#include "analysis/static_graph.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <string>
#include <vector>

namespace hotc::index {

struct ReasonStep {
  std::string Id;
  std::string Name;
  std::string Qualifier; // "inline ", "template ", "macro "...
  std::string File;
  unsigned Line = 0;
  EdgeKind Via = EdgeKind::Call; // how the previous step uses this one
};

struct RebuildEntry {
  std::string Id;
  std::string Name;
  std::string File;
  unsigned Line = 0;
  std::string Change; // what happened at the end of Path ("edited"...)
  // From the first form this function uses to the changed form; empty when
  // the function itself changed.
  std::vector<ReasonStep> Path;
  // Added by addInlinedCallers: its own code is unchanged, but it may hold
  // an inlined copy of the function at the end of Path.
  bool Inlined = false;
};

struct LayoutChange {
  std::string TypeId;
  std::string Type;
  std::string File;
  unsigned Line = 0;
  std::string What; // "size 8 -> 12 bytes; field z added at bit offset 64"
  std::vector<std::string> Affected; // names of the functions using it
};

// A form that was removed while another form still uses it.
struct DanglingUse {
  std::string Removed;
  std::string User;
  std::string File; // of the user
  unsigned Line = 0;
};

struct RebuildSet {
  std::vector<RebuildEntry> Functions;
  std::vector<LayoutChange> Layouts;
  std::vector<DanglingUse> Errors;
  const RebuildEntry *find(llvm::StringRef Name) const; // by readable name
};

// Graph is the graph after the save (the new analyses replaced the old).
RebuildSet computeRebuildSet(const StaticGraph &Graph,
                             llvm::ArrayRef<FormChange> Changes);

// In a build optimised at -O1 and above, an edited function may have been
// inlined into its callers of the same unit (and theirs, transitively):
// their code holds the old body. Adds those callers whose unit Optimised
// says is optimised (by main file), each with the call path to the edit.
void addInlinedCallers(RebuildSet &Set, const StaticGraph &Graph,
                       llvm::function_ref<bool(llvm::StringRef MainFile)> Optimised);

// "render() — calls inline clamp() [edited] in geometry.h:12"
std::string describeReason(const RebuildEntry &E);

} // namespace hotc::index
