// The agent's entry patcher on functions of this very process, while other
// threads call them.
#include "agent/entry_patcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <thread>
#include <vector>

extern "C" {
__attribute__((noinline)) int patch_me() { asm volatile(""); return 1; }
__attribute__((noinline)) int version_two() { asm volatile(""); return 2; }
__attribute__((noinline)) int version_three() { asm volatile(""); return 3; }
__attribute__((noinline)) int revert_me() { asm volatile(""); return 1; }
__attribute__((noinline)) int redo_me() { asm volatile(""); return 1; }
}

namespace {

using hotc::agent::EntryPatcher;
using hotc::agent::WorldStop;

int (*volatile Target)() = &patch_me;

uint64_t addr(int (*F)()) { return reinterpret_cast<uint64_t>(F); }

TEST(EntryPatcher, RepointsAnEntryWhileThreadsCallIt) {
  std::string Why;
  ASSERT_TRUE(WorldStop::installHandler(Why)) << Why;
  std::atomic<bool> Stop{false};
  std::atomic<long> Calls{0};
  std::vector<std::thread> Workers;
  for (int I = 0; I < 4; ++I)
    Workers.emplace_back([&] {
      while (!Stop) {
        int V = Target();
        ASSERT_TRUE(V >= 1 && V <= 3);
        ++Calls;
      }
    });
  EntryPatcher P;
  EXPECT_EQ(P.apply(1, {{addr(patch_me), addr(version_two), 64}}), "");
  EXPECT_EQ(Target(), 2);
  // The entry stays the stable home: a second patch re-points, no chain.
  for (int I = 0; I < 50; ++I) {
    EXPECT_EQ(P.apply(I + 2, {{addr(patch_me), addr(I % 2 ? version_two : version_three), 64}}), "");
  }
  EXPECT_EQ(Target(), 2);
  EXPECT_EQ(P.appliedCount(), 51u);
  long Before = Calls;
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_GT(Calls.load(), Before) << "workers stopped running";
  Stop = true;
  for (auto &W : Workers)
    W.join();
}

TEST(EntryPatcher, RefusesAFunctionTooSmallAndAppliesNothing) {
  std::string Why;
  ASSERT_TRUE(WorldStop::installHandler(Why));
  EntryPatcher P;
  std::string Err = P.apply(1, {{addr(version_three), addr(version_two), 64},
                             {addr(version_two), addr(version_three), 3}});
  EXPECT_NE(Err.find("too few"), std::string::npos) << Err;
  EXPECT_EQ(version_three(), 3) << "the first patch must not have been applied";
}

// What a crash in patched code triggers: every version from the one that
// crashed up is undone, newest first; an entry whose first patch is undone
// gets its own bytes back and can be patched again.
TEST(EntryPatcher, RevertPutsBackWhatEachVersionReplaced) {
  std::string Why;
  ASSERT_TRUE(WorldStop::installHandler(Why)) << Why;
  int (*volatile F)() = &revert_me;
  EntryPatcher P;
  uint64_t Reverted[8];
  size_t N = 0;
  ASSERT_EQ(P.apply(1, {{addr(revert_me), addr(version_two), 64}}), "");
  ASSERT_EQ(P.apply(2, {{addr(revert_me), addr(version_three), 64}}), "");
  EXPECT_EQ(F(), 3);
  EXPECT_EQ(P.revertFrom(2, Reverted, 8, N), "");
  ASSERT_EQ(N, 1u);
  EXPECT_EQ(Reverted[0], 2u);
  EXPECT_EQ(F(), 2);
  ASSERT_EQ(P.apply(3, {{addr(revert_me), addr(version_three), 64}}), "");
  EXPECT_EQ(F(), 3);
  EXPECT_EQ(P.revertFrom(1, Reverted, 8, N), "");
  ASSERT_EQ(N, 2u);
  EXPECT_EQ(Reverted[0], 3u);
  EXPECT_EQ(Reverted[1], 1u);
  EXPECT_EQ(F(), 1) << "the original entry is back";
  ASSERT_EQ(P.apply(4, {{addr(revert_me), addr(version_two), 64}}), "");
  EXPECT_EQ(F(), 2);
}

// `hotc undo` and `hotc redo`: undone versions come back exactly as they
// were applied, oldest first, until another version is applied.
TEST(EntryPatcher, RedoAppliesUndoneVersionsAgainInOrder) {
  std::string Why;
  ASSERT_TRUE(WorldStop::installHandler(Why)) << Why;
  int (*volatile F)() = &redo_me;
  EntryPatcher P;
  ASSERT_EQ(P.apply(1, {{addr(redo_me), addr(version_two), 64}}), "");
  ASSERT_EQ(P.apply(2, {{addr(redo_me), addr(version_three), 64}}), "");
  std::vector<uint64_t> Undone;
  ASSERT_EQ(P.undoFrom(1, Undone), "");
  EXPECT_EQ(Undone, (std::vector<uint64_t>{2, 1}));
  EXPECT_EQ(F(), 1);
  EXPECT_NE(P.redo(2), "") << "version 1 must come back first";
  EXPECT_EQ(F(), 1);
  ASSERT_EQ(P.redo(1), "");
  EXPECT_EQ(F(), 2);
  ASSERT_EQ(P.redo(2), "");
  EXPECT_EQ(F(), 3);
  EXPECT_NE(P.redo(2), "") << "it is not undone";
  ASSERT_EQ(P.undoFrom(2, Undone), "");
  EXPECT_EQ(Undone, (std::vector<uint64_t>{2}));
  EXPECT_EQ(F(), 2);
  ASSERT_EQ(P.apply(3, {{addr(redo_me), addr(version_three), 64}}), "");
  EXPECT_NE(P.redo(2), "") << "a new version drops the undone ones";
  EXPECT_EQ(F(), 3);
  ASSERT_EQ(P.undoFrom(1, Undone), "");
  EXPECT_EQ(Undone, (std::vector<uint64_t>{3, 1}));
  EXPECT_EQ(F(), 1);
}

// A stack overflow in patched code is handled on an alternate stack: every
// thread a world stop reaches keeps one after the stop (one set inside a
// signal handler is undone by sigreturn unless it goes into the frame).
TEST(WorldStop, LeavesEveryStoppedThreadWithAnAlternateStack) {
  std::string Why;
  ASSERT_TRUE(WorldStop::installHandler(Why)) << Why;
  std::atomic<int> Phase{0};
  stack_t Seen{};
  std::thread T([&] {
    while (Phase == 0)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    sigaltstack(nullptr, &Seen);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  WorldStop W;
  ASSERT_TRUE(W.stop(Why)) << Why;
  W.release();
  Phase = 1;
  T.join();
  EXPECT_FALSE(Seen.ss_flags & SS_DISABLE);
  EXPECT_GE(Seen.ss_size, 32u * 1024);
}

} // namespace
