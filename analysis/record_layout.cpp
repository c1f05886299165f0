#include "analysis/record_layout.h"

#include "clang/AST/DeclCXX.h"
#include "clang/AST/RecordLayout.h"

namespace hotc::index {
namespace {

void addBases(const clang::ASTRecordLayout &L,
              const clang::CXXRecordDecl &RD, RecordLayout &Out) {
  for (const clang::CXXBaseSpecifier &B : RD.bases()) {
    const clang::CXXRecordDecl *Base = B.getType()->getAsCXXRecordDecl();
    if (!Base)
      continue;
    int64_t Offset = B.isVirtual() ? L.getVBaseClassOffset(Base).getQuantity()
                                   : L.getBaseClassOffset(Base).getQuantity();
    Out.Bases.push_back((B.isVirtual() ? "virtual " : "") +
                        B.getType().getAsString() + "@" +
                        std::to_string(Offset));
  }
  // The order and types of the virtual functions a class declares decide
  // its vtable slots.
  for (const clang::CXXMethodDecl *M : RD.methods())
    if (M->isVirtual())
      Out.Virtuals.push_back(M->getNameAsString() + ":" +
                             M->getType().getAsString());
}

} // namespace

std::optional<RecordLayout> layoutOf(const clang::ASTContext &Ctx,
                                     const clang::RecordDecl &RD) {
  if (RD.isInvalidDecl() || RD.isDependentType() || !RD.isCompleteDefinition())
    return std::nullopt;
  const clang::ASTRecordLayout &L = Ctx.getASTRecordLayout(&RD);
  RecordLayout Out;
  Out.Size = L.getSize().getQuantity();
  Out.Align = L.getAlignment().getQuantity();
  unsigned I = 0;
  // Canonical types: a typedef that now names another type changes the
  // field even when the spelling stays.
  for (const clang::FieldDecl *F : RD.fields())
    Out.Fields.push_back(F->getNameAsString() + ":" +
                         F->getType().getCanonicalType().getAsString() +
                         "@" + std::to_string(L.getFieldOffset(I++)));
  if (auto *CRD = llvm::dyn_cast<clang::CXXRecordDecl>(&RD))
    addBases(L, *CRD, Out);
  return Out;
}

} // namespace hotc::index
