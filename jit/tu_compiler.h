// Compiling one translation unit to LLVM IR in-process with Clang 19, with
// the command the build used for it.
#pragma once

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace hotc::jit {

struct CompileCommand {
  std::string File;      // absolute path of the main source file
  std::string Directory; // working directory of the build's compile
  std::vector<std::string> Arguments; // argv of the build's compile
};

struct SourceDiagnostic {
  std::string File;
  unsigned Line = 0;
  unsigned Column = 0;
  std::string Severity; // "error", "warning", "note", "fatal error"
  std::string Message;
};

// A compile that failed: every diagnostic, and the clang-style rendering.
class CompileFailure : public llvm::ErrorInfo<CompileFailure> {
public:
  static char ID;
  CompileFailure(std::string File, std::vector<SourceDiagnostic> Diags)
      : File(std::move(File)), Diags(std::move(Diags)) {}
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }
  const std::vector<SourceDiagnostic> &diagnostics() const { return Diags; }
  // The first error, which names file:line:col for a one-line report.
  const SourceDiagnostic *firstError() const;

private:
  std::string File;
  std::vector<SourceDiagnostic> Diags;
};

struct CompiledTu {
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

// The arguments for Clang: the build's command minus what names outputs or
// does not apply to an in-memory IR compile, plus unoptimised IR emission
// (hotc optimises after the keep/demote transform).
std::vector<std::string> patchCompileArguments(const CompileCommand &Cmd,
                                               unsigned &OptLevel);

llvm::Expected<CompiledTu> compileToIR(const CompileCommand &Cmd);

} // namespace hotc::jit
