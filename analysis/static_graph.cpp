#include "analysis/static_graph.h"

#include <algorithm>

namespace hotc::index {
namespace {

void link(std::vector<GraphLink> &List, uint32_t Node, EdgeKind Kind) {
  for (GraphLink &L : List)
    if (L.Node == Node && L.Kind == Kind) {
      ++L.Count;
      return;
    }
  List.push_back({Node, Kind, 1});
}

void unlink(std::vector<GraphLink> &List, uint32_t Node, EdgeKind Kind) {
  for (size_t I = 0; I < List.size(); ++I)
    if (List[I].Node == Node && List[I].Kind == Kind) {
      if (--List[I].Count == 0) {
        List[I] = List.back();
        List.pop_back();
      }
      return;
    }
}

} // namespace

uint32_t StaticGraph::intern(llvm::StringRef Id) {
  auto [It, Inserted] = Ids.try_emplace(Id, static_cast<uint32_t>(Nodes.size()));
  if (Inserted) {
    Nodes.emplace_back();
    Nodes.back().Id = Id.str();
  }
  return It->second;
}

const GraphNode *StaticGraph::find(llvm::StringRef Id) const {
  auto It = Ids.find(Id);
  return It == Ids.end() ? nullptr : &Nodes[It->second];
}

void StaticGraph::addForm(const Form &F) {
  GraphNode &N = Nodes[intern(F.Id)];
  ++N.Definitions;
  N.Definition = F; // the newest analysis wins
}

void StaticGraph::removeForm(const std::string &Id) {
  auto It = Ids.find(Id);
  if (It == Ids.end())
    return;
  GraphNode &N = Nodes[It->second];
  if (N.Definitions > 0 && --N.Definitions == 0)
    N.Definition.reset();
}

void StaticGraph::addEdge(const Edge &E) {
  uint32_t From = intern(E.From), To = intern(E.To);
  link(Nodes[From].Uses, To, E.Kind);
  link(Nodes[To].Users, From, E.Kind);
}

void StaticGraph::removeEdge(const Edge &E) {
  auto From = Ids.find(E.From), To = Ids.find(E.To);
  if (From == Ids.end() || To == Ids.end())
    return;
  unlink(Nodes[From->second].Uses, To->second, E.Kind);
  unlink(Nodes[To->second].Users, From->second, E.Kind);
}

void StaticGraph::removeUnit(const std::string &MainFile) {
  auto It = Units.find(MainFile);
  if (It == Units.end())
    return;
  for (const Edge &E : It->second.Edges)
    removeEdge(E);
  for (const Form &F : It->second.Forms)
    removeForm(F.Id);
  for (const std::string &In : It->second.Inputs) {
    std::set<std::string> &R = Readers[In];
    R.erase(MainFile);
    if (R.empty())
      Readers.erase(In);
  }
  Units.erase(It);
}

void StaticGraph::replaceUnit(FormIndex Index) {
  removeUnit(Index.MainFile);
  for (const Form &F : Index.Forms)
    addForm(F);
  for (const Edge &E : Index.Edges)
    addEdge(E);
  for (const std::string &In : Index.Inputs)
    Readers[In].insert(Index.MainFile);
  std::string Key = Index.MainFile;
  Units[Key] = std::move(Index);
}

const FormIndex *StaticGraph::unit(const std::string &MainFile) const {
  auto It = Units.find(MainFile);
  return It == Units.end() ? nullptr : &It->second;
}

std::vector<std::string> StaticGraph::unitsReading(llvm::StringRef File) const {
  auto It = Readers.find(File);
  if (It == Readers.end())
    return {};
  return {It->second.begin(), It->second.end()};
}

} // namespace hotc::index
