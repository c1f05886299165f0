#include "frontend/compile_command.h"

using namespace llvm;

namespace hotc::frontend {

char CompileFailure::ID;

void CompileFailure::log(raw_ostream &OS) const {
  bool First = true;
  for (const SourceDiagnostic &D : Diags) {
    if (!First)
      OS << "\n";
    First = false;
    if (!D.File.empty())
      OS << D.File << ":" << D.Line << ":" << D.Column << ": ";
    OS << D.Severity << ": " << D.Message;
  }
  if (Diags.empty())
    OS << File << ": compile failed";
}

const SourceDiagnostic *CompileFailure::firstError() const {
  for (const SourceDiagnostic &D : Diags)
    if (D.Severity == "error" || D.Severity == "fatal error")
      return &D;
  return Diags.empty() ? nullptr : &Diags.front();
}

} // namespace hotc::frontend
