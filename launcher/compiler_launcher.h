// `hotc <compiler> ARGS...`: run the build's compiler and record what it did.
//
// Used as CMAKE_<LANG>_COMPILER_LAUNCHER (hotreload_enable() sets it) or by
// hand. The compiler runs with its arguments unchanged and hotc's stdio; its
// exit code is hotc's (128 + signal when a signal ended it). After a
// successful compile to an object, hotc records in <build dir>/.hotc/:
//
//   objects/<xxh3-64 hex of the object's absolute path>.json
//     {version, object, directory, launchers[], command[], source, depfile,
//      inputs: {absolute path: xxh3-128 hex}}
//   blobs/<xxh3-128 hex>   the content of each input, as the compiler read it
//
// so a later `hotc watch` knows exactly which source the object was built
// from, even when it was edited after the build. `command` has @rspfiles
// expanded (Ninja deletes them after the build) and starts at the compiler;
// launchers chained after hotc (ccache, sccache, distcc...) are in
// `launchers`. Inputs are the main source and the headers of the depfile,
// except system headers under /usr/. Recording never changes the exit code:
// when it fails, hotc prints one warning line and removes the object's old
// record, which would be stale.
#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace hotc::driver {

// Argv[0] is the compiler (or a launcher such as ccache), searched in PATH.
int runCompilerLauncher(const std::vector<std::string> &Argv);

// What a compile's arguments say about its files; paths are absolute.
struct CompileFacts {
  std::vector<std::string> Launchers; // ccache etc., before the compiler
  std::vector<std::string> Command;   // compiler and its expanded arguments
  std::string Object;
  std::string Depfile; // empty when the compile writes none
  std::string Source;  // empty when the arguments name no single source
};

// Reads Argv (compiler first) as run in Cwd, with @rspfiles expanded.
// nullopt when it is not a compile to an object file (no -c, or -E, -S, -M).
llvm::Expected<std::optional<CompileFacts>>
readCompileFacts(const std::vector<std::string> &Argv, llvm::StringRef Cwd);

// The prerequisites of every rule of a Make-syntax depfile, unescaped, in
// order (GCC and Clang list the main source first).
std::vector<std::string> parseDepfile(llvm::StringRef Text);

// $HOTC_BUILD_DIR, else the nearest directory at or above Cwd holding
// CMakeCache.txt, build.ninja or Makefile. CMake's Makefile generator
// compiles in subdirectories with Makefiles of their own: such a Makefile
// names the top (CMAKE_BINARY_DIR = ...), which is used instead. Empty when
// there is none.
std::string findBuildDir(llvm::StringRef Cwd);

} // namespace hotc::driver
