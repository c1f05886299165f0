// One patch per save: recompile the affected translation units, find the
// functions whose canonical IR hash changed against what the process runs,
// link only those (and what they need that the process lacks), then
// re-point their entries. All or nothing: if any unit fails to compile, link
// or patch, the process keeps running what it ran.
#pragma once

#include "jit/baseline_store.h"
#include "jit/compiler_view.h"
#include "jit/function_hash.h"
#include "jit/layout_check.h"
#include "jit/link_session.h"
#include "jit/patch_history.h"
#include "jit/patch_request.h"
#include "jit/object_codegen.h"
#include "jit/removed_functions.h"
#include "jit/identity_binding.h"
#include "jit/tu_compiler.h"
#include "jit/unit_baseline.h"
#include "jit/unit_compiler.h"

#include "llvm/Support/Error.h"

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hotc::jit {

class PatchTransaction;

struct PatchTiming {
  double Total = 0, Compile = 0, Link = 0, Patch = 0; // milliseconds
  // Compile = Frontend (Clang to IR, Preamble included) + Codegen (keep/
  // demote, optimisation, machine code).
  double Frontend = 0, Codegen = 0, Preamble = 0;
  // Baselines compiled first (a unit's first save), part of Total.
  double Baseline = 0;
};

// What loading pending baselines did (PatchSession::load).
struct BaselineLoad {
  std::vector<std::pair<size_t, llvm::Error>> Failures; // by unit index
  unsigned Compiled = 0, Restored = 0; // Restored: from the baseline store
  // Store entries that could not be read or written: the unit's baseline
  // was compiled anyway, but the next run compiles it again.
  std::vector<std::string> StoreProblems;
};

// What an undo or redo changed.
struct VersionChange {
  std::vector<unsigned> Versions;     // newest first for an undo
  std::vector<std::string> Functions; // their re-pointed entries (mangled)
  std::vector<std::string> Files;     // units whose record changed
};

// What binding a patch's spellings to the binary's did (bindSpellings).
struct BoundSpellings {
  llvm::StringMap<std::string> Renamed; // Clang's spelling -> the binary's
  llvm::StringSet<> NewLambdas; // members of lambdas written on new lines
  // Functions whose lambdas the edit added, removed or moved
  // (ClosureBinding::Recounted).
  std::vector<std::string> RecountedLambdas;
};

struct PatchReport {
  unsigned Version = 0;               // patches applied so far, this one included
  std::vector<std::string> Functions; // entries re-pointed (mangled names)
  std::vector<std::string> Missed;    // changed, but not expected (PatchRequest)
  // Callers relinked for the inlined copy they may hold (PatchRequest):
  // "g() (may hold an inlined copy of f())".
  std::vector<std::string> Inlined;
  std::vector<std::string> Created;   // new functions and globals
  std::vector<std::string> Rerun;     // `hotc: rerun` globals initialised again
  // Globals moved to storage of their type's new layout by the app's hook:
  // "g (state.c): struct particle { i32, i32 } (8 bytes) -> ... by hook".
  std::vector<std::string> Moved;
  std::vector<std::string> Warnings;
  std::vector<std::string> Units;     // source files recompiled
  // Units whose patch the build's own compiler compiled (Clang's view of
  // them differs from GCC's: jit/build_compiler_patch.h).
  std::vector<std::string> BuildCompiled;
  bool Focused = true; // every unit generated only the functions edited
  bool AtSafePoint = false; // re-pointed by a thread in hotreload_safe_point()
  PatchTiming Ms;
  // Baselines this save needed first: compiled, or read from the store.
  unsigned BaselinesCompiled = 0, BaselinesRestored = 0;
  bool empty() const {
    return Functions.empty() && Created.empty() && Rerun.empty();
  }
};

// A symbol the patch needs that the process does not have.
class LinkFailure : public llvm::ErrorInfo<LinkFailure> {
public:
  static char ID;
  struct Missing {
    std::string Symbol;
    std::vector<std::string> NeededBy;
  };
  LinkFailure(std::string Unit, std::vector<Missing> M)
      : Unit(std::move(Unit)), Symbols(std::move(M)) {}
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }
  const std::string &unit() const { return Unit; }

private:
  std::string Unit;
  std::vector<Missing> Symbols;
};

// What one releaseSuperseded() did.
struct ReleasedVersions {
  std::vector<unsigned> Freed;
  // A version was kept for a reason that may pass (a thread in it).
  bool Retry = false;
};

class PatchSession {
public:
  PatchSession(LinkSession &Link, ObjectCodegen &Codegen)
      : Link(Link), Codegen(Codegen) {}

