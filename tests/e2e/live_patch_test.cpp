// End-to-end: live_app runs under `hotc watch --exec`, the test edits its
// sources, and the app's own output shows what the running process does.
#include "live_session.h"
#include "protocol/agent_protocol.h"

#include <csignal>
#include <sys/stat.h>

namespace hotc::e2e {
namespace {

TEST(LivePatch, GlobalCounterKeepsCounting) {
  LiveSession S;
  S.expectReady();
  long Before = AppLog::num(*S.Log.last(), "counter");
  S.Project.edit("state.cpp", "return ++g_counter;",
                 "g_counter += 100;\n  return g_counter;");
  S.expectPatched();
  // Counting on from where it was, 100 at a time: the live global was used.
  auto A = S.Log.waitFor([](auto &L) { return true; });
  ASSERT_TRUE(A);
  auto B = S.Log.waitFor([](auto &L) { return true; });
  ASSERT_TRUE(B);
  long CA = AppLog::num(*A, "counter"), CB = AppLog::num(*B, "counter");
  EXPECT_GT(CA, Before);
  EXPECT_EQ((CB - CA) % 100, 0) << CA << " then " << CB;
  EXPECT_GE(CB - CA, 100);
}

TEST(LivePatch, StaticsKeepTheirValues) {
  LiveSession S;
  S.expectReady();
  auto Before = *S.Log.last();
  S.Project.edit("state.cpp", "static int bump_hits() { return ++s_hits; }",
                 "static int bump_hits() { return s_hits += 1000; }");
  S.Project.edit("state.cpp", "return ++calls;", "return calls += 1000;");
  S.Project.edit("state.cpp", "int anon_probe() { return ++anon_total; }",
                 "int anon_probe() { return anon_total += 1000; }");
  auto P = S.expectPatched();
  auto After = S.Log.waitFor(
      [](auto &L) { return AppLog::num(L, "hits") % 1000 != 0; });
  // The edits may arrive as one or several patches; wait for all three.
  auto Done = S.Log.waitFor([&](auto &L) {
    return AppLog::num(L, "hits") > AppLog::num(Before, "hits") + 1000 &&
           AppLog::num(L, "local") > AppLog::num(Before, "local") + 1000 &&
           AppLog::num(L, "anon") > AppLog::num(Before, "anon") + 1000;
  });
  ASSERT_TRUE(Done) << S.Hotc->history();
  long Ticks = AppLog::num(*Done, "tick");
  // Each probe kept its pre-patch count and then grew by 1000 per call: a
  // re-initialised static would be a multiple of 1000 near zero.
  for (const char *Key : {"hits", "local"}) {
    long V = AppLog::num(*Done, Key);
    EXPECT_LE(V, Ticks + 1 + 1000 * (Ticks + 1)) << Key;
    EXPECT_NE(V % 1000, 0) << Key << " was reset: " << V;
  }
  EXPECT_NE((AppLog::num(*Done, "anon") - 1000) % 1000, 0);
  // other.cpp's static of the same name is untouched: 5000 + ticks.
  EXPECT_EQ(AppLog::num(*Done, "other"), 5000 + Ticks + 1);
}

TEST(LivePatch, IndirectCallsReachNewCode) {
  LiveSession S;
  S.expectReady();
  S.Project.edit("calls.cpp", "int via_pointer() { return 1; }",
                 "int via_pointer() { return 2; }");
  S.Project.edit("calls.cpp", "int via_function() { return 1; }",
                 "int via_function() { return 2; }");
  S.Project.edit("calls.cpp", "int Shape::sides() const { return 4; }",
                 "int Shape::sides() const { return 6; }");
  auto Line = S.Log.waitFor(
      [](auto &L) {
        return L.at("ptr") == "2" && L.at("fn") == "2" && L.at("virt") == "6";
      },
      60s);
  EXPECT_TRUE(Line) << "function pointer, std::function and virtual call "
                       "must all reach the new code\n"
                    << S.Hotc->history();
}

TEST(LivePatch, NewFunctionAndGlobalAreInitialisedOnce) {
  LiveSession S;
  S.expectReady();
  S.Project.edit("calls.cpp", "int extension() { return 0; }", R"(static std::string make_label() {
  ++g_init_runs;
  return "fresh";
}
std::string g_label = make_label();
int new_helper() { return static_cast<int>(g_label.size()); }

int extension() { return new_helper(); })");
  auto P = S.expectPatched();
  std::vector<std::string> Created = strings(P, "created");
  EXPECT_NE(std::find(Created.begin(), Created.end(), "_Z10new_helperv"),
            Created.end());
  auto L = S.Log.waitFor([](auto &L) { return L.at("ext") == "5"; });
  ASSERT_TRUE(L) << S.Hotc->history();
  EXPECT_EQ(L->at("inits"), "1");
  // A second edit of the same unit binds to the global the first created:
  // its initialiser does not run again.
  S.Project.edit("calls.cpp", "return new_helper(); }",
                 "return new_helper() + 10; }");
  S.expectPatched();
  L = S.Log.waitFor([](auto &L) { return L.at("ext") == "15"; });
  ASSERT_TRUE(L) << S.Hotc->history();
  EXPECT_EQ(L->at("inits"), "1");
}

TEST(LivePatch, ExceptionFromPatchedCodeIsCaughtByOldCaller) {
  LiveSession S;
  S.expectReady();
  S.Project.edit("calls.cpp", "int risky(int tick) { return tick; }",
                 "int risky(int tick) {\n  if (tick >= 0)\n    throw "
                 "std::runtime_error(\"boom\");\n  return tick;\n}");
  S.expectPatched();
  auto L = S.Log.waitFor([](auto &L) { return L.at("exc") == "boom"; });
  EXPECT_TRUE(L) << S.Hotc->history();
}

TEST(LivePatch, CompileErrorKeepsTheAppRunning) {
  LiveSession S;
  S.expectReady();
  S.Project.edit("spin.cpp", "int spin_value() { return 0; }",
                 "int spin_value() { return 0 +; }");
  auto E = S.Hotc->waitEvent("error");
  ASSERT_TRUE(E) << S.Hotc->history();
  EXPECT_EQ(E->getString("kind"), "compile");
  EXPECT_EQ(E->getString("file"), S.Project.path("spin.cpp"));
  EXPECT_EQ(E->getInteger("line"), 3);
  EXPECT_TRUE(E->getString("message")->contains("expected expression"))
      << E->getString("message")->str();
  // Still running, still the old code.
  auto L = S.Log.waitFor([](auto &) { return true; });
  ASSERT_TRUE(L);
  EXPECT_EQ(L->at("ext"), "0");
  // The next good save applies.
  S.Project.edit("spin.cpp", "return 0 +; }", "return 0; }");
  S.Project.edit("calls.cpp", "int extension() { return 0; }",
                 "int extension() { return 3; }");
  auto P = S.expectPatched();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) { return L.at("ext") == "3"; }))
      << S.Hotc->history();
}

