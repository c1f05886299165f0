// What the process runs of one translation unit, as hotc knows it: the
// canonical hashes, layouts and statics of the code the build compiled.
//
// A baseline costs a full compile of the unit, so it is taken when a save
// first needs it, not when `hotc watch` starts: a unit the launcher
// recorded is kept pending (its command and the recorded text) until then.
#pragma once

#include "jit/baseline_store.h"
#include "jit/build_compiler_statics.h"
#include "jit/function_hash.h"
#include "jit/identity_binding.h"
#include "jit/layout_check.h"
#include "jit/static_positions.h"
#include "jit/live_symbols.h"
#include "jit/tu_compiler.h"
#include "jit/unit_compiler.h"

#include "llvm/Support/Error.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace hotc::jit {

struct UnitState {
  frontend::CompileCommand Command;
  FunctionHashes Live; // hashes of what the process runs for this unit
  TypeLayouts LiveLayouts; // layouts of the types that code was built with
  BaselineStatics LiveStatics; // variables the process has (Clang's spelling)
  // The main file's text the binary was built from (the lines of its
  // DWARF), kept at the unit's first patch, when it stops being the
  // running text.
  std::optional<std::string> BuildMainText;
  StaticPositions Statics;     // same-named statics, as patches left them
  CreatedStatics BuildCompilerStatics; // created by GCC-compiled patches
  // Absolute, without dots. Of a pending unit: the project files the
  // launcher recorded, until its compile names them all.
  std::vector<std::string> Inputs;
  bool InProcess = false;
  unsigned OptLevel = 0;
  std::unique_ptr<UnitCompiler> Compiler; // warm: preamble, accepted text
  size_t PreambleBytes = 0;               // after the baseline compile
  double PreambleMs = 0;
  // False until the baseline is compiled; BuildText is what it is compiled
  // from (the launcher's record of the build's inputs), dropped after.
  bool Loaded = true;
  FileOverlay BuildText;
  double BaselineMs = 0; // the baseline compile, once loaded
  // A crash undid a version that patched this unit: its accepted text is
  // no longer what runs, so its next patch compiles every function and
  // compares each with Live.
  bool RolledBack = false;
};

// Compiles the baseline of a unit: its text as the build compiled it
// (Snapshot, the launcher's record) or, without one, as on disk now.
// Learned, if given, receives its facts (for the BaselineStore).
// Safe to call from several threads for different units.
llvm::Expected<UnitState> compileBaseline(const frontend::CompileCommand &Cmd,
                                          const LiveSymbols &Process,
                                          const FileOverlay *Snapshot,
                                          BaselineFacts *Learned = nullptr);

// The facts of a baseline compiled from Snapshot, the compiler dropped
// after (a baseline prepared for a later run: jit/baseline_store.h).
llvm::Expected<BaselineFacts> learnBaseline(const frontend::CompileCommand &Cmd,
                                            const FileOverlay &Snapshot);

// A baseline from facts learned before (a BaselineStore entry): no
// compile; its compiler starts cold (no preamble) and takes RunningText,
// the main file's text the process runs, as its accepted text.
UnitState restoreBaseline(const frontend::CompileCommand &Cmd, BaselineFacts Facts,
                          const LiveSymbols &Process,
                          std::optional<std::string> RunningText);

// A unit whose baseline is compiled from BuildText when first needed. It
// is taken as part of the process until that compile tells otherwise.
UnitState pendingBaseline(const frontend::CompileCommand &Cmd, FileOverlay BuildText);

// Inputs as absolute paths without dots, made once: every save compares
// against them.
std::vector<std::string> absoluteInputs(const std::vector<std::string> &Inputs,
                                        llvm::StringRef Directory);

} // namespace hotc::jit
