// One in-process build with ninja's Builder, as `ninja TARGETS` would run
// it: same parallelism, same logs, same decisions about what is dirty.
#pragma once

#include "ninja-integration/build_interrupt.h"
#include "ninja-integration/build_step.h"

#include "llvm/Support/Error.h"

#include <vector>

struct Node;

namespace hotc::ninja {

struct NinjaState;

// Builds Targets of S, a graph loaded for LogUse::Build and never built
// before, with the build directory as the working directory. A failure
// returns what ninja would have printed for it. A SIGINT, SIGTERM or SIGHUP
// that stops the build is raised again once the host's handling is back.
// A request of Interrupt (may be null) stops it with BuildInterrupted.
llvm::Error runBuilder(NinjaState &S, const std::vector<Node *> &Targets,
                       const ProgressFn &Progress, BuildInterrupt *Interrupt);

} // namespace hotc::ninja
