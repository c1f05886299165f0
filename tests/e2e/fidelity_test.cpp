// End-to-end: patches bound to the process's real state, and only to it.
#include "live_session.h"

#include <thread>

namespace hotc::e2e {
namespace {

// A function's constant table of its own label addresses (lua's dispatch
// table) belongs to each version of the function: bound to the live one,
// or to an earlier patch's, the new code would jump into old code.
TEST(Fidelity, DispatchTableOfLabelAddressesIsEachVersionsOwn) {
  FixtureSession S("dispatch_app", testName(), "RelWithDebInfo");
  ASSERT_TRUE(S.Hotc.waitEvent("ready")) << S.Hotc.history();
  // ((3 + 10) * 2) + 10
  ASSERT_TRUE(S.Log.waitFor([](auto &L) { return L.at("result") == "36"; }));

  S.Project.edit("interp.c", "x += 10;", "x += 100;");
  ASSERT_TRUE(S.Hotc.waitEvent("patched")) << S.Hotc.history();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) { return L.at("result") == "306"; }))
      << S.Hotc.history();

  // The second version must not run the first one's handlers.
  S.Project.edit("interp.c", "x *= 2;", "x *= 3;");
  ASSERT_TRUE(S.Hotc.waitEvent("patched")) << S.Hotc.history();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) { return L.at("result") == "409"; }))
      << S.Hotc.history();
  EXPECT_FALSE(S.Hotc.waitEvent("exited", 1s)) << S.Hotc.history();
}

// A lambda of an ordinary function in a GCC build is {lambda()#1} (UlvE_)
// in the process but $_0 in Clang's patch: bound by where it is written
// (jit/closure_names.h), the std::function and the function pointer taken
// before the patch reach the edited code.
void expectHeldLambdasTakeTheEdit(const char *BuildType) {
  FixtureSession S("lambda_app", testName(), BuildType);
  ASSERT_TRUE(S.Hotc.waitEvent("ready")) << S.Hotc.history();
  ASSERT_TRUE(S.Log.waitStarted());
  S.Project.edit("make.cpp", "return 1; }", "return 2; }");
  auto P = S.Hotc.waitEvent("patched|error");
  ASSERT_TRUE(P && P->getString("event") == "patched") << S.Hotc.history();
  EXPECT_TRUE(strings(*P, "warnings").empty()) << S.Hotc.history();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) { return L.at("f") == "2"; }))
      << S.Hotc.history();
  S.Project.edit("make.cpp", "return 10; }", "return 20; }");
  EXPECT_TRUE(S.Log.waitFor([](auto &L) {
    return L.at("f") == "2" && L.at("p") == "20";
  })) << S.Hotc.history();
}

TEST(Fidelity, GccLambdaHeldByStdFunctionAndPointerTakesTheEdit) {
  expectHeldLambdasTakeTheEdit("Debug");
}

// At -O2 GCC compiled each lambda's body into the std::function's invoker
// and the function pointer's `_FUN`, with no copy of its own: those
// holders are relinked.
TEST(Fidelity, GccO2LambdaInlinedIntoItsHoldersTakesTheEdit) {
  expectHeldLambdasTakeTheEdit("RelWithDebInfo");
}

// The binary's DWARF has the lambdas where the build's text has them: a
// first edit that moves them down (a function added above) and a second
// that edits one again still reach the held lambdas.
TEST(Fidelity, GccLambdaMovedByAnEarlierEditStillTakesTheNextEdit) {
  FixtureSession S("lambda_app", testName());
  ASSERT_TRUE(S.Hotc.waitEvent("ready")) << S.Hotc.history();
  ASSERT_TRUE(S.Log.waitStarted());
  S.Project.edit("make.cpp", "std::function<int()> make() {",
                 "static int two() { return 2; }\n\nstd::function<int()> make() {");
  S.Project.edit("make.cpp", "return 1; }", "return two(); }");
  ASSERT_TRUE(S.Log.waitFor([](auto &L) { return L.at("f") == "2"; })) << S.Hotc.history();
  S.Project.edit("make.cpp", "return two(); }", "return two() + 1; }");
  auto P = S.Hotc.waitEvent("patched|error");
  ASSERT_TRUE(P && P->getString("event") == "patched") << S.Hotc.history();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) { return L.at("f") == "3"; })) << S.Hotc.history();
}

