// Inline sites read from the DWARF of binaries that clang++-19 really
// builds: which concrete functions hold a copy of an inlined one.
#include "analysis/inline_sites.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdlib.h>
#include <string>
#include <vector>

using namespace hotc;
using Names = std::vector<std::string>;

namespace {

const char *kClang = "/usr/bin/clang++-19";

// The volatile stores keep each inlined body's instructions apart: when the
// optimiser folds an inlined body into its caller's arithmetic, no
// DW_TAG_inlined_subroutine is left for it. g, h and usec stay out of line
// (external); main inlines h (which inlines g, which inlined f) and usec.
const char *kSource = R"(volatile int sink;
static int f(int x) { sink = x; return x * 3 + 1; }
int g(int x) { sink = 2; return f(x) + 2; }
int h(int x) { sink = 3; return g(x) * 2; }
extern "C" int cf(int x) { sink = x; return x ^ 5; }
int usec(int x) { sink = 1; return cf(x) + 7; }
int main() { volatile int v = 4; return h(v) + g(v) + usec(v); }
)";

class InlineSites : public testing::Test {
protected:
  void SetUp() override {
    ASSERT_TRUE(std::filesystem::exists(kClang)) << kClang << " is needed";
    char T[] = "/tmp/hotc-inline-XXXXXX";
    ASSERT_NE(mkdtemp(T), nullptr);
    Dir = T;
    std::ofstream(Dir + "/a.cpp") << kSource;
  }
  void TearDown() override { std::filesystem::remove_all(Dir); }

  // Builds a.cpp with Flags and reads the executable's inline sites.
  index::InlineSites build(const std::string &Flags) {
    std::string Exe = Dir + "/a.out";
    std::string Cmd = std::string(kClang) + " " + Flags + " -o '" + Exe +
                      "' '" + Dir + "/a.cpp'";
    EXPECT_EQ(std::system(Cmd.c_str()), 0) << Cmd;
    auto R = index::readInlineSites(Exe);
    if (!R) {
      ADD_FAILURE() << llvm::toString(R.takeError());
      return {};
    }
    return std::move(*R);
  }

  std::string Dir;
};

TEST_F(InlineSites, OptimisedBuildNamesEveryHolderOfACopy) {
  index::InlineSites S = build("-O2 -g");
  EXPECT_TRUE(S.HasDebugInfo);
  // h holds f through its inlined g; main through h and g, twice.
  EXPECT_EQ(S.callersOf("_ZL1fi").vec(), (Names{"_Z1gi", "_Z1hi", "main"}));
  EXPECT_EQ(S.callersOf("_Z1gi").vec(), (Names{"_Z1hi", "main"}));
  EXPECT_EQ(S.callersOf("_Z1hi").vec(), (Names{"main"}));
  EXPECT_TRUE(S.callersOf("main").empty());
}

TEST_F(InlineSites, UnoptimisedBuildInlinesNothing) {
  index::InlineSites S = build("-O0 -g");
  EXPECT_TRUE(S.HasDebugInfo);
  EXPECT_TRUE(S.callersOf("_ZL1fi").empty());
  EXPECT_TRUE(S.CallersOf.empty());
}

TEST_F(InlineSites, NoDebugInfoIsNotAnError) {
  index::InlineSites S = build("-O2");
  EXPECT_FALSE(S.HasDebugInfo);
  EXPECT_TRUE(S.CallersOf.empty());
}

TEST_F(InlineSites, MissingFileNamesThePath) {
  std::string Path = Dir + "/no-such-binary";
  auto R = index::readInlineSites(Path);
  ASSERT_FALSE(R);
  EXPECT_NE(llvm::toString(R.takeError()).find(Path), std::string::npos);
}

TEST_F(InlineSites, CFunctionIsKeyedByItsPlainName) {
  index::InlineSites S = build("-O2 -g");
  // cf has no DW_AT_linkage_name, only DW_AT_name.
  EXPECT_EQ(S.callersOf("cf").vec(), (Names{"_Z4useci", "main"}));
}

} // namespace
