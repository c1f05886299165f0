#include "analysis/token_hash.h"

#include "clang/Lex/Lexer.h"

#include <xxhash.h>

namespace hotc::index {

uint64_t hashString(llvm::StringRef S) { return XXH3_64bits(S.data(), S.size()); }

TokenSpan spanOf(const clang::SourceManager &SM, clang::SourceRange R) {
  clang::SourceLocation B = SM.getExpansionRange(R.getBegin()).getBegin();
  clang::SourceLocation E = SM.getExpansionRange(R.getEnd()).getEnd();
  auto [BF, BO] = SM.getDecomposedLoc(B);
  auto [EF, EO] = SM.getDecomposedLoc(E);
  if (BF != EF || EO < BO)
    return {};
  return {BF, BO, EO};
}

uint64_t hashTokens(const clang::SourceManager &SM,
                    const clang::LangOptions &LO, const TokenSpan &Span,
                    const std::vector<TokenSpan> &Skip) {
  if (Span.File.isInvalid())
    return 0;
  bool Invalid = false;
  llvm::StringRef Buf = SM.getBufferData(Span.File, &Invalid);
  if (Invalid || Span.Begin > Buf.size())
    return 0;
  // The raw lexer needs no preprocessor: it yields spellings as written,
  // and drops comments and whitespace.
  clang::Lexer L(SM.getLocForStartOfFile(Span.File), LO, Buf.begin(),
                 Buf.begin() + Span.Begin, Buf.end());
  // One hash over the joined spellings: faster than streaming tiny tokens.
  std::string Text;
  clang::Token T;
  while (true) {
    L.LexFromRawLexer(T);
    if (T.is(clang::tok::eof))
      break;
    unsigned Off = SM.getFileOffset(T.getLocation());
    if (Off > Span.End)
      break;
    bool Skipped = false;
    for (const TokenSpan &S : Skip)
      Skipped |= S.Begin <= Off && Off <= S.End;
    if (Skipped)
      continue;
    Text.append(Buf.data() + Off, T.getLength());
    Text.push_back('\0'); // `a b` and `ab` differ
  }
  return hashString(Text);
}

} // namespace hotc::index
