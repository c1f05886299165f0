#include "frontend/clang_invocation.h"
#include "frontend/compiler_options.h"

#include "clang/Basic/DiagnosticOptions.h"
#include "clang/Basic/SourceManager.h"
#include "clang/Frontend/CompilerInstance.h"
#include "clang/Frontend/Utils.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace hotc::frontend {
namespace {

bool isCxx(const CompileCommand &Cmd) {
  StringRef Compiler = sys::path::filename(Cmd.Arguments.front());
  return Compiler.contains("++") || isCxxSource(Cmd.File);
}

} // namespace

void CollectingDiagnostics::HandleDiagnostic(
    clang::DiagnosticsEngine::Level Level, const clang::Diagnostic &Info) {
  DiagnosticConsumer::HandleDiagnostic(Level, Info);
  if (Level < clang::DiagnosticsEngine::Warning &&
      Level != clang::DiagnosticsEngine::Note)
    return;
  if (Level == clang::DiagnosticsEngine::Note && Diags.empty())
    return;
  SourceDiagnostic D;
  SmallString<256> Msg;
  Info.FormatDiagnostic(Msg);
  D.Message = Msg.str().str();
  switch (Level) {
  case clang::DiagnosticsEngine::Fatal: D.Severity = "fatal error"; break;
  case clang::DiagnosticsEngine::Error: D.Severity = "error"; break;
  case clang::DiagnosticsEngine::Warning: D.Severity = "warning"; break;
  default: D.Severity = "note"; break;
  }
  if (Info.hasSourceManager() && Info.getLocation().isValid()) {
    clang::PresumedLoc P =
        Info.getSourceManager().getPresumedLoc(Info.getLocation());
    if (P.isValid()) {
      D.File = P.getFilename();
      D.Line = P.getLine();
      D.Column = P.getColumn();
    }
  }
  if (D.Severity != "warning")
    Diags.push_back(std::move(D));
}

std::vector<std::string> patchCompileArguments(const CompileCommand &Cmd,
                                               unsigned &OptLevel) {
  std::vector<std::string> Out;
  Out.push_back(isCxx(Cmd) ? "/usr/lib/llvm-19/bin/clang++"
                           : "/usr/lib/llvm-19/bin/clang");
  OptLevel = 0;
  for (size_t I = 1; I < Cmd.Arguments.size(); ++I) {
    StringRef A = Cmd.Arguments[I];
    MatchedOption O = matchOption(A);
    if (O.Option && droppedFromPatchCompiles(O.Option->Role)) {
      if (O.ValueIsNext)
        ++I;
      continue;
    }
    if (A.starts_with("-O")) {
      StringRef L = A.drop_front(2);
      OptLevel = L.empty() ? 1 : (L == "s" || L == "z" || L == "fast") ? 2
                 : L == "g" ? 1 : std::min(3, atoi(L.str().c_str()));
    }
    // A relative source path resolves against the build's directory.
    Out.push_back(A.str());
  }
  // Unoptimised IR: hotc demotes what the process already has before
  // optimising, so GlobalOpt cannot rewrite live globals. Clang marks
  // functions optnone at -O0 only, so the -O flag stays.
  // -w does not silence warnings that are errors by default: GCC 12
  // accepts C++17 `register` (gnuchess) and, in C, implicit function
  // declarations, implicit int and int/pointer conversions (warnings
  // there), which Clang refuses unless told. A Clang build never has them.
  for (const char *Extra : {"-Xclang", "-disable-llvm-passes",
                            "-Wno-unknown-warning-option",
                            "-Wno-unused-command-line-argument", "-w",
                            "-Wno-register",
                            "-Wno-error=implicit-function-declaration",
                            "-Wno-error=implicit-int", "-Wno-error=int-conversion",
                            "-Wno-error=incompatible-function-pointer-types"})
    Out.push_back(Extra);
  return Out;
}

Expected<std::shared_ptr<clang::CompilerInvocation>>
makeInvocation(const CompileCommand &Cmd, CollectingDiagnostics &Diags,
               IntrusiveRefCntPtr<vfs::FileSystem> VFS, unsigned &OptLevel) {
  std::vector<std::string> Args = patchCompileArguments(Cmd, OptLevel);
  std::vector<const char *> Argv;
  for (const std::string &A : Args)
    Argv.push_back(A.c_str());
  auto DiagOpts = makeIntrusiveRefCnt<clang::DiagnosticOptions>();
  auto Engine = clang::CompilerInstance::createDiagnostics(
      DiagOpts.get(), &Diags, /*ShouldOwnClient=*/false);
  clang::CreateInvocationOptions Opts;
  Opts.Diags = Engine;
  Opts.VFS = VFS;
  std::shared_ptr<clang::CompilerInvocation> Inv =
      clang::createInvocation(Argv, Opts);
  if (!Inv)
    return make_error<CompileFailure>(Cmd.File, std::move(Diags.Diags));
  Inv->getFrontendOpts().DisableFree = false;
  return Inv;
}

} // namespace hotc::frontend
