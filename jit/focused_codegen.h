// Code generation for only what an edit touched.
//
// When the edited bytes of the main file all lie inside ordinary function
// definitions (not inline, constexpr or templates, whose users would need
// recompiling too), only those functions are handed to Clang's code
// generator; what they use is pulled in on demand. Otherwise the whole unit
// is generated, as a normal compile would.
#pragma once

#include "jit/compiler_view.h"

#include "clang/Frontend/FrontendAction.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

#include <memory>
#include <optional>

namespace hotc::jit {

// Bytes [Begin, End) of the new main file differ from the last version.
struct EditRegion {
  unsigned Begin = 0;
  unsigned End = 0;
};

// The smallest region that holds every difference between two texts.
EditRegion editRegionOf(llvm::StringRef Before, llvm::StringRef After);

// Where a compile records what it sees of the preprocessor for the
// compiler-view check (compiler_view.h); Log null: nothing is recorded.
struct ConditionHook {
  ConditionLog *Log = nullptr;
  const BuildCompilerMacros *Build = nullptr;
  // In: the divergent macros and Clang's predefines the preamble's pass
  // saw, if any; else filled by this pass.
  std::shared_ptr<const llvm::StringSet<>> *Divergent = nullptr;
  std::string *Predefines = nullptr;
};

class FocusedCodegenAction : public clang::ASTFrontendAction {
public:
  // Without a Focus, the whole unit is generated.
  FocusedCodegenAction(llvm::LLVMContext &Context,
                       std::optional<EditRegion> Focus);
  ~FocusedCodegenAction() override;

  std::unique_ptr<llvm::Module> takeModule();
  // Escape hatches found in the main file (see CompiledTu).
  std::vector<std::string> NoReload, Rerun;
  ConditionHook Conditions;
  // False when the edit reached beyond plain function bodies: the module
  // is then incomplete and the unit must be generated whole.
  bool focusHeld() const { return Held; }

protected:
  std::unique_ptr<clang::ASTConsumer>
  CreateASTConsumer(clang::CompilerInstance &CI, llvm::StringRef File) override;
  // The consumer dies with the compile; take its module before.
  void EndSourceFileAction() override;

private:
  std::unique_ptr<llvm::Module> Result;
  llvm::LLVMContext &Context;
  std::optional<EditRegion> Focus;
  bool Held = true;
  class Consumer;
  Consumer *Active = nullptr; // owned by the CompilerInstance
};

} // namespace hotc::jit
