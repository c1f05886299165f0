#include "jit/unit_baseline.h"
#include "frontend/clang_invocation.h"
#include "support/elapsed.h"

#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace hotc::jit {
namespace {

// Whether a unit's code is part of the process: it has internal symbols
// there, or one of its strong external functions is there.
bool linkedIntoProcess(const std::vector<std::string> &ExternalFunctions,
                       const frontend::CompileCommand &Cmd, const LiveSymbols &Process) {
  auto Locals = Process.localsOf(sys::path::filename(Cmd.File));
  if (!Locals) // cannot tell: compiling it is the safe side
    return (consumeError(Locals.takeError()), true);
  if (*Locals)
    return true;
  for (const std::string &F : ExternalFunctions)
    if (Process.globals().count(F))
      return true;
  return false;
}

std::vector<std::string> externalFunctionsOf(const Module &M) {
  std::vector<std::string> Out;
  for (const Function &F : M)
    if (!F.isDeclaration() && F.hasExternalLinkage())
      Out.push_back(F.getName().str());
  return Out;
}

} // namespace

std::vector<std::string> absoluteInputs(const std::vector<std::string> &Inputs,
                                        StringRef Directory) {
  std::vector<std::string> Out;
  for (const std::string &In : Inputs) {
    SmallString<256> P(In);
    if (!sys::path::is_absolute(P))
      sys::fs::make_absolute(Directory, P);
    sys::path::remove_dots(P, true);
    Out.push_back(P.str().str());
  }
  return Out;
}

namespace {

BaselineFacts factsOf(const CompiledTu &Compiled, const frontend::CompileCommand &Cmd) {
  BaselineFacts Facts;
  Facts.Live = canonicalFunctionHashes(*Compiled.Module);
  for (const std::string &G : Compiled.Rerun)
    Facts.Live["init:" + G] = initialiserHash(*Compiled.Module, G);
  Facts.LiveLayouts = typeLayoutsOf(*Compiled.Module);
  Facts.LiveStatics = staticsOf(*Compiled.Module);
  Facts.Inputs = absoluteInputs(Compiled.Inputs, Cmd.Directory);
  Facts.OptLevel = Compiled.OptLevel;
  Facts.ExternalFunctions = externalFunctionsOf(*Compiled.Module);
  return Facts;
}

} // namespace

Expected<UnitState> compileBaseline(const frontend::CompileCommand &Cmd,
                                    const LiveSymbols &Process,
                                    const FileOverlay *Snapshot,
                                    BaselineFacts *Learned) {
  auto Start = std::chrono::steady_clock::now();
  auto Compiler = std::make_unique<UnitCompiler>(Cmd);
  UnitCompileStats Stats;
  auto Compiled = Compiler->compileAll(&Stats, Snapshot);
  if (!Compiled)
    return Compiled.takeError();
  Compiler->accept();
  BaselineFacts Facts = factsOf(*Compiled, Cmd);
  if (Learned)
    *Learned = Facts;
  UnitState U = restoreBaseline(Cmd, std::move(Facts), Process, std::nullopt);
  U.Compiler = std::move(Compiler);
  U.PreambleBytes = Stats.PreambleBytes;
  U.PreambleMs = Stats.PreambleMs;
  U.BaselineMs = msSince(Start);
  return std::move(U);
}

Expected<BaselineFacts> learnBaseline(const frontend::CompileCommand &Cmd,
                                      const FileOverlay &Snapshot) {
  UnitCompiler Compiler(Cmd);
  auto Compiled = Compiler.compileAll(nullptr, &Snapshot);
  if (!Compiled)
    return Compiled.takeError();
  return factsOf(*Compiled, Cmd);
}

UnitState restoreBaseline(const frontend::CompileCommand &Cmd, BaselineFacts Facts,
                          const LiveSymbols &Process,
                          std::optional<std::string> RunningText) {
  UnitState U;
  U.Command = Cmd;
  U.InProcess = linkedIntoProcess(Facts.ExternalFunctions, Cmd, Process);
  U.Live = std::move(Facts.Live);
  U.LiveLayouts = std::move(Facts.LiveLayouts);
  U.LiveStatics = std::move(Facts.LiveStatics);
  U.Inputs = std::move(Facts.Inputs);
  U.OptLevel = Facts.OptLevel;
  U.Compiler = std::make_unique<UnitCompiler>(Cmd);
  if (RunningText)
    U.Compiler->acceptText(std::move(*RunningText));
  return U;
}

UnitState pendingBaseline(const frontend::CompileCommand &Cmd, FileOverlay BuildText) {
  UnitState U;
  U.Command = Cmd;
  U.Loaded = false;
  U.InProcess = true;
  // What the baseline's compile will say (the same reading of the
  // command): a save is planned before the baselines it does not reach
  // are compiled, and the plan asks which units are optimised.
  frontend::patchCompileArguments(Cmd, U.OptLevel);
  std::vector<std::string> Recorded;
  for (const auto &F : BuildText)
    Recorded.push_back(F.getKey().str());
  U.Inputs = absoluteInputs(Recorded, Cmd.Directory);
  if (!is_contained(U.Inputs, Cmd.File))
    U.Inputs.push_back(Cmd.File);
  U.BuildText = std::move(BuildText);
  U.Compiler = std::make_unique<UnitCompiler>(Cmd);
  return U;
}

} // namespace hotc::jit
