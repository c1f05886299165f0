// The keep/demote transform: turns the IR of a recompiled translation unit
// into a patch for the running process.
//
// - changed functions the process has are kept under a versioned name; their
//   original name becomes a declaration bound to the live entry, which the
//   patch re-points, so every call (even from the patch itself) goes through
//   the one stable entry;
// - everything else the process already has becomes a declaration bound to
//   the live instance: state is never duplicated or re-initialised;
// - what the process lacks is kept: new functions and globals as the stable
//   home of later patches, unchanged helpers (inline functions the process
//   never emitted) as private copies;
// - dynamic initialisers run only for new globals, from one function.
#pragma once

#include "jit/live_symbols.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Module.h"

#include <string>
#include <vector>

namespace hotc::jit {

// What already exists in the process, as seen from one translation unit.
struct LiveView {
  const SymbolTable *Globals = nullptr; // process and patch-created externals
  const SymbolTable *Locals = nullptr;  // this TU's internal symbols, or null

  const LiveSymbol *find(llvm::StringRef Name, bool Local) const;
};

struct Replacement {
  std::string Name;      // symbol of the live entry
  std::string Versioned; // symbol of the new definition in the patch
  bool Local = false;
};

struct CreatedSymbol {
  std::string Name;
  bool Local = false; // internal linkage in the source: scoped to the TU
  bool IsFunction = false;
};

// A replacement's symbol is its name with ".hotcN" (N: the patch version);
// this gives back the name users know.
std::string unversionedName(llvm::StringRef Linked);

struct PatchPlan {
  std::vector<Replacement> Replaced;
  std::vector<CreatedSymbol> Created;
  // New storage of moved globals (GlobalMove::Versioned), linked and
  // filled by their hook in InitFunction.
  std::vector<std::string> MovedStorage;
  std::string InitFunction; // empty when no new global needs initialising
};

struct GlobalMove; // jit/global_moves.h

struct PatchOptions {
  unsigned Generation = 1;
  unsigned OptLevel = 0;
  // Functions whose entry another TU of this patch already re-points.
  const llvm::StringSet<> *ReplacedElsewhere = nullptr;
  // Live globals (`// hotc: rerun`) whose changed initialiser runs again.
  const llvm::StringSet<> *Rerun = nullptr;
  // Live globals of this unit moving to new storage (jit/global_moves.h).
  const std::vector<GlobalMove> *Moves = nullptr;
};

// Type info, its name and virtual tables (_ZTI, _ZTS, _ZTV): bound by
// address even when constant (exceptions and dynamic_cast compare them).
bool isRtti(llvm::StringRef Name);

// Rewrites M in place. Changed: functions whose canonical hash differs from
// the live version or that are new.
PatchPlan preparePatchModule(llvm::Module &M, const llvm::StringSet<> &Changed,
                             const LiveView &Live, const PatchOptions &Opts);

} // namespace hotc::jit
