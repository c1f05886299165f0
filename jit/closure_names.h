// Binding a patch's lambdas to the binary's by where they are written.
//
// Clang names the closure type of a lambda in a non-inline function `$_N`,
// numbered in the order it emits them; GCC names it `Ul<params>E<n>_`,
// numbered its own way (`{lambda(int)#2}`). Neither name tells which
// lambda of the source it is, so a Clang patch of a GCC-built unit would
// create its lambdas anew: the edit of a lambda would reach nothing that
// already holds it (a std::function, a function pointer, a sort's
// comparator compiled into an instantiation), and its statics would start
// from fresh copies. Both compilers' debug information does say where the
// lambda is written: the enclosing function, the file and line (GCC adds
// the column). A patch lambda whose position maps onto one closure of the
// running text is renamed to the binary's symbols before planning; any
// doubt (a line the edit moved, two lambdas on one line that cannot be
// told apart) leaves Clang's names, and the patch warns as before.
#pragma once

#include "jit/live_dwarf.h"
#include "jit/patch_module.h"

#include "llvm/IR/Module.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hotc::jit {

// Lines of a new text mapped onto the text the process runs: the lines a
// line diff keeps, and those of a run of lines the edit replaced by as
// many (a line edited in place is still that line).
class LineMap {
public:
  LineMap(llvm::StringRef Running, llvm::StringRef New);
  // The running text's line of the new text's Line; nullopt when the edit
  // rewrote it.
  std::optional<unsigned> runningLine(unsigned Line) const;

private:
  std::vector<unsigned> RunningOf; // by line of the new text; 0: none
};

struct SymbolRename {
  std::string Patch; // Clang's spelling in the patch module
  std::string Live;  // the binary's spelling
};

// Renames, in M, the functions of closures of SourcePath (and the statics
// of their operator()) that the process has under other names. Running and
// New: the unit's main file as the process runs it and as compiled now.
std::vector<SymbolRename> bindClosuresByPosition(llvm::Module &M,
                                                 llvm::StringRef SourcePath,
                                                 const LineMap &Lines,
                                                 LiveDwarf &Dwarf,
                                                 const LiveView &View);

} // namespace hotc::jit
