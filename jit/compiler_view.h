// Where Clang's view of a unit the build compiled with GCC differs from
// what GCC saw: predefined macros. Clang claims __GNUC__ 4 and defines
// __clang__; a project header testing `__GNUC__ < 10` around a class's
// special members makes the class non-trivial for Clang only, and a patch
// then passes it through a hidden pointer where GCC's callers use RAX.
//
// Telling Clang GCC's version (-fgnuc-version=12) is no cure: glibc's
// headers then use GCC-only attributes and types (`__malloc__ (f, 1)`,
// `_Float128` in C) and every unit fails to compile. So the check is
// exact instead: each conditional directive of a project file whose
// condition uses a macro the two compilers predefine differently is
// evaluated again under GCC's predefined macros (preprocessing only); a
// different outcome, or such a macro expanded in project code, is reported
// with the place and both values, and the patch of that unit is compiled
// by the build's own compiler instead (jit/build_compiler_patch.h).
#pragma once

#include "jit/tu_compiler.h"

#include "clang/Frontend/CompilerInvocation.h"
#include "clang/Lex/PPCallbacks.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/VirtualFileSystem.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace clang {
class Preprocessor;
}

namespace hotc::jit {

// What one preprocessor pass saw in the project's files (system headers
// are left out: they are written for both compilers).
struct ConditionLog {
  struct Place {
    std::string File;
    unsigned Offset = 0;
    unsigned Line = 0;
  };
  // Outcome of each #if/#elif/#ifdef/#ifndef, by "file:offset".
  std::map<std::string, bool> Outcomes;
  std::map<std::string, Place> Directives;
  // Uses (expansion, defined(), #ifdef) of macros the compilers predefine
  // differently, and the condition ranges they may lie in.
  struct Use {
    Place At;
    std::string Macro;
  };
  std::vector<Use> Uses;
  struct Range {
    std::string File;
    unsigned Begin = 0, End = 0;
  };
  std::vector<Range> Conditions;
};

// The build compiler's predefined macros for this command (asked once per
// compiler and flags). IsClang: nothing to check.
struct BuildCompilerMacros {
  bool Known = false;
  bool IsClang = false;
  std::string Compiler;            // its name, for messages
  llvm::StringMap<std::string> Macros;
};
const BuildCompilerMacros &buildCompilerMacros(const frontend::CompileCommand &Cmd, bool Cxx);

// Callbacks filling Log for a pass of PP. Divergent: the macro names to
// note uses of; null notes none (the GCC-view pass).
std::unique_ptr<clang::PPCallbacks>
recordConditions(clang::Preprocessor &PP, ConditionLog &Log,
                 std::shared_ptr<const llvm::StringSet<>> Divergent);

// Names whose predefinition differs between Clang (its predefines text)
// and the build's compiler.
std::shared_ptr<const llvm::StringSet<>>
divergentMacros(const BuildCompilerMacros &Build, llvm::StringRef ClangPredefines);

// "" when Clang's view of the unit matches the build compiler's in every
// project file; else the refusal, with file:line and both values. Runs the
// GCC-view preprocessing of Main only when Log holds uses in conditions.
std::string compareWithBuildCompiler(const frontend::CompileCommand &Cmd,
                                     const clang::CompilerInvocation &Base,
                                     llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem> VFS,
                                     llvm::StringRef Main, const ConditionLog &Log,
                                     const llvm::StringSet<> &Divergent,
                                     llvm::StringRef ClangPredefines);

// A patch refused because Clang's view of its unit differs from the build
// compiler's and the build's compiler cannot make this patch either (the
// message names the place, both values and why).
class CompilerViewMismatch : public llvm::ErrorInfo<CompilerViewMismatch> {
public:
  static char ID;
  CompilerViewMismatch(std::string Unit, std::string Why)
      : Unit(std::move(Unit)), Why(std::move(Why)) {}
  void log(llvm::raw_ostream &OS) const override { OS << Why; }
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }
  const std::string &unit() const { return Unit; }

private:
  std::string Unit;
  std::string Why;
};

} // namespace hotc::jit
