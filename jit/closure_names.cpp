#include "jit/closure_names.h"

#include "jit/line_map.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/InstIterator.h"

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

using namespace llvm;

namespace hotc::jit {

namespace {

// A closure of the patch module, from Clang's debug information.
struct PatchClosure {
  std::string Enclosing, File;
  unsigned Line = 0;
  // Where its code starts in the line, to order lambdas written on one
  // line: the first (line, column) any of its instructions is at.
  std::pair<unsigned, unsigned> First{~0u, ~0u};
  std::vector<std::pair<std::string, Function *>> Members; // DI name, function
  std::string ClangName; // a member's name as Clang spelled it
  // Clang's spelling of the closure type where other names refer to it:
  // the enclosing function's context (`Z5probeE`) and the token (`3$_0`).
  std::string Context, Token;
};

// The context and token of the closure of a member Clang named
// (`_ZZ5probeENK3$_0clEi` -> `Z5probeE`, `3$_0`); empty when it has none.
std::pair<std::string, std::string> clangClosureOf(StringRef Member) {
  size_t Dollar = Member.find("$_");
  if (Dollar == StringRef::npos || !Member.starts_with("_ZZ"))
    return {};
  size_t Begin = Dollar;
  while (Begin > 0 && isDigit(Member[Begin - 1]))
    --Begin;
  size_t End = Dollar + 2;
  while (End < Member.size() && isDigit(Member[End]))
    ++End;
  StringRef Context = Member.slice(2, Begin); // Z5probeEN or Z5probeENK
  while (!Context.empty() && Context.back() != 'E')
    Context = Context.drop_back();
  return {Context.str(), Member.slice(Begin, End).str()};
}

std::string symbolOf(const DISubprogram *SP) {
  return !SP->getLinkageName().empty() ? SP->getLinkageName().str()
                                       : SP->getName().str();
}

// The function a lambda's closure type is written in; null when it is at
// namespace or class scope.
const DISubprogram *enclosingOf(const DICompositeType *Closure) {
  for (const DIScope *S = Closure->getScope(); S; S = S->getScope()) {
    if (auto *SP = dyn_cast<DISubprogram>(S))
      return SP;
    if (!isa<DILexicalBlockBase>(S))
      return nullptr;
  }
  return nullptr;
}

// The patch's closures of lambdas written in functions, by closure type.
std::map<const DICompositeType *, PatchClosure> patchClosures(Module &M) {
  std::map<const DICompositeType *, PatchClosure> Out;
  for (Function &F : M) {
    if (F.isDeclaration() || !F.getName().contains("$_"))
      continue;
    const DISubprogram *SP = F.getSubprogram();
    auto *Type = SP ? dyn_cast_or_null<DICompositeType>(SP->getScope()) : nullptr;
    const DISubprogram *Enclosing = Type ? enclosingOf(Type) : nullptr;
    // A lambda in a lambda: the enclosing operator() has no stable name.
    if (!Enclosing || StringRef(symbolOf(Enclosing)).contains("$_"))
      continue;
    PatchClosure &C = Out[Type];
    C.Enclosing = symbolOf(Enclosing);
    C.File = absolutePath(Type->getFilename(), Type->getDirectory());
    C.Line = Type->getLine();
    C.Members.push_back({SP->getName().str(), &F});
    C.ClangName = F.getName().str();
    std::tie(C.Context, C.Token) = clangClosureOf(C.ClangName);
    for (const Instruction &I : instructions(F))
      if (const DILocation *L = I.getDebugLoc(); L && L->getLine())
        C.First = std::min(C.First, std::make_pair(L->getLine(), L->getColumn()));
  }
  return Out;
}

// The binary's member for Clang's member name: Clang calls the static
// invoker of a captureless lambda `__invoke`, GCC `_FUN`.
const std::pair<std::string, uint64_t> *
liveMember(const LiveDwarf::Closure &Live, StringRef Name) {
  StringRef Want = Name == "__invoke" ? "_FUN" : Name;
  const std::pair<std::string, uint64_t> *Found = nullptr;
  for (const auto &M : Live.Members)
    if (M.first == Want) {
      if (Found && Found->second != M.second)
        return nullptr; // a generic lambda's instantiations: not one
      Found = &M;
    }
  return Found;
}

// The process's symbols by address, for one patch's lookups (a scan of the
// symbol table per lookup would cost milliseconds per lambda). The unit's
// internal symbols are indexed at once; the process's external ones, many
// more, only when a lookup needs them.
class SymbolsAt {
public:
  explicit SymbolsAt(const LiveView &V) : View(V) { index(View.Locals, Locals); }

