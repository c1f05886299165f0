// From a prepared patch module to an ELF object: the build's optimisation
// level, then x86-64 code for the JIT linker (PIC, small code model, one
// section per function so each entry has room to be re-pointed later).
#pragma once

#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Target/TargetMachine.h"

#include <memory>

namespace hotc::jit {

class ObjectCodegen {
public:
  static llvm::Expected<std::unique_ptr<ObjectCodegen>>
  create(const std::string &Triple);

  // Optimises M as the build did (after the keep/demote transform, so live
  // state is only declarations) and emits an object file.
  llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
  emit(llvm::Module &M, unsigned OptLevel);

private:
  std::unique_ptr<llvm::TargetMachine> TM;
};

} // namespace hotc::jit
