#include "watch/watch_command.h"
#include "support/elapsed.h"
#include "support/resident_memory.h"

#include "frontend/project_files.h"
#include "launcher/build_snapshot.h"
#include "watch/process_build.h"
#include "watch/process_launcher.h"
#include "watch/crash_log.h"
#include "watch/crash_report.h"
#include "watch/event_loop.h"
#include "watch/watch_loop.h"

#include "jit/link_session.h"
#include "jit/object_codegen.h"
#include "jit/patch_session.h"
#include "protocol/agent_protocol.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ThreadPool.h"

#include <atomic>
#include <cerrno>
#include <chrono>
#include <malloc.h>
#include <csignal>
#include <cstdio>
#include <poll.h>
#include <sys/signalfd.h>
#include <thread>
#include <unistd.h>

using namespace llvm;

namespace hotc::driver {
namespace {

using Clock = std::chrono::steady_clock;

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
    consumeError(std::move(E)); // not listening yet: retried until the deadline
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// One line on a terminal, redrawn: units compiled for the baseline, units
// analysed for the static graph.
void showProgress(const BackgroundIndex &Indexing, size_t Read, size_t Units) {
  if (!isatty(STDERR_FILENO))
    return;
  auto [Indexed, ToIndex] = Indexing.progress();
  fprintf(stderr, "\r\033[Khotc: reading %zu/%zu translation units", Read, Units);
  if (ToIndex)
    fprintf(stderr, ", indexing %zu/%zu", Indexed, ToIndex);
}

void clearProgress() {
  if (isatty(STDERR_FILENO))
    fprintf(stderr, "\r\033[K");
}

// What the process runs of each unit. A unit the launcher recorded is
// pending: its baseline is compiled from that record when a save first
// needs it, so start-up costs nothing per unit. Units built without the
// launcher are compiled now, in parallel (the disk is all there is, and it
// can only change later): the files as they are now.
// Indexing: the progress of the static graph's analysis, shown on the
// same line.
// Unpatchable: the sources hotc will not patch, with the reason a save of
// one of them is answered with.
Error readBaselines(const std::vector<frontend::CompileCommand> &Commands,
                    StringMap<SourceSnapshot> &Snapshots,
                    jit::PatchSession &Session, const jit::LiveSymbols &Live,
                    EventOutput &Out, const BackgroundIndex &Indexing,
                    jit::LiveDwarf &Dwarf, StringMap<std::string> &Unpatchable) {
  std::vector<size_t> Eager;
  for (size_t I = 0; I < Commands.size(); ++I)
    if (!Snapshots.count(Commands[I].File))
      Eager.push_back(I);
  std::vector<std::optional<Expected<jit::UnitState>>> Results(Commands.size());
  std::atomic<size_t> Done{0};
  {
    DefaultThreadPool Pool(hardware_concurrency());
    for (size_t I : Eager)
      Pool.async([&, I] {
        Results[I].emplace(jit::compileBaseline(Commands[I], Live, nullptr));
        ++Done;
      });
    while (Done < Eager.size()) {
      showProgress(Indexing, Done, Eager.size());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    clearProgress();
    Pool.wait();
  }
  // DWARF paths are comparable only if they name some unit of the build
  // (-ffile-prefix-map and the like rewrite them).
  bool DwarfNamesUnits = Dwarf.hasCompileUnits() &&
                         any_of(Commands, [&](const frontend::CompileCommand &C) {
                           return Dwarf.hasUnit(C.File);
                         });
  for (size_t I = 0; I < Commands.size(); ++I) {
    jit::UnitState U;
    // A unit of another binary of the build is said to be that, below.
    bool InDwarf = !DwarfNamesUnits || Dwarf.hasUnit(Commands[I].File);
    if (auto S = Snapshots.find(Commands[I].File);
        InDwarf && S != Snapshots.end() && !S->second.NotRunning.empty()) {
      Out.ignored(Commands[I].File, S->second.NotRunning);
      Unpatchable[Commands[I].File] = S->second.NotRunning;
      continue;
    }
    if (!Results[I]) {
      // The record moves into the unit: its only reader from now on.
      U = jit::pendingBaseline(
          Commands[I], std::move(Snapshots.find(Commands[I].File)->second.Contents));
    } else if (Expected<jit::UnitState> &R = *Results[I]; !R) {
      // Without a baseline there is nothing to diff a save against (the
      // text on disk later is not what the process runs): its saves are
      // answered, not patched.
      std::string Why = toString(R.takeError());
      Out.ignored(Commands[I].File, "does not compile now: " + Why);
      Unpatchable[Commands[I].File] =
          "its baseline did not compile when hotc watch started: " +
          Why.substr(0, Why.find('\n'));
      continue;
    } else {
      U = std::move(*R);
    }
    // Symbols alone mislead: another program's unit defines main() too.
    // Where the process has DWARF, its compile units say which are in it.
    bool NotInDwarf = DwarfNamesUnits && !Dwarf.hasUnit(Commands[I].File);
    if (U.InProcess && NotInDwarf)
      U.InProcess = false;
    if (!U.InProcess) {
      std::string Why = notLinkedReason(NotInDwarf);
      Out.note(Commands[I].File + " is " + Why + ": its edits are not patched");
      Unpatchable[Commands[I].File] = Why;
    }
    Session.addUnit(std::move(U));
  }
  return Error::success();
}

int signalFd() {
  sigset_t Set;
  sigemptyset(&Set);
  for (int S : {SIGINT, SIGTERM, SIGHUP})
    sigaddset(&Set, S);
  sigprocmask(SIG_BLOCK, &Set, nullptr);
  int Fd = signalfd(-1, &Set, SFD_CLOEXEC | SFD_NONBLOCK);
  // A closed events FIFO must be an error of write(), not hotc's end. (The
  // program hotc starts gets an empty mask back.)
  sigset_t Pipe;
  sigemptyset(&Pipe);
  sigaddset(&Pipe, SIGPIPE);
  sigprocmask(SIG_BLOCK, &Pipe, nullptr);
  return Fd;
}

using Target = WatchedProcess;

Expected<Target> startOrAttach(const WatchOptions &Opts) {
  Target T;
  T.OwnChild = !Opts.ExecArgv.empty();
  if (!T.OwnChild) {
    T.Pid = *Opts.Pid;
    auto Fd = openPidFd(T.Pid);
    if (!Fd)
      return Fd.takeError();
    T.PidFd = *Fd;
    return T;
  }
  auto Agent = findAgentLibrary();
  if (!Agent)
    return Agent.takeError();
  auto L = launchWithAgent(Opts.ExecArgv, *Agent);
  if (!L)
    return L.takeError();
  T.Pid = L->Pid;
  T.PidFd = L->PidFd;
  return T;
}

protocol::CrashPolicy crashPolicyOf(OnCrash O) {
  switch (O) {
  case OnCrash::Rollback:
    return protocol::CrashPolicy::Rollback;
  case OnCrash::Report:
  case OnCrash::Restart: // reported, then started again once it has died
    return protocol::CrashPolicy::Report;
  case OnCrash::Ignore:
    return protocol::CrashPolicy::Ignore;
  }
  return protocol::CrashPolicy::Rollback;
}

Ending watchProcess(const WatchOptions &Opts, const Target &T, EventOutput &Out,
                    int SigFd) {
  auto Start = Clock::now();
  bool Ready = false; // after `ready`, a failure is the watch's, not start-up's
  auto Fail = [&](Error E) -> Ending {
    Out.error(std::move(E), Ready ? "watch" : "startup");
    if (T.OwnChild && processAlive(T.PidFd)) // nothing to patch: stay
      return finish(T, Out);
    return {2, false};
  };
  auto Link = connectWhenReady(T.Pid, T.PidFd, T.OwnChild);
  if (!Link) {
    if (T.OwnChild && !processAlive(T.PidFd))
      // It exited before its agent listened: the exit is the news.
      return (consumeError(Link.takeError()), finish(T, Out));
    return Fail(Link.takeError());
  }
  auto Codegen = jit::ObjectCodegen::create((*Link)->triple());
  if (!Codegen)
    return Fail(Codegen.takeError());
  SmallString<256> Dir(Opts.BuildDir);
  sys::fs::make_absolute(Dir);
  sys::path::remove_dots(Dir, true);
  std::string BuildDir = Dir.str().str();
  auto Commands = commandsFor(Opts, BuildDir);
  if (!Commands)
    return Fail(Commands.takeError());
  jit::PatchSession Session(**Link, **Codegen);
  Session.setBaselineStore(BuildDir + "/.hotc/baselines");
  Session.setPreambleLimit(Opts.MaxPreambles);
  Session.setPreambleBudget(Opts.PreambleBudgetBytes);
  Session.setUndoDepth(Opts.UndoDepth);
  Session.setCrashPolicy(static_cast<uint8_t>(crashPolicyOf(Opts.Crash)));
  Session.setSafePoints(Opts.SafePoints, Opts.SafePointTimeoutMs);
  // Crashes in patched code are the agent's to catch; it writes them here.
  std::unique_ptr<CrashLog> Crashes;
  if (auto C = CrashLog::open(T.Pid))
    Crashes = std::move(*C);
  else
    Out.note("crashes in patched code will be seen only as the process's "
             "exit: " + toString(C.takeError()));
  BuildSnapshots Recorded = readBuildSnapshots(BuildDir);
  for (const std::string &Why : Recorded.Unreadable)
    Out.note("build record unusable, its unit's baseline is the file on disk: " +
             Why);
  StringMap<SourceSnapshot> &Snapshots = Recorded.Sources;
  markRecordsNotRunning(T.Pid, BuildDir, Snapshots);
  // The stored graph is loaded while the baselines of units built without
  // the launcher compile; its stale units are analysed in the background.
  // Files edited between the build and now: the process runs the build's
  // version; they are patched right after ready.
  std::vector<std::string> EditedSinceBuild;
  StringMap<std::string> BuildTexts;
  for (const auto &S : Snapshots) {
    if (!S.second.NotRunning.empty())
      continue; // what it runs is not known
    for (const std::string &F : S.second.EditedSince)
      EditedSinceBuild.push_back(F);
    for (const auto &C : S.second.Contents)
      BuildTexts[C.first()] = C.second;
  }
  BackgroundIndex Index(BuildDir, *Commands);
  IndexSummary Indexed;
  std::atomic<bool> IndexDone{false};
  std::thread Indexer([&] {
    // The baseline store's old entries go while start-up waits anyway.
    jit::BaselineStore(BuildDir + "/.hotc/baselines").removeStale();
    Indexed = Index.initialise(formatv("/proc/{0}/exe", T.Pid).str(), BuildTexts);
    IndexDone = true;
  });
  auto JoinIndexer = make_scope_exit([&] { Indexer.join(); });
  StringMap<std::string> Unpatchable;
  if (Error E = readBaselines(*Commands, Snapshots, Session, (*Link)->process(),
                              Out, Index, (*Link)->dwarf(), Unpatchable))
    return Fail(std::move(E));
  while (!IndexDone) {
    showProgress(Index, Commands->size(), Commands->size());
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  clearProgress();
  std::vector<std::string> ReadFromDisk;
  for (const jit::UnitState &U : Session.units())
    if (U.Loaded)
      for (const std::string &In : U.Inputs)
        if (frontend::isProjectFile(In))
          ReadFromDisk.push_back(In);
  Index.startWorker(ReadFromDisk);
  for (const std::string &F : Indexed.Failures)
    Out.note("index: " + F + "; saves of the files it reads recompile every "
             "unit reading them");
  auto Watcher = FileWatcher::create();
  if (!Watcher)
    return Fail(Watcher.takeError());
  WatchLoop Loop{Opts, Session, Out, *Watcher, nullptr, BuildDir,
                 BuildDir + "/compile_commands.json"};
  std::unique_ptr<DiskBuild> Disk;
  if (Opts.DiskBuild) { // --no-disk-build: the build on disk is left alone
    if (auto D = DiskBuild::open(BuildDir, {executablePath(T.Pid)}, Out)) {
      Disk = std::move(*D);
      if (Disk) // the next run on the rebuilt binary reads them
        Disk->prepareBaselines(BuildDir + "/.hotc/baselines", *Commands);
    } else
      Out.note("the build on disk will not be kept in step with the process: " +
               toString(D.takeError()));
  }
  Loop.Disk = Disk.get();
  Loop.Unpatchable = std::move(Unpatchable);
  if (Error E = Loop.watchInputs())
    return Fail(std::move(E));
  Loop.Index = &Index;
  ReadyReport R;
  for (const jit::UnitState &U : Session.units()) {
    if (size_t B = U.Compiler->preambleBytes()) {
      R.PreambleBytes += B;
      ++R.Preambles;
    }
    R.Baselines += U.Loaded;
  }
  Ready = true;
  R.PreambleBudget = Session.preambleBudget();
  R.Pid = T.Pid;
  R.Units = Session.units().size();
  R.Symbols = (*Link)->process().size();
  R.Ms = msSince(Start);
  R.Indexed = Indexed.Units;
  R.Indexing = Indexed.Pending;
  R.Dwarf = Indexed.Dwarf;
  // Start-up read whole DWARF sections and symbol tables and dropped most
  // of it: the allocator keeps freed pages until told otherwise.
  malloc_trim(0);
  R.RssBytes = residentBytes();
  Out.ready(R);
  if (!EditedSinceBuild.empty()) {
    Out.note("edited since the build: patching them now");
    Loop.saved(EditedSinceBuild, /*Plan=*/false);
  }

  EventLoop Parts{Opts, {T.Pid, T.PidFd, T.OwnChild}, Out, Session, **Link,
                  Loop, *Watcher, Crashes.get(), SigFd, BuildDir};
  return runEventLoop(Parts);
}

} // namespace

int runWatch(const WatchOptions &Opts) {
  EventOutput Out(Opts.Json, Opts.LogFile);
  int SigFd = signalFd();
  if (!Opts.EventsTo.empty()) {
    auto Channel = openEventsChannel(Opts.EventsTo);
    if (!Channel)
      return Out.error(Channel.takeError(), "startup"), 2;
    Out.sendEventsTo(*Channel);
  }
  if (!Opts.ExecArgv.empty())
    Out.startOnFreshLines();
  for (;;) {
    auto T = startOrAttach(Opts);
    if (!T)
      return Out.error(T.takeError(), "startup"), 2;
    Out.setPid(T->Pid);
    Ending E = watchProcess(Opts, *T, Out, SigFd);
    if (!E.Crashed || Opts.Crash != OnCrash::Restart)
      return E.Code;
    Out.note("the process crashed: starting it again (on_crash = restart)");
  }
}

int runWithAgent(const std::vector<std::string> &Argv) {
  EventOutput Out(false);
  auto Agent = findAgentLibrary();
  if (!Agent)
    return Out.error(Agent.takeError(), "startup"), 2;
  auto L = launchWithAgent(Argv, *Agent);
  if (!L)
    return Out.error(L.takeError(), "startup"), 127;
  // Signals from the terminal reach the program too; hotc just waits.
  signal(SIGINT, SIG_IGN);
  fprintf(stderr, "hotc: pid %d runs with the agent; patch it with: hotc watch --pid %d\n",
          L->Pid, L->Pid);
  return waitForExit(L->Pid).shellCode();
}

} // namespace hotc::driver
