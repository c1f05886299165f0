#include "agent/crash_guard.h"

#include "agent/entry_patcher.h"
#include "protocol/agent_protocol.h"

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <mutex>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#include <unwind.h>

namespace hotc::agent::crash_guard {
namespace {

constexpr int kSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGABRT};
constexpr size_t kMaxCode = 1 << 16;
constexpr size_t kMaxFrames = 32;
constexpr size_t kMaxWalk = 1 << 20;
constexpr size_t kAltStackSize = 64 * 1024;

// Read by the handler without a lock: entries are written before the count
// that publishes them, a forgotten version turns to 0, and a slot is used
// again only with its version written last (protect).
PatchedCode Code[kMaxCode];
std::atomic<size_t> NumCode{0};
std::mutex CodeLock; // writers only
std::atomic<uint8_t> Policy{static_cast<uint8_t>(protocol::CrashPolicy::Rollback)};
std::atomic<uint32_t> Sequence{0};
EntryPatcher *Patcher = nullptr;
char LogPath[512];
struct sigaction Previous[_NSIG];

void onFault(int Sig, siginfo_t *Info, void *Ctx);
void onFaultOnce(int Sig, siginfo_t *Info, void *Ctx);

const PatchedCode *codeAt(uint64_t Pc) {
  size_t N = NumCode.load(std::memory_order_acquire);
  for (size_t I = 0; I < N; ++I)
    if (Code[I].Version && Pc >= Code[I].Start && Pc < Code[I].Start + Code[I].Size)
      return &Code[I];
  return nullptr;
}

// A line of text built without allocating.
struct Line {
  char Buf[1024];
  size_t Len = 0;
  void add(const char *S) {
    while (*S && Len + 1 < sizeof(Buf))
      Buf[Len++] = *S++;
  }
  void num(uint64_t V, unsigned Base = 10) {
    char T[24];
    int N = 0;
    do {
      T[N++] = "0123456789abcdef"[V % Base];
      V /= Base;
    } while (V);
    if (Base == 16)
      add("0x");
    while (N && Len + 1 < sizeof(Buf))
      Buf[Len++] = T[--N];
  }
  void append() {
    add("\n");
    int FD = open(LogPath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (FD < 0)
      return;
    (void)!::write(FD, Buf, Len);
    close(FD);
  }
};

// The frames of the faulting thread, from the interrupted one outwards, and
// where it would be left: the caller of the outermost frame of the run of
// frames (a recursion) in the innermost patched function.
struct Walk {
  uint64_t FaultPc = 0;
  bool Reached = false; // the handler's own frames are behind
  size_t Seen = 0;
  uint64_t Frames[kMaxFrames];
  size_t NumFrames = 0;
  const PatchedCode *Inner = nullptr;
  uint64_t Version = 0, Start = 0; // Inner's, read once (forget() may zero it)
  bool NeedCaller = false;
  bool HaveCaller = false;
  uint64_t LeaveCfa = 0, CallerIp = 0;
  uint64_t Rbx = 0, Rbp = 0, R12 = 0, R13 = 0, R14 = 0, R15 = 0;
};

_Unwind_Reason_Code visitFrame(_Unwind_Context *Ctx, void *Arg) {
  auto &W = *static_cast<Walk *>(Arg);
  int Before = 0;
  uint64_t Ip = _Unwind_GetIPInfo(Ctx, &Before);
  if (!W.Reached) {
    if (Ip != W.FaultPc)
      return _URC_NO_REASON;
    W.Reached = true;
  }
  if (W.NumFrames < kMaxFrames)
    W.Frames[W.NumFrames++] = Ip;
  const PatchedCode *C = codeAt(W.Seen == 0 || Before ? Ip : Ip - 1);
  if (W.NeedCaller && !(C && C->Start == W.Start)) {
    // This frame called the one to leave: its registers are those the
    // callee's unwind information restores, and the callee's CFA is the
    // stack pointer it would have returned with.
    W.CallerIp = Ip;
    W.LeaveCfa = _Unwind_GetCFA(Ctx);
    W.Rbx = _Unwind_GetGR(Ctx, 3);
    W.Rbp = _Unwind_GetGR(Ctx, 6);
    W.R12 = _Unwind_GetGR(Ctx, 12);
    W.R13 = _Unwind_GetGR(Ctx, 13);
    W.R14 = _Unwind_GetGR(Ctx, 14);
    W.R15 = _Unwind_GetGR(Ctx, 15);
    W.NeedCaller = false;
    W.HaveCaller = true;
  } else if (!W.Inner && C) {
    W.Inner = C;
    W.Version = __atomic_load_n(&C->Version, __ATOMIC_ACQUIRE);
    W.Start = C->Start;
    W.NeedCaller = true;
  }
  if (++W.Seen >= kMaxWalk ||
      (W.HaveCaller && W.NumFrames == kMaxFrames))
    return _URC_END_OF_STACK;
  return _URC_NO_REASON;
}

bool synchronous(int Sig, const siginfo_t *Info) {
  return Info->si_code > 0 && Sig != SIGTRAP && Sig != SIGABRT;
}

// The kernel's default: a fault re-executes into it; a sent signal is sent
// again and arrives once the handler returns.
void takeDefaultAction(int Sig, const siginfo_t *Info) {
  signal(Sig, SIG_DFL);
  if (!synchronous(Sig, Info))
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), Sig);
}

