// Where an optimised build inlined each function, read from the DWARF of the
// linked binary. An edit of f in a -O1/-O2 build must also relink every
// function whose machine code holds a copy of f, which the source graph
// cannot tell: only the optimiser knows what it inlined.
//
// The DWARF is a lower bound. When the optimiser folds an inlined body into
// its caller's instructions (x*3+1 then +2 becomes one lea and add), the
// merged instructions keep only the caller's location and no
// DW_TAG_inlined_subroutine is left for the copy.
#pragma once

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace hotc::index {

struct InlineSites {
  bool HasDebugInfo = false; // the file has .debug_info at all
  // Linkage name of an inlined function -> linkage names of the concrete
  // (out-of-line) functions whose code holds a copy of it, directly or
  // through other inlined calls (h inlines g which inlined f: f -> {g's
  // concrete copy if any..., h}). Sorted, unique. C functions, and C++ ones
  // without a linkage name (main), are keyed by their plain name.
  llvm::StringMap<std::vector<std::string>> CallersOf;
  // Empty when Symbol was never inlined.
  llvm::ArrayRef<std::string> callersOf(llvm::StringRef Symbol) const;
};

// Reads ELF file Path (an executable or shared library). A file without
// debug info is not an error: HasDebugInfo stays false. Units split into
// .dwo files are read from there when the .dwo can be found.
llvm::Expected<InlineSites> readInlineSites(llvm::StringRef Path);

} // namespace hotc::index
