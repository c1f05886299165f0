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
    std::string IRType; // "struct.Particle", or "vtable:_ZTV4Base"
    std::string Type;   // "struct Particle"
    std::string Before; // layout the process runs
    std::string After;
    std::vector<std::string> UsedBy; // functions of the edit using it
  };
  // Hint: a last line on what would let the edit apply.
  LayoutChange(std::string Unit, std::vector<Changed> Types,
               std::string Hint = "")
      : Unit(std::move(Unit)), Types(std::move(Types)), Hint(std::move(Hint)) {}
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }

private:
  std::string Unit;
  std::vector<Changed> Types;
  std::string Hint;
};

// Every type of Now whose layout differs from Live, with the functions of M
// using it. The edit is refused unless the globals of each can be moved
// (jit/global_moves.h).
std::vector<LayoutChange::Changed> changedLayouts(const llvm::Module &M,
                                                  const TypeLayouts &Live,
                                                  const TypeLayouts &Now);

// The struct type a layout key names ("struct.Particle"); null for a
// virtual table's key or a type M does not have.
llvm::StructType *layoutType(const llvm::Module &M, llvm::StringRef IRType);

} // namespace hotc::jit
