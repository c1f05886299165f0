// Functions a save removed while code still calls them. Applied, such a
// patch would leave the process running code that the build on disk can no
// longer link (the callers keep reaching the old body), so it is refused.
#pragma once

#include "jit/function_hash.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace hotc::jit {

class RemovedStillUsed : public llvm::ErrorInfo<RemovedStillUsed> {
public:
  static char ID;
  struct Removed {
    std::string Symbol;
    std::vector<std::string> Users; // "caller() (c.cpp)"
  };
  RemovedStillUsed(std::string Unit, std::vector<Removed> R)
      : Unit(std::move(Unit)), Functions(std::move(R)) {}
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }
  const std::string &unit() const { return Unit; }

private:
  std::string Unit;
  std::vector<Removed> Functions;
};

// One unit of a patch: what the process runs of it, and its new module.
struct RecompiledUnit {
  const std::string *File = nullptr;
  const FunctionHashes *Live = nullptr;
  const llvm::Module *Now = nullptr;
  // Only the edited functions were generated: what it lacks is not removed,
  // but what it defines or calls counts.
  bool Partial = false;
};

// A function is removed when its unit's whole new module no longer
// defines it, no module of the patch does, and DefinedElsewhere(Symbol)
// says no other unit of the process does (a function moved to another
// file earlier); it is an error while a module of the patch still calls
// it. (The rebuild set puts every caller the static graph knows into the
// patch, generated whole: a removal changes the function's signature.)
llvm::Error
checkRemovedFunctions(llvm::ArrayRef<RecompiledUnit> Units,
                      llvm::function_ref<bool(llvm::StringRef)> DefinedElsewhere);

} // namespace hotc::jit
