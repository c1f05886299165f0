#include "jit/identity_binding.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/BinaryFormat/Dwarf.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/IR/DebugInfo.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/Instructions.h"

#include <algorithm>
#include <cstdlib>
#include <map>

using namespace llvm;

namespace hotc::jit {
namespace {

bool isState(const GlobalVariable &G) {
  return !G.isDeclaration() && !G.isConstant() && !G.getName().starts_with("llvm.");
}

// A variable of the patch that the live view lacks by name.
struct Unbound {
  const GlobalVariable *G;
  StaticIdentity Id;
  unsigned Line;
};

Error refusal(StringRef SourcePath, const std::string &What, const char *Why) {
  return createStringError(
      inconvertibleErrorCode(),
      "%s: the process has %s, but hotc cannot find its live instance (%s): "
      "refusing rather than starting from a fresh copy",
      SourcePath.str().c_str(), What.c_str(), Why);
}

// Pairs the patch's variables of one identity with the binary's: one with
// one; as many as the baseline had, in source order; else by equal line.
// Returns the pairs made; Ambiguous is set when a variable the baseline
// had could not be paired.
std::vector<std::pair<const Unbound *, uint64_t>>
pair(const std::vector<Unbound> &Patch, const std::vector<LiveDwarf::Candidate> &Live,
     unsigned InBaseline, const BaselineStatics &Baseline, bool &Ambiguous) {
  std::vector<std::pair<const Unbound *, uint64_t>> Out;
  if (Patch.size() == Live.size() && (Live.size() == 1 || InBaseline == Live.size())) {
    for (size_t I = 0; I < Patch.size(); ++I)
      Out.push_back({&Patch[I], Live[I].Address});
    return Out;
  }
  for (const Unbound &U : Patch) {
    std::vector<uint64_t> Same;
    for (const LiveDwarf::Candidate &C : Live)
      if (C.Line == U.Line)
        Same.push_back(C.Address);
    if (Same.size() == 1)
      Out.push_back({&U, Same.front()});
    else if (!Live.empty() && Baseline.Names.contains(U.G->getName()))
      Ambiguous = true; // none at all is said by the caller, precisely
  }
  return Out;
}

} // namespace

std::string liveVariableAt(const LiveView &View, uint64_t Address) {
  for (const SymbolTable *T : {View.Locals, View.Globals})
    if (T)
      for (const auto &E : *T)
        if (E.second.Address == Address && !E.second.IsFunction)
          return E.getKey().str();
  return "";
}

// Whether code may change V after its initialiser: any use but a load from
// it (through constant offsets) counts, so this errs towards "written".
bool mayBeWritten(const Value &V) {
  for (const User *U : V.users()) {
    if (auto *L = dyn_cast<LoadInst>(U)) {
      if (L->getPointerOperand() == &V)
        continue;
      return true;
    }
    if (auto *CE = dyn_cast<ConstantExpr>(U);
        CE && CE->getOpcode() == Instruction::GetElementPtr) {
      if (mayBeWritten(*CE))
        return true;
      continue;
    }
    return true;
  }
  return false;
}

BaselineStatics staticsOf(const Module &M) {
  BaselineStatics Out;
  for (const GlobalVariable &G : M.globals()) {
    if (!isState(G))
      continue;
    Out.Names.insert(G.getName());
    if (mayBeWritten(G))
      Out.Written.insert(G.getName());
    if (auto Id = identityOf(G))
      ++Out.Identities[Id->key()];
  }
  return Out;
}

Error bindStaticsByIdentity(const Module &M, StringRef SourcePath,
                            const BaselineStatics &Baseline, LinkSession &Link,
                            const LiveView &View, const StringSet<> &Positioned) {
  std::map<std::string, std::vector<Unbound>> ByIdentity;
  std::vector<const GlobalVariable *> Guards;
  StringMap<unsigned> InPatch; // state variables per identity, bound or not
  for (const GlobalVariable &G : M.globals())
    if (isState(G))
      if (auto Id = identityOf(G))
        ++InPatch[Id->key()];
  for (const GlobalVariable &G : M.globals()) {
    if (G.isDeclaration() || G.getName().starts_with("llvm."))
      continue;
    if (auto Id = identityOf(G); Id && Positioned.contains(Id->key()))
      continue; // bound already (jit/static_positions.h)
    if (View.find(G.getName(), G.hasLocalLinkage())) {
      // C++ numbers same-named statics of a function (n, n_0, ...): a new
      // one added above an existing one takes its name.
      if (auto Id = identityOf(G); Id && isState(G) && InPatch.lookup(Id->key()) > 1 &&
                                   InPatch.lookup(Id->key()) != Baseline.Identities.lookup(Id->key()))
        return refusal(SourcePath, Id->spelled(),
                       "the edit changed how many statics of that scope and "
                       "name there are, and their symbols are numbered in order");
      continue;
    }
    if (G.getName().starts_with("_ZGV")) {
      Guards.push_back(&G); // bound with the variable it guards
      continue;
    }
    if (G.isConstant())
      continue; // a literal or table: a private copy (jit/patch_module.cpp)
    unsigned Line = 0;
    std::optional<StaticIdentity> Id = identityOf(G, &Line);
    if (!Id) {
      if (Baseline.Names.contains(G.getName()))
        return refusal(SourcePath, demangle(G.getName().str()),
                       "the patch has no debug information for it");
      continue;
    }
    ByIdentity[Id->key()].push_back({&G, *Id, Line});
  }

  StringMap<uint64_t> Bound; // the patch's spelling -> live address
  for (auto &[Key, Patch] : ByIdentity) {
    std::stable_sort(Patch.begin(), Patch.end(),
                     [](const Unbound &A, const Unbound &B) { return A.Line < B.Line; });
    auto Live = Link.dwarf().find(SourcePath, Patch.front().Id);
    bool Ambiguous = false;
    for (auto [U, Address] : pair(Patch, Live, Baseline.Identities.lookup(Key),
                                  Baseline, Ambiguous)) {
      if (Error E = Link.bindLiveSymbol(SourcePath, U->G->getName(), Address,
                                        U->G->hasLocalLinkage()))
        return E;
      Bound[U->G->getName()] = Address;
    }
    if (Ambiguous)
      return refusal(SourcePath, Patch.front().Id.spelled(),
                     "several statics of that scope and name, and the edit "
                     "changed how many there are");
    // One the baseline only ever read still holds its constant initial
    // value, which is what a fresh copy starts from (at -O2 the compiler
    // folds such a variable away).
    for (const Unbound &U : Patch)
      if (!Bound.count(U.G->getName()) && Baseline.Names.contains(U.G->getName()) &&
          (Baseline.Written.contains(U.G->getName()) ||
           !Link.dwarf().describes(SourcePath)))
        return refusal(SourcePath, U.Id.spelled(),
                       !Link.dwarf().describes(SourcePath)
                           ? "the binary has no DWARF for this unit; build with -g"
                           : "the binary's DWARF has no variable of that scope "
                             "and name at one address: its compiler optimised "
                             "it away or split it into pieces");
  }

  // _ZGVZ...: the guard of the variable _ZZ... (Itanium ABI); the live
  // guard is named after the live variable.
  for (const GlobalVariable *G : Guards) {
    std::string Variable = "_Z" + G->getName().drop_front(4).str();
    auto It = Bound.find(Variable);
    std::string LiveVariable = It == Bound.end() ? "" : liveVariableAt(View, It->second);
    if (!LiveVariable.empty() && StringRef(LiveVariable).starts_with("_Z")) {
      std::string LiveGuard = "_ZGV" + LiveVariable.substr(2);
      const LiveSymbol *S = View.find(LiveGuard, true);
      if (!S)
        S = View.find(LiveGuard, false);
      if (S) {
        if (Error E = Link.bindLiveSymbol(SourcePath, G->getName(), S->Address,
                                          G->hasLocalLinkage()))
          return E;
        continue;
      }
    }
    if (Baseline.Names.contains(G->getName()))
      return refusal(SourcePath, demangle(G->getName().str()),
                     "its compiler named the guard otherwise and no live guard "
                     "matches the variable's");
  }
  return Error::success();
}

namespace {

std::string withoutSpaces(StringRef S) {
  std::string Out;
  for (char C : S)
    if (C != ' ')
      Out += C;
  return Out;
}

std::string qualifiedName(const DIScope *S) {
  std::string Name;
  for (; S && !isa<DICompileUnit>(S) && !isa<DIFile>(S); S = S->getScope())
    Name = Name.empty() ? S->getName().str() : S->getName().str() + "::" + Name;
  return Name;
}

// true, false, or nullopt when the debug information does not say (a base
// known only by a declaration).
std::optional<bool> hasVirtualBase(const DICompositeType *T, unsigned Depth = 0) {
  if (!T || T->isForwardDecl() || Depth > 32)
    return std::nullopt;
  for (const DINode *E : T->getElements()) {
    auto *D = dyn_cast_or_null<DIDerivedType>(E);
    if (!D || D->getTag() != dwarf::DW_TAG_inheritance)
      continue;
    if (D->getFlags() & DINode::FlagVirtual)
      return true;
    auto Base = hasVirtualBase(dyn_cast_or_null<DICompositeType>(D->getBaseType()), Depth + 1);
    if (!Base || *Base)
      return Base;
  }
  return false;
}

// The other variant's spellings: C1 -> C2 (and CI1 -> CI2 for inheriting
// constructors), D1 -> D2, where the variant ends the nested name (E),
// precedes an ABI tag (B) or template arguments (I).
std::vector<std::string> otherVariants(StringRef Name) {
  std::vector<std::string> Out;
  for (auto [From, To] : {std::pair{"C1", "C2"}, {"CI1", "CI2"}, {"D1", "D2"}})
    for (size_t At = Name.find(From); At != StringRef::npos; At = Name.find(From, At + 1)) {
      size_t After = At + StringRef(From).size();
      if (After < Name.size() && StringRef("EIB").contains(Name[After]))
        Out.push_back((Name.substr(0, At) + To + Name.substr(After)).str());
    }
  return Out;
}

} // namespace

std::vector<std::string> siblingVariants(StringRef Name) {
  static const std::vector<std::vector<StringRef>> Families = {
      {"C1", "C2", "C3"}, {"CI1", "CI2"}, {"D0", "D1", "D2"}};
  std::vector<std::string> Out;
  for (const std::vector<StringRef> &Family : Families)
    for (StringRef From : Family)
      for (size_t At = Name.find(From); At != StringRef::npos;
           At = Name.find(From, At + 1)) {
        size_t After = At + From.size();
        if (After >= Name.size() || !StringRef("EIB").contains(Name[After]))
          continue;
        for (StringRef To : Family)
          if (To != From)
            Out.push_back((Name.substr(0, At) + To + Name.substr(After)).str());
      }
  return Out;
}

Error bindConstructorVariants(const Module &M, StringRef SourcePath,
                             LinkSession &Link, const LiveView &View) {
  std::optional<DebugInfoFinder> Finder; // only when a candidate shows up
  for (const Function &F : M) {
    if (!F.isDeclaration() || F.use_empty() || View.find(F.getName(), false) ||
        View.find(F.getName(), true))
      continue;
    ItaniumPartialDemangler D;
    if (D.partialDemangle(F.getName().str().c_str()) || !D.isCtorOrDtor())
      continue;
    for (const std::string &Other : otherVariants(F.getName())) {
      const LiveSymbol *Live = View.find(Other, F.hasLocalLinkage());
      if (!Live || demangle(Other) != demangle(F.getName().str()))
        continue;
      char *Context = D.getFunctionDeclContextName(nullptr, nullptr);
      std::string Class = Context ? withoutSpaces(Context) : "";
      std::free(Context);
      if (!Finder) {
        Finder.emplace();
        Finder->processModule(M);
      }
      std::optional<bool> Virtual;
      for (const DIType *T : Finder->types())
        if (auto *CT = dyn_cast<DICompositeType>(T);
            CT && !CT->isForwardDecl() && withoutSpaces(qualifiedName(CT)) == Class)
          Virtual = hasVirtualBase(CT);
      if (Virtual == false)
        if (Error E = Link.bindLiveSymbol(SourcePath, F.getName(), Live->Address,
                                          F.hasLocalLinkage(), /*IsFunction=*/true))
          return E;
      break;
    }
  }
  return Error::success();
}

void renameLocalStatics(Module &M, const SymbolRename &Function, const LiveView &View,
                     std::vector<SymbolRename> &Out) {
  StringRef From = StringRef(Function.Patch).drop_front(2);
  StringRef To = StringRef(Function.Live).drop_front(2);
  std::vector<std::pair<GlobalVariable *, std::string>> Renames;
  for (GlobalVariable &G : M.globals())
    for (StringRef Prefix : {"_ZZ", "_ZGVZ"}) {
      StringRef Name = G.getName();
      if (!Name.starts_with(Prefix) || !Name.drop_front(Prefix.size()).starts_with(From))
        continue;
      StringRef Rest = Name.drop_front(Prefix.size() + From.size());
      if (!Rest.starts_with("E"))
        continue;
      std::string Live = (Prefix + To + Rest).str();
      if (View.find(Live, G.hasLocalLinkage()) && !M.getNamedValue(Live))
        Renames.push_back({&G, Live});
    }
  for (auto &[G, Live] : Renames) {
    Out.push_back({G->getName().str(), Live});
    G->setName(Live);
  }
}

// Name without its ABI tags (`B<length><tag>` after a source name), one
// spelling per tag removed and one with all removed.
std::vector<std::string> withoutAbiTags(StringRef Name) {
  std::vector<std::pair<size_t, size_t>> Tags;
  for (size_t I = 0; I + 1 < Name.size(); ++I) {
    if (Name[I] != 'B' || !isDigit(Name[I + 1]))
      continue;
    unsigned Length = 0;
    StringRef Rest = Name.drop_front(I + 1);
    size_t Digits = Rest.size();
    if (Rest.consumeInteger(10, Length) || Length == 0 || Rest.size() < Length)
      continue;
    Digits -= Rest.size();
    Tags.push_back({I, 1 + Digits + Length});
  }
  std::vector<std::string> Out;
  for (auto [At, Size] : Tags)
    Out.push_back((Name.take_front(At) + Name.drop_front(At + Size)).str());
  if (Tags.size() > 1) {
    std::string All = Name.str();
    for (auto It = Tags.rbegin(); It != Tags.rend(); ++It)
      All.erase(It->first, It->second);
    Out.push_back(All);
  }
  return Out;
}

std::vector<SymbolRename> bindUntaggedFunctions(Module &M, const LiveView &View) {
  std::vector<SymbolRename> Out;
  std::vector<std::pair<Function *, std::string>> Renames;
  for (Function &F : M) {
    if (F.isDeclaration() || !F.hasLocalLinkage() || !F.getName().starts_with("_Z") ||
        View.find(F.getName(), true))
      continue;
    // The same function but for its tags, as the demangler reads both.
    std::string Untagged = demangle(F.getName().str());
    for (size_t At = Untagged.find("[abi:"); At != std::string::npos;
         At = Untagged.find("[abi:", At))
      Untagged.erase(At, Untagged.find(']', At) - At + 1);
    for (const std::string &Plain : withoutAbiTags(F.getName())) {
      if (View.find(Plain, true) && !M.getNamedValue(Plain) && demangle(Plain) == Untagged) {
        Renames.push_back({&F, Plain});
        break;
      }
    }
  }
  for (auto &[F, Plain] : Renames) {
    SymbolRename R{F->getName().str(), Plain};
    F->setName(Plain);
    Out.push_back(R);
    renameLocalStatics(M, R, View, Out);
  }
  return Out;
}

} // namespace hotc::jit
