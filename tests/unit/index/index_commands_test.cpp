// `hotc diff`, `hotc explain` and `hotc graph`, run as the user runs them,
// on a project with a compile_commands.json.
#include "index_fixture.h"

#include "llvm/Support/JSON.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

using namespace hotc::test;

namespace {

struct CommandRun {
  int Code;
  std::string Out;
};

CommandRun hotc(const std::string &Args) {
  std::string Cmd = std::string(HOTC_BINARY) + " " + Args + " 2>&1";
  FILE *P = popen(Cmd.c_str(), "r");
  std::string Out;
  char Buf[4096];
  while (size_t N = fread(Buf, 1, sizeof Buf, P))
    Out.append(Buf, N);
  int Status = pclose(P);
  return {WEXITSTATUS(Status), Out};
}

class IndexCommands : public ::testing::Test {
protected:
  void SetUp() override {
    P.write("geometry.h", "#pragma once\n\ninline int clamp(int v) { return v < 0 ? 0 : v; }\n");
    P.write("a.cpp", "#include \"geometry.h\"\nint render() { return clamp(-1); }\n");
    P.write("b.cpp", "#include \"geometry.h\"\nint frame() { return clamp(2); }\n"
                     "int legacy() { return 0; }\n");
    P.write("c.cpp", "int legacy();\nint caller() { return legacy(); }\n");
    std::filesystem::create_directory(P.path("build"));
    std::string Db = "[";
    for (const char *U : {"a.cpp", "b.cpp", "c.cpp"})
      Db += std::string(Db.size() > 1 ? "," : "") + "{\"directory\":\"" + P.Dir +
            "\",\"file\":\"" + P.path(U) + "\",\"arguments\":[\"c++\",\"-std=c++17\",\"-c\",\"" +
            P.path(U) + "\"]}";
    P.write("build/compile_commands.json", Db + "]");
    CommandRun First = hotc("diff -p " + P.path("build"));
    ASSERT_EQ(First.Code, 0) << First.Out;
    EXPECT_NE(First.Out.find("recorded the first analysis of 3 units"), std::string::npos)
        << First.Out;
  }
  IndexProject P;
};

TEST_F(IndexCommands, DiffNamesTheFunctionsAndWhy) {
  P.write("geometry.h", "#pragma once\n\ninline int clamp(int v) { return v < 1 ? 1 : v; }\n");
  CommandRun R = hotc("diff -p " + P.path("build"));
  ASSERT_EQ(R.Code, 0) << R.Out;
  EXPECT_NE(R.Out.find("render() — calls inline clamp() [edited] in geometry.h:3"),
            std::string::npos) << R.Out;
  EXPECT_NE(R.Out.find("frame() — calls inline clamp()"), std::string::npos) << R.Out;
  EXPECT_EQ(R.Out.find("caller()"), std::string::npos) << R.Out;
  // Without --update the baseline stays; with it the next diff is empty.
  EXPECT_EQ(hotc("diff -p " + P.path("build")).Out, R.Out);
  hotc("diff --update -p " + P.path("build"));
  EXPECT_NE(hotc("diff -p " + P.path("build")).Out.find("no form changed"), std::string::npos);
}

TEST_F(IndexCommands, DiffJsonAndRemovedFunction) {
  P.write("b.cpp", "#include \"geometry.h\"\nint frame() { return clamp(2); }\n");
  CommandRun R = hotc("diff --json -p " + P.path("build") + " " + P.path("b.cpp"));
  EXPECT_EQ(R.Code, 1) << R.Out;
  auto V = llvm::json::parse(R.Out);
  ASSERT_TRUE(bool(V)) << R.Out;
  const llvm::json::Array *Errors = V->getAsObject()->getArray("errors");
  ASSERT_NE(Errors, nullptr);
  ASSERT_EQ(Errors->size(), 1u);
  EXPECT_EQ((*Errors)[0].getAsObject()->getString("user"), "caller()");
  EXPECT_EQ((*Errors)[0].getAsObject()->getString("removed"), "legacy()");
}

TEST_F(IndexCommands, UnitLeavingTheBuildRemovesItsForms) {
  std::string Db = "[";
  for (const char *U : {"a.cpp", "c.cpp"})
    Db += std::string(Db.size() > 1 ? "," : "") + "{\"directory\":\"" + P.Dir +
          "\",\"file\":\"" + P.path(U) + "\",\"arguments\":[\"c++\",\"-c\",\"" +
          P.path(U) + "\"]}";
  P.write("build/compile_commands.json", Db + "]");
  CommandRun R = hotc("diff -p " + P.path("build"));
  EXPECT_EQ(R.Code, 1) << R.Out;
  EXPECT_NE(R.Out.find("removed  function  frame()"), std::string::npos) << R.Out;
  EXPECT_NE(R.Out.find("error: caller() uses legacy(), which was removed"), std::string::npos)
      << R.Out;
  EXPECT_EQ(R.Out.find("clamp()"), std::string::npos) << R.Out; // a.cpp still reads it
}

TEST_F(IndexCommands, ExplainAndGraph) {
  CommandRun E = hotc("explain -p " + P.path("build") + " render");
  ASSERT_EQ(E.Code, 0) << E.Out;
  EXPECT_NE(E.Out.find("call inline clamp()  geometry.h:3"), std::string::npos) << E.Out;
  EXPECT_EQ(E.Out.find("recompiled by the current edits"), std::string::npos) << E.Out;
  EXPECT_EQ(hotc("explain -p " + P.path("build") + " nosuch").Code, 1);
  P.write("geometry.h", "#pragma once\n\ninline int clamp(int v) { return v; }\n");
  E = hotc("explain -p " + P.path("build") + " render");
  EXPECT_NE(E.Out.find("recompiled by the current edits: render() — calls inline clamp() "
                       "[edited] in geometry.h:3"),
            std::string::npos) << E.Out;
  CommandRun G = hotc("graph --dot -p " + P.path("build") + " clamp");
  ASSERT_EQ(G.Code, 0) << G.Out;
  EXPECT_NE(G.Out.find("\"render()\" -> \"clamp()\" [label=call];"), std::string::npos) << G.Out;
  EXPECT_NE(G.Out.find("\"frame()\" -> \"clamp()\""), std::string::npos) << G.Out;
  EXPECT_EQ(G.Out.find("caller()"), std::string::npos) << G.Out;
}

} // namespace

