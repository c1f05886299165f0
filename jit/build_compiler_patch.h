// A patch compiled by the build's own compiler, for a unit Clang cannot
// view as GCC did (jit/compiler_view.h: a predefined macro the two
// compilers disagree on changes the unit's code). Clang's compile still
// decides what changed; GCC's object supplies the code.
//
// The unit is compiled again with its build command, its outputs replaced
// by hotc's and with -ffunction-sections -fdata-sections (one block per
// function and variable) and the large code model without PIC: every
// address in the code is a 64-bit absolute, so the patch reaches live code
// and data wherever the JIT memory lies. Its object is then cut down to the
// patch, in JITLink's graph before it is linked:
// - each changed function the process runs gets a versioned symbol for its
//   new code; its own name becomes a reference to the live entry, which the
//   patch re-points (as in the keep/demote transform of Clang's patches);
// - GCC's pieces of a changed function (F.cold, F.part.0) stay new code;
// - everything else the process has (functions, statics, globals, inline
//   functions) becomes a reference to the live instance, whether the code
//   names it or reaches it through its section: state is never duplicated;
// - what the process lacks stays: new functions and variables as the home
//   of later patches, read-only data and helpers as private copies;
// - initialiser sections are dropped: nothing of the unit is initialised
//   again.
#pragma once

#include "jit/build_compiler_statics.h"
#include "jit/patch_module.h"
#include "jit/tu_compiler.h"

#include "llvm/ExecutionEngine/JITLink/JITLink.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <string>
#include <vector>

namespace hotc::jit {

// The unit's object as the build's compiler makes it for a patch.
// A compile error is a frontend::CompileFailure with the compiler's diagnostics.
llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>>
compileWithBuildCompiler(const frontend::CompileCommand &Cmd);

struct BuildCompilerPatch {
  std::unique_ptr<llvm::jitlink::LinkGraph> Graph; // refers into the object
  std::vector<Replacement> Replaced; // Versioned: the new code's symbol
  std::vector<CreatedSymbol> Created;
};

// Cuts Object down to the patch. Plan: what Clang's view of the edit
// replaces and creates. An error names a function the plan replaces that
// GCC emitted no code for, or a GCC copy of a changed function that live
// code calls and the patch cannot re-point. Statics: the object's statics
// whose live instances have other names, or whose names are other live
// statics' (jit/build_compiler_statics.h).
llvm::Expected<BuildCompilerPatch>
cutToPatch(const llvm::MemoryBuffer &Object, const PatchPlan &Plan,
           const LiveView &Live, const StaticRebinding &Statics,
           unsigned Generation, llvm::StringRef Unit);

} // namespace hotc::jit
