// A compile of the build, as hotc keeps it (the launcher's record, a line
// of compile_commands.json), and what a failed compile of it said.
#pragma once

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace hotc::frontend {

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

} // namespace hotc::frontend
