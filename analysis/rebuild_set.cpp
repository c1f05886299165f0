#include "analysis/rebuild_set.h"

#include "analysis/layout_diff.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Path.h"

#include <deque>

namespace hotc::index {
namespace {

std::string changeText(const FormChange &C) {
  if (C.layoutChanged())
    return "layout changed";
  if (C.signatureChanged())
    return "signature changed";
  if (C.defaultArgumentsChanged())
    return "default argument changed";
  if (C.usesChanged())
    return "uses other forms";
  return changeKindName(C.Kind);
}

ReasonStep stepFor(const GraphNode &N, EdgeKind Via) {
  ReasonStep S;
  S.Id = N.Id;
  S.Via = Via;
  if (N.Definition) {
    S.Name = N.Definition->Name;
    S.Qualifier = formQualifier(*N.Definition);
    S.File = N.Definition->File;
    S.Line = N.Definition->BeginLine;
  }
  return S;
}

// Collects the rebuild set; each function keeps the first reason found.
class Query {
public:
  explicit Query(const StaticGraph &G) : G(G) {}

  void addFunction(const Form &F, const std::string &Change,
                   std::vector<ReasonStep> Path) {
    // A template is listed too: its instantiations are functions whose code
    // changes, compiled again in the units of its users.
    if (F.Kind != FormKind::Function)
      return;
    if (!Index.try_emplace(F.Id, Out.Functions.size()).second)
      return;
    Out.Functions.push_back(
        {F.Id, F.Name, F.File, F.BeginLine, Change, std::move(Path)});
  }

  // Breadth-first over users of Seed: functions are rebuilt, and users whose
  // own edit would reach their users (inline, templates, types, macros) are
  // followed further. Returns the names of the functions reached.
  std::vector<std::string> spread(uint32_t Seed, const std::string &Change);

  void seed(const FormChange &C, llvm::ArrayRef<FormChange> All);
  RebuildSet Out;

private:
  std::vector<ReasonStep> pathTo(uint32_t Node, uint32_t Seed,
                                 const llvm::DenseMap<uint32_t, std::pair<uint32_t, EdgeKind>> &Parent);
  void removed(const FormChange &C, llvm::ArrayRef<FormChange> All);

