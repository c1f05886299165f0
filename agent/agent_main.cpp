// The agent's start-up and its socket: decides whether to run in this
// process, creates the private socket, and serves one hotc at a time with
// ORC's executor server.
#include "agent/agent_services.h"
#include "agent/agent_thread.h"
#include "agent/bounded_transport.h"
#include "protocol/agent_protocol.h"

#include "llvm/ExecutionEngine/Orc/TargetProcess/SimpleExecutorDylibManager.h"
#include "llvm/ExecutionEngine/Orc/TargetProcess/SimpleExecutorMemoryManager.h"
#include "llvm/ExecutionEngine/Orc/TargetProcess/SimpleRemoteEPCServer.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <thread>
#include <unistd.h>

using namespace llvm;
using namespace llvm::orc;

namespace hotc::agent {
namespace {

std::string SocketPath;

void say(const char *Fmt, ...) {
  char Buf[1024];
  va_list Args;
  va_start(Args, Fmt);
  vsnprintf(Buf, sizeof(Buf), Fmt, Args);
  va_end(Args);
  fprintf(stderr, "[hotc-agent %d] %s\n", getpid(), Buf);
}

bool verbose() {
  const char *V = getenv("HOTC_AGENT_VERBOSE");
  return V && *V && *V != '0';
}

// JIT memory must outlive the connection that allocated it: patched entries
// keep jumping into it after hotc disconnects or dies.
class PersistentMemoryManager
    : public rt_bootstrap::SimpleExecutorMemoryManager {
public:
  Error shutdown() override { return Error::success(); }
};

// The agent runs in the process hotc started (its pid is in the
// environment) and in processes that link it without hotc; never in the
// children of a process hotc started, which inherit LD_PRELOAD.
bool shouldStart() {
  if (const char *Off = getenv("HOTC_AGENT"); Off && strcmp(Off, "0") == 0)
    return false;
  const char *Pid = getenv(protocol::kEnvTargetPid);
  return !Pid || atoi(Pid) == getpid();
}

// Sockets and crash logs of processes that are gone: a process killed by a
// signal could not remove its socket, and a crash log nobody read stays.
void removeStaleFiles(const std::string &Dir) {
  DIR *D = opendir(Dir.c_str());
  if (!D)
    return;
  while (dirent *E = readdir(D)) {
    char *End = nullptr;
    long Pid = strtol(E->d_name, &End, 10);
    if (End == E->d_name || Pid <= 0 ||
        (strcmp(End, ".sock") != 0 && strcmp(End, ".crash") != 0))
      continue;
    if (kill(static_cast<pid_t>(Pid), 0) != 0 && errno == ESRCH)
      unlinkat(dirfd(D), E->d_name, 0);
  }
  closedir(D);
}

int listenOn(const std::string &Path, std::string &Why) {
  sockaddr_un Addr{};
  Addr.sun_family = AF_UNIX;
  if (Path.size() >= sizeof(Addr.sun_path)) {
    Why = "socket path too long: " + Path;
    return -1;
  }
  memcpy(Addr.sun_path, Path.c_str(), Path.size() + 1);
  int FD = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  unlink(Path.c_str()); // a stale socket of an earlier process with our pid
  mode_t Old = umask(077);
  bool Ok = FD >= 0 &&
            bind(FD, reinterpret_cast<sockaddr *>(&Addr), sizeof(Addr)) == 0 &&
            listen(FD, 4) == 0;
  umask(Old);
  if (!Ok) {
    Why = "cannot listen on " + Path + ": " + strerror(errno);
    if (FD >= 0)
      close(FD);
    return -1;
  }
  return FD;
}

bool peerIsOurUser(int FD) {
  ucred Cred{};
  socklen_t Len = sizeof(Cred);
  if (getsockopt(FD, SOL_SOCKET, SO_PEERCRED, &Cred, &Len) != 0)
    return false;
  if (Cred.uid == getuid())
    return true;
  say("refused a connection from uid %u (pid %d): only uid %u may patch this "
      "process",
      Cred.uid, Cred.pid, getuid());
  return false;
}

Error setUpServer(SimpleRemoteEPCServer::Setup &S) {
  S.setDispatcher(std::make_unique<SimpleRemoteEPCServer::ThreadDispatcher>());
  S.bootstrapSymbols() = SimpleRemoteEPCServer::defaultBootstrapSymbols();
  addServiceSymbols(S.bootstrapSymbols());
  S.setBootstrapMapValue<uint64_t, uint64_t>(protocol::kVersionKey,
                                             protocol::kProtocolVersion);
  S.services().push_back(std::make_unique<PersistentMemoryManager>());
  // dlsym in the process, for symbols of libraries loaded after hotc read
  // the symbol tables.
  S.services().push_back(
      std::make_unique<rt_bootstrap::SimpleExecutorDylibManager>());
  return Error::success();
}

std::atomic<bool> SessionActive{false};

// One hotc session, on its own thread so the listener can answer others.
void runSession(int FD) {
  auto Server =
      SimpleRemoteEPCServer::Create<BoundedTransport>(setUpServer, FD);
  if (!Server) {
    // The transport, started before the setup message failed, closes FD
    // when its reader ends.
    say("cannot start a session: %s", toString(Server.takeError()).c_str());
    SessionActive = false;
    return;
  }
  BoundedTransport::open(FD);
  if (verbose())
    say("hotc connected");
  Error Err = (*Server)->waitForDisconnect();
  std::string Msg = Err ? toString(std::move(Err)) : "";
  if (verbose())
    say("hotc disconnected%s%s", Msg.empty() ? "" : ": ", Msg.c_str());
  // Keep the server object: destroying it would tear down its services,
  // and the code it linked is still running.
  Server->release();
  SessionActive = false;
}

void serve(int Listener) {
  // Signals meant for the application must not land on agent threads; the
  // threads ORC starts for us inherit this mask. SIGPIPE stays blocked so a
  // vanished hotc is an error from write(), not the death of the process.
  sigset_t Mask;
  sigfillset(&Mask);
  sigdelset(&Mask, SIGRTMAX - 3); // the world-stop signal
  for (int Sync : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT})
    sigdelset(&Mask, Sync);
  pthread_sigmask(SIG_SETMASK, &Mask, nullptr);
  pthread_setname_np(pthread_self(), kAgentThreadName);

