// A crash in patched code as hotc tells it: the agent's record with its
// addresses named by the versions that linked them.
#pragma once

#include "jit/patch_history.h"
#include "watch/crash_log.h"

#include <optional>
#include <string>
#include <vector>

namespace hotc::jit {
class PatchSession;
}

namespace hotc::driver {

struct CrashFrame {
  uint64_t Address = 0;
  std::optional<jit::VersionedLocation> Patched; // unset outside patched code
};

struct CrashReport {
  CrashRecord Record;
  std::vector<CrashFrame> Frames;
  std::optional<jit::VersionedLocation> Fault; // the innermost patched frame
  std::string LeftFunction;                     // when rolled back
  std::vector<std::string> UndoneUnits;         // their next patch compiles whole
};

// Names the frames of R and, when the agent rolled back, puts the session's
// record of the running code back to before the undone versions.
CrashReport takeCrash(CrashRecord R, jit::PatchSession &Session);

} // namespace hotc::driver
