// Keeping the build on disk in step with the running process: after a
// patch is live, the objects of the patched sources are rebuilt and the
// binaries relinked, in the background, with ninja's own Builder (so a later
// `ninja` has nothing to do). Only for Ninja build directories.
//
// ninja works relative to the process's working directory and is not
// thread-safe, so one worker thread owns it; the edit->live path never waits
// for it (it finds units from the compiles' own inputs).
//
// The rebuild must not share the cores with a patch: it starts only once
// saves have been quiet for kQuietMs, runs at idle priority (SCHED_IDLE, its
// compilers too), and a save stops it (interrupt(): its compilers killed);
// what it did not rebuild waits for the next quiet spell.
//
// After a rebuild the units it compiled have new launcher records, so the
// baselines a later run of hotc watch (on the rebuilt binary) needs are not
// in the baseline store: the same thread compiles them into it, one unit at
// a time while saves stay quiet. A unit's first save in that run reads its
// baseline instead of compiling it.
#pragma once

#include "frontend/compile_command.h"
#include "watch/event_output.h"

#include "ninja-integration/build_interrupt.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace hotc::ninja {
class NinjaBuild;
}

namespace hotc::driver {

class DiskBuild {
public:
  // How long saves must be quiet before a rebuild starts: typing with an
  // editor that saves as you type never starts one.
  static constexpr unsigned kQuietMs = 1000;

  // Null (no error) when BuildDir has no build.ninja. Binaries: the running
  // executable and shared libraries, as ninja outputs (absolute paths).
  static llvm::Expected<std::unique_ptr<DiskBuild>>
  open(const std::string &BuildDir, std::vector<std::string> Binaries,
       EventOutput &Out);
  ~DiskBuild(); // finishes the rebuild under way

  // After each rebuild, the baselines of the units it compiled (those of
  // Commands) are prepared in the baseline store at StoreDir. Call before
  // the first sync().
  void prepareBaselines(std::string StoreDir,
                        std::vector<frontend::CompileCommand> Commands);

  // Queues a rebuild for these patched files (merged with any queued).
  void sync(const std::vector<std::string> &PatchedFiles);
  // A save arrived: the rebuild under way stops (its files stay queued),
  // and the quiet spell starts again.
  void interrupt();

  // Patched files whose objects wait for the rebuild or are being rebuilt
  // (the status line's background work).
  size_t filesBehind();

  // Whether File's object is linked into the binaries (after re-reading a
  // rewritten build.ninja). Waits for the worker.
  bool feedsBinaries(const std::string &File);

private:
  DiskBuild(std::unique_ptr<ninja::NinjaBuild> Build,
            std::vector<std::string> Binaries, EventOutput &Out);
  void run();
  // False when a save interrupted it.
  bool rebuild(const std::set<std::string> &Files);
  llvm::Error reloadIfStale();
  // Prepares the baselines of ToPrepare in the store while no save or
  // sync comes; what is left waits for the next rebuild. QueueLock held
  // on entry and exit, not while compiling.
  void prepareQueued(std::unique_lock<std::mutex> &G);

  std::unique_ptr<ninja::NinjaBuild> Build;
  std::string Dir;
  std::vector<std::string> Binaries;
  EventOutput &Out;
  ninja::BuildInterrupt Interrupt;
  std::mutex QueueLock; // Pending, Requests, Stopping: never held for long
  std::condition_variable Wake;
  std::set<std::string> Pending;
  uint64_t Requests = 0; // syncs and interrupts: the quiet spell restarts
  size_t Rebuilding = 0; // files of the rebuild under way
  bool Stopping = false;
  std::string StoreDir; // empty: no baselines are prepared
  std::vector<frontend::CompileCommand> Commands;
  // Rebuilt units whose baselines are to be prepared: main file -> the
  // recorded text of its inputs (the launcher's record of the rebuild).
  std::map<std::string, llvm::StringMap<std::string>> ToPrepare;
  std::mutex BuildLock; // ninja: one user at a time
  std::thread Worker;
};

} // namespace hotc::driver
