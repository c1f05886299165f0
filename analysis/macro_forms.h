// Macros as forms, and where they are expanded, from the preprocessor's
// callbacks during the parse. Expansions become edges once the forms that
// contain them are known.
#pragma once

#include "analysis/form.h"
#include "analysis/token_hash.h"

#include "clang/Lex/PPCallbacks.h"

#include <memory>
#include <vector>

namespace hotc::index {

struct MacroExpansion {
  std::string Macro; // the macro form's Id
  TokenSpan At;      // the invocation, in the file
};

struct MacroRecord {
  std::vector<Form> Forms;
  std::vector<MacroExpansion> Expansions;
};

std::unique_ptr<clang::PPCallbacks>
recordMacros(const clang::SourceManager &SM, const clang::LangOptions &LO,
             MacroRecord &Out);

// Edges from the innermost non-lambda form containing each expansion to the
// macro. Forms[i] is written at Spans[i]. Macros expanded or tested outside
// every form (`#if FAST`) go to Unattributed, once each.
void addExpansionEdges(const MacroRecord &Macros, const std::vector<Form> &Forms,
                       const std::vector<TokenSpan> &Spans,
                       std::vector<Edge> &Edges,
                       std::vector<std::string> &Unattributed);

} // namespace hotc::index
