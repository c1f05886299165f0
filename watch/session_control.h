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

// The answer to Request; undo and redo also emit their event on Out.
llvm::json::Value answerControl(const llvm::json::Object &Request,
                                const SessionIdentity &Id,
                                jit::PatchSession &Session, EventOutput &Out);

// The versions of History as `hotc history --json` prints them.
llvm::json::Array historyJson(const jit::PatchHistory &History);

} // namespace hotc::driver
