// The versions a session applied: the code each linked (to name the
// addresses of a crash) and what each replaced in the session's record of
// the running code (to put it back when the agent undoes a version).
#pragma once

#include "jit/patched_code.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"

#include <optional>
#include <vector>

namespace hotc::jit {

struct PatchedVersion {
  unsigned Version = 0;
  std::vector<LinkedCode> Code;
  // By unit index: each function's hash in UnitState::Live before this
  // version (0: the unit had none).
  std::vector<std::pair<size_t, llvm::StringMap<uint64_t>>> Before;
  bool RolledBack = false;
  // False until the agent confirmed the re-pointing. A patch whose answer
  // never came (the process died of it) still names its code.
  bool Applied = false;
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
  void markLastApplied() {
    if (!Versions.empty())
      Versions.back().Applied = true;
  }
  // The version and source of Pc (a return address when IsReturn), if it
  // lies in code a version linked.
  std::optional<VersionedLocation> locate(uint64_t Pc, bool IsReturn) const;
  // Marks Versions undone; returns the steps that restore the record of
  // the running code, newest version first.
  std::vector<const PatchedVersion *>
  rollBack(llvm::ArrayRef<unsigned> Undone);

private:
  std::vector<PatchedVersion> Versions; // oldest first
};

} // namespace hotc::jit
