// PatchSession's side of moving globals to a new layout (jit/global_moves.h):
// the plan over the patch's units before linking, and what the session
// keeps once the patch is live.
#include "jit/patch_session.h"

#include "jit/patch_prepared.h"
#include "protocol/agent_protocol.h"

#include "llvm/Support/FormatVariadic.h"

#include <map>
#include <set>

using namespace llvm;

namespace hotc::jit {

// A unit compiled focused holds only the functions the plan named, but
// code reaching a global that moves may be anywhere in it (`return &g;`,
// which no plan names): when a hook may move globals, such units are
// compiled again, whole. Layout changes are rare; this costs a compile.
Error PatchSession::compileWholeForMoves(const std::vector<size_t> &Indices,
                                         std::vector<Prepared> &Prep,
                                         PatchReport &R) {
  std::set<std::string> Hooks;
  for (const Prepared &P : Prep)
    for (const LayoutChange::Changed &C : P.LayoutChanges)
      if (std::string H = migrationHookName(C.IRType); !H.empty())
        Hooks.insert(H);
  auto View = Link.viewOf(Units[Indices.front()].Command.File);
  if (!View)
    return View.takeError();
  bool HookSeen = any_of(Hooks, [&](const std::string &H) {
    return View->find(H, false) || any_of(Prep, [&](const Prepared &P) {
             const Function *F = P.Tu.Module->getFunction(H);
             return F && !F->isDeclaration();
           });
  });
  if (!HookSeen)
    return Error::success();
  for (size_t K = 0; K < Indices.size(); ++K) {
    if (!Prep[K].Tu.Partial)
      continue;
    UnitState &U = Units[Indices[K]];
    UnitCompileStats Stats;
    auto Tu = U.Compiler->compileEdit(&Stats, /*Focus=*/false, nullptr);
    if (!Tu)
      return Tu.takeError();
    takeCompiled(U, Prep[K], std::move(*Tu));
    R.Focused = false;
  }
  return Error::success();
}

// Every unit whose code may reach a moved global must be in the patch: left
// out, its code would go on with the old storage, or read the new one at
// the old layout. The binary's DWARF says which units those are.
Error PatchSession::checkUnitsOfMoves(const std::vector<size_t> &Indices,
                                      const MovePlan &Plan) {
  // Record -> its words ("struct particle") and the moved externals.
  std::map<std::string, std::pair<std::string, std::vector<std::string>>> ByRecord;
  for (const std::vector<GlobalMove> &Ms : Plan.ByUnit)
    for (const GlobalMove &M : Ms) {
      auto &[Type, Vars] = ByRecord[M.Record];
      Type = M.Type;
      if (!M.Local)
        Vars.push_back(M.Name);
    }
  if (ByRecord.empty())
    return Error::success();
  LiveDwarf &Dwarf = Link.dwarf();
  if (!Dwarf.hasCompileUnits())
    return createStringError(
        inconvertibleErrorCode(),
        "the process's binary has no debug info (built without -g): hotc "
        "cannot tell which units use the globals that would move to the new "
        "layout, so it does not move them. Nothing was applied; build with "
        "-g, or restart the process to run this edit.");
  std::set<std::string> InPatch;
  for (size_t I : Indices)
    InPatch.insert(absolutePath(Units[I].Command.File, ""));
  for (const auto &[Record, Uses] : ByRecord) {
    const auto &[Type, Vars] = Uses;
    std::vector<std::string> Outside;
    for (std::string &U : Dwarf.unitsUsing(Record, Vars))
      if (!InPatch.count(U))
        Outside.push_back(std::move(U));
    if (Outside.empty())
      continue;
    std::string List;
    for (const std::string &U : Outside)
      List += (List.empty() ? "" : ", ") + U;
    return createStringError(
        inconvertibleErrorCode(),
        "globals of %s would move to its new layout, but these units of the "
        "process use it and this save does not recompile them: %s. Their "
        "code would go on with the old storage, or read the new one at the "
        "old layout: nothing was applied. Save them again together with the "
        "edit, or run `hotc reload` on the header defining %s: every unit "
        "reading it is recompiled.",
        Type.c_str(), List.c_str(), Type.c_str());
  }
  return Error::success();
}

Error PatchSession::planMoves(std::vector<size_t> &Indices,
                              std::vector<Prepared> &Prep, PatchReport &R) {
  if (none_of(Prep, [](const Prepared &P) { return !P.LayoutChanges.empty(); }))
    return Error::success();
  if (Error E = compileWholeForMoves(Indices, Prep, R))
    return E;
  std::vector<LiveView> Views;
  std::vector<UnitLayouts> Layouts;
  Views.reserve(Indices.size());
  for (size_t K = 0; K < Indices.size(); ++K) {
    const UnitState &U = Units[Indices[K]];
    auto View = Link.viewOf(U.Command.File);
    if (!View)
      return View.takeError();
    Views.push_back(*View);
    Layouts.push_back({U.Command.File, Prep[K].Tu.Module.get(), &Views.back(),
                      Prep[K].LayoutChanges, !Prep[K].Tu.CompilerView.empty()});
  }
  auto Plan = planGlobalMoves(Layouts, Generation + 1);
  if (!Plan)
    return Plan.takeError();
  llvm::append_range(R.Warnings, Plan->Warnings);
  if (Error E = checkUnitsOfMoves(Indices, *Plan))
    return E;
  for (size_t K = 0; K < Indices.size(); ++K)
    Prep[K].Moved = movedNamesFor(*Plan, K);
  for (size_t K = 0; K < Indices.size(); ++K)
    Prep[K].Moves = std::move(Plan->ByUnit[K]);
  // The units that give globals new storage link first: the others bind
  // their uses to it by name.
  std::vector<size_t> Order(Indices.size());
  for (size_t K = 0; K < Order.size(); ++K)
    Order[K] = K;
  std::stable_partition(Order.begin(), Order.end(),
                        [&](size_t K) { return !Prep[K].Moves.empty(); });
  std::vector<size_t> NewIndices;
  std::vector<Prepared> NewPrep(Prep.size());
  for (size_t K = 0; K < Order.size(); ++K) {
    NewIndices.push_back(Indices[Order[K]]);
    NewPrep[K] = std::move(Prep[Order[K]]);
  }
  Indices = std::move(NewIndices);
  Prep = std::move(NewPrep);
  return Error::success();
}

void PatchSession::recordMoves(const std::vector<size_t> &Indices,
                               const std::vector<Prepared> &Prep,
                               PatchReport &R) {
  bool First = !MovedAt;
  for (size_t K = 0; K < Indices.size(); ++K) {
    const std::string &File = Units[Indices[K]].Command.File;
    for (const GlobalMove &M : Prep[K].Moves)
      R.Moved.push_back(formatv("{0} ({1}): {2} {3} -> {4}, by {5}", M.Name,
                                File, M.Type, M.Before, M.After, M.Hook)
                            .str());
    if (Prep[K].Moves.empty())
      continue;
    MovedAt = R.Version;
    if (Error E = Link.recordMoved(File, Prep[K].Moves))
      R.Warnings.push_back("the agent could not record the new storage of "
                           "the globals moved in " + File +
                           " (a hotc attaching again would bind to the old "
                           "one): " + toString(std::move(E)));
  }
  if (First && MovedAt &&
      CrashPolicy == static_cast<uint8_t>(protocol::CrashPolicy::Rollback))
    R.Warnings.push_back(formatv(
        "globals moved to a new layout: a crash in patched code is now "
        "reported, not rolled back, and versions up to {0} cannot be undone "
        "(their code reads the old storage)", MovedAt));
}

} // namespace hotc::jit