namespace {

// In a unit built at -O2, the callers of an edited function are listed
// too: the optimiser may have inlined it into them.
TEST(IndexCommandsOptimised, DiffListsTheCallersThatMayHoldAnInlinedCopy) {
  IndexProject P;
  P.write("d.cpp", "static int w(int v) { return v + 1; }\n"
                   "int c1(int v) { return w(v) * 2; }\n"
                   "int c2(int v) { return c1(v) + 1; }\n");
  std::filesystem::create_directory(P.path("build"));
  P.write("build/compile_commands.json",
          "[{\"directory\":\"" + P.Dir + "\",\"file\":\"" + P.path("d.cpp") +
              "\",\"arguments\":[\"c++\",\"-O2\",\"-c\",\"" + P.path("d.cpp") + "\"]}]");
  ASSERT_EQ(hotc("diff -p " + P.path("build")).Code, 0);
  P.write("d.cpp", "static int w(int v) { return v + 2; }\n"
                   "int c1(int v) { return w(v) * 2; }\n"
                   "int c2(int v) { return c1(v) + 1; }\n");
  CommandRun R = hotc("diff -p " + P.path("build"));
  ASSERT_EQ(R.Code, 0) << R.Out;
  EXPECT_NE(R.Out.find("c2() — calls c1(), which calls w() [edited, may be "
                       "inlined here] in d.cpp:1"),
            std::string::npos)
      << R.Out;
}

} // namespace
