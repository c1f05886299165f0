// hotc's own resident memory, as `ready` and `hotc status` report it.
#pragma once

#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/MemoryBuffer.h"

#include <cstddef>

namespace hotc {

// VmRSS of /proc/self/status in bytes, 0 if unknown.
inline size_t residentBytes() {
  auto Buf = llvm::MemoryBuffer::getFileAsStream("/proc/self/status");
  if (!Buf)
    return 0;
  llvm::SmallVector<llvm::StringRef, 64> Lines;
  (*Buf)->getBuffer().split(Lines, '\n');
  for (llvm::StringRef Line : Lines) {
    size_t KB = 0;
    if (Line.consume_front("VmRSS:") &&
        !Line.trim().split(' ').first.getAsInteger(10, KB))
      return KB * 1024;
  }
  return 0;
}

} // namespace hotc
