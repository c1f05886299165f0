#include "jit/unoptimised_functions.h"

#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace hotc::jit {

namespace {
constexpr StringLiteral kPrefix = "O0:";
}

std::string unoptimisedMark(StringRef Symbol) { return (kPrefix + Symbol).str(); }

bool runsUnoptimised(const FunctionHashes &Live, StringRef Symbol) {
  return Live.lookup(unoptimisedMark(Symbol)) != 0;
}

StringSet<> wantedIn(const Module &M, const StringSet<> &Wanted) {
  StringSet<> Out;
  for (const auto &W : Wanted) {
    if (M.getFunction(W.getKey())) {
      Out.insert(W.getKey());
      continue;
    }
    for (const Function &F : M)
      if (F.hasLocalLinkage() && F.getSubprogram() &&
          F.getSubprogram()->getName() == W.getKey())
        Out.insert(F.getName());
  }
  return Out;
}

void addModeChanges(const Module &M, const FunctionHashes &Live,
                    const StringSet<> *Wanted, StringSet<> &Changed) {
  auto Consider = [&](StringRef Symbol) {
    bool Want = Wanted && Wanted->contains(Symbol);
    const Function *F = M.getFunction(Symbol);
    if (F && !F->isDeclaration() && Want != runsUnoptimised(Live, Symbol))
      Changed.insert(Symbol);
  };
  if (Wanted)
    for (const auto &W : *Wanted)
      Consider(W.getKey());
  for (const auto &E : Live)
    if (E.getKey().starts_with(kPrefix) && E.second)
      Consider(E.getKey().drop_front(kPrefix.size()));
}

void markUnoptimised(Module &M, const PatchPlan &Plan, const FunctionHashes &Live,
                     const StringSet<> *Wanted, StringMap<uint64_t> &Marks) {
  auto Mark = [&](StringRef Name, StringRef Linked) {
    bool Want = Wanted && Wanted->contains(Name);
    if (Want || runsUnoptimised(Live, Name))
      Marks[unoptimisedMark(Name)] = Want ? 1 : 0;
    Function *F = M.getFunction(Linked);
    if (!Want || !F || F->isDeclaration())
      return;
    // optnone requires noinline, and excludes always-inline and the size
    // hints the optimiser would act on.
    F->removeFnAttr(Attribute::AlwaysInline);
    F->removeFnAttr(Attribute::OptimizeForSize);
    F->removeFnAttr(Attribute::MinSize);
    F->addFnAttr(Attribute::NoInline);
    F->addFnAttr(Attribute::OptimizeNone);
  };
  for (const Replacement &R : Plan.Replaced)
    Mark(R.Name, R.Versioned);
  // A function inlined everywhere has no entry to re-point: it is linked
  // as new code, and the callers relinked for its copies call it.
  for (const CreatedSymbol &C : Plan.Created)
    if (C.IsFunction)
      Mark(C.Name, C.Name);
}

} // namespace hotc::jit
