// End-to-end: patches bound to the process's real state, and only to it.
#include "live_session.h"

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

} // namespace
} // namespace hotc::e2e
