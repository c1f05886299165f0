// Functions a save removed while code still calls them. Applied, such a
// patch would leave the process running code that the build on disk can no
// longer link (the callers keep reaching the old body), so it is refused.
#pragma once

#include "function_hash.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

#include <functional>
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
  size_t Index = 0;          // in the patch session
  const std::string *File = nullptr;
  const FunctionHashes *Live = nullptr;
  const llvm::Module *Now = nullptr;
  bool Partial = false;      // only some functions generated: nothing to tell
};

// UsersElsewhere(Index, Symbol, Whole): the users of the function Symbol
// that unit Index's source defined, in units other than Whole (those whose
// new module is complete: their calls are read from it); from the static
// graph, empty when it does not know Symbol as a plain function of that
// unit. A function is removed when its unit no longer defines it and no
// other unit of the patch does; it is an error while a module of the patch
// still calls it or UsersElsewhere names a user.
using RemovedUsers = std::function<std::vector<std::string>(
    size_t Index, llvm::StringRef Symbol, llvm::ArrayRef<size_t> Whole)>;
llvm::Error checkRemovedFunctions(llvm::ArrayRef<RecompiledUnit> Units,
                                  const RemovedUsers &UsersElsewhere);

} // namespace hotc::jit
