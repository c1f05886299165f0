#include "ninja-integration/run_builder.h"

#include "ninja-integration/build_status.h"
#include "ninja-integration/interruptible_runner.h"
#include "ninja-integration/ninja_state.h"
#include "ninja-integration/saved_signals.h"

#include "build.h"
#include "metrics.h"    // GetTimeMillis
#include "subprocess.h" // SubprocessSet::interrupted_
#include "util.h"       // GetProcessorCount

#include "llvm/ADT/StringRef.h"

#include <csignal>
#include <optional>

using namespace llvm;

namespace hotc::ninja {

// ninja's util.h declares a global Error() too.
using llvm::Error;

namespace {

// ninja's default -j (GuessParallelism in ninja.cc).
int guessParallelism() {
  int Processors = GetProcessorCount();
  if (Processors <= 1)
    return 2;
  return Processors == 2 ? 3 : Processors + 2;
}

Error buildFailed(const std::string &Err, const BuildStatus &Status) {
  std::string Text = Err;
  if (!Status.Failures.empty())
    Text += "\n" + Status.Failures;
  for (const std::string &Message : Status.Messages)
    Text += "\n" + Message;
  return createStringError(inconvertibleErrorCode(), "%s",
                           StringRef(Text).rtrim().str().c_str());
}

// The Builder, and the SubprocessSet inside it, live only in this call.
Error build(NinjaState &S, const std::vector<Node *> &Targets,
            BuildStatus &Status, BuildInterrupt &Interrupt) {
  BuildConfig Config;
  Config.parallelism = guessParallelism();
  Builder B(&S.Graph, Config, &S.Log, &S.Deps, &S.Disk, &Status,
            GetTimeMillis());
  B.command_runner_ = std::make_unique<InterruptibleRunner>(Config, Interrupt);
  std::string Err;
  for (Node *Target : Targets) {
    // false with no error: the target is already up to date.
    if (!B.AddTarget(Target, &Err) && !Err.empty())
      return buildFailed(Err, Status);
  }
  if (B.AlreadyUpToDate())
    return Error::success();
  if (!B.Build(&Err)) {
    // Whatever failed on the way, the request stopped it.
    if (Interrupt.requested())
      return make_error<BuildInterrupted>();
    return buildFailed(Err, Status);
  }
  return Error::success();
}

} // namespace

Error runBuilder(NinjaState &S, const std::vector<Node *> &Targets,
                 const ProgressFn &Progress, BuildInterrupt *Interrupt) {
  BuildInterrupt Never; // a build nobody can stop
  if (!Interrupt)
    Interrupt = &Never;
  BuildStatus Status(S.BuildDir, Progress);
  // ninja's handler records the signal here and resets it only when it next
  // waits for a command; a stale value must not be raised again.
  SubprocessSet::interrupted_ = 0;
  std::optional<SavedSignals> Saved(std::in_place);
  Error Result = build(S, Targets, Status, *Interrupt);
  Saved.reset();
  // The signal was meant for the host (a Ctrl-C on hotc, say), and ninja's
  // handler swallowed it: deliver it to the host's own handling.
  if (int Signal = SubprocessSet::interrupted_) {
    SubprocessSet::interrupted_ = 0;
    raise(Signal);
  }
  return Result;
}

} // namespace hotc::ninja
