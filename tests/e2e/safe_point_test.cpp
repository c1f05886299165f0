// Safe points and patch hooks (the control issue, item 4) on safe_point_app
// (C, built by CMake's default compiler: GCC here): a game-like loop on the
// program's only thread calls hotreload_safe_point() once per frame. With
// safe points a patch waits, linked, until that call, is re-pointed by that
// thread with no signal sent (the app counts sleeps a signal handler cut
// short: hotc's world stop cuts them, as the control test shows), and is
// refused when no thread comes in time. The before/after hooks receive the
// version, the functions and the files, in that order, on the thread that
// applied the patch.
#include "live_session.h"

#include <csignal>
#include <fstream>
#include <sstream>
#include <thread>

namespace hotc::e2e {
namespace {

using namespace std::chrono_literals;

struct SafePointSession {
  FixtureProject Project;
  AppLog Log;
  std::string Hold;
  std::unique_ptr<HotcProcess> Hotc;

  SafePointSession(const std::string &Toml, bool Flag)
      : Project(FixtureProject::build(
            "safe_point_app", testName(), "Debug",
            std::string("-DHOTRELOAD_INCLUDE='") + HOTC_SOURCE_DIR +
                "/agent/include'")),
        Log(Project.path("app.log")), Hold(Project.path("app.log.hold")) {
    if (!Toml.empty())
      Project.write("hotreload.toml", Toml);
    std::vector<std::string> Args = {"watch", "-p", Project.BuildDir, "--json"};
    if (Flag)
      Args.push_back("--safe-points");
    for (const std::string &A : {std::string("--exec"),
                                 Project.BuildDir + "/safe_point_app",
                                 Project.path("app.log")})
      Args.push_back(A);
    Hotc = std::make_unique<HotcProcess>(Args, Project.Dir);
    EXPECT_TRUE(Hotc->waitEvent("ready")) << Hotc->history();
    EXPECT_TRUE(Log.waitStarted());
  }

  // The app stops calling hotreload_safe_point() (held=1 in its lines).
  void hold() {
    std::ofstream(Hold) << "hold\n";
    EXPECT_TRUE(Log.waitFor([](auto &L) { return L.at("held") == "1"; }));
  }
  void letGo() { std::remove(Hold.c_str()); }

  std::vector<std::string> hooks() const {
    std::istringstream In(Project.read("app.log.hooks"));
    std::vector<std::string> Lines;
    for (std::string L; std::getline(In, L);)
      Lines.push_back(L);
    return Lines;
  }
  std::string hookLine(const char *When, unsigned Version,
                       const char *Thread) const {
    return std::string(When) + " version=" + std::to_string(Version) +
           " functions=frame_value files=" + Project.path("frame.c") +
           " thread=" + Thread;
  }
};

std::string lastValue(const AppLog &Log) {
  auto L = Log.last();
  return L ? L->at("value") : "";
}

TEST(SafePoints, PatchWaitsForTheSafePointAndStopsNoThread) {
  SafePointSession S("safe_points = true\nsafe_point_timeout_ms = 30000\n",
                     /*Flag=*/false);
  S.hold();
  S.Project.edit("frame.c", "return 1;", "return 2;");
  // Compiled and linked, but not re-pointed: no thread reached a safe
  // point. (6 s: the compile and link are done by then, also on a loaded
  // machine, so the wait measured below is over a second.)
  std::this_thread::sleep_for(6s);
  EXPECT_EQ(S.Hotc->count("patched"), 0u) << S.Hotc->history();
  EXPECT_EQ(lastValue(S.Log), "1");
  EXPECT_TRUE(S.hooks().empty()) << "a hook ran before the safe point";
  S.letGo();
  auto P = S.Hotc->waitEvent("patched|error");
  ASSERT_TRUE(P && P->getString("event") == "patched") << S.Hotc->history();
  EXPECT_EQ(P->getString("applied_at").value_or(""), "safe_point");
  // The patch step waited for the safe point.
  EXPECT_GT(P->getObject("ms")->getNumber("patch").value_or(0), 1000.0);
  auto Line = S.Log.waitFor([](auto &L) { return L.at("value") == "2"; });
  ASSERT_TRUE(Line) << S.Hotc->history();
  EXPECT_EQ(Line->at("eintr"), "0") << "a signal reached the program's thread";
  EXPECT_EQ(S.hooks(), (std::vector<std::string>{
                           S.hookLine("before", 1, "main"),
                           S.hookLine("after", 1, "main")}));

  // A second patch of the same function only re-points its trampoline.
  S.Project.edit("frame.c", "return 2;", "return 3;");
  P = S.Hotc->waitEvent("patched|error");
  ASSERT_TRUE(P && P->getString("event") == "patched") << S.Hotc->history();
  Line = S.Log.waitFor([](auto &L) { return L.at("value") == "3"; });
  ASSERT_TRUE(Line);
  EXPECT_EQ(Line->at("eintr"), "0");
  EXPECT_EQ(S.hooks().size(), 4u);

  // The thread at the safe point is in main's loop: it is named as keeping
  // main's old code (its own stack is looked at, with no world stop).
  S.Project.edit("main.c", "{0, 10 * 1000 * 1000}", "{0, 10 * 1000 * 1001}");
  P = S.Hotc->waitEvent("patched|error");
  ASSERT_TRUE(P && P->getString("event") == "patched") << S.Hotc->history();
  bool Warned = false;
  for (const std::string &W : strings(*P, "warnings"))
    Warned |= W.find("main() is running on the main thread") != std::string::npos &&
              W.find("keeps its old code") != std::string::npos;
  EXPECT_TRUE(Warned) << S.Hotc->history();
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(S.Log.last()->at("eintr"), "0");
}

TEST(SafePoints, RefusedWhenNoThreadComesInTime) {
  SafePointSession S("safe_point_timeout_ms = 1000\n", /*Flag=*/true);
  S.hold();
  S.Project.edit("frame.c", "return 1;", "return 2;");
  auto E = S.Hotc->waitEvent("patched|error");
  ASSERT_TRUE(E && E->getString("event") == "error") << S.Hotc->history();
  std::string Message = E->getString("message").value_or("").str();
  EXPECT_NE(Message.find("no thread called hotreload_safe_point() within "
                         "1000 ms"),
            std::string::npos)
      << Message;
  EXPECT_NE(Message.find("nothing was patched"), std::string::npos) << Message;
  // Withdrawn for good: safe points coming later do not apply it.
  S.letGo();
  ASSERT_TRUE(S.Log.waitFor([](auto &L) { return L.at("held") == "0"; }));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(lastValue(S.Log), "1");
  EXPECT_TRUE(S.hooks().empty());
  // The next save applies, as version 1: the refused one never was.
  S.Project.edit("frame.c", "return 2;", "return 4;");
  auto P = S.Hotc->waitEvent("patched|error");
  ASSERT_TRUE(P && P->getString("event") == "patched") << S.Hotc->history();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) { return L.at("value") == "4"; }));
  EXPECT_EQ(S.hooks(), (std::vector<std::string>{
                           S.hookLine("before", 1, "main"),
                           S.hookLine("after", 1, "main")}));
}

