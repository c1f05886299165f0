// The module ids of a patch's thread-local accesses.
//
// A general-dynamic access calls __tls_get_addr with a descriptor
// {module id, offset}. JITLink makes one descriptor per variable (its
// $__TLSINFO entries), fills in the offset (the symbol's value: for a live
// TLS variable, its offset in its module's TLS block) and leaves the module
// id to a platform runtime hotc does not load. This plugin writes the id the
// dynamic linker gave the variable's module, as the agent reported it.
#pragma once

#include "jit/live_symbols.h"

#include "jit/graph_pass_plugin.h"

#include "llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h"

namespace hotc::jit {

class TlsDescriptorPlugin : public GraphPassPlugin {
public:
  // The symbols the next link resolves against, in lookup order: the unit's
  // internal ones (may be null), then the process's. Links run one at a
  // time; the tables outlive the link.
  void setScope(const SymbolTable *Locals, const SymbolTable *Globals) {
    this->Locals = Locals;
    this->Globals = Globals;
  }

  void modifyPassConfig(llvm::orc::MaterializationResponsibility &MR,
                        llvm::jitlink::LinkGraph &G,
                        llvm::jitlink::PassConfiguration &Config) override;

private:
  llvm::Error fillModuleIds(llvm::jitlink::LinkGraph &G) const;
  const LiveSymbol *find(llvm::StringRef Name) const;

  const SymbolTable *Locals = nullptr;
  const SymbolTable *Globals = nullptr;
};

} // namespace hotc::jit