// Where the edit moved the lambda's own line, hotc cannot tell which of
// the binary's lambdas it is: the patch says precisely that the process
// keeps the old lambda, and nothing else changes.
TEST(Fidelity, GccLambdaWhoseLineTheEditRewroteIsWarnedAboutNotLinked) {
  FixtureSession S("lambda_app", testName());
  ASSERT_TRUE(S.Hotc.waitEvent("ready")) << S.Hotc.history();
  ASSERT_TRUE(S.Log.waitStarted());
  S.Project.edit("make.cpp", "  return [] { return 1; };",
                 "  return [] {\n    return 2;\n  };");
  auto P = S.Hotc.waitEvent("patched|error");
  ASSERT_TRUE(P && P->getString("event") == "patched") << S.Hotc.history();
  bool Warned = false;
  for (const std::string &W : strings(*P, "warnings"))
    Warned |= W.find("make()::$_0::operator()() const changed, but it is a "
                     "lambda that Clang names `$_N`") != std::string::npos &&
              W.find("the process keeps running the old lambda") !=
                  std::string::npos;
  EXPECT_TRUE(Warned) << S.Hotc.history();
  std::this_thread::sleep_for(200ms);
  auto L = S.Log.last();
  ASSERT_TRUE(L);
  EXPECT_EQ(L->at("f"), "1");
  EXPECT_EQ(L->at("p"), "10");
}

// The same program built with Clang: its lambdas have the patch's names,
// and the std::function and the function pointer taken before the patch
// reach the edited code (through the re-pointed operator()).
TEST(Fidelity, ClangLambdaHeldByStdFunctionAndPointerTakesTheEdit) {
  FixtureProject P = FixtureProject::build("lambda_app", testName(), "Debug",
                                           "-DCMAKE_CXX_COMPILER=clang++-19");
  AppLog Log(P.path("app.log"));
  HotcProcess Hotc({"watch", "-p", P.BuildDir, "--json", "--exec",
                    P.BuildDir + "/lambda_app", P.path("app.log")},
                   P.Dir);
  ASSERT_TRUE(Hotc.waitEvent("ready")) << Hotc.history();
  ASSERT_TRUE(Log.waitStarted());
  P.edit("make.cpp", "return 1; }", "return 2; }");
  P.edit("make.cpp", "return 10; }", "return 20; }");
  EXPECT_TRUE(Log.waitFor([](auto &L) {
    return L.at("f") == "2" && L.at("p") == "20";
  })) << Hotc.history();
}

// Same-named statics of a function are numbered in source order (n, n_0):
// a block declaring a new `n` above the live one shifts its name. Bound
// by where each is written (jit/static_positions.h), through three edits:
// the live counter keeps counting, the new one starts from its initialiser
// and is itself kept by the next edit, and removing the block leaves the
// live counter alone. Both count each tick, so inner - n stays the same.
void expectSameNamedStaticsFollowTheirLines(const char *BuildType) {
  FixtureSession S("statics_app", testName(), BuildType);
  ASSERT_TRUE(S.Hotc.waitEvent("ready")) << S.Hotc.history();
  auto number = [](const AppLog::Line &L, const char *Key) { return std::stoi(L.at(Key)); };
  auto Before = S.Log.waitFor([](auto &L) { return std::stoi(L.at("n")) > 20; });
  ASSERT_TRUE(Before);

  S.Project.edit("count.cpp", "  int inner = 0;\n",
                 "  int inner = 0;\n  {\n    static int n = 1000;\n    inner = ++n;\n  }\n");
  auto P = S.Hotc.waitEvent("patched|error");
  ASSERT_TRUE(P && P->getString("event") == "patched") << S.Hotc.history();
  auto First = S.Log.waitFor([](auto &L) { return L.at("inner") != "0"; });
  ASSERT_TRUE(First) << S.Hotc.history();
  EXPECT_GT(number(*First, "n"), number(*Before, "n")) << "the live counter started again";
  EXPECT_LT(number(*First, "inner"), 1000 + 200) << "the new static took a live value";
  int Gap = number(*First, "inner") - number(*First, "n");

  S.Project.edit("count.cpp", "n=%d inner=%d", "n=%d inner=%d v=2");
  P = S.Hotc.waitEvent("patched|error");
  ASSERT_TRUE(P && P->getString("event") == "patched") << S.Hotc.history();
  auto Second = S.Log.waitFor([](auto &L) { return L.count("v"); });
  ASSERT_TRUE(Second) << S.Hotc.history();
  EXPECT_GT(number(*Second, "n"), number(*First, "n"));
  EXPECT_EQ(number(*Second, "inner") - number(*Second, "n"), Gap)
      << "a static of the second edit is not the one of the first";

  S.Project.edit("count.cpp", "  {\n    static int n = 1000;\n    inner = ++n;\n  }\n", "");
  P = S.Hotc.waitEvent("patched|error");
  ASSERT_TRUE(P && P->getString("event") == "patched") << S.Hotc.history();
  auto Third = S.Log.waitFor([](auto &L) { return L.at("inner") == "0"; });
  ASSERT_TRUE(Third) << S.Hotc.history();
  EXPECT_GT(number(*Third, "n"), number(*Second, "n"));
}

TEST(Fidelity, GccSameNamedStaticsFollowTheirLinesThroughEdits) {
  expectSameNamedStaticsFollowTheirLines("Debug");
}

