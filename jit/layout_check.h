// Refusing edits that change the layout of a type the process has objects
// of: code compiled against the new layout would misread every existing
// object (DESIGN trap 6). Compared on the IR hotc already has: each named
// struct type's body and size, against the version the process runs.
#pragma once

#include "llvm/ADT/StringMap.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace hotc::jit {

// Named struct type -> "{ i32, ptr } (16 bytes)".
using TypeLayouts = llvm::StringMap<std::string>;

TypeLayouts typeLayoutsOf(const llvm::Module &M);

class LayoutChange : public llvm::ErrorInfo<LayoutChange> {
public:
  static char ID;
  struct Changed {
    std::string Type;   // "struct Particle"
    std::string Before; // layout the process runs
    std::string After;
    std::vector<std::string> UsedBy; // functions of the edit using it
  };
  LayoutChange(std::string Unit, std::vector<Changed> Types)
      : Unit(std::move(Unit)), Types(std::move(Types)) {}
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }

private:
  std::string Unit;
  std::vector<Changed> Types;
};

// An error naming every type of Now whose layout differs from Live.
llvm::Error checkLayouts(const llvm::Module &M, const TypeLayouts &Live,
                         const TypeLayouts &Now, llvm::StringRef Unit);

} // namespace hotc::jit
