#include "jit/focused_codegen.h"
#include "support/sequence_diff.h"

#include "clang/Lex/Preprocessor.h"

#include "clang/AST/ASTConsumer.h"
#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"
#include "clang/AST/DeclCXX.h"
#include "clang/AST/DeclGroup.h"
#include "clang/AST/Mangle.h"
#include "clang/Basic/SourceManager.h"
#include "clang/CodeGen/ModuleBuilder.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Lex/Lexer.h"

#include <algorithm>
#include <vector>

using namespace llvm;

namespace hotc::jit {

EditRegion editRegionOf(StringRef Before, StringRef After) {
  CommonEnds E = commonEnds(Before, After);
  return {static_cast<unsigned>(E.Prefix),
          static_cast<unsigned>(After.size() - E.Suffix)};
}

namespace {

// A function whose new code is all an edit of it needs: its callers reach
// it through its patched entry.
bool standsAlone(const clang::Decl *D) {
  auto *F = dyn_cast<clang::FunctionDecl>(D);
  if (!F || !F->doesThisDeclarationHaveABody())
    return false;
  return !F->isInlined() && !F->isConstexpr() && !F->isTemplated() &&
         F->getTemplatedKind() == clang::FunctionDecl::TK_NonTemplate &&
         !F->isDefaulted();
}

// Where the body that follows the declarator at From ends: the offset after
// its closing brace, skipping comments and literals. Only a hint: a wrong
// answer costs a whole-unit compile, never a wrong patch (see covered()).
std::optional<unsigned> bodyEnd(StringRef Text, unsigned From) {
  int Depth = 0;
  for (size_t I = From; I < Text.size(); ++I) {
    char C = Text[I];
    if (C == '/' && I + 1 < Text.size() && Text[I + 1] == '/') {
      I = Text.find('\n', I);
      if (I == StringRef::npos)
        return std::nullopt;
    } else if (C == '/' && I + 1 < Text.size() && Text[I + 1] == '*') {
      I = Text.find("*/", I + 2);
      if (I == StringRef::npos)
        return std::nullopt;
      ++I;
    } else if (C == '"' || C == '\'') {
      for (++I; I < Text.size() && Text[I] != C; ++I)
        if (Text[I] == '\\')
          ++I;
    } else if (C == ';' && Depth == 0) {
      return std::nullopt; // not a definition after all
    } else if (C == '{') {
      ++Depth;
    } else if (C == '}' && --Depth == 0) {
      return static_cast<unsigned>(I + 1);
    }
  }
  return std::nullopt;
}

} // namespace

// Forwards every callback to Clang's code generator, except top-level
// declarations outside the focus.
class FocusedCodegenAction::Consumer : public clang::ASTConsumer {
public:
  Consumer(std::unique_ptr<clang::CodeGenerator> Gen,
           std::optional<EditRegion> Focus, bool &Held,
           FocusedCodegenAction &Owner)
      : Gen(std::move(Gen)), Focus(Focus), Held(Held), Owner(Owner) {}

  std::unique_ptr<Module> takeModule() {
    return std::unique_ptr<Module>(Gen->ReleaseModule());
  }

  void Initialize(clang::ASTContext &C) override {
    Ctx = &C;
    Names = std::make_unique<clang::ASTNameGenerator>(C);
    Gen->Initialize(C);
  }

  bool HandleTopLevelDecl(clang::DeclGroupRef Group) override {
    for (clang::Decl *D : Group)
      findMarkers(D);
    if (!Focus)
      return Gen->HandleTopLevelDecl(Group);
    for (clang::Decl *D : Group)
      consider(D);
    return true;
  }

  void HandleTranslationUnit(clang::ASTContext &C) override {
    if (Focus && !covered())
      Held = false;
    Gen->HandleTranslationUnit(C);
  }

