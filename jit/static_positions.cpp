#include "jit/static_positions.h"
#include "jit/line_map.h"
#include "jit/live_dwarf.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>

using namespace llvm;

namespace hotc::jit {
namespace {

// A state variable of the patch declared in the unit's main file.
struct PatchStatic {
  GlobalVariable *G;
  unsigned Line;
  StaticIdentity Id;
};

bool inMainFile(const GlobalVariable &G, StringRef SourcePath) {
  SmallVector<DIGlobalVariableExpression *, 1> GVEs;
  G.getDebugInfo(GVEs);
  if (GVEs.empty() || !GVEs.front()->getVariable())
    return false;
  const DIGlobalVariable *V = GVEs.front()->getVariable();
  return absolutePath(V->getFilename(), V->getDirectory()) == absolutePath(SourcePath, "");
}

std::map<std::string, std::vector<PatchStatic>> patchStatics(Module &M,
                                                             StringRef SourcePath) {
  std::map<std::string, std::vector<PatchStatic>> Out;
  for (GlobalVariable &G : M.globals()) {
    if (G.isDeclaration() || G.isConstant() || G.getName().starts_with("llvm."))
      continue;
    unsigned Line = 0;
    std::optional<StaticIdentity> Id = identityOf(G, &Line);
    if (Id && !Id->Scopes.empty() && inMainFile(G, SourcePath))
      Out[Id->key()].push_back({&G, Line, *Id});
  }
  for (auto &[Key, Statics] : Out)
    std::stable_sort(Statics.begin(), Statics.end(),
                     [](const PatchStatic &A, const PatchStatic &B) { return A.Line < B.Line; });
  return Out;
}

// The guard of an Itanium-mangled static (`_ZZ...` -> `_ZGVZ...`).
std::string guardOf(StringRef Variable) {
  return Variable.starts_with("_Z") ? ("_ZGV" + Variable.drop_front(2)).str() : "";
}

Error refusal(StringRef SourcePath, unsigned Line, const StaticIdentity &Id,
              const char *Why) {
  return createStringError(
      inconvertibleErrorCode(),
      "%s:%u: the process has statics named %s, but hotc cannot tell which "
      "of them the one declared here is (%s): refusing rather than binding it "
      "to another one's value",
      SourcePath.str().c_str(), Line, Id.spelled().c_str(), Why);
}

// Where one identity's patch statics go: a slot of the process each, or
// none (new).
struct Pairing {
  std::vector<const StaticSlot *> Target; // by patch static; null: new
};

// Pairs patch statics with slots whose lines are in the text Lines maps
// onto. A lone static and a lone slot pair whatever the edit did to the
// line (what binding by name did for them).
Expected<Pairing> pairByLine(StringRef SourcePath, const std::vector<PatchStatic> &Patch,
                             const std::vector<StaticSlot> &Slots, const LineMap &Lines) {
  Pairing P;
  P.Target.assign(Patch.size(), nullptr);
  std::vector<bool> Taken(Slots.size(), false);
  std::vector<size_t> Pending;
  for (size_t I = 0; I < Patch.size(); ++I) {
    std::optional<unsigned> At = Lines.runningLine(Patch[I].Line);
    std::vector<size_t> Same;
    for (size_t S = 0; At && S < Slots.size(); ++S)
      if (Slots[S].Line == *At)
        Same.push_back(S);
    if (Same.size() > 1)
      return refusal(SourcePath, Patch[I].Line, Patch[I].Id,
                     "several of them are declared on that line");
    if (Same.size() == 1 && !Taken[Same.front()]) {
      P.Target[I] = &Slots[Same.front()];
      Taken[Same.front()] = true;
    } else if (!Lines.inserted(Patch[I].Line)) {
      Pending.push_back(I);
    }
  }
  if (Pending.empty())
    return P;
  if (Patch.size() == 1 && Slots.size() == 1 && !Taken[0]) {
    P.Target[0] = &Slots[0];
    return P;
  }
  // A static on lines the edit rewrote may be one the rewritten lines
  // declared; one whose run replaced no live static's line is new.
  for (size_t I : Pending) {
    auto [First, Last] = Lines.replacedLines(Patch[I].Line);
    for (size_t S = 0; S < Slots.size(); ++S)
      if (!Taken[S] && (Slots[S].Line == 0 ||
                        (Slots[S].Line >= First && Slots[S].Line <= Last)))
        return refusal(SourcePath, Patch[I].Line, Patch[I].Id,
                       Slots[S].Line ? "the edit rewrote the lines around it"
                                     : "an earlier edit rewrote the line of one of them");
  }
  return P;
}

struct Rename {
  GlobalValue *G;
  std::string To;
};

// Renames all at once: a static may take the name another one leaves.
Error applyRenames(std::vector<Rename> &Renames) {
  for (size_t I = 0; I < Renames.size(); ++I)
    Renames[I].G->setName(formatv("hotc.renaming.{0}", I).str());
  for (Rename &R : Renames) {
    R.G->setName(R.To);
    if (R.G->getName() != R.To)
      return createStringError(inconvertibleErrorCode(),
                               "internal: the patch module already has a value "
                               "named %s",
                               R.To.c_str());
  }
  return Error::success();
}

} // namespace

Expected<PositionedStatics>
bindStaticsByPosition(Module &M, StringRef SourcePath, const StaticPositions &Known,
                      const BaselineStatics &Baseline,
                      const std::optional<std::string> &Build,
                      const std::optional<std::string> &Running, StringRef New,
                      unsigned Generation, LinkSession &Link, const LiveView &View) {
  PositionedStatics Out;
  std::vector<Rename> Renames;
  std::optional<LineMap> FromRunning, FromBuild;
  unsigned Fresh = 0;
  for (auto &[Key, Patch] : patchStatics(M, SourcePath)) {
    auto KnownIt = Known.Slots.find(Key);
    bool Kept = KnownIt != Known.Slots.end();
    if (!Kept && Patch.size() < 2 && Baseline.Identities.lookup(Key) < 2)
      continue; // one static of that name on both sides: its name is its identity
    // The slots and the text their lines are of.
    std::vector<StaticSlot> Slots;
    const std::optional<std::string> *Coordinates = &Running;
    if (Kept) {
      Slots = KnownIt->second;
    } else {
      for (const LiveDwarf::Candidate &C : Link.dwarf().find(SourcePath, Patch.front().Id))
        Slots.push_back({C.Line, liveVariableAt(View, C.Address), C.Address});
      if (Build)
        Coordinates = &Build;
      if (Slots.size() < 2 && Patch.size() < 2)
        continue;
      if (Slots.empty() && !Link.dwarf().describes(SourcePath))
        return refusal(SourcePath, Patch.front().Line, Patch.front().Id,
                       "the binary has no DWARF for this unit; build with -g");
    }
    if (!*Coordinates)
      return refusal(SourcePath, Patch.front().Line, Patch.front().Id,
                     "the text the process runs of this file is not known");
    std::optional<LineMap> &Lines = Coordinates == &Running ? FromRunning : FromBuild;
    if (!Lines)
      Lines.emplace(**Coordinates, New);
    auto Paired = pairByLine(SourcePath, Patch, Slots, *Lines);
    if (!Paired)
      return Paired.takeError();
    // Live statics the DWARF does not show (thread-locals, ones the
    // optimiser split): a static taken as new may be one of them.
    if (!Kept && Slots.size() < Baseline.Identities.lookup(Key))
      for (size_t I = 0; I < Patch.size(); ++I)
        if (!Paired->Target[I])
          return refusal(SourcePath, Patch[I].Line, Patch[I].Id,
                         "the binary's DWARF shows fewer of them than the unit "
                         "has, at one address each");

    bool InOrder = Patch.size() == Slots.size();
    for (size_t I = 0; InOrder && I < Patch.size(); ++I)
      InOrder = Paired->Target[I] == &Slots[I];
    if (!InOrder)
      Out.Renumbered.push_back(Patch.front().Id.spelled());
    std::vector<StaticSlot> &Placed = Out.Placed[Key];
    for (size_t I = 0; I < Patch.size(); ++I) {
      GlobalVariable *G = Patch[I].G;
      GlobalVariable *Guard = M.getNamedGlobal(guardOf(G->getName()));
      const StaticSlot *S = Paired->Target[I];
      StaticSlot Slot{Patch[I].Line, "", 0};
      if (!S) { // new: a name no live static has
        Slot.Symbol = formatv("{0}.hotc{1}.{2}", G->getName(), Generation, Fresh++).str();
        Renames.push_back({G, Slot.Symbol});
        if (Guard)
          Renames.push_back({Guard, guardOf(Slot.Symbol)});
      } else if (const LiveSymbol *L =
                     S->Symbol.empty() ? nullptr : View.find(S->Symbol, G->hasLocalLinkage())) {
        Slot.Symbol = S->Symbol;
        Slot.Address = L->Address;
        Renames.push_back({G, S->Symbol});
        if (Guard) {
          std::string LiveGuard = guardOf(S->Symbol);
          if (LiveGuard.empty() || !View.find(LiveGuard, Guard->hasLocalLinkage()))
            return refusal(SourcePath, Patch[I].Line, Patch[I].Id,
                           "its compiler named the guard otherwise and no live "
                           "guard matches the variable's");
          Renames.push_back({Guard, LiveGuard});
        }
      } else if (S->Address && !Guard) { // a live instance without a symbol
        Slot.Symbol = formatv("{0}.hotc{1}.{2}", G->getName(), Generation, Fresh++).str();
        Slot.Address = S->Address;
        Renames.push_back({G, Slot.Symbol});
        if (Error E = Link.bindLiveSymbol(SourcePath, Slot.Symbol, S->Address,
                                          G->hasLocalLinkage()))
          return std::move(E);
      } else {
        return refusal(SourcePath, Patch[I].Line, Patch[I].Id,
                       "its live instance is no longer found");
      }
      Placed.push_back(std::move(Slot));
    }
  }
  if (Error E = applyRenames(Renames))
    return std::move(E);
  return Out;
}

void StaticPositions::accept(StaticPlacements Placed,
                             const std::optional<std::string> &Running, StringRef New) {
  bool Remap = Running && *Running != New &&
               any_of(Slots, [&](const auto &E) { return !Placed.count(E.first); });
  if (Remap) {
    LineMap Lines(*Running, New);
    unsigned NewLines = 1 + std::count(New.begin(), New.end(), '\n');
    std::map<unsigned, unsigned> NewOf; // running line -> new line
    for (unsigned L = 1; L <= NewLines; ++L)
      if (std::optional<unsigned> R = Lines.runningLine(L))
        NewOf[*R] = L;
    for (auto &[Key, Of] : Slots)
      if (!Placed.count(Key))
        for (StaticSlot &S : Of) {
          auto It = NewOf.find(S.Line);
          S.Line = It == NewOf.end() ? 0 : It->second;
        }
  }
  for (auto &[Key, Of] : Placed)
    Slots[Key] = std::move(Of);
}

} // namespace hotc::jit
