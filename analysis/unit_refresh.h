// Bringing units' parts of the graph up to date: a unit is analysed again
// only when its command or the contents of its project inputs changed
// (content-addressed), then stored, with the form changes it brought.
#pragma once

#include "analysis/form_diff.h"
#include "analysis/static_graph.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <functional>
#include <optional>

namespace hotc::index {

struct UnitRefresh {
  bool Reanalysed = false;
  bool Known = false; // the graph had an analysis of the unit before
  std::vector<FormChange> Changes; // against that analysis
};

// Path -> hash of the file's content (nullopt: unreadable), filled as read.
using FileHashes = llvm::StringMap<std::optional<uint64_t>>;

// Whether Stored still describes the unit of Cmd, as on disk now; files
// already in Known are not read again.
bool isUpToDate(const FormIndex &Stored, const frontend::CompileCommand &Cmd,
                FileHashes &Known);

// Analyses Cmd's unit when needed, replaces it in Graph and, when IndexDir
// is not empty, stores it there.
llvm::Expected<UnitRefresh> refreshUnit(StaticGraph &Graph,
                                        const frontend::CompileCommand &Cmd,
                                        llvm::StringRef IndexDir);

struct RefreshOptions {
  std::string IndexDir; // where analyses are stored; "" stores nothing
  bool StoreKnown = true; // false: store only units analysed the first time
  unsigned Threads = 0;   // parses at once; 0: one per core
  // Called after each parse (from the parsing threads, one at a time) with
  // the parses done and to do.
  std::function<void(size_t Done, size_t Total)> Progress;
};

// The same for many units: the parses run in parallel, the graph is
// updated in the order of Cmds. Fails with the first unit that does not
// parse (a frontend::CompileFailure naming file:line:col).
llvm::Expected<std::vector<UnitRefresh>>
refreshUnits(StaticGraph &Graph, llvm::ArrayRef<frontend::CompileCommand> Cmds,
             const RefreshOptions &Options);

} // namespace hotc::index