  // The one function symbol at Address in the unit (Local) or the
  // process: its mangled name (a C name, as `extern "C"` functions have,
  // when it has none); empty when aliases leave more than one.
  std::string function(uint64_t Address, bool Local) const {
    std::vector<StringRef> Mangled, Plain;
    for (const Entry &E : at(Address, Local))
      if (E.IsFunction)
        (E.Name.starts_with("_Z") ? Mangled : Plain).push_back(E.Name);
    if (Mangled.size() == 1)
      return Mangled.front().str();
    return Mangled.empty() && Plain.size() == 1 ? Plain.front().str() : "";
  }

  // A variable's symbol at Address, the unit's first.
  std::string variable(uint64_t Address) const {
    for (bool Local : {true, false})
      for (const Entry &E : at(Address, Local))
        if (!E.IsFunction)
          return E.Name.str();
    return "";
  }

  const LiveView &View;

private:
  struct Entry {
    StringRef Name;
    bool IsFunction;
  };
  using Index = std::multimap<uint64_t, Entry>;

  static void index(const SymbolTable *T, Index &Out) {
    if (T)
      for (const auto &E : *T)
        Out.insert({E.second.Address, {E.getKey(), E.second.IsFunction}});
  }

  std::vector<Entry> at(uint64_t Address, bool Local) const {
    if (!Local && !Globals) {
      Globals.emplace();
      index(View.Globals, *Globals);
    }
    const Index &I = Local ? Locals : *Globals;
    std::vector<Entry> Out;
    auto [B, E] = I.equal_range(Address);
    for (auto It = B; It != E; ++It)
      Out.push_back(It->second);
    return Out;
  }

