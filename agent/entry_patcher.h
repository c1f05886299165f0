// Re-pointing function entries to new code, the agent's half of a patch.
//
// Each patched function keeps its original entry as its stable home. The
// first patch writes a 5-byte `jmp rel32` at the entry to a trampoline slot
// allocated within ±2 GB of it; the slot holds `jmp *8(%rip)` and the address
// of the newest code. Later patches only store a new address into the slot,
// so chains never form and every caller, function pointer and vtable slot
// reaches the newest version through the one entry.
#pragma once

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
  // Applies every patch while all other threads are stopped, or none.
  // Returns an empty string on success, the reason otherwise.
  std::string apply(const std::vector<EntryPatch> &Patches);
  unsigned long appliedCount() const { return Applied; }

private:
  struct Pool {
    uint64_t Base;
    uint64_t Size;
    uint64_t Used;
  };
  struct PlannedWrite {
    uint64_t Entry;
    uint8_t Bytes[5];
  };
  struct PlannedRepoint {
    uint64_t *Slot;
    uint64_t Target;
  };

  std::string plan(const std::vector<EntryPatch> &Patches,
                   std::vector<PlannedWrite> &Writes,
                   std::vector<PlannedRepoint> &Repoints);
  std::string allocateSlot(uint64_t Entry, uint64_t &Slot);
  std::string stopClearOf(const std::vector<PlannedWrite> &Writes);
  std::string write(std::vector<PlannedWrite> &Writes,
                    std::vector<PlannedRepoint> &Repoints,
                    std::vector<uint64_t> &Pages);

  std::mutex Lock;
  std::unordered_map<uint64_t, uint64_t *> TargetOfEntry;
  std::vector<Pool> Pools;
  WorldStop Stop;
  unsigned long Applied = 0;
};

} // namespace hotc::agent
