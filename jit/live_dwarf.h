// Where the running binary keeps each static variable, by source identity
// (scope and name), read from its DWARF.
//
// The process runs what its own compiler emitted, and compilers spell the
// symbols of internal state differently: a C function static is `calls.0`
// for GCC and `fn.calls` for Clang; GCC adds `L` to anonymous-namespace
// variables. A patch compiled by Clang must still bind to the live
// instance, never start from a fresh copy: the DWARF of the binary names
// each variable with its scope, whichever symbol it got.
#pragma once

#include "jit/live_symbols.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Error.h"

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace llvm {
class DWARFDie;
class DWARFUnit;
class GlobalVariable;
}

namespace hotc::jit {

// A static variable as its source names it: the enclosing scopes, outermost
// first (a function by its linkage name, or its name in C; namespaces by
// name, "(anonymous namespace)"; classes by name), then the variable's name.
struct StaticIdentity {
  std::vector<std::string> Scopes;
  std::string Name;
  std::string key() const;
  std::string spelled() const; // "f()::calls"-like, for messages
};

// The identity of a patch module's global from its debug info; nullopt
// when it carries none. Line: the declaration's line in the patch's text.
std::optional<StaticIdentity> identityOf(const llvm::GlobalVariable &G,
                                         unsigned *Line = nullptr);

// The identity of a DW_TAG_variable DIE, as its scopes name it.
StaticIdentity identityOfVariable(const llvm::DWARFDie &Variable);

// Path made absolute against Dir (when relative and Dir is given), without
// dots: how DWARF's file names and the build's paths are compared.
std::string absolutePath(llvm::StringRef Path, llvm::StringRef Dir);

// A demangled name without its parameters and what follows them:
// "ns::f<int (*)()>(int) const" -> "ns::f<int (*)()>".
std::string withoutParameters(llvm::StringRef Demangled);

class LiveDwarf {
public:
  LiveDwarf();
  LiveDwarf(int Pid, std::vector<LoadedModule> Modules);
  ~LiveDwarf();
  LiveDwarf(LiveDwarf &&) noexcept;
  LiveDwarf &operator=(LiveDwarf &&) noexcept;

  struct Candidate {
    uint64_t Address = 0; // in the process
    unsigned Line = 0;    // DW_AT_decl_line (0 when absent)
  };
  // The variables with this identity in the compile unit of SourcePath, in
  // the order the DWARF lists them (source order); empty when the binary
  // has no such unit or no such variable.
  std::vector<Candidate> find(llvm::StringRef SourcePath, const StaticIdentity &Id);
  // The identity (StaticIdentity::key()) of the unit's variable at
  // Address, if the DWARF has one there.
  std::optional<std::string> identityAt(llvm::StringRef SourcePath, uint64_t Address);
  // Whether the binary has DWARF for the unit of SourcePath at all.
  bool describes(llvm::StringRef SourcePath);
  // The same from the compile units' names alone (no variable is read),
  // and whether any module of the process has compile units at all.
  bool hasUnit(llvm::StringRef SourcePath);
  bool hasCompileUnits();

  // A lambda's closure type as the binary's DWARF describes it: where the
  // lambda is written and the code of its members. Compilers name closure
  // types each their own way (GCC `Ul<params>E<n>_`, Clang `$_N`, each
  // numbered differently); where it is written is what both agree on.
  struct Closure {
    std::string Enclosing; // symbol of the function it is written in
    std::string File;      // absolute path, without dots
    unsigned Line = 0, Column = 0; // Column 0 when the DWARF has none
    // Members with code in the process: DW_AT_name ("operator()", "_FUN",
    // "operator int (*)(int)") and live address.
    std::vector<std::pair<std::string, uint64_t>> Members;
    // Live addresses of the functions whose code holds an inlined copy of
    // a member (the optimiser's copies: the enclosing function, `_FUN`, a
    // std::function's invoker).
    std::vector<uint64_t> Holders;
    // Statics of its members: name and live address.
    std::vector<std::pair<std::string, uint64_t>> Statics;
  };
  // The closures of lambdas written in functions of SourcePath's unit that
  // have code, inlined copies or statics in the process, in DWARF order.
  const std::vector<Closure> &closures(llvm::StringRef SourcePath);

  // A function with code in the process, as the DWARF names it: the
  // compile unit that holds the code (its source path) and the symbol
  // (linkage name, or the name of a C function).
  struct Function {
    std::string Unit;
    std::string Symbol;
    bool operator==(const Function &O) const {
      return Unit == O.Unit && Symbol == O.Symbol;
    }
  };
  // Functions whose code the process has, out of line or inlined into
  // callers, named Spec: the symbol, the demangled name, or the demangled
  // name without its parameter list (`step`, `ns::C::f`).
  std::vector<Function> functionsNamed(llvm::StringRef Spec);
  // The compile units (source paths) whose code may reach a global of
  // Record ("particle", "game::Particle") or one of Variables (symbols):
  // those describing the record in full (an incomplete one carries no
  // layout) or naming one of the variables, declared or defined.
  std::vector<std::string> unitsUsing(llvm::StringRef Record,
                                      llvm::ArrayRef<std::string> Variables);
  // Whether the unit of SourcePath has DWARF that names every global its
  // code uses, declared or defined: a full unit built by GCC. Clang's
  // describes no variable a unit only declares; -gsplit-dwarf leaves only
  // a skeleton; a unit without -g has none.
  bool namesEveryGlobalUsed(llvm::StringRef SourcePath);
  // The functions whose code File:Line compiled to (the innermost one
  // where it was inlined). File: the path or a trailing part of it.
  std::vector<Function> functionsAt(llvm::StringRef File, unsigned Line);

private:
  struct Module;
  struct UnitIndex {
    std::map<std::string, std::vector<Candidate>> Variables; // by key()
    std::vector<Closure> Closures;
  };
  const UnitIndex *unitOf(llvm::StringRef SourcePath);
  // Every compile unit of every module, by source path.
  void forEachUnit(llvm::function_ref<void(llvm::StringRef, llvm::DWARFUnit &)> Visit);
  Closure *closureOf(const llvm::DWARFDie &Type, UnitIndex &Index,
                     std::map<uint64_t, size_t> &ClosureAt);
  void noteClosurePart(const llvm::DWARFDie &D, uint64_t Bias, UnitIndex &Index,
                       std::map<uint64_t, size_t> &ClosureAt);
  void load(Module &M);

  int Pid = 0;
  std::vector<std::unique_ptr<Module>> Modules;
  llvm::StringMap<UnitIndex> Units; // by source path, once read
};

} // namespace hotc::jit
