// The version headers of ninja's .ninja_log and .ninja_deps, checked before
// libninja loads either: ninja deletes a log whose version it cannot read,
// and the user's own `ninja` would then rebuild everything (or, for a newer
// format it misreads, mix two formats in one file).
#pragma once

#include "llvm/Support/Error.h"

#include <string>

namespace hotc::ninja {

// The versions the linked libninja reads and writes.
int buildLogVersion();
int depsLogVersion();

// Success when the file at Path is missing, empty (ninja starts it over
// without harm), or has this libninja's version. Otherwise an error that
// names the file as Shown and both versions. Only reads the file.
llvm::Error checkBuildLogVersion(const std::string &Path,
                                 const std::string &Shown);
llvm::Error checkDepsLogVersion(const std::string &Path,
                                const std::string &Shown);

} // namespace hotc::ninja