  // A unit whose baseline is known (compileBaseline) or pending
  // (pendingBaseline).
  void addUnit(UnitState State);
  // Loads the baselines of those of Indices still pending, in parallel (a
  // save needs them): from the baseline store when it has them, else
  // compiled (and stored). A unit whose baseline does not compile stays
  // pending and out of the process (InProcess false); its error is
  // returned with its index. One found not linked into the process after
  // all is loaded with InProcess false. jit/baseline_load.cpp.
  BaselineLoad load(const std::vector<size_t> &Indices);
  // Baselines are kept in, and read from, Dir (BUILD_DIR/.hotc/baselines).
  void setBaselineStore(std::string Dir) { Store.emplace(std::move(Dir)); }
  // A unit the build gained while the process runs (a new source file):
  // none of its code is live, so its first patch links all of it.
  void addNewUnit(const frontend::CompileCommand &Cmd);
  // Units whose last patch was not applied (compile or link error).
  std::vector<size_t> unapplied() const { return {Failed.begin(), Failed.end()}; }
  const std::vector<UnitState> &units() const { return Units; }

  // Units whose compile read File (their main file or a header).
  std::vector<size_t> unitsReading(llvm::StringRef File) const;

  llvm::Expected<PatchReport> apply(const std::vector<size_t> &UnitIndices,
                                    const PatchRequest &Req = {});

  // What the agent does on a crash in patched code (protocol::CrashPolicy),
  // from the next patch on.
  void setCrashPolicy(uint8_t Policy) { CrashPolicy = Policy; }
  // safe_points: from the next patch on, the entries are re-pointed by the
  // next thread in hotreload_safe_point(), waiting at most TimeoutMs.
  void setSafePoints(bool On, unsigned TimeoutMs) {
    SafePoints = On;
    SafePointTimeoutMs = TimeoutMs;
  }
  // The version and source of an address of patched code (a return
  // address when IsReturn).
  std::optional<VersionedLocation> locate(uint64_t Pc, bool IsReturn) const {
    return History.locate(Pc, IsReturn);
  }
  // The agent undid Versions after a crash: the record of the running code
  // goes back to before them, and their units compile whole next time.
  // Returns the units concerned.
  std::vector<std::string> rollBack(llvm::ArrayRef<unsigned> Versions);
  // `hotc undo [Count]`: the agent puts back the entries of the newest
  // Count live versions (re-pointed to earlier code, still mapped); the
  // record of the running code follows. The source files are not touched:
  // their next save patches against what runs.
  llvm::Expected<VersionChange> undo(unsigned Count);
  // `hotc redo`: the oldest undone version applied again.
  llvm::Expected<VersionChange> redo();
  const PatchHistory &history() const { return History; }

  // `undo_depth`: how many of the newest versions can be undone. Older
  // ones are forgotten by the agent, and the memory of those nothing can
  // reach any more is freed (releaseSuperseded).
  void setUndoDepth(unsigned Depth) { UndoDepth = Depth; }
  unsigned undoDepth() const { return UndoDepth; }
  // Versions at or below it can no longer be undone (0: every one can).
  unsigned undoHorizon() const;
  // Frees the JIT memory of every version past the undo history that
  // nothing runs or can return to (jit/patch_release.cpp). Returns the
  // versions freed now.
  llvm::Expected<ReleasedVersions> releaseSuperseded();
  // How many versions releaseSuperseded() would try to free now.
  size_t releaseBacklog() const;
  unsigned version() const { return Generation; } // the last applied

  // `hotc debug`: Symbol of unit Unit is linked unoptimised (On) or
  // optimised again from the unit's next patch on (unoptimised_functions.h).
  void setUnoptimised(size_t Unit, llvm::StringRef Symbol, bool On) {
    if (On)
      Unoptimised[Unit].insert(Symbol);
    else if (auto It = Unoptimised.find(Unit); It != Unoptimised.end()) {
      It->second.erase(Symbol);
      if (It->second.empty())
        Unoptimised.erase(It);
    }
  }

  // The functions wanted unoptimised, by unit (none: no entry).
  const std::map<size_t, llvm::StringSet<>> &unoptimised() const {
    return Unoptimised;
  }

  // At most Limit units keep a preamble in memory, and their preambles
  // take at most Bytes, the last unit edited excepted (least recently
  // edited ones give theirs up first).
  void setPreambleLimit(size_t Limit) { PreambleLimit = Limit; }
  void setPreambleBudget(size_t Bytes) { PreambleBudget = Bytes; }
  size_t preambleBudget() const { return PreambleBudget; }

private:
  void touch(size_t Unit);

