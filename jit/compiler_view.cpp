#include "jit/compiler_view.h"
#include "frontend/project_files.h"

#include "clang/Basic/Diagnostic.h"
#include "llvm/ADT/StringExtras.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendActions.h"
#include "clang/Lex/MacroInfo.h"
#include "clang/Lex/Preprocessor.h"
#include "clang/Lex/PreprocessorOptions.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <cstring>
#include <mutex>

using namespace llvm;

namespace hotc::jit {

char CompilerViewMismatch::ID;

namespace {

// `#define NAME VALUE` lines; function-like macros are left out (none of
// the compiler-identity macros is one).
StringMap<std::string> parseDefines(StringRef Text) {
  StringMap<std::string> Out;
  SmallVector<StringRef, 0> Lines;
  Text.split(Lines, '\n');
  for (StringRef L : Lines) {
    if (!L.consume_front("#define "))
      continue;
    auto [Name, Value] = L.split(' ');
    if (!Name.contains('('))
      Out[Name] = Value.trim().str();
  }
  return Out;
}

// The build's command asked for its predefined macros: outputs, dependency
// files, -c and the source dropped; -E -dM on an empty input added.
std::vector<std::string> predefinesCommand(const frontend::CompileCommand &Cmd, bool Cxx) {
  std::vector<std::string> Args = {Cmd.Arguments.front()};
  for (size_t I = 1; I < Cmd.Arguments.size(); ++I) {
    StringRef A = Cmd.Arguments[I];
    if (A == "-o" || A == "-MF" || A == "-MT" || A == "-MQ") {
      ++I;
      continue;
    }
    if (A == "-c" || A.starts_with("-M") || A.starts_with("-o") || A == Cmd.File ||
        (!A.starts_with("-") && sys::path::filename(A) == sys::path::filename(Cmd.File)))
      continue;
    Args.push_back(A.str());
  }
  for (const char *Extra : {"-E", "-dM", "-x", Cxx ? "c++" : "c", "/dev/null"})
    Args.push_back(Extra);
  return Args;
}

BuildCompilerMacros ask(const std::vector<std::string> &Args) {
  BuildCompilerMacros Out;
  Out.Compiler = sys::path::filename(Args.front()).str();
  auto Program = sys::findProgramByName(Args.front());
  SmallString<128> Temp;
  if (!Program || sys::fs::createTemporaryFile("hotc-predefined", "txt", Temp))
    return Out;
  std::vector<StringRef> Argv(Args.begin(), Args.end());
  std::optional<StringRef> Redirects[] = {StringRef("/dev/null"), StringRef(Temp),
                                          StringRef("/dev/null")};
  int Status = sys::ExecuteAndWait(*Program, Argv, std::nullopt, Redirects, 60);
  auto Text = MemoryBuffer::getFile(Temp);
  sys::fs::remove(Temp);
  if (Status != 0 || !Text)
    return Out;
  Out.Macros = parseDefines((*Text)->getBuffer());
  Out.IsClang = Out.Macros.count("__clang__") != 0;
  Out.Known = !Out.Macros.empty();
  return Out;
}

std::string keyOf(const std::string &File, unsigned Offset) {
  return File + ":" + std::to_string(Offset);
}

class ConditionRecorder : public clang::PPCallbacks {
public:
  ConditionRecorder(clang::SourceManager &SM, ConditionLog &Log,
                    std::shared_ptr<const StringSet<>> Divergent)
      : SM(SM), Log(Log), Divergent(std::move(Divergent)) {}

