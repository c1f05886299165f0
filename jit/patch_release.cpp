// Superseded code given back. The undo history keeps the newest
// `undo_depth` versions; an older one whose functions later versions
// replaced (or that was undone for good) is reached by nothing hotc knows
// of, and the agent checks the rest with the world stopped (no entry, no
// kept undo step, no thread's stack). Its JIT memory is then freed. Code
// whose address was taken as a value, and versions that created functions
// or globals, stay: a pointer to them may be anywhere (LinkedCode::Pinned).
#include "jit/patch_session.h"

#include "llvm/ADT/STLExtras.h"

using namespace llvm;

namespace hotc::jit {
namespace {

// Why V's memory stays whatever runs: empty when it may go.
std::string pinnedReason(const PatchedVersion &V) {
  if (!V.Created.empty())
    return "it created " + V.Created.front() + ", which later code binds to";
  for (const LinkedCode &C : V.Code)
    if (!C.Pinned.empty())
      return C.Pinned;
  return "";
}

// Whether every entry version I re-pointed was re-pointed again by a later
// live version that is itself past the undo history: undoing that one
// would go back to I's code, so it must be out of reach first.
bool supersededLater(ArrayRef<PatchedVersion> All, size_t I, unsigned Horizon) {
  for (const std::string &F : All[I].Functions) {
    auto Next = find_if(All.drop_front(I + 1), [&](const PatchedVersion &Later) {
      return Later.State == VersionState::Live && is_contained(Later.Functions, F);
    });
    if (Next == All.end() || Next->Version > Horizon)
      return false;
  }
  return true;
}

bool mayRelease(ArrayRef<PatchedVersion> All, size_t I, unsigned Horizon) {
  const PatchedVersion &V = All[I];
  if (V.Released || V.Version > Horizon || V.Dylibs.empty() ||
      V.State == VersionState::Pending || V.State == VersionState::Undone)
    return false;
  return V.State != VersionState::Live || supersededLater(All, I, Horizon);
}

} // namespace

size_t PatchSession::releaseBacklog() const {
  unsigned Horizon = undoHorizon();
  ArrayRef<PatchedVersion> All = History.versions();
  size_t N = 0;
  for (size_t I = 0; I < All.size(); ++I)
    if (mayRelease(All, I, Horizon) && All[I].Kept.empty() &&
        pinnedReason(All[I]).empty())
      ++N;
  return N;
}

unsigned PatchSession::undoHorizon() const {
  unsigned Horizon = Generation > UndoDepth ? Generation - UndoDepth : 0;
  // An undone version can be redone: it and what it replaced stay.
  for (const PatchedVersion &V : History.versions())
    if (V.State == VersionState::Undone && V.Version <= Horizon)
      Horizon = V.Version - 1;
  return Horizon;
}

Expected<ReleasedVersions> PatchSession::releaseSuperseded() {
  unsigned Horizon = undoHorizon();
  std::vector<PatchedVersion> &All = History.versions();
  ReleasedVersions Out;
  for (size_t I = 0; I < All.size(); ++I) {
    PatchedVersion &V = All[I];
    if (!mayRelease(All, I, Horizon))
      continue;
    if (std::string Why = pinnedReason(V); !Why.empty()) {
      V.Kept = std::move(Why);
      continue;
    }
    std::vector<std::pair<uint64_t, uint64_t>> Code;
    for (const LinkedCode &C : V.Code)
      append_range(Code, C.CodeBlocks);
    auto Kept = Link.release(V.Version, Horizon, Code, V.Dylibs);
    if (!Kept)
      return Kept.takeError();
    V.Kept = std::move(*Kept);
    if (!V.Kept.empty()) {
      Out.Retry = true; // a thread may still be in it
      continue;
    }
    V.Released = true;
    V.Dylibs.clear();
    for (LinkedCode &C : V.Code)
      C.Object.reset();
    Out.Freed.push_back(V.Version);
  }
  return Out;
}

} // namespace hotc::jit