TEST(Fidelity, GccO2SameNamedStaticsFollowTheirLinesThroughEdits) {
  expectSameNamedStaticsFollowTheirLines("RelWithDebInfo");
}

// A GCC build's unit whose Clang view differs is patched by GCC, which
// binds statics by its own numbering: an edit that renumbers same-named
// statics is refused, the live counter untouched; one that does not is
// patched.
TEST(Fidelity, GccCompiledPatchThatRenumbersStaticsIsRefused) {
  FixtureSession S("statics_app", testName());
  ASSERT_TRUE(S.Hotc.waitEvent("ready")) << S.Hotc.history();
  auto Before = S.Log.waitFor([](auto &L) { return std::stoi(L.at("m")) > 5; });
  ASSERT_TRUE(Before);
  ASSERT_EQ(Before->at("by"), "gcc");
  S.Project.edit("compat.cpp", "  static int m;\n",
                 "  {\n    static int m = 100;\n    (void)m;\n  }\n  static int m;\n");
  auto E = S.Hotc.waitEvent("patched|error");
  ASSERT_TRUE(E && E->getString("event") == "error") << S.Hotc.history();
  EXPECT_EQ(E->getString("kind"), "compiler") << S.Hotc.history();
  EXPECT_NE(E->getString("message").value_or("").find(
                "the edit renumbers the statics named step_compat(char*, unsigned int)::m"),
            std::string::npos)
      << S.Hotc.history();
  auto After = S.Log.waitFor([](auto &) { return true; });
  ASSERT_TRUE(After);
  EXPECT_GT(std::stoi(After->at("m")), std::stoi(Before->at("m")));

  S.Project.edit("compat.cpp", "  {\n    static int m = 100;\n    (void)m;\n  }\n", "");
  S.Project.edit("compat.cpp", "m=%d by=%s", "m=%d by=%s v=2");
  auto P = S.Hotc.waitEvent("patched|error");
  ASSERT_TRUE(P && P->getString("event") == "patched") << S.Hotc.history();
  auto Patched = S.Log.waitFor([](auto &L) { return L.count("v"); });
  ASSERT_TRUE(Patched) << S.Hotc.history();
  EXPECT_GT(std::stoi(Patched->at("m")), std::stoi(After->at("m")));
}

// GCC numbers a C unit's statics of one name across the unit (n.0, n.1):
// a function added with its own static `n` may take the live `n.0`. A
// patch GCC compiles is bound by identity (jit/build_compiler_statics.h):
// the live counter keeps counting, the new static starts from its
// initialiser and the next edit keeps it. Both count each tick.
TEST(Fidelity, GccCompiledCStaticsAreBoundByIdentityThroughEdits) {
  FixtureSession S("statics_app", testName());
  ASSERT_TRUE(S.Hotc.waitEvent("ready")) << S.Hotc.history();
  auto number = [](const AppLog::Line &L, const char *Key) { return std::stoi(L.at(Key)); };
  auto Before = S.Log.waitFor([](auto &L) { return std::stoi(L.at("t")) > 20; });
  ASSERT_TRUE(Before);
  ASSERT_EQ(Before->at("tby"), "gcc");
  S.Project.edit("tally.c", "void step_tally", "static int more(void);\nvoid step_tally");
  S.Project.edit("tally.c", "int extra = 0;", "int extra = more();");
  S.Project.edit("tally.c", "TALLY_BY);\n}\n",
                 "TALLY_BY);\n}\nstatic int more(void) {\n  static int n = 1000;\n"
                 "  return ++n;\n}\n");
  auto First = S.Log.waitFor([](auto &L) { return L.at("extra") != "0"; });
  ASSERT_TRUE(First) << S.Hotc.history();
  EXPECT_GT(number(*First, "t"), number(*Before, "t")) << "the live counter started again";
  EXPECT_LT(number(*First, "extra"), 1000 + 200) << "the new static took a live value";
  int Gap = number(*First, "extra") - number(*First, "t");

  // The edit reaches more() too: its static is linked again.
  S.Project.edit("tally.c", "  return ++n;\n", "  n += 1;\n  return n;\n");
  S.Project.edit("tally.c", "tby=%s\"", "tby=%s v=2\"");
  auto Second = S.Log.waitFor([](auto &L) { return L.count("v"); });
  ASSERT_TRUE(Second) << S.Hotc.history();
  EXPECT_GT(number(*Second, "t"), number(*First, "t"));
  EXPECT_EQ(number(*Second, "extra") - number(*Second, "t"), Gap)
      << "a static of the second edit is not the one of the first";
  EXPECT_NE(S.Hotc.history().find("build_compiled\":[\""), std::string::npos)
      << "not compiled by GCC: " << S.Hotc.history();
}

} // namespace
} // namespace hotc::e2e
