#include "analysis/macro_forms.h"

#include "analysis/source_files.h"

#include "clang/Basic/IdentifierTable.h"
#include "clang/Lex/MacroInfo.h"

#include <set>

using namespace clang;

namespace hotc::index {
namespace {

class MacroRecorder : public PPCallbacks {
public:
  MacroRecorder(const SourceManager &SM, const LangOptions &LO, MacroRecord &Out)
      : SM(SM), LO(LO), Files(SM), Out(Out) {}

  void MacroDefined(const Token &Name, const MacroDirective *MD) override {
    const MacroInfo *MI = MD->getMacroInfo();
    if (!MI || MI->isBuiltinMacro())
      return;
    std::string Id = idOf(Name, MI);
    if (Id.empty())
      return;
    TokenSpan Span =
        spanOf(SM, {MI->getDefinitionLoc(), MI->getDefinitionEndLoc()});
    Form F;
    // A redefinition (after #undef) in the same file is another form.
    unsigned &Count = Definitions[Id];
    F.Id = ++Count == 1 ? Id : Id + "#" + std::to_string(Count);
    F.Kind = FormKind::Macro;
    F.Name = Name.getIdentifierInfo()->getName().str();
    F.File = Files.pathAt(MI->getDefinitionLoc());
    F.BeginLine = SM.getLineNumber(Span.File, Span.Begin);
    F.EndLine = SM.getLineNumber(Span.File, Span.End);
    F.BeginOffset = Span.Begin;
    F.EndOffset = Span.End;
    F.Hash = hashTokens(SM, LO, Span);
    Current[MI] = F.Id;
    Out.Forms.push_back(std::move(F));
  }

  void MacroExpands(const Token &Name, const MacroDefinition &Def,
                    SourceRange Range, const MacroArgs *) override {
    used(Def, Range);
  }
  // Testing whether a macro is defined depends on it as much as expanding
  // it does.
  void Ifdef(SourceLocation, const Token &Name,
             const MacroDefinition &Def) override {
    used(Def, Name.getLocation());
  }
  void Ifndef(SourceLocation, const Token &Name,
              const MacroDefinition &Def) override {
    used(Def, Name.getLocation());
  }
  void Defined(const Token &, const MacroDefinition &Def,
               SourceRange Range) override {
    used(Def, Range);
  }

private:
  void used(const MacroDefinition &Def, SourceRange Range) {
    auto It = Current.find(Def.getMacroInfo());
    if (It == Current.end())
      return; // a system or command-line macro, or not defined
    TokenSpan At = spanOf(SM, Range);
    if (At.File.isValid())
      Out.Expansions.push_back({It->second, At});
  }

  std::string idOf(const Token &Name, const MacroInfo *MI) {
    const std::string &File = Files.pathAt(MI->getDefinitionLoc());
    if (File.empty())
      return "";
    return "macro:" + Name.getIdentifierInfo()->getName().str() + "@" + File;
  }

  const SourceManager &SM;
  const LangOptions &LO;
  ProjectFiles Files;
  MacroRecord &Out;
  llvm::DenseMap<const MacroInfo *, std::string> Current;
  llvm::StringMap<unsigned> Definitions;
};

} // namespace

std::unique_ptr<PPCallbacks> recordMacros(const SourceManager &SM,
                                          const LangOptions &LO,
                                          MacroRecord &Out) {
  return std::make_unique<MacroRecorder>(SM, LO, Out);
}

void addExpansionEdges(const MacroRecord &Macros, const std::vector<Form> &Forms,
                       const std::vector<TokenSpan> &Spans,
                       std::vector<Edge> &Edges,
                       std::vector<std::string> &Unattributed) {
  // Forms of one file nest, and a unit has few of them per file: a scan per
  // expansion is cheap next to the parse.
  std::set<std::pair<std::string, std::string>> Seen;
  for (const MacroExpansion &E : Macros.Expansions) {
    const Form *Best = nullptr;
    unsigned BestSize = ~0u;
    for (size_t I = 0; I < Forms.size(); ++I) {
      if (Forms[I].Kind == FormKind::Lambda || !Spans[I].contains(E.At))
        continue;
      unsigned Size = Spans[I].End - Spans[I].Begin;
      if (Size < BestSize) {
        Best = &Forms[I];
        BestSize = Size;
      }
    }
    if (!Best) {
      if (Seen.emplace("", E.Macro).second)
        Unattributed.push_back(E.Macro);
      continue;
    }
    if (Seen.emplace(Best->Id, E.Macro).second)
      Edges.push_back({Best->Id, E.Macro, EdgeKind::Macro});
  }
}

} // namespace hotc::index
