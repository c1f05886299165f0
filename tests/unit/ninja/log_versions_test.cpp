// Logs of another ninja version are refused before libninja sees them (it
// would delete them), and left byte for byte as they were.
#include "project_copy.h"

#include "ninja-integration/log_versions.h"
#include "ninja-integration/ninja_build.h"

#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>

namespace hotc::ninja::test {
namespace {

bool contains(const std::string &Text, const std::string &Part) {
  return Text.find(Part) != std::string::npos;
}

// The build log with its header line replaced by one of Version.
void setBuildLogVersion(const std::string &Path, int Version) {
  std::string Text = readFile(Path);
  size_t Newline = Text.find('\n');
  ASSERT_NE(Newline, std::string::npos);
  writeFile(Path,
            "# ninja log v" + std::to_string(Version) + Text.substr(Newline));
}

// The deps log with the 4-byte version after its signature replaced.
void setDepsLogVersion(const std::string &Path, int Version) {
  std::string Text = readFile(Path);
  const size_t SignatureLen = strlen("# ninjadeps\n");
  ASSERT_GE(Text.size(), SignatureLen + 4);
  ASSERT_EQ(Text.compare(0, SignatureLen, "# ninjadeps\n"), 0);
  memcpy(&Text[SignatureLen], &Version, 4);
  writeFile(Path, Text);
}

class LogVersions : public NinjaProjectTest {
protected:
  // load() and rebuild() both refuse, naming Log and both versions, and
  // leave its bytes as they were.
  void expectRefused(const std::string &Log, int Found, int Wanted) {
    std::string Bytes = readFile(Log);
    auto Loaded = NinjaBuild::load(P.Build);
    ASSERT_FALSE(bool(Loaded));
    std::string Message = llvm::toString(Loaded.takeError());
    EXPECT_TRUE(contains(Message, Log)) << Message;
    EXPECT_TRUE(contains(Message, "version " + std::to_string(Found)))
        << Message;
    EXPECT_TRUE(contains(Message, "version " + std::to_string(Wanted)))
        << Message;
    EXPECT_EQ(readFile(Log), Bytes);
  }

  // A build loaded while the logs were fine, then rebuilt after the log
  // changed version: refused too, nothing written.
  void expectRebuildRefused(const std::string &Log,
                            void (*SetVersion)(const std::string &, int),
                            int Found) {
    auto Loaded = NinjaBuild::load(P.Build);
    ASSERT_TRUE(bool(Loaded)) << llvm::toString(Loaded.takeError());
    std::string Source = P.source("app/greet.cpp");
    writeFile(Source, readFile(Source) + "// touched\n");
    SetVersion(Log, Found);
    std::string Bytes = readFile(Log);
    llvm::Error E = (*Loaded)->rebuild({P.output("app")});
    ASSERT_TRUE(bool(E));
    EXPECT_TRUE(contains(llvm::toString(std::move(E)), Log));
    EXPECT_EQ(readFile(Log), Bytes);
  }
};

TEST_F(LogVersions, BuildLogOfAnotherVersionIsRefusedAndLeftUntouched) {
  std::string Log = P.output(".ninja_log");
  int Other = buildLogVersion() + 1;
  setBuildLogVersion(Log, Other);
  expectRefused(Log, Other, buildLogVersion());
}

TEST_F(LogVersions, DepsLogOfAnotherVersionIsRefusedAndLeftUntouched) {
  std::string Log = P.output(".ninja_deps");
  int Other = depsLogVersion() - 1;
  setDepsLogVersion(Log, Other);
  expectRefused(Log, Other, depsLogVersion());
}

TEST_F(LogVersions, RebuildChecksTheLogsAgain) {
  expectRebuildRefused(P.output(".ninja_log"), setBuildLogVersion,
                       buildLogVersion() + 1);
}

TEST_F(LogVersions, RebuildChecksTheDepsLogAgain) {
  expectRebuildRefused(P.output(".ninja_deps"), setDepsLogVersion,
                       depsLogVersion() + 1);
}

TEST_F(LogVersions, LoadingWritesNothingEvenWhenNinjaIsMidRecord) {
  // An incomplete last record, as while `ninja` appends one: libninja cuts
  // it off the file it loads, which must be hotc's private copy.
  std::string Deps = P.output(".ninja_deps");
  writeFile(Deps, readFile(Deps) + std::string("\x10\x00\x00\x00"
                                               "abc",
                                               7));
  std::string DepsBytes = readFile(Deps);
  std::string LogBytes = readFile(P.output(".ninja_log"));
  auto Loaded = NinjaBuild::load(P.Build);
  ASSERT_TRUE(bool(Loaded)) << llvm::toString(Loaded.takeError());
  auto Edges =
      (*Loaded)->edgesAffectedBy(P.source("app/shared.h"), {P.output("app")});
  ASSERT_TRUE(bool(Edges)) << llvm::toString(Edges.takeError());
  EXPECT_FALSE(Edges->empty()) << "the complete records were read";
  EXPECT_EQ(readFile(Deps), DepsBytes);
  EXPECT_EQ(readFile(P.output(".ninja_log")), LogBytes);
}

// The header checks alone, on files that are not from a build.
class LogHeaders : public ::testing::Test {
protected:
  void SetUp() override {
    char Dir[] = "/tmp/hotc-ninja-logs-XXXXXX";
    ASSERT_TRUE(mkdtemp(Dir));
    this->Dir = Dir;
  }
  void TearDown() override { llvm::sys::fs::remove_directories(Dir); }
  std::string Dir;
};

TEST_F(LogHeaders, MissingAndEmptyLogsAreAccepted) {
  std::string Log = Dir + "/log";
  EXPECT_FALSE(bool(checkBuildLogVersion(Log, Log)));
  EXPECT_FALSE(bool(checkDepsLogVersion(Log, Log)));
  writeFile(Log, "");
  EXPECT_FALSE(bool(checkBuildLogVersion(Log, Log)));
  EXPECT_FALSE(bool(checkDepsLogVersion(Log, Log)));
}

TEST_F(LogHeaders, CurrentVersionsAreAccepted) {
  std::string Log = Dir + "/log";
  writeFile(Log, "# ninja log v" + std::to_string(buildLogVersion()) +
                     "\n1\t2\t3\tout\tabc\n");
  EXPECT_FALSE(bool(checkBuildLogVersion(Log, Log)));
  int32_t Version = depsLogVersion();
  std::string Deps = "# ninjadeps\n" + std::string(4, '\0');
  memcpy(&Deps[12], &Version, 4);
  writeFile(Log, Deps);
  EXPECT_FALSE(bool(checkDepsLogVersion(Log, Log)));
}

TEST_F(LogHeaders, OtherFilesAreRefusedByTheirShownName) {
  std::string Log = Dir + "/log";
  writeFile(Log, "not a log at all\n");
  llvm::Error E = checkBuildLogVersion(Log, "/shown/.ninja_log");
  ASSERT_TRUE(bool(E));
  EXPECT_TRUE(contains(llvm::toString(std::move(E)), "/shown/.ninja_log"));
  writeFile(Log, "# ninjadeps\n\x04");
  E = checkDepsLogVersion(Log, "/shown/.ninja_deps");
  ASSERT_TRUE(bool(E));
  EXPECT_TRUE(contains(llvm::toString(std::move(E)), "/shown/.ninja_deps"));
}

} // namespace
} // namespace hotc::ninja::test
