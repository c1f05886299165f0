// The calls hotc makes into the agent, shared by both sides of the socket.
//
// Each call is an ORC wrapper function: the agent registers its address as a
// bootstrap symbol under the name below, hotc calls it with callSPSWrapper
// using the matching SPS signature. Keep names and signatures in lock-step;
// kProtocolVersion guards against a hotc talking to an older agent.
#pragma once

#include "llvm/ExecutionEngine/Orc/Shared/ExecutorAddress.h"
#include "llvm/ExecutionEngine/Orc/Shared/SimplePackedSerialization.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace hotc::protocol {

inline constexpr uint64_t kProtocolVersion = 8;

// Bootstrap map key: uint64_t protocol version of the agent.
inline constexpr const char *kVersionKey = "hotc.protocol";

// Loaded modules of the process: (path, load bias, build-id hex, TLS module
// id). The main executable comes first with an empty path. The TLS module id
// is the dynamic linker's (dlpi_tls_modid), 0 for a module without
// thread-local storage: what __tls_get_addr needs to find its variables.
inline constexpr const char *kModulesFn = "hotc_agent_modules";
using SPSModulesSig = llvm::orc::shared::SPSSequence<
    llvm::orc::shared::SPSTuple<llvm::orc::shared::SPSString, uint64_t,
                                llvm::orc::shared::SPSString, uint64_t>>();

// What the agent does when a thread faults in patched code (after writing
// the crash record): undo the version and leave the function, or only
// report (the fault then takes its course), or nothing at all.
enum class CrashPolicy : uint8_t { Report = 0, Rollback = 1, Ignore = 2 };

// Re-point function entries as hotc's patch version V: (V, crash policy,
// the code of every function the patch linked as (start, size, returns in
// registers), the entries as (entry address, new code address, bytes of
// room at the entry)). All entries of one call are written while every
// other thread is stopped: either all are applied or none (the error says
// why). Returns what tells which threads keep running the old code of an
// entry (agent/old_code_frames.h): the threads whose program counter is in
// it (tid, entry); the old code's ranges (start, end, entry); and the
// stack of each thread with a word pointing into them (tid, registers rip
// rsp rbp rbx r12 r13 r14 r15, the bytes from rsp up), for hotc to unwind.
inline constexpr const char *kPatchFn = "hotc_agent_patch";
using SPSPatchedCode =
    llvm::orc::shared::SPSTuple<llvm::orc::shared::SPSExecutorAddr, uint64_t,
                                bool>;
using SPSOldCodeFrames = llvm::orc::shared::SPSSequence<
    llvm::orc::shared::SPSTuple<uint64_t, llvm::orc::shared::SPSExecutorAddr>>;
using SPSOldCodeRanges = llvm::orc::shared::SPSSequence<llvm::orc::shared::SPSTuple<
    uint64_t, uint64_t, llvm::orc::shared::SPSExecutorAddr>>;
using SPSThreadStacks = llvm::orc::shared::SPSSequence<llvm::orc::shared::SPSTuple<
    uint64_t, llvm::orc::shared::SPSSequence<uint64_t>,
    llvm::orc::shared::SPSSequence<char>>>;
using SPSPatchResult =
    llvm::orc::shared::SPSTuple<SPSOldCodeFrames, SPSOldCodeRanges, SPSThreadStacks>;
// The last argument says how and what for the application's hooks
// (hotreload.h): (ApplyAt, safe-point timeout in ms, the files recompiled,
// the functions re-pointed, as hotc names them).
enum class ApplyAt : uint8_t {
  Now = 0,       // at once, every other thread stopped for the writes
  SafePoint = 1, // by the next thread in hotreload_safe_point()
};
using SPSPatchNotice = llvm::orc::shared::SPSTuple<
    uint8_t, uint64_t, llvm::orc::shared::SPSSequence<llvm::orc::shared::SPSString>,
    llvm::orc::shared::SPSSequence<llvm::orc::shared::SPSString>>;
using SPSPatchSig = llvm::orc::shared::SPSExpected<SPSPatchResult>(
    uint64_t, uint8_t, llvm::orc::shared::SPSSequence<SPSPatchedCode>,
    llvm::orc::shared::SPSSequence<llvm::orc::shared::SPSTuple<
        llvm::orc::shared::SPSExecutorAddr, llvm::orc::shared::SPSExecutorAddr,
        uint64_t>>,
    SPSPatchNotice);

// Undo and redo from hotc (`hotc undo`, `hotc redo`). Undo puts back every
// entry as it was before version V, undoing each applied version from V up,
// newest first, with the other threads stopped; it returns the versions
// undone. Redo applies the undone version V again, exactly as it was
// applied; only the oldest undone one can be (the undone versions are
// always the newest, and a version applied after an undo drops them).
inline constexpr const char *kUndoFn = "hotc_agent_undo";
using SPSUndoSig = llvm::orc::shared::SPSExpected<
    llvm::orc::shared::SPSSequence<uint64_t>>(uint64_t);
inline constexpr const char *kRedoFn = "hotc_agent_redo";
using SPSRedoSig = llvm::orc::shared::SPSError(uint64_t);

