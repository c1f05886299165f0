// Safe points (agent/safe_point.h) in this very process: the job runs on
// the thread that calls hotreload_safe_point(), with that thread's
// registers as it called; a patch re-pointed there stops the other threads
// only to write an entry's first jump, never to re-point a trampoline; a
// job no thread takes in time never runs.
#include "agent/entry_patcher.h"
#include "agent/safe_point.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cerrno>
#include <ctime>
#include <thread>
#include <unistd.h>

extern "C" {
void hotreload_safe_point(void);
__attribute__((noinline)) int safe_base() { asm volatile(""); return 1; }
__attribute__((noinline)) int safe_two() { asm volatile(""); return 2; }
__attribute__((noinline)) int safe_three() { asm volatile(""); return 3; }
}

namespace {

using hotc::agent::EntryPatcher;
using hotc::agent::StoppedThread;
using hotc::agent::WorldStop;
namespace safe_point = hotc::agent::safe_point;

uint64_t addr(int (*F)()) { return reinterpret_cast<uint64_t>(F); }
int (*volatile Target)() = &safe_base;

// A thread calling hotreload_safe_point() in a loop, as a game's frame loop.
struct FrameLoop {
  std::atomic<bool> Stop{false};
  std::atomic<int> Tid{0};
  std::atomic<long> Values{0};
  std::thread T{[this] {
    Tid = static_cast<int>(gettid());
    while (!Stop) {
      Values += Target();
      hotreload_safe_point();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }};
  ~FrameLoop() {
    Stop = true;
    T.join();
  }
};

// A thread asleep that counts the sleeps a signal handler cut short. Long
// sleeps: a short one may end while its thread waits to run for the
// signal, and then it is not cut.
struct Sleeper {
  std::atomic<bool> Stop{false};
  std::atomic<long> Interrupted{0};
  std::thread T{[this] {
    while (!Stop) {
      timespec Left{0, 200 * 1000 * 1000};
      if (nanosleep(&Left, &Left) == -1 && errno == EINTR)
        ++Interrupted;
    }
  }};
  ~Sleeper() {
    Stop = true;
    T.join();
  }
};

TEST(SafePoint, RunsTheJobOnTheThreadAtTheSafePointWithItsRegisters) {
  FrameLoop Loop;
  StoppedThread Seen{};
  int RanOn = 0;
  ASSERT_TRUE(safe_point::run(
      [&](const StoppedThread &Self) {
        Seen = Self;
        RanOn = static_cast<int>(gettid());
      },
      5000));
  EXPECT_EQ(RanOn, Loop.Tid.load());
  EXPECT_EQ(Seen.tid, Loop.Tid.load());
  // The caller's stack pointer after the call returns (16-byte aligned by
  // the ABI at a call), and a return address right after a call rel32.
  EXPECT_EQ(Seen.sp % 16, 0u);
  EXPECT_EQ(*reinterpret_cast<const uint8_t *>(Seen.pc - 5), 0xE8);
  EXPECT_FALSE(Seen.agent);
}

TEST(SafePoint, AJobNoThreadTakesInTimeNeverRuns) {
  bool Ran = false;
  EXPECT_FALSE(safe_point::run([&](const StoppedThread &) { Ran = true; }, 50));
  FrameLoop Loop; // safe points from now on find nothing waiting
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(Ran);
}

TEST(SafePoint, StopsOtherThreadsOnlyForAnEntrysFirstJump) {
  std::string Why;
  ASSERT_TRUE(WorldStop::installHandler(Why)) << Why;
  Sleeper Asleep;
  FrameLoop Loop;
  EntryPatcher P;
  auto ApplyAtSafePoint = [&](uint64_t Version, int (*To)()) {
    std::string Err = "never ran";
    EXPECT_TRUE(safe_point::run(
        [&](const StoppedThread &Self) {
          Err = P.apply(Version, {{addr(safe_base), addr(To), 64}}, nullptr,
                        &Self);
        },
        5000));
    return Err;
  };
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  long Before = Asleep.Interrupted;
  // The first jump at the entry: the sleeper could be executing it.
  ASSERT_EQ(ApplyAtSafePoint(1, safe_two), "");
  EXPECT_EQ(Target(), 2);
  // Released threads count their cut sleep once they are back from the
  // handler and scheduled: give them the time (a loaded machine).
  for (int I = 0; I < 200 && Asleep.Interrupted == Before; ++I)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  long AfterFirst = Asleep.Interrupted;
  EXPECT_GT(AfterFirst, Before) << "the other threads were not stopped";
  // Later versions only store a new trampoline target: nobody is stopped.
  for (uint64_t V = 2; V < 11; ++V) // the last, 10, is safe_two
    ASSERT_EQ(ApplyAtSafePoint(V, V % 2 ? safe_three : safe_two), "");
  EXPECT_EQ(Target(), 2);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(Asleep.Interrupted.load(), AfterFirst);
}

} // namespace
