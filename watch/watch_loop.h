// What `hotc watch` does with one save after another: which units to
// recompile (from the static graph's plan of the save, or, without one,
// from what each unit's compile read), new units after a re-run of CMake,
// and the build on disk catching up afterwards.
#pragma once

#include "watch/background_index.h"
#include "watch/disk_build.h"
#include "watch/event_output.h"
#include "watch/file_watcher.h"
#include "watch/watch_command.h"

#include "jit/patch_session.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace hotc::driver {

// The build's commands, with hotreload.toml's compiler and extra flags.
llvm::Expected<std::vector<frontend::CompileCommand>>
commandsFor(const WatchOptions &Opts, const std::string &Dir);

// Why a unit's edits are not patched when it is not part of the process;
// ByDwarf: the process's DWARF has no compile unit for it (else: none of
// its symbols is in the process).
std::string notLinkedReason(bool ByDwarf);

struct WatchLoop {
  const WatchOptions &Opts;
  jit::PatchSession &Session;
  EventOutput &Out;
  FileWatcher &Watcher;
  DiskBuild *Disk; // null outside Ninja build directories
  std::string BuildDir;
  std::string CompileDb;
  // The static graph; null: what a unit's compile read decides which units
  // to recompile, and the canonical IR hash alone what to link.
  BackgroundIndex *Index = nullptr;
  // Real path of each unit's main file (units are only ever added).
  std::vector<std::string> RealMains;
  // Sources hotc does not patch (no baseline, not linked into the
  // process): watched all the same, so that each save is answered with
  // `ignored` and this reason instead of nothing.
  llvm::StringMap<std::string> Unpatchable;
  // Baselines loaded for the save being patched: the time, and how many
  // were compiled and how many read from the baseline store.
  double BaselineMs = 0;
  unsigned BaselinesCompiled = 0, BaselinesRestored = 0;

  // Plan=false: recompile every unit reading the files, without the graph
  // (files edited before hotc started differ from the build, not from the
  // text the graph analysed).
  void saved(const std::vector<std::string> &Files, bool Plan = true);
  // Recompiles Units whole now and links whatever differs from what runs,
  // callers holding inlined copies included (`hotc debug`: the wanted
  // modes of their functions changed, not their text).
  void relinkWhole(std::set<size_t> Units);
  // The unit whose main file is Path (any spelling of it).
  std::optional<size_t> unitOf(llvm::StringRef Path);

  // The sources and project headers of the units in the process.
  llvm::Error watchInputs();
  llvm::Error watch(const std::string &File);
  // hotreload.toml's watch and exclude globs.
  bool wanted(llvm::StringRef File) const;

private:
  const std::vector<std::string> &realMains();
  // Compiles the pending baselines of Units (and the start-up analyses of
  // Analysed not run yet, in parallel with them): a save needs both. Units
  // that turn out unpatchable are said so and taken out. Returns the
  // milliseconds it took.
  double loadBaselines(std::set<size_t> &Units,
                       const std::set<size_t> &Analysed = {});
  // Saved: the files behind the patch; once it is applied, the graph
  // analyses the units reading them again (in the background).
  void patch(std::vector<size_t> Units, const std::vector<std::string> &Saved,
             const jit::PatchRequest &Req = {});
  // The units the rebuild set reaches are recompiled; the IR hash still
  // decides what is linked, and a change the set did not expect is
  // reported. Units the graph has no analysis of fall back to what their
  // compile read.
  void planned(const std::vector<std::string> &Files);
  // Whether a saved file changed again between the plan and the compile
  // (an editor writing twice): the compile then saw text the plan did not,
  // and the next event plans it.
  static bool savedAgain(const index::SavePlan &Plan);
  // CMake re-ran: units it added (a new source file) are linked live, and
  // units whose last patch failed (perhaps for want of them) are retried.
  void buildChanged();
};

} // namespace hotc::driver
