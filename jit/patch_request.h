// What the analysis of a save asks of the patch, as plain data: the plan
// (analysis/save_plan.h) and the executable's inlining records are handed
// over and read here; nothing is called back. An empty request is a patch
// without analysis: the canonical IR hash alone decides, every change is
// expected, no caller is relinked for an inlined copy.
#pragma once

#include "analysis/inline_sites.h"
#include "analysis/save_plan.h"
#include "jit/unit_baseline.h"

#include "llvm/ADT/StringRef.h"

#include <map>
#include <string>
#include <vector>

namespace hotc::jit {

struct UnitRequest {
  std::string Main; // the unit's main file as the plan names it (real path)
  // Generate the whole unit even when the edit lies inside function
  // bodies: a renamed or re-typed function is only seen gone in a whole
  // module; a unit the plan cannot describe is read whole.
  bool CompileWhole = false;
  // The text of the main file a focused compile diffs from, when not the
  // text the process runs (null): an older one the analysis describes, so
  // that the edit of a patch not yet re-analysed is compiled too
  // (index::SavePlan::FocusFrom).
  const std::string *FocusFrom = nullptr;
};

struct PatchRequest {
  // The plan of the save (null: none). A function the process runs whose
  // IR changed although the plan did not expect it is still linked (the
  // process must not run stale code) and reported in PatchReport::Missed:
  // a gap in the analysis.
  const index::SavePlan *Plan = nullptr;
  // By unit index; a unit not listed is compiled as edited, focused.
  std::map<size_t, UnitRequest> Units;
  // The executable's inlining records (null: none). With them, callers
  // whose optimised code may hold an inlined copy of a changed function
  // are relinked too, though their own IR did not change: the new copies
  // call the new function.
  const index::InlineSites *Inlining = nullptr;
};

// The request's entry for unit Unit (defaults when not listed).
const UnitRequest &requestOf(const PatchRequest &Req, size_t Unit);

// Whether the plan expected function Symbol of unit Unit to change.
bool expectsChange(const PatchRequest &Req, size_t Unit, llvm::StringRef Symbol);

// Functions of U (unit Unit) whose optimised code may hold an inlined copy
// of Symbol: the DWARF's callers of it, and the same-file callers (or, for
// an inline function, the users) the rebuild set reached through it (the
// DWARF loses copies folded into their caller's instructions).
std::vector<std::string> inlineHolders(const PatchRequest &Req, size_t Unit,
                                       const UnitState &U, llvm::StringRef Symbol);

} // namespace hotc::jit
