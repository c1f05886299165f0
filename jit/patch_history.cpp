#include "jit/patch_history.h"

#include "llvm/ADT/STLExtras.h"

namespace hotc::jit {

void PatchHistory::add(PatchedVersion V) {
  Versions.push_back(std::move(V));
  if (Versions.size() > kLinedVersions)
    for (LinkedCode &C : Versions[Versions.size() - kLinedVersions - 1].Code)
      C.Object.reset(); // its functions are still named, without a line
}

std::optional<VersionedLocation> PatchHistory::locate(uint64_t Pc,
                                                      bool IsReturn) const {
  for (const PatchedVersion &V : Versions)
    for (const LinkedCode &C : V.Code)
      if (auto L = jit::locate(C, Pc, IsReturn))
        return VersionedLocation{V.Version, std::move(*L)};
  return std::nullopt;
}

std::vector<const PatchedVersion *>
PatchHistory::rollBack(llvm::ArrayRef<unsigned> Undone) {
  std::vector<const PatchedVersion *> Steps;
  for (auto It = Versions.rbegin(); It != Versions.rend(); ++It)
    if (It->Applied && !It->RolledBack &&
        llvm::is_contained(Undone, It->Version)) {
      It->RolledBack = true;
      Steps.push_back(&*It);
    }
  return Steps;
}

} // namespace hotc::jit
