// The statics of a patch compiled by the build's own compiler, bound to the
// live ones by source identity rather than by name.
//
// GCC names a C unit's function statics `name.N`, numbered across the
// whole unit among those of the same name, in an order of its own (not
// the source's): an edit that adds a function with a static `n` can give
// the new one the live `n.0` and the edited function's `n` the name
// `n.1`. Bound by name, the patch would run with another static's value
// and start the live one afresh. The object's DWARF says which variable
// each of its symbols is (function and name), and so does the binary's.
#pragma once

#include "jit/live_dwarf.h"
#include "jit/patch_module.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <map>
#include <string>

namespace hotc::jit {

struct StaticRebinding {
  // Object symbol -> the live symbol of the same variable, where the
  // names differ.
  llvm::StringMap<std::string> LiveName;
  // Object symbols named like a live static that is another variable:
  // new, linked under another name.
  llvm::StringSet<> Apart;
  // Object symbol -> its identity (StaticIdentity::key()), of every local
  // data symbol the object's DWARF describes.
  llvm::StringMap<std::string> IdentityOf;
};

// Statics earlier patches compiled by the build's compiler created, by
// identity (StaticIdentity::key()) -> their symbol: the binary's DWARF
// does not know them, and GCC may number them otherwise next time.
using CreatedStatics = std::map<std::string, std::string>;

// For the local data symbols of Object (an ELF relocatable object with
// DWARF) that the unit's DWARF in the binary describes. An error names a
// static whose live instance hotc cannot tell.
llvm::Expected<StaticRebinding> rebindStaticsByIdentity(llvm::MemoryBufferRef Object,
                                                        llvm::StringRef Unit,
                                                        LiveDwarf &Dwarf,
                                                        const LiveView &Live,
                                                        const CreatedStatics &Created);

} // namespace hotc::jit
