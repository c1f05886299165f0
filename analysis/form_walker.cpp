#include "analysis/form_walker.h"

#include "analysis/record_layout.h"
#include "analysis/source_files.h"

#include "clang/AST/DeclTemplate.h"
#include "clang/AST/RecursiveASTVisitor.h"
#include "clang/Index/USRGeneration.h"

#include <set>

using namespace clang;

namespace hotc::index {
namespace {

std::string usrOf(const Decl *D) {
  llvm::SmallString<128> Buf;
  if (clang::index::generateUSRForDecl(D, Buf))
    return "";
  return Buf.str().str();
}

// The declaration whose definition is the form: a template's pattern for an
// instantiation, the enclosing type for a field or an enumerator.
const Decl *formDeclOf(const Decl *D, bool &Instantiated) {
  Instantiated = false;
  if (auto *F = dyn_cast<FieldDecl>(D))
    D = F->getParent();
  else if (auto *E = dyn_cast<EnumConstantDecl>(D))
    D = cast<Decl>(E->getDeclContext());
  if (auto *FD = dyn_cast<FunctionDecl>(D)) {
    // An explicit specialisation is a form of its own: Clang would give the
    // primary template as its pattern, and an edit of the specialisation
    // would then reach none of its callers.
    if (FD->getTemplateSpecializationKind() == TSK_ExplicitSpecialization)
      return D;
    if (FunctionDecl *P = FD->getTemplateInstantiationPattern(false)) {
      Instantiated = true;
      return P;
    }
  } else if (auto *RD = dyn_cast<CXXRecordDecl>(D)) {
    if (const CXXRecordDecl *P = RD->getTemplateInstantiationPattern()) {
      Instantiated = true;
      return P;
    }
  } else if (auto *VD = dyn_cast<VarDecl>(D)) {
    if (VarDecl *P = VD->getTemplateInstantiationPattern()) {
      Instantiated = true;
      return P;
    }
  } else if (auto *TD = dyn_cast<TemplateDecl>(D)) {
    return TD->getTemplatedDecl();
  }
  return D;
}

// The declaration that names the form (a template's pattern) when D starts
// one, or null.
const NamedDecl *startsForm(const Decl *D) {
  if (D->isImplicit())
    return nullptr;
  if (auto *T = dyn_cast<FunctionTemplateDecl>(D))
    return T->getTemplatedDecl()->doesThisDeclarationHaveABody()
               ? T->getTemplatedDecl() : nullptr;
  if (auto *T = dyn_cast<ClassTemplateDecl>(D))
    return T->getTemplatedDecl()->isThisDeclarationADefinition()
               ? T->getTemplatedDecl() : nullptr;
  if (auto *T = dyn_cast<VarTemplateDecl>(D))
    return T->getTemplatedDecl()->isThisDeclarationADefinition()
               ? T->getTemplatedDecl() : nullptr;
  if (auto *T = dyn_cast<TypeAliasTemplateDecl>(D))
    return T->getTemplatedDecl();
  if (auto *FD = dyn_cast<FunctionDecl>(D)) {
    if (FD->getDescribedFunctionTemplate() || isa<CXXDeductionGuideDecl>(FD) ||
        FD->getTemplateSpecializationKind() == TSK_ImplicitInstantiation)
      return nullptr;
    return FD->doesThisDeclarationHaveABody() ? FD : nullptr;
  }
  if (auto *S = dyn_cast<ClassTemplateSpecializationDecl>(D))
    if (!isa<ClassTemplatePartialSpecializationDecl>(S) &&
        S->getSpecializationKind() != TSK_ExplicitSpecialization)
      return nullptr;
  if (auto *RD = dyn_cast<CXXRecordDecl>(D))
    if (RD->getDescribedClassTemplate() || RD->isLambda())
      return nullptr;
  if (auto *TD = dyn_cast<TagDecl>(D))
    return TD->isThisDeclarationADefinition() ? TD : nullptr;
  if (auto *VD = dyn_cast<VarDecl>(D)) {
    if (isa<ParmVarDecl>(VD) || VD->getDescribedVarTemplate() ||
        isa<VarTemplateSpecializationDecl>(VD) || !VD->isFileVarDecl())
      return nullptr;
    return VD->isThisDeclarationADefinition() != VarDecl::DeclarationOnly
               ? VD : nullptr;
  }
  if (auto *TN = dyn_cast<TypedefNameDecl>(D)) {
    auto *Alias = dyn_cast<TypeAliasDecl>(TN);
    return Alias && Alias->getDescribedAliasTemplate() ? nullptr : TN;
  }
  return nullptr;
}

// Whether D is a lambda's closure type or one of its members. Their USRs
// name the lambda's place in the file, so an edge to them would change when
// anything above moves; the lambda's code belongs to its enclosing form.
bool partOfLambda(const Decl *D) {
  const DeclContext *C = dyn_cast<DeclContext>(D);
  for (C = C ? C : D->getDeclContext(); C; C = C->getParent())
    if (auto *RD = dyn_cast<CXXRecordDecl>(C); RD && RD->isLambda())
      return true;
  return false;
}

class Walker : public RecursiveASTVisitor<Walker> {
  using Base = RecursiveASTVisitor<Walker>;

public:
  Walker(ASTContext &Ctx, WalkResult &Out)
      : Ctx(Ctx), SM(Ctx.getSourceManager()), Files(SM), Out(Out) {}