TEST(LivePatch, LinkErrorNamesSymbolAndFunction) {
  LiveSession S;
  S.expectReady();
  S.Project.edit("calls.cpp", "int extension() { return 0; }",
                 "int nowhere_defined();\nint extension() { return "
                 "nowhere_defined(); }");
  auto E = S.Hotc->waitEvent("error");
  ASSERT_TRUE(E) << S.Hotc->history();
  EXPECT_EQ(E->getString("kind"), "link");
  std::string Msg = E->getString("message")->str();
  EXPECT_NE(Msg.find("nowhere_defined()"), std::string::npos) << Msg;
  EXPECT_NE(Msg.find("needed by extension()"), std::string::npos) << Msg;
  auto L = S.Log.waitFor([](auto &) { return true; });
  ASSERT_TRUE(L);
  EXPECT_EQ(L->at("ext"), "0");
}

TEST(LivePatch, OnlyTheEditedFunctionIsLinked) {
  LiveSession S;
  S.expectReady();
  S.Project.edit("calls.cpp", "int via_pointer() { return 1; }",
                 "int via_pointer() { return 7; }");
  auto P = S.expectPatched();
  EXPECT_EQ(strings(P, "functions"),
            std::vector<std::string>{"_Z11via_pointerv"});
  EXPECT_TRUE(strings(P, "created").empty());
  const llvm::json::Object *Ms = P.getObject("ms");
  ASSERT_TRUE(Ms);
  for (const char *K : {"total", "compile", "link", "patch"})
    EXPECT_TRUE(Ms->getNumber(K)) << K;
  // Moving the function down a few lines is not a change.
  S.Project.edit("calls.cpp", "int via_pointer() { return 7; }",
                 "\n\n// moved\nint via_pointer() { return 7; }");
  auto U = S.Hotc->waitEvent("unchanged");
  EXPECT_TRUE(U) << S.Hotc->history();
}