  void MacroExpands(const clang::Token &Tok, const clang::MacroDefinition &,
                    clang::SourceRange, const clang::MacroArgs *) override {
    use(Tok);
  }
  void Defined(const clang::Token &Tok, const clang::MacroDefinition &,
               clang::SourceRange) override {
    use(Tok);
  }
  void If(clang::SourceLocation Loc, clang::SourceRange Cond,
          ConditionValueKind V) override {
    outcome(Loc, Cond, V == CVK_True);
  }
  void Elif(clang::SourceLocation Loc, clang::SourceRange Cond,
            ConditionValueKind V, clang::SourceLocation) override {
    if (V != CVK_NotEvaluated)
      outcome(Loc, Cond, V == CVK_True);
  }
  void Ifdef(clang::SourceLocation Loc, const clang::Token &Tok,
             const clang::MacroDefinition &MD) override {
    use(Tok);
    outcome(Loc, Tok.getLocation(), bool(MD));
  }
  void Ifndef(clang::SourceLocation Loc, const clang::Token &Tok,
              const clang::MacroDefinition &MD) override {
    use(Tok);
    outcome(Loc, Tok.getLocation(), !MD);
  }

private:
  // The project file and offset a location is expanded at; false in system
  // headers and built-in buffers.
  bool place(clang::SourceLocation L, ConditionLog::Place &P) {
    L = SM.getExpansionLoc(L);
    if (L.isInvalid() || SM.isInSystemHeader(L))
      return false;
    auto Entry = SM.getFileEntryRefForID(SM.getFileID(L));
    if (!Entry || !frontend::isProjectFile(Entry->getName()))
      return false;
    P.File = Entry->getName().str();
    P.Offset = SM.getFileOffset(L);
    P.Line = SM.getExpansionLineNumber(L);
    return true;
  }
  void use(const clang::Token &Tok) {
    const clang::IdentifierInfo *II = Tok.getIdentifierInfo();
    if (!Divergent || !II || !Divergent->contains(II->getName()))
      return;
    ConditionLog::Use U;
    if (place(Tok.getLocation(), U.At)) {
      U.Macro = II->getName().str();
      Log.Uses.push_back(std::move(U));
    }
  }
  void outcome(clang::SourceLocation Loc, clang::SourceRange Cond, bool True) {
    ConditionLog::Place P, B, E;
    if (!place(Loc, P))
      return;
    std::string Key = keyOf(P.File, P.Offset);
    Log.Outcomes[Key] = True;
    Log.Directives[Key] = P;
    if (place(Cond.getBegin(), B) && place(Cond.getEnd(), E) && B.File == E.File)
      Log.Conditions.push_back({B.File, B.Offset, E.Offset + 1});
  }

