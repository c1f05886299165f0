#include "jit/clang_frontend.h"
#include "frontend/disk_file_system.h"
#include "frontend/compiler_options.h"

#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/DiagnosticOptions.h"
#include "clang/Basic/SourceManager.h"
#include "clang/CodeGen/CodeGenAction.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/CompilerInvocation.h"
#include "clang/Frontend/Utils.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/VirtualFileSystem.h"

using namespace llvm;

namespace hotc::jit {

Expected<CompiledTu> runFrontend(const frontend::CompileCommand &Cmd,
                                 std::shared_ptr<clang::CompilerInvocation> Inv,
                                 IntrusiveRefCntPtr<vfs::FileSystem> VFS,
                                 frontend::CollectingDiagnostics &Diags,
                                 clang::FrontendAction &Action,
                                 function_ref<std::unique_ptr<Module>()> Take) {
  clang::CompilerInstance Clang;
  Clang.setInvocation(std::move(Inv));
  Clang.createDiagnostics(&Diags, /*ShouldOwnClient=*/false);
  Clang.createFileManager(VFS);
  if (!Clang.ExecuteAction(Action) || Diags.getNumErrors() > 0)
    return make_error<frontend::CompileFailure>(Cmd.File, std::move(Diags.Diags));
  CompiledTu Result;
  Result.Module = Take();
  if (!Result.Module)
    return make_error<frontend::CompileFailure>(Cmd.File, std::move(Diags.Diags));
  clang::SourceManager &SM = Clang.getSourceManager();
  if (auto Main = SM.getFileEntryRefForID(SM.getMainFileID()))
    Result.Inputs.push_back(Main->getName().str());
  for (auto It = SM.fileinfo_begin(); It != SM.fileinfo_end(); ++It) {
    StringRef Name = It->first.getName();
    if (Result.Inputs.empty() || Name != Result.Inputs.front())
      Result.Inputs.push_back(Name.str());
  }
  return std::move(Result);
}

Expected<CompiledTu> compileToIR(const frontend::CompileCommand &Cmd) {
  IntrusiveRefCntPtr<vfs::FileSystem> VFS =
      frontend::createDiskFileSystem(Cmd.Directory);
  frontend::CollectingDiagnostics Diags;
  unsigned OptLevel = 0;
  auto Inv = frontend::makeInvocation(Cmd, Diags, VFS, OptLevel);
  if (!Inv)
    return Inv.takeError();
  auto Context = std::make_unique<LLVMContext>();
  clang::EmitLLVMOnlyAction Action(Context.get());
  auto Result = runFrontend(Cmd, std::move(*Inv), VFS, Diags, Action,
                            [&] { return Action.takeModule(); });
  if (Result) {
    Result->Context = std::move(Context);
    Result->OptLevel = OptLevel;
  }
  return Result;
}

} // namespace hotc::jit
