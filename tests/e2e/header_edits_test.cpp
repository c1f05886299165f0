// End-to-end: edits of a header shared by two units, layout changes, and
// the escape hatches in source.
#include "live_session.h"

#include <algorithm>

namespace hotc::e2e {
namespace {

// header_app (a.cpp and b.cpp share shared.h) under hotc watch.
struct HeaderSession : FixtureSession {
  HeaderSession() : FixtureSession("header_app", testName()) {}

  // Both units show the values, in one line of the running process.
  bool showsBoth(const std::string &A, const std::string &B) {
    return bool(Log.waitFor(
        [&](auto &L) { return L.at("a") == A && L.at("b") == B; }));
  }
};

// The file names of an event's "files".
std::vector<std::string> fileNames(const llvm::json::Object &E) {
  std::vector<std::string> Out;
  for (const std::string &F : strings(E, "files"))
    Out.push_back(F.substr(F.rfind('/') + 1));
  std::sort(Out.begin(), Out.end());
  return Out;
}

// main.cpp reads shared.h too, but uses neither clamp_value() nor a
// function that does: the rebuild set leaves it out, so it is not compiled.
TEST(HeaderEdits, InlineFunctionEditReachesEveryUnit) {
  HeaderSession S;
  auto Ready = S.Hotc.waitEvent("ready");
  ASSERT_TRUE(Ready) << S.Hotc.history();
  // Ready waits for no analysis: the save analyses the units it needs.
  EXPECT_EQ(*Ready->getInteger("indexed") + *Ready->getInteger("indexing"), 3);
  ASSERT_TRUE(S.showsBoth("107", "1007"));
  S.Project.edit("shared.h", "V > 100 ? 100 : V", "V > 50 ? 50 : V");
  auto P = S.Hotc.waitEvent("patched");
  ASSERT_TRUE(P) << S.Hotc.history();
  EXPECT_EQ(fileNames(*P), (std::vector<std::string>{"a.cpp", "b.cpp"}));
  std::vector<std::string> Reasons = strings(*P, "rebuild_set");
  EXPECT_NE(std::find(Reasons.begin(), Reasons.end(),
                      "unit_a() — calls inline clamp_value() [edited] in shared.h:5"),
            Reasons.end())
      << S.Hotc.history();
  EXPECT_TRUE(S.showsBoth("57", "507")) << S.Hotc.history();
}

// No token changed: nothing is compiled at all (the event names the saved
// header, not units), then a real edit after it is planned from the new text.
TEST(HeaderEdits, CommentOnlyEditCompilesNothing) {
  HeaderSession S;
  ASSERT_TRUE(S.Hotc.waitEvent("ready")) << S.Hotc.history();
  S.Project.edit("shared.h", "// a.cpp", "// a.cpp, the first unit");
  auto U = S.Hotc.waitEvent("unchanged|patched");
  ASSERT_TRUE(U) << S.Hotc.history();
  EXPECT_EQ(U->getString("event"), "unchanged");
  EXPECT_EQ(fileNames(*U), std::vector<std::string>{"shared.h"});
  S.Project.edit("shared.h", "return V * 2;", "return V * 4;");
  auto P = S.Hotc.waitEvent("patched");
  ASSERT_TRUE(P) << S.Hotc.history();
  EXPECT_EQ(fileNames(*P), (std::vector<std::string>{"a.cpp", "b.cpp"}));
  EXPECT_TRUE(S.showsBoth("113", "1013")) << S.Hotc.history();
}

TEST(HeaderEdits, TemplateEditReachesEveryUnit) {
  HeaderSession S;
  ASSERT_TRUE(S.Hotc.waitEvent("ready")) << S.Hotc.history();
  S.Project.edit("shared.h", "return V * 2;", "return V * 3;");
  ASSERT_TRUE(S.Hotc.waitEvent("patched")) << S.Hotc.history();
  EXPECT_TRUE(S.showsBoth("110", "1010")) << S.Hotc.history();
}

TEST(HeaderEdits, MacroEditReachesEveryUnit) {
  HeaderSession S;
  ASSERT_TRUE(S.Hotc.waitEvent("ready")) << S.Hotc.history();
  S.Project.edit("shared.h", "#define BONUS 1", "#define BONUS 5");
  auto P = S.Hotc.waitEvent("patched");
  ASSERT_TRUE(P) << S.Hotc.history();
  auto F = strings(*P, "functions");
  std::sort(F.begin(), F.end());
  EXPECT_EQ(F, (std::vector<std::string>{"_Z6unit_aR8Particle",
                                         "_Z6unit_bR8Particle"}));
  EXPECT_TRUE(S.showsBoth("111", "1011")) << S.Hotc.history();
}

TEST(HeaderEdits, LayoutChangeIsRefusedWithTheTypeNamed) {
  HeaderSession S;
  ASSERT_TRUE(S.Hotc.waitEvent("ready")) << S.Hotc.history();
  S.Project.edit("shared.h", "  int Y;\n", "  int Y;\n  int Z;\n");
  auto E = S.Hotc.waitEvent("error|patched");
  ASSERT_TRUE(E) << S.Hotc.history();
  ASSERT_EQ(E->getString("event"), "error") << S.Hotc.history();
  EXPECT_EQ(E->getString("kind"), "layout");
  std::string Msg = E->getString("message")->str();
  EXPECT_NE(Msg.find("struct Particle"), std::string::npos) << Msg;
  EXPECT_NE(Msg.find("(8 bytes) -> { i32, i32, i32 } (12 bytes)"),
            std::string::npos)
      << Msg;
  EXPECT_TRUE(S.showsBoth("107", "1007")) << "the old code must keep running";
}

} // namespace
} // namespace hotc::e2e

