#include "jit/live_dwarf.h"

#include "llvm/BinaryFormat/Dwarf.h"
#include "llvm/DebugInfo/DWARF/DWARFCompileUnit.h"
#include "llvm/DebugInfo/DWARF/DWARFContext.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/LEB128.h"
#include "llvm/Support/Path.h"

#include <algorithm>

using namespace llvm;

namespace hotc::jit {

std::string StaticIdentity::key() const {
  std::string K;
  for (const std::string &S : Scopes)
    K += S + "\x1f";
  return K + Name;
}

std::string StaticIdentity::spelled() const {
  std::string K;
  for (const std::string &S : Scopes)
    K += demangle(S) + "::";
  return K + Name;
}

namespace {

const char *const Anonymous = "(anonymous namespace)";

// The scopes above a variable, innermost first, up to the first function
// (whose linkage name already encodes everything above it).
void scopesOf(const DIScope *S, std::vector<std::string> &Out) {
  while (S && !isa<DICompileUnit>(S) && !isa<DIFile>(S)) {
    if (auto *SP = dyn_cast<DISubprogram>(S)) {
      Out.push_back(!SP->getLinkageName().empty() ? SP->getLinkageName().str()
                                                   : SP->getName().str());
      return;
    }
    if (auto *NS = dyn_cast<DINamespace>(S))
      Out.push_back(NS->getName().empty() ? Anonymous : NS->getName().str());
    else if (auto *T = dyn_cast<DICompositeType>(S))
      Out.push_back(T->getName().str());
    S = S->getScope();
  }
}

void scopesOf(DWARFDie D, std::vector<std::string> &Out) {
  for (; D && D.getTag() != dwarf::DW_TAG_compile_unit; D = D.getParent()) {
    switch (D.getTag()) {
    case dwarf::DW_TAG_subprogram:
    case dwarf::DW_TAG_inlined_subroutine: {
      const char *Linkage = D.getLinkageName();
      const char *Name = D.getShortName();
      Out.push_back(Linkage && *Linkage ? Linkage : Name ? Name : "");
      return;
    }
    case dwarf::DW_TAG_namespace: {
      const char *Name = D.getShortName();
      Out.push_back(Name && *Name ? Name : Anonymous);
      break;
    }
    case dwarf::DW_TAG_structure_type:
    case dwarf::DW_TAG_class_type:
    case dwarf::DW_TAG_union_type: {
      const char *Name = D.getShortName();
      Out.push_back(Name ? Name : "");
      break;
    }
    default: // lexical blocks and the like are no part of the identity
      break;
    }
  }
}

// DW_AT_location that is exactly DW_OP_addr ADDR: a variable with static
// storage at a fixed place (thread-locals and constants are not).
// The address of a variable whose location is one address: DW_OP_addr, or
// (Clang's DWARF 5) DW_OP_addrx, an index into the unit's .debug_addr.
std::optional<uint64_t> staticAddressOf(const DWARFDie &D) {
  auto Loc = D.find(dwarf::DW_AT_location);
  if (!Loc)
    return std::nullopt;
  auto Block = Loc->getAsBlock();
  if (!Block || Block->empty())
    return std::nullopt;
  if ((*Block)[0] == dwarf::DW_OP_addrx || (*Block)[0] == dwarf::DW_OP_GNU_addr_index) {
    unsigned Size = 0;
    const char *Error = nullptr;
    uint64_t Index = decodeULEB128(Block->data() + 1, &Size,
                                   Block->data() + Block->size(), &Error);
    if (Error || 1 + Size != Block->size())
      return std::nullopt;
    auto Address = D.getDwarfUnit()->getAddrOffsetSectionItem(Index);
    if (!Address)
      return std::nullopt;
    return Address->Address;
  }
  if (Block->size() != 9 || (*Block)[0] != dwarf::DW_OP_addr)
    return std::nullopt;
  uint64_t A = 0;
  for (int I = 8; I >= 1; --I)
    A = (A << 8) | (*Block)[I];
  return A;
}


// The symbol of a subprogram or inlined copy: its linkage name, following
// DW_AT_specification and DW_AT_abstract_origin; a C function's name.
std::string symbolOf(const DWARFDie &D) {
  if (auto L = dwarf::toString(D.findRecursively(
          {dwarf::DW_AT_linkage_name, dwarf::DW_AT_MIPS_linkage_name})))
    return *L;
  const char *Name = D.getName(DINameKind::ShortName);
  return Name ? Name : "";
}

// The DIE that declares D: through DW_AT_abstract_origin (an out-of-line
// instance of an inlined function) and DW_AT_specification (a member
// defined outside its class).
DWARFDie declarationOf(DWARFDie D) {
  for (int Hops = 0; Hops < 4; ++Hops) {
    DWARFDie Next = D.getAttributeValueAsReferencedDie(dwarf::DW_AT_abstract_origin);
    if (!Next)
      Next = D.getAttributeValueAsReferencedDie(dwarf::DW_AT_specification);
    if (!Next)
      break;
    D = Next;
  }
  return D;
}

// A closure type: an unnamed class (GCC) or one named `<lambda...>`,
// written inside a function.
DWARFDie enclosingFunctionOfClosure(const DWARFDie &Type) {
  if (Type.getTag() != dwarf::DW_TAG_structure_type &&
      Type.getTag() != dwarf::DW_TAG_class_type)
    return {};
  const char *Name = Type.getShortName();
  if (Name && *Name && !StringRef(Name).starts_with("<lambda"))
    return {};
  for (DWARFDie P = Type.getParent(); P; P = P.getParent()) {
    if (P.getTag() == dwarf::DW_TAG_subprogram)
      return P;
    if (P.getTag() != dwarf::DW_TAG_lexical_block)
      return {};
  }
  return {};
}

// DW_AT_decl_file as a path. GCC gives the value most DIEs share as
// DW_FORM_implicit_const, which DWARFDie::getDeclFile does not read.
std::string declFileOf(const DWARFDie &D) {
  std::string Name = D.getDeclFile(DILineInfoSpecifier::FileLineInfoKind::AbsoluteFilePath);
  if (!Name.empty())
    return Name;
  auto V = D.find(dwarf::DW_AT_decl_file);
  if (!V || V->getForm() != dwarf::DW_FORM_implicit_const)
    return "";
  DWARFUnit *U = D.getDwarfUnit();
  const DWARFDebugLine::LineTable *LT = U->getContext().getLineTableForUnit(U);
  if (!LT || !LT->getFileNameByIndex(
                 V->getRawUValue(), U->getCompilationDir(),
                 DILineInfoSpecifier::FileLineInfoKind::AbsoluteFilePath, Name))
    return "";
  return Name;
}

// The closure types among the template arguments of a function and of the
// classes it is a member of, also nested in other arguments
// (`_Iter_comp_iter<closure>`), through qualifiers and references.
void closureArguments(const DWARFDie &Scope, std::vector<DWARFDie> &Out, int Depth = 0) {
  if (Depth > 4)
    return;
  for (DWARFDie S = Scope; S; S = S.getParent()) {
    if (S.getTag() == dwarf::DW_TAG_compile_unit || S.getTag() == dwarf::DW_TAG_namespace)
      return;
    for (DWARFDie C : S.children()) {
      if (C.getTag() != dwarf::DW_TAG_template_type_parameter)
        continue;
      DWARFDie T = C.getAttributeValueAsReferencedDie(dwarf::DW_AT_type);
      while (T && (T.getTag() == dwarf::DW_TAG_const_type ||
                   T.getTag() == dwarf::DW_TAG_volatile_type ||
                   T.getTag() == dwarf::DW_TAG_reference_type ||
                   T.getTag() == dwarf::DW_TAG_rvalue_reference_type ||
                   T.getTag() == dwarf::DW_TAG_pointer_type ||
                   T.getTag() == dwarf::DW_TAG_typedef))
        T = T.getAttributeValueAsReferencedDie(dwarf::DW_AT_type);
      if (!T)
        continue;
      if (enclosingFunctionOfClosure(T))
        Out.push_back(T);
      else if (T.getTag() == dwarf::DW_TAG_structure_type ||
               T.getTag() == dwarf::DW_TAG_class_type)
        closureArguments(T, Out, Depth + 1);
    }
    if (S.getTag() != dwarf::DW_TAG_subprogram && S.getTag() != dwarf::DW_TAG_structure_type &&
        S.getTag() != dwarf::DW_TAG_class_type)
      return;
  }
}

// Path ends with Suffix at a path component boundary.
bool endsWithPath(StringRef Path, StringRef Suffix) {
  return Path == Suffix ||
         (Path.ends_with(Suffix) && Path[Path.size() - Suffix.size() - 1] == '/');
}

} // namespace

std::string absolutePath(StringRef Path, StringRef Dir) {
  SmallString<256> P(Path);
  if (!sys::path::is_absolute(P) && !Dir.empty()) {
    SmallString<256> Abs(Dir);
    sys::path::append(Abs, P);
    P = Abs;
  }
  sys::path::remove_dots(P, true);
  return P.str().str();
}


std::string withoutParameters(StringRef Demangled) {
  int Angles = 0;
  for (size_t I = 0; I < Demangled.size(); ++I) {
    char C = Demangled[I];
    if (C == '<')
      ++Angles;
    else if (C == '>')
      --Angles;
    else if (C == '(' && Angles == 0 && I > 0)
      return Demangled.substr(0, I).str();
  }
  return Demangled.str();
}

StaticIdentity identityOfVariable(const DWARFDie &D) {
  StaticIdentity Id;
  const char *Name = D.getShortName();
  Id.Name = Name ? Name : "";
  DWARFDie Scope = D.getParent();
  if (auto Spec = D.getAttributeValueAsReferencedDie(dwarf::DW_AT_specification))
    Scope = Spec.getParent(); // a static member defined outside its class
  scopesOf(Scope, Id.Scopes);
  std::reverse(Id.Scopes.begin(), Id.Scopes.end());
  return Id;
}

std::optional<StaticIdentity> identityOf(const GlobalVariable &G, unsigned *Line) {
  SmallVector<DIGlobalVariableExpression *, 1> GVEs;
  G.getDebugInfo(GVEs);
  if (GVEs.empty() || !GVEs.front()->getVariable())
    return std::nullopt;
  const DIGlobalVariable *V = GVEs.front()->getVariable();
  StaticIdentity Id;
  Id.Name = V->getName().str();
  if (Line)
    *Line = V->getLine();
  const DIScope *Scope = V->getScope();
  if (const DIDerivedType *Member = V->getStaticDataMemberDeclaration())
    Scope = Member->getScope();
  scopesOf(Scope, Id.Scopes);
  std::reverse(Id.Scopes.begin(), Id.Scopes.end());
  return Id;
}

struct LiveDwarf::Module {
  LoadedModule Loaded;
  std::string File;
  bool Tried = false;
  object::OwningBinary<object::ObjectFile> Binary;
  std::unique_ptr<DWARFContext> Context;
  StringMap<DWARFUnit *> UnitsByPath;
  // Units whose DWARF may not name every global they use: built by another
  // compiler than GCC (Clang describes no extern variable a unit only
  // declares), or split (-gsplit-dwarf: the DIEs are elsewhere).
  StringSet<> Blind;
};

LiveDwarf::LiveDwarf(int Pid, std::vector<LoadedModule> Loaded) : Pid(Pid) {
  for (LoadedModule &L : Loaded) {
    auto M = std::make_unique<Module>();
    M->File = L.Path.empty() ? formatv("/proc/{0}/exe", Pid).str() : L.Path;
    M->Loaded = std::move(L);
    Modules.push_back(std::move(M));
  }
}
LiveDwarf::LiveDwarf() = default;
LiveDwarf::~LiveDwarf() = default;
LiveDwarf::LiveDwarf(LiveDwarf &&) noexcept = default;
LiveDwarf &LiveDwarf::operator=(LiveDwarf &&) noexcept = default;

// Opens a module's DWARF once and names its compile units.
void LiveDwarf::load(Module &M) {
  M.Tried = true;
  if (M.Loaded.Path.find("linux-vdso") != std::string::npos)
    return;
  auto Bin = object::ObjectFile::createObjectFile(M.File);
  if (!Bin) {
    consumeError(Bin.takeError()); // unreadable: no DWARF to bind by
    return;
  }
  M.Binary = std::move(*Bin);
  M.Context = DWARFContext::create(*M.Binary.getBinary());
  // The units' names are read through a context of their own, dropped
  // after: reading a unit's first DIE parses its abbreviations (82 MB for
  // a 2,000-unit GCC build), which the session's context then parses only
  // for the units it reads.
  StringMap<uint64_t> Offsets;
  {
    auto Names = DWARFContext::create(*M.Binary.getBinary());
    for (const auto &CU : Names->compile_units()) {
      DWARFDie Top = CU->getUnitDIE(/*ExtractUnitDIEOnly=*/true);
      const char *Name = Top.getShortName();
      auto Dir = dwarf::toString(Top.find(dwarf::DW_AT_comp_dir));
      if (!Name)
        continue;
      std::string Path = absolutePath(Name, Dir ? *Dir : "");
      Offsets.try_emplace(Path, CU->getOffset());
      auto Producer = dwarf::toString(Top.find(dwarf::DW_AT_producer));
      if (!Producer || !StringRef(*Producer).starts_with("GNU ") ||
          Top.find(dwarf::DW_AT_dwo_name) || Top.find(dwarf::DW_AT_GNU_dwo_name))
        M.Blind.insert(Path);
    }
  }
  for (const auto &[Path, Offset] : Offsets)
    if (DWARFUnit *CU = M.Context->getCompileUnitForOffset(Offset))
      M.UnitsByPath.try_emplace(Path, CU);
}

const LiveDwarf::UnitIndex *LiveDwarf::unitOf(StringRef SourcePath) {
  std::string Path = absolutePath(SourcePath, "");
  if (auto It = Units.find(Path); It != Units.end())
    return &It->second;
  for (auto &M : Modules) {
    if (!M->Tried)
      load(*M);
    auto It = M->UnitsByPath.find(Path);
    if (It == M->UnitsByPath.end())
      continue;
    UnitIndex &Index = Units[Path];
    DWARFUnit *CU = It->second;
    std::map<uint64_t, size_t> ClosureAt; // type DIE offset -> index
    for (const DWARFDebugInfoEntry &Entry : CU->dies()) {
      DWARFDie D(CU, &Entry);
      noteClosurePart(D, M->Loaded.Bias, Index, ClosureAt);
      if (D.getTag() != dwarf::DW_TAG_variable)
        continue;
      auto Address = staticAddressOf(D);
      const char *Name = D.getShortName();
      if (!Address || !Name)
        continue;
      auto &V = Index.Variables[identityOfVariable(D).key()];
      uint64_t Live = *Address + M->Loaded.Bias;
      unsigned Line = dwarf::toUnsigned(D.findRecursively(dwarf::DW_AT_decl_line), 0);
      if (none_of(V, [&](const Candidate &C) { return C.Address == Live; }))
        V.push_back({Live, Line});
    }
    return &Index;
  }
  return nullptr;
}

// The closure that DIE Type is, made once; null when Type is none.
LiveDwarf::Closure *LiveDwarf::closureOf(const DWARFDie &Type, UnitIndex &Index,
                                         std::map<uint64_t, size_t> &ClosureAt) {
  DWARFDie Enclosing = Type ? enclosingFunctionOfClosure(Type) : DWARFDie();
  if (!Enclosing)
    return nullptr;
  auto [It, New] = ClosureAt.try_emplace(Type.getOffset(), Index.Closures.size());
  if (New) {
    Closure C;
    C.Enclosing = symbolOf(Enclosing);
    C.File = absolutePath(declFileOf(Type), "");
    C.Line = dwarf::toUnsigned(Type.find(dwarf::DW_AT_decl_line), 0);
    C.Column = dwarf::toUnsigned(Type.find(dwarf::DW_AT_decl_column), 0);
    Index.Closures.push_back(std::move(C));
  }
  return &Index.Closures[It->second];
}

// What D tells of a closure: a member's out-of-line code, an inlined copy
// of a member (in the function that holds it), or a static of a member.
void LiveDwarf::noteClosurePart(const DWARFDie &D, uint64_t Bias, UnitIndex &Index,
                                std::map<uint64_t, size_t> &ClosureAt) {
  switch (D.getTag()) {
  case dwarf::DW_TAG_subprogram: {
    auto Low = dwarf::toAddress(D.find(dwarf::DW_AT_low_pc));
    DWARFDie Decl = declarationOf(D);
    const char *Member = Decl.getShortName();
    if (!Low)
      return;
    if (Closure *C = Member ? closureOf(Decl.getParent(), Index, ClosureAt) : nullptr)
      C->Members.push_back({Member, *Low + Bias});
    // An instantiation for the closure type (a std::function's invoker, a
    // sort) may hold the operator() inlined with no DWARF record of it.
    std::vector<DWARFDie> Types;
    closureArguments(Decl, Types);
    for (const DWARFDie &T : Types)
      if (Closure *C = closureOf(T, Index, ClosureAt); C && !is_contained(C->Holders, *Low + Bias))
        C->Holders.push_back(*Low + Bias);
    return;
  }
  case dwarf::DW_TAG_inlined_subroutine: {
    Closure *C = closureOf(declarationOf(D).getParent(), Index, ClosureAt);
    DWARFDie Holder = D.getParent();
    while (Holder && Holder.getTag() != dwarf::DW_TAG_subprogram)
      Holder = Holder.getParent();
    auto Low = Holder ? dwarf::toAddress(Holder.find(dwarf::DW_AT_low_pc)) : std::nullopt;
    if (C && Low && !is_contained(C->Holders, *Low + Bias))
      C->Holders.push_back(*Low + Bias);
    return;
  }
  case dwarf::DW_TAG_variable: {
    auto Address = staticAddressOf(D);
    const char *Name = D.getShortName();
    DWARFDie Scope = D.getParent();
    while (Scope && Scope.getTag() == dwarf::DW_TAG_lexical_block)
      Scope = Scope.getParent();
    if (!Address || !Name || !Scope || Scope.getTag() != dwarf::DW_TAG_subprogram)
      return;
    if (Closure *C = closureOf(declarationOf(Scope).getParent(), Index, ClosureAt))
      C->Statics.push_back({Name, *Address + Bias});
    return;
  }
  default:
    return;
  }
}

const std::vector<LiveDwarf::Closure> &LiveDwarf::closures(StringRef SourcePath) {
  static const std::vector<Closure> None;
  const UnitIndex *U = unitOf(SourcePath);
  return U ? U->Closures : None;
}

std::optional<std::string> LiveDwarf::identityAt(StringRef SourcePath, uint64_t Address) {
  if (const UnitIndex *U = unitOf(SourcePath))
    for (const auto &[Key, Candidates] : U->Variables)
      for (const Candidate &C : Candidates)
        if (C.Address == Address)
          return Key;
  return std::nullopt;
}

bool LiveDwarf::describes(StringRef SourcePath) { return unitOf(SourcePath) != nullptr; }

bool LiveDwarf::hasUnit(StringRef SourcePath) {
  std::string Path = absolutePath(SourcePath, "");
  for (auto &M : Modules) {
    if (!M->Tried)
      load(*M);
    if (M->UnitsByPath.count(Path))
      return true;
  }
  return false;
}

bool LiveDwarf::hasCompileUnits() {
  for (auto &M : Modules) {
    if (!M->Tried)
      load(*M);
    if (!M->UnitsByPath.empty())
      return true;
  }
  return false;
}

std::vector<LiveDwarf::Candidate> LiveDwarf::find(StringRef SourcePath,
                                                 const StaticIdentity &Id) {
  const UnitIndex *U = unitOf(SourcePath);
  if (!U)
    return {};
  auto It = U->Variables.find(Id.key());
  return It == U->Variables.end() ? std::vector<Candidate>() : It->second;
}

} // namespace hotc::jit

