// Threads that keep running the code a patch replaces: a thread whose
// program counter, or a return address of one of its frames, lies in a
// function's old code goes on running that code until the function returns
// (a loop in main, a thread's run loop). The patch still applies; hotc warns
// about each such thread by name (the control issue: "warnings when an edit
// will not take effect").
//
// While the world is stopped, each thread's stack (from its stack pointer
// up) is scanned for words that point into old code. A word found there is
// only a candidate: a function that returned leaves its return addresses
// in dead stack slots. So the agent copies the stack of each thread with a
// candidate (up to the highest one) with the registers an unwinder needs,
// and hotc walks its frames with the binaries' call frame information
// (jit/stack_unwind.h): only return addresses of real frames count.
#pragma once

#include "agent/world_stop.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hotc::agent {

struct OldCode {
  uint64_t Start, End; // [Start, End): code of the function before the patch
  uint64_t Entry;      // the entry being re-pointed
};

// A thread whose program counter is in old code: certainly still there.
struct OldCodeFrame {
  int Tid;
  uint64_t Entry;
};

// A thread with candidates: its registers (rip, rsp, then StoppedThread's
// saved ones) and its stack from rsp up to the highest candidate.
struct ThreadStack {
  int Tid;
  uint64_t Regs[8];
  size_t Offset, Length; // into OldCodeScan::bytes()
};

class OldCodeScan {
public:
  // Before the world stops: the ranges, this process's mappings (to bound
  // each stack), room for the findings. Whole: for freeing code rather than
  // warning about it, every word of each thread's whole stack counts (a
  // candidate is a finding, nothing is copied) and so does a program
  // counter at a range's first byte.
  void prepare(std::vector<OldCode> Ranges, bool Whole = false);
  // While the world is stopped: allocates nothing.
  void scan(const WorldStop &Stop);
  // One thread: a stopped one, or the caller itself at a safe point (its
  // registers as it called hotreload_safe_point, agent/safe_point.h).
  void scanThread(const StoppedThread &T);
  const std::vector<OldCode> &ranges() const { return Ranges; }
  const std::vector<OldCodeFrame> &found() const { return Found; }
  const std::vector<ThreadStack> &stacks() const { return Stacks; }
  const std::vector<char> &bytes() const { return Bytes; }

private:
  struct Mapping {
    uint64_t Start, End;
  };
  const OldCode *rangeOf(uint64_t Address) const;
  void note(int Tid, uint64_t Entry);
  void copyStack(const StoppedThread &T, uint64_t Highest);

  std::vector<OldCode> Ranges;
  bool Whole = false;
  std::vector<Mapping> Maps; // readable ones, sorted
  std::vector<OldCodeFrame> Found;
  std::vector<ThreadStack> Stacks;
  std::vector<char> Bytes;   // reserved: never reallocates while stopped
  std::vector<char> Scratch; // one chunk of a stack being scanned
};

} // namespace hotc::agent
