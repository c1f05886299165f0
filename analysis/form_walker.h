// One walk over a parsed unit's AST that finds the forms of the project's
// files and, for each, the declarations it uses (the edges of the graph).
#pragma once

#include "analysis/form.h"
#include "analysis/token_hash.h"

#include "clang/AST/ASTContext.h"

#include <vector>

namespace hotc::index {

struct WalkResult {
  std::vector<Form> Forms;
  std::vector<TokenSpan> Spans; // Spans[i] is where Forms[i] is written
  std::vector<Edge> Edges;
};

void walkForms(clang::ASTContext &Ctx, WalkResult &Out);

} // namespace hotc::index
