#include "jit/patched_code.h"

#include "jit/patch_module.h"

#include "llvm/DebugInfo/DWARF/DWARFContext.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/ExecutionEngine/JITLink/JITLink.h"
#include "llvm/Object/ObjectFile.h"

using namespace llvm;
using namespace llvm::jitlink;

namespace hotc::jit {
namespace {

std::string displayName(StringRef Linked) {
  return demangle(unversionedName(Linked));
}

// The line of Offset bytes into the function Name of the relocatable
// object: its symbol's section and value address the line table.
void addLine(const MemoryBuffer &Object, StringRef Name, uint64_t Offset,
             CodeLocation &Out) {
  auto Obj = object::ObjectFile::createObjectFile(Object.getMemBufferRef());
  if (!Obj) {
    consumeError(Obj.takeError()); // no line: the function name still says where
    return;
  }
  for (const object::SymbolRef &S : (*Obj)->symbols()) {
    Expected<StringRef> SName = S.getName();
    Expected<object::section_iterator> Sec = S.getSection();
    Expected<uint64_t> Value = S.getValue();
    if (!SName || !Sec || !Value || *SName != Name || *Sec == (*Obj)->section_end()) {
      if (!SName)
        consumeError(SName.takeError());
      if (!Sec)
        consumeError(Sec.takeError());
      if (!Value)
        consumeError(Value.takeError());
      continue;
    }
    auto Dwarf = DWARFContext::create(**Obj);
    DILineInfoSpecifier Spec(
        DILineInfoSpecifier::FileLineInfoKind::AbsoluteFilePath,
        DINameKind::None);
    DILineInfo Info = Dwarf->getLineInfoForAddress(
        {*Value + Offset, (*Sec)->getIndex()}, Spec);
    if (Info.Line) {
      Out.File = Info.FileName;
      Out.Line = Info.Line;
    }
    return;
  }
}

} // namespace

std::optional<CodeLocation> locate(const LinkedCode &Code, uint64_t Pc,
                                   bool IsReturn) {
  uint64_t At = IsReturn ? Pc - 1 : Pc;
  for (const LinkedFunction &F : Code.Functions) {
    if (At < F.Start || At >= F.Start + F.Size)
      continue;
    CodeLocation L;
    L.Function = displayName(F.Name);
    if (Code.Object)
      addLine(*Code.Object, F.Name, At - F.Start, L);
    return L;
  }
  return std::nullopt;
}

void CodeMapPlugin::modifyPassConfig(orc::MaterializationResponsibility &,
                                     LinkGraph &, PassConfiguration &Config) {
  // After fix-up every block has its address in the process.
  Config.PostFixupPasses.push_back([this](LinkGraph &G) {
    std::lock_guard<std::mutex> Guard(Lock);
    for (Symbol *S : G.defined_symbols()) {
      if (!S->hasName() || !S->getSize() ||
          (S->getBlock().getSection().getMemProt() & orc::MemProt::Exec) ==
              orc::MemProt::None)
        continue;
      Pending.Functions.push_back(
          {S->getName().str(), S->getAddress().getValue(), S->getSize()});
    }
    return Error::success();
  });
}

void CodeMapPlugin::notifyMaterializing(orc::MaterializationResponsibility &,
                                        LinkGraph &, JITLinkContext &,
                                        MemoryBufferRef InputObject) {
  if (InputObject.getBufferSize() == 0)
    return;
  std::lock_guard<std::mutex> Guard(Lock);
  Pending.Object = MemoryBuffer::getMemBufferCopy(InputObject.getBuffer(),
                                                   InputObject.getBufferIdentifier());
}

LinkedCode CodeMapPlugin::take() {
  std::lock_guard<std::mutex> Guard(Lock);
  LinkedCode Out = std::move(Pending);
  Pending = {};
  return Out;
}

} // namespace hotc::jit
