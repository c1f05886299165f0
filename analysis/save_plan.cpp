#include "analysis/save_plan.h"

#include "analysis/source_edit.h"
#include "analysis/symbol_names.h"
#include "analysis/token_hash.h"

#include "llvm/Support/Path.h"

#include <set>

namespace hotc::index {
namespace {

std::string place(llvm::StringRef File, unsigned Line = 0) {
  std::string Out = llvm::sys::path::filename(File).str();
  return Line ? Out + ":" + std::to_string(Line) : Out;
}

// Whether the analysis of Main describes File as the text of hash Hash.
bool analysedAs(const StaticGraph &G, const std::string &Main,
                llvm::StringRef File, uint64_t Hash) {
  const FormIndex *U = G.unit(Main);
  for (size_t I = 0; I < U->Inputs.size() && I < U->InputHashes.size(); ++I)
    if (U->Inputs[I] == File)
      return U->InputHashes[I] == Hash;
  return false;
}

// The forms written in File, as the units reading it saw them (a header's
// forms can differ between units with different macros).
std::vector<Form> formsOf(const StaticGraph &G, llvm::ArrayRef<std::string> Readers,
                          llvm::StringRef File) {
  std::vector<Form> Out;
  std::set<std::string> Seen;
  for (const std::string &Main : Readers)
    for (const Form &F : G.unit(Main)->Forms)
      if (F.File == File && Seen.insert(F.Id).second)
        Out.push_back(F);
  return Out;
}

class Planner {
public:
  Planner(const StaticGraph &G, const UnitFacts &Facts) : G(G), Facts(Facts) {}

  void saved(const SavedFile &F);
  void everyFormChanged(const SavedFile &F, llvm::ArrayRef<std::string> Readers,
                        const std::string &Why);
  void macrosOutsideForms();
  void unitsFromRebuildSet();
  SavePlan Out;

private:
  void whole(llvm::ArrayRef<std::string> Units, const std::string &Why) {
    for (const std::string &U : Units)
      Out.Units[U] = true;
    if (!Units.empty())
      Out.Notes.push_back(Why);
  }
  void add(const std::string &Unit) { Out.Units.try_emplace(Unit, false); }

  // A stale unit the plan can still describe: one at -O0 behind by the
  // saved file only, that file being its main file, whose analysed text is
  // known.
  bool behindBySaveOnly(const SavedFile &F, const std::string &Unit) const {
    return Unit == F.Path && F.Analysed && F.Before && Facts.FreshButFor &&
           Facts.FreshButFor(Unit, F.Path) &&
           !(Facts.Optimised && Facts.Optimised(Unit));
  }

