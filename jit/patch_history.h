// The versions a session applied: the code each linked (to name the
// addresses of a crash), what each changed in the session's record of the
// running code (to put it back when a version is undone, and forward again
// when it is redone), and what `hotc history` shows of it.
#pragma once

#include "jit/patched_code.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"

#include <chrono>

namespace llvm::orc {
class JITDylib;
}
#include <optional>
#include <string>
#include <vector>

namespace hotc::jit {

enum class VersionState {
  Pending, // linked and about to go live: the agent has not answered
  Live,    // applied (its functions run unless a later version replaced them)
  Undone,  // undone by `hotc undo`: can be redone
  Dropped, // undone, then another version was applied: cannot be redone
  Crashed, // undone by the agent after a crash in it or a later version
};
const char *nameOf(VersionState S);

// A function's canonical hash in UnitState::Live before and after a version
// (0: the unit had no such function).
struct HashChange {
  uint64_t Before = 0, After = 0;
};

struct PatchedVersion {
  unsigned Version = 0;
  std::chrono::system_clock::time_point Time;
  std::vector<std::string> Files;     // units recompiled
  std::vector<std::string> Functions; // entries re-pointed (mangled)
  std::vector<std::string> Created;   // new functions and globals
  std::vector<LinkedCode> Code;
  std::vector<llvm::orc::JITDylib *> Dylibs; // its linked objects
  // Its memory was freed (PatchSession::releaseSuperseded): its addresses
  // may now hold another version's code.
  bool Released = false;
  std::string Kept; // why its memory was not freed when it could have been
  // By unit index: the functions whose hash the version changed.
  std::vector<std::pair<size_t, llvm::StringMap<HashChange>>> Changes;
  VersionState State = VersionState::Pending;
};

struct VersionedLocation {
  unsigned Version = 0;
  CodeLocation Where;
};

class PatchHistory {
public:
  // Keeps the objects (for line numbers) of the newest kLinedVersions only:
  // a long session must not hold every patch object it ever linked.
  static constexpr size_t kLinedVersions = 64;
  void add(PatchedVersion V);
  // The agent applied the newest version: undone ones can no longer be
  // redone (the agent dropped them too).
  void markLastApplied(std::vector<std::string> Functions,
                       std::vector<std::string> Created);
  // The version and source of Pc (a return address when IsReturn), if it
  // lies in code a version linked.
  std::optional<VersionedLocation> locate(uint64_t Pc, bool IsReturn) const;
  // Marks Versions undone (After: by a crash, else by `hotc undo`); returns
  // the versions whose changes to the record of the running code must be
  // put back, newest first.
  std::vector<const PatchedVersion *> undo(llvm::ArrayRef<unsigned> Versions,
                                           VersionState After);
  // The first version from the newest Count live ones (0: none live), or
  // none of them at or below Horizon (older than the undo history).
  unsigned undoStart(unsigned Count, unsigned Horizon = 0) const;
  // The version `hotc redo` applies again: the oldest undone one, if
  // every version after it is undone or crashed.
  const PatchedVersion *redoable() const;
  void markRedone(unsigned Version);
  const std::vector<PatchedVersion> &versions() const { return Versions; }
  std::vector<PatchedVersion> &versions() { return Versions; }

private:
  std::vector<PatchedVersion> Versions; // oldest first
};

} // namespace hotc::jit
