#include "cli/gdb_command.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>

using namespace llvm;

namespace hotc::driver {

void addGdbCommand(CLI::App &App, GdbCommand &G) {
  G.Command = App.add_subcommand(
      "gdb", "Attach gdb to a process hotc patches, with hotc's gdb commands "
             "loaded (patches go on while gdb is attached; `hotc-version` "
             "names the patch version of a frame)");
  G.Command->add_option("pid", G.Pid, "The process to attach to")->required();
  G.Command->add_option("gdb-args", G.GdbArgs,
                        "More arguments for gdb, after --");
  G.Command->footer(
      "Patched functions appear as NAME [clone .hotcN] (version N); bt, list, "
      "info line and breakpoints by function or file:line reach the new code. "
      "While the process is stopped in gdb, saves wait (`pending` event) and "
      "are patched when it runs again.");
}

std::string gdbCommandFile(const char *Argv0) {
  std::string Self = sys::fs::getMainExecutable(Argv0, (void *)&gdbCommandFile);
  SmallString<256> File(sys::path::parent_path(sys::path::parent_path(Self)));
  sys::path::append(File, "share", "hotc", "hotc.gdb");
  return sys::fs::exists(File) ? std::string(File.str()) : "";
}

int runGdbCommand(const GdbCommand &G, const char *Argv0) {
  std::string File = gdbCommandFile(Argv0);
  if (File.empty()) {
    fprintf(stderr, "hotc gdb: the command file share/hotc/hotc.gdb is missing "
                    "beside this hotc\n");
    return 2;
  }
  ErrorOr<std::string> Gdb = sys::findProgramByName("gdb");
  if (!Gdb) {
    fprintf(stderr, "hotc gdb: gdb is not on PATH (apt-get install gdb)\n");
    return 2;
  }
  // The program is read through /proc: after the first save the disk
  // build has replaced the executable, and gdb finds no file by its name.
  std::vector<std::string> Args = {*Gdb, "-q", "-x", File, "-p",
                                   std::to_string(G.Pid),
                                   "/proc/" + std::to_string(G.Pid) + "/exe"};
  Args.insert(Args.end(), G.GdbArgs.begin(), G.GdbArgs.end());
  std::vector<char *> Argv;
  for (std::string &A : Args)
    Argv.push_back(A.data());
  Argv.push_back(nullptr);
  execv(Argv[0], Argv.data());
  fprintf(stderr, "hotc gdb: cannot run %s: %s\n", Argv[0], strerror(errno));
  return 2;
}

} // namespace hotc::driver
