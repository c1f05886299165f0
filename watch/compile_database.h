// The build's compile commands, from compile_commands.json of a build
// directory (CMake: -DCMAKE_EXPORT_COMPILE_COMMANDS=ON).
#pragma once

#include "jit/tu_compiler.h"

#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace hotc::driver {

// One command per source file (the first, when a file is built twice),
// with absolute file paths.
llvm::Expected<std::vector<frontend::CompileCommand>>
loadCompileDatabase(const std::string &BuildDir);

} // namespace hotc::driver
