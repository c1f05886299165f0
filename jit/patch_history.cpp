#include "jit/patch_history.h"

#include "llvm/ADT/STLExtras.h"

namespace hotc::jit {

const char *nameOf(VersionState S) {
  switch (S) {
  case VersionState::Pending:
    return "pending";
  case VersionState::Live:
    return "live";
  case VersionState::Undone:
    return "undone";
  case VersionState::Dropped:
    return "dropped";
  case VersionState::Crashed:
    return "crashed";
  }
  return "?";
}

void PatchHistory::add(PatchedVersion V) {
  // A version whose patch failed before going live is tried again under
  // the same number.
  if (!Versions.empty() && Versions.back().State == VersionState::Pending)
    Versions.pop_back();
  Versions.push_back(std::move(V));
  if (Versions.size() > kLinedVersions)
    for (LinkedCode &C : Versions[Versions.size() - kLinedVersions - 1].Code)
      C.Object.reset(); // its functions are still named, without a line
}

void PatchHistory::markLastApplied(std::vector<std::string> Functions,
                                   std::vector<std::string> Created) {
  if (Versions.empty())
    return;
  for (PatchedVersion &V : Versions)
    if (V.State == VersionState::Undone)
      V.State = VersionState::Dropped;
  PatchedVersion &Last = Versions.back();
  Last.State = VersionState::Live;
  Last.Functions = std::move(Functions);
  Last.Created = std::move(Created);
}

std::optional<VersionedLocation> PatchHistory::locate(uint64_t Pc,
                                                      bool IsReturn) const {
  for (const PatchedVersion &V : Versions) {
    if (V.Released)
      continue; // another version's code may be at its addresses now
    for (const LinkedCode &C : V.Code)
      if (auto L = jit::locate(C, Pc, IsReturn))
        return VersionedLocation{V.Version, std::move(*L)};
  }
  return std::nullopt;
}

std::vector<const PatchedVersion *>
PatchHistory::undo(llvm::ArrayRef<unsigned> Undone, VersionState After) {
  std::vector<const PatchedVersion *> Steps;
  for (auto It = Versions.rbegin(); It != Versions.rend(); ++It)
    if (It->State == VersionState::Live &&
        llvm::is_contained(Undone, It->Version)) {
      It->State = After;
      Steps.push_back(&*It);
    }
  return Steps;
}

unsigned PatchHistory::undoStart(unsigned Count, unsigned Horizon) const {
  unsigned Start = 0;
  for (auto It = Versions.rbegin(); It != Versions.rend() && Count; ++It)
    if (It->State == VersionState::Live) {
      if (It->Version <= Horizon)
        return 0;
      Start = It->Version;
      --Count;
    }
  return Start;
}

const PatchedVersion *PatchHistory::redoable() const {
  const PatchedVersion *Oldest = nullptr;
  for (auto It = Versions.rbegin(); It != Versions.rend(); ++It) {
    if (It->State == VersionState::Undone)
      Oldest = &*It;
    else if (It->State != VersionState::Crashed)
      break;
  }
  return Oldest;
}

void PatchHistory::markRedone(unsigned Version) {
  for (PatchedVersion &V : Versions)
    if (V.Version == Version)
      V.State = VersionState::Live;
}

} // namespace hotc::jit
