// The static graph as `hotc watch` keeps it: loaded from
// BUILD_DIR/.hotc/index, brought up to date in parallel when the watch
// starts, and analysed again in the background after each applied save, so
// that a save is planned (index/save_plan.h) from analyses of the text just
// before it, within milliseconds and without waiting for a parse.
//
// It also holds the texts those analyses describe (a save is diffed against
// them) and the inlining records of the running executable's DWARF.
#pragma once

#include "inline_sites.h"
#include "save_plan.h"
#include "tu_compiler.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace hotc::driver {

struct IndexSummary {
  size_t Units = 0;    // units with an analysis
  size_t Analysed = 0; // of them, analysed now (the others were stored)
  std::vector<std::string> Failures; // "file: why", one per unit left out
  bool Dwarf = false;  // the executable has debug info
  double Ms = 0;
};

class BackgroundIndex {
public:
  BackgroundIndex(std::string BuildDir, std::vector<jit::CompileCommand> Commands);
  ~BackgroundIndex(); // waits for the analysis running, drops the queue

  // Loads the stored analyses, analyses the units whose inputs changed (in
  // parallel) and stores them, and reads the inlining records of Executable.
  IndexSummary initialise(const std::string &Executable);
  // Units analysed so far by initialise, and how many it must analyse.
  std::pair<size_t, size_t> progress() const { return {Done, ToDo}; }

  // The plan of a save of Files (as the watcher names them), as of now.
  index::SavePlan plan(const std::vector<std::string> &Files,
                       llvm::function_ref<bool(llvm::StringRef Main)> Optimised);
  // Whether the unit (its main file) has an analysis.
  bool analysed(llvm::StringRef MainFile) const;
  // The functions, written in the main files of units other than Skip,
  // that use the plain (not inline, not template) function FormName of
  // MainFile: "caller() (c.cpp:2)".
  std::vector<std::string> usersElsewhere(llvm::StringRef MainFile,
                                          llvm::StringRef FormName,
                                          const std::set<std::string> &Skip) const;
  // Analyses the units reading Files again, on a low-priority thread.
  void reanalyse(const std::vector<std::string> &Files);
  // A unit the build gained (a re-run of CMake): analysed on that thread.
  void addUnit(const jit::CompileCommand &Cmd);
  // Blocks until the queue of reanalyse() is empty (tests, shutdown).
  void waitIdle();

  const index::InlineSites &inlineSites() const { return Sites; }

private:
  void rememberText(const std::string &Path);
  bool fresh(const index::FormIndex &Unit,
             const llvm::StringMap<uint64_t> &Bases) const;
  std::optional<uint64_t> analysedText(llvm::StringRef Path) const;
  void work();
  void dropUnusedTexts();
  const jit::CompileCommand *commandOf(llvm::StringRef MainFile) const;

  std::string IndexDir;
  mutable std::mutex Lock; // guards everything below, but not Sites
  std::vector<jit::CompileCommand> Commands; // grows with addUnit
  std::vector<std::string> RealMains; // RealMains[i]: real path of Commands[i]
  index::StaticGraph Graph;
  llvm::DenseMap<uint64_t, std::string> Texts; // by index::hashString
  llvm::StringMap<uint64_t> Latest; // path -> hash of the newest text read
  std::deque<std::string> Queue;    // main files to analyse again
  bool Busy = false, Stopping = false;
  std::condition_variable Wake, Idle;
  std::thread Worker;

  index::InlineSites Sites;
  std::atomic<size_t> Done{0}, ToDo{0};
};

// The real path of Path (symlinks resolved), or Path when it has none.
std::string realPathOf(llvm::StringRef Path);

} // namespace hotc::driver
