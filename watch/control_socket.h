// The watch session's end of its control channel (protocol/
// control_protocol.h): a private Unix socket that `hotc undo`, `redo` and
// `history` from another terminal connect to. The event loop polls fd();
// each ready client is accepted, its one request read with a deadline, and
// answered.
#pragma once

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

#include <memory>
#include <optional>
#include <string>

namespace hotc::driver {

struct SessionIdentity {
  std::string BuildDir; // absolute
  int Pid = 0;          // the process watched
};

class ControlSocket {
public:
  // Listens on protocol::controlSocketPath(getpid()) and writes Id to
  // protocol::sessionInfoPath(getpid()).
  static llvm::Expected<std::unique_ptr<ControlSocket>>
  open(const SessionIdentity &Id);
  ~ControlSocket(); // closes and removes the socket and the session file
  ControlSocket(const ControlSocket &) = delete;
  ControlSocket &operator=(const ControlSocket &) = delete;

  int fd() const { return Listener; }
  const std::string &path() const { return Path; }

  struct Client {
    int Fd = -1;
    llvm::json::Object Request;
  };
  // Accepts one waiting client and reads its request. A peer of another
  // user, one that sends nothing within a second, too much, or not a JSON
  // object is closed; Why says what it did (empty: nothing was waiting).
  std::optional<Client> accept(std::string &Why);
  // Writes the answer and ends the connection.
  static void reply(Client &C, const llvm::json::Value &Answer);

private:
  ControlSocket(int Listener, std::string Path, std::string Info)
      : Listener(Listener), Path(std::move(Path)), Info(std::move(Info)) {}
  int Listener;
  std::string Path, Info;
};

} // namespace hotc::driver