  const StaticGraph &G;
  llvm::StringMap<size_t> Index;
};

std::vector<ReasonStep> Query::pathTo(
    uint32_t Node, uint32_t Seed,
    const llvm::DenseMap<uint32_t, std::pair<uint32_t, EdgeKind>> &Parent) {
  std::vector<ReasonStep> Path;
  while (Node != Seed) {
    auto [Used, Via] = Parent.lookup(Node);
    Path.push_back(stepFor(G.Nodes[Used], Via));
    Node = Used;
  }
  return Path;
}

std::vector<std::string> Query::spread(uint32_t Seed, const std::string &Change) {
  llvm::DenseMap<uint32_t, std::pair<uint32_t, EdgeKind>> Parent;
  Parent[Seed] = {Seed, EdgeKind::Call};
  std::deque<uint32_t> Queue{Seed};
  std::vector<std::string> Reached;
  while (!Queue.empty()) {
    uint32_t N = Queue.front();
    Queue.pop_front();
    for (const GraphLink &L : G.Nodes[N].Users) {
      if (!Parent.try_emplace(L.Node, std::make_pair(N, L.Kind)).second)
        continue;
      const GraphNode &User = G.Nodes[L.Node];
      if (!User.Definition)
        continue;
      if (User.Definition->Kind == FormKind::Function) {
        addFunction(*User.Definition, Change, pathTo(L.Node, Seed, Parent));
        Reached.push_back(User.Definition->Name);
      }
      if (propagatesToUsers(*User.Definition))
        Queue.push_back(L.Node);
    }
  }
  return Reached;
}

void Query::removed(const FormChange &C, llvm::ArrayRef<FormChange> All) {
  const GraphNode *N = G.find(C.Before.Id);
  if (!N || N->Definition)
    return; // another unit still defines it
  // A function whose parameter types changed has a new identity: the old
  // one is removed and a new one with the same name added.
  for (const FormChange &A : All)
    if (A.Kind == ChangeKind::Added && A.After.Kind == FormKind::Function &&
        A.After.Name == C.Before.Name && C.Before.Kind == FormKind::Function) {
      addFunction(A.After, "signature changed", {});
      spread(G.Ids.lookup(C.Before.Id), "signature changed");
      return;
    }
  for (const GraphLink &L : N->Users) {
    const GraphNode &User = G.Nodes[L.Node];
    if (User.Definition)
      Out.Errors.push_back({C.Before.Name, User.Definition->Name,
                            User.Definition->File, User.Definition->BeginLine});
  }
}

void Query::seed(const FormChange &C, llvm::ArrayRef<FormChange> All) {
  const Form &F = C.current();
  if (F.Kind == FormKind::Lambda)
    return; // its enclosing form changed too
  if (C.Kind == ChangeKind::Removed)
    return removed(C, All);
  std::string Change = changeText(C);
  if (F.Kind == FormKind::Function)
    addFunction(F, Change, {});
  if (C.Kind == ChangeKind::Added)
    return; // nothing used it before
  // A non-inline function's callers only call its entry; a new signature or
  // default argument changes the calls themselves.
  bool Expand = propagatesToUsers(F) || C.signatureChanged() ||
                C.defaultArgumentsChanged();
  auto Node = G.Ids.find(F.Id);
  if (!Expand || Node == G.Ids.end())
    return;
  std::vector<std::string> Reached = spread(Node->second, Change);
  // A record's globals may move to storage of its new layout (the app's
  // hook, jit/global_moves.h): code that only takes their address
  // (`return &g;`) uses no layout, yet must be relinked too. A save's plan
  // does not know whether the layout changed: any edit of a record counts.
  if (F.Kind == FormKind::Record)
    for (const GraphLink &L : G.Nodes[Node->second].Users) {
      const GraphNode &V = G.Nodes[L.Node];
      if (V.Definition && V.Definition->Kind == FormKind::Variable)
        for (std::string &Name : spread(L.Node, Change))
          if (!llvm::is_contained(Reached, Name))
            Reached.push_back(std::move(Name));
    }
  if (C.layoutChanged())
    Out.Layouts.push_back({F.Id, F.Name, F.File, F.BeginLine,
                           describeLayoutChange(C.Before, C.After),
                           std::move(Reached)});
}

} // namespace

const RebuildEntry *RebuildSet::find(llvm::StringRef Name) const {
  for (const RebuildEntry &E : Functions)
    if (E.Name == Name)
      return &E;
  return nullptr;
}

RebuildSet computeRebuildSet(const StaticGraph &Graph,
                             llvm::ArrayRef<FormChange> Changes) {
  Query Q(Graph);
  for (const FormChange &C : Changes)
    Q.seed(C, Changes);
  return std::move(Q.Out);
}

// The call links that may reach N's code: its own callers and, for an
// override, the callers of every method it overrides (transitively). A call
// through the base is devirtualised and inlined where the optimiser knows
// the dynamic type (`Base *p = new Derived; delete p;` in one function).
static std::vector<GraphLink> callersOf(const StaticGraph &Graph, uint32_t N) {
  std::vector<GraphLink> Out;
  std::vector<uint32_t> Methods{N};
  llvm::DenseSet<uint32_t> Seen{N};
  while (!Methods.empty()) {
    uint32_t M = Methods.back();
    Methods.pop_back();
    llvm::append_range(Out, Graph.Nodes[M].Users);
    for (const GraphLink &L : Graph.Nodes[M].Uses)
      if (L.Kind == EdgeKind::Override && Seen.insert(L.Node).second)
        Methods.push_back(L.Node);
  }
  return Out;
}

void addInlinedCallers(RebuildSet &Set, const StaticGraph &Graph,
                       llvm::function_ref<bool(llvm::StringRef)> Optimised) {
  llvm::StringSet<> Listed;
  for (const RebuildEntry &E : Set.Functions)
    Listed.insert(E.Id);
  size_t Edited = Set.Functions.size();
  for (size_t I = 0; I < Edited; ++I) {
    // Copies the entry: Set.Functions grows below.
    RebuildEntry Seed = Set.Functions[I];
    auto Node = Graph.Ids.find(Seed.Id);
    if (!Seed.Path.empty() || Node == Graph.Ids.end() || !Graph.unit(Seed.File) ||
        !Optimised(Seed.File))
      continue;
    // Breadth-first over callers written in the same file: without
    // link-time optimisation, only they can hold a copy.
    std::deque<std::pair<uint32_t, std::vector<ReasonStep>>> Queue;
    llvm::DenseSet<uint32_t> Visited{Node->second};
    Queue.push_back({Node->second, {}});
    while (!Queue.empty()) {
      auto [N, Path] = std::move(Queue.front());
      Queue.pop_front();
      for (const GraphLink &L : callersOf(Graph, N)) {
        const GraphNode &User = Graph.Nodes[L.Node];
        if (L.Kind != EdgeKind::Call || !User.Definition ||
            User.Definition->Kind != FormKind::Function ||
            User.Definition->File != Seed.File || !Visited.insert(L.Node).second)
          continue;
        std::vector<ReasonStep> Longer = Path;
        Longer.insert(Longer.begin(), stepFor(Graph.Nodes[N], EdgeKind::Call));
        const Form &F = *User.Definition;
        // A caller listed already (it calls a re-typed function) is walked
        // through all the same: its callers may hold it, inlined.
        if (Listed.insert(User.Id).second)
          Set.Functions.push_back({F.Id, F.Name, F.File, F.BeginLine,
                                   Seed.Change + ", may be inlined here", Longer,
                                   /*Inlined=*/true});
        Queue.push_back({L.Node, std::move(Longer)});
      }
    }
  }
}

std::string describeReason(const RebuildEntry &E) {
  std::string Out = E.Name + " — ";
  if (E.Path.empty())
    return Out + E.Change;
  for (size_t I = 0; I < E.Path.size(); ++I) {
    const ReasonStep &S = E.Path[I];
    // The qualifier names the kind of what is used ("type Particle").
    static const char *const Verbs[] = {"calls", "uses", "uses",
                                        "instantiates", "expands", "overrides"};
    if (I > 0)
      Out += ", which ";
    Out += Verbs[static_cast<int>(S.Via)];
    Out += " " + S.Qualifier + S.Name;
  }
  const ReasonStep &Last = E.Path.back();
  Out += " [" + E.Change + "] in " + llvm::sys::path::filename(Last.File).str() +
         ":" + std::to_string(Last.Line);
  return Out;
}

} // namespace hotc::index
