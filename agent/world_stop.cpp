#include "agent/world_stop.h"
#include "agent/agent_thread.h"

#include "agent/crash_guard.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>
#include <dirent.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>

namespace hotc::agent {
namespace {

// One stop at a time (the patcher holds a mutex); these are what the signal
// handler may touch: plain atomics, nothing that allocates.
std::atomic<uint32_t> Epoch{0};      // bumped to release stopped threads
std::atomic<uint32_t> Arrived{0};
std::atomic<uint32_t> Departed{0};
std::atomic<uint32_t> SlotCount{0};
// False outside stop()..release(): a signal that arrives late (after a
// timed-out stop was released) must not park its thread forever.
std::atomic<bool> Active{false};
StoppedThread *Slots = nullptr;
size_t SlotCapacity = 0;

int stopSignal() { return SIGRTMAX - 3; }

long futex(std::atomic<uint32_t> *Addr, int Op, uint32_t Val) {
  return syscall(SYS_futex, reinterpret_cast<uint32_t *>(Addr), Op, Val,
                 nullptr, nullptr, 0);
}

// cpuid is a serialising instruction: after it, this core fetches the bytes
// the patcher wrote rather than stale prefetched ones.
void serialiseCore() {
  uint32_t A = 0, B, C = 0, D;
  asm volatile("cpuid" : "+a"(A), "=b"(B), "+c"(C), "=d"(D)::"memory");
}

void onStopSignal(int, siginfo_t *, void *Ctx) {
  int SavedErrno = errno;
  uint32_t MyEpoch = Epoch.load(std::memory_order_acquire);
  if (!Active.load(std::memory_order_acquire)) {
    errno = SavedErrno;
    return;
  }
  // Every thread alive at a patch gets an alternate stack, so that a stack
  // overflow in patched code can be reported and left.
  auto *UC = static_cast<ucontext_t *>(Ctx);
  // The kernel saved whether the interrupted sp was on the alternate stack.
  bool OnAlt = UC->uc_stack.ss_flags & SS_ONSTACK;
  crash_guard::ensureAltStack(Ctx);
  char Name[16] = {};
  bool Agent = prctl(PR_GET_NAME, Name) == 0 && isAgentThreadName(Name);
  uint32_t I = SlotCount.fetch_add(1, std::memory_order_relaxed);
  if (I < SlotCapacity) {
    const greg_t *G = UC->uc_mcontext.gregs;
    Slots[I] = {static_cast<int>(syscall(SYS_gettid)),
                static_cast<uint64_t>(G[REG_RIP]),
                static_cast<uint64_t>(G[REG_RSP]),
                {static_cast<uint64_t>(G[REG_RBP]), static_cast<uint64_t>(G[REG_RBX]),
                 static_cast<uint64_t>(G[REG_R12]), static_cast<uint64_t>(G[REG_R13]),
                 static_cast<uint64_t>(G[REG_R14]), static_cast<uint64_t>(G[REG_R15])},
                OnAlt, Agent};
  }
  Arrived.fetch_add(1, std::memory_order_release);
  while (Epoch.load(std::memory_order_acquire) == MyEpoch)
    futex(&Epoch, FUTEX_WAIT_PRIVATE, MyEpoch);
  serialiseCore();
  Departed.fetch_add(1, std::memory_order_release);
  errno = SavedErrno;
}

void pause(long Micros) {
  timespec T{0, Micros * 1000};
  nanosleep(&T, nullptr);
}

// Thread ids of this process, read with raw getdents64 so that nothing
// allocates (another thread may be stopped inside malloc).
size_t listThreads(int *Out, size_t Max) {
  int FD = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (FD < 0)
    return 0;
  size_t N = 0;
  alignas(8) char Buf[4096];
  for (;;) {
    long Got = syscall(SYS_getdents64, FD, Buf, sizeof(Buf));
    if (Got <= 0)
      break;
    for (long Off = 0; Off < Got;) {
      auto *E = reinterpret_cast<dirent64 *>(Buf + Off);
      Off += E->d_reclen;
      if (E->d_name[0] < '0' || E->d_name[0] > '9')
        continue;
      if (N < Max)
        Out[N++] = atoi(E->d_name);
    }
  }
  close(FD);
  return N;
}

// Threads that are running answer within microseconds: yield first, and
// sleep only for threads that must wait to be scheduled.
bool waitFor(std::atomic<uint32_t> &Counter, uint32_t Target, int Millis) {
  for (int Spin = 0; Spin < 2000; ++Spin) {
    if (Counter.load(std::memory_order_acquire) >= Target)
      return true;
    sched_yield();
  }
  for (int Naps = 0; Counter.load(std::memory_order_acquire) < Target; ++Naps) {
    if (Naps > Millis * 20)
      return false;
    pause(50);
  }
  return true;
}

} // namespace

bool WorldStop::installHandler(std::string &Why) {
  struct sigaction SA {};
  SA.sa_sigaction = onStopSignal;
  SA.sa_flags = SA_SIGINFO | SA_RESTART;
  sigfillset(&SA.sa_mask);
  if (sigaction(stopSignal(), &SA, nullptr) != 0) {
    Why = std::string("cannot install the stop signal handler: ") +
          strerror(errno);
    return false;
  }
  return true;
}

// Waits for every signalled thread to arrive: a thread that exited since
// it was signalled never will, and leaves the list; one that is alive but
// not scheduled (a loaded machine) gets three 2-second chances.
static bool waitForSignalled(int *Signalled, size_t &NumSignalled) {
  for (int Chance = 0; Chance < 3; ++Chance) {
    if (waitFor(Arrived, NumSignalled, 2000))
      return true;
    size_t Alive = 0;
    for (size_t J = 0; J < NumSignalled; ++J)
      if (syscall(SYS_tgkill, getpid(), Signalled[J], 0) == 0 || errno != ESRCH)
        Signalled[Alive++] = Signalled[J];
    NumSignalled = Alive;
  }
  return waitFor(Arrived, NumSignalled, 0);
}

bool WorldStop::stop(std::string &Why) {
  static int Tids[kMaxThreads];
  static int Signalled[kMaxThreads];
  size_t NumSignalled = 0;
  int Self = static_cast<int>(syscall(SYS_gettid));
  Slots = Threads;
  SlotCapacity = kMaxThreads;
  SlotCount.store(0);
  Arrived.store(0);
  Departed.store(0);
  Active.store(true, std::memory_order_release);

  // Threads may be created while we signal; list again until every listed
  // thread has been signalled and has arrived.
  for (int Round = 0; Round < 50; ++Round) {
    size_t N = listThreads(Tids, kMaxThreads);
    bool Fresh = false;
    for (size_t I = 0; I < N; ++I) {
      if (Tids[I] == Self)
        continue;
      bool Seen = false;
      for (size_t J = 0; J < NumSignalled && !Seen; ++J)
        Seen = Signalled[J] == Tids[I];
      if (Seen)
        continue;
      if (NumSignalled == kMaxThreads) {
        release();
        Why = "more than 4096 threads";
        return false;
      }
      if (syscall(SYS_tgkill, getpid(), Tids[I], stopSignal()) == 0) {
        Signalled[NumSignalled++] = Tids[I];
        Fresh = true;
      }
    }
    if (!waitForSignalled(Signalled, NumSignalled)) {
      int Missing = 0;
      for (size_t J = 0; J < NumSignalled && !Missing; ++J) {
        bool Came = false;
        for (size_t K = 0; K < SlotCount.load() && K < kMaxThreads; ++K)
          Came |= Threads[K].tid == Signalled[J];
        if (!Came)
          Missing = Signalled[J];
      }
      Count = Arrived.load();
      release();
      Why = "thread " + std::to_string(Missing) +
            " did not stop within 6 s (it blocks signal SIGRTMAX-3 or is "
            "stuck in the kernel)";
      return false;
    }
    if (!Fresh)
      break;
  }
  Count = Arrived.load();
  return true;
}

void WorldStop::release() {
  Active.store(false, std::memory_order_release);
  uint32_t Expected = Arrived.load(std::memory_order_acquire);
  Epoch.fetch_add(1, std::memory_order_acq_rel);
  futex(&Epoch, FUTEX_WAKE_PRIVATE, INT32_MAX);
  serialiseCore();
  // Wait until every thread has left the handler, so the next stop starts
  // from a clean state.
  waitFor(Departed, Expected, 5000);
  Count = 0;
}

} // namespace hotc::agent
