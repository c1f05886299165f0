// PatchSession's pending baselines made known: read from the baseline
// store, else compiled from the launcher's record (and stored).
#include "jit/patch_session.h"

#include "llvm/Support/ThreadPool.h"

#include <optional>

using namespace llvm;

namespace hotc::jit {
namespace {

// One pending unit's baseline: restored, or compiled; Problem says why the
// store could not serve or keep it (nothing is lost: it was compiled).
struct LoadedBaseline {
  std::optional<Expected<UnitState>> State;
  bool Restored = false;
  std::string Problem;
};

LoadedBaseline loadOne(const UnitState &Pending, const LiveSymbols &Process,
                       const BaselineStore *Store) {
  LoadedBaseline Out;
  std::string Key;
  if (Store) {
    Key = BaselineStore::keyOf(Pending.Command, Pending.BuildText);
    auto Found = Store->find(Key);
    if (!Found) {
      Out.Problem = toString(Found.takeError());
    } else if (*Found) {
      auto Main = Pending.BuildText.find(Pending.Command.File);
      std::optional<std::string> Running;
      if (Main != Pending.BuildText.end())
        Running = Main->second;
      Out.State.emplace(restoreBaseline(Pending.Command, std::move(**Found),
                                        Process, std::move(Running)));
      Out.Restored = true;
      return Out;
    }
  }
  BaselineFacts Learned;
  Out.State.emplace(compileBaseline(Pending.Command, Process, &Pending.BuildText,
                                    Store ? &Learned : nullptr));
  if (Store && *Out.State)
    if (Error E = Store->save(Key, Learned))
      Out.Problem += (Out.Problem.empty() ? "" : "; ") + toString(std::move(E));
  return Out;
}

} // namespace

BaselineLoad PatchSession::load(const std::vector<size_t> &Indices) {
  std::vector<size_t> Pending;
  for (size_t I : Indices)
    if (!Units[I].Loaded && Units[I].InProcess)
      Pending.push_back(I);
  std::vector<LoadedBaseline> Results(Pending.size());
  {
    DefaultThreadPool Pool(hardware_concurrency());
    for (size_t K = 0; K < Pending.size(); ++K)
      Pool.async([&, K] {
        Results[K] = loadOne(Units[Pending[K]], Link.process(),
                             Store ? &*Store : nullptr);
      });
    Pool.wait();
  }
  BaselineLoad Out;
  for (size_t K = 0; K < Pending.size(); ++K) {
    UnitState &U = Units[Pending[K]];
    LoadedBaseline &R = Results[K];
    if (!R.Problem.empty())
      Out.StoreProblems.push_back(U.Command.File + ": " + R.Problem);
    if (!*R.State) {
      U.InProcess = false;
      Out.Failures.emplace_back(Pending[K], R.State->takeError());
      continue;
    }
    ++(R.Restored ? Out.Restored : Out.Compiled);
    U = std::move(**R.State);
    touch(Pending[K]);
  }
  return Out;
}

} // namespace hotc::jit
