// The static graph as `hotc watch` keeps it: loaded from
// BUILD_DIR/.hotc/index, brought up to date in parallel when the watch
// starts, and analysed again in the background after each applied save, so
// that a save is planned (index/save_plan.h) from analyses of the text just
// before it, within milliseconds and without waiting for a parse.
//
// It also holds the texts those analyses describe (a save is diffed against
// them) and the inlining records of the running executable's DWARF.
#pragma once

#include "analysis/inline_sites.h"
#include "analysis/save_plan.h"
#include "jit/tu_compiler.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringSet.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hotc::driver {

struct IndexSummary {
  size_t Units = 0;    // units with an analysis that still fits
  size_t Pending = 0;  // units left to analyse (in the background)
  std::vector<std::string> Failures; // "file: why", one per unit left out
  bool Dwarf = false;  // the executable has debug info
};

class BackgroundIndex {
public:
  BackgroundIndex(std::string BuildDir, std::vector<frontend::CompileCommand> Commands);
  ~BackgroundIndex(); // waits for the analysis running, drops the queue

  // Loads the stored analyses, queues the units whose inputs changed for
  // analysis in the background (each stored when done), and reads the
  // inlining records of Executable.
  // BuildTexts: path -> text of the files the build compiled (the
  // launcher's snapshots): the process runs those; other files are taken
  // as on disk.
  IndexSummary initialise(const std::string &Executable,
                          const llvm::StringMap<std::string> &BuildTexts);
  // Starts the background analyses, once the texts the process runs of
  // Running (files the baselines read from disk) are taken: an analysis
  // after a save must describe them, not the save.
  void startWorker(const std::vector<std::string> &Running);
  // Start-up analyses done so far, and how many there are.
  std::pair<size_t, size_t> progress() const { return {Done, ToDo}; }
  // Units queued for analysis or being analysed (start-up or after a
  // save): the status line's background work.
  size_t analysesLeft() const;
  // Analyses the units of Mains (real paths) whose start-up analysis has
  // not run yet, now and in parallel: a save about to be planned reads
  // them. Waits for one the background is analysing.
  void prepare(const std::vector<std::string> &Mains);
  // Whether some unit of Mains waits for its start-up analysis.
  bool unanalysed(const std::vector<std::string> &Mains) const;
  // Why start-up analyses failed ("file: why"), each said once.
  std::vector<std::string> takeFailures();

  using UnitQuery = std::function<bool(llvm::StringRef MainFile)>;
  using ReaderQuery =
      std::function<std::vector<std::string>(const std::string &File)>;
  // The plan of a save of Files (as the watcher names them), as of now.
  // Optimised: whether a unit is built at -O1 and above. SessionReaders:
  // the main files (real paths) of the units whose compile read File; those
  // the graph does not know as readers are recompiled whole.
  index::SavePlan plan(const std::vector<std::string> &Files,
                       const UnitQuery &Optimised,
                       const ReaderQuery &SessionReaders);
  // A patch was applied. Compiled: the files it was for, each with the
  // hash of its text read just before the compile; the process runs that
  // text now, unless the file changed since (then it is not known).
  // CompiledTexts: main file -> the text its compile read, which the
  // process runs whatever the disk holds by now (saves coming faster than
  // patches must not make it unknown). Inputs: every file the patched
  // units read; one the process's text of is not known yet (a new header)
  // is taken as on disk. The units reading the files are analysed again on
  // a low-priority thread.
  void applied(const std::vector<std::pair<std::string, uint64_t>> &Compiled,
               const llvm::StringMap<std::string> &CompiledTexts,
               const std::vector<std::string> &Inputs);
  // A unit the build gained (a re-run of CMake): analysed on that thread.
  void addUnit(const frontend::CompileCommand &Cmd);

  const index::InlineSites &inlineSites() const { return Sites; }

private:
  void rememberText(const std::string &Path);
  void adoptSameTokens(const index::FormIndex &Unit);
  void adoptAnalysis(index::FormIndex Unit, bool Initial);
  void hurryWorker();
  // The project files' texts the process runs (Applied), shared by the
  // analyses that must read them rather than the disk. With Lock held.
  std::shared_ptr<const llvm::StringMap<std::string>> runningTexts();
  // Whether Unit's analysis describes the running text of every input
  // (but Except).
  bool fresh(const index::FormIndex &Unit, llvm::StringRef Except = "") const;
  std::optional<std::string> analysedText(llvm::StringRef Path,
                                          std::optional<uint64_t> Running) const;
  void reanalyse(const std::vector<std::string> &Files);
  void work();
  void dropUnusedTexts();
  const frontend::CompileCommand *commandOf(llvm::StringRef MainFile) const;

  std::string IndexDir;
  mutable std::mutex Lock; // guards everything below, but not Sites
  std::vector<frontend::CompileCommand> Commands; // grows with addUnit
  std::vector<std::string> RealMains; // RealMains[i]: real path of Commands[i]
  index::StaticGraph Graph;
  llvm::DenseMap<uint64_t, std::string> Texts; // by index::hashString
  // Path -> hash of the text the process runs (absent: not known).
  llvm::StringMap<uint64_t> Applied;
  unsigned AppliedVersion = 0, RunningVersion = 0; // changes of Applied
  std::shared_ptr<const llvm::StringMap<std::string>> Running;
  std::deque<std::string> Queue;    // main files to analyse (again)
  llvm::StringSet<> Unanalysed;     // queued at start-up, not analysed yet
  std::string Current;              // the one of them the worker analyses
  bool Analysing = false;           // the worker analyses a unit now
  std::condition_variable Analysed; // Current is done
  std::vector<std::string> Failures;
  bool Stopping = false;
  std::condition_variable Wake;
  std::thread Worker;

  index::InlineSites Sites;
  std::atomic<size_t> Done{0}, ToDo{0};
};

// The real path of Path (symlinks resolved), or Path when it has none.
std::string realPathOf(llvm::StringRef Path);

} // namespace hotc::driver
