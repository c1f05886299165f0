#include "cli/explain_command.h"

#include "cli/index_project.h"
#include "analysis/rebuild_set.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/raw_ostream.h"


using namespace llvm;

namespace hotc::driver {
namespace {

std::string describe(const index::GraphNode &N) {
  if (!N.Definition)
    return N.Id + " (not defined in the project)";
  // Types and macros are named by the edge ("type", "macro") already.
  const index::Form &F = *N.Definition;
  bool Named = F.Kind == index::FormKind::Function ||
               F.Kind == index::FormKind::Variable;
  return (Named ? index::formQualifier(F) : std::string()) + F.Name + "  " +
         shortLocation(F);
}

// Forms whose edit reaches N's code: what it uses directly, and under each
// inline function, template, macro or type, what that one uses.
void printDependencies(const index::StaticGraph &G, uint32_t N, unsigned Depth,
                       DenseSet<uint32_t> &Seen) {
  for (const index::GraphLink &L : G.Nodes[N].Uses) {
    if (!Seen.insert(L.Node).second)
      continue;
    const index::GraphNode &Used = G.Nodes[L.Node];
    outs() << "  " << std::string(Depth * 2, ' ') << index::edgeKindName(L.Kind)
           << " " << describe(Used) << "\n";
    if (Used.Definition && index::propagatesToUsers(*Used.Definition))
      printDependencies(G, L.Node, Depth + 1, Seen);
  }
}

void printUsers(const index::StaticGraph &G, uint32_t Node) {
  const index::GraphNode &N = G.Nodes[Node];
  outs() << "used by " << N.Users.size() << " form"
         << (N.Users.size() == 1 ? "" : "s") << ":\n";
  for (const index::GraphLink &L : N.Users)
    outs() << "  " << index::edgeKindName(L.Kind) << " from "
           << describe(G.Nodes[L.Node]) << "\n";
}

} // namespace

int runExplain(const ExplainOptions &Options) {
  auto P = openProjectIndex(Options.BuildDir, {}, /*Store=*/false);
  if (!P) {
    errs() << "hotc explain: " << toString(P.takeError()) << "\n";
    return 2;
  }
  std::vector<uint32_t> Found = findForms(P->Graph, Options.Function);
  if (Found.empty()) {
    errs() << "hotc explain: no form named " << Options.Function << "\n";
    return 1;
  }
  // Edits since the stored analysis that reach it.
  index::RebuildSet Pending = P->rebuildSet();
  for (uint32_t N : Found) {
    const index::Form &F = *P->Graph.Nodes[N].Definition;
    outs() << describe(P->Graph.Nodes[N]) << " (" << index::formKindName(F.Kind)
           << ", lines " << F.BeginLine << "-" << F.EndLine << ")\n";
    for (const index::RebuildEntry &E : Pending.Functions)
      if (E.Id == F.Id)
        outs() << "recompiled by the current edits: " << index::describeReason(E)
               << "\n";
    outs() << "recompiled when any of these change:\n";
    DenseSet<uint32_t> Seen{N};
    printDependencies(P->Graph, N, 0, Seen);
    printUsers(P->Graph, N);
  }
  return 0;
}

} // namespace hotc::driver
