#include "watch/process_launcher.h"

#include <cassert>

#include "protocol/agent_protocol.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace llvm;

namespace hotc::driver {

Expected<std::string> findAgentLibrary() {
  if (const char *P = getenv(protocol::kEnvAgentPath); P && *P) {
    if (!sys::fs::exists(P))
      return createStringError(inconvertibleErrorCode(),
                               "%s names %s, which does not exist",
                               protocol::kEnvAgentPath, P);
    return std::string(P);
  }
  char Self[4096];
  ssize_t N = readlink("/proc/self/exe", Self, sizeof(Self) - 1);
  if (N <= 0)
    return createStringError(inconvertibleErrorCode(),
                             "cannot find hotc's own path");
  Self[N] = 0;
  // The build tree has lib/; an install has its libdir (lib/ or, for a
  // /usr prefix on Debian, lib/x86_64-linux-gnu/).
  StringRef Prefix = sys::path::parent_path(sys::path::parent_path(Self));
  for (StringRef LibDir : {StringRef("lib"), StringRef(HOTC_INSTALL_LIBDIR)}) {
    SmallString<256> Lib(Prefix);
    sys::path::append(Lib, LibDir, "libhotagent.so");
    if (sys::fs::exists(Lib))
      return std::string(Lib.str());
  }
  return createStringError(inconvertibleErrorCode(),
                           "the agent library is missing: expected "
                           "libhotagent.so in %s/lib (set %s to its path)",
                           Prefix.str().c_str(), protocol::kEnvAgentPath);
}

Expected<Launched> launchWithAgent(const std::vector<std::string> &Argv,
                                   const std::string &AgentPath) {
  if (Argv.empty())
    return createStringError(inconvertibleErrorCode(), "no program to run");
  std::string Preload = AgentPath;
  if (const char *Old = getenv("LD_PRELOAD"); Old && *Old)
    Preload += std::string(":") + Old;
  std::vector<char *> Args;
  for (const std::string &A : Argv)
    Args.push_back(const_cast<char *>(A.c_str()));
  Args.push_back(nullptr);

  // Errors of exec travel back through a close-on-exec pipe.
  int Pipe[2];
  if (pipe2(Pipe, O_CLOEXEC) != 0)
    return errorCodeToError(std::error_code(errno, std::generic_category()));
  pid_t Pid = fork();
  if (Pid < 0)
    return errorCodeToError(std::error_code(errno, std::generic_category()));
  if (Pid == 0) {
    close(Pipe[0]);
    sigset_t None;
    sigemptyset(&None);
    sigprocmask(SIG_SETMASK, &None, nullptr);
    setenv(protocol::kEnvTargetPid, std::to_string(getpid()).c_str(), 1);
    setenv("LD_PRELOAD", Preload.c_str(), 1);
    execvp(Args[0], Args.data());
    int E = errno;
    (void)!write(Pipe[1], &E, sizeof(E));
    _exit(127);
  }
  close(Pipe[1]);
  int ExecErrno = 0;
  ssize_t Got = read(Pipe[0], &ExecErrno, sizeof(ExecErrno));
  close(Pipe[0]);
  if (Got == sizeof(ExecErrno)) {
    waitpid(Pid, nullptr, 0);
    return createStringError(std::error_code(ExecErrno, std::generic_category()),
                             "cannot run %s: %s", Argv[0].c_str(),
                             strerror(ExecErrno));
  }
  auto PidFd = openPidFd(Pid);
  if (!PidFd)
    return PidFd.takeError();
  return Launched{Pid, *PidFd};
}

ExitStatus waitForExit(int Pid) {
  int Status = 0;
  while (waitpid(Pid, &Status, 0) < 0 && errno == EINTR) {
  }
  if (WIFSIGNALED(Status))
    return {0, WTERMSIG(Status)};
  assert(WIFEXITED(Status) && "waitpid without WUNTRACED reports ends only");
  return {WEXITSTATUS(Status), 0};
}

Expected<int> openPidFd(int Pid) {
  int FD = static_cast<int>(syscall(SYS_pidfd_open, Pid, 0));
  if (FD < 0)
    return createStringError(std::error_code(errno, std::generic_category()),
                             "no process %d: %s", Pid, strerror(errno));
  return FD;
}

} // namespace hotc::driver
