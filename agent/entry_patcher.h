// Re-pointing function entries to new code, the agent's half of a patch.
//
// Each patched function keeps its original entry as its stable home. The
// first patch writes a 5-byte `jmp rel32` at the entry to a trampoline slot
// allocated within ±2 GB of it; the slot holds `jmp *8(%rip)` and the address
// of the newest code. Later patches only store a new address into the slot,
// so chains never form and every caller, function pointer and vtable slot
// reaches the newest version through the one entry.
#pragma once

#include "agent/old_code_frames.h"
#include "agent/world_stop.h"

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

namespace hotc::agent {

struct EntryPatch {
  uint64_t Entry;  // address of the function's original first instruction
  uint64_t Target; // address of the new code
  uint64_t Room;   // bytes that may be overwritten at Entry
};

class EntryPatcher {
public:
  // Applies every patch while all other threads are stopped, or none, as
  // hotc's version Version. Returns an empty string on success, the reason
  // otherwise.
  // Scan (when given) is run while the world is stopped for the writes:
  // the threads still inside the old code.
  // Self: the caller is a program thread at a safe point, with these
  // registers (agent/safe_point.h). Other threads are then stopped only if
  // the patch writes a jump at an entry for the first time and the
  // process has other program threads (one could be executing those
  // bytes); re-pointing a trampoline is one atomic store, safe while they
  // run. Scan then looks at the caller's own stack (and at the stopped
  // threads' if they were stopped).
  std::string apply(uint64_t Version, const std::vector<EntryPatch> &Patches,
                    OldCodeScan *Scan = nullptr,
                    const StoppedThread *Self = nullptr);
  // Where the entry jumps now (the newest version's code); 0 when hotc
  // never re-pointed it or an undo put its original bytes back.
  uint64_t currentTarget(uint64_t Entry);
  unsigned long appliedCount() const { return Applied; }

  // Puts back every entry as it was before version Version, undoing each
  // applied version from Version up, newest first, all while the other
  // threads are stopped. Safe in a signal handler: it allocates nothing
  // (the undo steps were prepared by apply) and waits at most ~2 s for the
  // patcher's lock. Reverted receives the versions undone (at most Max).
  std::string revertFrom(uint64_t Version, uint64_t *Reverted, size_t Max,
                         size_t &NumReverted);
  // The same outside a signal handler (hotc's undo): waits for the lock.
  std::string undoFrom(uint64_t Version, std::vector<uint64_t> &Undone);
  // Applies again the undone version Version, exactly as it was applied.
  // Only the oldest of the undone versions at the end of the history can
  // be redone: a version applied after an undo drops the undone ones.
  std::string redo(uint64_t Version);

  // Versions up to Horizon can no longer be undone, redone or reverted
  // after a crash: their steps are dropped (hotc keeps an undo history of
  // bounded depth, so the code they would put back can be freed).
  void forgetUpTo(uint64_t Horizon);
  // Whether anything reaches the code of Scan's ranges: an entry that
  // jumps to it, a kept undo or redo step that would put it back, or
  // (with the world stopped) a thread's program counter or a word of its
  // stack. Empty when nothing does; else what does.
  std::string findUsers(OldCodeScan &Scan);

private:
  struct Pool {
    uint64_t Base;
    uint64_t Size;
    uint64_t Used;
  };
  // Bytes written at an entry, and the bytes it must hold until then: what
  // the agent left there (a debugger may have put a breakpoint since).
  struct PlannedWrite {
    uint64_t Entry;
    uint8_t Bytes[5];
    uint8_t Expect[5];
  };
  struct PlannedRepoint {
    uint64_t *Slot;
    uint64_t Target;
  };
  // An entry hotc re-pointed at least once: its trampoline slot, whether
  // the entry jumps to it now (a revert of its first patch puts the
  // original bytes back), and those bytes.
  struct EntryState {
    uint64_t *Slot;
    bool Jumping;
    uint8_t Original[5];
  };
  // The writes of one direction of a version: apply (Redo) or undo.
  struct Steps {
    std::vector<PlannedWrite> Writes;     // bytes at entries
    std::vector<PlannedRepoint> Repoints; // trampoline targets
    std::vector<uint64_t> Pages;          // reserved for write()
  };
  // One applied version: what undoes it, prepared when it was applied (the
  // original bytes and previous targets back), and what applies it again.
  struct VersionUndo {
    uint64_t Version;
    Steps Undo;
    Steps Redo;
    bool Reverted;
  };

  std::string plan(const std::vector<EntryPatch> &Patches, VersionUndo &V);
  std::string allocateSlot(uint64_t Entry, uint64_t &Slot);
  std::string stopClearOf(const std::vector<PlannedWrite> &Writes);
  std::string write(std::vector<PlannedWrite> &Writes,
                    std::vector<PlannedRepoint> &Repoints,
                    std::vector<uint64_t> &Pages);
  std::string revert(VersionUndo &V);
  void revertLocked(uint64_t Version, uint64_t *Reverted, size_t Max,
                    size_t &NumReverted, std::string &Err);
  // Writes S with the world stopped clear of its entries (or, at a safe
  // point, as apply says).
  std::string writeStopped(Steps &S, OldCodeScan *Scan = nullptr,
                           const StoppedThread *Self = nullptr);
  // The entries Redo writes a jump at jump to their trampolines now (Undo
  // holds their original bytes).
  void markJumping(const Steps &Redo, const Steps &Undo);

  std::mutex Lock;
  std::unordered_map<uint64_t, EntryState> Entries;
  std::vector<VersionUndo> History; // oldest first
  uint64_t Forgotten = 0;           // versions up to it were forgotten
  std::vector<Pool> Pools;
  WorldStop Stop;
  unsigned long Applied = 0;
};

} // namespace hotc::agent
