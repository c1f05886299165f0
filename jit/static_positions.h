// Binding same-named function statics by where they are written.
//
// The Itanium ABI numbers the statics of one name in one function in
// source order: `_ZZ1fvE1n`, `_ZZ1fvE1n_0`, ...; C compilers number them
// their own way (GCC `n.0`, `n.1`; Clang `f.n`, `f.n.1`). An edit that adds
// or removes one of them shifts the numbers, so a patch's name for a static
// may be another static's name in the process: bound by name, the patch
// would run with that other static's value, a silent wrong result. What
// both the process and the patch agree on is where each static is written.
// So, for every scope and name with more than one static (in the patch or
// in the process), each of the patch's statics is paired with the live one
// declared on the same line of the text the process runs (mapped through a
// line diff), a static on a line the edit inserted is new, and any doubt is
// a refusal. The binary's DWARF gives the positions of its own statics (in
// the build's text); statics an earlier patch created or rebound are kept
// in StaticPositions (in the running text) from then on.
#pragma once

#include "jit/identity_binding.h"
#include "jit/link_session.h"
#include "jit/patch_module.h"

#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace hotc::jit {

// One live static of a scope and name: where it is written and which
// instance it is (the live symbol, or only its address when it has none).
struct StaticSlot {
  unsigned Line = 0; // 0: the edit rewrote its line, position unknown
  std::string Symbol;
  uint64_t Address = 0; // 0: a patch created it; found by Symbol
};

// The statics a patch bound by position, by StaticIdentity::key(), lines
// of the patch's text.
using StaticPlacements = std::map<std::string, std::vector<StaticSlot>>;

// A unit's same-named statics as patches left them. Before the first
// patch that binds by position, the binary's DWARF is the only source.
struct StaticPositions {
  // Slots by StaticIdentity::key(), lines of the running text. An
  // identity here is no longer read from the DWARF.
  std::map<std::string, std::vector<StaticSlot>> Slots;

  // The process now runs New instead of Running (the unit's patch went
  // live): Placed replaces the slots of its identities, every other slot's
  // line is mapped onto New.
  void accept(StaticPlacements Placed, const std::optional<std::string> &Running,
              llvm::StringRef New);
};

struct PositionedStatics {
  StaticPlacements Placed;
  // Identities (spelled) whose statics the edit renumbered: one added,
  // removed or moved among those of its name. A patch compiled by the
  // build's own compiler binds its statics by that compiler's numbering,
  // which would give them to other statics.
  std::vector<std::string> Renumbered;
};

// For each scope and name of M's state variables (in SourcePath itself)
// with more than one static in M or in the process, or kept in Known:
// renames each static of M (and its guard) to the live instance declared
// on its line, or apart (`<name>.hotc<Generation>.<i>`) when it is new;
// an error names the static when hotc cannot tell. Running, New: the main
// file as the process runs it and as M was compiled from; Build: as the
// binary was built from it (the lines of its DWARF), when it is no longer
// Running. Returns what was
// placed; bindStaticsByIdentity leaves those identities alone.
llvm::Expected<PositionedStatics>
bindStaticsByPosition(llvm::Module &M, llvm::StringRef SourcePath,
                      const StaticPositions &Known, const BaselineStatics &Baseline,
                      const std::optional<std::string> &Build,
                      const std::optional<std::string> &Running, llvm::StringRef New,
                      unsigned Generation, LinkSession &Link, const LiveView &View);

} // namespace hotc::jit
