// Compiling one translation unit to LLVM IR in-process with Clang 19, with
// the command the build used for it.
#pragma once

#include "frontend/compile_command.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace hotc::jit {

struct CompiledTu {
  CompiledTu() = default;
  CompiledTu(CompiledTu &&) = default;
  // A module must die before its context: the default assignment would
  // free the old context first (members go in declaration order), then
  // the old module in it.
  CompiledTu &operator=(CompiledTu &&O) noexcept {
    Module.reset();
    Context = std::move(O.Context);
    Module = std::move(O.Module);
    Inputs = std::move(O.Inputs);
    Partial = O.Partial;
    NoReload = std::move(O.NoReload);
    Rerun = std::move(O.Rerun);
    OptLevel = O.OptLevel;
    CompilerView = std::move(O.CompilerView);
    return *this;
  }

  std::unique_ptr<llvm::LLVMContext> Context;
  std::unique_ptr<llvm::Module> Module;
  std::vector<std::string> Inputs; // every file read, main file first
  bool Partial = false; // only the functions an edit touched were generated
  // Definitions of the main file preceded by a `// hotc: no-reload` or
  // `// hotc: rerun` line (mangled names).
  std::vector<std::string> NoReload, Rerun;
  unsigned OptLevel = 0;           // the build's -O level (s/z count as 2)
  // Where Clang's view differs from the build compiler's in the project's
  // files (compiler_view.h): the refusal to give; empty when they agree.
  std::string CompilerView;
};

llvm::Expected<CompiledTu> compileToIR(const frontend::CompileCommand &Cmd);

} // namespace hotc::jit