// Giving back the JIT memory of a version nobody can return to. Every
// version up to Horizon is forgotten first: it can no longer be undone,
// redone or rolled back after a crash. Then the agent checks that nothing
// reaches Code (the version's code ranges, [start, end)): no entry jumps
// to it, no undo or redo step it kept would put it back, and, with the
// other threads stopped, no thread's program counter or stack word points
// into it. If so it stops guarding that code and takes its objects off
// gdb's JIT list, and returns "": hotc frees the memory. Otherwise the
// reason it is kept.
inline constexpr const char *kReleaseFn = "hotc_agent_release";
using SPSReleaseSig = llvm::orc::shared::SPSString(
    uint64_t, uint64_t,
    llvm::orc::shared::SPSSequence<llvm::orc::shared::SPSTuple<uint64_t, uint64_t>>);

// IFUNC resolvers of the live modules (STT_GNU_IFUNC: the symbol's value is
// the resolver, not the function): each is called in the process as the
// dynamic linker calls it on x86-64, with no arguments, and the chosen
// implementation's address is returned, in the same order.
inline constexpr const char *kResolveIfuncsFn = "hotc_agent_resolve_ifuncs";
using SPSResolveIfuncsSig =
    llvm::orc::shared::SPSSequence<llvm::orc::shared::SPSExecutorAddr>(
        llvm::orc::shared::SPSSequence<llvm::orc::shared::SPSExecutorAddr>);

// Symbols created by earlier patches (new functions and globals), kept in the
// agent so that a reconnecting hotc binds to the same instances:
// (scope, name, address). Scope is "" for external symbols, the translation
// unit's source path for internal ones.
inline constexpr const char *kRecordSymbolsFn = "hotc_agent_record_symbols";
using SPSSymbolRecord =
    llvm::orc::shared::SPSTuple<llvm::orc::shared::SPSString,
                                llvm::orc::shared::SPSString,
                                llvm::orc::shared::SPSExecutorAddr>;
using SPSRecordSymbolsSig =
    void(llvm::orc::shared::SPSSequence<SPSSymbolRecord>);
inline constexpr const char *kRecordedSymbolsFn = "hotc_agent_recorded_symbols";
using SPSRecordedSymbolsSig =
    llvm::orc::shared::SPSSequence<SPSSymbolRecord>();

// Addresses of LLVM's own target-process helpers, passed as bootstrap symbols
// under these names because the agent exports nothing ORC could dlsym.
inline constexpr const char *kRegisterEHFramesFn = "hotc_register_eh_frames";
inline constexpr const char *kDeregisterEHFramesFn = "hotc_deregister_eh_frames";
inline constexpr const char *kRegisterDebugObjectFn = "hotc_register_debug_object";

// Before the ORC session starts, the agent sends kGreeting to a peer it
// accepts, kBusy while another hotc is attached (one at a time), and closes
// the connection of a peer of another user.
inline constexpr char kGreeting = 'H';
inline constexpr char kBusy = 'B';

// Environment contract between `hotc run/watch --exec` and the agent.
inline constexpr const char *kEnvTargetPid = "HOTC_AGENT_PID";
inline constexpr const char *kEnvSocketDir = "HOTC_SOCKET_DIR";
inline constexpr const char *kEnvAgentPath = "HOTC_AGENT_PATH";

// Where the agent of a process listens: $HOTC_SOCKET_DIR, else
// $XDG_RUNTIME_DIR/hotc, else /tmp/hotc-$UID; one socket per pid.
inline std::string socketDirectory() {
  if (const char *D = getenv(kEnvSocketDir); D && *D)
    return D;
  if (const char *X = getenv("XDG_RUNTIME_DIR"); X && *X)
    return std::string(X) + "/hotc";
  return "/tmp/hotc-" + std::to_string(getuid());
}

// Dir = socketDirectory(), created 0700 and refused unless it is a
// directory of ours that nobody else can enter (the agent's sockets, crash
// logs and the watch sessions' control sockets live there).
inline bool preparePrivateDirectory(std::string &Dir, std::string &Why) {
  Dir = socketDirectory();
  if (mkdir(Dir.c_str(), 0700) != 0 && errno != EEXIST) {
    Why = "cannot create " + Dir + ": " + strerror(errno);
    return false;
  }
  struct stat St;
  if (lstat(Dir.c_str(), &St) != 0 || !S_ISDIR(St.st_mode)) {
    Why = Dir + " is not a directory";
    return false;
  }
  if (St.st_uid != getuid() || (St.st_mode & 077) != 0) {
    Why = Dir + " must be owned by uid " + std::to_string(getuid()) +
          " with mode 0700 (fix with: chmod 700 " + Dir + ")";
    return false;
  }
  return true;
}

inline std::string socketPath(int Pid) {
  return socketDirectory() + "/" + std::to_string(Pid) + ".sock";
}

// Where the agent of Pid appends a record of each fault in patched code,
// one line each, written with one write() from the fault handler:
//   crash SEQ signal=N code=N address=HEX tid=N version=N frames=HEX,HEX,...
// (code: si_code as an unsigned 32-bit number)
//   outcome SEQ rolled-back left=HEX versions=N,N,...
//   outcome SEQ reported reason=TEXT
// frames starts with the faulting PC, then return addresses; `left` is the
// start of the patched function the thread left; `versions` were undone.
inline std::string crashLogPath(int Pid) {
  return socketDirectory() + "/" + std::to_string(Pid) + ".crash";
}

} // namespace hotc::protocol
