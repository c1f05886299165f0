// The loop of a watch session once `ready`: saves (debounced, held while
// paused), the process's end, hotc's signals, crash records, control
// requests from another terminal, keys in its own.
#pragma once

#include "watch/crash_log.h"
#include "watch/event_output.h"
#include "watch/file_watcher.h"
#include "watch/watch_command.h"
#include "watch/watch_loop.h"

#include "jit/link_session.h"
#include "jit/patch_session.h"

#include <string>

namespace hotc::driver {

// The process a session watches.
struct WatchedProcess {
  int Pid = -1;
  int PidFd = -1; // readable when the process ends
  bool OwnChild = false;
};

// How a session ended: hotc's exit code.
struct Ending {
  int Code = 0;
  bool Crashed = false; // a signal ended the process hotc started
};

// What the loop works with, set up by watchProcess.
struct EventLoop {
  const WatchOptions &Opts;
  WatchedProcess Target;
  EventOutput &Out;
  jit::PatchSession &Session;
  jit::LinkSession &Link;
  WatchLoop &Loop;
  FileWatcher &Watcher;
  CrashLog *Crashes; // null: crashes are seen only as the process's end
  int SigFd;
  std::string BuildDir; // absolute
};

// Runs until the process ends or hotc is told to stop.
Ending runEventLoop(EventLoop &P);

// The process ended: its status, the `exited` event, its socket removed.
Ending finish(const WatchedProcess &T, EventOutput &Out);

} // namespace hotc::driver
