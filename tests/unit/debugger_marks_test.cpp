// A debugger's int3 at an entry: found by comparing with the binary's file
// (agent/debugger_marks), and never written over by the entry patcher.
#include "agent/debugger_marks.h"
#include "agent/entry_patcher.h"

#include <gtest/gtest.h>

#include <cstring>
#include <sys/mman.h>
#include <unistd.h>

extern "C" {
__attribute__((noinline)) int marked_entry() { asm volatile(""); return 1; }
__attribute__((noinline)) int marked_patched() { asm volatile(""); return 1; }
__attribute__((noinline)) int marked_target() { asm volatile(""); return 2; }
}

namespace {

uint64_t addr(int (*F)()) { return reinterpret_cast<uint64_t>(F); }

// Writes one byte into this process's code, as gdb does with PTRACE_POKE.
uint8_t poke(uint64_t At, uint8_t Byte) {
  uint64_t Page = At & ~(uint64_t(sysconf(_SC_PAGESIZE)) - 1);
  EXPECT_EQ(mprotect(reinterpret_cast<void *>(Page), 2 * sysconf(_SC_PAGESIZE),
                     PROT_READ | PROT_WRITE | PROT_EXEC), 0);
  uint8_t Was;
  memcpy(&Was, reinterpret_cast<void *>(At), 1);
  memcpy(reinterpret_cast<void *>(At), &Byte, 1);
  mprotect(reinterpret_cast<void *>(Page), 2 * sysconf(_SC_PAGESIZE),
           PROT_READ | PROT_EXEC);
  return Was;
}

TEST(DebuggerMarks, AnInt3AtAnEntryDiffersFromTheFile) {
  uint64_t Entry = addr(marked_entry);
  EXPECT_EQ(hotc::agent::debuggerMarkIn(Entry, 5), "");
  uint8_t Was = poke(Entry + 2, 0xCC);
  std::string Why = hotc::agent::debuggerMarkIn(Entry, 5);
  poke(Entry + 2, Was);
  EXPECT_NE(Why.find("int3 at +2"), std::string::npos) << Why;
  EXPECT_EQ(hotc::agent::debuggerMarkIn(Entry, 5), "");
  // Memory no file backs (JIT code, the stack) gives no evidence.
  uint8_t OnStack[8] = {0xCC, 0xCC, 0xCC, 0xCC, 0xCC};
  EXPECT_EQ(hotc::agent::debuggerMarkIn(reinterpret_cast<uint64_t>(OnStack), 5), "");
}

// An undo writes the original bytes back over the jump: if the jump is no
// longer there (a breakpoint set on it since), nothing is written.
TEST(DebuggerMarks, EntryBytesChangedSinceThePatchAreNotOverwritten) {
  std::string Why;
  ASSERT_TRUE(hotc::agent::WorldStop::installHandler(Why)) << Why;
  hotc::agent::EntryPatcher P;
  uint64_t Entry = addr(marked_patched);
  ASSERT_EQ(P.apply(1, {{Entry, addr(marked_target), 64}}), "");
  int (*volatile F)() = &marked_patched;
  EXPECT_EQ(F(), 2);
  uint8_t Was = poke(Entry, 0xCC);
  std::vector<uint64_t> Undone;
  std::string Err = P.undoFrom(1, Undone);
  EXPECT_NE(Err.find("no longer what the agent left there"), std::string::npos) << Err;
  EXPECT_TRUE(Undone.empty());
  uint8_t Now;
  memcpy(&Now, reinterpret_cast<void *>(Entry), 1);
  EXPECT_EQ(Now, 0xCC) << "the breakpoint's byte was overwritten";
  poke(Entry, Was); // the debugger removes its breakpoint
  EXPECT_EQ(P.undoFrom(1, Undone), "");
  EXPECT_EQ(F(), 1);
}

} // namespace
