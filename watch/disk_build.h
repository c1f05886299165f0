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
#pragma once

#include "watch/event_output.h"

#include "ninja-integration/build_interrupt.h"

#include "llvm/Support/Error.h"

#include <condition_variable>
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
  std::mutex BuildLock; // ninja: one user at a time
  std::thread Worker;
};

} // namespace hotc::driver
