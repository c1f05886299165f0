#include "jit/closure_names.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/GlobalVariable.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <map>
#include <tuple>

using namespace llvm;

namespace hotc::jit {

namespace {

// Myers' O(ND) difference of two sequences of lines: the pairs of lines
// (index in A, index in B) an edit script of at most MaxEdits keeps, in
// order; nullopt when more edits than that separate them.
std::optional<std::vector<std::pair<size_t, size_t>>>
keptLines(ArrayRef<StringRef> A, ArrayRef<StringRef> B, int MaxEdits) {
  const int N = A.size(), M = B.size(), Max = std::min(N + M, MaxEdits);
  std::vector<int> V(2 * Max + 2, 0);
  std::vector<std::vector<int>> Trace;
  auto At = [&](std::vector<int> &W, int K) -> int & { return W[K + Max + 1]; };
  for (int D = 0; D <= Max; ++D) {
    Trace.push_back(V);
    for (int K = -D; K <= D; K += 2) {
      int X = (K == -D || (K != D && At(V, K - 1) < At(V, K + 1))) ? At(V, K + 1)
                                                                  : At(V, K - 1) + 1;
      int Y = X - K;
      while (X < N && Y < M && A[X] == B[Y])
        ++X, ++Y;
      At(V, K) = X;
      if (X < N || Y < M)
        continue;
      std::vector<std::pair<size_t, size_t>> Kept;
      for (int E = D; E >= 0; --E) {
        std::vector<int> &W = Trace[E];
        int KE = X - Y;
        int Prev = (KE == -E || (KE != E && At(W, KE - 1) < At(W, KE + 1))) ? KE + 1
                                                                          : KE - 1;
        int PX = E ? At(W, Prev) : 0, PY = E ? PX - Prev : 0;
        while (X > PX && Y > PY)
          Kept.push_back({size_t(--X), size_t(--Y)});
        X = PX, Y = PY;
      }
      std::reverse(Kept.begin(), Kept.end());
      return Kept;
    }
  }
  return std::nullopt;
}

} // namespace

LineMap::LineMap(StringRef Running, StringRef New) {
  SmallVector<StringRef, 0> Old, Now;
  Running.split(Old, '\n');
  New.split(Now, '\n');
  RunningOf.assign(Now.size() + 1, 0);
  // The lines both keep at the start and at the end, then the difference
  // of what lies between.
  size_t Prefix = 0;
  while (Prefix < Old.size() && Prefix < Now.size() && Old[Prefix] == Now[Prefix])
    ++Prefix;
  size_t Suffix = 0;
  while (Suffix < Old.size() - Prefix && Suffix < Now.size() - Prefix &&
         Old[Old.size() - 1 - Suffix] == Now[Now.size() - 1 - Suffix])
    ++Suffix;
  std::vector<std::pair<size_t, size_t>> Kept;
  for (size_t I = 0; I < Prefix; ++I)
    Kept.push_back({I, I});
  auto Middle = keptLines(ArrayRef(Old).slice(Prefix, Old.size() - Prefix - Suffix),
                          ArrayRef(Now).slice(Prefix, Now.size() - Prefix - Suffix),
                          /*MaxEdits=*/2000);
  if (Middle)
    for (auto [O, N] : *Middle)
      Kept.push_back({O + Prefix, N + Prefix});
  for (size_t I = Suffix; I > 0; --I)
    Kept.push_back({Old.size() - I, Now.size() - I});
  // Kept lines map; so do the lines of a run the edit replaced by as many.
  Kept.push_back({Old.size(), Now.size()});
  size_t O = 0, N = 0;
  for (auto [KO, KN] : Kept) {
    if (Middle && KO - O == KN - N)
      for (size_t I = 0; I < KN - N; ++I)
        RunningOf[N + I + 1] = O + I + 1;
    if (KN < Now.size())
      RunningOf[KN + 1] = KO + 1;
    O = KO + 1, N = KN + 1;
  }
}

std::optional<unsigned> LineMap::runningLine(unsigned Line) const {
  if (Line == 0 || Line >= RunningOf.size() || RunningOf[Line] == 0)
    return std::nullopt;
  return RunningOf[Line];
}

namespace {

// A closure of the patch module, from Clang's debug information.
struct PatchClosure {
  std::string Enclosing, File;
  unsigned Line = 0;
  // Where its code starts in the line, to order lambdas written on one
  // line: the first (line, column) any of its instructions is at.
  std::pair<unsigned, unsigned> First{~0u, ~0u};
  std::vector<std::pair<std::string, Function *>> Members; // DI name, function
};

std::string symbolOf(const DISubprogram *SP) {
  return !SP->getLinkageName().empty() ? SP->getLinkageName().str()
                                       : SP->getName().str();
}

std::string pathOf(const DIFile *F) {
  SmallString<256> P(F ? F->getFilename() : "");
  if (F && !sys::path::is_absolute(P)) {
    SmallString<256> Abs(F->getDirectory());
    sys::path::append(Abs, P);
    P = Abs;
  }
  sys::path::remove_dots(P, true);
  return P.str().str();
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

// The patch's closures the process lacks by name, by closure type.
std::map<const DICompositeType *, PatchClosure> patchClosures(Module &M,
                                                              const LiveView &View) {
  std::map<const DICompositeType *, PatchClosure> Out;
  for (Function &F : M) {
    if (F.isDeclaration() || !F.getName().contains("$_") ||
        View.find(F.getName(), F.hasLocalLinkage()))
      continue;
    const DISubprogram *SP = F.getSubprogram();
    auto *Type = SP ? dyn_cast_or_null<DICompositeType>(SP->getScope()) : nullptr;
    const DISubprogram *Enclosing = Type ? enclosingOf(Type) : nullptr;
    // A lambda in a lambda: the enclosing operator() has no stable name.
    if (!Enclosing || StringRef(symbolOf(Enclosing)).contains("$_"))
      continue;
    PatchClosure &C = Out[Type];
    C.Enclosing = symbolOf(Enclosing);
    C.File = pathOf(Type->getFile());
    C.Line = Type->getLine();
    C.Members.push_back({SP->getName().str(), &F});
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

// The one mangled function symbol at Address in the unit or the process.
std::string functionAt(const LiveView &View, uint64_t Address, bool Local) {
  std::string Found;
  const SymbolTable *T = Local ? View.Locals : View.Globals;
  if (!T)
    return "";
  for (const auto &E : *T)
    if (E.second.IsFunction && E.second.Address == Address &&
        E.getKey().starts_with("_Z")) {
      if (!Found.empty())
        return ""; // aliases: not one name to bind
      Found = E.getKey().str();
    }
  return Found;
}

// The statics of a renamed operator(): `_ZZ<function>E<name>` and their
// guards `_ZGVZ<function>E<name>` (Itanium ABI local names), bound when
// the binary has them under its spelling of the function.
void renameStaticsOf(Module &M, const SymbolRename &Function, const LiveView &View,
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

} // namespace

std::vector<SymbolRename> bindClosuresByPosition(Module &M, StringRef SourcePath,
                                                 const LineMap &Lines,
                                                 LiveDwarf &Dwarf,
                                                 const LiveView &View) {
  std::vector<SymbolRename> Out;
  auto Patch = patchClosures(M, View);
  if (Patch.empty())
    return Out;
  using Position = std::tuple<std::string, std::string, unsigned>;
  std::map<Position, std::vector<const LiveDwarf::Closure *>> LiveAt;
  std::vector<LiveDwarf::Closure> Live = Dwarf.closures(SourcePath);
  for (const LiveDwarf::Closure &C : Live)
    LiveAt[{C.Enclosing, C.File, C.Line}].push_back(&C);
  std::map<Position, std::vector<const PatchClosure *>> PatchAt;
  for (const auto &[Type, C] : Patch)
    if (auto Line = Lines.runningLine(C.Line))
      PatchAt[{C.Enclosing, C.File, *Line}].push_back(&C);

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
      for (const auto &[Name, F] : Closures[I]->Members) {
        const auto *Member = liveMember(*Binary[I], Name);
        std::string Symbol =
            Member ? functionAt(View, Member->second, F->hasLocalLinkage()) : "";
        if (Symbol.empty() || M.getNamedValue(Symbol))
          continue;
        SymbolRename R{F->getName().str(), Symbol};
        F->setName(Symbol);
        Out.push_back(R);
        renameStaticsOf(M, R, View, Out);
      }
  }
  return Out;
}

} // namespace hotc::jit
