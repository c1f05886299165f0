// XXH3 of the token spellings between two file locations: whitespace,
// comments and the position in the file do not count, so moving or
// reformatting a form keeps its hash.
#pragma once

#include "clang/Basic/LangOptions.h"
#include "clang/Basic/SourceManager.h"

#include <cstdint>
#include <utility>
#include <vector>

namespace hotc::index {

// [Begin, End] in file offsets of one file; End is the offset of the last
// token's first character (as in Clang's SourceRange).
struct TokenSpan {
  clang::FileID File;
  unsigned Begin = 0;
  unsigned End = 0;
  bool contains(const TokenSpan &O) const {
    return File == O.File && Begin <= O.Begin && O.End <= End;
  }
};

// The span of a range that may start or end inside macro expansions (a
// form written by a macro covers the macro's invocation). Empty File when
// the ends are in different files.
TokenSpan spanOf(const clang::SourceManager &SM, clang::SourceRange R);

// Hash of the tokens in Span, leaving out those inside any of Skip (the
// bodies of member functions, which are forms of their own).
uint64_t hashTokens(const clang::SourceManager &SM,
                    const clang::LangOptions &LO, const TokenSpan &Span,
                    const std::vector<TokenSpan> &Skip = {});

uint64_t hashString(llvm::StringRef S);

} // namespace hotc::index
