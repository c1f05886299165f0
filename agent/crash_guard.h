// Faults in code hotc linked. A thread that faults (SIGSEGV, SIGBUS, SIGFPE,
// SIGILL, SIGTRAP, SIGABRT) with its PC or a frame of its stack in patched
// code is reported in the crash log of the process (protocol::crashLogPath)
// before anything else; under the rollback policy the version it crashed in
// is undone and the thread leaves the patched function as if it had
// returned zero. Every other fault goes to the handler the application
// installed, or to the default action, exactly as without hotc.
#pragma once

#include <cstdint>
#include <string>

namespace hotc::agent {

class EntryPatcher;

// Code of one function of one patch, as hotc linked it.
struct PatchedCode {
  uint64_t Start;
  uint64_t Size;
  uint64_t Version;
  bool Leavable; // returns in registers: leaving it can return zero
};

namespace crash_guard {

// At agent start: the handlers, an alternate stack for the calling thread,
// and where crash records go.
bool install(EntryPatcher &Patcher, const std::string &LogPath,
             std::string &Why);

// Before each patch: the code about to become reachable and the policy
// (protocol::CrashPolicy). Handlers the application installed since the
// last call are kept, and called for faults outside patched code.
void protect(const PatchedCode *Code, size_t Count, uint8_t Policy);
// The patch of Version was not applied: its code is not hotc's to guard.
void forget(uint64_t Version);

// Gives the calling thread an alternate signal stack if it has none, so a
// stack overflow can be handled. Async-signal-safe: the world-stop handler
// calls it in every thread, passing its signal context (the stack the
// thread gets back when the handler returns).
void ensureAltStack(void *SignalContext = nullptr);

} // namespace crash_guard
} // namespace hotc::agent