// hotc killed while its patch waits for a safe point: nobody would hear
// how it went, and a new hotc would not know the process runs it. The agent
// withdraws it when the connection ends; later safe points apply nothing.
TEST(SafePoints, AWaitingPatchIsWithdrawnWhenHotcGoesAway) {
  FixtureProject P = FixtureProject::build(
      "safe_point_app", testName(), "Debug",
      std::string("-DHOTRELOAD_INCLUDE='") + HOTC_SOURCE_DIR + "/agent/include'");
  AppLog Log(P.path("app.log"));
  HotcProcess Run({"run", P.BuildDir + "/safe_point_app", P.path("app.log")},
                  P.Dir);
  ASSERT_TRUE(Log.waitStarted());
  ASSERT_EQ(shell("pgrep -P " + std::to_string(Run.pid()) + " > '" +
                  P.path("pid") + "'"),
            0);
  int App = std::stoi(P.read("pid"));
  std::string Hold = P.path("app.log.hold");
  std::ofstream(Hold) << "hold\n";
  ASSERT_TRUE(Log.waitFor([](auto &L) { return L.at("held") == "1"; }));
  {
    HotcProcess Watch({"watch", "-p", P.BuildDir, "--json", "--safe-points",
                       "--pid", std::to_string(App)},
                      P.Dir);
    ASSERT_TRUE(Watch.waitEvent("ready")) << Watch.history();
    P.edit("frame.c", "return 1;", "return 2;");
    std::this_thread::sleep_for(6s); // compiled, linked, waiting
    EXPECT_EQ(Watch.count("patched"), 0u);
    Watch.signal(SIGKILL);
    Watch.waitExit();
  }
  std::this_thread::sleep_for(500ms); // the agent sees the connection end
  std::remove(Hold.c_str());
  ASSERT_TRUE(Log.waitFor([](auto &L) { return L.at("held") == "0"; }));
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(lastValue(Log), "1");
  EXPECT_EQ(P.read("app.log.hooks"), "");
  kill(App, SIGKILL);
}

// The control: without safe points the world is stopped for the patch, and
// the app sees its sleep cut short; the hooks run on an agent thread.
TEST(SafePoints, WithoutThemTheWorldStopsAndHooksRunOnTheAgent) {
  SafePointSession S("", /*Flag=*/false);
  // Three patches: a stop that lands as the app's 10 ms sleep ends cuts
  // nothing short; one of three always lands inside it.
  std::optional<AppLog::Line> Line;
  for (int V = 5; V <= 7; ++V) {
    S.Project.edit("frame.c", "return " + std::to_string(V == 5 ? 1 : V - 1),
                   "return " + std::to_string(V));
    auto P = S.Hotc->waitEvent("patched|error");
    ASSERT_TRUE(P && P->getString("event") == "patched") << S.Hotc->history();
    EXPECT_EQ(P->getString("applied_at").value_or(""), "now");
    Line = S.Log.waitFor(
        [&](auto &L) { return L.at("value") == std::to_string(V); });
    ASSERT_TRUE(Line);
  }
  EXPECT_NE(Line->at("eintr"), "0") << "the world stop went unseen";
  std::vector<std::string> Hooks = S.hooks();
  ASSERT_EQ(Hooks.size(), 6u);
  EXPECT_EQ(Hooks[0], S.hookLine("before", 1, "other"));
  EXPECT_EQ(Hooks[1], S.hookLine("after", 1, "other"));
  EXPECT_EQ(Hooks[5], S.hookLine("after", 3, "other"));
}

} // namespace
} // namespace hotc::e2e
