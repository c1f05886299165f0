// hotc's front. A build runs `hotc COMPILER ARGS...` once per compile, so
// that path must not pay for loading LLVM's and Clang's shared libraries
// (about 12 ms a process here): the launcher runs in this small binary,
// linked only with LLVM's static Support library. Every other command is
// hotc-core's, next to this binary.
#include "launcher/command_names.h"
#include "launcher/compiler_launcher.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>
#include <unistd.h>
#include <vector>

namespace {

// Anything that is neither an option nor one of hotc's commands names the
// compiler to run.
bool isCompilerLaunch(int Argc, char **Argv) {
  if (Argc < 2 || Argv[1][0] == '-' || Argv[1][0] == 0)
    return false;
  return !hotc::driver::isCommandName(Argv[1]);
}

std::string coreBinary() {
  if (const char *P = getenv("HOTC_CORE"); P && *P)
    return P;
  char Self[4096];
  ssize_t N = readlink("/proc/self/exe", Self, sizeof(Self) - 1);
  if (N <= 0)
    return "hotc-core";
  std::string Path(Self, N);
  return Path.substr(0, Path.rfind('/') + 1) + "hotc-core";
}

} // namespace

int main(int argc, char **argv) {
  if (isCompilerLaunch(argc, argv))
    return hotc::driver::runCompilerLauncher({argv + 1, argv + argc});
  std::string Core = coreBinary();
  execv(Core.c_str(), argv);
  fprintf(stderr, "hotc: cannot run %s: %s (it belongs next to hotc)\n",
          Core.c_str(), strerror(errno));
  return 127;
}
