#include "jit/unit_compiler.h"
#include "support/elapsed.h"
#include "frontend/disk_file_system.h"
#include "frontend/project_files.h"

#include "jit/clang_frontend.h"
#include "jit/focused_codegen.h"

#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/PrecompiledPreamble.h"
#include "clang/Lex/PreprocessorOptions.h"
#include "clang/Serialization/PCHContainerOperations.h"
#include "llvm/Support/MemoryBuffer.h"

#include <chrono>
#include <xxhash.h>
#include <optional>

using namespace llvm;

namespace hotc::jit {
namespace {

// Header bodies are needed for code generation (inline functions), and
// the files the preamble read tell which saves concern this unit.
class PreambleInputs : public clang::PreambleCallbacks {
public:
  std::vector<std::string> Files;
  // The compiler-view check's record of the include block (null: none).
  ConditionLog *Log = nullptr;
  const BuildCompilerMacros *Build = nullptr;
  std::shared_ptr<const StringSet<>> Divergent;
  std::string Predefines;
  clang::Preprocessor *PP = nullptr;
  bool shouldSkipFunctionBody(clang::Decl *) override { return false; }
  void BeforeExecute(clang::CompilerInstance &CI) override {
    if (!Log)
      return;
    PP = &CI.getPreprocessor();
    Predefines = PP->getPredefines();
    Divergent = divergentMacros(*Build, Predefines);
  }
  std::unique_ptr<clang::PPCallbacks> createPPCallbacks() override {
    if (!Log || !PP)
      return nullptr;
    return recordConditions(*PP, *Log, Divergent);
  }
  void AfterExecute(clang::CompilerInstance &CI) override {
    clang::SourceManager &SM = CI.getSourceManager();
    for (auto It = SM.fileinfo_begin(); It != SM.fileinfo_end(); ++It)
      Files.push_back(It->first.getName().str());
  }
};

} // namespace

struct UnitCompiler::State {
  frontend::CompileCommand Cmd;
  IntrusiveRefCntPtr<vfs::FileSystem> VFS;
  std::shared_ptr<clang::CompilerInvocation> Base;
  unsigned OptLevel = 0;
  std::optional<clang::PrecompiledPreamble> Preamble;
  std::vector<std::string> PreambleFiles;
  // The project headers the preamble read. Clang's reuse check compares
  // size and whole-second mtime: a same-size edit within the second of the
  // build would go unseen. A header whose full-precision stat differs is
  // read and its content compared (a touch alone changes nothing).
  struct HeaderStamp {
    uint64_t Size = 0;
    sys::TimePoint<> Modified;
    uint64_t Content = 0;
  };
  llvm::StringMap<HeaderStamp> PreambleHeaders;
  bool headersChanged();
  // The compiler-view check (compiler_view.h), for units GCC built: what
  // the preamble's pass saw, the divergent macros, Clang's predefines.
  const BuildCompilerMacros *Build = nullptr;
  ConditionLog PreambleLog;
  std::shared_ptr<const StringSet<>> Divergent;
  std::string Predefines;
  bool checksView() const { return Build && Build->Known && !Build->IsClang; }
  std::optional<std::string> Accepted; // the text the process runs
  std::string Last;                    // the text of the last compile

