#include "ninja-integration/saved_signals.h"

#include <pthread.h>

namespace hotc::ninja {

// sigaction() and pthread_sigmask() fail only for invalid arguments, which
// these are not; their results are not checked.
SavedSignals::SavedSignals() {
  sigaction(SIGINT, nullptr, &Int);
  sigaction(SIGTERM, nullptr, &Term);
  sigaction(SIGHUP, nullptr, &Hup);
  pthread_sigmask(SIG_SETMASK, nullptr, &Mask);
}

SavedSignals::~SavedSignals() {
  sigaction(SIGINT, &Int, nullptr);
  sigaction(SIGTERM, &Term, nullptr);
  sigaction(SIGHUP, &Hup, nullptr);
  pthread_sigmask(SIG_SETMASK, &Mask, nullptr);
}

} // namespace hotc::ninja
