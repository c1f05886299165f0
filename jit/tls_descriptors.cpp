#include "jit/tls_descriptors.h"

#include "llvm/Demangle/Demangle.h"
#include "llvm/ExecutionEngine/JITLink/x86_64.h"
#include "llvm/Support/Endian.h"

using namespace llvm;
using namespace llvm::jitlink;

namespace hotc::jit {

// JITLink's name for the section of its ELF x86-64 TLS descriptors.
static constexpr StringRef kTlsInfoSection = "$__TLSINFO";

void TlsDescriptorPlugin::modifyPassConfig(orc::MaterializationResponsibility &,
                                           LinkGraph &,
                                           PassConfiguration &Config) {
  // After the target's table-building pass, which creates the descriptors.
  Config.PostPrunePasses.push_back(
      [this](LinkGraph &G) { return fillModuleIds(G); });
}

const LiveSymbol *TlsDescriptorPlugin::find(StringRef Name) const {
  for (const SymbolTable *T : {Locals, Globals})
    if (T)
      if (auto It = T->find(Name); It != T->end())
        return &It->second;
  return nullptr;
}

Error TlsDescriptorPlugin::fillModuleIds(LinkGraph &G) const {
  Section *Sec = G.findSectionByName(kTlsInfoSection);
  if (!Sec)
    return Error::success();
  for (Block *B : Sec->blocks()) {
    // Each descriptor is 16 bytes: the module id, then a Pointer64 edge at
    // offset 8 to the variable, which the fixup turns into its offset.
    assert(B->getSize() == 16 && "JITLink's ELF x86-64 TLS descriptor layout");
    for (Edge &E : B->edges()) {
      if (E.getOffset() != 8 || E.getKind() != x86_64::Pointer64)
        continue;
      StringRef Name = E.getTarget().getName();
      const LiveSymbol *L = E.getTarget().isDefined() ? nullptr : find(Name);
      if (!L || !L->TlsModule)
        return createStringError(
            inconvertibleErrorCode(),
            "thread-local variable %s is not a TLS variable of the process: "
            "hotc cannot give __tls_get_addr its module",
            demangle(Name.str()).c_str());
      MutableArrayRef<char> Content = B->getMutableContent(G);
      support::endian::write64le(Content.data(), L->TlsModule);
    }
  }
  return Error::success();
}

} // namespace hotc::jit
