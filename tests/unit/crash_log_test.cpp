// The crash log the agent writes (protocol::crashLogPath): read as it
// grows, a record complete once its outcome line has come.
#include "watch/crash_log.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <unistd.h>

namespace {

using hotc::driver::CrashLog;
using hotc::driver::CrashRecord;
using hotc::driver::parseCrashLine;

TEST(CrashLog, ParsesACrashAndItsRollback) {
  std::vector<CrashRecord> R;
  ASSERT_TRUE(parseCrashLine("crash 3 signal=11 code=1 address=0x0 tid=77 "
                             "version=2 frames=0x7f0010,0x401234,0x401000",
                             R));
  ASSERT_EQ(R.size(), 1u);
  EXPECT_FALSE(R[0].HasOutcome);
  EXPECT_EQ(R[0].Signal, 11);
  EXPECT_EQ(R[0].Tid, 77);
  EXPECT_EQ(R[0].Version, 2u);
  EXPECT_EQ(R[0].Frames, (std::vector<uint64_t>{0x7f0010, 0x401234, 0x401000}));
  ASSERT_TRUE(parseCrashLine("outcome 3 rolled-back left=0x7f0000 versions=4,2", R));
  ASSERT_EQ(R.size(), 1u);
  EXPECT_TRUE(R[0].HasOutcome);
  EXPECT_TRUE(R[0].RolledBack);
  EXPECT_EQ(R[0].Left, 0x7f0000u);
  EXPECT_EQ(R[0].Undone, (std::vector<unsigned>{4, 2}));
}

TEST(CrashLog, ParsesAReportWithItsReason) {
  std::vector<CrashRecord> R;
  ASSERT_TRUE(parseCrashLine("crash 1 signal=6 code=4294967290 address=0x0 tid=5 "
                             "version=1 frames=0x1",
                             R));
  EXPECT_EQ(R[0].Code, -6);
  ASSERT_TRUE(parseCrashLine("outcome 1 reported reason=the function does not "
                             "return its value in registers",
                             R));
  EXPECT_FALSE(R[0].RolledBack);
  EXPECT_EQ(R[0].Reason, "the function does not return its value in registers");
  EXPECT_FALSE(parseCrashLine("hello there", R));
}

// Lines are read as they are appended, a record is handed out once; one
// without outcome only when the process is gone.
TEST(CrashLog, HandsOutCompleteRecordsAsTheLogGrows) {
  char Dir[] = "/tmp/hotc-crashlog-XXXXXX";
  ASSERT_NE(mkdtemp(Dir), nullptr);
  setenv("HOTC_SOCKET_DIR", Dir, 1);
  std::string Path = std::string(Dir) + "/4242.crash";
  std::ofstream(Path) << "crash 1 signal=11 code=1 address=0x0 tid=1 version=1 frames=0x1\n"
                         "outcome 1 reported reason=old\n";
  auto Log = CrashLog::open(4242);
  ASSERT_TRUE(!!Log) << llvm::toString(Log.takeError());
  EXPECT_TRUE((*Log)->take().empty()) << "records from before open are not news";
  std::ofstream(Path, std::ios::app)
      << "crash 2 signal=8 code=1 address=0x10 tid=9 version=3 frames=0x2\n";
  EXPECT_TRUE((*Log)->take().empty()) << "no outcome yet";
  std::ofstream(Path, std::ios::app) << "outcome 2 rolled-back left=0x2 versions=3\n"
                                     << "crash 3 signal=6 code=4294967290 address=0x0 ";
  auto Got = (*Log)->take();
  ASSERT_EQ(Got.size(), 1u);
  EXPECT_EQ(Got[0].Seq, 2u);
  EXPECT_EQ(Got[0].Signal, 8);
  EXPECT_TRUE(Got[0].RolledBack);
  std::ofstream(Path, std::ios::app) << "tid=9 version=3 frames=0x3\n";
  EXPECT_TRUE((*Log)->take().empty());
  Got = (*Log)->take(/*ProcessGone=*/true);
  ASSERT_EQ(Got.size(), 1u);
  EXPECT_EQ(Got[0].Seq, 3u);
  EXPECT_FALSE(Got[0].HasOutcome);
  (*Log)->remove();
  EXPECT_NE(access(Path.c_str(), F_OK), 0);
  unsetenv("HOTC_SOCKET_DIR");
}

} // namespace
