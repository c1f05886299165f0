// The layout of a complete record as Clang computed it (ASTRecordLayout),
// in the plain form stored with the record's form.
#pragma once

#include "analysis/form.h"

#include "clang/AST/ASTContext.h"
#include "clang/AST/Decl.h"

#include <optional>

namespace hotc::index {

// Empty for records without a layout: templates, dependent or invalid ones.
std::optional<RecordLayout> layoutOf(const clang::ASTContext &Ctx,
                                     const clang::RecordDecl &RD);

} // namespace hotc::index
