// PatchSession's binding of a patch's lambdas to the process's
// (jit/closure_names.h), and what it means for the plan and the report.
#include "jit/closure_names.h"
#include "jit/patch_session.h"

#include "llvm/Demangle/Demangle.h"

using namespace llvm;

namespace hotc::jit {

// The patch's lambdas take the binary's names where they are written at
// the same place (jit/closure_names.h): from here on the plan, the inlining
// records and the warnings speak of the process's functions.
StringSet<> PatchSession::bindClosures(UnitState &U, Module &M, const LiveView &View,
                                       StringSet<> &Changed, PatchReport &R) {
  StringSet<> New;
  const std::optional<std::string> &Running = U.Compiler->acceptedText();
  if (!Running)
    return New; // without the running text no line is known to be the same
  LineMap Lines(*Running, U.Compiler->lastText());
  ClosureBinding B = bindClosuresByPosition(M, U.Command.File, Lines, Link.dwarf(), View,
                                            Changed);
  // All at once: two lambdas may have traded names.
  StringMap<std::string> NewName;
  for (const SymbolRename &Rename : B.Renames)
    NewName[Rename.Patch] = Rename.Live;
  StringSet<> Renamed;
  for (const auto &C : Changed) {
    auto It = NewName.find(C.getKey());
    Renamed.insert(It == NewName.end() ? C.getKey() : StringRef(It->second));
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
    New.insert(N);
  if (U.OptLevel == 0)
    return New; // nothing was inlined
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
  return New;
}

} // namespace hotc::jit
