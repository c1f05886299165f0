// Whether the user's own `ninja` is building a directory right now. An
// in-process build alongside it would interleave records in .ninja_log and
// .ninja_deps (both are appended to by whoever builds), and the two would
// race on the same outputs.
#pragma once

#include "llvm/Support/Error.h"

#include <string>

namespace hotc::ninja {

// An error naming the process when a process called `ninja` works in
// BuildDir (found through /proc/*/comm and /proc/*/cwd). Processes of other
// users cannot be inspected and are not seen.
llvm::Error checkNoNinjaRunsIn(const std::string &BuildDir);

} // namespace hotc::ninja
