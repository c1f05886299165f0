// PatchSession's side of crash protection and of undo/redo: the code each
// version linked, guarded by the agent, and the record of the running code
// put back when versions are undone (by the agent after a crash,
// agent/crash_guard.h, or by `hotc undo`) and forward when one is redone.
#include "jit/patch_session.h"

#include "jit/patch_prepared.h"

#include "llvm/IR/Function.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace hotc::jit {
namespace {

// Leaving a function as if it returned zero is faithful only when its
// value comes back in RAX/RDX/XMM0/XMM1: not through memory the caller
// passed (sret), nor on the x87 stack.
bool returnsInRegisters(const Function *F) {
  if (!F || F->hasStructRetAttr())
    return false;
  Type *T = F->getReturnType();
  return !T->isX86_FP80Ty() && !T->isFP128Ty();
}

} // namespace

std::vector<GuardedFunction>
PatchSession::guardedCode(const std::vector<Prepared> &Prep) const {
  std::vector<GuardedFunction> Out;
  for (const Prepared &P : Prep)
    for (const LinkedFunction &F : P.Linked.Code.Functions)
      Out.push_back({F.Start, F.Size,
                     returnsInRegisters(P.Tu.Module->getFunction(F.Name))});
  return Out;
}

// Called before the version goes live (a crash may come before the agent's
// answer), and before the record of the running code takes its hashes.
void PatchSession::remember(const std::vector<size_t> &Indices,
                            std::vector<Prepared> &Prep) {
  PatchedVersion V;
  V.Version = Generation + 1;
  V.Time = std::chrono::system_clock::now();
  for (size_t I = 0; I < Indices.size(); ++I) {
    V.Code.push_back(Prep[I].Linked.Code);
    if (Prep[I].Linked.Dylib) // none when the unit had nothing to link
      V.Dylibs.push_back(Prep[I].Linked.Dylib);
    V.Files.push_back(Units[Indices[I]].Command.File);
    const FunctionHashes &Live = Units[Indices[I]].Live;
    StringMap<HashChange> Changes;
    auto Note = [&](StringRef Key, uint64_t New) {
      uint64_t Old = Live.lookup(Key);
      if (Old != New)
        Changes[Key] = {Old, New};
    };
    for (const auto &E : Prep[I].Hashes)
      if (!Prep[I].NoReload.contains(E.getKey()))
        Note(E.getKey(), E.second);
    for (const auto &E : Prep[I].Marks)
      Note(E.getKey(), E.second);
    V.Changes.emplace_back(Indices[I], std::move(Changes));
  }
  History.add(std::move(V));
}

// The record of the running code takes each function's hash before
// (Forward false) or after the versions.
std::vector<std::string>
PatchSession::restoreRecord(ArrayRef<const PatchedVersion *> Versions,
                            bool Forward) {
  std::vector<std::string> Touched;
  for (const PatchedVersion *V : Versions)
    for (const auto &[Unit, Changes] : V->Changes) {
      UnitState &U = Units[Unit];
      for (const auto &E : Changes) {
        uint64_t H = Forward ? E.second.After : E.second.Before;
        if (H)
          U.Live[E.getKey()] = H;
        else
          U.Live.erase(E.getKey());
      }
      // Its compiler's running text is the newest: compile it whole next.
      U.RolledBack = true;
      if (!is_contained(Touched, U.Command.File))
        Touched.push_back(U.Command.File);
    }
  return Touched;
}

std::vector<std::string> PatchSession::rollBack(ArrayRef<unsigned> Versions) {
  return restoreRecord(History.undo(Versions, VersionState::Crashed),
                       /*Forward=*/false);
}

Expected<VersionChange> PatchSession::undo(unsigned Count) {
  unsigned Start = History.undoStart(Count ? Count : 1);
  if (!Start)
    return createStringError(inconvertibleErrorCode(),
                             "nothing to undo: no version of this session is "
                             "live");
  if (!History.undoStart(Count ? Count : 1, undoHorizon()))
    return createStringError(
        inconvertibleErrorCode(),
        "version %u is older than the undo history: only the newest %u "
        "versions can be undone (undo_depth in hotreload.toml)",
        Start, UndoDepth);
  if (Start <= MovedAt)
    return createStringError(
        inconvertibleErrorCode(),
        "version %u moved globals to a new layout (HOTRELOAD_MIGRATE): "
        "undoing it would run the old code on their old storage, which no "
        "longer changes. Versions after %u can be undone; restart the "
        "process to go back further",
        MovedAt, MovedAt);
  auto Undone = Link.undoFrom(Start);
  if (!Undone)
    return Undone.takeError();
  VersionChange C;
  C.Versions.assign(Undone->begin(), Undone->end());
  std::vector<const PatchedVersion *> Steps =
      History.undo(C.Versions, VersionState::Undone);
  for (const PatchedVersion *V : Steps)
    C.Functions.insert(C.Functions.end(), V->Functions.begin(),
                       V->Functions.end());
  C.Files = restoreRecord(Steps, /*Forward=*/false);
  return C;
}

Expected<VersionChange> PatchSession::redo() {
  const PatchedVersion *V = History.redoable();
  if (!V)
    return createStringError(inconvertibleErrorCode(),
                             "nothing to redo: no version was undone since "
                             "the last patch");
  if (Error E = Link.redo(V->Version))
    return std::move(E);
  History.markRedone(V->Version);
  VersionChange C;
  C.Versions = {V->Version};
  C.Functions = V->Functions;
  C.Files = restoreRecord({V}, /*Forward=*/true);
  return C;
}

} // namespace hotc::jit
