// gdb's JIT interface in the process: the list of patch objects gdb reads
// (registered by LLVM's JITLoaderGDB when each patch is finalised). When
// the code of a version is freed its objects must leave the list first: a
// debugger attaching later would read memory that is gone, or another
// patch's bytes where the object was.
#pragma once

#include "agent/old_code_frames.h"

#include <vector>

namespace hotc::agent {

// Takes off the list (telling an attached gdb) every object one of whose
// loaded sections lies in Ranges. Returns how many.
size_t unregisterDebugObjectsIn(const std::vector<OldCode> &Ranges);

} // namespace hotc::agent