TEST(LivePatch, FourThreadsSurvive200Patches) {
  LiveSession S(/*Threads=*/4);
  S.expectReady();
  std::string Current = "int spin_value() { return 0; }";
  for (int I = 1; I <= 200; ++I) {
    std::string Next = "int spin_value() { return " + std::to_string(I) + "; }";
    S.Project.edit("spin.cpp", Current, Next);
    Current = Next;
    auto P = S.Hotc->waitEvent("patched|error|unchanged");
    ASSERT_TRUE(P) << "patch " << I << "\n" << S.Hotc->history();
    ASSERT_EQ(P->getString("event"), "patched")
        << "patch " << I << ": " << P->getString("message").value_or("").str();
    ASSERT_EQ(P->getInteger("version"), I);
  }
  auto L = S.Log.waitFor([](auto &L) { return L.at("thr") == "200,200,200,200"; });
  ASSERT_TRUE(L) << "threads did not all reach the last version";
  // The workers kept calling throughout.
  auto Later = S.Log.waitFor([&](auto &M) {
    return AppLog::num(M, "calls") > AppLog::num(*L, "calls");
  });
  EXPECT_TRUE(Later);
}

TEST(LivePatch, ReattachAfterWatcherIsKilled) {
  LiveSession S;
  S.expectReady();
  S.Project.edit("calls.cpp", "int extension() { return 0; }",
                 "int extension() { return 11; }");
  S.expectPatched();
  ASSERT_TRUE(S.Log.waitFor([](auto &L) { return L.at("ext") == "11"; }));
  int AppPid = -1;
  {
    // live_app is hotc's child; find it before hotc dies.
    std::string Pids = S.Project.path("pids");
    shell("pgrep -P " + std::to_string(S.Hotc->pid()) + " > '" + Pids + "'");
    AppPid = std::stoi(S.Project.read("pids"));
  }
  S.Hotc->signal(SIGKILL);
  S.Hotc->waitExit();
  // The app runs on, with the patched code.
  auto L = S.Log.waitFor([](auto &L) { return true; }, 5s);
  ASSERT_TRUE(L);
  EXPECT_EQ(L->at("ext"), "11");

  HotcProcess Again({"watch", "-p", S.Project.BuildDir, "--json", "--pid",
                     std::to_string(AppPid)},
                    S.Project.Dir);
  ASSERT_TRUE(Again.waitEvent("ready")) << Again.history();
  S.Project.edit("calls.cpp", "return 11; }", "return 12; }");
  ASSERT_TRUE(Again.waitEvent("patched")) << Again.history();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) { return L.at("ext") == "12"; }));
  ::kill(AppPid, SIGTERM);
  EXPECT_TRUE(Again.waitEvent("exited")) << Again.history();
}

// A save right after a patch is gathered into a burst for the debounce
// only: the app writing its log beside the sources every 10 ms wakes the
// watcher all the time, and once held such a save back for good.
TEST(LivePatch, SaveRightAfterAPatchIsNotHeldBackByTheAppsWrites) {
  LiveSession S;
  S.expectReady();
  S.Project.edit("calls.cpp", "int extension() { return 0; }",
                 "int extension() { return 1; }");
  S.expectPatched();
  S.Project.edit("calls.cpp", "int extension() { return 1; }",
                 "int extension() { return 2; }");
  auto E = S.Hotc->waitEvent("patched", 20s);
  ASSERT_TRUE(E) << S.Hotc->history();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) { return L.at("ext") == "2"; }))
      << S.Hotc->history();
}

TEST(LivePatch, ExitCodeIsPassedThrough) {
  LiveSession S(/*Threads=*/0, /*Ticks=*/150);
  S.expectReady();
  auto E = S.Hotc->waitEvent("exited");
  ASSERT_TRUE(E) << S.Hotc->history();
  EXPECT_EQ(E->getInteger("code"), 7);
  EXPECT_EQ(S.Hotc->waitExit(), 7);
}

