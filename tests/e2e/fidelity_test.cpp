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

} // namespace
} // namespace hotc::e2e
