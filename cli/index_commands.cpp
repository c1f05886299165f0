#include "cli/index_commands.h"

#include <CLI/CLI.hpp>

#include <unistd.h>

namespace hotc::driver {
namespace {

const char *kBuildDirHelp = "Build directory holding compile_commands.json; "
                            "the index is kept in BUILD_DIR/.hotc/index/ "
                            "(default: ./build if it has one, else .)";

void defaultBuildDir(std::string &Dir) {
  if (Dir.empty())
    Dir = access("build/compile_commands.json", F_OK) == 0 ? "build" : ".";
}

} // namespace

void addIndexCommands(CLI::App &App, IndexCommands &C) {
  C.Diff = App.add_subcommand(
      "diff", "Show the forms changed since the stored analysis and the "
              "functions a patch must recompile, with the reason for each");
  C.Diff->add_option("-p,--build-dir", C.DiffOpts.BuildDir, kBuildDirHelp);
  C.Diff->add_flag("--json", C.DiffOpts.Json, "One JSON object on stdout");
  C.Diff->add_flag("--update", C.DiffOpts.Update,
                   "Store the new analysis as the baseline of the next diff");
  C.Diff->add_option("files", C.DiffOpts.Files,
                     "Only the units that read these files");

  C.Explain = App.add_subcommand(
      "explain", "Show what a function's code depends on and what uses it");
  C.Explain->add_option("-p,--build-dir", C.ExplainOpts.BuildDir, kBuildDirHelp);
  C.Explain->add_option("function", C.ExplainOpts.Function,
                        "Function or other form, by name (render, "
                        "geo::render) or USR")->required();

  C.Graph = App.add_subcommand(
      "graph", "Print the static dependency graph, whole or around a file "
               "or a form");
  C.Graph->add_option("-p,--build-dir", C.GraphOpts.BuildDir, kBuildDirHelp);
  C.Graph->add_flag("--dot", C.GraphOpts.Dot, "Graphviz dot output");
  C.Graph->add_option("focus", C.GraphOpts.Focus, "FILE or FORM");
}

std::optional<int> runIndexCommand(IndexCommands &C) {
  if (C.Diff && C.Diff->parsed()) {
    defaultBuildDir(C.DiffOpts.BuildDir);
    return runDiff(C.DiffOpts);
  }
  if (C.Explain && C.Explain->parsed()) {
    defaultBuildDir(C.ExplainOpts.BuildDir);
    return runExplain(C.ExplainOpts);
  }
  if (C.Graph && C.Graph->parsed()) {
    defaultBuildDir(C.GraphOpts.BuildDir);
    return runGraph(C.GraphOpts);
  }
  return std::nullopt;
}

} // namespace hotc::driver