  struct Prepared;
  std::vector<GuardedFunction> guardedCode(const std::vector<Prepared> &Prep) const;
  void remember(const std::vector<size_t> &Indices, std::vector<Prepared> &Prep);
  std::vector<std::string>
  restoreRecord(llvm::ArrayRef<const PatchedVersion *> Versions, bool Forward);
  llvm::Error goLive(std::vector<Prepared> &Prep,
                     const std::vector<EntryRepoint> &Entries,
                     PatchTransaction &Tx, PatchReport &R);
  // The layout changes of the patch: moved globals (Prep[K].Moves), or
  // the patch refused. Puts the units with moves first in Indices and
  // Prep: the others bind to the new storage. jit/patch_moves.cpp.
  llvm::Error planMoves(std::vector<size_t> &Indices,
                        std::vector<Prepared> &Prep, PatchReport &R);
  llvm::Error compileWholeForMoves(const std::vector<size_t> &Indices,
                                  std::vector<Prepared> &Prep, PatchReport &R);
  llvm::Expected<MovePlan> planOver(const std::vector<size_t> &Indices,
                                    const std::vector<Prepared> &Prep);
  std::map<std::string, std::vector<std::string>>
  dwarfUsersOfMoves(const MovePlan &Plan);
  std::vector<size_t> unitsOfMovesLeftOut(const std::vector<size_t> &Indices,
                                          const std::vector<Prepared> &Prep,
                                          const MovePlan &Plan);
  llvm::Error addUnitsForMoves(const std::vector<size_t> &Extra,
                               std::vector<size_t> &Indices,
                               std::vector<Prepared> &Prep, PatchReport &R);
  void learnWhichUnitsRun(const std::vector<size_t> &Indices,
                          const MovePlan &Plan, PatchReport &R);
  // Refuses a move that leaves out a unit whose code uses what moves.
  llvm::Error checkUnitsOfMoves(const std::vector<size_t> &Indices,
                                const MovePlan &Plan);
  // After the patch went live: the agent records the new storage (for a
  // hotc attaching later), undo and crash rollback stop at this version.
  void recordMoves(const std::vector<size_t> &Indices,
                   const std::vector<Prepared> &Prep, PatchReport &R);
  // A unit's compile taken into its part of the patch: hashes, layouts and
  // their changes; its inputs when compiled whole. jit/patch_compile.cpp.
  static void takeCompiled(UnitState &U, Prepared &P, CompiledTu Tu);
  // Compiles, hashes and compares the layouts of each unit of a patch (in parallel
  // when there are several): Prep[K] for Indices[K]. jit/patch_compile.cpp.
  llvm::Error compileEdits(const std::vector<size_t> &Indices,
                           const PatchRequest &Req, std::vector<Prepared> &Prep,
                           PatchReport &R);
  llvm::Error linkUnit(size_t Index, const PatchRequest &Req, Prepared &P,
                       llvm::StringSet<> &Replaced,
                       std::vector<EntryRepoint> &Entries, PatchReport &R,
                       double &CodegenMs, double &LinkMs);
  BoundSpellings bindSpellings(UnitState &U, llvm::Module &M, const LiveView &View,
                                 llvm::StringSet<> &Changed, PatchReport &R);
  // jit/patch_state.cpp
  llvm::Error bindState(UnitState &U, Prepared &P, const LiveView &View,
                        const BoundSpellings &Spellings, bool ByBuildCompiler);
  llvm::Error linkByBuildCompiler(UnitState &U, Prepared &P, const LiveView &View,
                                  llvm::StringSet<> &Replaced,
                                  std::vector<EntryRepoint> &Entries,
                                  PatchReport &R, double &CodegenMs,
                                  double &LinkMs);
  llvm::Error recordLinked(UnitState &U, Prepared &P, const LiveView &View,
                           llvm::StringSet<> &Replaced,
                           std::vector<EntryRepoint> &Entries, PatchReport &R);

  LinkSession &Link;
  ObjectCodegen &Codegen;
  std::vector<UnitState> Units;
  std::optional<BaselineStore> Store;
  unsigned Generation = 0;
  uint8_t CrashPolicy = 1; // protocol::CrashPolicy::Rollback
  // The newest version that moved globals: undoing it, or rolling it back
  // after a crash, would run old code on storage that no longer changes.
  unsigned MovedAt = 0;
  bool SafePoints = false;
  unsigned SafePointTimeoutMs = 10000;
  unsigned UndoDepth = 64;
  PatchHistory History;
  size_t PreambleLimit = 64;
  size_t PreambleBudget = size_t(1024) << 20;
  std::vector<size_t> RecentlyUsed; // most recent last
  std::set<size_t> Failed;
  std::map<size_t, llvm::StringSet<>> Unoptimised; // wanted, by unit
};

} // namespace hotc::jit
