// A throw-away project on disk for the index tests: files written to a
// fresh directory, parsed by hotc's own Clang front end, their analyses
// kept in a StaticGraph as `hotc` keeps them.
#pragma once

#include "analysis/form_diff.h"
#include "analysis/form_index.h"
#include "analysis/rebuild_set.h"
#include "analysis/static_graph.h"

#include <string>
#include <vector>

namespace hotc::test {

class IndexProject {
public:
  IndexProject();
  ~IndexProject();

  std::string path(const std::string &Name) const { return Dir + "/" + Name; }
  void write(const std::string &Name, const std::string &Text) const;
  frontend::CompileCommand command(const std::string &Name) const;

  // Parses one unit; fails the test on a parse error.
  index::FormIndex index(const std::string &Name) const;

  // Parses the units and puts them in Graph.
  void analyse(const std::vector<std::string> &Units);

  // Rewrites File, re-analyses Units (those that read it), and returns the
  // form changes against the previous analyses; Graph is updated.
  std::vector<index::FormChange> save(const std::string &File,
                                      const std::string &Text,
                                      const std::vector<std::string> &Units);

  index::RebuildSet rebuild(const std::vector<index::FormChange> &Changes) const {
    return index::computeRebuildSet(Graph, Changes);
  }

  index::StaticGraph Graph;
  std::string Dir;
};

// The form named Name (readable name, e.g. "clamp()"); fails when absent.
const index::Form &formNamed(const index::FormIndex &I, const std::string &Name);
bool hasForm(const index::FormIndex &I, const std::string &Name);
bool hasEdge(const index::FormIndex &I, const std::string &From,
             const std::string &To, index::EdgeKind Kind);
std::vector<std::string> names(const index::RebuildSet &R);

} // namespace hotc::test
