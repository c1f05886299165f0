// Thread-local variables in a patch.
//
// JITLink links no TLS segment, and the process's static TLS blocks cannot
// grow, so a patch reaches thread-local storage in one of two ways:
//
// - a variable the process has (its executable's, libstdc++'s
//   __once_callable, any loaded module's) stays a general-dynamic access:
//   __tls_get_addr({module id, offset}) with the ids and offsets the dynamic
//   linker assigned (TlsDescriptorPlugin writes the module id);
// - a variable the process lacks becomes an emulated one, as -femulated-tls
//   makes them: a control object {size, align, index, template} under the
//   variable's name, read with libgcc's __emutls_get_address, which gives
//   each thread its own copy, initialised from the template on first use.
//   A later patch of the unit finds that control object in the process (a
//   created global, not a TLS symbol) and reaches the same copies.
#pragma once

#include "jit/patch_module.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

namespace hotc::jit {

// Rewrites M's thread-local variables as above; runs before the keep/demote
// transform (it needs each variable's own linkage). An error names a
// variable used in a way neither path covers; nothing is changed then that
// matters (the patch is not applied).
llvm::Error lowerThreadLocals(llvm::Module &M, const LiveView &Live,
                              llvm::StringRef Unit);

} // namespace hotc::jit
