// Keeping the build on disk in step with the running process: after a
// patch is live, the objects of the patched sources are rebuilt and the
// binaries relinked, in the background, with ninja's own Builder (so a later
// `ninja` has nothing to do). Only for Ninja build directories.
//
// ninja works relative to the process's working directory and is not
// thread-safe, so one worker thread owns it; the edit->live path never waits
// for it (it finds units from the compiles' own inputs).
#pragma once

#include "watch/event_output.h"

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
  // Null (no error) when BuildDir has no build.ninja. Binaries: the running
  // executable and shared libraries, as ninja outputs (absolute paths).
  // DebounceMs: the save-burst setting (debounce_ms); a rebuild waits until
  // patches stop coming for that long.
  static llvm::Expected<std::unique_ptr<DiskBuild>>
  open(const std::string &BuildDir, std::vector<std::string> Binaries,
       EventOutput &Out, unsigned DebounceMs);
  ~DiskBuild(); // finishes the rebuild under way

  // Queues a rebuild for these patched files (merged with any queued).
  void sync(const std::vector<std::string> &PatchedFiles);

  // Patched files whose objects wait for the rebuild or are being rebuilt
  // (the status line's background work).
  size_t filesBehind();

  // Whether File's object is linked into the binaries (after re-reading a
  // rewritten build.ninja). Waits for the worker.
  bool feedsBinaries(const std::string &File);

private:
  DiskBuild(std::unique_ptr<ninja::NinjaBuild> Build,
            std::vector<std::string> Binaries, EventOutput &Out,
            unsigned DebounceMs);
  void run();
  void rebuild(const std::set<std::string> &Files);
  llvm::Error reloadIfStale();

  std::unique_ptr<ninja::NinjaBuild> Build;
  std::string Dir;
  std::vector<std::string> Binaries;
  EventOutput &Out;
  unsigned DebounceMs;
  std::mutex QueueLock; // Pending, Requests, Stopping: never held for long
  std::condition_variable Wake;
  std::set<std::string> Pending;
  uint64_t Requests = 0;
  size_t Rebuilding = 0; // files of the rebuild under way
  bool Stopping = false;
  std::mutex BuildLock; // ninja: one user at a time
  std::thread Worker;
};

} // namespace hotc::driver
