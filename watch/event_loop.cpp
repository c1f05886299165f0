#include "watch/event_loop.h"

#include "support/elapsed.h"
#include "watch/background_index.h"
#include "watch/control_socket.h"
#include "watch/crash_report.h"
#include "watch/debug_request.h"
#include "watch/disk_build.h"
#include "watch/process_state.h"
#include "watch/session_control.h"
#include "watch/status_line.h"
#include "watch/terminal_keys.h"

#include "protocol/agent_protocol.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/Path.h"

#include <cerrno>
#include <chrono>
#include <csignal>
#include <optional>
#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

using namespace llvm;

namespace hotc::driver {
namespace {

using Clock = std::chrono::steady_clock;

// Superseded code is freed only after saves have been quiet this long: it
// stops the world for a moment, which must not delay a patch of saves
// typed in a burst (an editor saving as you type: ~300 ms apart).
constexpr unsigned kReleaseQuietMs = 1000;
// Unless saves never pause: with this many versions to free, they are
// freed right after a patch (a stop of a few ms, docs/benchmarks.md).
constexpr size_t kReleaseBacklog = 16;
// A version kept because a thread was still in it is looked at again later,
// less often each time (a thread may never leave an old loop).
constexpr unsigned kReleaseRetryMs = 5000;
constexpr unsigned kReleaseRetryMaxMs = 60000;

// Saves arriving soon after a patch (an editor writing several files, or
// the user saving again while it ran) are gathered until the burst is
// quiet for DebounceMs; a save after a quiet spell is processed at once.
// Only saves of watched files keep a burst going: a program writing a log
// beside its sources wakes the watcher all the time, and must not hold
// patches back.
std::vector<std::string> gatherBurst(FileWatcher &Watcher,
                                     std::vector<std::string> Changed,
                                     Clock::time_point LastPatch,
                                     unsigned DebounceMs) {
  if (msSince(LastPatch) >= DebounceMs)
    return Changed;
  auto LastSave = Clock::now();
  pollfd P{Watcher.fd(), POLLIN, 0};
  for (;;) {
    int Left = static_cast<int>(DebounceMs - msSince(LastSave));
    if (Left <= 0 || poll(&P, 1, Left) <= 0)
      return Changed;
    for (std::string &F : Watcher.takeChanged()) {
      LastSave = Clock::now();
      if (!is_contained(Changed, F))
        Changed.push_back(std::move(F));
    }
  }
}

// The agent's records of crashes in patched code, told and applied to the
// session (a rollback puts its record of the running code back).
void reportCrashes(EventLoop &P, bool ProcessGone) {
  if (P.Crashes)
    for (CrashRecord &R : P.Crashes->take(ProcessGone))
      P.Out.crashed(takeCrash(std::move(R), P.Session));
}

// The control request a key in the watch terminal stands for: u undo, r
// redo, p pause or resume, R reload the file saved last.
std::optional<json::Object> keyRequest(char K, const SessionState &State,
                                       const std::string &LastSaved) {
  switch (K) {
  case 'u':
    return json::Object{{"command", "undo"}};
  case 'r':
    return json::Object{{"command", "redo"}};
  case 'p':
    return json::Object{{"command", State.Paused ? "resume" : "pause"}};
  case 'R':
    return json::Object{{"command", "reload"}, {"file", LastSaved}};
  default:
    return std::nullopt;
  }
}

} // namespace

Ending finish(const WatchedProcess &T, EventOutput &Out) {
  std::optional<ExitStatus> Status;
  if (T.OwnChild)
    Status = waitForExit(T.Pid);
  // A process killed by a signal could not remove its socket.
  unlink(protocol::socketPath(T.Pid).c_str());
  Out.exited(Status);
  return {Status ? Status->shellCode() : 0, Status && Status->Signal != 0};
}

Ending runEventLoop(EventLoop &P) {
  const WatchedProcess &T = P.Target;
  EventOutput &Out = P.Out;
  jit::PatchSession &Session = P.Session;
  WatchLoop &Loop = P.Loop;
  // Undo, redo and history from another terminal, and keys in this one.
  SessionIdentity Id{P.BuildDir, T.Pid};
  std::unique_ptr<ControlSocket> Control;
  if (auto C = ControlSocket::open(Id))
    Control = std::move(*C);
  else
    Out.note("hotc undo, redo and history will not reach this session: " +
             toString(C.takeError()));
  std::unique_ptr<TerminalKeys> Keys;
  if (!T.OwnChild)
    Keys = TerminalKeys::open();
  SessionState State;
  ControlContext Context{Id, Session, Out, State};
  std::unique_ptr<StatusLine> Status;
  if (P.Opts.StatusLine && !P.Opts.Json)
    Status = StatusLine::open(STDOUT_FILENO);
  auto DrawStatus = [&] {
    if (Status)
      Status->draw(statusText(
          {Session.units().size(), Session.version(), Out.lastOutcome(),
           State.Pending.size(), State.Paused,
           Loop.Disk ? Loop.Disk->filesBehind() : 0,
           Loop.Index ? Loop.Index->analysesLeft() : 0}));
  };
  // When to free superseded code next: a version may have left the undo
  // history, or one a thread was in may be free now.
  std::optional<Clock::time_point> ReleaseAt;
  unsigned ReleaseRetryMs = kReleaseRetryMs;
  auto ReleaseSoon = [&] {
    ReleaseAt = Clock::now() + std::chrono::milliseconds(kReleaseQuietMs);
    ReleaseRetryMs = kReleaseRetryMs;
  };
  // Frees what left the undo history; while paused or while the process is
  // stopped (in a debugger), later.
  auto FreeSuperseded = [&] {
    using std::chrono::milliseconds;
    if (State.Paused || stoppedThread(T.Pid)) {
      ReleaseAt = Clock::now() + milliseconds(kReleaseQuietMs);
      return;
    }
    auto Started = Clock::now();
    auto R = Session.releaseSuperseded();
    State.ReleaseMs.push_back(msSince(Started));
    if (!R) {
      ReleaseAt.reset();
      Out.note("superseded code was not freed: " + toString(R.takeError()));
    } else if (R->Retry) {
      ReleaseAt = Clock::now() + milliseconds(ReleaseRetryMs);
      ReleaseRetryMs = std::min(2 * ReleaseRetryMs, kReleaseRetryMaxMs);
    } else {
      ReleaseAt.reset();
    }
  };
  std::string LastSaved; // what the R key recompiles
  // Saves noticed at Noticed, patched now; an applied patch's time from
  // notice to live is kept for `hotc status`.
  auto Patch = [&](std::vector<std::string> Files, Clock::time_point Noticed,
                   bool Plan) {
    if (Loop.Disk) // the patch gets the cores
      Loop.Disk->interrupt();
    // A rollback not yet read would leave the record of the running code
    // on versions the agent undid.
    reportCrashes(P, false);
    if (!Files.empty())
      LastSaved = Files.back();
    size_t Before = Out.counts().Patched;
    Loop.saved(Files, Plan);
    if (Out.counts().Patched > Before)
      State.SaveToLiveMs.push_back(msSince(Noticed));
    ReleaseSoon();
    if (Session.releaseBacklog() >= kReleaseBacklog)
      ReleaseAt = Clock::now();
  };
  // Saves that wait while the process is stopped (process_state.h), told
  // once each; the loop patches them when it runs again.
  auto HoldWhileStopped = [&](std::vector<std::string> Files) {
    std::optional<StoppedThread> Stopped = stoppedThread(T.Pid);
    if (!Stopped)
      return Files;
    std::vector<std::string> New;
    for (std::string &F : Files)
      if (!is_contained(State.Pending, F)) {
        New.push_back(F);
        State.Pending.push_back(std::move(F));
      }
    if (!New.empty())
      Out.pending(New, describe(*Stopped));
    return std::vector<std::string>{};
  };
  auto Answer = [&](json::Object Request) -> json::Value {
    reportCrashes(P, false); // the record must include the agent's rollbacks
    std::optional<StringRef> Command = Request.getString("command");
    if (Command == "undo" || Command == "redo" || Command == "debug")
      if (std::optional<StoppedThread> Stopped = stoppedThread(T.Pid))
        return json::Object{
            {"ok", false},
            {"error", describe(*Stopped) + "; " + Command->str() +
                          " when it runs again"}};
    if (Command == "debug") {
      DebugContext Debug{P.Link, Session, Loop, Out, State};
      return answerDebug(Request, Debug);
    }
    if (Command == "undo" || Command == "redo")
      ReleaseSoon(); // the versions the undo history holds changed
    if (Command != "reload")
      return answerControl(Request, Context);
    std::optional<StringRef> File = Request.getString("file");
    if (!File || !sys::path::is_absolute(*File))
      return json::Object{{"ok", false},
                          {"error", "reload needs the absolute path of a file"}};
    Out.keep();
    if (!HoldWhileStopped({File->str()}).empty())
      Patch({File->str()}, Clock::now(), /*Plan=*/false);
    json::Array Events;
    for (json::Object &E : Out.takeKept())
      Events.push_back(std::move(E));
    return json::Object{{"ok", true}, {"events", std::move(Events)}};
  };

  Clock::time_point LastPatch = Clock::now() - std::chrono::hours(1);
  for (;;) {
    pollfd Fds[6] = {{P.Watcher.fd(), POLLIN, 0},
                     {T.PidFd, POLLIN, 0},
                     {P.SigFd, POLLIN, 0},
                     {P.Crashes ? P.Crashes->fd() : -1, POLLIN, 0},
                     {Control ? Control->fd() : -1, POLLIN, 0},
                     {Keys ? Keys->fd() : -1, POLLIN, 0}};
    DrawStatus();
    // Held saves of a running session are retried as soon as the process
    // is no longer stopped.
    int Wait = !State.Paused && !State.Pending.empty() ? 100 : -1;
    if (Status) // a resized terminal gets its line back within a second
      Wait = Wait < 0 ? 1000 : std::min(Wait, 1000);
    if (ReleaseAt) {
      auto Left = std::chrono::duration_cast<std::chrono::milliseconds>(
          *ReleaseAt - Clock::now());
      int Quiet = static_cast<int>(std::max<int64_t>(0, Left.count()) + 1);
      Wait = Wait < 0 ? Quiet : std::min(Wait, Quiet);
    }
    if (poll(Fds, 6, Wait) < 0 && errno != EINTR) {
      Out.error(errorCodeToError(std::error_code(errno, std::generic_category())),
                "watch");
      return {2, false};
    }
    if (Fds[3].revents)
      reportCrashes(P, false);
    if (Fds[1].revents) {
      reportCrashes(P, true);
      if (P.Crashes)
        P.Crashes->remove();
      return finish(T, Out);
    }
    if (Fds[2].revents) {
      signalfd_siginfo Info;
      (void)!read(P.SigFd, &Info, sizeof(Info));
      if (!T.OwnChild) { // leave the process running the patched code
        P.Link.detach();
        return {128 + static_cast<int>(Info.ssi_signo), false};
      }
      kill(T.Pid, SIGTERM); // the process's exit ends the loop above
      continue;
    }
    if (Fds[4].revents) {
      std::string Why;
      while (auto Client = Control->accept(Why))
        ControlSocket::reply(*Client, Answer(std::move(Client->Request)));
      if (!Why.empty())
        Out.note(Why);
    }
    if (Fds[5].revents) {
      std::string Pressed = Keys->take();
      if (Pressed.empty())
        Keys.reset(); // the terminal hung up
      for (char K : Pressed) {
        if (K == 'q') { // leave the process running the patched code
          Out.note("q pressed: hotc stops watching; the process keeps its patches");
          P.Link.detach();
          return {0, false};
        }
        if (K == 'R' && LastSaved.empty()) {
          Out.note("R: no file was saved yet, nothing to recompile");
          continue;
        }
        std::optional<json::Object> Request = keyRequest(K, State, LastSaved);
        if (!Request)
          continue;
        json::Value A = Answer(std::move(*Request));
        if (auto Err = A.getAsObject()->getString("error"))
          Out.note(Err->str());
      }
    }
    if (Fds[0].revents) {
      std::vector<std::string> Changed = P.Watcher.takeChanged();
      if (Changed.empty())
        continue;
      auto Noticed = Clock::now();
      auto Burst = gatherBurst(P.Watcher, std::move(Changed), LastPatch,
                               P.Opts.DebounceMs);
      if (State.Paused) { // `hotc resume` patches them
        for (std::string &F : Burst)
          if (!is_contained(State.Pending, F)) {
            Out.note("paused: " + F + " held until hotc resume");
            State.Pending.push_back(std::move(F));
          }
        continue;
      }
      Burst = HoldWhileStopped(std::move(Burst));
      if (!Burst.empty()) {
        // Held earlier and saved again: this patch compiles them.
        erase_if(State.Pending, [&](const std::string &F) {
          return is_contained(Burst, F);
        });
        Patch(std::move(Burst), Noticed, /*Plan=*/true);
        LastPatch = Clock::now();
      }
    }
    if (ReleaseAt && Clock::now() >= *ReleaseAt)
      FreeSuperseded();
    // Resumed, or the process runs again.
    if (!State.Paused && !State.Pending.empty() && !stoppedThread(T.Pid)) {
      std::vector<std::string> Held = std::move(State.Pending);
      State.Pending.clear();
      Patch(std::move(Held), Clock::now(), /*Plan=*/true);
      LastPatch = Clock::now();
    }
  }
}

} // namespace hotc::driver
