// hotc-core: every command of hotc but the compiler launcher. `hotc`
// (front_main.cpp) runs the launcher itself and hands everything else here.
// The command line lives here and nowhere else; each command's work is in
// its own file.
#include "launcher/command_names.h"
#include "config/config.h"
#include "cli/gdb_command.h"
#include "cli/index_commands.h"
#include "cli/session_commands.h"
#include "watch/fleet.h"
#include "watch/watch_command.h"

#include "protocol/agent_protocol.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <CLI/CLI.hpp>

#include <cstdio>
#include <cstring>
#include <optional>
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

// hotreload.toml under the command line, or nothing after saying what is
// wrong in it.
std::optional<hotc::driver::Config>
loadConfigOrReport(const hotc::driver::CommandLineConfig &CL,
                   const char *Command) {
  auto C = hotc::driver::loadConfig(CL, ".");
  if (!C) {
    fprintf(stderr, "hotc %s: %s\n", Command,
            llvm::toString(C.takeError()).c_str());
    return std::nullopt;
  }
  // Before anything runs: the agent of a program hotc starts inherits the
  // variable, so both ends agree on where the socket is.
  if (C->SocketDir.From.From != hotc::driver::Origin::Kind::Default)
    setenv(hotc::protocol::kEnvSocketDir, C->SocketDir.Value.c_str(), 1);
  return std::move(*C);
}

void applyToWatch(const hotc::driver::Config &C,
                  hotc::driver::WatchOptions &W) {
  W.BuildDir = C.BuildDir.Value;
  W.Watch = C.Watch.Value;
  W.Exclude = C.Exclude.Value;
  W.DebounceMs = static_cast<unsigned>(C.DebounceMs.Value);
  W.ExtraFlags = C.ExtraFlags.Value;
  W.Crash = C.Crash.Value;
  W.UndoDepth = static_cast<unsigned>(C.UndoDepth.Value);
  W.SafePoints = W.SafePoints || C.SafePoints.Value; // --safe-points wins
  W.SafePointTimeoutMs = static_cast<unsigned>(C.SafePointTimeoutMs.Value);
  W.PreambleBudgetBytes = static_cast<size_t>(C.PreambleBudgetMb.Value) << 20;
  W.LogFile = C.Log.Value;
}

// Several processes: one `hotc watch --pid` session each (watch/fleet.h),
// with the settings this command line gives; hotreload.toml's they read
// themselves.
hotc::driver::FleetOptions fleetOf(const hotc::driver::WatchOptions &W,
                                   const hotc::driver::CommandLineConfig &CL,
                                   std::vector<int> Pids, bool All) {
  hotc::driver::FleetOptions F;
  F.BuildDir = W.BuildDir;
  F.Pids = std::move(Pids);
  F.All = All;
  F.Json = W.Json;
  F.EventsTo = W.EventsTo;
  F.SessionArgs = {"-p", W.BuildDir, "--max-preambles",
                   std::to_string(W.MaxPreambles)};
  if (!CL.ConfigFile.empty())
    F.SessionArgs.insert(F.SessionArgs.end(), {"--config", CL.ConfigFile});
  if (W.SafePoints)
    F.SessionArgs.push_back("--safe-points");
  if (!W.DiskBuild)
    F.SessionArgs.push_back("--no-disk-build");
  return F;
}

} // namespace