  void HandleInlineFunctionDefinition(clang::FunctionDecl *D) override {
    Gen->HandleInlineFunctionDefinition(D);
  }
  void HandleInterestingDecl(clang::DeclGroupRef D) override {
    Gen->HandleInterestingDecl(D);
  }
  void HandleTagDeclDefinition(clang::TagDecl *D) override {
    Gen->HandleTagDeclDefinition(D);
  }
  void HandleTagDeclRequiredDefinition(const clang::TagDecl *D) override {
    Gen->HandleTagDeclRequiredDefinition(D);
  }
  void HandleCXXImplicitFunctionInstantiation(clang::FunctionDecl *D) override {
    Gen->HandleCXXImplicitFunctionInstantiation(D);
  }
  void HandleCXXStaticMemberVarInstantiation(clang::VarDecl *D) override {
    Gen->HandleCXXStaticMemberVarInstantiation(D);
  }
  void CompleteTentativeDefinition(clang::VarDecl *D) override {
    Gen->CompleteTentativeDefinition(D);
  }
  void CompleteExternalDeclaration(clang::DeclaratorDecl *D) override {
    Gen->CompleteExternalDeclaration(D);
  }
  void AssignInheritanceModel(clang::CXXRecordDecl *RD) override {
    Gen->AssignInheritanceModel(RD);
  }
  void HandleVTable(clang::CXXRecordDecl *RD) override { Gen->HandleVTable(RD); }

  // With a focus, the bodies of plain functions wholly outside it are not
  // even parsed: no template they use gets instantiated.
  bool shouldSkipFunctionBody(clang::Decl *D) override {
    if (!Focus)
      return false;
    auto *F = dyn_cast<clang::FunctionDecl>(D);
    if (!F || F->isInlineSpecified() || F->isConstexpr() || F->isTemplated() ||
        isa<clang::CXXConstructorDecl>(F) ||
        F->getLexicalDeclContext()->isRecord())
      return false;
    const clang::SourceManager &SM = Ctx->getSourceManager();
    clang::SourceLocation B = SM.getExpansionLoc(F->getBeginLoc());
    clang::SourceLocation E = SM.getExpansionLoc(F->getEndLoc());
    if (!SM.isWrittenInMainFile(B) || !SM.isWrittenInMainFile(E))
      return false;
    unsigned Begin = SM.getFileOffset(B);
    if (Begin >= Focus->End)
      return true;
    if (Begin >= Focus->Begin)
      return false;
    std::optional<unsigned> End =
        bodyEnd(SM.getBufferData(SM.getMainFileID()), SM.getFileOffset(E));
    return End && *End <= Focus->Begin;
  }

private:
  struct Span {
    unsigned Begin, End;
  };

  std::optional<Span> mainFileSpan(const clang::Decl *D) const {
    const clang::SourceManager &SM = Ctx->getSourceManager();
    clang::SourceLocation B = SM.getExpansionLoc(D->getBeginLoc());
    clang::SourceLocation E = SM.getExpansionLoc(D->getEndLoc());
    if (!SM.isWrittenInMainFile(B) || !SM.isWrittenInMainFile(E))
      return std::nullopt;
    unsigned EndLen =
        clang::Lexer::MeasureTokenLength(E, SM, Ctx->getLangOpts());
    return Span{SM.getFileOffset(B), SM.getFileOffset(E) + EndLen};
  }

  // `// hotc: no-reload` or `// hotc: rerun` alone on the line before a
  // definition of the main file.
  void findMarkers(clang::Decl *D) {
    if (auto *DC = dyn_cast<clang::DeclContext>(D);
        DC && (isa<clang::NamespaceDecl>(D) || isa<clang::LinkageSpecDecl>(D))) {
      for (clang::Decl *Inner : DC->decls())
        findMarkers(Inner);
      return;
    }
    if (!isa<clang::FunctionDecl>(D) && !isa<clang::VarDecl>(D))
      return;
    const clang::SourceManager &SM = Ctx->getSourceManager();
    clang::SourceLocation B = SM.getExpansionLoc(D->getBeginLoc());
    if (!SM.isWrittenInMainFile(B))
      return;
    StringRef Text = SM.getBufferData(SM.getMainFileID());
    StringRef Before = Text.take_front(SM.getFileOffset(B)).rtrim();
    StringRef Line = Before.substr(Before.rfind('\n') + 1).trim();
    if (Line != "// hotc: no-reload" && Line != "// hotc: rerun")
      return;
    std::string Name = Names->getName(D);
    (Line.ends_with("rerun") ? Owner.Rerun : Owner.NoReload).push_back(Name);
  }

