// The symbols of the running process: where each function and variable the
// patch may bind to lives right now.
//
// A normal executable exports almost nothing, so dlsym cannot find its
// functions. The table is read from `.symtab` (else `.dynsym`) of every
// loaded module, plus the module's load bias. Internal-linkage symbols are
// grouped by translation unit: the linker keeps them after an STT_FILE
// symbol that names the TU's source basename.
#pragma once

#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hotc::jit {

struct LoadedModule {
  std::string Path; // empty for the main executable
  uint64_t Bias = 0;
  std::string BuildId;
  uint64_t TlsModule = 0; // the dynamic linker's TLS module id, 0 for none
};

struct LiveSymbol {
  uint64_t Address = 0;
  uint64_t Room = 0; // bytes to the next function: what a patch may overwrite
  bool IsFunction = false;
  // STT_GNU_IFUNC: Address is the resolver until bindIfuncs() replaces it
  // with the implementation the resolver picks in the process.
  bool IsIfunc = false;
  // STT_TLS: Address is the variable's offset in the TLS block of module
  // TlsModule (what __tls_get_addr takes), the same in every thread.
  uint64_t TlsModule = 0;
};

using SymbolTable = llvm::StringMap<LiveSymbol>;

class LiveSymbols {
public:
  // Reads every module of process Pid. Modules without a file (vdso) and the
  // agent itself are skipped; a module whose file on disk no longer matches
  // the running one (build-id) is an error naming it.
  static llvm::Expected<LiveSymbols> read(int Pid,
                                          const std::vector<LoadedModule> &Mods);

  // External symbols, first definition in load order winning (as ld.so does).
  const SymbolTable &globals() const { return Globals; }
  // Internal symbols of the TU whose source file has this basename, or null
  // when the process has none. An error when two TUs share the basename.
  llvm::Expected<const SymbolTable *> localsOf(llvm::StringRef Basename) const;

  size_t size() const { return Count; }

  // The resolvers of every IFUNC symbol still unbound, once each.
  std::vector<uint64_t> ifuncResolvers() const;
  // Binds each IFUNC symbol to Implementations[i] of its resolver
  // Resolvers[i] (as the dynamic linker would have); an IFUNC whose
  // resolver is not in the list is dropped (never bound to its resolver).
  void bindIfuncs(llvm::ArrayRef<uint64_t> Resolvers,
                  llvm::ArrayRef<uint64_t> Implementations);

private:
  llvm::Error readModule(const std::string &File, const LoadedModule &M);

  SymbolTable Globals;
  llvm::StringMap<std::vector<SymbolTable>> LocalsByFile;
  size_t Count = 0;
};

} // namespace hotc::jit
