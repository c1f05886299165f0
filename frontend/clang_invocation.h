// A build's compile command made into a Clang 19 invocation: the one
// place that turns the build's argv into Clang's (the patch compiles of
// jit/ and the analyses of analysis/ both start here), and the collector
// of its diagnostics.
#pragma once

#include "frontend/compile_command.h"

#include "clang/Basic/Diagnostic.h"
#include "clang/Frontend/CompilerInvocation.h"
#include "llvm/Support/VirtualFileSystem.h"

#include <memory>

namespace hotc::frontend {

// The arguments for Clang: the build's command minus what names outputs or
// does not apply to an in-memory IR compile, plus unoptimised IR emission
// (hotc optimises after the keep/demote transform).
std::vector<std::string> patchCompileArguments(const CompileCommand &Cmd,
                                               unsigned &OptLevel);

// Keeps errors and their notes with file:line:col; warnings are the
// build's business.
class CollectingDiagnostics : public clang::DiagnosticConsumer {
public:
  std::vector<SourceDiagnostic> Diags;
  void HandleDiagnostic(clang::DiagnosticsEngine::Level Level,
                        const clang::Diagnostic &Info) override;
};

// The unit's invocation, from the build's command (see
// patchCompileArguments). Errors are CompileFailure.
llvm::Expected<std::shared_ptr<clang::CompilerInvocation>>
makeInvocation(const CompileCommand &Cmd, CollectingDiagnostics &Diags,
               llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> VFS,
               unsigned &OptLevel);

} // namespace hotc::frontend