  void consider(clang::Decl *D) {
    if (auto *NS = dyn_cast<clang::NamespaceDecl>(D)) {
      for (clang::Decl *Inner : NS->decls())
        consider(Inner);
      return;
    }
    if (auto *LS = dyn_cast<clang::LinkageSpecDecl>(D)) {
      for (clang::Decl *Inner : LS->decls())
        consider(Inner);
      return;
    }
    // Templates instantiated for the focused functions reach here at the
    // end of the unit: code generation emits them only if used, and the
    // process may have no copy of them (GCC inlines its always-inline
    // members, such as std::atomic's load, everywhere, even at -O0).
    if (auto *F = dyn_cast<clang::FunctionDecl>(D);
        F && F->getTemplateSpecializationKind() ==
                 clang::TSK_ImplicitInstantiation) {
      Gen->HandleTopLevelDecl(clang::DeclGroupRef(D));
      return;
    }
    std::optional<Span> S = mainFileSpan(D);
    bool Untouched = !S || S->End <= Focus->Begin || S->Begin >= Focus->End;
    // A variable of the unit the edited functions may use: generated with
    // its debug information, which binds it to the live one where GCC
    // spells its symbol otherwise (`namespace { std::string label; }` is
    // _ZN12_GLOBAL__N_15labelE for GCC, ...labelB5cxx11E for Clang).
    // Unused ones are not emitted.
    if (Untouched && S && isa<clang::VarDecl>(D)) {
      Gen->HandleTopLevelDecl(clang::DeclGroupRef(D));
      return;
    }
    if (Untouched)
      return; // untouched by the edit
    if (!standsAlone(D)) {
      Held = false;
      return;
    }
    Taken.push_back(*S);
    Gen->HandleTopLevelDecl(clang::DeclGroupRef(D));
  }

  // Every edited byte lies in a function handed to the code generator.
  bool covered() {
    std::sort(Taken.begin(), Taken.end(),
              [](const Span &A, const Span &B) { return A.Begin < B.Begin; });
    unsigned Reached = Focus->Begin;
    for (const Span &S : Taken) {
      if (S.Begin > Reached)
        return false;
      Reached = std::max(Reached, S.End);
    }
    return Reached >= Focus->End;
  }

  std::unique_ptr<clang::CodeGenerator> Gen;
  std::optional<EditRegion> Focus;
  bool &Held;
  FocusedCodegenAction &Owner;
  std::unique_ptr<clang::ASTNameGenerator> Names;
  clang::ASTContext *Ctx = nullptr;
  std::vector<Span> Taken;
};

FocusedCodegenAction::FocusedCodegenAction(LLVMContext &Context,
                                           std::optional<EditRegion> Focus)
    : Context(Context), Focus(Focus) {}

FocusedCodegenAction::~FocusedCodegenAction() = default;

std::unique_ptr<clang::ASTConsumer>
FocusedCodegenAction::CreateASTConsumer(clang::CompilerInstance &CI,
                                        StringRef File) {
  std::unique_ptr<clang::CodeGenerator> Gen(clang::CreateLLVMCodeGen(
      CI.getDiagnostics(), File, &CI.getVirtualFileSystem(),
      CI.getHeaderSearchOpts(), CI.getPreprocessorOpts(), CI.getCodeGenOpts(),
      Context));
  // The consumer decides, function by function, which bodies to skip.
  CI.getFrontendOpts().SkipFunctionBodies = Focus.has_value();
  if (Conditions.Log) {
    clang::Preprocessor &PP = CI.getPreprocessor();
    // Over a preamble, the predefines are only what differs from it: the
    // preamble's pass took the whole text.
    if (!*Conditions.Divergent) {
      *Conditions.Predefines = PP.getPredefines();
      *Conditions.Divergent = divergentMacros(*Conditions.Build, PP.getPredefines());
    }
    PP.addPPCallbacks(recordConditions(PP, *Conditions.Log, *Conditions.Divergent));
  }
  auto C = std::make_unique<Consumer>(std::move(Gen), Focus, Held, *this);
  Active = C.get();
  return C;
}

void FocusedCodegenAction::EndSourceFileAction() {
  if (Active)
    Result = Active->takeModule();
  Active = nullptr;
}

std::unique_ptr<Module> FocusedCodegenAction::takeModule() {
  return std::move(Result);
}

} // namespace hotc::jit
