// Compiling a C++ snippet to IR with hotc's own front end, for the tests of
// the stages that consume IR.
#pragma once

#include "jit/tu_compiler.h"

#include <string>

namespace hotc::test {

// Writes Source to a file named Name in a fresh directory and compiles it
// with `c++ -std=c++17 EXTRA -c`; fails the test on a compile error.
jit::CompiledTu compileSnippet(const std::string &Name, const std::string &Source,
                               const std::vector<std::string> &Extra = {"-O0"});

// Same, returning the error.
llvm::Expected<jit::CompiledTu> tryCompileSnippet(const std::string &Name,
                                                  const std::string &Source);

std::string scratchDir();

} // namespace hotc::test