namespace hotc::jit {

namespace {

// "game::Particle" for a record DIE inside namespace game.
std::string qualifiedName(DWARFDie D) {
  std::string Out;
  for (; D && D.getTag() != dwarf::DW_TAG_compile_unit; D = D.getParent()) {
    const char *Name = D.getShortName();
    std::string Part = Name ? Name : Anonymous;
    Out = Out.empty() ? Part : Part + "::" + Out;
  }
  return Out;
}

bool isRecord(dwarf::Tag T) {
  return T == dwarf::DW_TAG_structure_type || T == dwarf::DW_TAG_class_type ||
         T == dwarf::DW_TAG_union_type;
}

} // namespace

std::vector<std::string> LiveDwarf::unitsUsing(StringRef Record,
                                               ArrayRef<std::string> Variables) {
  StringRef Last = Record.substr(Record.rfind(':') + 1);
  std::vector<std::string> Out;
  forEachUnit([&](StringRef Path, DWARFUnit &CU) {
    for (const DWARFDebugInfoEntry &Entry : CU.dies()) {
      DWARFDie D(&CU, &Entry);
      bool Uses = false;
      if (isRecord(D.getTag())) {
        const char *Name = D.getShortName();
        Uses = Name && Last == Name && !D.find(dwarf::DW_AT_declaration) &&
               qualifiedName(D) == Record;
      } else if (D.getTag() == dwarf::DW_TAG_variable &&
                 D.getParent().getTag() != dwarf::DW_TAG_subprogram &&
                 D.getParent().getTag() != dwarf::DW_TAG_lexical_block) {
        Uses = is_contained(Variables, symbolOf(D));
      }
      if (Uses) {
        Out.push_back(Path.str());
        break;
      }
    }
  });
  return Out;
}

bool LiveDwarf::namesEveryGlobalUsed(StringRef SourcePath) {
  std::string Path = absolutePath(SourcePath, "");
  for (auto &M : Modules) {
    if (!M->Tried)
      load(*M);
    if (M->UnitsByPath.count(Path))
      return !M->Blind.count(Path);
  }
  return false;
}

void LiveDwarf::forEachUnit(function_ref<void(StringRef, DWARFUnit &)> Visit) {
  for (auto &M : Modules) {
    if (!M->Tried)
      load(*M);
    for (const auto &[Path, CU] : M->UnitsByPath)
      Visit(Path, *CU);
  }
}

std::vector<LiveDwarf::Function> LiveDwarf::functionsNamed(StringRef Spec) {
  std::vector<Function> Out;
  forEachUnit([&](StringRef Path, DWARFUnit &CU) {
    for (const DWARFDebugInfoEntry &Entry : CU.dies()) {
      DWARFDie D(&CU, &Entry);
      // Code (an out-of-line copy), or the abstract definition of one
      // inlined into its callers; not a mere declaration.
      if (D.getTag() != dwarf::DW_TAG_subprogram ||
          (!D.find(dwarf::DW_AT_low_pc) && !D.find(dwarf::DW_AT_inline)))
        continue;
      std::string Symbol = symbolOf(D);
      if (Symbol.empty())
        continue;
      std::string Readable = demangle(Symbol);
      if (Symbol != Spec && Readable != Spec &&
          withoutParameters(Readable) != Spec)
        continue;
      Function F{Path.str(), Symbol};
      if (!is_contained(Out, F))
        Out.push_back(std::move(F));
    }
  });
  return Out;
}

std::vector<LiveDwarf::Function> LiveDwarf::functionsAt(StringRef File,
                                                      unsigned Line) {
  std::vector<Function> Out;
  for (auto &M : Modules) {
    if (!M->Tried)
      load(*M);
    for (const auto &[Path, CU] : M->UnitsByPath) {
      const DWARFDebugLine::LineTable *LT = M->Context->getLineTableForUnit(CU);
      if (!LT)
        continue;
      for (const DWARFDebugLine::Row &Row : LT->Rows) {
        std::string Name;
        if (Row.Line != Line || Row.EndSequence ||
            !LT->getFileNameByIndex(
                Row.File, CU->getCompilationDir(),
                DILineInfoSpecifier::FileLineInfoKind::AbsoluteFilePath, Name) ||
            !endsWithPath(absolutePath(Name, ""), File))
          continue;
        SmallVector<DWARFDie, 4> Chain;
        CU->getInlinedChainForAddress(Row.Address.Address, Chain);
        if (Chain.empty())
          continue;
        Function F{Path.str(), symbolOf(Chain.front())};
        if (!F.Symbol.empty() && !is_contained(Out, F))
          Out.push_back(std::move(F));
      }
    }
  }
  return Out;
}

} // namespace hotc::jit
