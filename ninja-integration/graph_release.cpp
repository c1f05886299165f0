#include "ninja-integration/graph_release.h"

#include "build_log.h"
#include "deps_log.h"
#include "state.h"

#include <set>

namespace hotc::ninja {

namespace {

// The rules a scope defines; the phony rule is a static of State.
void releaseRules(const BindingEnv &Scope) {
  for (const auto &[Name, R] : Scope.GetRules())
    if (R != &State::kPhonyRule)
      delete R;
}

// Edges point at their own bindings, or at the scope of the file that
// declares them (a `subninja` scope); the top-level scope is a member.
void releaseScopes(State &Graph) {
  std::set<BindingEnv *> Scopes;
  for (Edge *E : Graph.edges_)
    if (E->env_ && E->env_ != &Graph.bindings_)
      Scopes.insert(E->env_);
  releaseRules(Graph.bindings_);
  for (BindingEnv *Scope : Scopes) {
    releaseRules(*Scope);
    delete Scope;
  }
}

} // namespace

void releaseGraph(State &Graph) {
  releaseScopes(Graph);
  for (Edge *E : Graph.edges_)
    delete E;
  Graph.edges_.clear();
  for (auto &[Path, N] : Graph.paths_)
    delete N;
  Graph.paths_.clear();
  for (auto &[Name, P] : Graph.pools_)
    if (P != &State::kDefaultPool && P != &State::kConsolePool)
      delete P;
  Graph.pools_.clear();
}

void releaseLogs(BuildLog &Log, DepsLog &Deps) {
  for (const auto &[Output, Entry] : Log.entries())
    delete Entry;
  for (DepsLog::Deps *D : Deps.deps())
    delete D;
}

} // namespace hotc::ninja
