#include "watch_command.h"

#include "build_snapshot.h"
#include "compile_database.h"
#include "event_output.h"
#include "file_watcher.h"
#include "process_launcher.h"

#include "link_session.h"
#include "object_codegen.h"
#include "patch_session.h"
#include "protocol/agent_protocol.h"

#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/ThreadPool.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <poll.h>
#include <set>
#include <sys/signalfd.h>
#include <thread>
#include <unistd.h>

using namespace llvm;

namespace hotc::driver {
namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point T) {
  return std::chrono::duration<double, std::milli>(Clock::now() - T).count();
}

bool processAlive(int PidFd) {
  pollfd P{PidFd, POLLIN, 0};
  return poll(&P, 1, 0) == 0;
}

bool isBusy(const Error &E) {
  bool Busy = false;
  visitErrors(E, [&](const ErrorInfoBase &EI) {
    Busy |= EI.convertToErrorCode() ==
            std::make_error_code(std::errc::device_or_resource_busy);
  });
  return Busy;
}

// The agent starts before the program's main(); give it a moment, and stop
// waiting as soon as the process is gone. An agent whose previous hotc just
// died may still be busy with that session for a moment.
Expected<std::unique_ptr<jit::LinkSession>>
connectWhenReady(int Pid, int PidFd, bool JustStarted) {
  auto Deadline = Clock::now() + std::chrono::seconds(JustStarted ? 10 : 3);
  for (;;) {
    auto S = jit::LinkSession::connect(Pid);
    if (S)
      return S;
    Error E = S.takeError();
    if (!(JustStarted || isBusy(E)) || Clock::now() > Deadline ||
        !processAlive(PidFd))
      return std::move(E);
    consumeError(std::move(E));
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// Compiles every unit once, in parallel, to learn what the process runs:
// the files as the build compiled them when the launcher recorded them,
// else as they are now.
Error readBaselines(const std::vector<jit::CompileCommand> &Commands,
                    const StringMap<SourceSnapshot> &Snapshots,
                    jit::PatchSession &Session, const jit::LiveSymbols &Live,
                    EventOutput &Out) {
  std::vector<std::optional<Expected<jit::UnitState>>> Results(Commands.size());
  std::atomic<size_t> Done{0};
  {
    DefaultThreadPool Pool(hardware_concurrency());
    for (size_t I = 0; I < Commands.size(); ++I)
      Pool.async([&, I] {
        auto Snap = Snapshots.find(Commands[I].File);
        Results[I].emplace(jit::PatchSession::baseline(
            Commands[I], Live,
            Snap == Snapshots.end() ? nullptr : &Snap->second.Contents));
        ++Done;
      });
    bool Tty = isatty(STDERR_FILENO);
    while (Done < Commands.size()) {
      if (Tty)
        fprintf(stderr, "\rhotc: reading %zu/%zu translation units", Done.load(),
                Commands.size());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (Tty)
      fprintf(stderr, "\r\033[K");
    Pool.wait();
  }
  for (size_t I = 0; I < Commands.size(); ++I) {
    Expected<jit::UnitState> &R = *Results[I];
    if (!R) {
      // A unit that does not compile now cannot be diffed; say so and go on:
      // its next good save is compared against nothing and patched whole.
      Out.ignored(Commands[I].File,
                  "does not compile now: " + toString(R.takeError()));
      continue;
    }
    if (!R->InProcess)
      Out.note(Commands[I].File + " is not linked into this process: its "
               "edits are not patched");
    Session.addUnit(std::move(*R));
  }
  return Error::success();
}

Error watchInputs(const jit::PatchSession &Session, FileWatcher &Watcher) {
  for (const jit::UnitState &U : Session.units()) {
    if (!U.InProcess)
      continue;
    for (const std::string &In : U.Inputs)
      if (!StringRef(In).starts_with("/usr/") && In.front() == '/')
        if (Error E = Watcher.watch(In))
          return E;
    if (Error E = Watcher.watch(U.Command.File))
      return E;
  }
  return Error::success();
}

void handleSave(const std::vector<std::string> &Files,
                jit::PatchSession &Session, EventOutput &Out) {
  std::set<size_t> Units;
  for (const std::string &F : Files) {
    std::vector<size_t> Readers = Session.unitsReading(F);
    bool Any = false;
    for (size_t I : Readers)
      if (Session.units()[I].InProcess) {
        Units.insert(I);
        Any = true;
      }
    if (!Any)
      Out.ignored(F, "no translation unit of the process reads it");
  }
  if (Units.empty())
    return;
  auto R = Session.apply({Units.begin(), Units.end()});
  if (!R)
    return Out.error(R.takeError());
  if (R->empty())
    return Out.unchanged(R->Units);
  Out.patched(*R);
}

int signalFd() {
  sigset_t Set;
  sigemptyset(&Set);
  for (int S : {SIGINT, SIGTERM, SIGHUP})
    sigaddset(&Set, S);
  sigprocmask(SIG_BLOCK, &Set, nullptr);
  return signalfd(-1, &Set, SFD_CLOEXEC | SFD_NONBLOCK);
}

} // namespace

int runWatch(const WatchOptions &Opts) {
  EventOutput Out(Opts.Json);
  auto Start = Clock::now();
  int SigFd = signalFd();
  int Pid = -1, PidFd = -1;
  bool OwnChild = !Opts.ExecArgv.empty();
  if (OwnChild) {
    auto Agent = findAgentLibrary();
    if (!Agent)
      return Out.error(Agent.takeError()), 2;
    auto L = launchWithAgent(Opts.ExecArgv, *Agent);
    if (!L)
      return Out.error(L.takeError()), 2;
    Pid = L->Pid;
    PidFd = L->PidFd;
  } else {
    Pid = *Opts.Pid;
    auto Fd = openPidFd(Pid);
    if (!Fd)
      return Out.error(Fd.takeError()), 2;
    PidFd = *Fd;
  }
  auto Fail = [&](Error E) {
    Out.error(std::move(E));
    if (OwnChild && processAlive(PidFd)) // nothing to patch: stay with the app
      return Out.exited(waitForExit(Pid)), 2;
    return 2;
  };

  auto Link = connectWhenReady(Pid, PidFd, OwnChild);
  if (!Link) {
    if (OwnChild && !processAlive(PidFd)) {
      consumeError(Link.takeError());
      int Code = waitForExit(Pid);
      Out.exited(Code);
      return Code;
    }
    return Fail(Link.takeError());
  }
  auto Codegen = jit::ObjectCodegen::create((*Link)->triple());
  if (!Codegen)
    return Fail(Codegen.takeError());
  auto Commands = loadCompileDatabase(Opts.BuildDir);
  if (!Commands)
    return Fail(Commands.takeError());
  jit::PatchSession Session(**Link, **Codegen);
  StringMap<SourceSnapshot> Snapshots = readBuildSnapshots(Opts.BuildDir);
  if (Error E = readBaselines(*Commands, Snapshots, Session, (*Link)->process(),
                              Out))
    return Fail(std::move(E));
  auto Watcher = FileWatcher::create();
  if (!Watcher)
    return Fail(Watcher.takeError());
  if (Error E = watchInputs(Session, *Watcher))
    return Fail(std::move(E));
  Out.ready(Pid, Session.units().size(), (*Link)->process().size(),
            msSince(Start));
  // Files edited between the build and now: the process runs the build's
  // version, so patch the difference at once.
  std::vector<std::string> EditedSinceBuild;
  for (const auto &S : Snapshots)
    for (const std::string &F : S.second.EditedSince)
      EditedSinceBuild.push_back(F);
  if (!EditedSinceBuild.empty()) {
    Out.note("edited since the build: patching them now");
    handleSave(EditedSinceBuild, Session, Out);
  }

  for (;;) {
    pollfd Fds[3] = {{Watcher->fd(), POLLIN, 0}, {PidFd, POLLIN, 0},
                     {SigFd, POLLIN, 0}};
    if (poll(Fds, 3, -1) < 0 && errno != EINTR)
      return Fail(errorCodeToError(std::error_code(errno, std::generic_category())));
    if (Fds[1].revents) {
      std::optional<int> Code;
      if (OwnChild)
        Code = waitForExit(Pid);
      Out.exited(Code);
      return Code.value_or(0);
    }
    if (Fds[2].revents) {
      signalfd_siginfo Info;
      (void)!read(SigFd, &Info, sizeof(Info));
      if (!OwnChild) { // leave the process running the patched code
        (*Link)->detach();
        return 128 + static_cast<int>(Info.ssi_signo);
      }
      kill(Pid, SIGTERM); // the process's exit ends the loop above
      continue;
    }
    if (Fds[0].revents) {
      std::vector<std::string> Changed = Watcher->takeChanged();
      if (!Changed.empty())
        handleSave(Changed, Session, Out);
    }
  }
}

int runWithAgent(const std::vector<std::string> &Argv) {
  EventOutput Out(false);
  auto Agent = findAgentLibrary();
  if (!Agent)
    return Out.error(Agent.takeError()), 2;
  auto L = launchWithAgent(Argv, *Agent);
  if (!L)
    return Out.error(L.takeError()), 127;
  // Signals from the terminal reach the program too; hotc just waits.
  signal(SIGINT, SIG_IGN);
  fprintf(stderr, "hotc: pid %d runs with the agent; patch it with: hotc watch --pid %d\n",
          L->Pid, L->Pid);
  return waitForExit(L->Pid);
}

} // namespace hotc::driver
