// The command lines of `hotc diff`, `hotc explain` and `hotc graph`, kept
// out of main.cpp: main adds them to its CLI11 app and runs the one parsed.
#pragma once

#include "cli/diff_command.h"
#include "cli/explain_command.h"
#include "cli/graph_command.h"

#include <optional>

namespace CLI {
class App;
}

namespace hotc::driver {

struct IndexCommands {
  CLI::App *Diff = nullptr;
  CLI::App *Explain = nullptr;
  CLI::App *Graph = nullptr;
  DiffOptions DiffOpts;
  ExplainOptions ExplainOpts;
  GraphOptions GraphOpts;
};

void addIndexCommands(CLI::App &App, IndexCommands &Commands);

// The exit code of the index command that was parsed, if one was.
std::optional<int> runIndexCommand(IndexCommands &Commands);

} // namespace hotc::driver