// What would have happened without hotc: the application's handler, or
// the default action (a fault re-executes; a sent signal is sent again and
// arrives once this handler returns).
void chain(int Sig, siginfo_t *Info, void *Ctx) {
  const struct sigaction &P = Previous[Sig];
  if ((P.sa_flags & SA_SIGINFO) && P.sa_sigaction) {
    P.sa_sigaction(Sig, Info, Ctx);
    return;
  }
  if (P.sa_handler == SIG_IGN && !synchronous(Sig, Info))
    return;
  if (P.sa_handler != SIG_DFL && P.sa_handler != SIG_IGN) {
    P.sa_handler(Sig);
    return;
  }
  takeDefaultAction(Sig, Info);
}

// The thread continues in the caller as if the patched function had
// returned zero: callee-saved registers, stack pointer and PC as the unwind
// information says, return registers cleared.
void leave(const Walk &W, ucontext_t *UC, const siginfo_t *Info) {
  greg_t *G = UC->uc_mcontext.gregs;
  G[REG_RIP] = static_cast<greg_t>(W.CallerIp);
  G[REG_RSP] = static_cast<greg_t>(W.LeaveCfa);
  G[REG_RBX] = static_cast<greg_t>(W.Rbx);
  G[REG_RBP] = static_cast<greg_t>(W.Rbp);
  G[REG_R12] = static_cast<greg_t>(W.R12);
  G[REG_R13] = static_cast<greg_t>(W.R13);
  G[REG_R14] = static_cast<greg_t>(W.R14);
  G[REG_R15] = static_cast<greg_t>(W.R15);
  G[REG_RAX] = 0;
  G[REG_RDX] = 0;
  if (UC->uc_mcontext.fpregs) {
    memset(&UC->uc_mcontext.fpregs->_xmm[0], 0, sizeof(UC->uc_mcontext.fpregs->_xmm[0]));
    memset(&UC->uc_mcontext.fpregs->_xmm[1], 0, sizeof(UC->uc_mcontext.fpregs->_xmm[1]));
  }
  // The thread gets back the mask it had when the signal came. Whatever
  // that was (a libc that blocks signals around raise() would leave all
  // blocked), the signals hotc needs stay open: the faults, and the world
  // stop of the next patch. The application's own choices are kept.
  (void)Info;
  for (int Sig : kSignals)
    sigdelset(&UC->uc_sigmask, Sig);
  sigdelset(&UC->uc_sigmask, SIGRTMAX - 3); // agent/world_stop.cpp's
}

