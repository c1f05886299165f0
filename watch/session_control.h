// What the watch session does for a control request (protocol/
// control_protocol.h) or a key pressed in its terminal: undo, redo, show
// the history, say which build and process it watches.
#pragma once

#include "jit/patch_session.h"
#include "watch/control_socket.h"
#include "watch/event_output.h"

#include "llvm/Support/JSON.h"

#include <string>

namespace hotc::driver {

// What the event loop keeps for `hotc status`, `pause` and `resume`.
struct SessionState {
  bool Paused = false;
  std::vector<std::string> Pending; // saves held while paused
  std::vector<double> SaveToLiveMs; // each applied patch: noticed -> live
  std::vector<double> ReleaseMs;    // each freeing of superseded code
  // The version `hotc debug` applied last (0: none) and the functions it
  // deoptimised (unit, symbol): `--off` of exactly those undoes it when it
  // is still the newest, so the code before it runs again at its address.
  unsigned DeoptimisedVersion = 0;
  std::vector<std::pair<size_t, std::string>> Deoptimised;
};

struct ControlContext {
  SessionIdentity Id;
  jit::PatchSession &Session;
  EventOutput &Out;
  SessionState &State;
};

// The answer to Request: session, history, status, undo, redo, pause,
// resume (undo and redo also emit their event on Out). `reload` is the
// event loop's: it patches.
llvm::json::Value answerControl(const llvm::json::Object &Request,
                                ControlContext &C);

// `hotc status --json`: what the session is doing and what it cost.
llvm::json::Object statusJson(ControlContext &C);

// The versions of History as `hotc history --json` prints them.
llvm::json::Array historyJson(const jit::PatchHistory &History);

} // namespace hotc::driver
