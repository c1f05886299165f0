#include "watch/process_state.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>

namespace hotc::driver {
namespace {

// The state letter of /proc/PID/task/TID/stat: after the command name in
// parentheses, which may itself hold ')' (so the last one counts).
char stateOf(int Pid, const char *Tid) {
  char Path[96];
  snprintf(Path, sizeof(Path), "/proc/%d/task/%s/stat", Pid, Tid);
  FILE *F = fopen(Path, "re");
  if (!F)
    return 0;
  char Line[1024];
  size_t N = fread(Line, 1, sizeof(Line) - 1, F);
  fclose(F);
  Line[N] = 0;
  const char *Close = strrchr(Line, ')');
  return Close && Close[1] == ' ' ? Close[2] : 0;
}

} // namespace

std::optional<StoppedThread> stoppedThread(int Pid) {
  char Dir[64];
  snprintf(Dir, sizeof(Dir), "/proc/%d/task", Pid);
  DIR *D = opendir(Dir);
  if (!D)
    return std::nullopt;
  std::optional<StoppedThread> Found;
  while (dirent *E = readdir(D)) {
    if (E->d_name[0] == '.')
      continue;
    char S = stateOf(Pid, E->d_name);
    if (S == 't' || S == 'T') {
      Found = StoppedThread{atoi(E->d_name), S == 't'};
      break;
    }
  }
  closedir(D);
  return Found;
}

std::string describe(const StoppedThread &T) {
  return "thread " + std::to_string(T.Tid) + " of the process is stopped" +
         (T.Traced ? " by a debugger" : " (SIGSTOP)");
}

} // namespace hotc::driver
