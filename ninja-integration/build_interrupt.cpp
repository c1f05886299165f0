#include "ninja-integration/build_interrupt.h"

#include "llvm/Support/raw_ostream.h"

#include <csignal>

namespace hotc::ninja {

namespace {

constexpr int kWakeSignal = SIGURG;

void wakeHandler(int) {} // ppoll returns EINTR: that is all it is for

// Process-wide, once: ppoll is never restarted after a handler, whatever
// SA_RESTART says, while other threads' calls are.
void installWakeHandler() {
  static std::once_flag Once;
  std::call_once(Once, [] {
    struct sigaction Act = {};
    Act.sa_handler = wakeHandler;
    Act.sa_flags = SA_RESTART;
    sigemptyset(&Act.sa_mask);
    sigaction(kWakeSignal, &Act, nullptr);
  });
}

} // namespace

char BuildInterrupted::ID;

void BuildInterrupted::log(llvm::raw_ostream &OS) const {
  OS << "the build was stopped before it finished";
}

std::error_code BuildInterrupted::convertToErrorCode() const {
  return std::make_error_code(std::errc::interrupted);
}

void BuildInterrupt::request() {
  Requested = true;
  std::lock_guard<std::mutex> G(Lock);
  if (Builder)
    pthread_kill(*Builder, kWakeSignal);
}

void BuildInterrupt::enter() {
  installWakeHandler();
  // ninja's ppoll waits with the mask this thread has now.
  sigset_t Wake;
  sigemptyset(&Wake);
  sigaddset(&Wake, kWakeSignal);
  pthread_sigmask(SIG_UNBLOCK, &Wake, nullptr);
  std::lock_guard<std::mutex> G(Lock);
  Builder = pthread_self();
}

void BuildInterrupt::leave() {
  std::lock_guard<std::mutex> G(Lock);
  Builder.reset();
}

} // namespace hotc::ninja
