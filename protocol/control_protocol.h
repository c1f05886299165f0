// The control channel of a `hotc watch` session: how `hotc undo`, `hotc
// redo` and `hotc history`, run from another terminal, reach the session
// watching a build. Shared by the session (watch/control_socket) and the
// commands (cli/session_commands).
//
// Each session listens on a Unix socket in the agent's private socket
// directory (protocol::socketDirectory(), 0700, ours), named after the pid
// of the hotc process: watch-PID.ctl. Beside it, watch-PID.session holds
// {"build_dir":D,"pid":P} (the build and the process watched), so a client
// finds its session without asking every session (a busy one answers only
// after its patch). A client connects, writes one request
// as a JSON object on one line, reads one JSON object on one line and the
// connection ends. Requests:
//   {"command":"session"}           -> {"ok":true,"build_dir":D,"pid":P}
//   {"command":"history"}           -> {"ok":true,"versions":[...]}
//   {"command":"undo","count":N}    -> {"ok":true,"versions":[...],...}
//   {"command":"redo"}              -> {"ok":true,"versions":[V],...}
//   {"command":"status"}, {"command":"pause"}, {"command":"resume"}
//   {"command":"reload","file":F}   -> {"ok":true,"events":[...]}
//   {"command":"debug","functions":[F...],"off":B}
//                                   -> {"ok":true,"functions":[...],"events":[...]}
// A refusal is {"ok":false,"error":TEXT}.
#pragma once

#include "protocol/agent_protocol.h"

#include <string>

namespace hotc::protocol {

// Longest request or answer line a side reads; longer ones end the
// connection.
inline constexpr size_t kMaxControlLine = 4 << 20;

inline constexpr const char *kControlPrefix = "watch-";
inline constexpr const char *kControlSuffix = ".ctl";

inline constexpr const char *kSessionSuffix = ".session";

inline std::string controlSocketPath(int HotcPid) {
  return socketDirectory() + "/" + kControlPrefix + std::to_string(HotcPid) +
         kControlSuffix;
}

inline std::string sessionInfoPath(int HotcPid) {
  return socketDirectory() + "/" + kControlPrefix + std::to_string(HotcPid) +
         kSessionSuffix;
}

} // namespace hotc::protocol
