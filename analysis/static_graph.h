// The static dependency graph of the whole program: every form of every
// analysed unit and the uses between them, with reverse adjacency so the
// users of a form are found without scanning the graph.
//
// Forms of a header appear in every unit that includes it; the graph
// counts them, so replacing one unit's analysis removes exactly what that
// unit contributed.
#pragma once

#include "analysis/form_index.h"

#include "llvm/ADT/StringMap.h"

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

namespace hotc::index {

struct GraphLink {
  uint32_t Node = 0;
  EdgeKind Kind = EdgeKind::Reference;
  uint32_t Count = 0; // how many units contribute this edge
};

struct GraphNode {
  std::string Id;
  std::optional<Form> Definition; // absent while no unit defines it
  uint32_t Definitions = 0;       // units defining it
  std::vector<GraphLink> Uses;    // forms this one uses
  std::vector<GraphLink> Users;   // forms that use this one
};

struct StaticGraph {
  std::vector<GraphNode> Nodes;
  llvm::StringMap<uint32_t> Ids;
  std::map<std::string, FormIndex> Units; // by main file
  // Input file -> main files of the units reading it (kept by replaceUnit
  // and removeUnit): a save asks it several times.
  llvm::StringMap<std::set<std::string>> Readers;

  // Replaces what the unit Index.MainFile contributed with Index.
  void replaceUnit(FormIndex Index);
  void removeUnit(const std::string &MainFile);
  const FormIndex *unit(const std::string &MainFile) const;

  // The node for Id, created empty when new.
  uint32_t intern(llvm::StringRef Id);
  const GraphNode *find(llvm::StringRef Id) const;
  void addForm(const Form &F);
  void removeForm(const std::string &Id);
  void addEdge(const Edge &E);
  void removeEdge(const Edge &E);

  // Units whose inputs include File (a main file or a header).
  std::vector<std::string> unitsReading(llvm::StringRef File) const;
};

} // namespace hotc::index
