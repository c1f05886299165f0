// The agent's versions, seen from the link session: undo, redo, and
// freeing the memory of a version nobody can return to.
#include "jit/link_session.h"

#include "protocol/agent_protocol.h"

#include <cassert>

using namespace llvm;
using namespace llvm::orc;

namespace hotc::jit {

Expected<std::vector<uint64_t>> LinkSession::undoFrom(uint64_t Version) {
  Expected<std::vector<uint64_t>> Result = std::vector<uint64_t>();
  if (Error E =
          ES->callSPSWrapper<protocol::SPSUndoSig>(UndoFn, Result, Version)) {
    consumeError(Result.takeError()); // never set: the call did not return
    return std::move(E);
  }
  return Result;
}

Error LinkSession::redo(uint64_t Version) {
  Error Result = Error::success();
  if (Error E =
          ES->callSPSWrapper<protocol::SPSRedoSig>(RedoFn, Result, Version)) {
    consumeError(std::move(Result)); // never set: the call did not return
    return E;
  }
  return Result;
}

Expected<std::string>
LinkSession::release(uint64_t Version, uint64_t Horizon,
                     ArrayRef<std::pair<uint64_t, uint64_t>> Code,
                     ArrayRef<JITDylib *> Dylibs) {
  std::vector<std::tuple<uint64_t, uint64_t>> Ranges(Code.begin(), Code.end());
  std::string Kept;
  if (Error E = ES->callSPSWrapper<protocol::SPSReleaseSig>(
          ReleaseFn, Kept, Version, Horizon, Ranges))
    return std::move(E);
  if (!Kept.empty())
    return Kept;
  // Nothing reaches the code now: ORC takes its unwind information off
  // the process's list, drops its debug objects and frees its memory.
  Error Freed = Error::success();
  for (JITDylib *JD : Dylibs) {
    assert(JD && "a version's dylibs are the ones it linked");
    Freed = joinErrors(std::move(Freed), ES->removeJITDylib(*JD));
  }
  if (Freed)
    return std::move(Freed);
  return "";
}

} // namespace hotc::jit
