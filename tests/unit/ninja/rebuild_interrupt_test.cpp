// A BuildInterrupt stops NinjaBuild::rebuild() from another thread, as
// Ctrl-C stops `ninja`: the command running is killed, what it did not
// finish stays dirty for the system ninja, and the next rebuild runs it.
#include "project_copy.h"

#include "ninja-integration/build_interrupt.h"
#include "ninja-integration/ninja_build.h"

#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <thread>

namespace hotc::ninja::test {
namespace {

// A build directory of one slow edge: its command writes its shell's pid,
// sleeps, then writes `out`. MARK makes it fast, for the build after.
class RebuildInterrupt : public ::testing::Test {
protected:
  void SetUp() override {
    llvm::sys::fs::create_directories(HOTC_TEST_WORK);
    Dir = HOTC_TEST_WORK "/interrupt-XXXXXX";
    ASSERT_TRUE(mkdtemp(Dir.data()));
    writeFile(Dir + "/build.ninja",
              "rule slow\n"
              "  command = echo $$$$ > pid; test -e fast || sleep 60; "
              "touch $out\n"
              "build out: slow\n");
  }
  void TearDown() override {
    if (!HasFailure())
      llvm::sys::fs::remove_directories(Dir);
  }

  std::unique_ptr<NinjaBuild> load() {
    auto B = NinjaBuild::load(Dir);
    EXPECT_TRUE(bool(B)) << llvm::toString(B.takeError());
    return B ? std::move(*B) : nullptr;
  }
  bool exists(const std::string &Name) {
    return llvm::sys::fs::exists(Dir + "/" + Name);
  }
  // The pid the command wrote, once it runs.
  int commandPid() {
    for (int I = 0; I < 1000 && readFile(Dir + "/pid").empty(); ++I)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    return atoi(readFile(Dir + "/pid").c_str());
  }
  bool upToDate() { return ninjaUpToDate(ProjectCopy{Dir, Dir}); }

  std::string Dir;
};

TEST_F(RebuildInterrupt, ARequestKillsTheRunningCommand) {
  auto Build = load();
  ASSERT_TRUE(Build);
  BuildInterrupt Interrupt;
  llvm::Error Result = llvm::Error::success();
  std::thread Builder([&] {
    llvm::cantFail(std::move(Result));
    Result = Build->rebuild({Dir + "/out"}, nullptr, &Interrupt);
  });
  int Pid = commandPid();
  ASSERT_GT(Pid, 0) << "the command did not start";
  ASSERT_EQ(kill(Pid, 0), 0) << "the command must still be sleeping";
  Interrupt.request();
  Builder.join(); // without the request: 60 s, then a successful build
  EXPECT_NE(kill(Pid, 0), 0) << "the command is still running";
  EXPECT_EQ(errno, ESRCH);
  ASSERT_TRUE(bool(Result));
  EXPECT_TRUE(Result.isA<BuildInterrupted>());
  llvm::consumeError(std::move(Result));
  EXPECT_FALSE(exists("out"));
  EXPECT_FALSE(upToDate()) << "ninja must run the stopped edge again";

  // The next rebuild, not interrupted, runs it to its end.
  writeFile(Dir + "/fast", "");
  Interrupt.clear();
  llvm::Error Again = Build->rebuild({Dir + "/out"}, nullptr, &Interrupt);
  ASSERT_FALSE(bool(Again)) << llvm::toString(std::move(Again));
  EXPECT_TRUE(exists("out"));
  EXPECT_TRUE(upToDate());
}

TEST_F(RebuildInterrupt, ARequestBeforeTheBuildStartsNoCommand) {
  auto Build = load();
  ASSERT_TRUE(Build);
  BuildInterrupt Interrupt;
  Interrupt.request();
  llvm::Error Result = Build->rebuild({Dir + "/out"}, nullptr, &Interrupt);
  ASSERT_TRUE(bool(Result));
  EXPECT_TRUE(Result.isA<BuildInterrupted>());
  llvm::consumeError(std::move(Result));
  EXPECT_FALSE(exists("pid")) << "a command ran";
  EXPECT_FALSE(upToDate());
}

} // namespace
} // namespace hotc::ninja::test
