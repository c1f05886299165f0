// Frees what ninja allocates for a loaded graph and never frees: its
// process ends after one build, while hotc loads a graph for each build.
#pragma once

struct BuildLog;
struct DepsLog;
struct State;

namespace hotc::ninja {

// Deletes the nodes, edges, per-edge scopes, rules and pools of Graph. The
// scope of a `subninja` file whose every edge has its own bindings is only
// reachable through a private pointer and stays allocated.
void releaseGraph(State &Graph);

// Deletes the loaded entries of both logs (their files must be closed).
void releaseLogs(BuildLog &Log, DepsLog &Deps);

} // namespace hotc::ninja
