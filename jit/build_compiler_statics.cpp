#include "jit/build_compiler_statics.h"
#include "jit/identity_binding.h"

#include "llvm/BinaryFormat/Dwarf.h"
#include "llvm/DebugInfo/DWARF/DWARFContext.h"
#include "llvm/Object/ELFObjectFile.h"

#include <map>

using namespace llvm;
using namespace llvm::object;

namespace hotc::jit {
namespace {

// Where a relocation of .debug_info points: a section and an offset in it.
using Place = std::pair<uint64_t, uint64_t>; // section index, offset

// The object's local data symbols by where they are.
std::map<Place, std::string> localDataSymbols(const ELFObjectFileBase &Obj) {
  std::map<Place, std::string> Out;
  for (const ELFSymbolRef &S : Obj.symbols()) {
    auto Name = S.getName();
    auto Section = S.getSection();
    auto Type = S.getType();
    if (!Name || !Section || !Type || *Section == Obj.section_end() ||
        *Type != SymbolRef::ST_Data || S.getBinding() != ELF::STB_LOCAL) {
      // A symbol hotc cannot read is no variable it could bind: left to the
      // by-name binding of jit/build_compiler_cut.cpp.
      consumeError(Name.takeError());
      consumeError(Section.takeError());
      consumeError(Type.takeError());
      continue;
    }
    auto Value = S.getValue();
    if (!Value) {
      consumeError(Value.takeError()); // no place: no variable to bind
      continue;
    }
    Out[Place((*Section)->getIndex(), *Value)] = Name->str();
  }
  return Out;
}

// The relocations of .debug_info: offset -> the place they point at.
std::map<uint64_t, Place> debugInfoRelocations(const ELFObjectFileBase &Obj) {
  std::map<uint64_t, Place> Out;
  for (const SectionRef &Rel : Obj.sections()) {
    auto Target = Rel.getRelocatedSection();
    if (!Target) {
      consumeError(Target.takeError()); // unreadable: not the one we need
      continue;
    }
    if (*Target == Obj.section_end())
      continue;
    auto Name = (*Target)->getName();
    if (!Name) {
      consumeError(Name.takeError()); // unreadable: not the one we need
      continue;
    }
    if (*Name != ".debug_info")
      continue;
    for (const RelocationRef &R : Rel.relocations()) {
      auto Symbol = R.getSymbol();
      if (Symbol == Obj.symbol_end())
        continue;
      auto Section = Symbol->getSection();
      auto Value = Symbol->getValue();
      auto Addend = ELFRelocationRef(R).getAddend();
      if (!Section || !Value || !Addend || *Section == Obj.section_end()) {
        // A relocation hotc cannot place points at no variable it knows.
        consumeError(Section.takeError());
        consumeError(Value.takeError());
        consumeError(Addend.takeError());
        continue;
      }
      Out[R.getOffset()] = {(*Section)->getIndex(), *Value + *Addend};
    }
  }
  return Out;
}

Error refusal(StringRef Unit, const StaticIdentity &Id, const char *Why) {
  return createStringError(inconvertibleErrorCode(),
                           "%s: the process has %s, but %s: refusing rather than "
                           "binding the patch compiled by the build's compiler "
                           "to another static",
                           Unit.str().c_str(), Id.spelled().c_str(), Why);
}

} // namespace

Expected<StaticRebinding> rebindStaticsByIdentity(MemoryBufferRef Object, StringRef Unit,
                                                  LiveDwarf &Dwarf, const LiveView &Live,
                                                  const CreatedStatics &Created) {
  StaticRebinding Out;
  auto Bin = ObjectFile::createObjectFile(Object);
  if (!Bin)
    return Bin.takeError();
  auto *Obj = dyn_cast<ELFObjectFileBase>(Bin->get());
  if (!Obj || !Dwarf.describes(Unit))
    return Out; // nothing to compare with: bound by name, as before
  std::map<Place, std::string> Symbols = localDataSymbols(*Obj);
  std::map<uint64_t, Place> Relocations = debugInfoRelocations(*Obj);
  std::unique_ptr<DWARFContext> Context = DWARFContext::create(*Obj);
  for (const auto &CU : Context->compile_units())
    for (const DWARFDebugInfoEntry &Entry : CU->dies()) {
      DWARFDie D(CU.get(), &Entry);
      if (D.getTag() != dwarf::DW_TAG_variable)
        continue;
      for (const DWARFAttribute &A : D.attributes()) {
        if (A.Attr != dwarf::DW_AT_location)
          continue;
        auto Block = A.Value.getAsBlock();
        if (!Block || Block->size() != 9 || (*Block)[0] != dwarf::DW_OP_addr)
          break;
        // DW_OP_addr's operand: the last eight bytes of the attribute.
        auto Reloc = Relocations.find(A.Offset + A.ByteSize - 8);
        auto Symbol = Reloc == Relocations.end() ? Symbols.end()
                                                 : Symbols.find(Reloc->second);
        if (Symbol == Symbols.end())
          break;
        const std::string &Name = Symbol->second;
        StaticIdentity Id = identityOfVariable(D);
        Out.IdentityOf[Name] = Id.key();
        std::vector<LiveDwarf::Candidate> Cands = Dwarf.find(Unit, Id);
        const LiveSymbol *ByName = Live.find(Name, true);
        auto Earlier = Created.find(Id.key());
        if (Cands.empty() && Earlier != Created.end() && Live.find(Earlier->second, true)) {
          if (Earlier->second != Name)
            Out.LiveName[Name] = Earlier->second;
        } else if (Cands.size() == 1) {
          std::string Target = liveVariableAt(Live, Cands.front().Address);
          if (Target.empty())
            return refusal(Unit, Id, "its live instance has no symbol to bind to");
          if (Target != Name)
            Out.LiveName[Name] = Target;
        } else if (Cands.size() > 1) {
          if (!ByName || none_of(Cands, [&](const LiveDwarf::Candidate &C) {
                return C.Address == ByName->Address;
              }))
            return refusal(Unit, Id, "several of them have that scope and name");
        } else if (ByName) {
          auto Other = Dwarf.identityAt(Unit, ByName->Address);
          if (Other && *Other != Id.key())
            Out.Apart.insert(Name);
        }
        break;
      }
    }
  return Out;
}

} // namespace hotc::jit
