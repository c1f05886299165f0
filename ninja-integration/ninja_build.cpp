#include "ninja-integration/ninja_build.h"

#include "ninja-integration/affected_edges.h"
#include "ninja-integration/ninja_state.h"
#include "ninja-integration/node_paths.h"
#include "ninja-integration/run_builder.h"
#include "ninja-integration/running_ninja.h"
#include "ninja-integration/working_dir.h"

#include "llvm/ADT/STLExtras.h"

using namespace llvm;

namespace hotc::ninja {

// ninja's util.h declares a global Error() too.
using llvm::Error;

namespace {

// The nodes ninja would build for Outputs.
Expected<std::vector<Node *>>
targetNodes(NinjaState &S, const std::vector<std::string> &Outputs) {
  std::vector<Node *> Targets;
  for (const std::string &Output : Outputs) {
    auto Nodes = nodesOf(S.Graph, S.BuildDir, normalizedPath(Output));
    auto Built = find_if(Nodes, [](Node *N) { return N->in_edge(); });
    if (Built == Nodes.end())
      return createStringError(inconvertibleErrorCode(),
                               "%s is not built by %s/build.ninja",
                               Output.c_str(), S.BuildDir.c_str());
    Targets.push_back(*Built);
  }
  return Targets;
}

Error rebuildError(const std::string &Dir, Error E) {
  return createStringError(inconvertibleErrorCode(), "rebuilding in %s: %s",
                           Dir.c_str(), toString(std::move(E)).c_str());
}

} // namespace

NinjaBuild::NinjaBuild(std::string Dir, std::unique_ptr<NinjaState> Graph)
    : Dir(std::move(Dir)), Graph(std::move(Graph)),
      Manifest(this->Graph->Manifest) {}

NinjaBuild::~NinjaBuild() = default;

Expected<std::unique_ptr<NinjaBuild>>
NinjaBuild::load(const std::string &BuildDir) {
  std::string Dir = normalizedPath(BuildDir);
  Expected<WorkingDir> Cwd = WorkingDir::enter(Dir);
  if (!Cwd)
    return Cwd.takeError();
  Expected<std::unique_ptr<NinjaState>> Graph =
      loadNinjaState(Dir, LogUse::Query);
  if (!Graph)
    return Graph.takeError();
  return std::unique_ptr<NinjaBuild>(new NinjaBuild(Dir, std::move(*Graph)));
}

Expected<std::vector<CompileEdge>>
NinjaBuild::edgesAffectedBy(const std::string &File,
                            const std::vector<std::string> &LinkedInto) const {
  return affectedCompileEdges(*Graph, File, LinkedInto);
}

Error NinjaBuild::rebuild(const std::vector<std::string> &Outputs,
                          const ProgressFn &Progress,
                          BuildInterrupt *Interrupt) {
  if (Outputs.empty())
    return Error::success();
  if (manifestChanged())
    return createStringError(inconvertibleErrorCode(),
                             "%s/build.ninja changed since it was loaded "
                             "(CMake re-ran): load the build again",
                             Dir.c_str());
  if (Error E = checkNoNinjaRunsIn(Dir))
    return E;
  Expected<WorkingDir> Cwd = WorkingDir::enter(Dir);
  if (!Cwd)
    return Cwd.takeError();
  Expected<std::unique_ptr<NinjaState>> Fresh =
      loadNinjaState(Dir, LogUse::Build);
  if (!Fresh)
    return Fresh.takeError();
  Expected<std::vector<Node *>> Targets = targetNodes(**Fresh, Outputs);
  if (!Targets)
    return Targets.takeError();
  Error Built = runBuilder(**Fresh, *Targets, Progress, Interrupt);
  (*Fresh)->closeLogs();
  // The graph just built holds the deps this build recorded.
  Graph = std::move(*Fresh);
  if (Built && Built.isA<BuildInterrupted>())
    return Built;
  if (Built)
    return rebuildError(Dir, std::move(Built));
  return Error::success();
}

bool NinjaBuild::manifestChanged() const {
  return any_of(Manifest, fileChanged);
}

} // namespace hotc::ninja
