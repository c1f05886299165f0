// Clang pieces shared by the cold compile (tu_compiler.cpp) and the warm,
// preamble-backed one (unit_compiler.cpp). Internal to jit/: it exposes
// Clang types, which the public headers keep out.
#pragma once

#include "jit/tu_compiler.h"

#include "clang/Basic/Diagnostic.h"
#include "clang/Frontend/CompilerInvocation.h"
#include "clang/Frontend/FrontendAction.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/VirtualFileSystem.h"

namespace hotc::jit {

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

// Runs Action on Inv; Take hands over the module it generated. The result
// lists the files read; its Context is the caller's to set.
llvm::Expected<CompiledTu>
runFrontend(const CompileCommand &Cmd,
            std::shared_ptr<clang::CompilerInvocation> Inv,
            llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> VFS,
            CollectingDiagnostics &Diags, clang::FrontendAction &Action,
            llvm::function_ref<std::unique_ptr<llvm::Module>()> Take);

} // namespace hotc::jit