// exit(130) is an exit with code 130, not SIGINT: the status is not
// flattened to 128 + signal on the way.
TEST(LivePatch, ExitWithCode130IsNotReportedAsASignal) {
  LiveSession S;
  S.expectReady();
  S.Project.edit("calls.cpp", "int extension() { return 0; }",
                 "extern \"C\" void exit(int) noexcept;\n"
                 "int extension() {\n"
                 "  static int Calls; // exits once the patch is surely answered\n"
                 "  if (++Calls == 30)\n"
                 "    exit(130);\n"
                 "  return 0;\n"
                 "}");
  S.expectPatched();
  auto E = S.Hotc->waitEvent("exited");
  ASSERT_TRUE(E) << S.Hotc->history();
  EXPECT_EQ(E->getInteger("code"), 130);
  EXPECT_FALSE(E->get("signal")) << S.Hotc->history();
  EXPECT_EQ(S.Hotc->waitExit(), 130);
}

// A program that cannot be started is a start-up failure, not a patch.
TEST(LivePatch, ProgramThatCannotRunIsAStartupError) {
  FixtureProject P = FixtureProject::build("live_app", testName());
  HotcProcess Hotc({"watch", "-p", P.BuildDir, "--json", "--exec",
                    P.Dir + "/no-such-program"},
                   P.Dir);
  auto E = Hotc.waitEvent("error");
  ASSERT_TRUE(E) << Hotc.history();
  EXPECT_EQ(E->getString("kind"), "startup");
  EXPECT_NE(E->getString("message")->find("no-such-program"), llvm::StringRef::npos);
  EXPECT_EQ(Hotc.waitExit(), 2);
}

TEST(LivePatch, AnotherUserIsRefused) {
  if (geteuid() != 0 || shell("command -v setpriv >/dev/null") != 0)
    GTEST_SKIP() << "needs root and setpriv to act as a second user";
  // The directory is opened up below: it must be this test's own, or the
  // agents of tests running beside it refuse to start in the meantime.
  char Private[] = "/tmp/hotc-sockets-XXXXXX";
  ASSERT_NE(mkdtemp(Private), nullptr);
  setenv(protocol::kEnvSocketDir, Private, 1);
  LiveSession S;
  S.expectReady();
  int AppPid = -1;
  shell("pgrep -P " + std::to_string(S.Hotc->pid()) + " > '" +
        S.Project.path("pids") + "'");
  AppPid = std::stoi(S.Project.read("pids"));
  std::string Dir = Private;
  std::string Socket = Dir + "/" + std::to_string(AppPid) + ".sock";
  struct stat St;
  ASSERT_EQ(stat(Dir.c_str(), &St), 0);
  EXPECT_EQ(St.st_mode & 0777, 0700u) << Dir;

  // The other user is pointed at our socket directory on purpose.
  std::string AsNobody = "env HOTC_SOCKET_DIR=" + Dir +
                         " setpriv --reuid=65534 --regid=65534 --clear-groups";
  std::vector<std::string> Attach = {"watch", "-p", S.Project.BuildDir,
                                     "--json", "--pid", std::to_string(AppPid)};
  // The directory keeps another user out...
  {
    HotcProcess Other(Attach, "/", AsNobody);
    auto E = Other.waitEvent("error");
    ASSERT_TRUE(E) << Other.history();
    EXPECT_NE(E->getString("message")->find("Permission denied"),
              llvm::StringRef::npos)
        << Other.history();
  }
  // ...and if it is opened up by mistake, the agent's peer check still does.
  ASSERT_EQ(chmod(Dir.c_str(), 0777), 0);
  ASSERT_EQ(chmod(Socket.c_str(), 0777), 0);
  {
    HotcProcess Other(Attach, "/", AsNobody);
    auto E = Other.waitEvent("error");
    chmod(Dir.c_str(), 0700);
    ASSERT_TRUE(E) << Other.history();
    EXPECT_NE(E->getString("message")->find("refused the session"),
              llvm::StringRef::npos)
        << Other.history();
    EXPECT_EQ(Other.waitExit(), 2);
  }
  // The app is unharmed and still patchable by its owner.
  S.Project.edit("calls.cpp", "int extension() { return 0; }",
                 "int extension() { return 21; }");
  S.expectPatched();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) { return L.at("ext") == "21"; }));
}

} // namespace
} // namespace hotc::e2e
