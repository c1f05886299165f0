// The canonical hash of each function's IR: the ground truth of "did this
// function change". Two compiles of a function that differ only in debug
// info, line numbers, metadata numbering, attribute-group numbering or the
// names Clang gave its private constants (`.str.3`) hash the same.
#pragma once

#include "llvm/ADT/StringMap.h"
#include "llvm/IR/Module.h"

namespace llvm {
class ModuleSlotTracker;
}

#include <cstdint>
#include <string>

namespace hotc::jit {

using FunctionHashes = llvm::StringMap<uint64_t>;

// Hashes of every function defined in M, by symbol name.
FunctionHashes canonicalFunctionHashes(const llvm::Module &M);

// What initialises global Name in M: its constant initialiser and the code
// of the dynamic initialisers that use it. 0 when M does not define it.
uint64_t initialiserHash(const llvm::Module &M, llvm::StringRef Name);

// The text that is hashed for one function. Slots: one tracker for all the
// functions of a module (a fresh one walks its metadata again).
std::string canonicalFunctionText(const llvm::Function &F,
                                  const llvm::StringMap<std::string> &Constants,
                                  llvm::ModuleSlotTracker &Slots);

// Private constants of M renamed by content: name -> "c.<hash>".
llvm::StringMap<std::string> constantNamesByContent(const llvm::Module &M);

} // namespace hotc::jit
