#include "analysis/form_index.h"
#include "frontend/disk_file_system.h"
#include "frontend/project_files.h"

#include "analysis/form_walker.h"
#include "analysis/macro_forms.h"
#include "analysis/source_files.h"

#include "frontend/clang_invocation.h"

#include "clang/AST/ASTConsumer.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/FrontendAction.h"
#include "clang/Lex/Preprocessor.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/VirtualFileSystem.h"

using namespace llvm;

namespace hotc::index {
namespace {

struct ParseResult {
  WalkResult Walk;
  MacroRecord Macros;
  std::vector<std::string> Inputs;
  std::vector<uint64_t> Contents; // hash of each input as parsed
  std::vector<std::string> UnitMacros;
};

void addInput(std::string &Text, StringRef Path, StringRef ContentHash) {
  Text += Path;
  Text += '\0';
  Text += ContentHash;
  Text += '\0';
}

class WalkConsumer : public clang::ASTConsumer {
public:
  explicit WalkConsumer(ParseResult &Out) : Out(Out) {}
  void HandleTranslationUnit(clang::ASTContext &Ctx) override {
    walkForms(Ctx, Out.Walk);
    addExpansionEdges(Out.Macros, Out.Walk.Forms, Out.Walk.Spans,
                      Out.Walk.Edges, Out.UnitMacros);
    collectInputs(Ctx.getSourceManager());
  }

private:
  void collectInputs(const clang::SourceManager &SM) {
    ProjectFiles Files(SM);
    add(SM, Files.pathOf(SM.getMainFileID()), SM.getMainFileID());
    for (auto It = SM.fileinfo_begin(); It != SM.fileinfo_end(); ++It) {
      clang::FileID ID = SM.translateFile(It->first);
      if (ID.isInvalid())
        continue;
      const std::string &Path = Files.pathOf(ID);
      if (!Path.empty() && Path != Out.Inputs.front())
        add(SM, Path, ID);
    }
  }
  // The contents as parsed, not as on disk now: a save during the parse
  // must make the next check see a change.
  void add(const clang::SourceManager &SM, const std::string &Path,
           clang::FileID ID) {
    Out.Inputs.push_back(Path);
    Out.Contents.push_back(hashString(SM.getBufferData(ID)));
  }
  ParseResult &Out;
};

class IndexAction : public clang::ASTFrontendAction {
public:
  explicit IndexAction(ParseResult &Out) : Out(Out) {}
  std::unique_ptr<clang::ASTConsumer>
  CreateASTConsumer(clang::CompilerInstance &CI, StringRef) override {
    CI.getPreprocessor().addPPCallbacks(
        recordMacros(CI.getSourceManager(), CI.getLangOpts(), Out.Macros));
    return std::make_unique<WalkConsumer>(Out);
  }

private:
  ParseResult &Out;
};

Expected<ParseResult> parse(const frontend::CompileCommand &Cmd,
                            const StringMap<std::string> *Texts) {
  IntrusiveRefCntPtr<vfs::FileSystem> VFS =
      frontend::createDiskFileSystem(Cmd.Directory);
  if (Texts && !Texts->empty()) {
    auto Memory = makeIntrusiveRefCnt<vfs::InMemoryFileSystem>();
    // Not a structured binding: its value would be a copy, gone with the
    // iteration, and the buffers refer to the texts.
    for (const auto &E : *Texts)
      Memory->addFile(E.getKey(), 0,
                      MemoryBuffer::getMemBuffer(E.getValue(), E.getKey()));
    auto Layered = makeIntrusiveRefCnt<vfs::OverlayFileSystem>(VFS);
    Layered->pushOverlay(Memory);
    VFS = Layered;
  }
  VFS->setCurrentWorkingDirectory(Cmd.Directory);
  frontend::CollectingDiagnostics Diags;
  unsigned OptLevel = 0;
  auto Inv = frontend::makeInvocation(Cmd, Diags, VFS, OptLevel);
  if (!Inv)
    return Inv.takeError();
  clang::CompilerInstance Clang;
  Clang.setInvocation(std::move(*Inv));
  Clang.createDiagnostics(&Diags, /*ShouldOwnClient=*/false);
  Clang.createFileManager(VFS);
  ParseResult Result;
  IndexAction Action(Result);
  if (!Clang.ExecuteAction(Action) || Diags.getNumErrors() > 0)
    return make_error<frontend::CompileFailure>(Cmd.File, std::move(Diags.Diags));
  return std::move(Result);
}

} // namespace

const Form *FormIndex::find(const std::string &Id) const {
  for (const Form &F : Forms)
    if (F.Id == Id)
      return &F;
  return nullptr;
}

bool isProjectFile(StringRef Path) { return frontend::isProjectFile(Path); }

uint64_t commandHash(const frontend::CompileCommand &Cmd) {
  std::string Text = Cmd.File + "\n" + Cmd.Directory;
  for (const std::string &A : Cmd.Arguments)
    Text += "\n" + A;
  return hashString(Text);
}

uint64_t inputsHash(const std::vector<std::string> &Inputs,
                    function_ref<std::optional<uint64_t>(const std::string &)> HashOf) {
  std::string Text;
  for (const std::string &Path : Inputs) {
    std::optional<uint64_t> H = HashOf(Path);
    // A file that cannot be read hashes differently from any content.
    addInput(Text, Path, H ? std::to_string(*H) : "missing");
  }
  return hashString(Text);
}

uint64_t inputsHash(const std::vector<std::string> &Inputs) {
  return inputsHash(Inputs, [](const std::string &Path) -> std::optional<uint64_t> {
    auto Buf = frontend::readFile(Path);
    if (!Buf)
      return std::nullopt;
    return hashString((*Buf)->getBuffer());
  });
}

Expected<FormIndex> indexTranslationUnit(const frontend::CompileCommand &Cmd,
                                         const StringMap<std::string> *Texts) {
  auto Parsed = parse(Cmd, Texts);
  if (!Parsed)
    return Parsed.takeError();
  FormIndex Out;
  Out.MainFile = Parsed->Inputs.empty() ? Cmd.File : Parsed->Inputs.front();
  Out.CommandHash = commandHash(Cmd);
  std::string Text;
  for (size_t I = 0; I < Parsed->Inputs.size(); ++I)
    addInput(Text, Parsed->Inputs[I], std::to_string(Parsed->Contents[I]));
  Out.InputsHash = hashString(Text);
  Out.Inputs = std::move(Parsed->Inputs);
  Out.InputHashes = std::move(Parsed->Contents);
  Out.Forms = std::move(Parsed->Walk.Forms);
  for (Form &M : Parsed->Macros.Forms)
    Out.Forms.push_back(std::move(M));
  Out.Edges = std::move(Parsed->Walk.Edges);
  Out.UnitMacros = std::move(Parsed->UnitMacros);
  return std::move(Out);
}

} // namespace hotc::index
