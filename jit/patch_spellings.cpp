// PatchSession's binding of the patch's spellings of functions to the
// binary's where its compiler spelled them otherwise: lambdas
// (jit/closure_names.h), ABI tags (jit/identity_binding.h); and what it
// means for the plan and the report.
#include "jit/closure_names.h"
#include "jit/patch_session.h"

#include "llvm/Demangle/Demangle.h"

using namespace llvm;

namespace hotc::jit {

// From here on the plan, the inlining records and the warnings speak of
// the process's functions.
BoundSpellings PatchSession::bindSpellings(UnitState &U, Module &M, const LiveView &View,
                                           StringSet<> &Changed, PatchReport &R) {
  BoundSpellings Out;
  std::vector<SymbolRename> Untagged = bindUntaggedFunctions(M, View);
  // Lambdas are matched by where they are written: that needs the text
  // the process runs.
  ClosureBinding B;
  if (const std::optional<std::string> &Running = U.Compiler->acceptedText())
    B = bindClosuresByPosition(M, U.Command.File,
                               U.BuildMainText ? *U.BuildMainText : *Running,
                               *Running, U.Compiler->lastText(), Link.dwarf(), View,
                               Changed);
  // All at once: two lambdas may have traded names.
  for (const std::vector<SymbolRename> *Rs : {&Untagged, &B.Renames})
    for (const SymbolRename &Rename : *Rs)
      Out.Renamed[Rename.Patch] = Rename.Live;
  StringSet<> Renamed;
  for (const auto &C : Changed) {
    auto It = Out.Renamed.find(C.getKey());
    Renamed.insert(It == Out.Renamed.end() ? C.getKey() : StringRef(It->second));
  }
  Changed = std::move(Renamed);
  for (const std::string &A : B.Apart)
    if (U.Live.count(A))
      R.Warnings.push_back(
          "a lambda of " + U.Command.File + " is linked as new code: Clang "
          "numbered the unit's lambdas otherwise than in the running build, so " +
          demangle(A) + " now names another lambda than in the process, and "
          "hotc cannot tell which lambda of the process this one is, if any; "
          "what holds the old one keeps it");
  for (const std::string &N : B.New)
    Out.NewLambdas.insert(N);
  Out.RecountedLambdas = std::move(B.Recounted);
  if (U.OptLevel == 0)
    return Out; // nothing was inlined
  for (const InlinedMember &I : B.Inlined) {
    if (!Changed.contains(I.Member))
      continue;
    for (const std::string &H : I.Holders)
      if (Changed.insert(H).second)
        R.Inlined.push_back(demangle(H) + " (may hold an inlined copy of " +
                            demangle(I.Member) + ")");
    for (const std::string &H : I.Missing)
      R.Warnings.push_back(demangle(I.Member) + " changed, but " + demangle(H) +
                           " may hold an inlined copy of it and the patch has "
                           "no copy of " + demangle(H) + " to relink: it keeps "
                           "running the old code");
  }
  return Out;
}

} // namespace hotc::jit
