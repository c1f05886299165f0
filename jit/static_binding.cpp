#include "static_binding.h"

#include "llvm/Demangle/Demangle.h"
#include "llvm/IR/GlobalVariable.h"

using namespace llvm;

namespace hotc::jit {

StringSet<> staticsOf(const Module &M) {
  StringSet<> Out;
  for (const GlobalVariable &G : M.globals())
    if (!G.isDeclaration() && !G.isConstant() && !G.getName().starts_with("llvm."))
      Out.insert(G.getName());
  return Out;
}

Error bindStaticsByIdentity(const Module &M, StringRef SourcePath,
                            const StringSet<> &LiveStatics, LinkSession &Link,
                            const LiveView &View) {
  for (const GlobalVariable &G : M.globals()) {
    if (G.isDeclaration() || G.getName().starts_with("llvm.") ||
        View.find(G.getName(), G.hasLocalLinkage()))
      continue;
    if (G.isConstant() && !LiveStatics.contains(G.getName()))
      continue; // a literal or table: a private copy holds the same bytes
    std::optional<StaticIdentity> Id = identityOf(G);
    if (Id) {
      auto Address = Link.dwarf().find(SourcePath, *Id);
      if (!Address)
        return Address.takeError();
      if (*Address) {
        Link.bindLiveVariable(SourcePath, G.getName(), **Address, G.hasLocalLinkage());
        continue;
      }
    }
    if (!LiveStatics.contains(G.getName()))
      continue; // new in this edit: the patch creates it
    std::string What = Id ? Id->spelled() : demangle(G.getName().str());
    return createStringError(
        inconvertibleErrorCode(),
        "%s: the process has %s, but hotc cannot find its live instance (its "
        "compiler named the symbol otherwise, and %s): refusing rather than "
        "starting from a fresh copy",
        SourcePath.str().c_str(), What.c_str(),
        !Link.dwarf().describes(SourcePath)
            ? "the binary has no DWARF for this unit; build with -g"
            : "the binary's DWARF has no variable of that scope and name");
  }
  return Error::success();
}

} // namespace hotc::jit