int main(int argc, char **argv) {
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
  hotc::driver::CommandLineConfig ConfigCL; // -p and --config of any command
  bool Exec = false;
  std::vector<int> Pids;
  bool All = false;
  auto *WatchCmd = App.add_subcommand(
      "watch", "Patch a running process on every save of its sources");
  WatchCmd->add_option("-p,--build-dir", ConfigCL.BuildDir,
                       "Build directory holding compile_commands.json "
                       "(default: build_dir of hotreload.toml, else ./build "
                       "if it has one, else .)");
  WatchCmd->add_option("--max-preambles", Watch.MaxPreambles,
                       "Units that keep a precompiled preamble in memory "
                       "(default 64; the ready event reports their size)");
  WatchCmd->add_option("--config", ConfigCL.ConfigFile,
                       "Settings file (default: hotreload.toml in BUILD_DIR, "
                       "else in . or its parents up to the repository's top)");
  WatchCmd->add_flag("--exec", Exec,
                     "Start PROG ARGS... (everything after --exec) with the "
                     "agent and watch it; hotc exits with its exit code");
  WatchCmd->add_option("--pid", Pids,
                       "Attach to a process already running with the agent; "
                       "given several times, watch them all (one session "
                       "each, every save patched in each)");
  WatchCmd->add_flag("--all", All,
                     "Watch every process running with the agent whose "
                     "executable or libraries come from BUILD_DIR, and each "
                     "one that starts later");
  WatchCmd->add_option("--events", Watch.EventsTo,
                       "Send every event as a JSON line to PATH (a file, "
                       "truncated, or a FIFO, which waits for its reader) or "
                       "fd:N (a descriptor hotc inherited); stdout keeps the "
                       "human lines unless --json (docs/events.md)");
  WatchCmd->add_flag("--safe-points", Watch.SafePoints,
                     "Re-point each patch only when a thread of the program "
                     "calls hotreload_safe_point() (hotreload.h), on that "
                     "thread, instead of stopping every thread for it "
                     "(safe_points in hotreload.toml; refused after "
                     "safe_point_timeout_ms, default 10000)");
  bool NoDiskBuild = false;
  WatchCmd->add_flag("--no-disk-build", NoDiskBuild,
                     "Leave the build on disk as it is (by default, after "
                     "patches, the objects and binaries are rebuilt in the "
                     "background in a Ninja build directory, once saves "
                     "are quiet for 1 s; a save stops the rebuild)");
  bool NoStatusLine = false;
  WatchCmd->add_flag("--no-status-line", NoStatusLine,
                     "Keep the last line of the terminal for the program: "
                     "without it, on a terminal and without --json, it shows "
                     "the session's state (units, version, last outcome, held "
                     "saves, paused)");
  WatchCmd->add_flag("--json", Watch.Json,
                     "One JSON object per line on stdout, each with an "
                     "\"event\" key: ready, patched, unchanged, ignored, "
                     "rebuilt, error, note, pending, crashed, undone, redone, "
                     "exited");
  WatchCmd->footer("Usage: hotc watch [-p BUILD_DIR] [--config FILE] (--exec "
                   "PROG [ARGS...] | --pid PID... | --all) [--safe-points] [--no-disk-build] [--json] [--events PATH|fd:N] [--no-status-line]\n\nBefore ready, "
                   "the static graph in BUILD_DIR/.hotc/index is brought up "
                   "to date; each save is then planned from it (the units "
                   "to recompile), and the IR of those units decides what "
                   "is relinked.\n\nFrom another terminal: hotc undo, "
                   "redo, history, status, pause, resume, reload, debug (with "
                   "-p or --pid); hotc gdb PID attaches gdb. In the terminal of watch --pid: u undoes, r "
                   "redoes, p pauses or resumes, R recompiles the file saved last, q "
                   "stops watching (the process keeps its patches).");

  bool ConfigJson = false;
  auto *ConfigCmd = App.add_subcommand(
      "config", "Show the effective settings and where each one comes from "
                "(hotreload.toml, command line, default)");
  ConfigCmd->add_option("-p,--build-dir", ConfigCL.BuildDir,
                        "Build directory, as for watch");
  ConfigCmd->add_option("--config", ConfigCL.ConfigFile,
                        "Settings file, as for watch");
  ConfigCmd->add_flag("--json", ConfigJson, "One JSON object on stdout");

  std::vector<std::string> RunArgv;
  auto *RunCmd = App.add_subcommand(
      "run", "Run PROG with the agent, so `hotc watch --pid` can patch it later");
  RunCmd->add_option("program", RunArgv, "PROG [ARGS...]")->required();
  RunCmd->prefix_command();

  hotc::driver::IndexCommands Index; // diff, explain, graph
  hotc::driver::addIndexCommands(App, Index);

  hotc::driver::SessionCommands SessionCmds; // undo, redo, history
  hotc::driver::addSessionCommands(App, SessionCmds, ConfigCL.BuildDir);

  hotc::driver::GdbCommand Gdb;
  hotc::driver::addGdbCommand(App, Gdb);

  auto *HelpCmd = App.add_subcommand("help", "Show this help");

  for (const CLI::App *Sub : App.get_subcommands({}))
    if (!hotc::driver::isCommandName(Sub->get_name().c_str())) {
      // The front would run it as a compiler: a bug of this build of hotc.
      fprintf(stderr, "hotc: internal error: command '%s' is missing from "
                      "launcher/command_names.h\n", Sub->get_name().c_str());
      return 70;
    }
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
  if (std::optional<int> Code = hotc::driver::runIndexCommand(Index))
    return *Code;
  if (Gdb.Command->parsed())
    return hotc::driver::runGdbCommand(Gdb, argv[0]);
  if (hotc::driver::sessionCommandParsed(SessionCmds)) {
    // --pid alone names the session; -p (or hotreload.toml) its build.
    bool ByBuild = !ConfigCL.BuildDir.empty() || !SessionCmds.Pid;
    auto Config = loadConfigOrReport(ConfigCL, "session"); // socket_dir
    if (!Config)
      return 2;
    std::string Dir;
    if (ByBuild) {
      llvm::SmallString<256> Abs(Config->BuildDir.Value);
      llvm::sys::fs::make_absolute(Abs);
      llvm::sys::path::remove_dots(Abs, true);
      Dir = Abs.str().str();
    }
    return hotc::driver::runSessionCommand(SessionCmds, Dir);
  }
  if (ConfigCmd->parsed()) {
    auto Config = loadConfigOrReport(ConfigCL, "config");
    if (!Config)
      return 2;
    printf("%s", hotc::driver::formatConfig(*Config, ConfigJson).c_str());
    return 0;
  }
  if (RunCmd->parsed()) {
    if (!loadConfigOrReport(ConfigCL, "run")) // for socket_dir
      return 2;
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
  if (int(Exec) + int(!Pids.empty() || All) != 1) {
    fprintf(stderr, "hotc watch: give exactly one of --exec PROG, --pid PID "
                    "(once or more) or --all\n%s",
            WatchCmd->help().c_str());
    return 2;
  }
  Watch.ExecArgv = std::move(ExecArgv);
  Watch.StatusLine = !NoStatusLine;
  Watch.DiskBuild = !NoDiskBuild;
  auto Config = loadConfigOrReport(ConfigCL, "watch");
  if (!Config)
    return 2;
  applyToWatch(*Config, Watch);
  if (Pids.size() > 1 || All)
    return hotc::driver::runFleet(fleetOf(Watch, ConfigCL, Pids, All));
  if (!Pids.empty())
    Watch.Pid = Pids.front();
  return hotc::driver::runWatch(Watch);
}
