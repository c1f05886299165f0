// Whether the watched process can take a patch now: a process stopped by a
// debugger (at a breakpoint, after `Ctrl-C` in gdb) or by SIGSTOP cannot
// answer the agent's calls or stop its threads, so a patch started then
// would hang half-way; it waits until the process runs again.
#pragma once

#include <optional>
#include <string>

namespace hotc::driver {

struct StoppedThread {
  int Tid = 0;
  bool Traced = false; // stopped by a tracer ('t'), else by a signal ('T')
};

// The first thread of Pid that is stopped now, if any.
std::optional<StoppedThread> stoppedThread(int Pid);

// "thread 1234 is stopped by a debugger" and the like.
std::string describe(const StoppedThread &T);

} // namespace hotc::driver
