#include "watch/fleet.h"

#include "protocol/agent_protocol.h"
#include "watch/background_index.h"
#include "watch/process_build.h"
#include "watch/event_output.h"

#include "llvm/Support/Error.h"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <set>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hotc::driver {
namespace {

// One watched process and the hotc session child that patches it.
struct Session {
  int Pid = 0;   // the process watched
  pid_t Hotc = -1;
  int Fds[3] = {-1, -1, -1}; // read ends: its stdout, stderr, events (fd 3)
  std::string Partial[3];    // a line not ended yet, per fd
  bool Ended = false;
  int Code = 0;
  bool Disk = false; // it keeps the build on disk in step
};

bool alive(int Pid) { return kill(Pid, 0) == 0 || errno == EPERM; }

// Processes with the agent (a socket in the agent's directory) that run
// code of Dir.
std::vector<int> processesOf(const std::string &Dir) {
  std::vector<int> Out;
  DIR *D = opendir(protocol::socketDirectory().c_str());
  if (!D)
    return Out;
  while (dirent *E = readdir(D)) {
    char *End = nullptr;
    long Pid = strtol(E->d_name, &End, 10);
    if (Pid > 0 && End && strcmp(End, ".sock") == 0 && alive(int(Pid)) &&
        !binariesOf(int(Pid), Dir).empty())
      Out.push_back(int(Pid));
  }
  closedir(D);
  return Out;
}

std::string selfExecutable() {
  char Buf[PATH_MAX];
  ssize_t N = readlink("/proc/self/exe", Buf, sizeof(Buf) - 1);
  return N > 0 ? std::string(Buf, size_t(N)) : "hotc-core";
}

// Starts `hotc watch ARGS --pid N --events fd:3`, its outputs piped here.
llvm::Expected<Session> start(const FleetOptions &Opts, int Pid, bool DiskBuild) {
  std::vector<std::string> Args = {"hotc", "watch"};
  Args.insert(Args.end(), Opts.SessionArgs.begin(), Opts.SessionArgs.end());
  for (const char *A : {"--pid", "", "--events", "fd:3", "--no-status-line"})
    Args.push_back(*A ? A : std::to_string(Pid));
  if (!DiskBuild && std::find(Args.begin(), Args.end(), "--no-disk-build") ==
                        Args.end())
    Args.push_back("--no-disk-build");
  int Pipes[3][2];
  for (int I = 0; I < 3; ++I)
    if (pipe2(Pipes[I], O_CLOEXEC) != 0)
      return llvm::createStringError(
          std::error_code(errno, std::generic_category()),
          "cannot start the session of pid %d", Pid);
  std::string Exe = selfExecutable();
  std::vector<char *> Argv;
  for (std::string &A : Args)
    Argv.push_back(A.data());
  Argv.push_back(nullptr);
  Session S;
  S.Pid = Pid;
  S.Disk = DiskBuild;
  S.Hotc = fork();
  if (S.Hotc == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM); // never outlive the fleet
    int Null = open("/dev/null", O_RDONLY);
    dup2(Null, 0);
    for (int I = 0; I < 3; ++I)
      dup2(Pipes[I][1], I + 1); // dup2 clears O_CLOEXEC on the copy
    sigset_t None;
    sigemptyset(&None);
    sigprocmask(SIG_SETMASK, &None, nullptr);
    execv(Exe.c_str(), Argv.data());
    _exit(127);
  }
  for (int I = 0; I < 3; ++I) {
    close(Pipes[I][1]);
    S.Fds[I] = Pipes[I][0];
  }
  if (S.Hotc < 0)
    return llvm::createStringError(
        std::error_code(errno, std::generic_category()),
        "cannot start the session of pid %d", Pid);
  return S;
}

// Where the lines of the sessions go.
struct Outputs {
  bool Json;
  FILE *Events; // null: none
  void line(const Session &S, int Fd, const std::string &L) {
    if (Fd == 2) { // events
      for (FILE *To : {Json ? stdout : nullptr, Events})
        if (To) {
          fprintf(To, "%s\n", L.c_str());
          fflush(To);
        }
    } else if (Fd == 1 || !Json) {
      FILE *To = Fd == 0 ? stdout : stderr;
      fprintf(To, "[pid %d] %s\n", S.Pid, L.c_str());
      fflush(To);
    }
  }
};

// Reads what Fd has; passes on every whole line. False at its end.
bool drain(Session &S, int I, Outputs &Out) {
  char Buf[65536];
  ssize_t N = read(S.Fds[I], Buf, sizeof(Buf));
  if (N < 0 && errno == EINTR)
    return true;
  if (N <= 0) {
    if (!S.Partial[I].empty())
      Out.line(S, I, S.Partial[I]);
    S.Partial[I].clear();
    close(S.Fds[I]);
    S.Fds[I] = -1;
    return false;
  }
  S.Partial[I].append(Buf, size_t(N));
  for (size_t End; (End = S.Partial[I].find('\n')) != std::string::npos;) {
    Out.line(S, I, S.Partial[I].substr(0, End));
    S.Partial[I].erase(0, End + 1);
  }
  return true;
}

void reap(Session &S) {
  int Status = 0;
  if (waitpid(S.Hotc, &Status, 0) == S.Hotc)
    S.Code = WIFEXITED(Status) ? WEXITSTATUS(Status) : 128 + WTERMSIG(Status);
  S.Ended = true;
}

} // namespace

