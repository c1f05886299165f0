#include "agent/entry_patcher.h"

#include "agent/agent_thread.h"
#include "agent/debugger_marks.h"
#include "agent/memory_maps.h"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <csignal>
#include <ctime>
#include <dirent.h>
#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

namespace hotc::agent {
namespace {

constexpr uint64_t kPoolSize = 64 * 1024;
constexpr uint64_t kSlotSize = 16;
constexpr int64_t kReach = (1ll << 31) - 1;
constexpr int kMaxTries = 200;

uint64_t pageSize() { return static_cast<uint64_t>(sysconf(_SC_PAGESIZE)); }

std::string hex(uint64_t V) {
  char B[32];
  snprintf(B, sizeof(B), "0x%" PRIx64, V);
  return B;
}

bool reachable(uint64_t From, uint64_t To) {
  int64_t D = static_cast<int64_t>(To - From);
  return D > -kReach && D < kReach;
}

// Maps a pool in the free gap closest to Near, within rel32 reach of it.
uint64_t mapPoolNear(uint64_t Near) {
  std::vector<MemoryMapping> Maps = readMemoryMaps();
  std::vector<uint64_t> Candidates;
  uint64_t Prev = 0x10000;
  for (const MemoryMapping &R : Maps) {
    if (R.Start > Prev && R.Start - Prev >= kPoolSize * 2) {
      Candidates.push_back((Prev + kPoolSize) & ~(kPoolSize - 1));
      Candidates.push_back((R.Start - 2 * kPoolSize) & ~(kPoolSize - 1));
    }
    Prev = std::max(Prev, R.End);
  }
  std::sort(Candidates.begin(), Candidates.end(), [&](uint64_t A, uint64_t B) {
    return (A > Near ? A - Near : Near - A) < (B > Near ? B - Near : Near - B);
  });
  for (uint64_t C : Candidates) {
    if (!reachable(Near, C) || !reachable(Near, C + kPoolSize))
      continue;
    void *P = mmap(reinterpret_cast<void *>(C), kPoolSize, PROT_READ | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (P == MAP_FAILED)
      continue;
    if (reinterpret_cast<uint64_t>(P) != C) { // kernel without NOREPLACE
      munmap(P, kPoolSize);
      continue;
    }
    return C;
  }
  return 0;
}

bool setProtection(uint64_t Addr, uint64_t Len, int Prot) {
  uint64_t PS = pageSize();
  uint64_t Start = Addr & ~(PS - 1);
  uint64_t End = (Addr + Len + PS - 1) & ~(PS - 1);
  return mprotect(reinterpret_cast<void *>(Start), End - Start, Prot) == 0;
}

// Whether a thread other than the caller may run the program's code: any
// thread of the process but the caller and the agent's own (named
// hotc-agent, agent/world_stop.h). Not for a fault handler: it allocates.
bool otherProgramThreads() {
  std::string Self = std::to_string(gettid());
  DIR *D = opendir("/proc/self/task");
  if (!D)
    return true; // unknown: assume there are
  bool Other = false;
  while (dirent *E = readdir(D)) {
    if (E->d_name[0] < '0' || E->d_name[0] > '9' || Self == E->d_name)
      continue;
    char Name[32] = {};
    std::string Path = std::string("/proc/self/task/") + E->d_name + "/comm";
    if (FILE *F = fopen(Path.c_str(), "re")) {
      if (!fgets(Name, sizeof(Name), F))
        Name[0] = 0;
      fclose(F);
    } else {
      continue; // it ended
    }
    if (!isAgentThreadName(Name)) {
      Other = true;
      break;
    }
  }
  closedir(D);
  return Other;
}

constexpr int kWritable = PROT_READ | PROT_WRITE | PROT_EXEC;
constexpr int kCode = PROT_READ | PROT_EXEC;

} // namespace

std::string EntryPatcher::allocateSlot(uint64_t Entry, uint64_t &Slot) {
  for (Pool &P : Pools)
    if (P.Used + kSlotSize <= P.Size && reachable(Entry + 5, P.Base + P.Used) &&
        reachable(Entry + 5, P.Base + P.Used + kSlotSize)) {
      Slot = P.Base + P.Used;
      P.Used += kSlotSize;
      return "";
    }
  uint64_t Base = mapPoolNear(Entry);
  if (!Base)
    return "no free address range within 2 GB of " + hex(Entry) +
           " for a trampoline";
  Pools.push_back({Base, kPoolSize, kSlotSize});
  Slot = Base;
  return "";
}

std::string EntryPatcher::plan(const std::vector<EntryPatch> &Patches,
                               VersionUndo &V) {
  bool Traced = debuggerAttached();
  for (const EntryPatch &P : Patches) {
    auto It = Entries.find(P.Entry);
    if (It != Entries.end() && It->second.Jumping) {
      V.Undo.Repoints.push_back({It->second.Slot, *It->second.Slot});
      V.Redo.Repoints.push_back({It->second.Slot, P.Target});
      continue;
    }
    if (P.Room < 5)
      return "the function at " + hex(P.Entry) + " has only " +
             std::to_string(P.Room) +
             " bytes, too few for a 5-byte jump; build with "
             "-fpatchable-function-entry=16,14 or at -O0";
    // The bytes saved for undo must be the function's own, not a
    // debugger's int3 (debugger_marks.h).
    if (std::string Mark = Traced ? debuggerMarkIn(P.Entry, 5) : "";
        !Mark.empty())
      return Mark;
    uint64_t Slot = 0;
    if (It != Entries.end()) {
      Slot = reinterpret_cast<uint64_t>(It->second.Slot) - 8;
    } else {
      if (std::string Err = allocateSlot(P.Entry, Slot); !Err.empty())
        return Err;
      // The slot is unreachable until the entry jumps to it, so it can be
      // filled now, before the world stops.
      static const uint8_t Jump[8] = {0xFF, 0x25, 0x02, 0, 0, 0, 0xCC, 0xCC};
      if (!setProtection(Slot, kSlotSize, kWritable))
        return std::string("cannot write a trampoline: ") + strerror(errno);
      memcpy(reinterpret_cast<void *>(Slot), Jump, sizeof(Jump));
      memcpy(reinterpret_cast<void *>(Slot + 8), &P.Target, 8);
      setProtection(Slot, kSlotSize, kCode);
    }
    PlannedWrite W{P.Entry, {0xE9}, {}};
    int32_t Rel = static_cast<int32_t>(Slot - (P.Entry + 5));
    memcpy(W.Bytes + 1, &Rel, 4);
    memcpy(W.Expect, reinterpret_cast<const void *>(P.Entry), 5);
    V.Redo.Writes.push_back(W);
    PlannedWrite Back{P.Entry, {}, {}};
    memcpy(Back.Bytes, W.Expect, 5);
    memcpy(Back.Expect, W.Bytes, 5);
    V.Undo.Writes.push_back(Back);
    V.Redo.Repoints.push_back(
        {reinterpret_cast<uint64_t *>(Slot + 8), P.Target});
  }
  return "";
}

// Stops the world at a moment when no thread executes the bytes about to be
// overwritten. Returns with the world stopped, or an error with it running.
std::string EntryPatcher::stopClearOf(const std::vector<PlannedWrite> &Writes) {
  for (int Try = 0; Try < kMaxTries; ++Try) {
    std::string Why;
    if (!Stop.stop(Why))
      return Why;
    uint64_t BusyAt = 0;
    for (const StoppedThread &T : Stop)
      for (const PlannedWrite &W : Writes)
        if (T.pc > W.Entry && T.pc < W.Entry + 5)
          BusyAt = W.Entry;
    if (!BusyAt)
      return "";
    Stop.release();
    timespec Wait{0, 200 * 1000};
    nanosleep(&Wait, nullptr);
  }
  return "a thread kept executing the first bytes of the function at the "
         "entry being patched; try again";
}

// Runs with the world stopped: no allocation here (Pages was reserved).
// Each page is made writable once, written, and made code again.
std::string EntryPatcher::write(std::vector<PlannedWrite> &Writes,
                                std::vector<PlannedRepoint> &Repoints,
                                std::vector<uint64_t> &Pages) {
  uint64_t PS = pageSize();
  auto AddPage = [&](uint64_t Addr, uint64_t Len) {
    for (uint64_t P = Addr & ~(PS - 1); P < Addr + Len; P += PS)
      if (std::find(Pages.begin(), Pages.end(), P) == Pages.end())
        Pages.push_back(P);
  };
  for (const PlannedWrite &W : Writes)
    AddPage(W.Entry, 5);
  for (const PlannedRepoint &R : Repoints)
    AddPage(reinterpret_cast<uint64_t>(R.Slot), 8);
  size_t Opened = 0;
  int Errno = 0;
  for (; Opened < Pages.size(); ++Opened)
    if (!setProtection(Pages[Opened], PS, kWritable)) {
      Errno = errno;
      break;
    }
  if (Opened == Pages.size()) {
    for (const PlannedWrite &W : Writes)
      memcpy(reinterpret_cast<void *>(W.Entry), W.Bytes, 5);
    // An aligned 8-byte store is atomic: a thread about to jump through the
    // slot sees either the old or the new target, never a mix.
    for (const PlannedRepoint &R : Repoints)
      __atomic_store_n(R.Slot, R.Target, __ATOMIC_RELEASE);
  }
  for (size_t I = 0; I < Opened; ++I)
    setProtection(Pages[I], PS, kCode);
  if (Opened < Pages.size())
    return "cannot make the code at " + hex(Pages[Opened]) +
           " writable: " + strerror(Errno) + "; nothing was patched";
  return "";
}

// Runs with the world stopped only between stopClearOf and release; the
// pages were reserved, so nothing allocates then (a fault handler may be
// the caller).
std::string EntryPatcher::writeStopped(Steps &S, OldCodeScan *Scan,
                                       const StoppedThread *Self) {
  if (S.Writes.empty() && S.Repoints.empty()) // it moves no entry
    return "";
  bool StopOthers = !Self || (!S.Writes.empty() && otherProgramThreads());
  if (StopOthers) {
    if (std::string Err = stopClearOf(S.Writes); !Err.empty())
      return Err;
    if (Scan)
      Scan->scan(Stop);
  }
  if (Self && Scan)
    Scan->scanThread(*Self);
  // An entry that no longer holds what the agent left there was changed by
  // someone else: a debugger's int3 would be corrupted by a write now.
  for (const PlannedWrite &W : S.Writes)
    if (memcmp(reinterpret_cast<const void *>(W.Entry), W.Expect, 5) != 0) {
      if (StopOthers)
        Stop.release();
      return "the first bytes of the function at " + hex(W.Entry) +
             " are no longer what the agent left there (a debugger's "
             "breakpoint on its first instruction?); delete it and try "
             "again; nothing was patched";
    }
  S.Pages.clear();
  // At a safe point the writing thread is the program's own: a signal
  // handler of the program must not run between two of the writes.
  sigset_t All, Before;
  sigfillset(&All);
  if (Self)
    pthread_sigmask(SIG_BLOCK, &All, &Before);
  std::string Err = write(S.Writes, S.Repoints, S.Pages);
  if (Self)
    pthread_sigmask(SIG_SETMASK, &Before, nullptr);
  if (StopOthers)
    Stop.release();
  return Err;
}

uint64_t EntryPatcher::currentTarget(uint64_t Entry) {
  std::lock_guard<std::mutex> Guard(Lock);
  auto It = Entries.find(Entry);
  return It != Entries.end() && It->second.Jumping
             ? __atomic_load_n(It->second.Slot, __ATOMIC_ACQUIRE)
             : 0;
}

std::string EntryPatcher::apply(uint64_t Version,
                                const std::vector<EntryPatch> &Patches,
                                OldCodeScan *Scan, const StoppedThread *Self) {
  std::lock_guard<std::mutex> Guard(Lock);
  VersionUndo V{Version, {}, {}, false};
  V.Redo.Writes.reserve(Patches.size());
  V.Redo.Repoints.reserve(Patches.size());
  if (std::string Err = plan(Patches, V); !Err.empty())
    return Err;
  for (Steps *S : {&V.Undo, &V.Redo})
    S->Pages.reserve(2 * (S->Writes.size() + S->Repoints.size()) + 2);
  History.reserve(History.size() + 1); // no allocation once it is live
  if (std::string Err = writeStopped(V.Redo, Scan, Self); !Err.empty())
    return Err;
  // Undone versions can no longer be redone once another one is applied:
  // what they would put back is no longer what runs.
  History.erase(std::remove_if(History.begin(), History.end(),
                               [](const VersionUndo &U) { return U.Reverted; }),
                History.end());
  markJumping(V.Redo, V.Undo);
  History.push_back(std::move(V));
  ++Applied;
  return "";
}

void EntryPatcher::markJumping(const Steps &Redo, const Steps &Undo) {
  for (const PlannedWrite &W : Redo.Writes) {
    int32_t Rel;
    memcpy(&Rel, W.Bytes + 1, 4);
    uint64_t Slot = W.Entry + 5 + static_cast<int64_t>(Rel);
    auto [It, New] = Entries.try_emplace(
        W.Entry, EntryState{reinterpret_cast<uint64_t *>(Slot + 8), true, {}});
    It->second.Jumping = true;
    if (New)
      for (const PlannedWrite &B : Undo.Writes)
        if (B.Entry == W.Entry)
          memcpy(It->second.Original, B.Bytes, 5);
  }
}

// Runs in a fault handler: nothing here allocates.
std::string EntryPatcher::revert(VersionUndo &V) {
  if (std::string Err = writeStopped(V.Undo); !Err.empty())
    return Err;
  for (const PlannedWrite &W : V.Undo.Writes)
    if (auto It = Entries.find(W.Entry); It != Entries.end())
      It->second.Jumping = false;
  V.Reverted = true;
  return "";
}

void EntryPatcher::revertLocked(uint64_t Version, uint64_t *Reverted,
                                size_t Max, size_t &NumReverted,
                                std::string &Err) {
  for (size_t I = History.size(); I-- > 0 && Err.empty();) {
    VersionUndo &U = History[I];
    if (U.Reverted || U.Version < Version)
      continue;
    Err = revert(U);
    if (Err.empty() && NumReverted < Max)
      Reverted[NumReverted++] = U.Version;
  }
}

std::string EntryPatcher::revertFrom(uint64_t Version, uint64_t *Reverted,
                                     size_t Max, size_t &NumReverted) {
  NumReverted = 0;
  // The patcher may be applying a patch on the agent's thread; this thread
  // still answers its world stop while it waits here.
  bool Locked = false;
  for (int Try = 0; Try < 2000 && !(Locked = Lock.try_lock()); ++Try) {
    timespec Wait{0, 1000 * 1000};
    nanosleep(&Wait, nullptr);
  }
  if (!Locked)
    return "the agent was busy applying a patch";
  if (Version <= Forgotten) {
    Lock.unlock();
    return "the version is older than the undo history kept (undo_depth)";
  }
  std::string Err;
  revertLocked(Version, Reverted, Max, NumReverted, Err);
  Lock.unlock();
  return Err;
}

std::string EntryPatcher::undoFrom(uint64_t Version,
                                   std::vector<uint64_t> &Undone) {
  std::lock_guard<std::mutex> Guard(Lock);
  if (Version <= Forgotten)
    return "version " + std::to_string(Version) +
           " is older than the undo history kept (undo_depth)";
  Undone.assign(History.size(), 0);
  size_t N = 0;
  std::string Err;
  revertLocked(Version, Undone.data(), Undone.size(), N, Err);
  Undone.resize(N);
  return Err;
}

std::string EntryPatcher::redo(uint64_t Version) {
  std::lock_guard<std::mutex> Guard(Lock);
  size_t I = 0;
  while (I < History.size() && History[I].Version != Version)
    ++I;
  if (I == History.size() || !History[I].Reverted)
    return "version " + std::to_string(Version) + " is not undone";
  if (I > 0 && History[I - 1].Reverted)
    return "version " + std::to_string(History[I - 1].Version) +
           " must be redone first";
  VersionUndo &V = History[I];
  if (std::string Err = writeStopped(V.Redo); !Err.empty())
    return Err;
  markJumping(V.Redo, V.Undo);
  V.Reverted = false;
  ++Applied;
  return "";
}

void EntryPatcher::forgetUpTo(uint64_t Horizon) {
  std::lock_guard<std::mutex> Guard(Lock);
  if (Horizon <= Forgotten)
    return;
  Forgotten = Horizon;
  History.erase(std::remove_if(History.begin(), History.end(),
                               [&](const VersionUndo &U) {
                                 return U.Version <= Horizon;
                               }),
                History.end());
}

std::string EntryPatcher::findUsers(OldCodeScan &Scan) {
  std::lock_guard<std::mutex> Guard(Lock);
  auto Inside = [&](uint64_t A) {
    for (const OldCode &R : Scan.ranges())
      if (A >= R.Start && A < R.End)
        return true;
    return false;
  };
  // A slot is reached only while its entry jumps to it; a stale one is
  // rewritten before its entry jumps again (by a patch or a redo step).
  for (const auto &[Entry, E] : Entries)
    if (E.Jumping && Inside(__atomic_load_n(E.Slot, __ATOMIC_ACQUIRE)))
      return "the function at " + hex(Entry) + " runs it";
  for (const VersionUndo &V : History)
    for (const Steps *S : {&V.Undo, &V.Redo})
      for (const PlannedRepoint &R : S->Repoints)
        if (Inside(R.Target))
          return "undoing or redoing version " + std::to_string(V.Version) +
                 " would run it again";
  std::string Why;
  if (!Stop.stop(Why))
    return Why;
  Scan.scan(Stop);
  Stop.release();
  for (const OldCodeFrame &F : Scan.found())
    if (F.Entry == 0)
      return "the stack of thread " + std::to_string(F.Tid) +
             " could not be read whole (it may be in a signal handler on "
             "its alternate stack)";
  if (!Scan.found().empty())
    return "thread " + std::to_string(Scan.found().front().Tid) +
           " is running it or will return into it";
  return "";
}

} // namespace hotc::agent
