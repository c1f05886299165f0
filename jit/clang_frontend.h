// Running Clang's front end for the cold compile (tu_compiler.cpp) and the
// warm, preamble-backed one (unit_compiler.cpp). Internal to jit/: it
// exposes Clang types, which the public headers keep out.
#pragma once

#include "frontend/clang_invocation.h"
#include "jit/tu_compiler.h"

#include "clang/Basic/Diagnostic.h"
#include "clang/Frontend/CompilerInvocation.h"
#include "clang/Frontend/FrontendAction.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/VirtualFileSystem.h"

namespace hotc::jit {

// Runs Action on Inv; Take hands over the module it generated. The result
// lists the files read; its Context is the caller's to set.
llvm::Expected<CompiledTu>
runFrontend(const frontend::CompileCommand &Cmd,
            std::shared_ptr<clang::CompilerInvocation> Inv,
            llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> VFS,
            frontend::CollectingDiagnostics &Diags, clang::FrontendAction &Action,
            llvm::function_ref<std::unique_ptr<llvm::Module>()> Take);

} // namespace hotc::jit
