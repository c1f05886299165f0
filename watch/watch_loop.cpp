#include "watch/watch_loop.h"
#include "frontend/disk_file_system.h"
#include "frontend/project_files.h"

#include "analysis/form_index.h"
#include "analysis/symbol_names.h"
#include "analysis/token_hash.h"

#include "jit/live_dwarf.h"
#include "watch/compile_database.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/Support/MemoryBuffer.h"

#include "support/elapsed.h"

#include <chrono>
#include <map>
#include <thread>
#include <utility>
#include <set>

using namespace llvm;

namespace hotc::driver {

Expected<std::vector<frontend::CompileCommand>> commandsFor(const WatchOptions &Opts,
                                                       const std::string &Dir) {
  auto Commands = loadCompileDatabase(Dir);
  if (!Commands)
    return Commands.takeError();
  for (frontend::CompileCommand &C : *Commands) {
    C.Arguments.insert(C.Arguments.end(), Opts.ExtraFlags.begin(),
                       Opts.ExtraFlags.end());
  }
  return Commands;
}

std::string notLinkedReason(bool ByDwarf) {
  return ByDwarf ? "not linked into this process (the process's DWARF has no "
                   "compile unit for it)"
                 : "not linked into this process";
}

double WatchLoop::loadBaselines(std::set<size_t> &Units,
                                const std::set<size_t> &Analysed) {
  auto Start = std::chrono::steady_clock::now();
  std::vector<size_t> Pending;
  for (size_t I : Units)
    if (!Session.units()[I].Loaded)
      Pending.push_back(I);
  std::vector<std::string> Mains; // units built without the launcher too
  for (size_t I : Analysed)
    Mains.push_back(realMains()[I]);
  bool Analyse = Index && !Mains.empty() && Index->unanalysed(Mains);
  if (Pending.empty() && !Analyse)
    return 0;
  std::thread Analysis;
  if (Analyse)
    Analysis = std::thread([&] { Index->prepare(Mains); });
  jit::BaselineLoad Loaded = Session.load(Pending);
  if (Analysis.joinable())
    Analysis.join();
  BaselinesCompiled += Loaded.Compiled;
  BaselinesRestored += Loaded.Restored;
  for (const std::string &P : Loaded.StoreProblems)
    Out.note("baseline store: " + P + "; the baseline was compiled");
  for (auto &[I, E] : Loaded.Failures) {
    const std::string &File = Session.units()[I].Command.File;
    std::string Why = toString(std::move(E));
    Out.note(File + ": its baseline (the text the build compiled) does not "
             "compile: " + Why + "; its edits are not patched");
    Unpatchable[File] = "its baseline (the text the build compiled) did not "
                        "compile: " + Why.substr(0, Why.find('\n'));
    Units.erase(I);
  }
  for (size_t I : Pending)
    if (Units.count(I) && !Session.units()[I].InProcess) {
      const std::string &File = Session.units()[I].Command.File;
      Out.note(File + " is " + notLinkedReason(false) +
               ": its edits are not patched");
      Unpatchable[File] = notLinkedReason(false);
      Units.erase(I);
    }
  if (Index)
    for (const std::string &F : Index->takeFailures())
      Out.note("index: " + F + "; saves of the files it reads recompile every "
               "unit reading them");
  return msSince(Start);
}

bool WatchLoop::wanted(StringRef File) const {
  return (Opts.Watch.empty() || matchesAnyGlob(Opts.Watch, File)) &&
         !matchesAnyGlob(Opts.Exclude, File);
}

Error WatchLoop::watch(const std::string &File) {
  return wanted(File) ? Watcher.watch(File) : Error::success();
}

Error WatchLoop::watchInputs() {
  for (const jit::UnitState &U : Session.units()) {
    if (!U.InProcess)
      continue;
    for (const std::string &In : U.Inputs)
      if (frontend::isProjectFile(In))
        if (Error E = watch(In))
          return E;
    if (Error E = watch(U.Command.File))
      return E;
  }
  for (const auto &U : Unpatchable)
    if (Error E = watch(U.getKey().str()))
      return E;
  if (Error E = Watcher.watch(CompileDb))
    return E;
  // CMake rewrites build.ninja after compile_commands.json: a new source is
  // only known to feed the binaries once both are written.
  return Disk ? Watcher.watch(BuildDir + "/build.ninja") : Error::success();
}

void WatchLoop::patch(std::vector<size_t> Units,
                      const std::vector<std::string> &Saved,
                      const jit::PatchRequest &Req) {
  if (Units.empty())
    return;
  const index::SavePlan *Plan = Req.Plan;
  // What the compile is about to read (the plan read it already): the
  // process runs it once applied.
  std::vector<std::pair<std::string, uint64_t>> Compiled;
  if (Plan)
    Compiled = Plan->Planned;
  else
    for (const std::string &F : Saved)
      if (auto Buf = frontend::readFile(F))
        Compiled.push_back({F, index::hashString((*Buf)->getBuffer())});
  // A save's first compile of a unit takes its baseline too: the user
  // waits for both.
  double Baseline = std::exchange(BaselineMs, 0);
  auto R = Session.apply(Units, Req);
  if (!R)
    return Out.error(R.takeError(), "patch");
  // A file saved again since the plan read it: the compile may have read
  // the newer text, whose changes the plan could not expect.
  if (Plan && !R->Missed.empty() && savedAgain(*Plan))
    R->Missed.clear();
  R->Ms.Baseline = Baseline;
  R->Ms.Total += Baseline;
  R->BaselinesCompiled = std::exchange(BaselinesCompiled, 0);
  R->BaselinesRestored = std::exchange(BaselinesRestored, 0);
  // Before the event, which may prompt the next save. A unit's main file
  // runs the text its compile read; other files as the disk holds them
  // now, if that is still what the plan read.
  if (Index) {
    std::vector<std::string> Inputs;
    StringMap<std::string> Texts;
    for (size_t U : Units) {
      const jit::UnitState &State = Session.units()[U];
      for (const std::string &In : State.Inputs)
        if (index::isProjectFile(In))
          Inputs.push_back(In);
      if (const auto &Text = State.Compiler->acceptedText())
        Texts[realPathOf(State.Command.File)] = *Text;
    }
    Index->applied(Compiled, Texts, Inputs);
  }
  if (R->empty())
    return Out.unchanged(R->Units, R->Warnings);
  Out.patched(*R, Plan);
  if (Disk)
    Disk->sync(R->Units);
}

const std::vector<std::string> &WatchLoop::realMains() {
  for (size_t I = RealMains.size(); I < Session.units().size(); ++I)
    RealMains.push_back(realPathOf(Session.units()[I].Command.File));
  return RealMains;
}

void WatchLoop::planned(const std::vector<std::string> &Files) {
  const std::vector<std::string> &Mains = realMains();
  auto Optimised = [&](StringRef Main) {
    auto It = find(Mains, Main);
    return It != Mains.end() &&
           Session.units()[It - Mains.begin()].OptLevel > 0;
  };
  auto Readers = [&](const std::string &File) {
    std::vector<std::string> Out;
    for (size_t I : Session.unitsReading(File))
      if (Session.units()[I].InProcess)
        Out.push_back(Mains[I]);
    return Out;
  };
  index::SavePlan Plan = Index->plan(Files, Optimised, Readers);
  // A removed or re-typed form may be used by any unit: its users are only
  // known once every unit has its analysis, so those left to the
  // background are done now and the save planned again.
  bool Removes = any_of(Plan.Changes, [](const index::FormChange &C) {
    return C.Kind == index::ChangeKind::Removed || C.signatureChanged();
  });
  if (Removes && Index->unanalysed(Mains)) {
    Index->prepare(Mains);
    Plan = Index->plan(Files, Optimised, Readers);
  }
  for (const std::string &N : Plan.Notes)
    Out.note(N);
  std::set<size_t> Reached; // the set may reach units no saved file is read by
  for (size_t I = 0; I < Mains.size(); ++I)
    if (Plan.Units.count(Mains[I]) && Session.units()[I].InProcess)
      Reached.insert(I);
  BaselineMs += loadBaselines(Reached);
  std::map<size_t, bool> Units; // unit -> recompiled whole
  for (size_t I : Reached)
    Units[I] = Plan.Units.find(Mains[I])->second;
  if (Units.empty())
    return Out.unchanged(Files);
  // A function renamed, re-typed or removed is only seen gone in whole
  // modules, and its callers' calls only in theirs; units the plan cannot
  // describe are read whole too.
  bool Retyped = any_of(Plan.Changes, [](const index::FormChange &C) {
    return C.signatureChanged();
  });
  jit::PatchRequest Req;
  Req.Plan = &Plan;
  Req.Inlining = &Index->inlineSites();
  std::vector<size_t> Indices;
  for (const auto &[I, Whole] : Units) {
    jit::UnitRequest &U = Req.Units[I];
    U.Main = Mains[I];
    U.CompileWhole = Retyped || Whole;
    if (auto It = Plan.FocusFrom.find(Mains[I]); It != Plan.FocusFrom.end())
      U.FocusFrom = &It->second;
    Indices.push_back(I);
  }
  patch(Indices, Files, Req);
}

bool WatchLoop::savedAgain(const index::SavePlan &Plan) {
  for (const auto &[Path, Hash] : Plan.Planned) {
    auto Buf = frontend::readFile(Path);
    if (!Buf || index::hashString((*Buf)->getBuffer()) != Hash)
      return true;
  }
  return false;
}

void WatchLoop::buildChanged() {
  auto Commands = commandsFor(Opts, BuildDir);
  if (!Commands)
    return Out.error(Commands.takeError(), "build");
  StringSet<> Known;
  for (const jit::UnitState &U : Session.units())
    Known.insert(U.Command.File);
  std::vector<size_t> Units;
  for (const frontend::CompileCommand &C : *Commands) {
    if (Known.contains(C.File) || (Disk && !Disk->feedsBinaries(C.File)))
      continue;
    Session.addNewUnit(C);
    if (Index)
      Index->addUnit(C);
    Units.push_back(Session.units().size() - 1);
    if (Error E = watch(C.File))
      Out.error(std::move(E), "watch");
  }
  for (size_t U : Session.unapplied())
    if (!is_contained(Units, U))
      Units.push_back(U);
  std::vector<std::string> Mains;
  for (size_t U : Units)
    Mains.push_back(Session.units()[U].Command.File);
  patch(Units, Mains);
}

void WatchLoop::relinkWhole(std::set<size_t> Units) {
  BaselinesCompiled = BaselinesRestored = 0; // a new patch begins
  BaselineMs = loadBaselines(Units);
  if (Units.empty())
    return;
  jit::PatchRequest Req;
  if (Index)
    Req.Inlining = &Index->inlineSites();
  std::vector<std::string> Mains;
  for (size_t U : Units) {
    Req.Units[U].CompileWhole = true;
    Mains.push_back(Session.units()[U].Command.File);
  }
  patch({Units.begin(), Units.end()}, Mains, Req);
}

std::optional<size_t> WatchLoop::unitOf(StringRef Path) {
  std::string Real = realPathOf(Path.str());
  const std::vector<std::string> &Mains = realMains();
  for (size_t I = 0; I < Mains.size(); ++I)
    if (Mains[I] == Real)
      return I;
  return std::nullopt;
}

void WatchLoop::saved(const std::vector<std::string> &Files, bool Plan) {
  // The baselines of the units reading the files first: whether a unit is
  // in the process is known only then. A planned save needs the analyses
  // of every reader, but the baselines only of the units whose main file
  // it saved: the plan tells which others a header edit reaches, and only
  // those are compiled (planned()), not every unit including the header.
  bool Planning = Index && Plan;
  std::set<size_t> Readers, Load;
  for (const std::string &F : Files) {
    if (!wanted(F) || Unpatchable.count(F))
      continue;
    std::optional<size_t> Own = unitOf(F); // F is its main file
    for (size_t I : Session.unitsReading(F))
      if (Session.units()[I].InProcess) {
        Readers.insert(I);
        if (!Planning || Own == I)
          Load.insert(I);
      }
  }
  BaselinesCompiled = BaselinesRestored = 0; // a new save begins
  BaselineMs = loadBaselines(Load, Planning ? Readers : std::set<size_t>{});
  std::vector<std::string> Sources;
  std::set<size_t> Units;
  for (const std::string &F : Files) {
    if (F == CompileDb || F == BuildDir + "/build.ninja") {
      buildChanged();
      continue;
    }
    if (!wanted(F)) {
      Out.ignored(F, "excluded by hotreload.toml (watch/exclude)");
      continue;
    }
    if (auto U = Unpatchable.find(F); U != Unpatchable.end()) {
      Out.ignored(F, U->second);
      continue;
    }
    bool Read = false;
    for (size_t I : Session.unitsReading(F))
      if (Session.units()[I].InProcess) {
        Units.insert(I);
        Read = true;
      }
    if (!Read) {
      Out.ignored(F, "no translation unit of the process reads it");
      continue;
    }
    Sources.push_back(F);
  }
  if (Sources.empty())
    return;
  if (Index && Plan)
    return planned(Sources);
  patch({Units.begin(), Units.end()}, Sources);
}

} // namespace hotc::driver