void writeCrash(uint32_t Seq, int Sig, const siginfo_t *Info, const Walk &W) {
  Line L;
  L.add("crash ");
  L.num(Seq);
  L.add(" signal=");
  L.num(static_cast<uint64_t>(Sig));
  L.add(" code=");
  L.num(static_cast<uint64_t>(static_cast<int64_t>(Info->si_code) & 0xffffffff));
  L.add(" address=");
  L.num(reinterpret_cast<uint64_t>(Info->si_addr), 16);
  L.add(" tid=");
  L.num(static_cast<uint64_t>(syscall(SYS_gettid)));
  L.add(" version=");
  L.num(W.Version);
  L.add(" frames=");
  for (size_t I = 0; I < W.NumFrames; ++I) {
    if (I)
      L.add(",");
    L.num(W.Frames[I], 16);
  }
  L.append();
}

void writeOutcome(uint32_t Seq, const char *Reason, const uint64_t *Reverted,
                  size_t NumReverted, uint64_t Left) {
  Line L;
  L.add("outcome ");
  L.num(Seq);
  if (Reason) {
    L.add(" reported reason=");
    L.add(Reason);
  } else {
    L.add(" rolled-back left=");
    L.num(Left, 16);
    L.add(" versions=");
    for (size_t I = 0; I < NumReverted; ++I) {
      if (I)
        L.add(",");
      L.num(Reverted[I]);
    }
  }
  L.append();
}

// Why the thread cannot leave, or nullptr when it can.
const char *cannotLeave(const Walk &W) {
  auto P = static_cast<protocol::CrashPolicy>(Policy.load());
  if (P != protocol::CrashPolicy::Rollback)
    return "on_crash is not rollback";
  if (!W.Reached)
    return "the fault's stack could not be unwound";
  if (!W.Inner->Leavable)
    return "the function does not return its value in registers";
  if (!W.HaveCaller)
    return "the patched function has no caller to return to";
  return nullptr;
}

// An application's handler installed after the agent may chain back to
// it. Such a nested entry (below the frame that passed the fault on, on
// the same thread) takes the default action instead of looping; a handler
// that leaves with longjmp leaves the marks behind, which a later fault,
// entered from the top of its stack again, does not mistake for nesting.
__attribute__((tls_model("initial-exec"))) __thread uintptr_t ChainFrame = 0;

bool nestedInChain() {
  auto Here = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  return ChainFrame && Here < ChainFrame && ChainFrame - Here < (1u << 20);
}

void passOn(int Sig, siginfo_t *Info, void *Ctx) {
  ChainFrame = reinterpret_cast<uintptr_t>(__builtin_frame_address(0));
  chain(Sig, Info, Ctx);
  ChainFrame = 0;
}

void onFault(int Sig, siginfo_t *Info, void *Ctx) {
  if (nestedInChain()) { // the default action, as the kernel would take it
    int SavedErrno = errno;
    takeDefaultAction(Sig, Info);
    errno = SavedErrno;
    return;
  }
  onFaultOnce(Sig, Info, Ctx);
}

void onFaultOnce(int Sig, siginfo_t *Info, void *Ctx) {
  int SavedErrno = errno;
  auto *UC = static_cast<ucontext_t *>(Ctx);
  if (Policy.load() == static_cast<uint8_t>(protocol::CrashPolicy::Ignore) ||
      NumCode.load(std::memory_order_acquire) == 0) {
    passOn(Sig, Info, Ctx);
    errno = SavedErrno;
    return;
  }
  Walk W;
  W.FaultPc = static_cast<uint64_t>(UC->uc_mcontext.gregs[REG_RIP]);
  _Unwind_Backtrace(visitFrame, &W);
  if (!W.Reached) { // what the PC alone says
    W.Frames[0] = W.FaultPc;
    W.NumFrames = 1;
    W.Inner = codeAt(W.FaultPc);
    if (W.Inner) {
      W.Version = __atomic_load_n(&W.Inner->Version, __ATOMIC_ACQUIRE);
      W.Start = W.Inner->Start;
    }
  }
  if (!W.Inner || !W.Version) {
    passOn(Sig, Info, Ctx);
    errno = SavedErrno;
    return;
  }
  uint32_t Seq = Sequence.fetch_add(1) + 1;
  writeCrash(Seq, Sig, Info, W);
  const char *Why = cannotLeave(W);
  uint64_t Reverted[64];
  size_t NumReverted = 0;
  std::string Err;
  if (!Why) {
    Err = Patcher->revertFrom(W.Version, Reverted, 64, NumReverted);
    if (!Err.empty())
      Why = Err.c_str();
  }
  writeOutcome(Seq, Why, Reverted, NumReverted, W.Start);
  if (Why)
    passOn(Sig, Info, Ctx);
  else
    leave(W, UC, Info);
  errno = SavedErrno;
}

