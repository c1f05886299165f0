// Everything hotc knows about compiler options, in one table (as ccache
// keeps it): which options take a value and in which spellings, which name
// the files a compile writes, which only GCC or the build's own tools
// understand. The launcher reads a compile through it, the patch compiles
// drop what Clang must not see through it, and the source-file rules live
// beside it.
#pragma once

#include "llvm/ADT/StringRef.h"

namespace hotc::frontend {

// How an option carries its value.
enum class ValueForm {
  None,     // -c
  Separate, // -o out.o (the value is the next argument)
  Joined,   // -fdiagnostics-color=always (part of the argument)
  Either,   // -o out.o or -oout.o, -MF x.d or -MFx.d, -I dir or -Idir
};

// What an option means to hotc.
enum class OptionRole {
  Ordinary,    // passed on to patch compiles
  Compile,     // -c: the compile writes an object
  NoObject,    // -E, -S, -M, -MM, -fsyntax-only: the compile writes no object
  Output,      // -o: the object
  Depfile,     // -MF: the depfile
  WritesDeps,  // -MD, -MMD: a depfile beside the object
  DepsControl, // -MT, -MQ, -MP: depfile contents
  BuildOnly,   // the build's business (-Werror, -save-temps...): not for patches
  GccOnly,     // only GCC takes it (-fno-plt, -fipa-*...): not for Clang
};

struct CompilerOption {
  llvm::StringLiteral Spelling;
  ValueForm Value;
  OptionRole Role;
  bool Prefix = false; // a family: every option starting with Spelling
};

struct MatchedOption {
  const CompilerOption *Option = nullptr; // null: not in the table
  bool ValueIsNext = false;               // the next argument is its value
  llvm::StringRef JoinedValue;            // the value inside the argument
};

// The table's entry for Arg (as written on a command line).
MatchedOption matchOption(llvm::StringRef Arg);

// Whether hotc's patch compiles (Clang, writing nothing to disk) drop Arg.
bool droppedFromPatchCompiles(OptionRole Role);
// Whether a patch compiled by the build's own compiler (to an object of
// hotc's, jit/build_compiler_patch.h) drops it: its outputs and the build's
// business go, GCC-only options stay.
bool droppedFromBuildCompilerPatches(OptionRole Role);

// Source files a compiler compiles (by extension), and which are C++.
bool isSourceFile(llvm::StringRef Path);
bool isCxxSource(llvm::StringRef Path);

} // namespace hotc::frontend
