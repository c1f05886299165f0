// Warnings when an edit will not take effect (the control issue): a patch of
// a function some thread never leaves (the loop in main, a worker's run
// loop) applies, and the `patched` event names each such thread. debug_app
// (GCC, -O0 -g) runs both loops.
#include "live_session.h"

namespace hotc::e2e {
namespace {

bool hasWarning(const llvm::json::Object &P, const std::string &A,
                const std::string &B) {
  for (const std::string &W : strings(P, "warnings"))
    if (W.find(A) != std::string::npos && W.find(B) != std::string::npos)
      return true;
  return false;
}

TEST(OldCode, LoopsThatNeverReturnAreNamedWithTheirThreads) {
  FixtureSession S("debug_app", testName());
  ASSERT_TRUE(S.Hotc.waitEvent("ready")) << S.Hotc.history();
  ASSERT_TRUE(S.Log.waitStarted());
  // A function that returns takes its edit: no warning.
  S.Project.edit("step.cpp", "  return base;\n", "  return base + 4;\n");
  auto P = S.Hotc.waitEvent("patched|error");
  ASSERT_TRUE(P && P->getString("event") == "patched") << S.Hotc.history();
  EXPECT_TRUE(strings(*P, "warnings").empty()) << S.Hotc.history();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) { return L.at("value") == "5"; }));
  // The loop in main, and the worker's run loop, never return.
  S.Project.edit("main.cpp", "int V = step(static_cast<int>(Tick));",
                 "int V = step(static_cast<int>(Tick)) + 0;");
  P = S.Hotc.waitEvent("patched|error");
  ASSERT_TRUE(P && P->getString("event") == "patched") << S.Hotc.history();
  EXPECT_TRUE(hasWarning(*P, "main() is running on the main thread (tid ",
                         "keeps its old code until it returns"))
      << S.Hotc.history();
  S.Project.edit("step.cpp", "WorkerTicks = WorkerTicks + 1;",
                 "WorkerTicks = WorkerTicks + 2;");
  P = S.Hotc.waitEvent("patched|error");
  ASSERT_TRUE(P && P->getString("event") == "patched") << S.Hotc.history();
  EXPECT_TRUE(hasWarning(*P, "worker_loop(void*) is running on thread ",
                         "(debug_app)"))
      << S.Hotc.history();
}

} // namespace
} // namespace hotc::e2e
