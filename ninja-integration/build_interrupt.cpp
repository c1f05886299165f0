#include "ninja-integration/build_interrupt.h"

#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <csignal>
#include <thread>

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
  // Waiting was set before the runner looked at Requested (both atomics
  // are sequentially consistent): a runner that may have missed the request
  // is seen waiting here, and is woken until it is out of its wait. One
  // wake is lost at most, in the instants before ppoll blocks.
  for (int Tries = 0; Waiting && Tries < 1000; ++Tries) {
    {
      std::lock_guard<std::mutex> G(Lock);
      if (!Builder)
        return;
      pthread_kill(*Builder, kWakeSignal);
    }
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
}

bool BuildInterrupt::beginWait() {
  Waiting = true;
  if (!Requested)
    return false;
  Waiting = false;
  return true;
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
