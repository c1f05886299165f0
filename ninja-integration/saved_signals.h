// The signal handling ninja's SubprocessSet takes over while a Builder
// lives: it handles SIGINT, SIGTERM and SIGHUP itself (to stop the build)
// and blocks them outside its wait. Saved before a build and put back after
// it, so the host's own handling is never left changed, whatever ninja
// restored or failed to.
#pragma once

#include <csignal>

namespace hotc::ninja {

class SavedSignals {
public:
  SavedSignals();
  ~SavedSignals();
  SavedSignals(const SavedSignals &) = delete;
  SavedSignals &operator=(const SavedSignals &) = delete;

private:
  struct sigaction Int, Term, Hup;
  sigset_t Mask;
};

} // namespace hotc::ninja
