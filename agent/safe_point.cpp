#include "agent/safe_point.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <unistd.h>

namespace hotc::agent::safe_point {
namespace {

// One job handed over at a time: Waiting while no thread has taken it,
// Running once one has (the timeout no longer applies), Done after;
// Withdrawn when its hotc went away before any thread took it.
enum class State { Idle, Waiting, Running, Done, Withdrawn };

std::mutex Lock;
std::condition_variable Changed;
std::mutex OneAtATime; // held by run() for the whole hand-over
State Now = State::Idle;
Job Pending;
// Read without the lock by every safe point: nothing waits, return.
std::atomic<bool> Offered{false};
// A hook or job calling hotreload_safe_point on the thread running a job.
thread_local bool InJob = false;

} // namespace

bool run(Job J, unsigned TimeoutMs) {
  std::lock_guard<std::mutex> One(OneAtATime);
  std::unique_lock<std::mutex> Guard(Lock);
  Pending = std::move(J);
  Now = State::Waiting;
  Offered.store(true, std::memory_order_release);
  bool Taken = Changed.wait_for(Guard, std::chrono::milliseconds(TimeoutMs),
                                [] { return Now != State::Waiting; });
  if (!Taken || Now == State::Withdrawn) { // no thread came: drop it
    Offered.store(false, std::memory_order_relaxed);
    Now = State::Idle;
    Pending = nullptr;
    return false;
  }
  Changed.wait(Guard, [] { return Now == State::Done; });
  Now = State::Idle;
  Pending = nullptr;
  return true;
}

void withdraw() {
  {
    std::lock_guard<std::mutex> Guard(Lock);
    if (Now != State::Waiting)
      return; // nothing waits, or a thread runs it already
    Offered.store(false, std::memory_order_relaxed);
    Now = State::Withdrawn;
  }
  Changed.notify_all();
}

// The thread at a safe point: take the job, if one is offered, and run it.
void serve(const uint64_t *Regs) {
  if (!Offered.load(std::memory_order_acquire) || InJob)
    return;
  Job J;
  {
    std::lock_guard<std::mutex> Guard(Lock);
    if (Now != State::Waiting)
      return; // another thread took it, or it was withdrawn
    Offered.store(false, std::memory_order_relaxed);
    Now = State::Running;
    J = std::move(Pending);
  }
  Changed.notify_all();
  StoppedThread Self{static_cast<int>(gettid()), Regs[0], Regs[1],
                     {Regs[2], Regs[3], Regs[4], Regs[5], Regs[6], Regs[7]},
                     /*onAltStack=*/false, /*agent=*/false};
  InJob = true;
  J(Self);
  InJob = false;
  {
    std::lock_guard<std::mutex> Guard(Lock);
    Now = State::Done;
  }
  Changed.notify_all();
}

} // namespace hotc::agent::safe_point

extern "C" __attribute__((visibility("hidden"))) void
hotc_agent_serve_safe_point(const uint64_t *Regs) {
  hotc::agent::safe_point::serve(Regs);
}

// hotreload_safe_point (hotreload.h) records the registers its caller
// called it with, as the world stop's handler records an interrupted
// thread's (rip rsp rbp rbx r12 r13 r14 r15: what an unwinder needs to walk
// the caller's frames, agent/old_code_frames.h), then serves the safe point.
// rip is the return address into the caller, rsp the caller's after the
// return. 72 bytes keep the stack 16-byte aligned for the call.
asm(R"(
  .text
  .globl hotreload_safe_point
  .type hotreload_safe_point, @function
  .p2align 4
hotreload_safe_point:
  .cfi_startproc
  subq $72, %rsp
  .cfi_adjust_cfa_offset 72
  movq 72(%rsp), %rax
  movq %rax, 0(%rsp)
  leaq 80(%rsp), %rax
  movq %rax, 8(%rsp)
  movq %rbp, 16(%rsp)
  movq %rbx, 24(%rsp)
  movq %r12, 32(%rsp)
  movq %r13, 40(%rsp)
  movq %r14, 48(%rsp)
  movq %r15, 56(%rsp)
  movq %rsp, %rdi
  call hotc_agent_serve_safe_point
  addq $72, %rsp
  .cfi_adjust_cfa_offset -72
  ret
  .cfi_endproc
  .size hotreload_safe_point, .-hotreload_safe_point
)");