  Error prepare(frontend::CollectingDiagnostics &Diags);
  Error refreshPreamble(const MemoryBuffer &Main, frontend::CollectingDiagnostics &Diags,
                        UnitCompileStats *Stats);
  // ForPatch: the compile of an edit, which the compiler-view check
  // judges (a baseline's verdict would go unused).
  Expected<CompiledTu> compile(std::unique_ptr<MemoryBuffer> Main,
                               std::optional<EditRegion> Focus,
                               UnitCompileStats *Stats, bool ForPatch);
  // Compiles with Overlay's contents shadowing the disk, then goes back to
  // the disk (the next compile sees every difference as an edit).
  Expected<CompiledTu> compileOverlaid(const FileOverlay &Overlay,
                                       UnitCompileStats *Stats);
};

Expected<CompiledTu>
UnitCompiler::State::compileOverlaid(const FileOverlay &Overlay,
                                     UnitCompileStats *Stats) {
  frontend::CollectingDiagnostics Diags;
  if (Error E = prepare(Diags))
    return std::move(E);
  auto Memory = makeIntrusiveRefCnt<vfs::InMemoryFileSystem>();
  for (const auto &[Path, Text] : Overlay)
    Memory->addFile(Path, 0, MemoryBuffer::getMemBufferCopy(Text, Path));
  auto Layered = makeIntrusiveRefCnt<vfs::OverlayFileSystem>(VFS);
  Layered->pushOverlay(Memory);
  Layered->setCurrentWorkingDirectory(Cmd.Directory);
  IntrusiveRefCntPtr<vfs::FileSystem> Disk = VFS;
  VFS = Layered;
  auto Main = Overlay.find(Cmd.File);
  auto R = compile(Main != Overlay.end()
                       ? MemoryBuffer::getMemBufferCopy(Main->second, Cmd.File)
                       : MemoryBuffer::getMemBufferCopy("", Cmd.File),
                   std::nullopt, Stats, /*ForPatch=*/false);
  VFS = Disk;
  return R;
}

Error UnitCompiler::State::prepare(frontend::CollectingDiagnostics &Diags) {
  if (Base)
    return Error::success();
  VFS = frontend::createDiskFileSystem(Cmd.Directory);
  auto Inv = frontend::makeInvocation(Cmd, Diags, VFS, OptLevel);
  if (!Inv)
    return Inv.takeError();
  Base = std::move(*Inv);
  // Instantiating templates once, in the preamble, spares every edit.
  Base->getLangOpts().PCHInstantiateTemplates = true;
  Build = &buildCompilerMacros(Cmd, Base->getLangOpts().CPlusPlus);
  return Error::success();
}

static uint64_t contentHash(vfs::FileSystem &FS, const std::string &Path) {
  auto Buf = FS.getBufferForFile(Path);
  return Buf ? XXH3_64bits((*Buf)->getBufferStart(), (*Buf)->getBufferSize())
             : 0;
}

static std::optional<vfs::Status> statOf(vfs::FileSystem &FS, StringRef Path) {
  auto St = FS.status(Path);
  return St ? std::optional<vfs::Status>(*St) : std::nullopt;
}

bool UnitCompiler::State::headersChanged() {
  for (auto &E : PreambleHeaders) {
    auto St = statOf(*VFS, E.getKey());
    if (!St)
      return true;
    HeaderStamp &H = E.second;
    // A file written in the last two seconds may share its stat with an
    // earlier version on a filesystem with coarse timestamps: read it.
    bool Recent = std::chrono::system_clock::now() -
                      St->getLastModificationTime() < std::chrono::seconds(2);
    if (!Recent && St->getSize() == H.Size &&
        St->getLastModificationTime() == H.Modified)
      continue;
    if (contentHash(*VFS, E.getKey().str()) != H.Content)
      return true;
    H.Size = St->getSize(); // same content, new stat: remember it
    H.Modified = St->getLastModificationTime();
  }
  return false;
}

Error UnitCompiler::State::refreshPreamble(const MemoryBuffer &Main,
                                           frontend::CollectingDiagnostics &Diags,
                                           UnitCompileStats *Stats) {
  clang::PreambleBounds Bounds =
      clang::ComputePreambleBounds(Base->getLangOpts(), Main.getMemBufferRef(), 0);
  if (Preamble && !headersChanged() &&
      Preamble->CanReuse(*Base, Main.getMemBufferRef(), Bounds, *VFS))
    return Error::success();
  auto Start = std::chrono::steady_clock::now();
  auto Engine = clang::CompilerInstance::createDiagnostics(
      new clang::DiagnosticOptions, &Diags, /*ShouldOwnClient=*/false);
  PreambleInputs Callbacks;
  ConditionLog Log;
  if (checksView()) {
    Callbacks.Log = &Log;
    Callbacks.Build = Build;
  }
  auto Built = clang::PrecompiledPreamble::Build(
      *Base, &Main, Bounds, *Engine, VFS,
      std::make_shared<clang::PCHContainerOperations>(),
      /*StoreInMemory=*/true, "", Callbacks);
  Preamble.reset();
  PreambleFiles.clear();
  if (Diags.getNumErrors() > 0)
    return make_error<frontend::CompileFailure>(Cmd.File, std::move(Diags.Diags));
  PreambleHeaders.clear();
  PreambleLog = {};
  Divergent.reset();
  if (Built) { // else: compile without a preamble, slower but right
    Preamble.emplace(std::move(*Built));
    PreambleFiles = std::move(Callbacks.Files);
    PreambleLog = std::move(Log);
    Divergent = Callbacks.Divergent;
    Predefines = Callbacks.Predefines;
    for (const std::string &F : PreambleFiles)
      if (frontend::isProjectFile(F) && F != Cmd.File) {
        auto St = statOf(*VFS, F);
        PreambleHeaders[F] = {St ? St->getSize() : 0,
                              St ? St->getLastModificationTime()
                                 : sys::TimePoint<>(),
                              contentHash(*VFS, F)};
      }
  }
  if (Stats) {
    Stats->PreambleBuilt = true;
    Stats->PreambleMs = msSince(Start);
  }
  return Error::success();
}

Expected<CompiledTu>
UnitCompiler::State::compile(std::unique_ptr<MemoryBuffer> Main,
                             std::optional<EditRegion> Focus,
                             UnitCompileStats *Stats, bool ForPatch) {
  frontend::CollectingDiagnostics Diags;
  if (Error E = prepare(Diags))
    return std::move(E);
  UnitCompileStats Local;
  if (!Stats)
    Stats = &Local;
  if (Error E = refreshPreamble(*Main, Diags, Stats))
    return std::move(E);
  // A rebuilt preamble means the include block or a header changed: every
  // function may have changed with it.
  if (Stats->PreambleBuilt || (Focus && Preamble &&
                               Focus->Begin < Preamble->getBounds().Size))
    Focus.reset();

  auto Inv = std::make_shared<clang::CompilerInvocation>(*Base);
  IntrusiveRefCntPtr<vfs::FileSystem> FS = VFS;
  std::string Text = Main->getBuffer().str();
  // The compiler reads exactly the text that was diffed.
  if (Preamble)
    Preamble->AddImplicitPreamble(*Inv, FS, Main.release());
  else
    Inv->getPreprocessorOpts().addRemappedFile(Cmd.File, Main.release());

  auto Context = std::make_unique<LLVMContext>();
  FocusedCodegenAction Action(*Context, Focus);
  bool CheckView = ForPatch && checksView();
  ConditionLog Log;
  std::shared_ptr<const StringSet<>> Seen;
  if (CheckView) {
    if (Preamble) {
      Log = PreambleLog;
      Seen = Divergent;
    }
    Action.Conditions = {&Log, Build, &Seen, &Predefines};
  }
  auto R = runFrontend(Cmd, std::move(Inv), FS, Diags, Action,
                       [&] { return Action.takeModule(); });
  if (!R)
    return R.takeError();
  if (Focus && !Action.focusHeld()) // the edit reached beyond bodies
    return compile(MemoryBuffer::getMemBufferCopy(Text, Cmd.File), std::nullopt,
                   Stats, ForPatch);
  R->Context = std::move(Context);
  R->OptLevel = OptLevel;
  R->Partial = Focus.has_value();
  R->NoReload = std::move(Action.NoReload);
  R->Rerun = std::move(Action.Rerun);
  if (CheckView && Seen)
    R->CompilerView = compareWithBuildCompiler(Cmd, *Base, FS, Text, Log, *Seen, Predefines);
  R->Inputs.insert(R->Inputs.end(), PreambleFiles.begin(), PreambleFiles.end());
  Stats->Focused = R->Partial;
  Stats->PreambleBytes = Preamble ? Preamble->getSize() : 0;
  Last = std::move(Text);
  return R;
}

UnitCompiler::UnitCompiler(frontend::CompileCommand Cmd) : S(std::make_unique<State>()) {
  S->Cmd = std::move(Cmd);
}
UnitCompiler::~UnitCompiler() = default;
UnitCompiler::UnitCompiler(UnitCompiler &&) noexcept = default;

const frontend::CompileCommand &UnitCompiler::command() const { return S->Cmd; }

static Expected<std::unique_ptr<MemoryBuffer>> readSource(const std::string &F) {
  auto Buf = frontend::readFile(F);
  if (!Buf)
    return createStringError(Buf.getError(), "cannot read %s: %s", F.c_str(),
                             Buf.getError().message().c_str());
  return std::move(*Buf);
}

Expected<CompiledTu> UnitCompiler::compileAll(UnitCompileStats *Stats,
                                              const FileOverlay *Overlay) {
  if (Overlay && Overlay->count(S->Cmd.File))
    return S->compileOverlaid(*Overlay, Stats);
  auto Main = readSource(S->Cmd.File);
  if (!Main)
    return Main.takeError();
  return S->compile(std::move(*Main), std::nullopt, Stats, /*ForPatch=*/false);
}

Expected<CompiledTu> UnitCompiler::compileEdit(UnitCompileStats *Stats,
                                               bool Focused,
                                               const std::string *From) {
  auto Main = readSource(S->Cmd.File);
  if (!Main)
    return Main.takeError();
  std::optional<EditRegion> Focus;
  StringRef New = (*Main)->getBuffer();
  if (S->Accepted && Focused) {
    Focus = editRegionOf(*S->Accepted, New);
    // With From, its differences too: never less than the edit alone (an
    // analysis read after the save describes the saved text itself).
    if (From && *From != New) {
      EditRegion R = editRegionOf(*From, New);
      Focus = *S->Accepted == New
                  ? R
                  : EditRegion{std::min(Focus->Begin, R.Begin),
                               std::max(Focus->End, R.End)};
    }
  }
  return S->compile(std::move(*Main), Focus, Stats, /*ForPatch=*/true);
}

void UnitCompiler::accept() { S->Accepted = S->Last; }

void UnitCompiler::acceptText(std::string Text) { S->Accepted = std::move(Text); }

const std::optional<std::string> &UnitCompiler::acceptedText() const {
  return S->Accepted;
}

const std::string &UnitCompiler::lastText() const { return S->Last; }

size_t UnitCompiler::preambleBytes() const {
  return S->Preamble ? S->Preamble->getSize() : 0;
}

void UnitCompiler::dropPreamble() {
  S->Preamble.reset();
  S->PreambleFiles.clear();
  S->PreambleHeaders.clear();
}

} // namespace hotc::jit
