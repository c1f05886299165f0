// Binding a patch to live state and code by source identity, where the
// binary's compiler spelled the symbols otherwise than Clang does.
#pragma once

#include "jit/link_session.h"
#include "jit/patch_module.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

namespace hotc::jit {

// The variables of a unit's baseline (what the process runs), as Clang
// spells them.
struct BaselineStatics {
  llvm::StringSet<> Names;              // non-constant definitions: state
  // Of Names, those the baseline may change after their constant
  // initialiser (stores, a dynamic initialiser, an address that escapes):
  // only these have a live value a fresh copy could lose.
  llvm::StringSet<> Written;
  llvm::StringMap<unsigned> Identities; // variables per StaticIdentity::key()
};
BaselineStatics staticsOf(const llvm::Module &M);

// The live symbol of the variable at Address, in the unit's internals or
// the process; "" when it has none.
std::string liveVariableAt(const LiveView &View, uint64_t Address);

// For each variable M defines that the live view lacks by name: when the
// binary's DWARF has the same variable (scope and name) in the unit's
// compile unit, M's spelling is bound to the live instance, and so is its
// guard variable. A variable the baseline had that cannot be found that
// way, or not told apart from another of the same name, is an error: a
// fresh copy would silently lose the process's state. Positioned: the
// identities (StaticIdentity::key()) bound by position before
// (jit/static_positions.h), left alone here.
llvm::Error bindStaticsByIdentity(const llvm::Module &M, llvm::StringRef SourcePath,
                                  const BaselineStatics &Baseline,
                                  LinkSession &Link, const LiveView &View,
                                  const llvm::StringSet<> &Positioned);

// Itanium ABI: the complete-object constructor or destructor (C1, D1) does
// what the base-object one (C2, D2) does when the class has no virtual
// base, and GCC may emit only the latter where a Clang patch calls the
// former. Each such call of the patch is bound to the live variant when the
// patch's debug information shows the class has no virtual base.
// The other variants of a constructor or destructor symbol (C1/C2/C3,
// CI1/CI2, D0/D1/D2); empty for any other name. An optimiser inlines the
// base-object variant into the others, so they hold copies of its body.
std::vector<std::string> siblingVariants(llvm::StringRef Name);

llvm::Error bindConstructorVariants(const llvm::Module &M,
                                    llvm::StringRef SourcePath,
                                    LinkSession &Link, const LiveView &View);

struct SymbolRename {
  std::string Patch; // Clang's spelling in the patch module
  std::string Live;  // the binary's spelling
};

// The statics of a function renamed as Function says, `_ZZ<function>E<name>`
// and their guards `_ZGVZ<function>E<name>` (Itanium ABI local names),
// renamed alike where the binary has them under its spelling.
void renameLocalStatics(llvm::Module &M, const SymbolRename &Function,
                        const LiveView &View, std::vector<SymbolRename> &Out);

// GCC gives a function with internal linkage no implicit ABI tag (Clang:
// `_ZL1fB5cxx11i` for a static function returning std::string; GCC:
// `_ZL1fi`). Each of M's internal functions the process lacks by name is
// renamed to the binary's spelling without the tag where the unit has it,
// and so are its statics.
std::vector<SymbolRename> bindUntaggedFunctions(llvm::Module &M, const LiveView &View);

} // namespace hotc::jit