  const StaticGraph &G;
  const UnitFacts &Facts;
};

void Planner::saved(const SavedFile &F) {
  Out.Planned.push_back({F.Path, hashString(F.After)});
  std::vector<std::string> Readers = G.unitsReading(F.Path);
  std::vector<std::string> Stale;
  for (const std::string &U : Readers) {
    if (Facts.Fresh(U))
      continue;
    if (behindBySaveOnly(F, U))
      Out.FocusFrom[U] = *F.Analysed; // both diffs below cover it
    else
      Stale.push_back(U);
  }
  whole(Stale, place(F.Path) + ": " + std::to_string(Stale.size()) +
                   " unit(s) reading it were analysed from older text: "
                   "recompiled whole");
  if (!F.Before)
    return everyFormChanged(F, Readers, "the text the process runs is not known");
  // The offsets are those of the readers whose analysis describes Base.
  const std::string &Base = F.Analysed ? *F.Analysed : *F.Before;
  std::vector<std::string> Describing;
  for (const std::string &U : Readers)
    if (analysedAs(G, U, F.Path, hashString(Base)))
      Describing.push_back(U);
  std::vector<Form> Forms = formsOf(G, Describing, F.Path);
  SourceEdit E;
  if (!Describing.empty())
    E = diffSource(Base, F.After, Forms);
  // Base is the running text in the common case: that diff tells.
  bool Changed = Base == *F.Before && !Describing.empty()
                     ? E.Changed
                     : diffSource(*F.Before, F.After, {}).Changed;
  if (!Changed)
    return Out.Unchanged.push_back(F.Path);
  if (Describing.empty())
    return everyFormChanged(F, Readers, "no analysis describes its text");
  if (F.Analysed) {
    // A form differs between the running and the saved text only if one of
    // them differs from the analysed text: both diffs together cover it.
    SourceEdit Running = diffSource(Base, *F.Before, Forms);
    E.OutsideForms |= Running.OutsideForms;
    mergeChanges(E.Changes, std::move(Running.Changes));
  }
  if (G.unit(F.Path))
    add(F.Path); // the unit edited is always compiled again
  if (llvm::count(*F.Before, '\n') != llvm::count(F.After, '\n'))
    for (const Form &Below : Forms)
      if (Below.Kind == FormKind::Function && Below.EndLine >= E.FirstLine)
        Out.Moved.insert(Below.Name);
  if (E.OutsideForms)
    whole(Readers, place(F.Path, E.FirstLine) +
                       ": edit outside any form (a declaration, an #include, "
                       "a new form): every unit reading it is recompiled");
  mergeChanges(Out.Changes, std::move(E.Changes));
}

// A macro tested or expanded outside every form (`#if FAST`) may change
// anything in the units that do so: they are recompiled whole.
void Planner::macrosOutsideForms() {
  for (const FormChange &C : Out.Changes) {
    if (C.current().Kind != FormKind::Macro)
      continue;
    std::vector<std::string> Units;
    for (const auto &[Main, Unit] : G.Units)
      if (llvm::is_contained(Unit.UnitMacros, C.current().Id))
        Units.push_back(Main);
    whole(Units, "macro " + C.current().Name + " is used outside any form "
                 "(#if, #ifdef): the units doing so are recompiled whole");
  }
}

// Without offsets that fit the text the process runs, every form of the
// file counts as changed, signature and default arguments included, so the
// set reaches every user of the file in every unit.
void Planner::everyFormChanged(const SavedFile &F, llvm::ArrayRef<std::string> Readers,
                               const std::string &Why) {
  whole(Readers, place(F.Path) + ": " + Why + ": every unit reading it is "
                                               "recompiled, every form counts as changed");
  std::vector<FormChange> All;
  for (const Form &Old : formsOf(G, Readers, F.Path)) {
    FormChange C{ChangeKind::Edited, Old, Old};
    C.After.Hash ^= 1;
    C.After.SignatureHash ^= 1;
    C.After.DefaultArgsHash ^= 1;
    All.push_back(std::move(C));
  }
  mergeChanges(Out.Changes, std::move(All));
}

// A function written in a unit's main file is compiled with that unit. One
// written in a header (inline, template) is compiled with the units of its
// users in the set; when the set holds no such user (a virtual method
// reached only through its vtable, say), with every unit reading it.
void Planner::unitsFromRebuildSet() {
  std::set<std::string> ReachedThrough;
  for (const RebuildEntry &E : Out.Rebuild.Functions) {
    Out.Names.insert(E.Name);
    if (G.unit(E.File)) {
      add(E.File);
      for (const ReasonStep &S : E.Path)
        ReachedThrough.insert(S.Id);
    }
  }
  for (const RebuildEntry &E : Out.Rebuild.Functions)
    if (!G.unit(E.File) && !ReachedThrough.count(E.Id))
      for (const std::string &U : G.unitsReading(E.File))
        add(U);
  for (const FormChange &C : Out.Changes) {
    if (C.current().Kind == FormKind::Record)
      Out.ChangedRecords.insert(C.current().Name);
    if (C.current().Kind != FormKind::Function)
      Out.ChangedOthers.insert(C.current().Name + "()");
  }
}

} // namespace

bool SavePlan::expects(llvm::StringRef Unit, llvm::StringRef FormName) const {
  auto U = Units.find(Unit.str());
  if (U != Units.end() && U->second)
    return true;
  if (Names.contains(FormName) || Moved.contains(FormName) ||
      ChangedOthers.contains(FormName))
    return true;
  std::string Class = specialMemberClass(FormName.str());
  return !Class.empty() && ChangedRecords.contains(Class);
}

SavePlan planSave(const StaticGraph &Graph, llvm::ArrayRef<SavedFile> Files,
                  const UnitFacts &Facts) {
  Planner P(Graph, Facts);
  for (const SavedFile &F : Files)
    P.saved(F);
  P.macrosOutsideForms();
  P.Out.Rebuild = computeRebuildSet(Graph, P.Out.Changes);
  addInlinedCallers(P.Out.Rebuild, Graph, Facts.Optimised);
  P.unitsFromRebuildSet();
  return std::move(P.Out);
}

} // namespace hotc::index
