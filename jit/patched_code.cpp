#include "jit/patched_code.h"

#include "jit/patch_module.h"

#include "llvm/DebugInfo/DWARF/DWARFContext.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/ExecutionEngine/JITLink/JITLink.h"
#include "llvm/ExecutionEngine/JITLink/x86_64.h"
#include "llvm/Support/FormatVariadic.h"
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
      // A symbol that cannot be read is not the one looked for.
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

// Sections that only the unwinder, the linker or a debugger read: their
// references say nothing about pointers the program may hold.
bool isMetadata(const Section &S) {
  StringRef N = S.getName();
  return N == ".eh_frame" || N == ".gcc_except_table" || N == "$__STUBS" ||
         N.starts_with(".debug") || N.starts_with(".note") ||
         S.getMemLifetime() == orc::MemLifetime::NoAlloc;
}

// Blocks whose address the program never holds: the unwinder's, and the
// linker's own tables (a GOT entry's content can be a pointer, its address
// is only loaded from).
bool isNeverHeld(const Section &S) {
  return isMetadata(S) || S.getName() == "$__GOT" || S.getName() == "$__TLSINFO";
}

bool isCode(const Block &B) {
  return (B.getSection().getMemProt() & orc::MemProt::Exec) != orc::MemProt::None;
}

// A rip-relative displacement at Offset of code block B that belongs to an
// `lea` (opcode 8D, ModRM mod 00 r/m 101): the instruction that makes an
// address a value. Any other rip-relative use loads or stores through it.
bool isLea(const Block &B, uint64_t Offset) {
  if (B.isZeroFill() || Offset < 2 || Offset > B.getSize())
    return true; // cannot tell: count it as taking the address
  const char *C = B.getContent().data();
  return static_cast<uint8_t>(C[Offset - 2]) == 0x8D &&
         (static_cast<uint8_t>(C[Offset - 1]) & 0xC7) == 0x05;
}

// Whether edge E of block From hands out the address of its target as a
// value, rather than calling, jumping to or reading through it.
bool takesAddress(const Block &From, const Edge &E) {
  using namespace jitlink::x86_64;
  if (!isCode(From))
    return true; // a pointer stored in data
  switch (E.getKind()) {
  case BranchPCRel32:
  case BranchPCRel32ToPtrJumpStub:
  case BranchPCRel32ToPtrJumpStubBypassable:
    return false;
  case Delta32:
  case PCRel32:
    return isLea(From, E.getOffset());
  default:
    return true;
  }
}

} // namespace

std::string pinnedBy(const LinkGraph &G) {
  for (const Block *B : G.blocks()) {
    if (isMetadata(B->getSection()))
      continue;
    for (const Edge &E : B->edges()) {
      const Symbol &T = E.getTarget();
      if (!T.isDefined() || isNeverHeld(T.getBlock().getSection()) ||
          !takesAddress(*B, E))
        continue;
      return formatv("the address of its {0} {1} is taken in {2}",
                     isCode(T.getBlock()) ? "code" : "data",
                     T.hasName() ? T.getName() : StringRef("(unnamed)"),
                     B->getSection().getName())
          .str();
    }
  }
  return "";
}

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
  // After the GOT and stubs are built, before the optimiser relaxes GOT
  // loads of nearby symbols into lea.
  Config.PostPrunePasses.push_back([this](LinkGraph &G) {
    std::string Why = pinnedBy(G);
    std::lock_guard<std::mutex> Guard(Lock);
    if (Pending.Pinned.empty())
      Pending.Pinned = std::move(Why);
    return Error::success();
  });
  // After fix-up every block has its address in the process.
  Config.PostFixupPasses.push_back([this](LinkGraph &G) {
    std::lock_guard<std::mutex> Guard(Lock);
    for (const Block *B : G.blocks())
      if (isCode(*B) && B->getSize())
        Pending.CodeBlocks.emplace_back(B->getAddress().getValue(),
                                        (B->getAddress() + B->getSize()).getValue());
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