namespace hotc::e2e {
namespace {

TEST(EscapeHatches, NoReloadKeepsAFunctionOutOfEveryPatch) {
  LiveSession S;
  S.expectReady();
  S.Project.edit("calls.cpp", "int extension() { return 0; }",
                 "// hotc: no-reload\nint extension() { return 71; }");
  auto U = S.Hotc->waitEvent("unchanged|patched");
  ASSERT_TRUE(U) << S.Hotc->history();
  EXPECT_EQ(U->getString("event"), "unchanged") << S.Hotc->history();
  auto W = strings(*U, "warnings");
  ASSERT_EQ(W.size(), 1u) << S.Hotc->history();
  EXPECT_NE(W[0].find("extension() ignored"), std::string::npos) << W[0];
  // Other functions of the unit are still patched; extension() stays old.
  S.Project.edit("calls.cpp", "int via_pointer() { return 1; }",
                 "int via_pointer() { return 3; }");
  auto P = S.expectPatched();
  EXPECT_EQ(strings(P, "functions"), std::vector<std::string>{"_Z11via_pointerv"});
  auto L = S.Log.waitFor([](auto &L) { return L.at("ptr") == "3"; });
  ASSERT_TRUE(L);
  EXPECT_EQ(L->at("ext"), "0");
}

TEST(EscapeHatches, RerunInitialisesAMarkedGlobalAgain) {
  LiveSession S;
  S.expectReady();
  // An unmarked global's new initialiser is not run: its state is kept.
  S.Project.edit("state.cpp", "int g_counter = 0;", "int g_counter = 900000;");
  ASSERT_TRUE(S.Hotc->waitEvent("unchanged")) << S.Hotc->history();
  auto L = S.Log.waitFor([](auto &) { return true; });
  ASSERT_TRUE(L);
  EXPECT_LT(AppLog::num(*L, "counter"), 900000);
  EXPECT_EQ(L->at("speed"), "5");
  // The marked one runs again when its initialiser changes.
  S.Project.edit("state.cpp", "int g_speed = 5;", "int g_speed = 9;");
  auto P = S.expectPatched();
  EXPECT_EQ(strings(P, "rerun"), std::vector<std::string>{"g_speed"});
  EXPECT_TRUE(S.Log.waitFor([](auto &L) { return L.at("speed") == "9"; }))
      << S.Hotc->history();
}

} // namespace
} // namespace hotc::e2e

namespace hotc::e2e {
namespace {

// A function removed while another unit still calls it: the build could
// no longer link, so nothing is applied and the error names the caller.
TEST(RemovedFunctions, RemovalStillCalledElsewhereIsRefused) {
  FixtureSession S("header_app", testName());
  auto &[Project, Log, Hotc] = S;
  ASSERT_TRUE(Hotc.waitEvent("ready")) << Hotc.history();
  Project.edit("a.cpp", "int unit_a(Particle &P) { return clamp_value(P.X)",
               "int unit_z(Particle &P) { return clamp_value(P.X)");
  auto E = Hotc.waitEvent("error|patched");
  ASSERT_TRUE(E) << Hotc.history();
  ASSERT_EQ(E->getString("event"), "error") << Hotc.history();
  EXPECT_EQ(E->getString("kind"), "removed");
  std::string Msg = E->getString("message")->str();
  EXPECT_NE(Msg.find("unit_a(Particle&) was removed but is still used by main() "
                     "(main.cpp)"),
            std::string::npos)
      << Msg;
  EXPECT_TRUE(Log.waitFor([](auto &L) { return L.at("a") == "107"; }))
      << "the old code keeps running";
}

// A header from a SYSTEM include directory is not analysed for the graph
// (the index leaves system headers out), but hotc's compiles read it: its
// edit still recompiles the unit using it.
TEST(HeaderEdits, EditOfAHeaderFromASystemDirectoryReachesItsUnit) {
  FixtureSession S("system_header_app", testName());
  auto &[Project, Log, Hotc] = S;
  ASSERT_TRUE(Hotc.waitEvent("ready")) << Hotc.history();
  ASSERT_TRUE(Log.waitFor([](auto &L) { return L.at("a") == "107"; }));
  Project.edit("inc/lib.h", "V + 100", "V + 200");
  ASSERT_TRUE(Hotc.waitEvent("patched")) << Hotc.history();
  EXPECT_TRUE(Log.waitFor([](auto &L) { return L.at("a") == "207"; }))
      << Hotc.history();
}

} // namespace
} // namespace hotc::e2e
