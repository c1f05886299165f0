// hotc: hot reload for C and C++ on Linux. The command line lives here and
// nowhere else; each command's work is in its own file.
#include "compiler_launcher.h"
#include "watch_command.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

const char *kVersion = "hotc 0.1.0 (LLVM 19)";

// The program after --exec (or after run's first positional) keeps its own
// options: split argv there before CLI11 sees it.
std::vector<std::string> splitAt(int &Argc, char **Argv, const char *Marker) {
  for (int I = 1; I < Argc; ++I)
    if (strcmp(Argv[I], Marker) == 0) {
      std::vector<std::string> Rest(Argv + I + 1, Argv + Argc);
      Argc = I + 1; // keep the marker itself as a flag
      return Rest;
    }
  return {};
}

// `hotc <compiler> ARGS...` (a compiler launcher): anything that is neither
// an option nor one of hotc's commands names the compiler to run.
bool isCompilerLaunch(int Argc, char **Argv) {
  if (Argc < 2 || Argv[1][0] == '-' || Argv[1][0] == 0)
    return false;
  for (const char *Command : {"watch", "run", "help"})
    if (strcmp(Argv[1], Command) == 0)
      return false;
  return true;
}

std::string defaultBuildDir() {
  return access("build/compile_commands.json", F_OK) == 0 ? "build" : ".";
}

} // namespace

int main(int argc, char **argv) {
  if (isCompilerLaunch(argc, argv))
    return hotc::driver::runCompilerLauncher({argv + 1, argv + argc});
  std::vector<std::string> ExecArgv = splitAt(argc, argv, "--exec");

  CLI::App App{"hotc: edit a function of a running C or C++ program, save, "
               "and the process runs the new code with its state intact.",
               "hotc"};
  App.footer("As a compiler launcher: hotc COMPILER ARGS... runs the compiler "
             "untouched and records what it compiled in BUILD_DIR/.hotc/ "
             "(CMAKE_CXX_COMPILER_LAUNCHER=hotc, or hotreload_enable()).");
  App.set_version_flag("--version", kVersion);
  App.require_subcommand(1);

  hotc::driver::WatchOptions Watch;
  bool Exec = false;
  int Pid = 0;
  auto *WatchCmd = App.add_subcommand(
      "watch", "Patch a running process on every save of its sources");
  WatchCmd->add_option("-p,--build-dir", Watch.BuildDir,
                       "Build directory holding compile_commands.json "
                       "(default: ./build if it has one, else .)");
  WatchCmd->add_flag("--exec", Exec,
                     "Start PROG ARGS... (everything after --exec) with the "
                     "agent and watch it; hotc exits with its exit code");
  WatchCmd->add_option("--pid", Pid,
                       "Attach to a process already running with the agent");
  WatchCmd->add_flag("--json", Watch.Json,
                     "One JSON object per line on stdout, each with an "
                     "\"event\" key: ready, patched, unchanged, ignored, "
                     "error, exited");
  WatchCmd->footer("Usage: hotc watch [-p BUILD_DIR] (--exec PROG [ARGS...] | "
                   "--pid PID) [--json]");

  std::vector<std::string> RunArgv;
  auto *RunCmd = App.add_subcommand(
      "run", "Run PROG with the agent, so `hotc watch --pid` can patch it later");
  RunCmd->add_option("program", RunArgv, "PROG [ARGS...]")->required();
  RunCmd->prefix_command();

  auto *HelpCmd = App.add_subcommand("help", "Show this help");

  try {
    App.parse(argc, argv);
  } catch (const CLI::ParseError &E) {
    return App.exit(E);
  }

  if (HelpCmd->parsed()) {
    // App.help() would describe the parsed subcommand (help itself).
    printf("%s", App.get_formatter()->make_help(&App, "hotc", CLI::AppFormatMode::Normal).c_str());
    return 0;
  }
  if (RunCmd->parsed()) {
    for (const std::string &Extra : RunCmd->remaining())
      RunArgv.push_back(Extra);
    if (!RunArgv.empty() && RunArgv.front() == "--")
      RunArgv.erase(RunArgv.begin());
    return hotc::driver::runWithAgent(RunArgv);
  }
  if (Exec == ExecArgv.empty() && Exec) {
    fprintf(stderr, "hotc watch: --exec needs a program to run\n");
    return 2;
  }
  if (Exec == (Pid != 0)) {
    fprintf(stderr, "hotc watch: give exactly one of --exec PROG or --pid PID\n%s",
                    WatchCmd->help().c_str());
    return 2;
  }
  Watch.ExecArgv = std::move(ExecArgv);
  if (Pid)
    Watch.Pid = Pid;
  if (Watch.BuildDir.empty())
    Watch.BuildDir = defaultBuildDir();
  return hotc::driver::runWatch(Watch);
}
