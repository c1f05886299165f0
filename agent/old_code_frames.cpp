#include "agent/old_code_frames.h"
#include "agent/memory_maps.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <sys/uio.h>
#include <unistd.h>

namespace hotc::agent {
namespace {

// Candidates are looked for at most this far above the stack pointer, and
// the copies of all threads' stacks together stay within kMaxCopied.
constexpr uint64_t kMaxStackBytes = 1ull << 20;
constexpr size_t kMaxCopied = 4u << 20;
constexpr size_t kMaxFindings = 256;
constexpr size_t kMaxStacks = 64;
constexpr size_t kChunk = 64 * 1024;

// Copies up to Length bytes at From into To, stopping at the first page
// that cannot be read (the mappings were read before the world stopped: a
// heap trimmed since, holding a fiber's stack, must not fault the app).
// Async-signal-safe; returns the bytes copied.
size_t readOwn(uint64_t From, char *To, size_t Length) {
  iovec Local{To, Length};
  iovec Remote{reinterpret_cast<void *>(From), Length};
  ssize_t N = process_vm_readv(getpid(), &Local, 1, &Remote, 1, 0);
  return N < 0 ? 0 : static_cast<size_t>(N);
}

} // namespace

void OldCodeScan::prepare(std::vector<OldCode> R, bool W) {
  Ranges = std::move(R);
  Whole = W;
  Maps.clear();
  Found.clear();
  Stacks.clear();
  Bytes.clear();
  if (Ranges.empty())
    return;
  Found.reserve(kMaxFindings);
  Stacks.reserve(kMaxStacks);
  if (!Whole)
    Bytes.reserve(kMaxCopied);
  Scratch.resize(kChunk);
  for (const MemoryMapping &M : readMemoryMaps()) // by start address
    if (M.Readable)
      Maps.push_back({M.Start, M.End});
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
  size_t At = Bytes.size();
  Bytes.resize(At + Length); // within the capacity: no allocation
  if (readOwn(T.sp, Bytes.data() + At, Length) != Length) {
    Bytes.resize(At);
    return;
  }
  Stacks.push_back(S);
}

void OldCodeScan::scan(const WorldStop &Stop) {
  for (const StoppedThread &T : Stop)
    scanThread(T);
}

void OldCodeScan::scanThread(const StoppedThread &T) {
  if (Ranges.empty())
    return;
  // A thread at the very entry takes the new jump: not in old code.
  if (const OldCode *R = rangeOf(T.pc); R && (Whole || T.pc != R->Entry)) {
    note(T.tid, R->Entry);
    return;
  }
  // The mapping holding the stack pointer bounds what is looked at.
  auto It = std::upper_bound(
      Maps.begin(), Maps.end(), T.sp,
      [](uint64_t A, const Mapping &M) { return A < M.Start; });
  if (Whole && T.agent)
    return; // its stack holds addresses as data, from earlier calls
  // On the alternate signal stack the stack it was interrupted on is
  // elsewhere, and not known here.
  if (Whole && T.onAltStack) {
    note(T.tid, 0);
    return;
  }
  if (Whole)
    for (uint64_t Reg : T.saved)
      if (const OldCode *R = rangeOf(Reg))
        note(T.tid, R->Entry);
  // Freeing needs every stack looked at: one that cannot be is a user.
  if (It == Maps.begin() || T.sp % 8 || T.sp >= (It - 1)->End) {
    if (Whole)
      note(T.tid, 0);
    return;
  }
  const Mapping &M = *(It - 1);
  uint64_t End = Whole ? M.End : std::min<uint64_t>(M.End, T.sp + kMaxStackBytes);
  uint64_t Highest = 0;
  for (uint64_t At = T.sp; At < End; At += kChunk) {
    size_t Want = std::min<uint64_t>(kChunk, End - At);
    size_t Got = readOwn(At, Scratch.data(), Want);
    for (size_t I = 0; I + 8 <= Got; I += 8) {
      uint64_t Word;
      memcpy(&Word, Scratch.data() + I, 8);
      if (const OldCode *R = rangeOf(Word)) {
        Highest = At + I;
        if (Whole)
          note(T.tid, R->Entry);
      }
    }
    if (Got < Want) {
      if (Whole)
        note(T.tid, 0);
      break; // the rest is gone
    }
  }
  if (Highest && !Whole)
    copyStack(T, Highest);
}

} // namespace hotc::agent
