// cutToPatch (jit/build_compiler_patch.h): a GCC object cut down to a patch
// in JITLink's graph.
#include "jit/build_compiler_patch.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/ExecutionEngine/JITLink/ELF.h"

#include <map>

using namespace llvm;
using namespace llvm::jitlink;

namespace hotc::jit {
namespace {

bool isInitialiserSection(StringRef Name) {
  for (StringRef P : {".init_array", ".ctors", ".fini_array", ".dtors", ".preinit_array"})
    if (Name == P || Name.starts_with((P + ".").str()))
      return true;
  return false;
}

// The function of the plan that Name is, or that GCC split or specialised
// into Name (F.cold, F.part.0, F.isra.0, F.constprop.0); "" for none.
StringRef changedFunctionOf(StringRef Name, const StringSet<> &Changed) {
  if (Changed.contains(Name))
    return Name;
  for (size_t Dot = Name.find('.'); Dot != StringRef::npos;
       Dot = Name.find('.', Dot + 1))
    if (Changed.contains(Name.substr(0, Dot)))
      return Name.substr(0, Dot);
  return "";
}

// Live instances the object's own copies are bound to, by block: every
// reference into a rebound block goes to the external of the same name.
class Rebinding {
public:
  explicit Rebinding(LinkGraph &G) : G(G) {
    for (Symbol *E : G.external_symbols())
      Externals[E->getName()] = E;
  }

  // WholeBlock: references into S's block through its section (GAS turns
  // references to local symbols into section + offset) go live too; not
  // for a block that holds new code (its jump tables point into it).
  void bind(Symbol &S, StringRef LiveName, bool WholeBlock) {
    Symbol *&Ext = Externals[LiveName];
    if (!Ext)
      Ext = &G.addExternalSymbol(
          StringRef(G.allocateCString(LiveName).data(), LiveName.size()), 0, false);
    Of[&S] = Ext;
    if (WholeBlock)
      ByBlock[&S.getBlock()][S.getOffset()] = Ext;
  }

