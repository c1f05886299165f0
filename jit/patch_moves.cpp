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

// The units of the process whose code may reach a global that moves, by
// the binary's DWARF: those describing its type in full, or naming one of
// the moved externals, declared or defined. By the moved type's words.
std::map<std::string, std::vector<std::string>>
PatchSession::dwarfUsersOfMoves(const MovePlan &Plan) {
  // Record -> its words ("struct particle") and the moved externals.
  std::map<std::string, std::pair<std::string, std::vector<std::string>>> ByRecord;
  for (const std::vector<GlobalMove> &Ms : Plan.ByUnit)
    for (const GlobalMove &M : Ms) {
      auto &[Type, Vars] = ByRecord[M.Record];
      Type = M.Type;
      if (!M.Local)
        Vars.push_back(M.Name);
    }
  std::map<std::string, std::vector<std::string>> Out;
  for (const auto &[Record, Uses] : ByRecord)
    Out[Uses.first] = Link.dwarf().unitsUsing(Record, Uses.second);
  return Out;
}

// Every unit whose code may reach a moved global must be in the patch: left
// out, its code would go on with the old storage, or read the new one at
// the old layout. Those the session knows were added (unitsOfMovesLeftOut);
// a unit of the binary it does not know refuses the patch.
Error PatchSession::checkUnitsOfMoves(const std::vector<size_t> &Indices,
                                      const MovePlan &Plan) {
  if (!Link.dwarf().hasCompileUnits())
    return createStringError(
        inconvertibleErrorCode(),
        "the process's binary has no debug info (built without -g): hotc "
        "cannot tell which units use the globals that would move to the new "
        "layout, so it does not move them. Nothing was applied; build with "
        "-g, or restart the process to run this edit.");
  std::set<std::string> InPatch;
  for (size_t I : Indices)
    InPatch.insert(absolutePath(Units[I].Command.File, ""));
  // A unit left out whose DWARF may not name every global it uses (built
  // by Clang, split, without -g) may use the globals unseen.
  bool Externals = movesExternals(Plan);
  std::string Blind;
  unsigned NumBlind = 0;
  for (const UnitState &U : Units)
    if (Externals && U.InProcess && !InPatch.count(absolutePath(U.Command.File, "")) &&
        !Link.dwarf().namesEveryGlobalUsed(U.Command.File) && NumBlind++ < 4)
      Blind += (Blind.empty() ? "" : ", ") + U.Command.File;
  if (NumBlind)
    return createStringError(
        inconvertibleErrorCode(),
        "globals would move to a new layout, but %u unit(s) of the process "
        "left out of the patch have no debug info naming the globals they "
        "use (built by Clang, whose DWARF omits the variables a unit only "
        "declares, or split, or without -g): %s%s. Their code might go on "
        "with the old storage. hotc moves globals when every unit the patch "
        "leaves out was built by GCC with -g. Nothing was applied; restart "
        "the process to run this edit.",
        NumBlind, Blind.c_str(), NumBlind > 4 ? ", ..." : "");
  for (auto &[Type, Users] : dwarfUsersOfMoves(Plan)) {
    std::string List;
    for (const std::string &U : Users)
      if (!InPatch.count(U))
        List += (List.empty() ? "" : ", ") + U;
    if (List.empty())
      continue;
    return createStringError(
        inconvertibleErrorCode(),
        "globals of %s would move to its new layout, but these units of the "
        "process use it and hotc cannot recompile them (they are not in the "
        "build's compile commands): %s. Their code would go on with the old "
        "storage, or read the new one at the old layout: nothing was applied. "
        "Restart the process to run this edit.",
        Type.c_str(), List.c_str());
  }
  return Error::success();
}

// Units outside the patch that may use what moves: those reading the
// header that defines a moved type (a global's users must see it), and
// those the binary's DWARF says use it. Only units in the process.
std::vector<size_t>
PatchSession::unitsOfMovesLeftOut(const std::vector<size_t> &Indices,
                                  const std::vector<Prepared> &Prep,
                                  const MovePlan &Plan) {
  std::set<size_t> Out;
  // A unit with no compile unit in the binary is of another target (or
  // built without -g: checkUnitsOfMoves refuses those).
  auto Add = [&](size_t U) {
    if (!is_contained(Indices, U) && Units[U].InProcess &&
        Link.dwarf().hasUnit(Units[U].Command.File))
      Out.insert(U);
  };
  for (size_t K = 0; K < Plan.ByUnit.size(); ++K)
    for (const GlobalMove &M : Plan.ByUnit[K])
      if (std::string H = recordFileOf(*Prep[K].Tu.Module, M.Record); !H.empty())
        for (size_t U : unitsReading(H))
          Add(U);
  for (const auto &[Type, Users] : dwarfUsersOfMoves(Plan))
    for (const std::string &Path : Users)
      for (size_t U = 0; U < Units.size(); ++U)
        if (absolutePath(Units[U].Command.File, "") == Path)
          Add(U);
  return {Out.begin(), Out.end()};
}