struct sigaction ours() {
  struct sigaction SA {};
  SA.sa_sigaction = onFault;
  // Not SA_NODEFER: a fault inside this handler ends the process. The
  // world-stop signal stays open so a revert can stop this thread's peers
  // while another faulting thread waits.
  SA.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_RESTART;
  sigemptyset(&SA.sa_mask);
  return SA;
}

} // namespace

bool install(EntryPatcher &P, const std::string &Log, std::string &Why) {
  Patcher = &P;
  if (Log.size() >= sizeof(LogPath)) {
    Why = "crash log path too long: " + Log;
    return false;
  }
  memcpy(LogPath, Log.c_str(), Log.size() + 1);
  unlink(LogPath); // an earlier process's, with our pid
  ensureAltStack();
  struct sigaction SA = ours();
  for (int Sig : kSignals)
    if (sigaction(Sig, &SA, &Previous[Sig]) != 0) {
      Why = std::string("cannot install the crash handler: ") + strerror(errno);
      return false;
    }
  return true;
}

void protect(const PatchedCode *C, size_t Count, uint8_t P) {
  std::lock_guard<std::mutex> Guard(CodeLock);
  Policy = P;
  struct sigaction SA = ours();
  for (int Sig : kSignals) {
    struct sigaction Now {};
    if (sigaction(Sig, nullptr, &Now) == 0 &&
        !((Now.sa_flags & SA_SIGINFO) && Now.sa_sigaction == onFault)) {
      Previous[Sig] = Now; // the application's, installed after ours
      sigaction(Sig, &SA, nullptr);
    }
  }
  // Slots of code forgotten (a patch not applied, a version released) are
  // used again: a long session must not run out of them. The version is
  // stored last, so a fault handler reading the slot meanwhile ignores it.
  size_t N = NumCode.load();
  size_t Free = 0;
  for (size_t I = 0; I < Count; ++I) {
    while (Free < N && __atomic_load_n(&Code[Free].Version, __ATOMIC_ACQUIRE))
      ++Free;
    if (Free < N) {
      Code[Free].Start = C[I].Start;
      Code[Free].Size = C[I].Size;
      Code[Free].Leavable = C[I].Leavable;
      __atomic_store_n(&Code[Free].Version, C[I].Version, __ATOMIC_RELEASE);
      ++Free;
    } else if (N < kMaxCode) {
      Code[N++] = C[I];
    }
  }
  NumCode.store(N, std::memory_order_release);
}

void forget(uint64_t Version) {
  std::lock_guard<std::mutex> Guard(CodeLock);
  for (size_t I = 0, N = NumCode.load(); I < N; ++I)
    if (Code[I].Version == Version)
      __atomic_store_n(&Code[I].Version, 0, __ATOMIC_RELEASE);
}

void ensureAltStack(void *SignalContext) {
  auto *UC = static_cast<ucontext_t *>(SignalContext);
  stack_t Old{};
  if (UC)
    Old = UC->uc_stack;
  else if (sigaltstack(nullptr, &Old) != 0)
    return;
  if (!(Old.ss_flags & SS_DISABLE))
    return;
  void *M = mmap(nullptr, kAltStackSize, PROT_READ | PROT_WRITE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
  if (M == MAP_FAILED)
    return;
  stack_t S{};
  S.ss_sp = M;
  S.ss_size = kAltStackSize;
  // In a signal handler the kernel puts back the alternate stack saved in
  // the signal frame when the handler returns: change that one.
  if (UC)
    UC->uc_stack = S;
  else if (sigaltstack(&S, nullptr) != 0)
    munmap(M, kAltStackSize);
}

} // namespace hotc::agent::crash_guard
