#include "ninja-integration/affected_edges.h"

#include "ninja-integration/ninja_state.h"
#include "ninja-integration/node_paths.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringRef.h"

#include <algorithm>
#include <set>

using namespace llvm;

namespace hotc::ninja {

// ninja's util.h declares a global Error() too.
using llvm::Error;

namespace {

// Edges whose output changes when N does: those naming it as an explicit or
// implicit input (order-only inputs never make an edge dirty), and those
// whose deps log record lists it (headers).
void addEdgesReading(NinjaState &S, Node *N, std::set<Edge *> &Edges) {
  for (Edge *E : N->out_edges()) {
    auto At = std::find(E->inputs_.begin(), E->inputs_.end(), N);
    if (!E->is_phony() && !E->is_order_only(At - E->inputs_.begin()))
      Edges.insert(E);
  }
  const std::vector<DepsLog::Deps *> &Records = S.Deps.deps();
  for (size_t Id = 0; Id < Records.size(); ++Id) {
    const DepsLog::Deps *Record = Records[Id];
    if (!Record ||
        !std::count(Record->nodes, Record->nodes + Record->node_count, N))
      continue;
    // A record of an output build.ninja no longer builds (or no longer
    // builds with deps) is history, not a dependency.
    Node *Output = S.Deps.nodes()[Id];
    if (S.Deps.IsDepsEntryLiveFor(Output))
      Edges.insert(Output->in_edge());
  }
}

bool isStaticLibrary(const Node *N) {
  return StringRef(N->path()).ends_with(".a");
}

// Collects the inputs of a link edge into Objects, going on into static
// libraries and phony aliases; every edge gone through goes into Walked.
void addLinkInputs(Edge *Link, std::set<Node *> &Objects,
                   std::set<Edge *> &Walked) {
  if (!Walked.insert(Link).second)
    return;
  size_t Used = Link->inputs_.size() - Link->order_only_deps_;
  for (size_t I = 0; I < Used; ++I) {
    Node *In = Link->inputs_[I];
    Objects.insert(In);
    Edge *Producer = In->in_edge();
    if (Producer && (Producer->is_phony() || isStaticLibrary(In)))
      addLinkInputs(Producer, Objects, Walked);
  }
}

Edge *producerOf(NinjaState &S, const std::string &Path) {
  for (Node *N : nodesOf(S.Graph, S.BuildDir, Path))
    if (N->in_edge())
      return N->in_edge();
  return nullptr;
}

CompileEdge compileEdge(NinjaState &S, Edge *E, Node *Object) {
  CompileEdge C;
  C.Object = absolutePath(S.BuildDir, Object->path());
  size_t Explicit = E->inputs_.size() - E->implicit_deps_ - E->order_only_deps_;
  if (Explicit)
    C.Source = absolutePath(S.BuildDir, E->inputs_[0]->path());
  C.Command = E->EvaluateCommand();
  C.Directory = S.BuildDir;
  return C;
}

} // namespace

Expected<std::vector<CompileEdge>>
affectedCompileEdges(NinjaState &S, const std::string &File,
                     const std::vector<std::string> &LinkedInto) {
  std::set<Node *> Objects;
  std::set<Edge *> Walked;
  for (const std::string &Output : LinkedInto) {
    Edge *Link = producerOf(S, normalizedPath(Output));
    if (!Link)
      return createStringError(inconvertibleErrorCode(),
                               "%s is not built by %s/build.ninja",
                               Output.c_str(), S.BuildDir.c_str());
    addLinkInputs(Link, Objects, Walked);
  }
  std::set<Edge *> Reading;
  for (Node *N : nodesOf(S.Graph, S.BuildDir, normalizedPath(File)))
    addEdgesReading(S, N, Reading);
  std::vector<CompileEdge> Result;
  for (Edge *E : Reading) {
    if (Walked.count(E))
      continue;
    auto Object = std::find_if(E->outputs_.begin(), E->outputs_.end(),
                               [&](Node *Out) { return Objects.count(Out); });
    if (Object != E->outputs_.end())
      Result.push_back(compileEdge(S, E, *Object));
  }
  llvm::sort(Result, [](const CompileEdge &A, const CompileEdge &B) {
    return A.Object < B.Object;
  });
  return Result;
}

} // namespace hotc::ninja
