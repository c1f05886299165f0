// `hotc debug [--off] FUNCTION...` in the watch session (hot-deoptimize):
// each FUNCTION (a name, a symbol, or FILE:LINE) found in the process's
// DWARF, the session told which functions to link unoptimised
// (jit/unoptimised_functions.h), and their units relinked now.
#pragma once

#include "jit/link_session.h"
#include "jit/patch_session.h"
#include "watch/event_output.h"
#include "watch/session_control.h"
#include "watch/watch_loop.h"

#include "llvm/Support/JSON.h"

namespace hotc::driver {

struct DebugContext {
  jit::LinkSession &Link;
  jit::PatchSession &Session;
  WatchLoop &Loop;
  EventOutput &Out;
  SessionState &State;
};

// The answer to {"command":"debug","functions":[...],"off":bool}: ok, the
// functions (demangled) and the events the relink caused; or an error.
llvm::json::Value answerDebug(const llvm::json::Object &Request, DebugContext &C);

} // namespace hotc::driver
