// The warnings of a patch for threads that keep running the code it
// replaced (agent/old_code_frames.h finds them; jit/stack_unwind.h
// confirms the candidates' frames): "main() is running on the main thread
// (tid 4242) and keeps its old code until it returns".
#pragma once

#include "jit/link_session.h"
#include "jit/stack_unwind.h"

#include "llvm/ADT/ArrayRef.h"

#include <string>
#include <vector>

namespace hotc::jit {

// Warnings with one more for each thread Report shows inside the old code
// of one of Entries (process Pid names its threads).
std::vector<std::string>
appendOldCodeWarnings(std::vector<std::string> Warnings,
                      const OldCodeReport &Report, StackUnwinder &Unwinder,
                      llvm::ArrayRef<EntryRepoint> Entries, int Pid);

} // namespace hotc::jit
