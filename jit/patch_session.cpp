#include "jit/patch_session.h"

#include "jit/patch_prepared.h"
#include "support/elapsed.h"
#include "jit/patch_transaction.h"
#include "jit/old_code_warnings.h"
#include "jit/unoptimised_functions.h"

#include "jit/build_compiler_patch.h"
#include "jit/compiler_view.h"
#include "jit/identity_binding.h"
#include "jit/thread_locals.h"
#include "protocol/agent_protocol.h"

#include "llvm/Demangle/Demangle.h"
#include "llvm/ExecutionEngine/Orc/Core.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/Instruction.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ThreadPool.h"

#include <chrono>
#include <csignal>
#include <optional>
#include <set>

using namespace llvm;

namespace hotc::jit {

char LinkFailure::ID;

void LinkFailure::log(raw_ostream &OS) const {
  bool First = true;
  for (const Missing &M : Symbols) {
    if (!First)
      OS << "\n";
    First = false;
    OS << Unit << ": undefined symbol " << demangle(M.Symbol);
    if (M.Symbol != demangle(M.Symbol))
      OS << " (" << M.Symbol << ")";
    if (!M.NeededBy.empty()) {
      OS << ", needed by ";
      for (size_t I = 0; I < M.NeededBy.size(); ++I)
        OS << (I ? ", " : "") << demangle(M.NeededBy[I]);
    }
  }
  OS << "; nothing was applied";
}

namespace {

std::vector<std::string> usersOf(const Module &M, StringRef Symbol) {
  std::set<std::string> Out;
  if (const GlobalValue *GV = M.getNamedValue(Symbol))
    for (const User *U : GV->users())
      if (auto *I = dyn_cast<Instruction>(U))
        Out.insert(I->getFunction()->getName().str());
  return {Out.begin(), Out.end()};
}


// Every symbol the patch refers to must exist: check before code is
// generated and memory allocated in the process, and name the functions
// that need what is missing.
Error checkResolvable(const Module &M, LinkSession &Link, StringRef Unit) {
  std::vector<std::string> Names;
  for (const GlobalValue &GV : M.global_values())
    if (GV.isDeclaration() && !GV.hasExternalWeakLinkage() &&
        !GV.getName().starts_with("llvm.") && !GV.use_empty())
      Names.push_back(GV.getName().str());
  auto Missing = Link.unresolved(Unit, Names);
  if (!Missing)
    return Missing.takeError();
  if (Missing->empty())
    return Error::success();
  std::vector<LinkFailure::Missing> Out;
  for (const std::string &S : *Missing) {
    std::vector<std::string> Users;
    for (const std::string &U : usersOf(M, S))
      Users.push_back(unversionedName(U));
    Out.push_back({S, std::move(Users)});
  }
  return make_error<LinkFailure>(Unit.str(), std::move(Out));
}


// Functions to relink: those whose hash differs from the live version, and
// new definitions the process lacks. A function new to this unit that the
// process has (an inline function another unit emitted) is the same code;
// a new inline function is only a private copy, never a stable home.
// Clang's initialiser plumbing: rebuilt for every patch, never a stable
// home (GCC names the same functions differently anyway).
bool isInitialiserPlumbing(StringRef Name) {
  return Name.starts_with("__cxx_global_var_init") ||
         Name.starts_with("_GLOBAL__sub_I_") ||
         Name.starts_with("__cxx_global_array_dtor") ||
         Name == "__clang_call_terminate";
}

StringSet<> changedFunctions(const Module &M, const FunctionHashes &Now,
                             const FunctionHashes &Before, const LiveView &Live) {
  StringSet<> Changed;
  for (const auto &E : Now) {
    if (isInitialiserPlumbing(E.getKey()))
      continue;
    auto Old = Before.find(E.getKey());
    if (Old != Before.end()) {
      if (Old->second != E.second)
        Changed.insert(E.getKey());
      continue;
    }
    const Function *F = M.getFunction(E.getKey());
    if (!F || Live.find(F->getName(), F->hasLocalLinkage()))
      continue;
    if (!F->hasLinkOnceLinkage() && !F->hasWeakLinkage())
      Changed.insert(E.getKey());
  }
  return Changed;
}

// Why a function that changed is not re-pointed: the process has no code
// under its name. A lambda of a non-inline function is `f()::$_0` for
// Clang but `{lambda()#1}` (`UlvE_`) in a GCC build: it exists, and runs
// on, under the other name where jit/closure_names.h could not match it.
std::string oldCopyWarning(StringRef Name) {
  std::string Readable = demangle(Name.str());
  if (StringRef(Readable).contains("::$_"))
    return Readable + " changed, but it is a lambda that Clang names `$_N` "
                      "and the build's compiler (GCC) `{lambda()#N}`, and hotc "
                      "could not tell which of the binary's lambdas it is (it "
                      "matches them by the line they are written on: this "
                      "edit rewrote that line, or the binary has no "
                      "out-of-line copy of it), so the process keeps running "
                      "the old lambda, also where a std::function or a "
                      "function pointer holds it";
  return Readable + " changed but has no out-of-line copy in the process "
                    "(inlined or never emitted): code compiled into its "
                    "callers stays old";
}

// Whether some relinked caller held an inlined copy of Symbol: then its
// new code reaches the new version, and nothing stays old.
bool heldBy(const std::vector<std::string> &Inlined, StringRef Symbol) {
  std::string Suffix = "inlined copy of " + demangle(Symbol) + ")";
  return any_of(Inlined, [&](const std::string &I) {
    return StringRef(I).ends_with(Suffix);
  });
}

// Callers whose optimised code holds a copy of a changed function are
// relinked with it: their new code reaches the new version through its
// entry (uses of a replaced function move to its declaration).
void relinkInliners(const Module &M, size_t Unit, const UnitState &U,
                    const PatchRequest &Req, const LiveView &Live, const BoundSpellings &Spellings,
                    StringSet<> &Changed, PatchReport &R) {
  std::vector<std::string> Edited;
  for (const auto &C : Changed)
    Edited.push_back(C.getKey().str());
  for (const std::string &F : Edited) {
    std::vector<std::string> Holders = inlineHolders(Req, Unit, U, F);
    // GCC's deleting destructor (D0) and complete-object variants hold the
    // base-object body inlined, and its DWARF names no inlined site for
    // them (seen: delete through the base ran the old ~Derived at -O2).
    append_range(Holders, siblingVariants(F));
    for (std::string G : Holders) {
      // The plan names holders as the baseline spelled them.
      if (auto It = Spellings.Renamed.find(G); It != Spellings.Renamed.end())
        G = It->second;
      const Function *Fn = M.getFunction(G);
      if (!Fn || Fn->isDeclaration() || Changed.contains(G) ||
          !Live.find(G, Fn->hasLocalLinkage()))
        continue;
      Changed.insert(G);
      R.Inlined.push_back(demangle(G) + " (may hold an inlined copy of " +
                          demangle(F) + ")");
    }
  }
}

} // namespace

// A link error that names missing symbols says which functions use them.
Error explainLinkError(Error E, const Module &M, StringRef Unit) {
  std::vector<LinkFailure::Missing> Missing;
  Error Rest = handleErrors(std::move(E), [&](const orc::SymbolsNotFound &NF) {
    for (const orc::SymbolStringPtr &S : NF.getSymbols()) {
      std::vector<std::string> Users;
      for (const std::string &U : usersOf(M, *S))
        Users.push_back(unversionedName(U));
      Missing.push_back({(*S).str(), std::move(Users)});
    }
  });
  if (Missing.empty())
    return Rest;
  // The rest is ORC's summary ("failed to materialize"): Missing says more.
  consumeError(std::move(Rest));
  return make_error<LinkFailure>(Unit.str(), std::move(Missing));
}

void PatchSession::addUnit(UnitState State) {
  Units.push_back(std::move(State));
  if (Units.back().Loaded)
    touch(Units.size() - 1);
}

void PatchSession::addNewUnit(const frontend::CompileCommand &Cmd) {
  UnitState U;
  U.Command = Cmd;
  U.InProcess = true;
  U.Inputs = {Cmd.File};
  U.Compiler = std::make_unique<UnitCompiler>(Cmd);
  addUnit(std::move(U));
}

void PatchSession::touch(size_t Unit) {
  RecentlyUsed.erase(std::remove(RecentlyUsed.begin(), RecentlyUsed.end(), Unit),
                     RecentlyUsed.end());
  RecentlyUsed.push_back(Unit);
  size_t Bytes = 0;
  for (size_t U : RecentlyUsed)
    Bytes += Units[U].Compiler->preambleBytes();
  // The budget keeps the last unit edited's preamble, however big.
  while (RecentlyUsed.size() > PreambleLimit ||
         (RecentlyUsed.size() > 1 && Bytes > PreambleBudget)) {
    UnitCompiler &Oldest = *Units[RecentlyUsed.front()].Compiler;
    Bytes -= Oldest.preambleBytes();
    Oldest.dropPreamble();
    RecentlyUsed.erase(RecentlyUsed.begin());
  }
}

std::vector<size_t> PatchSession::unitsReading(StringRef File) const {
  std::vector<size_t> Out;
  SmallString<256> Want(File);
  sys::path::remove_dots(Want, true);
  for (size_t I = 0; I < Units.size(); ++I)
    if (is_contained(Units[I].Inputs, Want.str()))
      Out.push_back(I);
  return Out;
}


Error PatchSession::linkUnit(size_t Index, const PatchRequest &Req,
                             Prepared &P, StringSet<> &Replaced,
                             std::vector<EntryRepoint> &Entries,
                             PatchReport &R, double &CodegenMs,
                             double &LinkMs) {
  UnitState &U = Units[Index];
  auto View = Link.viewOf(U.Command.File);
  if (!View)
    return View.takeError();
  Module &M = *P.Tu.Module;
  StringSet<> Changed = changedFunctions(M, P.Hashes, U.Live, *View);
  for (const std::string &F : P.Tu.NoReload) {
    P.NoReload.insert(F);
    if (Changed.erase(F))
      R.Warnings.push_back("edit of " + demangle(F) +
                           " ignored: it is marked // hotc: no-reload");
  }
  // Only code the process runs can be stale: a function new to the unit is
  // linked as new (PatchReport::Created) whether the analysis named it or not.
  if (Req.Plan && !U.RolledBack) // after a rollback, all may
    for (const auto &C : Changed)
      if (U.Live.count(C.getKey()) && !expectsChange(Req, Index, C.getKey()))
        R.Missed.push_back(C.getKey().str());
  // `hotc debug`: a function whose wanted mode (optimised or not) is not
  // the running one is linked again, with the callers holding its copies.
  auto Wanted = Unoptimised.find(Index);
  StringSet<> WantHere;
  if (Wanted != Unoptimised.end())
    WantHere = wantedIn(M, Wanted->second);
  const StringSet<> *Want = WantHere.empty() ? nullptr : &WantHere;
  addModeChanges(M, U.Live, Want, Changed);
  BoundSpellings Spellings = bindSpellings(U, M, *View, Changed, R);
  // After the binary's spellings are bound: a function the process spells
  // otherwise (a lambda's members) is found live by its binary name.
  StringSet<> Users;
  addUsersOfMoved(M, P.Moved, *View, Users);
  // A layout the app accepted with a hook: code using the type may read the
  // same IR text (a struct GEP names the type, not its offsets), yet its
  // machine code depends on the old layout.
  for (const LayoutChange::Changed &C : P.LayoutChanges)
    for (const std::string &F : C.UsedBy)
      if (const Function *Fn = M.getFunction(F);
          Fn && View->find(F, Fn->hasLocalLinkage()))
        Users.insert(F);
  for (const auto &F : Users)
    if (P.NoReload.contains(F.getKey()) && !Changed.contains(F.getKey()))
      return createStringError(
          inconvertibleErrorCode(),
          "%s is marked // hotc: no-reload, but it uses a type whose layout "
          "changed or a global that moves: its old code would misread them. "
          "Nothing was applied.",
          demangle(F.getKey().str()).c_str());
  for (const auto &F : Users)
    Changed.insert(F.getKey());
  if (U.OptLevel > 0 && Req.Inlining)
    relinkInliners(M, Index, U, Req, *View, Spellings, Changed, R);
  StringSet<> Rerun; // changed initialisers of `hotc: rerun` globals
  for (const std::string &G : P.Tu.Rerun) {
    uint64_t H = initialiserHash(M, G);
    std::string Key = "init:" + G;
    if (H && U.Live.lookup(Key) != H) {
      Rerun.insert(G);
      R.Rerun.push_back(G);
    }
    if (H)
      P.Marks[Key] = H;
  }
  if (Changed.empty() && Rerun.empty() && P.Moves.empty())
    return Error::success();
  // Clang's view differs from GCC's: GCC compiles the patch's code, Clang's
  // plan says what it replaces and creates (binding by GCC's own names).
  bool ByBuildCompiler = !P.Tu.CompilerView.empty();
  if (ByBuildCompiler && Want)
    for (const auto &W : *Want)
      if (Changed.contains(W.getKey()))
        return createStringError(
            inconvertibleErrorCode(),
            "%s cannot run unoptimised: the patches of %s are compiled by the "
            "build's own compiler (its view differs from Clang's), which hotc "
            "does not deoptimise yet",
            demangle(W.getKey()).c_str(), U.Command.File.c_str());
  if (Error E = bindState(U, P, *View, Spellings, ByBuildCompiler))
    return E;
  std::vector<std::string> ChangedTypes;
  for (const LayoutChange::Changed &C : P.LayoutChanges)
    ChangedTypes.push_back(C.IRType);
  if (Error E = checkNothingStaleHolds(M, ChangedTypes, P.Moved, *View,
                                       U.Command.File))
    return E;
  P.Plan = preparePatchModule(
      M, Changed, *View,
      {Generation + 1, U.OptLevel, &Replaced, &Rerun, &P.Moves});
  markUnoptimised(M, P.Plan, U.Live, Want, P.Marks);
  for (const CreatedSymbol &C : P.Plan.Created)
    if (C.IsFunction && U.Live.count(C.Name) && !heldBy(R.Inlined, C.Name) &&
        !Spellings.NewLambdas.contains(C.Name))
      R.Warnings.push_back(oldCopyWarning(C.Name));
  if (P.Plan.Replaced.empty() && P.Plan.Created.empty() &&
      P.Plan.InitFunction.empty())
    return Error::success();
  if (ByBuildCompiler)
    return linkByBuildCompiler(U, P, *View, Replaced, Entries, R, CodegenMs,
                               LinkMs);

  if (Error E = bindConstructorVariants(M, U.Command.File, Link, *View))
    return E;
  if (Error E = checkResolvable(M, Link, U.Command.File))
    return E;
  auto T0 = std::chrono::steady_clock::now();
  auto Object = Codegen.emit(M, U.OptLevel);
  if (!Object)
    return Object.takeError();
  CodegenMs += msSince(T0);

  std::vector<std::string> Names;
  for (const Replacement &Rep : P.Plan.Replaced)
    Names.push_back(Rep.Versioned);
  for (const CreatedSymbol &C : P.Plan.Created)
    if (M.getNamedValue(C.Name))
      Names.push_back(C.Name);
  if (!P.Plan.InitFunction.empty())
    Names.push_back(P.Plan.InitFunction);
  llvm::append_range(Names, P.Plan.MovedStorage);
  auto T1 = std::chrono::steady_clock::now();
  std::string DylibName =
      formatv("patch{0}:{1}", Generation + 1, U.Command.File).str();
  auto Linked = Link.link(U.Command.File, DylibName, std::move(*Object), Names);
  LinkMs += msSince(T1);
  if (!Linked)
    return explainLinkError(Linked.takeError(), M, U.Command.File);
  P.Linked = std::move(*Linked);

  return recordLinked(U, P, *View, Replaced, Entries, R);
}

// A unit whose patch GCC compiles (jit/build_compiler_patch.h).

// The entries a linked unit re-points and the symbols it created, made
// visible to the units linked after it.
Error PatchSession::recordLinked(UnitState &U, Prepared &P, const LiveView &View,
                                 StringSet<> &Replaced,
                                 std::vector<EntryRepoint> &Entries,
                                 PatchReport &R) {
  for (const Replacement &Rep : P.Plan.Replaced) {
    const LiveSymbol *Entry = View.find(Rep.Name, Rep.Local);
    assert(Entry && "a replacement is of a function the process runs");
    Entries.push_back({Rep.Name, Entry->Address,
                       P.Linked.Addresses[Rep.Versioned], Entry->Room});
    if (!Rep.Local)
      Replaced.insert(Rep.Name);
    R.Functions.push_back(Rep.Name);
  }
  for (const CreatedSymbol &C : P.Plan.Created)
    R.Created.push_back(C.Name);
  // The units linked after this one, and later patches, reach a moved
  // global in its new storage.
  for (GlobalMove &Mv : P.Moves) {
    uint64_t New = P.Linked.Addresses.lookup(Mv.Versioned);
    assert(New && "a moved global's storage is linked with its unit");
    if (Error E = Link.bindLiveSymbol(U.Command.File, Mv.Name, New, Mv.Local,
                                      /*IsFunction=*/false))
      return E;
    Mv.NewAddress = New;
  }
  return Link.publish(U.Command.File, P.Plan.Created, P.Linked.Addresses);
}

// New globals are initialised before any entry leads to code using them;
// then every entry is re-pointed at once.
Error PatchSession::goLive(std::vector<Prepared> &Prep,
                           const std::vector<EntryRepoint> &Entries,
                           PatchTransaction &Tx, PatchReport &R) {
  // From here the new code may run: a failure keeps it mapped.
  Tx.mayHaveRun();
  for (Prepared &P : Prep)
    if (P.Linked.Dylib && !P.Plan.InitFunction.empty())
      if (Error E = Link.runInitialiser(
              P.Linked.Addresses.lookup(P.Plan.InitFunction)))
        return E;
  // A test seam (tests/e2e/session_commands_test.cpp): hotc stops itself here, linked
  // and initialised but not re-pointed, for a test to kill it.
  if (getenv("HOTC_TEST_STOP_BEFORE_REPOINT"))
    raise(SIGSTOP);
  PatchNotice Notice{SafePoints, SafePointTimeoutMs, R.Units, {}};
  for (const std::string &F : R.Functions)
    Notice.Functions.push_back(demangle(F));
  // The code is guarded even when no entry moves: initialisers ran it.
  // A rollback after a crash must not bring back code that reads a moved
  // global's old storage: once globals moved, a crash is reported only.
  bool Moves = MovedAt || Link.adoptedMoves() ||
               any_of(Prep, [](const Prepared &P) { return !P.Moves.empty(); });
  auto Rollback = static_cast<uint8_t>(protocol::CrashPolicy::Rollback);
  uint8_t Policy =
      Moves && CrashPolicy == Rollback
          ? static_cast<uint8_t>(protocol::CrashPolicy::Report)
          : CrashPolicy;
  auto Running = Link.repointEntries(Generation + 1, Policy,
                                     guardedCode(Prep), Entries, Notice);
  if (!Running)
    return Running.takeError();
  Tx.goneLive();
  R.AtSafePoint = SafePoints;
  R.Warnings = appendOldCodeWarnings(std::move(R.Warnings), *Running,
                                       Link.unwinder(), Entries, Link.pid());
  return Error::success();
}

Expected<PatchReport> PatchSession::apply(const std::vector<size_t> &Asked,
                                          const PatchRequest &Req) {
  std::vector<size_t> Indices = Asked; // planMoves may reorder them
  Failed.insert(Indices.begin(), Indices.end()); // until it succeeds
  auto Start = std::chrono::steady_clock::now();
  PatchReport R;
  std::vector<Prepared> Prep(Indices.size());
  if (Error E = compileEdits(Indices, Req, Prep, R))
    return std::move(E);
  if (Error E = planMoves(Indices, Prep, R))
    return std::move(E);
  R.Ms.Frontend = msSince(Start);
  std::vector<RecompiledUnit> Recompiled;
  for (size_t I = 0; I < Indices.size(); ++I) {
    const UnitState &U = Units[Indices[I]];
    Recompiled.push_back({&U.Command.File, &U.Live,
                          Prep[I].Tu.Module.get(), Prep[I].Tu.Partial});
  }
  auto DefinedElsewhere = [&](StringRef Symbol) {
    for (size_t U = 0; U < Units.size(); ++U)
      if (!is_contained(Indices, U) && Units[U].Live.count(Symbol))
        return true;
    return false;
  };
  if (Error E = checkRemovedFunctions(Recompiled, DefinedElsewhere))
    return std::move(E);

  // Link every unit before anything runs: a failure discards them all.
  PatchTransaction Tx(Link);
  StringSet<> Replaced;
  std::vector<EntryRepoint> Entries;
  double CodegenMs = 0, LinkMs = 0;
  for (size_t I = 0; I < Indices.size(); ++I) {
    Error E = linkUnit(Indices[I], Req, Prep[I], Replaced, Entries, R,
                       CodegenMs, LinkMs);
    if (Prep[I].Linked.Dylib) // even when publishing failed halfway
      Tx.linked(Units[Indices[I]].Command.File, Prep[I].Linked,
                Prep[I].Plan.Created);
    for (const GlobalMove &M : Prep[I].Moves)
      if (M.NewAddress) // bound to its new storage by recordLinked
        Tx.moved(Units[Indices[I]].Command.File, M);
    if (E)
      return std::move(E);
  }
  R.Ms.Codegen = CodegenMs;
  R.Ms.Compile = R.Ms.Frontend + CodegenMs;
  R.Ms.Link = LinkMs;

  auto PatchStart = std::chrono::steady_clock::now();
  bool Moves = any_of(Prep, [](const Prepared &P) { return !P.Moves.empty(); });
  if (!R.empty() || Moves) {
    remember(Indices, Prep);
    if (Error E = goLive(Prep, Entries, Tx, R))
      return std::move(E);
    R.Version = ++Generation;
    History.markLastApplied(R.Functions, R.Created);
    recordMoves(Indices, Prep, R);
    // The patch is live: what fails now is not "nothing applied".
    for (size_t I = 0; I < Indices.size(); ++I)
      if (Error E = Link.recordCreated(Units[Indices[I]].Command.File,
                                       Prep[I].Plan.Created,
                                       Prep[I].Linked.Addresses))
        R.Warnings.push_back("the agent could not record the new symbols of " +
                             Units[Indices[I]].Command.File +
                             " (a hotc attaching again would create them "
                             "anew): " +
                             toString(std::move(E)));
  } else {
    Tx.goneLive(); // nothing was linked that needs undoing
  }
  // The process now runs this version of every function the unit still
  // defines; functions the edit removed still run in their old version.
  for (size_t I = 0; I < Indices.size(); ++I) {
    for (const auto &E : Prep[I].Hashes)
      if (!Prep[I].NoReload.contains(E.getKey()))
        Units[Indices[I]].Live[E.getKey()] = E.second;
    for (const auto &E : Prep[I].Marks)
      Units[Indices[I]].Live[E.getKey()] = E.second;
    for (const auto &E : Prep[I].Layouts)
      Units[Indices[I]].LiveLayouts[E.getKey()] = E.second;
    UnitState &U = Units[Indices[I]];
    if (!U.BuildMainText)
      U.BuildMainText = U.Compiler->acceptedText(); // its first patch
    U.Statics.accept(std::move(Prep[I].Placed), U.Compiler->acceptedText(),
                     U.Compiler->lastText());
    for (auto &[Identity, Symbol] : Prep[I].NewStatics)
      U.BuildCompilerStatics[Identity] = Symbol; // the newest instance
    U.Compiler->accept();
    U.RolledBack = false;
    Failed.erase(Indices[I]);
  }
  R.Ms.Patch = msSince(PatchStart);
  R.Ms.Total = msSince(Start);
  return std::move(R);
}

} // namespace hotc::jit