  Index Locals;
  mutable std::optional<Index> Globals;
};

// A member's statics the binary names otherwise, bound by the name its
// DWARF gives them in that closure (one of each name, else left alone):
// `_ZZ<member>E<length><name>` (Itanium ABI local names), and its guard.
void bindStaticsByDwarf(Module &M, StringRef Member, const LiveDwarf::Closure &Live,
                        const SymbolsAt &Symbols, std::vector<SymbolRename> &Out) {
  const LiveView &View = Symbols.View;
  std::string Prefix = "_ZZ" + Member.drop_front(2).str() + "E";
  std::vector<std::pair<GlobalVariable *, std::string>> Renames;
  for (GlobalVariable &G : M.globals()) {
    StringRef Rest = G.getName();
    if (!Rest.consume_front(Prefix) || View.find(G.getName(), G.hasLocalLinkage()))
      continue;
    unsigned Length = 0;
    if (Rest.consumeInteger(10, Length) || Rest.size() < Length)
      continue;
    StringRef Name = Rest.take_front(Length);
    std::vector<uint64_t> Same;
    for (const auto &[N, A] : Live.Statics)
      if (N == Name)
        Same.push_back(A);
    std::string Symbol = Same.size() == 1 ? Symbols.variable(Same.front()) : "";
    if (Symbol.empty() || M.getNamedValue(Symbol) || !View.find(Symbol, G.hasLocalLinkage()))
      continue;
    Renames.push_back({&G, Symbol});
  }
  for (auto &[G, Live] : Renames) {
    Out.push_back({G->getName().str(), Live});
    G->setName(Live);
  }
}

// Name with Clang's closure token From (`3$_0`) replaced by To where it
// names the closure of Context's function (`Z5probevE`, then the nested-
// name prefix and qualifiers `N`, `K` of a member).
std::string withClosure(StringRef Name, StringRef Context, StringRef From, StringRef To) {
  std::string Out = Name.str();
  for (size_t At = Out.find(From.str()); At != std::string::npos;
       At = Out.find(From.str(), At + To.size())) {
    size_t Before = At;
    while (Before > 0 && StringRef("NKVr").contains(Out[Before - 1]))
      --Before;
    if (Before >= Context.size() && StringRef(Out).substr(0, Before).ends_with(Context))
      Out.replace(At, From.size(), To.str());
    else
      At += From.size() - std::min(From.size(), To.size());
  }
  return Out;
}

// The patch's function for the live Holder of an inlined member: the same
// name, or a function naming the closure type (an instantiation such as a
// std::function's invoker) whose name becomes Holder with the binary's
// closure token in place of Clang's. The binary's is read off Holder after
// the same context (`Z5probeE`): Clang's `<length>$_N`, or GCC's
// `Ul...E<n>_`, trying each place that may end.
Function *patchHolder(Module &M, StringRef Holder, const PatchClosure &Patch) {
  if (Function *F = M.getFunction(Holder); F && !F->isDeclaration())
    return F;
  if (Patch.Token.empty())
    return nullptr;
  std::vector<std::string> Tokens;
  for (size_t At = Holder.find(Patch.Context); At != StringRef::npos;
       At = Holder.find(Patch.Context, At + 1)) {
    StringRef Rest = Holder.drop_front(At + Patch.Context.size());
    unsigned Length = 0;
    if (StringRef Token = Rest; !Token.consumeInteger(10, Length) &&
                                Token.size() >= Length && Token.starts_with("$_"))
      Tokens.push_back(Rest.take_front(Rest.size() - Token.size() + Length).str());
    else if (Rest.starts_with("Ul"))
      for (size_t End = Rest.find('_'); End != StringRef::npos; End = Rest.find('_', End + 1))
        Tokens.push_back(Rest.take_front(End + 1).str());
  }
  for (const std::string &Live : Tokens)
    for (Function &F : M)
      if (!F.isDeclaration() && F.getName().contains(Patch.Token) &&
          withClosure(F.getName(), Patch.Context, Patch.Token, Live) == Holder)
        return &F;
  return nullptr;
}

// The functions whose live code may hold an inlined copy of a paired
// closure's operator(): those the DWARF records inlined copies in or
// instantiated for the closure type, the other members with code (`_FUN`
// calls it), and the enclosing function (an inlined copy small enough
// leaves no record). Each is found in the patch by the binary's name.
std::optional<InlinedMember> holdersOf(Module &M, const PatchClosure &Patch,
                                       const LiveDwarf::Closure &Live,
                                       const SymbolsAt &Symbols) {
  const Function *Op = nullptr;
  for (const auto &[Name, F] : Patch.Members)
    if (Name == "operator()")
      Op = F;
  if (!Op)
    return std::nullopt;
  std::vector<uint64_t> Addresses = Live.Holders;
  for (const auto &[Name, Address] : Live.Members)
    if (Name != "operator()")
      Addresses.push_back(Address);
  std::vector<std::string> Names = {Live.Enclosing};
  for (uint64_t H : Addresses) {
    std::string Holder = Symbols.function(H, true);
    if (Holder.empty())
      Holder = Symbols.function(H, false);
    if (!Holder.empty() && Holder != Op->getName() && !is_contained(Names, Holder))
      Names.push_back(Holder);
  }
  InlinedMember Out{Op->getName().str(), {}, {}};
  for (const std::string &Holder : Names) {
    Function *F = patchHolder(M, Holder, Patch);
    if (F && F->getName() != Holder && M.getNamedValue(Holder))
      F = nullptr;
    if (F && F->getName() != Holder)
      F->setName(Holder);
    (F ? Out.Holders : Out.Missing).push_back(Holder);
  }
  return Out;
}

// A paired member's name in the binary; empty when it has no code there.
std::string liveNameOf(const LiveDwarf::Closure &Live, StringRef Member, const Function &F,
                       const SymbolsAt &Symbols) {
  const auto *Code = liveMember(Live, Member);
  return Code ? Symbols.function(Code->second, F.hasLocalLinkage()) : "";
}

// Paired closures: their members take the binary's names, all at once (two
// of Clang's `$_N` may trade places), and so do their statics.
void renamePaired(Module &M,
                  const std::vector<std::pair<const PatchClosure *, const LiveDwarf::Closure *>> &Pairs,
                  const SymbolsAt &Symbols, ClosureBinding &Out) {
  const LiveView &View = Symbols.View;
  struct Move {
    Function *F;
    std::string From, To;
  };
  std::vector<Move> Moves;
  // Pairs already named as in the binary (a Clang build) are bound by name,
  // their inlined copies found by their linkage names (PatchRequest).
  std::set<const PatchClosure *> AsBuilt;
  for (auto [Patch, Live] : Pairs)
    if (all_of(Patch->Members, [&, Live = Live](const auto &Mb) {
          return liveNameOf(*Live, Mb.first, *Mb.second, Symbols) == Mb.second->getName();
        }))
      AsBuilt.insert(Patch);
  for (auto [Patch, Live] : Pairs)
    for (const auto &[Name, F] : Patch->Members) {
      std::string To = liveNameOf(*Live, Name, *F, Symbols);
      if (!To.empty() && To != F->getName()) {
        Moves.push_back({F, F->getName().str(), To});
        F->setName(F->getName() + ".hotc.moving"); // frees its name first
      }
    }
  for (Move &Mv : Moves) {
    if (M.getNamedValue(Mv.To)) { // taken by a function that stays
      Mv.F->setName(Mv.From);
      continue;
    }
    Mv.F->setName(Mv.To);
    SymbolRename R{Mv.From, Mv.To};
    Out.Renames.push_back(R);
    renameLocalStatics(M, R, View, Out.Renames);
  }
  for (auto [Patch, Live] : Pairs) {
    if (AsBuilt.count(Patch))
      continue;
    for (const auto &[Name, F] : Patch->Members)
      if (liveNameOf(*Live, Name, *F, Symbols).empty())
        bindStaticsByDwarf(M, F->getName(), *Live, Symbols, Out.Renames);
    if (auto Inlined = holdersOf(M, *Patch, *Live, Symbols))
      Out.Inlined.push_back(std::move(*Inlined));
  }
}

// Whether a symbol of the process names Patch's closure type under its
// Clang spelling: a member, or an instantiation for it (which may hold an
// inlined operator() where the member has no code of its own).
bool namedLive(const LiveView &View, const PatchClosure &Patch) {
  if (Patch.Token.empty())
    return false;
  for (const SymbolTable *T : {View.Locals, View.Globals})
    if (T)
      for (const auto &E : *T)
        if (E.getKey().contains(Patch.Token) &&
            withClosure(E.getKey(), Patch.Context, Patch.Token, "\x01") != E.getKey())
          return true;
  return false;
}

// A patch closure paired with none of the binary's whose name the process
// has for another lambda (Clang numbered it otherwise this time): every
// symbol naming it takes a name of its own, so it is linked as new code
// and binds to nothing of the other lambda's.
void renameApart(Module &M, const PatchClosure &Patch, unsigned Serial, bool New,
                 ClosureBinding &Out) {
  if (Patch.Token.empty())
    return;
  std::string Own = "$_hotc" + std::to_string(Serial);
  std::string To = std::to_string(Own.size()) + Own;
  if (!New)
    Out.Apart.push_back(Patch.ClangName);
  for (GlobalValue &G : M.global_values()) {
    std::string Name = withClosure(G.getName(), Patch.Context, Patch.Token, To);
    if (Name != G.getName() && !M.getNamedValue(Name)) {
      Out.Renames.push_back({G.getName().str(), Name});
      G.setName(Name);
    }
  }
}

} // namespace

ClosureBinding bindClosuresByPosition(Module &M, StringRef SourcePath,
                                      StringRef Build, StringRef Running,
                                      StringRef New, LiveDwarf &Dwarf,
                                      const LiveView &View,
                                      const StringSet<> &Changed) {
  ClosureBinding Out;
  auto Patch = patchClosures(M);
  if (Patch.empty())
    return Out;
  // The binary's closures are where the build's text has them; what this
  // edit inserted is told against the text the process runs.
  LineMap Lines(Running, New);
  std::optional<LineMap> OntoBuild;
  if (Build != Running)
    OntoBuild.emplace(Build, New);
  const LineMap &ToBuild = OntoBuild ? *OntoBuild : Lines;
  using Position = std::tuple<std::string, std::string, unsigned>;
  std::map<Position, std::vector<const LiveDwarf::Closure *>> LiveAt;
  const std::vector<LiveDwarf::Closure> &Live = Dwarf.closures(SourcePath);
  std::optional<SymbolsAt> Symbols; // only where a closure may pair
  if (!Live.empty())
    Symbols.emplace(View);
  for (const LiveDwarf::Closure &C : Live)
    LiveAt[{C.Enclosing, C.File, C.Line}].push_back(&C);
  std::map<Position, std::vector<const PatchClosure *>> PatchAt;
  for (const auto &[Type, C] : Patch)
    if (auto Line = ToBuild.runningLine(C.Line))
      PatchAt[{C.Enclosing, C.File, *Line}].push_back(&C);

  std::vector<std::pair<const PatchClosure *, const LiveDwarf::Closure *>> Pairs;
  for (auto &[At, Closures] : PatchAt) {
    auto It = LiveAt.find(At);
    // Lambdas written on one line pair up in order only when both sides
    // have them all (a partial module or an inlined one leaves doubt).
    if (It == LiveAt.end() || It->second.size() != Closures.size())
      continue;
    std::vector<const LiveDwarf::Closure *> &Binary = It->second;
    std::stable_sort(Binary.begin(), Binary.end(),
                     [](auto *A, auto *B) { return A->Column < B->Column; });
    std::stable_sort(Closures.begin(), Closures.end(),
                     [](auto *A, auto *B) { return A->First < B->First; });
    if (Closures.size() > 1 && any_of(Binary, [](auto *C) { return C->Column == 0; }))
      continue; // no columns to order them by
    for (size_t I = 0; I < Closures.size(); ++I)
      Pairs.push_back({Closures[I], Binary[I]});
  }

  // Clang numbers closures `$_N` in the order it emits them, so a lambda
  // added above others may take a live lambda's name. Where a paired
  // lambda's live name is not its own, or the function's count of lambdas
  // changed, an unpaired lambda whose name the process has is such a one.
  std::set<std::string> Renumbered;
  std::map<std::string, int> Count;
  std::set<const PatchClosure *> Paired;
  for (const LiveDwarf::Closure &C : Live)
    --Count[C.Enclosing];
  for (const auto &[Type, C] : Patch)
    ++Count[C.Enclosing];
  for (const auto &[E, N] : Count)
    if (N != 0)
      Renumbered.insert(E);
  for (auto [P, L] : Pairs) {
    Paired.insert(P);
    for (const auto &[Name, F] : P->Members)
      if (std::string To = liveNameOf(*L, Name, *F, *Symbols); !To.empty() && To != F->getName())
        Renumbered.insert(P->Enclosing);
  }
  unsigned Serial = 0;
  for (const auto &[Type, C] : Patch)
    if (!Paired.count(&C) && Renumbered.count(C.Enclosing) &&
        any_of(C.Members, [&](const auto &Mb) { return Changed.contains(Mb.second->getName()); }) &&
        namedLive(View, C))
      renameApart(M, C, ++Serial, Lines.inserted(C.Line), Out);
  if (Symbols)
    renamePaired(M, Pairs, *Symbols, Out);
  for (const auto &[Type, C] : Patch)
    if (!Paired.count(&C) && Lines.inserted(C.Line))
      for (const auto &Mb : C.Members)
        Out.New.push_back(Mb.second->getName().str());
  for (const auto &[Type, C] : Patch)
    if ((Count[C.Enclosing] != 0 || !Paired.count(&C)) &&
        !is_contained(Out.Recounted, C.Enclosing))
      Out.Recounted.push_back(C.Enclosing);
  return Out;
}

} // namespace hotc::jit
