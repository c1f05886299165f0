#include "watch/control_socket.h"

#include "protocol/control_protocol.h"

#include "llvm/Support/raw_ostream.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

using namespace llvm;

namespace hotc::driver {
namespace {

Error failure(const std::string &What) {
  return createStringError(inconvertibleErrorCode(), "%s: %s", What.c_str(),
                           strerror(errno));
}

bool peerIsOurUser(int Fd) {
  ucred Cred{};
  socklen_t Len = sizeof(Cred);
  return getsockopt(Fd, SOL_SOCKET, SO_PEERCRED, &Cred, &Len) == 0 &&
         Cred.uid == getuid();
}

// Reads up to the first newline, within a second in all.
bool readLine(int Fd, std::string &Line, std::string &Why) {
  auto Deadline = std::chrono::steady_clock::now() + std::chrono::seconds(1);
  char Buf[4096];
  for (;;) {
    auto Left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    Deadline - std::chrono::steady_clock::now())
                    .count();
    pollfd P{Fd, POLLIN, 0};
    if (Left <= 0 || poll(&P, 1, static_cast<int>(Left)) <= 0) {
      Why = "a control client sent no request within a second";
      return false;
    }
    ssize_t N = read(Fd, Buf, sizeof(Buf));
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0) {
      Why = "a control client closed before its request ended";
      return false;
    }
    Line.append(Buf, static_cast<size_t>(N));
    if (size_t End = Line.find('\n'); End != std::string::npos) {
      Line.resize(End);
      return true;
    }
    if (Line.size() > protocol::kMaxControlLine) {
      Why = "a control client sent a request longer than the limit";
      return false;
    }
  }
}

// Written whole under a temporary name, then renamed: a reader never sees
// half of it.
Error writeSessionInfo(const std::string &Path, const SessionIdentity &Id) {
  std::string Text;
  raw_string_ostream(Text) << json::Value(
      json::Object{{"build_dir", Id.BuildDir}, {"pid", Id.Pid}});
  std::string Tmp = Path + ".tmp";
  std::error_code EC;
  {
    raw_fd_ostream OS(Tmp, EC);
    if (!EC)
      OS << Text;
  }
  if (!EC && ::rename(Tmp.c_str(), Path.c_str()) != 0)
    EC = std::error_code(errno, std::generic_category());
  if (EC)
    return createStringError(EC, "cannot write %s: %s", Path.c_str(),
                             EC.message().c_str());
  return Error::success();
}

} // namespace

Expected<std::unique_ptr<ControlSocket>>
ControlSocket::open(const SessionIdentity &Id) {
  std::string Dir, Why;
  if (!protocol::preparePrivateDirectory(Dir, Why))
    return createStringError(inconvertibleErrorCode(), "%s", Why.c_str());
  std::string Path = protocol::controlSocketPath(getpid());
  sockaddr_un Addr{};
  Addr.sun_family = AF_UNIX;
  if (Path.size() >= sizeof(Addr.sun_path))
    return createStringError(inconvertibleErrorCode(),
                             "control socket path too long: %s", Path.c_str());
  memcpy(Addr.sun_path, Path.c_str(), Path.size() + 1);
  int Fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (Fd < 0)
    return failure("cannot create the control socket");
  unlink(Path.c_str()); // an earlier hotc's, with our pid
  mode_t Old = umask(077);
  bool Ok = bind(Fd, reinterpret_cast<sockaddr *>(&Addr), sizeof(Addr)) == 0 &&
            listen(Fd, 8) == 0;
  umask(Old);
  if (!Ok) {
    Error E = failure("cannot listen on " + Path);
    close(Fd);
    return std::move(E);
  }
  std::unique_ptr<ControlSocket> S(
      new ControlSocket(Fd, Path, protocol::sessionInfoPath(getpid())));
  if (Error E = writeSessionInfo(S->Info, Id))
    return std::move(E);
  return S;
}

ControlSocket::~ControlSocket() {
  close(Listener);
  unlink(Path.c_str());
  unlink(Info.c_str());
}

std::optional<ControlSocket::Client> ControlSocket::accept(std::string &Why) {
  Why.clear();
  int Fd = accept4(Listener, nullptr, nullptr, SOCK_CLOEXEC);
  if (Fd < 0)
    return std::nullopt;
  timeval Timeout{1, 0}; // a client that stops reading does not stall hotc
  setsockopt(Fd, SOL_SOCKET, SO_SNDTIMEO, &Timeout, sizeof(Timeout));
  if (!peerIsOurUser(Fd)) {
    Why = "refused a control connection from another user";
    close(Fd);
    return std::nullopt;
  }
  std::string Line;
  if (!readLine(Fd, Line, Why)) {
    close(Fd);
    return std::nullopt;
  }
  Expected<json::Value> V = json::parse(Line);
  if (!V || !V->getAsObject()) {
    Why = "a control client sent a request that is not a JSON object" +
          (V ? std::string() : ": " + toString(V.takeError()));
    Client C{Fd, {}};
    reply(C, json::Object{{"ok", false}, {"error", Why}});
    return std::nullopt;
  }
  return Client{Fd, std::move(*V->getAsObject())};
}

void ControlSocket::reply(Client &C, const json::Value &Answer) {
  std::string Text;
  raw_string_ostream(Text) << Answer << '\n';
  for (size_t Off = 0; Off < Text.size();) {
    ssize_t N = write(C.Fd, Text.data() + Off, Text.size() - Off);
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      break; // the client went away: nothing to tell it
    Off += static_cast<size_t>(N);
  }
  close(C.Fd);
  C.Fd = -1;
}

} // namespace hotc::driver
