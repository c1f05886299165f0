#include "cli/graph_command.h"

#include "cli/index_project.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace hotc::driver {
namespace {

std::string label(const index::GraphNode &N) {
  return N.Definition ? N.Definition->Name : N.Id;
}

std::string quoted(StringRef S) {
  std::string Out = "\"";
  for (char C : S) {
    if (C == '"' || C == '\\')
      Out += '\\';
    Out += C;
  }
  return Out + "\"";
}

// The nodes Focus names: the forms of a file, or forms by name.
DenseSet<uint32_t> focusNodes(const index::StaticGraph &G, const std::string &Focus) {
  DenseSet<uint32_t> Out;
  SmallString<256> Real;
  if (!sys::fs::real_path(Focus, Real)) {
    for (uint32_t I = 0; I < G.Nodes.size(); ++I)
      if (G.Nodes[I].Definition && G.Nodes[I].Definition->File == Real.str())
        Out.insert(I);
    return Out;
  }
  for (uint32_t I : findForms(G, Focus))
    Out.insert(I);
  return Out;
}

void printEdge(const index::StaticGraph &G, uint32_t From,
               const index::GraphLink &L, bool Dot) {
  const index::GraphNode &A = G.Nodes[From], &B = G.Nodes[L.Node];
  if (Dot)
    outs() << "  " << quoted(label(A)) << " -> " << quoted(label(B))
           << " [label=" << index::edgeKindName(L.Kind) << "];\n";
  else
    outs() << label(A) << " -> " << label(B) << " ("
           << index::edgeKindName(L.Kind) << ")\n";
}

} // namespace

int runGraph(const GraphOptions &Options) {
  auto P = openProjectIndex(Options.BuildDir, {}, /*Store=*/false);
  if (!P) {
    errs() << "hotc graph: " << toString(P.takeError()) << "\n";
    return 2;
  }
  const index::StaticGraph &G = P->Graph;
  DenseSet<uint32_t> Focus;
  if (!Options.Focus.empty()) {
    Focus = focusNodes(G, Options.Focus);
    if (Focus.empty()) {
      errs() << "hotc graph: no file or form " << Options.Focus << "\n";
      return 1;
    }
  }
  if (Options.Dot)
    outs() << "digraph hotc {\n";
  for (uint32_t I = 0; I < G.Nodes.size(); ++I)
    for (const index::GraphLink &L : G.Nodes[I].Uses)
      if (Focus.empty() || Focus.contains(I) || Focus.contains(L.Node))
        printEdge(G, I, L, Options.Dot);
  if (Options.Dot)
    outs() << "}\n";
  return 0;
}

} // namespace hotc::driver
