// Which compile edges a saved file affects: the edges that read it, as an
// input in build.ninja or as a header recorded in the deps log, restricted
// to the objects that end up in given link outputs.
#pragma once

#include "ninja-integration/compile_edge.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace hotc::ninja {

struct NinjaState;

// File and LinkedInto are absolute. An object counts when it is an input of
// the link edge of one of LinkedInto, directly or through static libraries
// (.a) and phony aliases; a shared library is a link output of its own.
// The result is sorted by object. An error when an entry of LinkedInto is
// not built by build.ninja.
llvm::Expected<std::vector<CompileEdge>>
affectedCompileEdges(NinjaState &S, const std::string &File,
                     const std::vector<std::string> &LinkedInto);

} // namespace hotc::ninja