  // Retargets every reference but the unwind tables' (an FDE describes
  // the object's code and dies with it), then drops the rebound symbols.
  void apply() {
    for (Block *B : G.blocks()) {
      bool Unwind = B->getSection().getName() == ".eh_frame";
      for (Edge &E : B->edges()) {
        Symbol &T = E.getTarget();
        if (Unwind) {
          if (Of.count(&T)) // keep the FDE on the object's own code
            E.setTarget(G.addAnonymousSymbol(T.getBlock(), T.getOffset(), 0,
                                             false, false));
          continue;
        }
        if (auto It = Of.find(&T); It != Of.end()) {
          E.setTarget(*It->second);
          continue;
        }
        if (!T.isDefined())
          continue;
        auto Blk = ByBlock.find(&T.getBlock());
        if (Blk == ByBlock.end())
          continue;
        auto At = Blk->second.upper_bound(T.getOffset());
        if (At == Blk->second.begin())
          continue;
        --At;
        E.setTarget(*At->second);
        E.setAddend(E.getAddend() + int64_t(T.getOffset() - At->first));
      }
    }
    for (auto &[S, Ext] : Of)
      G.removeDefinedSymbol(*S);
  }

private:
  LinkGraph &G;
  StringMap<Symbol *> Externals; // the graph's, by name
  DenseMap<Symbol *, Symbol *> Of;
  DenseMap<Block *, std::map<orc::ExecutorAddrDiff, Symbol *>> ByBlock;
};

Error refusal(StringRef Unit, const Twine &Why) {
  return createStringError(inconvertibleErrorCode(), "%s: %s; nothing was applied",
                           Unit.str().c_str(), Why.str().c_str());
}

} // namespace

Expected<BuildCompilerPatch> cutToPatch(const MemoryBuffer &Object,
                                        const PatchPlan &Plan,
                                        const LiveView &Live,
                                        const StaticRebinding &Statics,
                                        unsigned Generation, StringRef Unit) {
  auto G = createLinkGraphFromELFObject(Object.getMemBufferRef());
  if (!G)
    return G.takeError();
  StringMap<std::string> Versioned;
  StringSet<> Changed;
  for (const Replacement &R : Plan.Replaced) {
    Versioned[R.Name] = R.Versioned;
    Changed.insert(R.Name);
  }
  for (const CreatedSymbol &C : Plan.Created)
    if (C.IsFunction)
      Changed.insert(C.Name);

  std::vector<Section *> Initialisers;
  for (Section &Sec : (*G)->sections())
    if (isInitialiserSection(Sec.getName()))
      Initialisers.push_back(&Sec);
  for (Section *Sec : Initialisers)
    (*G)->removeSection(*Sec);

  BuildCompilerPatch Out;
  std::vector<std::pair<Symbol *, std::string>> ToBind; // and the live name
  DenseSet<Block *> NewCode; // blocks holding code or data the patch keeps
  std::vector<Symbol *> Defined((*G)->defined_symbols().begin(),
                                (*G)->defined_symbols().end());
  for (Symbol *S : Defined) {
    if (!S->hasName())
      continue;
    StringRef Name = S->getName();
    bool Local = S->getScope() == Scope::Local;
    std::string LiveName = Name.str();
    if (auto It = Statics.LiveName.find(Name); It != Statics.LiveName.end())
      LiveName = It->second;
    const LiveSymbol *L =
        Statics.Apart.contains(Name) ? nullptr : Live.find(LiveName, Local);
    if (Statics.Apart.contains(Name)) {
      // New, but named like another live static: created under its own name.
      std::string Own = formatv("{0}.hotc{1}", Name, Generation).str();
      (*G)->addDefinedSymbol(S->getBlock(), S->getOffset(),
                             StringRef((*G)->allocateCString(StringRef(Own)).data(), Own.size()),
                             S->getSize(), Linkage::Strong, Scope::Default,
                             /*IsCallable=*/false, /*IsLive=*/true);
      S->setScope(Scope::Local);
      NewCode.insert(&S->getBlock());
      Out.Created.push_back({Own, Local, false});
      continue;
    }
    StringRef Of = S->isCallable() ? changedFunctionOf(Name, Changed) : "";
    if (!Of.empty() && Of == Name && Versioned.count(Name)) {
      // The new code of a live function, under its versioned name.
      std::string V = Versioned[Name];
      (*G)->addDefinedSymbol(S->getBlock(), S->getOffset(),
                             StringRef((*G)->allocateCString(StringRef(V)).data(), V.size()),
                             S->getSize(), Linkage::Strong, Scope::Default,
                             /*IsCallable=*/true, /*IsLive=*/true);
      Out.Replaced.push_back({Name.str(), V, Local});
      NewCode.insert(&S->getBlock());
      if (L)
        ToBind.push_back({S, LiveName});
      continue;
    }
    if (!Of.empty() && Of != Name) {
      // GCC's piece of a changed function: new code. A specialised copy
      // the process has is called by live code this patch leaves old.
      if (L && !Name.contains(".cold"))
        return refusal(Unit, "GCC made a specialised copy " + Name + " of " +
                                 demangle(Of.str()) +
                                 " that the running code calls; a patch "
                                 "compiled with GCC cannot re-point it");
      S->setScope(Scope::Local);
      NewCode.insert(&S->getBlock());
      continue;
    }
    bool Writable = (S->getBlock().getSection().getMemProt() &
                     orc::MemProt::Write) != orc::MemProt::None;
    // The unit's constants are private copies (as in jit/patch_module.cpp).
    if (L && !(Local && !S->isCallable() && !Writable && !isRtti(Name))) {
      ToBind.push_back({S, LiveName});
      continue;
    }
    NewCode.insert(&S->getBlock());
    if (!Of.empty() || (!S->isCallable() && (Writable || !Local))) {
      // New: the home of later patches.
      S->setScope(Scope::Default);
      S->setLinkage(Linkage::Strong);
      S->setLive(true);
      Out.Created.push_back({Name.str(), Local, S->isCallable()});
      continue;
    }
    S->setScope(Scope::Local); // a private copy: read-only data, a helper
  }
  for (const Replacement &R : Plan.Replaced)
    if (none_of(Out.Replaced, [&](const Replacement &D) { return D.Name == R.Name; }))
      return refusal(Unit, "GCC emitted no code for " + demangle(R.Name) +
                               " (inlined everywhere in this unit): its live "
                               "copy cannot be replaced");
  Rebinding Rebound(**G);
  for (auto &[S, LiveName] : ToBind)
    Rebound.bind(*S, LiveName, !NewCode.count(&S->getBlock()));
  Rebound.apply();
  Out.Graph = std::move(*G);
  return std::move(Out);
}

} // namespace hotc::jit