  bool TraverseDecl(Decl *D);
  bool TraverseLambdaExpr(LambdaExpr *E);

  bool VisitDeclRefExpr(DeclRefExpr *E) {
    use(E->getDecl(), isa<FunctionDecl>(E->getDecl()) ? EdgeKind::Call
                                                      : EdgeKind::Reference);
    return true;
  }
  bool VisitMemberExpr(MemberExpr *E) {
    ValueDecl *M = E->getMemberDecl();
    use(M, isa<FunctionDecl>(M) ? EdgeKind::Call
           : isa<FieldDecl>(M)  ? EdgeKind::TypeUse
                                : EdgeKind::Reference);
    return true;
  }
  bool VisitOverloadExpr(OverloadExpr *E) { // calls in templates
    for (NamedDecl *D : E->decls())
      use(D, EdgeKind::Call);
    return true;
  }
  bool VisitCXXConstructExpr(CXXConstructExpr *E) {
    if (!E->getConstructor()->isImplicit())
      use(E->getConstructor(), EdgeKind::Call);
    use(E->getConstructor()->getParent(), EdgeKind::TypeUse);
    return true;
  }
  // Destructors run without a call in the source: `delete p` (virtually,
  // through p's static type; an optimiser that knows the dynamic type
  // inlines the override) and locals and temporaries going out of scope.
  bool VisitCXXDeleteExpr(CXXDeleteExpr *E) {
    return useDestructorOf(E->getDestroyedType());
  }
  bool VisitVarDecl(VarDecl *V) {
    return V->isLocalVarDecl() ? useDestructorOf(V->getType()) : true;
  }
  bool VisitCXXBindTemporaryExpr(CXXBindTemporaryExpr *E) {
    use(E->getTemporary()->getDestructor(), EdgeKind::Call);
    return true;
  }
  bool VisitRecordTypeLoc(RecordTypeLoc TL) { return useType(TL.getDecl()); }
  bool VisitEnumTypeLoc(EnumTypeLoc TL) { return useType(TL.getDecl()); }
  bool VisitTypedefTypeLoc(TypedefTypeLoc TL) {
    return useType(TL.getTypedefNameDecl());
  }
  bool VisitTemplateSpecializationTypeLoc(TemplateSpecializationTypeLoc TL) {
    if (TemplateDecl *T = TL.getTypePtr()->getTemplateName().getAsTemplateDecl())
      use(T, EdgeKind::Instantiation);
    if (CXXRecordDecl *RD = TL.getType()->getAsCXXRecordDecl())
      use(RD, EdgeKind::TypeUse);
    return true;
  }

private:
  struct Open {
    size_t Form;
    bool Lambda = false;
    unsigned Lambdas = 0; // lambdas seen so far inside this form
  };

  bool useType(const Decl *D) {
    use(D, EdgeKind::TypeUse);
    return true;
  }
  bool useDestructorOf(QualType T) {
    if (T.isNull() || T->isDependentType())
      return true;
    const CXXRecordDecl *RD = Ctx.getBaseElementType(T)->getAsCXXRecordDecl();
    if (RD && RD->hasDefinition())
      if (const CXXDestructorDecl *D = RD->getDestructor(); D && !D->isImplicit())
        use(D, EdgeKind::Call);
    return true;
  }
  void use(const Decl *D, EdgeKind Kind);
  std::optional<size_t> addForm(const Decl *Outer, const NamedDecl *Named);
  void fillFunction(const FunctionDecl &FD, Form &F);
  void fillRecord(const RecordDecl &RD, Form &F, std::vector<TokenSpan> &Skip);
  const Open *user() const {
    for (auto It = Stack.rbegin(); It != Stack.rend(); ++It)
      if (!It->Lambda)
        return &*It;
    return nullptr;
  }
  bool insideFunction() const {
    const Open *U = user();
    return U && (Out.Forms[U->Form].Kind == FormKind::Function ||
                 Out.Forms[U->Form].Kind == FormKind::Variable);
  }

