// What one save means for the running program, decided in milliseconds
// from the stored analyses, without a parse: the forms the edit touched
// (source_edit.h), the rebuild set those changes imply (rebuild_set.h), and
// from it the translation units to recompile.
//
// Where the stored analyses cannot tell (an edit outside every form, a
// unit analysed from older text than it reads now), the plan falls back to
// recompiling every unit that reads the file and lets the canonical IR
// hash decide alone in those units ("whole" units).
#pragma once

#include "analysis/rebuild_set.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringSet.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hotc::index {

struct SavedFile {
  std::string Path; // real path
  // The text the process runs; nullopt when it is not known (then every
  // form of the file counts as changed, signature included).
  std::optional<std::string> Before;
  std::string After; // the text saved now
  // The text the readers' analyses describe when it is not Before (a
  // re-analysis not done yet): the forms' offsets are in it.
  std::optional<std::string> Analysed;
};

struct SavePlan {
  std::vector<FormChange> Changes;
  RebuildSet Rebuild;
  // Units to recompile, by main file (real path): true when any of its
  // functions may have changed (the set does not describe it).
  std::map<std::string, bool> Units;
  std::vector<std::string> Notes;     // where and why the plan fell back
  std::vector<std::string> Unchanged; // saved files whose tokens are the same
  // Each saved file with the hash (index::hashString) of the text planned:
  // a compile that read another text is not described by this plan.
  std::vector<std::pair<std::string, uint64_t>> Planned;
  // Units (main file, real path) whose analysis is behind the process by
  // their main file's last patch only (its re-analysis is not done: saves
  // come faster than it): the plan covers both that patch's edit and this
  // one, and the unit's focused compile diffs from this text, the one the
  // analysis describes, rather than from the text the process runs.
  std::map<std::string, std::string> FocusFrom;
  double Ms = 0; // reading the files, the diff, the query (BackgroundIndex::plan)

  // Whether the plan expected the function whose form is FormName (see
  // symbol_names.h) in Unit to change: a function whose code changed
  // without it is a gap in the analysis.
  bool expects(llvm::StringRef Unit, llvm::StringRef FormName) const;

  // Filled by planSave for expects().
  llvm::StringSet<> Names;          // of the rebuild set's functions
  llvm::StringSet<> ChangedRecords; // their implicit members change too
  // Functions written below an edit that changed the number of lines: their
  // tokens are the same, but code expanding __LINE__ (assert) is not.
  llvm::StringSet<> Moved;
  // Other changed forms, as "name()": the code of a lambda at namespace
  // scope belongs to its variable.
  llvm::StringSet<> ChangedOthers;
};

struct UnitFacts {
  // Whether that unit's stored analysis describes the text of every file
  // it reads now, the saved files as their Before. A unit that is not
  // fresh is recompiled whole when it reads a saved file.
  llvm::function_ref<bool(llvm::StringRef MainFile)> Fresh;
  // Whether the unit is built at -O1 or above (see addInlinedCallers).
  llvm::function_ref<bool(llvm::StringRef MainFile)> Optimised;
  // Whether it describes every file but File (the process runs a later
  // text of File only); unset: no unit is.
  llvm::function_ref<bool(llvm::StringRef MainFile, llvm::StringRef File)>
      FreshButFor;
};

SavePlan planSave(const StaticGraph &Graph, llvm::ArrayRef<SavedFile> Files,
                  const UnitFacts &Facts);

} // namespace hotc::index
