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

#include "jit/identity_binding.h"
#include "jit/live_dwarf.h"
#include "jit/patch_module.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/IR/Module.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hotc::jit {


// The operator() of a patch closure and the functions whose live code may
// hold an inlined copy of it, by the binary's names: when it changes in an
// optimised unit, relinking the holders makes the change reach the
// process. Missing: holders the patch has no copy of, which stay old.
struct InlinedMember {
  std::string Member;
  std::vector<std::string> Holders, Missing;
};

struct ClosureBinding {
  std::vector<SymbolRename> Renames;
  std::vector<InlinedMember> Inlined;
  // Lambdas renamed apart (by a member's Clang name): the process has
  // their Clang names for other lambdas, and nothing tells which lambda of
  // the process they are, if any: they are linked as new code. Those
  // written on lines the edit inserted are new and not listed.
  std::vector<std::string> Apart;
  // Members of lambdas written on lines the edit inserted: new code, whose
  // Clang names may have been other lambdas' in the baseline.
  std::vector<std::string> New;
  // The enclosing functions (symbols) whose lambdas the edit added,
  // removed or moved (a lambda not paired with a live one): GCC numbers a
  // function's lambdas in order ({lambda()#N}), so its compile of the new
  // text may give one lambda's name to another.
  std::vector<std::string> Recounted;
};

// Renames, in M, the functions of closures of SourcePath, the statics of
// their members and the patch's copies of the functions holding inlined
// members, where the process has them under other names. Build, Running
// and New: the unit's main file as the binary was built from it (the
// lines of its DWARF), as the process runs it and as M was compiled from
// (their lines are mapped only when M has lambdas). Changed: M's functions whose code
// differs from the baseline's of the same name; a lambda that took
// another's `$_N` is renamed apart only when its code differs from that
// one's (the same code under that name runs the same).
ClosureBinding bindClosuresByPosition(llvm::Module &M, llvm::StringRef SourcePath,
                                      llvm::StringRef Build, llvm::StringRef Running,
                                      llvm::StringRef New,
                                      LiveDwarf &Dwarf, const LiveView &View,
                                      const llvm::StringSet<> &Changed);

} // namespace hotc::jit
