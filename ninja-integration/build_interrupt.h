// Stopping an in-process build from another thread, as Ctrl-C stops
// `ninja`: the commands running are killed, ninja removes what they had
// half-written, and its logs leave those outputs dirty, so the next build
// runs them again. hotc stops the build on disk this way when a save
// arrives: the patch must not share the cores with it.
//
// ninja waits for its commands in ppoll(). A request wakes the building
// thread with SIGURG, whose handler does nothing: ppoll returns and the
// runner (interruptible_runner.h) sees the request. SIGURG is ignored by
// default and nothing else sends it to hotc, so a stray one is harmless.
// A wake can land after the runner looked at the request and before ppoll
// waits, and be lost (ninja's ppoll watches nothing else), so request()
// wakes the runner again until it has left its wait.
#pragma once

#include "llvm/Support/Error.h"

#include <atomic>
#include <mutex>
#include <optional>
#include <pthread.h>

namespace hotc::ninja {

class BuildInterrupt {
public:
  // Any thread: the build under way stops, or the next one does not start
  // any command, until clear().
  void request();
  bool requested() const { return Requested.load(); }
  // Before a build that should run to its end.
  void clear() { Requested = false; }

  // The building thread, while its runner waits for commands: requests wake
  // it from then on, until leave().
  void enter();
  void leave();
  // The runner, around each wait in ppoll: beginWait() says whether a
  // request came (then it must not wait).
  bool beginWait();
  void endWait() { Waiting = false; }

private:
  std::mutex Lock; // Builder
  std::optional<pthread_t> Builder;
  std::atomic<bool> Requested{false};
  std::atomic<bool> Waiting{false}; // the runner is in, or entering, ppoll
};

// The error of a build that a BuildInterrupt stopped.
class BuildInterrupted : public llvm::ErrorInfo<BuildInterrupted> {
public:
  static char ID;
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override;
};

} // namespace hotc::ninja