  clang::SourceManager &SM;
  ConditionLog &Log;
  std::shared_ptr<const StringSet<>> Divergent;
};

// Preprocesses the unit alone, recording into Log.
class RecordingPreprocess : public clang::PreprocessOnlyAction {
public:
  explicit RecordingPreprocess(ConditionLog &Log) : Log(Log) {}
  bool BeginSourceFileAction(clang::CompilerInstance &CI) override {
    CI.getPreprocessor().addPPCallbacks(
        recordConditions(CI.getPreprocessor(), Log, nullptr));
    return PreprocessOnlyAction::BeginSourceFileAction(CI);
  }

private:
  ConditionLog &Log;
};

// The unit preprocessed with the build compiler's predefined macros only.
ConditionLog buildCompilerView(const frontend::CompileCommand &Cmd,
                               const clang::CompilerInvocation &Base,
                               IntrusiveRefCntPtr<vfs::FileSystem> VFS,
                               StringRef Main, const BuildCompilerMacros &Build) {
  auto Inv = std::make_shared<clang::CompilerInvocation>(Base);
  clang::PreprocessorOptions &PPO = Inv->getPreprocessorOpts();
  PPO.UsePredefines = false;
  PPO.Macros.clear();
  for (const auto &M : Build.Macros)
    PPO.addMacroDef((M.getKey() + "=" + M.second).str());
  for (const auto &M : Base.getPreprocessorOpts().Macros) // the build's -D/-U
    PPO.Macros.push_back(M);
  PPO.addRemappedFile(Cmd.File, MemoryBuffer::getMemBufferCopy(Main, Cmd.File).release());
  clang::CompilerInstance CI;
  CI.setInvocation(std::move(Inv));
  // Errors are expected (headers that insist on a compiler): the outcomes
  // of the directives seen before them still count.
  CI.createDiagnostics(new clang::IgnoringDiagConsumer, /*ShouldOwnClient=*/true);
  CI.createFileManager(VFS);
  ConditionLog Log;
  RecordingPreprocess Action(Log);
  CI.ExecuteAction(Action);
  return Log;
}

// 202002L and 202002 are one value, and so are 0x7fffffff and 2147483647
// (GCC and Clang spell __INT_MAX__ so): integer literals compare by value.
bool sameValue(StringRef A, StringRef B) {
  auto Bare = [](StringRef V) {
    if (V.empty() || !isDigit(V.front()))
      return V;
    return V.rtrim("uUlL");
  };
  StringRef BA = Bare(A), BB = Bare(B);
  uint64_t VA = 0, VB = 0;
  // Radix 0: 0x hexadecimal, 0b binary, a leading 0 octal, else decimal.
  if (!BA.getAsInteger(0, VA) && !BB.getAsInteger(0, VB))
    return VA == VB;
  return BA == BB;
}

bool inCondition(const ConditionLog &Log, const ConditionLog::Use &U) {
  for (const ConditionLog::Range &R : Log.Conditions)
    if (R.File == U.At.File && U.At.Offset >= R.Begin && U.At.Offset < R.End)
      return true;
  return false;
}

std::string valueOr(const StringMap<std::string> &M, StringRef Name) {
  auto It = M.find(Name);
  return It == M.end() ? "undefined" : It->second;
}

} // namespace

const BuildCompilerMacros &buildCompilerMacros(const frontend::CompileCommand &Cmd, bool Cxx) {
  static std::mutex Lock;
  static std::map<std::string, BuildCompilerMacros> Known;
  std::vector<std::string> Args = predefinesCommand(Cmd, Cxx);
  std::string Key = join(Args, "\x1f");
  std::lock_guard<std::mutex> G(Lock);
  auto It = Known.find(Key);
  if (It == Known.end())
    It = Known.emplace(Key, ask(Args)).first;
  return It->second;
}

std::unique_ptr<clang::PPCallbacks>
recordConditions(clang::Preprocessor &PP, ConditionLog &Log,
                 std::shared_ptr<const StringSet<>> Divergent) {
  return std::make_unique<ConditionRecorder>(PP.getSourceManager(), Log,
                                             std::move(Divergent));
}

std::shared_ptr<const StringSet<>>
divergentMacros(const BuildCompilerMacros &Build, StringRef ClangPredefines) {
  auto Out = std::make_shared<StringSet<>>();
  if (!Build.Known || Build.IsClang)
    return Out;
  StringMap<std::string> Clang = parseDefines(ClangPredefines);
  for (const auto &M : Clang)
    if (!sameValue(valueOr(Build.Macros, M.getKey()), M.second))
      Out->insert(M.getKey());
  for (const auto &M : Build.Macros)
    if (!Clang.count(M.getKey()))
      Out->insert(M.getKey());
  return Out;
}

std::string compareWithBuildCompiler(const frontend::CompileCommand &Cmd,
                                     const clang::CompilerInvocation &Base,
                                     IntrusiveRefCntPtr<vfs::FileSystem> VFS,
                                     StringRef Main, const ConditionLog &Log,
                                     const StringSet<> &Divergent,
                                     StringRef ClangPredefines) {
  // Not a macro, but compiler-specific text all the same: GCC writes
  // "void f() [with T = int]", Clang "void f() [T = int]".
  for (size_t At = Main.find("__PRETTY_FUNCTION__"); At != StringRef::npos;
       At = Main.find("__PRETTY_FUNCTION__", At + 1)) {
    bool Starts = At == 0 || !(isAlnum(Main[At - 1]) || Main[At - 1] == '_');
    size_t End = At + strlen("__PRETTY_FUNCTION__");
    bool Ends = End == Main.size() || !(isAlnum(Main[End]) || Main[End] == '_');
    if (Starts && Ends)
      return formatv("{0}:{1}: uses __PRETTY_FUNCTION__, whose text differs "
                     "between {2} and Clang: not patched",
                     Cmd.File, 1 + Main.take_front(At).count('\n'),
                     sys::path::filename(Cmd.Arguments.front()))
          .str();
  }
  if (Log.Uses.empty())
    return "";
  const BuildCompilerMacros &Build =
      buildCompilerMacros(Cmd, Base.getLangOpts().CPlusPlus);
  StringMap<std::string> Clang = parseDefines(ClangPredefines);
  auto Values = [&](const std::string &Macro) {
    return formatv("{0} has {1} = {2}, Clang {3}", Build.Compiler, Macro,
                   valueOr(Build.Macros, Macro), valueOr(Clang, Macro))
        .str();
  };
  const ConditionLog::Use *InCondition = nullptr;
  for (const ConditionLog::Use &U : Log.Uses) {
    if (!inCondition(Log, U))
      return formatv("{0}:{1}: uses {2} ({3}): code compiled by Clang would "
                     "differ from what the process runs; not patched",
                     U.At.File, U.At.Line, U.Macro, Values(U.Macro))
          .str();
    InCondition = InCondition ? InCondition : &U;
  }
  ConditionLog Gcc = buildCompilerView(Cmd, Base, VFS, Main, Build);
  for (const auto &[Key, Outcome] : Log.Outcomes) {
    auto It = Gcc.Outcomes.find(Key);
    if (It == Gcc.Outcomes.end() || It->second == Outcome)
      continue;
    const ConditionLog::Place &P = Log.Directives.at(Key);
    std::string Macro = InCondition->Macro;
    for (const ConditionLog::Use &U : Log.Uses)
      if (U.At.File == P.File && U.At.Line == P.Line)
        Macro = U.Macro;
    return formatv("{0}:{1}: this conditional is {2} for {3} but {4} for "
                   "Clang ({5}): code compiled by Clang would differ from what "
                   "the process runs; not patched",
                   P.File, P.Line, It->second ? "true" : "false", Build.Compiler,
                   Outcome ? "true" : "false", Values(Macro))
        .str();
  }
  return "";
}

} // namespace hotc::jit
