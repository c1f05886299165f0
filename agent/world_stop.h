// Stopping every other thread of the process in a signal handler, so that
// function entries can be rewritten while nothing executes them.
//
// Linux has no SuspendThread: each thread is sent a real-time signal whose
// handler records the thread's program counter and then waits on a futex
// until released. While the world is stopped the caller must not allocate or
// take any lock another thread might hold (malloc, stdio, the loader).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace hotc::agent {

struct StoppedThread {
  int tid;
  uint64_t pc;
  uint64_t sp; // the stack it was interrupted on
  // The registers an unwinder needs to leave the interrupted frame:
  // rbp, rbx, r12, r13, r14, r15 (callee-saved, DWARF numbers 6 3 12-15).
  uint64_t saved[6];
  // It was stopped while running on its alternate signal stack (inside a
  // signal handler that asked for it): the stack it was interrupted on
  // before that is not the one sp lies in.
  bool onAltStack;
  // One of the agent's own threads (named hotc-agent, as every thread
  // they start is): it never runs the program's code.
  bool agent;
};

class WorldStop {
public:
  static constexpr size_t kMaxThreads = 4096;

  // Installs the signal handler; call once at agent start.
  static bool installHandler(std::string &Why);

  // Stops every thread but the caller. On failure nothing stays stopped and
  // Why says which thread did not answer.
  bool stop(std::string &Why);
  // Lets the stopped threads go; each serialises its core before resuming.
  void release();

  const StoppedThread *begin() const { return Threads; }
  const StoppedThread *end() const { return Threads + Count; }

private:
  StoppedThread Threads[kMaxThreads];
  size_t Count = 0;
};

} // namespace hotc::agent
