// Walking the frames of a thread of the process from a copy of its stack,
// with the call frame information (.eh_frame) of the modules it runs: the
// return address of each frame, innermost first.
//
// The agent hands over a stopped thread's registers and the bytes of its
// stack from the stack pointer up (agent/old_code_frames.h). Each frame's
// canonical frame address (CFA) is computed from the row of the FDE that
// covers its program counter; the return address and the callee-saved
// registers are read at CFA offsets. The walk stops at the first frame it
// cannot leave for sure: code without CFI (JIT code, a hand-written
// trampoline), a rule given as a DWARF expression (signal frames), or a
// read outside the copy. What it returns are therefore real frames only.
#pragma once

#include "jit/live_symbols.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hotc::jit {

// A thread's registers, in this order: rip, rsp, rbp, rbx, r12, r13, r14,
// r15; and its stack from rsp up.
struct ThreadStack {
  int Tid = 0;
  uint64_t Regs[8] = {};
  std::string Bytes;
};

class StackUnwinder {
public:
  // Modules of process Pid (the executable's path empty: /proc/PID/exe).
  StackUnwinder(int Pid, std::vector<LoadedModule> Modules);
  ~StackUnwinder();

  // The return addresses of T's frames as far as they can be walked.
  std::vector<uint64_t> returnAddresses(const ThreadStack &T);

private:
  struct Module;
  Module *moduleOf(uint64_t Pc);

  std::vector<std::unique_ptr<Module>> Modules;
};

} // namespace hotc::jit
