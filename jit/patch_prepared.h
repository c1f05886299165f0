// One unit's part of a patch while PatchSession::apply builds it; internal
// to jit/patch_session.cpp, jit/patch_state.cpp and jit/patch_rollback.cpp.
#pragma once

#include "jit/build_compiler_statics.h"
#include "jit/global_moves.h"
#include "jit/patch_session.h"

namespace hotc::jit {

struct PatchSession::Prepared {
  CompiledTu Tu;
  FunctionHashes Hashes;
  LinkedObject Linked;
  PatchPlan Plan;
  TypeLayouts Layouts;
  // Types whose layout differs from the running code's (refused unless
  // their globals move), the unit's moves, and the names its code must
  // reach in their new storage (jit/global_moves.h).
  std::vector<LayoutChange::Changed> LayoutChanges;
  std::vector<GlobalMove> Moves;
  llvm::StringSet<> Moved;
  llvm::StringSet<> NoReload;           // edits kept out (`hotc: no-reload`)
  // Entries of the record that are no function hashes: the initialisers of
  // `hotc: rerun` globals ("init:G"), functions run unoptimised ("O0:F").
  llvm::StringMap<uint64_t> Marks;
  StaticPlacements Placed; // same-named statics bound by position
  CreatedStatics NewStatics; // created by the build's compiler, by identity
};

// A link error of M's object that names missing symbols as a LinkFailure
// that says which of M's functions use them.
llvm::Error explainLinkError(llvm::Error E, const llvm::Module &M, llvm::StringRef Unit);

} // namespace hotc::jit
