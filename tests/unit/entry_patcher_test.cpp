// The agent's entry patcher on functions of this very process, while other
// threads call them.
#include "agent/entry_patcher.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

extern "C" {
__attribute__((noinline)) int patch_me() { asm volatile(""); return 1; }
__attribute__((noinline)) int version_two() { asm volatile(""); return 2; }
__attribute__((noinline)) int version_three() { asm volatile(""); return 3; }
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
  EXPECT_EQ(P.apply({{addr(patch_me), addr(version_two), 64}}), "");
  EXPECT_EQ(Target(), 2);
  // The entry stays the stable home: a second patch re-points, no chain.
  for (int I = 0; I < 50; ++I) {
    EXPECT_EQ(P.apply({{addr(patch_me), addr(I % 2 ? version_two : version_three), 64}}), "");
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
  std::string Err = P.apply({{addr(version_three), addr(version_two), 64},
                             {addr(version_two), addr(version_three), 3}});
  EXPECT_NE(Err.find("too few"), std::string::npos) << Err;
  EXPECT_EQ(version_three(), 3) << "the first patch must not have been applied";
}

} // namespace
