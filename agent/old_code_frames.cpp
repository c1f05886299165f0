#include "agent/old_code_frames.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace hotc::agent {
namespace {

// Candidates are looked for at most this far above the stack pointer, and
// the copies of all threads' stacks together stay within kMaxCopied.
constexpr uint64_t kMaxStackBytes = 1ull << 20;
constexpr size_t kMaxCopied = 4u << 20;
constexpr size_t kMaxFindings = 256;
constexpr size_t kMaxStacks = 64;

} // namespace

void OldCodeScan::prepare(std::vector<OldCode> R) {
  Ranges = std::move(R);
  Maps.clear();
  Found.clear();
  Stacks.clear();
  Bytes.clear();
  if (Ranges.empty())
    return;
  Found.reserve(kMaxFindings);
  Stacks.reserve(kMaxStacks);
  Bytes.reserve(kMaxCopied);
  FILE *F = fopen("/proc/self/maps", "re");
  if (!F)
    return;
  char Line[512];
  unsigned long long S, E;
  char Perms[8];
  while (fgets(Line, sizeof(Line), F))
    if (sscanf(Line, "%llx-%llx %7s", &S, &E, Perms) == 3 && Perms[0] == 'r')
      Maps.push_back({S, E});
  fclose(F);
  std::sort(Maps.begin(), Maps.end(),
            [](const Mapping &A, const Mapping &B) { return A.Start < B.Start; });
}

const OldCode *OldCodeScan::rangeOf(uint64_t A) const {
  for (const OldCode &R : Ranges)
    if (A >= R.Start && A < R.End)
      return &R;
  return nullptr;
}

void OldCodeScan::note(int Tid, uint64_t Entry) {
  for (const OldCodeFrame &F : Found)
    if (F.Tid == Tid && F.Entry == Entry)
      return;
  if (Found.size() < Found.capacity()) // never reallocate here
    Found.push_back({Tid, Entry});
}

void OldCodeScan::copyStack(const StoppedThread &T, uint64_t Highest) {
  size_t Length = Highest + 8 - T.sp;
  if (Stacks.size() == Stacks.capacity() ||
      Bytes.size() + Length > Bytes.capacity())
    return; // no room: this thread's candidates stay unconfirmed
  ThreadStack S{T.tid, {T.pc, T.sp}, Bytes.size(), Length};
  std::copy(std::begin(T.saved), std::end(T.saved), S.Regs + 2);
  const char *From = reinterpret_cast<const char *>(T.sp);
  Bytes.insert(Bytes.end(), From, From + Length); // within the capacity
  Stacks.push_back(S);
}

void OldCodeScan::scan(const WorldStop &Stop) {
  if (Ranges.empty())
    return;
  for (const StoppedThread &T : Stop) {
    if (const OldCode *R = rangeOf(T.pc)) {
      note(T.tid, R->Entry);
      continue;
    }
    // The mapping holding the stack pointer bounds what can be read.
    auto It = std::upper_bound(
        Maps.begin(), Maps.end(), T.sp,
        [](uint64_t A, const Mapping &M) { return A < M.Start; });
    if (It == Maps.begin() || T.sp % 8)
      continue;
    const Mapping &M = *(It - 1);
    if (T.sp >= M.End)
      continue;
    uint64_t End = std::min<uint64_t>(M.End, T.sp + kMaxStackBytes);
    uint64_t Highest = 0;
    for (uint64_t A = T.sp; A + 8 <= End; A += 8)
      if (rangeOf(*reinterpret_cast<const uint64_t *>(A)))
        Highest = A;
    if (Highest)
      copyStack(T, Highest);
  }
}

} // namespace hotc::agent
