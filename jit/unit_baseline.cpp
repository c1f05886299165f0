#include "jit/unit_baseline.h"
#include "support/elapsed.h"

#include "llvm/IR/Module.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace hotc::jit {
namespace {

// Whether a unit's code is part of the process: it has internal symbols
// there, or one of its strong external functions is there.
bool linkedIntoProcess(const Module &M, const CompileCommand &Cmd,
                       const LiveSymbols &Process) {
  auto Locals = Process.localsOf(sys::path::filename(Cmd.File));
  if (!Locals) // cannot tell: compiling it is the safe side
    return (consumeError(Locals.takeError()), true);
  if (*Locals)
    return true;
  for (const Function &F : M)
    if (!F.isDeclaration() && F.hasExternalLinkage() &&
        Process.globals().count(F.getName()))
      return true;
  return false;
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

Expected<UnitState> compileBaseline(const CompileCommand &Cmd,
                                    const LiveSymbols &Process,
                                    const FileOverlay *Snapshot) {
  auto Start = std::chrono::steady_clock::now();
  auto Compiler = std::make_unique<UnitCompiler>(Cmd);
  UnitCompileStats Stats;
  auto Compiled = Compiler->compileAll(&Stats, Snapshot);
  if (!Compiled)
    return Compiled.takeError();
  Compiler->accept();
  UnitState U;
  U.Command = Cmd;
  U.Compiler = std::move(Compiler);
  U.PreambleBytes = Stats.PreambleBytes;
  U.PreambleMs = Stats.PreambleMs;
  U.Live = canonicalFunctionHashes(*Compiled->Module);
  for (const std::string &G : Compiled->Rerun)
    U.Live["init:" + G] = initialiserHash(*Compiled->Module, G);
  U.LiveLayouts = typeLayoutsOf(*Compiled->Module);
  U.LiveStatics = staticsOf(*Compiled->Module);
  U.Inputs = absoluteInputs(Compiled->Inputs, Cmd.Directory);
  U.OptLevel = Compiled->OptLevel;
  U.InProcess = linkedIntoProcess(*Compiled->Module, Cmd, Process);
  U.BaselineMs = msSince(Start);
  return std::move(U);
}

UnitState pendingBaseline(const CompileCommand &Cmd, FileOverlay BuildText) {
  UnitState U;
  U.Command = Cmd;
  U.Loaded = false;
  U.InProcess = true;
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
