// The process's own mappings, as /proc/self/maps lists them: the one
// reader of that file in the agent (the pool placed near an entry, the
// readable ranges a stack copy may touch, the file behind an address).
// Not async-signal-safe: read before the world stops.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hotc::agent {

struct MemoryMapping {
  uint64_t Start = 0, End = 0;
  uint64_t Offset = 0;   // in the file mapped
  bool Readable = false;
  std::string Path;      // "/lib/x.so", "[heap]", or empty (anonymous)
};

// By start address. Empty when the file cannot be read.
std::vector<MemoryMapping> readMemoryMaps();

// The file and offset that back Addr; false for memory no file backs
// (JIT code, trampolines, [heap], [stack]).
bool fileBacking(uint64_t Addr, std::string &Path, uint64_t &Offset);

} // namespace hotc::agent
