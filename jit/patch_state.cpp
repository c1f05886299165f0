// PatchSession's binding of a unit's patch to the process's state: its
// statics by position and identity, its thread-locals; and the link of a
// patch the build's compiler compiles, whose object names statics and
// lambdas by that compiler's own numbering (what it refuses, how its
// statics are bound).
#include "jit/build_compiler_patch.h"
#include "jit/compiler_view.h"
#include "jit/patch_prepared.h"
#include "jit/thread_locals.h"
#include "support/elapsed.h"

#include "llvm/Demangle/Demangle.h"
#include "llvm/Support/FormatVariadic.h"

using namespace llvm;

namespace hotc::jit {

Error PatchSession::bindState(UnitState &U, Prepared &P, const LiveView &View,
                              const BoundSpellings &Spellings, bool ByBuildCompiler) {
  Module &M = *P.Tu.Module;
  auto Positioned = bindStaticsByPosition(M, U.Command.File, U.Statics, U.LiveStatics,
                                          U.BuildMainText, U.Compiler->acceptedText(),
                                          U.Compiler->lastText(), Generation + 1, Link,
                                          View);
  if (!Positioned)
    return Positioned.takeError();
  if (ByBuildCompiler && !Spellings.RecountedLambdas.empty())
    return make_error<CompilerViewMismatch>(
        U.Command.File, P.Tu.CompilerView + "; and the edit adds, removes or moves a "
                        "lambda of " + demangle(Spellings.RecountedLambdas.front()) +
                        ", whose lambdas GCC numbers in order: a patch compiled by "
                        "the build's compiler would give one lambda's name to another");
  if (ByBuildCompiler && !Positioned->Renumbered.empty())
    return make_error<CompilerViewMismatch>(
        U.Command.File, P.Tu.CompilerView + "; and the edit renumbers the statics "
                        "named " + Positioned->Renumbered.front() + ", which a patch "
                        "compiled by the build's compiler would bind by its own "
                        "numbering, to other statics");
  if (!ByBuildCompiler) {
    StringSet<> Keys;
    for (const auto &E : Positioned->Placed)
      Keys.insert(E.first);
    P.Placed = std::move(Positioned->Placed);
    if (Error E = bindStaticsByIdentity(M, U.Command.File, U.LiveStatics, Link, View,
                                        Keys))
      return E;
    if (Error E = lowerThreadLocals(M, View, U.Command.File))
      return E;
  }
  return Error::success();
}

Error PatchSession::linkByBuildCompiler(UnitState &U, Prepared &P,
                                        const LiveView &View,
                                        StringSet<> &Replaced,
                                        std::vector<EntryRepoint> &Entries,
                                        PatchReport &R, double &CodegenMs,
                                        double &LinkMs) {
  const std::string &File = U.Command.File;
  if (!P.Plan.InitFunction.empty())
    return make_error<CompilerViewMismatch>(
        File, P.Tu.CompilerView + "; and the edit needs an initialiser to run "
                                  "(a new global with a dynamic initialiser, "
                                  "or `hotc: rerun`), which a patch compiled "
                                  "by the build's compiler cannot run yet");
  auto T0 = std::chrono::steady_clock::now();
  auto Object = compileWithBuildCompiler(U.Command);
  CodegenMs += msSince(T0); // the build compiler's frontend and codegen
  if (!Object)
    return Object.takeError();
  auto T1 = std::chrono::steady_clock::now();
  auto Statics = rebindStaticsByIdentity((*Object)->getMemBufferRef(), File,
                                         Link.dwarf(), View, U.BuildCompilerStatics);
  if (!Statics)
    return Statics.takeError();
  auto Cut = cutToPatch(**Object, P.Plan, View, *Statics, Generation + 1, File);
  if (!Cut)
    return Cut.takeError();
  for (const CreatedSymbol &C : Cut->Created) {
    // A static renamed apart is named after the object's symbol.
    StringRef Object = C.Name;
    if (!Statics->IdentityOf.count(Object))
      Object = Object.rsplit(".hotc").first;
    if (auto It = Statics->IdentityOf.find(Object); !C.IsFunction && It != Statics->IdentityOf.end())
      P.NewStatics[It->second] = C.Name;
  }
  P.Plan.Replaced = std::move(Cut->Replaced);
  P.Plan.Created = std::move(Cut->Created);
  std::vector<std::string> Names;
  for (const Replacement &Rep : P.Plan.Replaced)
    Names.push_back(Rep.Versioned);
  for (const CreatedSymbol &C : P.Plan.Created)
    Names.push_back(C.Name);
  std::string DylibName = formatv("patch{0}:{1}", Generation + 1, File).str();
  auto Linked = Link.link(File, DylibName, std::move(Cut->Graph), Names);
  LinkMs += msSince(T1);
  if (!Linked)
    return explainLinkError(Linked.takeError(), *P.Tu.Module, File);
  P.Linked = std::move(*Linked);
  R.BuildCompiled.push_back(File);
  return recordLinked(U, P, View, Replaced, Entries, R);
}

} // namespace hotc::jit
