// End-to-end: an optimised build, where the optimiser inlined the edited
// function into its caller. The caller's own code did not change, yet it
// holds the old body: hotc must relink it too. With -g (RelWithDebInfo)
// the executable's DWARF is read; without (Release) the static graph alone
// names the callers.
#include "live_session.h"

#include <algorithm>

namespace hotc::e2e {
namespace {

class OptimisedBuild : public ::testing::TestWithParam<std::string> {
protected:
  // inline_app built as GetParam() says, under hotc watch.
  struct Session : FixtureSession {
    explicit Session(const std::string &BuildType)
        : FixtureSession("inline_app",
                         testName().substr(0, testName().find('/')) + "-" +
                             BuildType,
                         BuildType) {}
  };

  static bool has(const std::vector<std::string> &V, const std::string &S) {
    return std::find(V.begin(), V.end(), S) != V.end();
  }
};

TEST_P(OptimisedBuild, EditOfAnInlinedStaticFunctionReachesItsCaller) {
  Session S(GetParam());
  auto Ready = S.Hotc.waitEvent("ready");
  ASSERT_TRUE(Ready) << S.Hotc.history();
  EXPECT_EQ(Ready->getBoolean("dwarf_inlines"), GetParam() == "RelWithDebInfo");
  EXPECT_EQ(*Ready->getInteger("indexed") + *Ready->getInteger("indexing"), 2);
  ASSERT_TRUE(S.Log.waitFor([](auto &L) { return L.at("total") == "23"; }));

  // weight() has no out-of-line copy: only total()'s inlined one runs.
  S.Project.edit("calc.cpp", "V * 3 + 1", "V * 5 + 1");
  auto P = S.Hotc.waitEvent("patched");
  ASSERT_TRUE(P) << S.Hotc.history();
  EXPECT_TRUE(has(strings(*P, "inlined"),
                  "total(int) (may hold an inlined copy of weight(int))"))
      << S.Hotc.history();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) { return L.at("total") == "27"; }))
      << S.Hotc.history();
}

TEST_P(OptimisedBuild, EditOfAnInlinedExternalFunctionReachesItsCaller) {
  Session S(GetParam());
  ASSERT_TRUE(S.Hotc.waitEvent("ready")) << S.Hotc.history();
  ASSERT_TRUE(S.Log.waitFor([](auto &L) { return L.at("total") == "23"; }));

  // bonus() has its own entry (patched) and a copy inside total().
  S.Project.edit("calc.cpp", "V + 7", "V + 70");
  auto P = S.Hotc.waitEvent("patched");
  ASSERT_TRUE(P) << S.Hotc.history();
  EXPECT_TRUE(has(strings(*P, "functions"), "_Z5bonusi")) << S.Hotc.history();
  EXPECT_TRUE(has(strings(*P, "inlined"),
                  "total(int) (may hold an inlined copy of bonus(int))"))
      << S.Hotc.history();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) {
    return L.at("bonus") == "72" && L.at("total") == "86";
  })) << S.Hotc.history();
}

// scale() is inline, in calc.h: total()'s unoptimised IR calls it and does
// not change, but its optimised code holds the old copy.
TEST_P(OptimisedBuild, EditOfAnInlineHeaderFunctionReachesItsCaller) {
  Session S(GetParam());
  ASSERT_TRUE(S.Hotc.waitEvent("ready")) << S.Hotc.history();
  ASSERT_TRUE(S.Log.waitFor([](auto &L) { return L.at("total") == "23"; }));
  S.Project.edit("calc.h", "V * 2", "V * 5");
  auto P = S.Hotc.waitEvent("patched");
  ASSERT_TRUE(P) << S.Hotc.history();
  EXPECT_TRUE(has(strings(*P, "inlined"),
                  "total(int) (may hold an inlined copy of scale(int))"))
      << S.Hotc.history();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) { return L.at("total") == "29"; }))
      << S.Hotc.history();
}

// An operator: its name must map between the symbol and the form.
TEST_P(OptimisedBuild, EditOfAnInlinedOperatorReachesItsCaller) {
  Session S(GetParam());
  ASSERT_TRUE(S.Hotc.waitEvent("ready")) << S.Hotc.history();
  ASSERT_TRUE(S.Log.waitFor([](auto &L) { return L.at("total") == "23"; }));
  S.Project.edit("calc.cpp", "A.Value + Shift;", "A.Value + Shift * 10;");
  auto P = S.Hotc.waitEvent("patched");
  ASSERT_TRUE(P) << S.Hotc.history();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) { return L.at("total") == "32"; }))
      << S.Hotc.history();
}

INSTANTIATE_TEST_SUITE_P(, OptimisedBuild,
                         ::testing::Values("RelWithDebInfo", "Release"),
                         [](const auto &I) { return I.param; });

} // namespace
} // namespace hotc::e2e