  for (;;) {
    int FD = accept4(Listener, nullptr, nullptr, SOCK_CLOEXEC);
    if (FD < 0) {
      if (errno == EINTR || errno == ECONNABORTED)
        continue;
      say("accept failed: %s; the agent stops listening", strerror(errno));
      return;
    }
    if (!peerIsOurUser(FD)) {
      close(FD);
      continue;
    }
    if (SessionActive.exchange(true)) {
      (void)!write(FD, &protocol::kBusy, 1);
      close(FD);
      continue;
    }
    if (write(FD, &protocol::kGreeting, 1) != 1) {
      close(FD);
      SessionActive = false;
      continue;
    }
    std::thread(runSession, FD).detach();
  }
}

void removeSocket() {
  if (!SocketPath.empty())
    unlink(SocketPath.c_str());
}

__attribute__((constructor)) void startAgent() {
  if (!shouldStart())
    return;
  std::string Dir, Why;
  if (!protocol::preparePrivateDirectory(Dir, Why) || !initServices(Why)) {
    say("not started: %s", Why.c_str());
    return;
  }
  removeStaleFiles(Dir);
  std::string Path = protocol::socketPath(getpid());
  int Listener = listenOn(Path, Why);
  if (Listener < 0) {
    say("not started: %s", Why.c_str());
    return;
  }
  SocketPath = Path;
  atexit(removeSocket);
  if (verbose())
    say("listening on %s", Path.c_str());
  std::thread(serve, Listener).detach();
}

} // namespace
} // namespace hotc::agent
