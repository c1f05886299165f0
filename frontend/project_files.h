// Which files are the project's — watched, snapshotted, analysed, patched —
// and which are the system's. The one rule: everything under /usr/ and the
// compiler's pseudo-files ("<built-in>", "<command line>") is the system's.
#pragma once

#include "llvm/ADT/StringRef.h"

namespace hotc::frontend {

inline bool isProjectFile(llvm::StringRef Path) {
  return !Path.empty() && !Path.starts_with("/usr/") && !Path.starts_with("<");
}

} // namespace hotc::frontend
