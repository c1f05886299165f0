// Binding a patch to the live instances of static variables by source
// identity, where the binary's compiler spelled their symbols otherwise.
#pragma once

#include "link_session.h"
#include "patch_module.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

namespace hotc::jit {

// Names of the variables a unit's baseline defines (non-constant: state).
llvm::StringSet<> staticsOf(const llvm::Module &M);

// For each variable M defines that the live view lacks by name: when the
// binary's DWARF has the same variable (scope and name) in the unit's
// compile unit, M's spelling is bound to the live instance. A variable the
// baseline already had (LiveStatics) that cannot be found that way is an
// error: a fresh copy would silently lose the process's state.
llvm::Error bindStaticsByIdentity(const llvm::Module &M, llvm::StringRef SourcePath,
                                  const llvm::StringSet<> &LiveStatics,
                                  LinkSession &Link, const LiveView &View);

} // namespace hotc::jit
