// Hot-deoptimize (`hotc debug`): functions of an optimised build linked
// unoptimised into the running process, so that a debugger shows every
// local and steps line by line, and linked optimised again afterwards.
//
// The rest of the unit is compiled as the build compiles it; only the
// chosen functions are marked `optnone noinline` before optimisation, so
// the optimiser leaves their bodies as the frontend wrote them and callers
// relinked for an inlined copy call them instead of inlining them again.
// Which functions run unoptimised is kept in the record of the running
// code (UnitState::Live) as marks "O0:SYMBOL" = 1, so that undo and redo
// move it with the code.
#pragma once

#include "jit/function_hash.h"
#include "jit/patch_module.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

#include <string>

namespace llvm {
class Module;
}

namespace hotc::jit {

std::string unoptimisedMark(llvm::StringRef Symbol);

// Whether Symbol runs unoptimised now, by the record.
bool runsUnoptimised(const FunctionHashes &Live, llvm::StringRef Symbol);

// The symbols in M of the Wanted functions. The binary's DWARF names a
// function by its linkage name, except GCC's internal C++ functions (a
// `static int f(int)` is just "f" there, `_ZL1fi` for Clang): those are
// found by the name in their debug info.
llvm::StringSet<> wantedIn(const llvm::Module &M, const llvm::StringSet<> &Wanted);

// Adds to Changed the functions M defines whose running mode differs from
// the one wanted (Wanted: those to run unoptimised; null for none).
void addModeChanges(const llvm::Module &M, const FunctionHashes &Live,
                    const llvm::StringSet<> *Wanted, llvm::StringSet<> &Changed);

// After the patch module is prepared: the replacements of wanted functions
// become `optnone noinline`, and Marks receives the mode of every replaced
// function whose mode is wanted or was recorded (1 unoptimised, 0 not).
void markUnoptimised(llvm::Module &M, const PatchPlan &Plan,
                     const FunctionHashes &Live, const llvm::StringSet<> *Wanted,
                     llvm::StringMap<uint64_t> &Marks);

} // namespace hotc::jit
