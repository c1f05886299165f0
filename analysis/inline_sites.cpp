#include "analysis/inline_sites.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/DebugInfo/DWARF/DWARFContext.h"
#include "llvm/DebugInfo/DWARF/DWARFDie.h"
#include "llvm/DebugInfo/DWARF/DWARFUnit.h"
#include "llvm/Object/ObjectFile.h"

#include <algorithm>

using namespace llvm;

namespace hotc::index {

namespace {

using CallerSets = StringMap<StringSet<>>;

// Linkage name, else the plain name (C functions, main). Inlined and
// out-of-line copies carry neither themselves: both sit behind
// DW_AT_abstract_origin, and a member's behind DW_AT_specification, which
// getName follows.
const char *linkageName(const DWARFDie &Die) {
  return Die.getName(DINameKind::LinkageName);
}

// Only a subprogram with code is a caller; a declaration or the abstract
// tree of an inlined function owns no instructions.
bool isConcrete(const DWARFDie &Die) {
  return Die.find(dwarf::DW_AT_low_pc) || Die.find(dwarf::DW_AT_ranges);
}

// Every inlined call below a concrete subprogram, at any depth, is code of
// that subprogram: the nearest enclosing subprogram is the caller, however
// many inlined calls lie between.
void walk(const DWARFDie &Die, const char *Caller, CallerSets &Sites) {
  dwarf::Tag Tag = Die.getTag();
  if (Tag == dwarf::DW_TAG_subprogram)
    Caller = isConcrete(Die) ? linkageName(Die) : nullptr;
  else if (Tag == dwarf::DW_TAG_inlined_subroutine && Caller)
    if (const char *Callee = linkageName(Die))
      Sites[Callee].insert(Caller);
  for (const DWARFDie &Child : Die.children())
    walk(Child, Caller, Sites);
}

bool hasDebugInfo(const object::ObjectFile &Obj) {
  for (const object::SectionRef &Sec : Obj.sections()) {
    Expected<StringRef> Name = Sec.getName();
    if (!Name) { // a damaged section header: not a debug section we can use
      consumeError(Name.takeError());
      continue;
    }
    if (*Name == ".debug_info" || *Name == ".zdebug_info")
      return true;
  }
  return false;
}

std::vector<std::string> sorted(const StringSet<> &Set) {
  std::vector<std::string> Names;
  Names.reserve(Set.size());
  for (const auto &Entry : Set)
    Names.push_back(Entry.getKey().str());
  std::sort(Names.begin(), Names.end());
  return Names;
}

} // namespace

ArrayRef<std::string> InlineSites::callersOf(StringRef Symbol) const {
  auto It = CallersOf.find(Symbol);
  if (It == CallersOf.end())
    return {};
  return It->second;
}

Expected<InlineSites> readInlineSites(StringRef Path) {
  auto Bin = object::ObjectFile::createObjectFile(Path);
  if (!Bin)
    return createStringError("cannot read " + Path + ": " +
                             toString(Bin.takeError()));
  const object::ObjectFile &Obj = *Bin->getBinary();
  if (!Obj.isELF())
    return createStringError(Path + " is not an ELF file");
  InlineSites Result;
  Result.HasDebugInfo = hasDebugInfo(Obj);
  if (!Result.HasDebugInfo)
    return Result;
  // A library must not print. A damaged unit or a missing .dwo only loses
  // the sites it would have held, which the caller cannot repair anyway.
  auto Quiet = [](Error E) { consumeError(std::move(E)); };
  // A context keeps every unit's DIEs it extracted, and LLVM offers no
  // way to drop them: units are walked kUnitsPerContext at a time, each
  // batch in a context of its own (all of a 2,000-unit program's DIEs at
  // once took 470 MB, which the allocator kept long after).
  constexpr size_t kUnitsPerContext = 256;
  CallerSets Sites;
  for (size_t First = 0, Count = 1; First < Count; First += kUnitsPerContext) {
    auto Ctx = DWARFContext::create(
        Obj, DWARFContext::ProcessDebugRelocations::Process, nullptr, "",
        Quiet, Quiet);
    size_t I = 0;
    for (const auto &Unit : Ctx->compile_units()) {
      if (I >= First && I < First + kUnitsPerContext)
        walk(Unit->getNonSkeletonUnitDIE(/*ExtractUnitDIEOnly=*/false),
             nullptr, Sites);
      ++I;
    }
    Count = I;
  }
  for (const auto &Entry : Sites)
    Result.CallersOf[Entry.getKey()] = sorted(Entry.getValue());
  return Result;
}

} // namespace hotc::index
