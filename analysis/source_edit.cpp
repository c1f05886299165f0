#include "analysis/source_edit.h"

#include "analysis/token_hash.h"
#include "support/sequence_diff.h"

#include "clang/Basic/LangOptions.h"
#include "clang/Basic/LangStandard.h"
#include "clang/Lex/Lexer.h"
#include "llvm/TargetParser/Triple.h"

#include <algorithm>
#include <string>

namespace hotc::index {
namespace {

struct RawToken {
  clang::tok::TokenKind Kind;
  unsigned Offset;
  llvm::StringRef Text;
  bool operator==(const RawToken &O) const { return Kind == O.Kind && Text == O.Text; }
};

const clang::LangOptions &cxx20() {
  static const clang::LangOptions LO = [] {
    clang::LangOptions L;
    std::vector<std::string> Includes;
    clang::LangOptions::setLangDefaults(L, clang::Language::CXX, llvm::Triple(),
                                        Includes, clang::LangStandard::lang_cxx20);
    return L;
  }();
  return LO;
}

// Text is a std::string because the lexer reads up to a NUL past the end;
// the tokens point into it. Preprocessor lines come out as ordinary tokens.
std::vector<RawToken> lexRaw(const std::string &Text) {
  // No SourceManager: any file location will do as the base, a token's
  // offset is its distance from it.
  clang::SourceLocation Base = clang::SourceLocation::getFromRawEncoding(1);
  const char *Buf = Text.c_str();
  clang::Lexer L(Base, cxx20(), Buf, Buf, Buf + Text.size());
  std::vector<RawToken> Out;
  clang::Token T;
  while (true) {
    L.LexFromRawLexer(T);
    if (T.is(clang::tok::eof))
      return Out;
    unsigned Off = T.getLocation().getRawEncoding() - Base.getRawEncoding();
    Out.push_back({T.getKind(), Off, llvm::StringRef(Buf + Off, T.getLength())});
  }
}

// `a b` and `ab` join differently.
void join(std::string &Into, llvm::ArrayRef<RawToken> Toks) {
  for (const RawToken &T : Toks)
    Into.append(T.Text.begin(), T.Text.end()).push_back('\0');
}

} // namespace

SourceEdit diffSource(llvm::StringRef Before, llvm::StringRef After,
                      llvm::ArrayRef<Form> FormsOfFile) {
  std::string OldText = Before.str(), NewText = After.str();
  std::vector<RawToken> Old = lexRaw(OldText), New = lexRaw(NewText);
  size_t NO = Old.size(), NN = New.size();
  auto [P, S] = commonEnds(Old, New);
  size_t OE = NO - S, NE = NN - S; // the edit: Old[P, OE) became New[P, NE)
  SourceEdit R;
  if (P == OE && P == NE)
    return R;
  R.Changed = true;

  // Each form as a range [Lo, Hi) of old token indices.
  std::vector<unsigned> Offs(NO);
  for (size_t I = 0; I < NO; ++I)
    Offs[I] = Old[I].Offset;
  std::vector<std::pair<size_t, size_t>> Span;
  for (const Form &F : FormsOfFile) {
    size_t Lo = std::lower_bound(Offs.begin(), Offs.end(), F.BeginOffset) - Offs.begin();
    size_t Hi = std::upper_bound(Offs.begin(), Offs.end(), F.EndOffset) - Offs.begin();
    Span.push_back({Lo, std::max(Lo, Hi)});
  }
  // InTok[I] > 0: old token I lies in some form; InGap[T] > 0: some form
  // holds both tokens T-1 and T. Difference arrays keep this linear.
  std::vector<int> InTok(NO + 1), InGap(NO + 1);
  for (auto [Lo, Hi] : Span) {
    if (Lo == Hi)
      continue;
    ++InTok[Lo], --InTok[Hi];
    if (Hi - Lo >= 2)
      ++InGap[Lo + 1], --InGap[Hi];
  }
  for (size_t I = 1; I <= NO; ++I)
    InTok[I] += InTok[I - 1], InGap[I] += InGap[I - 1];
  // The start and the end of the file hold no form.
  auto GapInForm = [&](size_t T) { return T > 0 && T < NO && InGap[T] > 0; };

  // A pure insertion or deletion may slide: inserting `int h() {}` before
  // `int g() {}` reads as well as inserting `h() {} int` after g's `int`,
  // and the longest prefix picks the latter, inside g. Users add and remove
  // whole forms, so prefer the place whose ends lie between forms.
  if (P == OE || P == NE) {
    bool Ins = P == OE;
    const std::vector<RawToken> &X = Ins ? New : Old;
    size_t Len = (Ins ? NE : OE) - P;
    auto Clean = [&](size_t At) { return !GapInForm(At) + !GapInForm(At + (Ins ? 0 : Len)); };
    size_t Best = P;
    int BestScore = Clean(P);
    for (size_t At = P; At > 0 && X[At - 1] == X[At - 1 + Len] && BestScore < 2;) {
      --At;
      if (Clean(At) > BestScore)
        Best = At, BestScore = Clean(At);
    }
    P = Best;
    OE = Ins ? P : P + Len;
    NE = Ins ? P + Len : P;
  }
  bool Insert = P == OE;

  size_t FirstOff = P < NN ? New[P].Offset : NN ? New[NN - 1].Offset : 0;
  R.FirstLine = 1 + After.take_front(FirstOff).count('\n');
  if (Insert)
    R.OutsideForms = !GapInForm(P);
  for (size_t I = P; I < OE && !R.OutsideForms; ++I)
    R.OutsideForms = InTok[I] == 0;

  // Whether the old changed tokens [From, To) (or the insertion point) lie
  // strictly between F's braces: edits there leave its signature alone.
  auto InBody = [&](const Form &F, size_t From, size_t To) {
    if (F.BodyEnd == 0)
      return false;
    if (Insert)
      return P > 0 && P < NO && F.BodyBegin <= Offs[P - 1] && Offs[P] <= F.BodyEnd;
    return F.BodyBegin < Offs[From] && Offs[To - 1] < F.BodyEnd;
  };
  // A record's hash skips its member functions' bodies. A record holding
  // an edit outside every member body sees its own tokens change, so only
  // functions whose body holds the whole edit can spare a record.
  std::vector<const Form *> Holders;
  for (const Form &F : FormsOfFile)
    if (F.Kind == FormKind::Function && InBody(F, P, OE))
      Holders.push_back(&F);

  // Anything that differs for certain: the new and old changed tokens,
  // never 0, so Hash ^ Salt != Hash.
  std::string Edit;
  join(Edit, llvm::ArrayRef(New).slice(P, NE - P));
  Edit.push_back('\1');
  join(Edit, llvm::ArrayRef(Old).slice(P, OE - P));
  uint64_t Salt = hashString(Edit) | 1;

  for (size_t I = 0; I < FormsOfFile.size(); ++I) {
    const Form &F = FormsOfFile[I];
    auto [Lo, Hi] = Span[I];
    bool Touched = Insert ? Lo < P && P < Hi : Lo < OE && P < Hi;
    if (!Touched)
      continue;
    if (F.Kind == FormKind::Record &&
        std::any_of(Holders.begin(), Holders.end(), [&](const Form *M) {
          return M != &F && F.BeginOffset <= M->BeginOffset && M->EndOffset <= F.EndOffset;
        }))
      continue;
    FormChange C{ChangeKind::Edited, F, F};
    C.After.Hash ^= Salt;
    if (F.Kind == FormKind::Function && !InBody(F, std::max(P, Lo), std::min(OE, Hi))) {
      C.After.SignatureHash ^= Salt; // a signature or a default argument:
      C.After.DefaultArgsHash ^= Salt; // only a parse could tell which
    }
    R.Changes.push_back(std::move(C));
  }
  return R;
}

} // namespace hotc::index
