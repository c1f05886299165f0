// PatchSession's side of crash protection: the code each version linked,
// guarded by the agent, and the record of the running code put back when
// the agent undoes versions after a crash (agent/crash_guard.h).
#include "jit/patch_session.h"

#include "jit/patch_prepared.h"

#include "llvm/IR/Function.h"
#include "llvm/IR/Module.h"

using namespace llvm;

namespace hotc::jit {
namespace {

// Leaving a function as if it returned zero is faithful only when its
// value comes back in RAX/RDX/XMM0/XMM1: not through memory the caller
// passed (sret), nor on the x87 stack.
bool returnsInRegisters(const Function *F) {
  if (!F || F->hasStructRetAttr())
    return false;
  Type *T = F->getReturnType();
  return !T->isX86_FP80Ty() && !T->isFP128Ty();
}

} // namespace

std::vector<GuardedFunction>
PatchSession::guardedCode(const std::vector<Prepared> &Prep) const {
  std::vector<GuardedFunction> Out;
  for (const Prepared &P : Prep)
    for (const LinkedFunction &F : P.Linked.Code.Functions)
      Out.push_back({F.Start, F.Size,
                     returnsInRegisters(P.Tu.Module->getFunction(F.Name))});
  return Out;
}

// Called before the version goes live (a crash may come before the agent's
// answer), and before the record of the running code takes its hashes.
void PatchSession::remember(const std::vector<size_t> &Indices,
                            std::vector<Prepared> &Prep) {
  PatchedVersion V;
  V.Version = Generation + 1;
  for (size_t I = 0; I < Indices.size(); ++I) {
    V.Code.push_back(Prep[I].Linked.Code);
    const FunctionHashes &Live = Units[Indices[I]].Live;
    StringMap<uint64_t> Before;
    auto Note = [&](StringRef Key, uint64_t New) {
      uint64_t Old = Live.lookup(Key);
      if (Old != New)
        Before[Key] = Old;
    };
    for (const auto &E : Prep[I].Hashes)
      if (!Prep[I].NoReload.contains(E.getKey()))
        Note(E.getKey(), E.second);
    for (const auto &E : Prep[I].InitHashes)
      Note(E.getKey(), E.second);
    V.Before.emplace_back(Indices[I], std::move(Before));
  }
  History.add(std::move(V));
}

std::vector<std::string> PatchSession::rollBack(ArrayRef<unsigned> Versions) {
  std::vector<std::string> Touched;
  for (const PatchedVersion *V : History.rollBack(Versions))
    for (const auto &[Unit, Before] : V->Before) {
      UnitState &U = Units[Unit];
      for (const auto &E : Before) {
        if (E.second)
          U.Live[E.getKey()] = E.second;
        else
          U.Live.erase(E.getKey());
      }
      U.RolledBack = true;
      if (!is_contained(Touched, U.Command.File))
        Touched.push_back(U.Command.File);
    }
  return Touched;
}

} // namespace hotc::jit