  ASTContext &Ctx;
  SourceManager &SM;
  ProjectFiles Files;
  WalkResult &Out;
  std::vector<Open> Stack;
  std::set<std::tuple<std::string, std::string, EdgeKind>> Seen;
};

void Walker::use(const Decl *D, EdgeKind Kind) {
  const Open *U = user();
  if (!U || !D)
    return;
  // Locals, parameters and template parameters belong to their form.
  if (auto *VD = dyn_cast<VarDecl>(D); VD && !VD->isFileVarDecl())
    return;
  if (isa<NonTypeTemplateParmDecl, TemplateTypeParmDecl, BindingDecl>(D) ||
      partOfLambda(D))
    return;
  bool Instantiated = false;
  const Decl *Target = formDeclOf(D, Instantiated);
  if (Files.pathAt(Target->getLocation()).empty())
    return; // the standard library and other system code are not forms
  std::string To = usrOf(Target);
  const std::string &From = Out.Forms[U->Form].Id;
  if (To.empty() || To == From)
    return;
  if (Instantiated && Kind != EdgeKind::TypeUse)
    Kind = EdgeKind::Instantiation;
  if (Seen.emplace(From, To, Kind).second)
    Out.Edges.push_back({From, To, Kind});
}

void Walker::fillFunction(const FunctionDecl &FD, Form &F) {
  F.Name += "()";
  F.Inline = FD.isInlined();
  F.Constexpr = FD.isConstexpr();
  F.Template = FD.isTemplated();
  std::string Sig = FD.getQualifiedNameAsString() + "|" +
                    FD.getType().getCanonicalType().getAsString();
  if (auto *M = dyn_cast<CXXMethodDecl>(&FD))
    Sig += M->isVirtual() ? "|virtual" : M->isStatic() ? "|static" : "";
  F.SignatureHash = hashString(Sig);
  // Default arguments live on the first declaration, usually in a header;
  // the definition's parameters inherit them.
  std::string Defaults;
  for (const ParmVarDecl *P : FD.parameters()) {
    if (!P->hasDefaultArg() || P->hasUnparsedDefaultArg() ||
        P->hasUninstantiatedDefaultArg())
      continue;
    const Expr *E = P->getDefaultArg();
    Defaults += std::to_string(hashTokens(SM, Ctx.getLangOpts(),
                                          spanOf(SM, E->getSourceRange())));
    Defaults += ",";
  }
  F.DefaultArgsHash = Defaults.empty() ? 0 : hashString(Defaults);
  if (const Stmt *Body = FD.doesThisDeclarationHaveABody() ? FD.getBody() : nullptr) {
    TokenSpan B = spanOf(SM, Body->getSourceRange());
    if (B.File.isValid()) {
      F.BodyBegin = B.Begin;
      F.BodyEnd = B.End;
    }
  }
}

void Walker::fillRecord(const RecordDecl &RD, Form &F,
                        std::vector<TokenSpan> &Skip) {
  F.Template = RD.isTemplated();
  F.Layout = layoutOf(Ctx, RD);
  auto *CRD = dyn_cast<CXXRecordDecl>(&RD);
  if (ClassTemplateDecl *T = CRD ? CRD->getDescribedClassTemplate() : nullptr) {
    PrintingPolicy Policy(Ctx.getLangOpts());
    Policy.SuppressTagKeyword = true; // "Box<int>", not "struct Box<int>"
    for (ClassTemplateSpecializationDecl *S : T->specializations())
      if (S->getSpecializationKind() != TSK_ExplicitSpecialization)
        if (auto L = layoutOf(Ctx, *S))
          F.Instances[Ctx.getTypeDeclType(S).getAsString(Policy)] = std::move(*L);
  }
  // Bodies of member functions defined in the class are forms of their
  // own: editing one must not look like an edit of the type.
  for (const Decl *M : RD.decls()) {
    const FunctionDecl *FD = dyn_cast<FunctionDecl>(M);
    if (auto *FT = dyn_cast<FunctionTemplateDecl>(M))
      FD = FT->getTemplatedDecl();
    if (FD && FD->doesThisDeclarationHaveABody() && FD->getBody())
      Skip.push_back(spanOf(SM, FD->getBody()->getSourceRange()));
  }
}

std::optional<size_t> Walker::addForm(const Decl *Outer, const NamedDecl *Named) {
  TokenSpan Span = spanOf(SM, Outer->getSourceRange());
  if (Span.File.isInvalid() || Files.pathOf(Span.File).empty())
    return std::nullopt;
  Form F;
  F.Id = usrOf(Named);
  if (F.Id.empty())
    return std::nullopt;
  F.Name = Named->getQualifiedNameAsString();
  F.File = Files.pathOf(Span.File);
  F.BeginLine = SM.getLineNumber(Span.File, Span.Begin);
  F.EndLine = SM.getLineNumber(Span.File, Span.End);
  F.BeginOffset = Span.Begin;
  F.EndOffset = Span.End;
  std::vector<TokenSpan> Skip;
  if (auto *FD = dyn_cast<FunctionDecl>(Named)) {
    F.Kind = FormKind::Function;
    fillFunction(*FD, F);
  } else if (auto *RD = dyn_cast<RecordDecl>(Named)) {
    F.Kind = FormKind::Record;
    fillRecord(*RD, F, Skip);
  } else if (isa<EnumDecl>(Named)) {
    F.Kind = FormKind::Enum;
  } else if (auto *VD = dyn_cast<VarDecl>(Named)) {
    F.Kind = FormKind::Variable;
    F.Inline = VD->isInline();
    F.Constexpr = VD->isConstexpr() || VD->getType().isConstQualified();
    F.Template = VD->isTemplated();
  } else {
    F.Kind = FormKind::Typedef;
    F.Template = Named->isTemplated();
  }
  F.Hash = hashTokens(SM, Ctx.getLangOpts(), Span, Skip);
  Out.Forms.push_back(std::move(F));
  Out.Spans.push_back(Span);
  return Out.Forms.size() - 1;
}

bool Walker::TraverseDecl(Decl *D) {
  if (!D)
    return true;
  const NamedDecl *Named = insideFunction() ? nullptr : startsForm(D);
  std::optional<size_t> Index = Named ? addForm(D, Named) : std::nullopt;
  if (!Index)
    return Base::TraverseDecl(D);
  Stack.push_back({*Index});
  if (auto *M = dyn_cast<CXXMethodDecl>(Named))
    for (const CXXMethodDecl *Overridden : M->overridden_methods())
      use(Overridden, EdgeKind::Override);
  bool Result = Base::TraverseDecl(D);
  Stack.pop_back();
  return Result;
}

bool Walker::TraverseLambdaExpr(LambdaExpr *E) {
  Open *Owner = nullptr;
  for (auto It = Stack.rbegin(); It != Stack.rend() && !Owner; ++It)
    if (!It->Lambda)
      Owner = &*It;
  TokenSpan Span = spanOf(SM, E->getSourceRange());
  if (!Owner || Span.File.isInvalid())
    return Base::TraverseLambdaExpr(E);
  // Named by its place inside the enclosing form, not in the file, so an
  // edit elsewhere does not rename it.
  const Form &Parent = Out.Forms[Owner->Form];
  std::string N = std::to_string(++Owner->Lambdas);
  Form F;
  F.Id = Parent.Id + "$lambda#" + N;
  F.Kind = FormKind::Lambda;
  F.Name = Parent.Name + " lambda #" + N;
  F.File = Parent.File;
  F.BeginLine = SM.getLineNumber(Span.File, Span.Begin);
  F.EndLine = SM.getLineNumber(Span.File, Span.End);
  F.BeginOffset = Span.Begin;
  F.EndOffset = Span.End;
  F.Hash = hashTokens(SM, Ctx.getLangOpts(), Span);
  F.Template = Parent.Template;
  Out.Forms.push_back(std::move(F));
  Out.Spans.push_back(Span);
  Stack.push_back({Out.Forms.size() - 1, /*Lambda=*/true});
  bool Result = Base::TraverseLambdaExpr(E);
  Stack.pop_back();
  return Result;
}

} // namespace

void walkForms(ASTContext &Ctx, WalkResult &Out) {
  Walker W(Ctx, Out);
  W.TraverseDecl(Ctx.getTranslationUnitDecl());
}

} // namespace hotc::index
