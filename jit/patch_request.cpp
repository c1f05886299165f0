#include "jit/patch_request.h"

#include "analysis/symbol_names.h"
#include "jit/live_dwarf.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Demangle/Demangle.h"

using namespace llvm;

namespace hotc::jit {

const UnitRequest &requestOf(const PatchRequest &Req, size_t Unit) {
  static const UnitRequest None;
  auto It = Req.Units.find(Unit);
  return It == Req.Units.end() ? None : It->second;
}

bool expectsChange(const PatchRequest &Req, size_t Unit, StringRef Symbol) {
  const UnitRequest &U = requestOf(Req, Unit);
  if (!Req.Plan || U.Main.empty())
    return true; // the IR hash alone decides: every change is expected
  std::optional<std::string> Name = index::formNameOfSymbol(Symbol);
  return !Name || Req.Plan->expects(U.Main, *Name);
}

std::vector<std::string> inlineHolders(const PatchRequest &Req, size_t Unit,
                                       const UnitState &U, StringRef Symbol) {
  if (!Req.Inlining)
    return {};
  ArrayRef<std::string> Sites = Req.Inlining->callersOf(Symbol);
  // GCC's DWARF names an internal C++ function without its linkage name:
  // "scaled" for Clang's _ZL6scaledi.
  if (Sites.empty())
    Sites = Req.Inlining->callersOf(withoutParameters(demangle(Symbol.str())));
  std::vector<std::string> Holders(Sites.begin(), Sites.end());
  const UnitRequest &R = requestOf(Req, Unit);
  if (!Req.Plan || R.Main.empty())
    return Holders;
  std::optional<std::string> Name = index::formNameOfSymbol(Symbol);
  StringSet<> Callers; // readable names, from the plan
  // Callers the set reached through Symbol's form: a same-file caller
  // (addInlinedCallers), or a user of an inline function (every optimised
  // user may hold a copy of it, whose unoptimised IR did not change).
  for (const index::RebuildEntry &E : Req.Plan->Rebuild.Functions)
    if (Name && E.File == R.Main && !E.Path.empty() && E.Path.back().Name == *Name)
      Callers.insert(E.Name);
  if (Callers.empty())
    return Holders; // spare demangling every function of the unit
  for (const auto &F : U.Live)
    if (auto N = index::formNameOfSymbol(F.getKey()); N && Callers.contains(*N))
      Holders.push_back(F.getKey().str());
  return Holders;
}

} // namespace hotc::jit