// Units joining the patch for its moves: their baselines loaded, compiled
// whole from their saved text.
Error PatchSession::addUnitsForMoves(const std::vector<size_t> &Extra,
                                     std::vector<size_t> &Indices,
                                     std::vector<Prepared> &Prep,
                                     PatchReport &R) {
  BaselineLoad L = load(Extra);
  Error Failures = Error::success();
  for (auto &[Unit, E] : L.Failures)
    Failures = joinErrors(
        std::move(Failures),
        createStringError(inconvertibleErrorCode(),
                          "%s must join the patch (it may use a global that "
                          "moves to a new layout), but its baseline did not "
                          "compile: %s",
                          Units[Unit].Command.File.c_str(),
                          toString(std::move(E)).c_str()));
  if (Failures)
    return Failures;
  R.BaselinesCompiled += L.Compiled;
  R.BaselinesRestored += L.Restored;
  llvm::append_range(R.Warnings, L.StoreProblems);
  std::vector<size_t> Add;
  PatchRequest Whole;
  for (size_t U : Extra)
    if (Units[U].Loaded && Units[U].InProcess) {
      Add.push_back(U);
      Whole.Units[U].CompileWhole = true;
    }
  Failed.insert(Add.begin(), Add.end()); // until the patch succeeds
  std::vector<Prepared> More(Add.size());
  if (Error E = compileEdits(Add, Whole, More, R))
    return E;
  for (size_t K = 0; K < Add.size(); ++K) {
    Indices.push_back(Add[K]);
    Prep.push_back(std::move(More[K]));
  }
  R.Focused = false;
  return Error::success();
}

// A unit with no compile unit in the binary is of another target, or in the
// process but built without -g (then blind to checkUnitsOfMoves). Loading
// its baseline tells which: one not linked into the process is marked so.
void PatchSession::learnWhichUnitsRun(const std::vector<size_t> &Indices,
                                      const MovePlan &Plan, PatchReport &R) {
  if (!movesExternals(Plan))
    return;
  std::vector<size_t> Unknown;
  for (size_t U = 0; U < Units.size(); ++U)
    if (!is_contained(Indices, U) && !Units[U].Loaded && Units[U].InProcess &&
        !Link.dwarf().hasUnit(Units[U].Command.File))
      Unknown.push_back(U);
  if (Unknown.empty())
    return;
  BaselineLoad L = load(Unknown);
  R.BaselinesCompiled += L.Compiled;
  R.BaselinesRestored += L.Restored;
  for (auto &[Unit, E] : L.Failures)
    R.Warnings.push_back(Units[Unit].Command.File +
                         ": its baseline did not compile, so hotc takes it "
                         "as not in the process: " + toString(std::move(E)));
}

Expected<MovePlan> PatchSession::planOver(const std::vector<size_t> &Indices,
                                          const std::vector<Prepared> &Prep) {
  std::vector<LiveView> Views;
  std::vector<UnitLayouts> Layouts;
  Views.reserve(Indices.size()); // Layouts point into it
  for (size_t K = 0; K < Indices.size(); ++K) {
    const UnitState &U = Units[Indices[K]];
    auto View = Link.viewOf(U.Command.File);
    if (!View)
      return View.takeError();
    Views.push_back(*View);
    Layouts.push_back({U.Command.File, Prep[K].Tu.Module.get(), &Views.back(),
                       Prep[K].LayoutChanges, !Prep[K].Tu.CompilerView.empty()});
  }
  return planGlobalMoves(Layouts, Generation + 1);
}

Error PatchSession::planMoves(std::vector<size_t> &Indices,
                              std::vector<Prepared> &Prep, PatchReport &R) {
  if (none_of(Prep, [](const Prepared &P) { return !P.LayoutChanges.empty(); }))
    return Error::success();
  if (Error E = compileWholeForMoves(Indices, Prep, R))
    return E;
  auto Plan = planOver(Indices, Prep);
  if (!Plan)
    return Plan.takeError();
  // The units added may define globals that move too, whose users join in
  // turn: a few rounds reach every one.
  for (unsigned Round = 0; Round < 4; ++Round) {
    std::vector<size_t> Extra = unitsOfMovesLeftOut(Indices, Prep, *Plan);
    if (Extra.empty())
      break;
    if (Error E = addUnitsForMoves(Extra, Indices, Prep, R))
      return E;
    Plan = planOver(Indices, Prep);
    if (!Plan)
      return Plan.takeError();
  }
  llvm::append_range(R.Warnings, Plan->Warnings);
  learnWhichUnitsRun(Indices, *Plan, R);
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
  // A unit that moves globals links before the later ones bind theirs: it
  // must not use what they move (it would bind to the old storage).
  for (size_t K = 0; K < Prep.size() && !Prep[K].Moves.empty(); ++K)
    for (size_t J = K + 1; J < Prep.size(); ++J)
      for (const GlobalMove &M : Prep[J].Moves) {
        const GlobalVariable *G = Prep[K].Tu.Module->getNamedGlobal(M.Name);
        if (!M.Local && G && G->isDeclaration() && !G->use_empty())
          return createStringError(
              inconvertibleErrorCode(),
              "%s moves globals and uses %s, which %s moves too: hotc does "
              "not order moves between units that use each other's globals "
              "yet. Nothing was applied; restart the process to run this "
              "edit.",
              Units[Indices[K]].Command.File.c_str(), M.Name.c_str(),
              Units[Indices[J]].Command.File.c_str());
      }
  return Error::success();
}

void PatchSession::recordMoves(const std::vector<size_t> &Indices,
                               const std::vector<Prepared> &Prep,
                               PatchReport &R) {
  bool First = !MovedAt;
  for (size_t K = 0; K < Indices.size(); ++K) {
    const std::string &File = Units[Indices[K]].Command.File;
    for (const GlobalMove &M : Prep[K].Moves) {
      assert(M.NewAddress && "a live patch linked the storage of its moves");
      R.Moved.push_back(formatv("{0} ({1}): {2} {3} -> {4}, by {5}", M.Name,
                                File, M.Type, M.Before, M.After, M.Hook)
                            .str());
    }
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