namespace {

// The signals that end a fleet, blocked and read from the returned
// signalfd; SIGPIPE stays blocked (a reader of the events that went away
// is an error of the write, not the end of hotc).
int stopSignals() {
  sigset_t Stop;
  sigemptyset(&Stop);
  for (int S : {SIGINT, SIGTERM, SIGHUP})
    sigaddset(&Stop, S);
  sigaddset(&Stop, SIGPIPE);
  sigprocmask(SIG_BLOCK, &Stop, nullptr);
  sigdelset(&Stop, SIGPIPE);
  return signalfd(-1, &Stop, SFD_CLOEXEC | SFD_NONBLOCK);
}

// The sessions of one fleet, and what it ends with.
struct Fleet {
  const FleetOptions &Opts;
  std::string Dir; // the build directory, real path
  Outputs &Out;
  std::vector<Session> Sessions;
  std::set<int> Seen; // every pid a session was started for, once
  int FirstFailure = 0, Signal = 0;

  // Starts a session for Pid, unless one was started for it before.
  void attach(int Pid) {
    if (!Seen.insert(Pid).second)
      return;
    // One running session at a time keeps the build on disk in step.
    bool Disk = std::none_of(Sessions.begin(), Sessions.end(),
                             [](const Session &S) { return S.Disk && !S.Ended; });
    auto S = start(Opts, Pid, Disk);
    if (!S) {
      fprintf(stderr, "hotc watch: %s\n", llvm::toString(S.takeError()).c_str());
      FirstFailure = FirstFailure ? FirstFailure : 2;
      return;
    }
    if (!Opts.Json)
      fprintf(stderr, "hotc: watching pid %d (session %d)\n", Pid, S->Hotc);
    Sessions.push_back(std::move(*S));
  }

  // A stop signal: each session stops watching; its process runs on.
  void stop(int Sig) {
    Signal = Sig;
    for (Session &S : Sessions)
      if (!S.Ended)
        kill(S.Hotc, SIGTERM);
  }

  // Output of Sessions[I]'s pipe F; a session whose pipes are all closed
  // is reaped.
  void serve(size_t I, int F) {
    Session &S = Sessions[I];
    if (drain(S, F, Out) || S.Fds[0] >= 0 || S.Fds[1] >= 0 || S.Fds[2] >= 0)
      return;
    reap(S);
    if (S.Code && !FirstFailure && !Signal)
      FirstFailure = S.Code;
    if (!Opts.Json)
      fprintf(stderr, "hotc: the session of pid %d ended (exit code %d)\n", S.Pid,
              S.Code);
  }

  // One wait for a signal or session output, and what it brought; false
  // once the fleet is done (no session runs, and --all is not waiting for
  // new processes).
  bool step(int SigFd) {
    std::vector<pollfd> Fds{{SigFd, POLLIN, 0}};
    std::vector<std::pair<size_t, int>> Of; // Fds[i + 1] is Sessions[first].Fds[second]
    size_t Running = 0;
    for (size_t I = 0; I < Sessions.size(); ++I) {
      Running += !Sessions[I].Ended;
      for (int F = 0; F < 3; ++F)
        if (Sessions[I].Fds[F] >= 0) {
          Fds.push_back({Sessions[I].Fds[F], POLLIN, 0});
          Of.push_back({I, F});
        }
    }
    if (Running == 0 && (!Opts.All || Signal))
      return false;
    if (poll(Fds.data(), Fds.size(), Opts.All && !Signal ? 500 : -1) < 0 &&
        errno != EINTR)
      return false;
    if (Fds[0].revents) {
      signalfd_siginfo Info;
      if (read(SigFd, &Info, sizeof(Info)) == sizeof(Info) && !Signal)
        stop(static_cast<int>(Info.ssi_signo));
    }
    for (size_t J = 1; J < Fds.size(); ++J)
      if (Fds[J].revents)
        serve(Of[J - 1].first, Of[J - 1].second);
    if (Opts.All && !Signal) // a process started since is attached
      for (int Pid : processesOf(Dir))
        attach(Pid);
    return true;
  }
};

} // namespace

int runFleet(const FleetOptions &Opts) {
  Outputs Out{Opts.Json, nullptr};
  if (!Opts.EventsTo.empty()) {
    auto Channel = openEventsChannel(Opts.EventsTo);
    if (!Channel) {
      fprintf(stderr, "hotc watch: %s\n",
              llvm::toString(Channel.takeError()).c_str());
      return 2;
    }
    Out.Events = *Channel;
  }
  int SigFd = stopSignals();
  Fleet F{Opts, realPathOf(Opts.BuildDir), Out};
  for (int Pid : Opts.Pids)
    F.attach(Pid);
  if (Opts.All) {
    for (int Pid : processesOf(F.Dir))
      F.attach(Pid);
    if (F.Sessions.empty() && !Opts.Json)
      fprintf(stderr, "hotc: no process running code of %s has the agent yet; "
                      "waiting for one (start it with hotc run)\n", F.Dir.c_str());
  }
  while (F.step(SigFd)) {
  }
  if (Out.Events)
    fclose(Out.Events);
  return F.Signal ? 128 + F.Signal : F.FirstFailure;
}

} // namespace hotc::driver
