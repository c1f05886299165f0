// Many processes (the control issue, item 6): crash_app (GCC, -O0, built
// through hotc's launcher) started three times with `hotc run`; one save
// patches each of them, with one session per process and every event
// naming its pid. With --all, the processes of the build are found by
// themselves, and one started after an edit is attached and runs the
// edited code.
#include "live_session.h"

#include <csignal>
#include <set>

namespace hotc::e2e {
namespace {

using namespace std::chrono_literals;

// One crash_app under `hotc run`, writing LOG.
struct RunningApp {
  AppLog Log;
  HotcProcess Run;
  int Pid = 0;
  RunningApp(const FixtureProject &P, const std::string &LogName)
      : Log(P.path(LogName)),
        Run({"run", P.BuildDir + "/crash_app", P.path(LogName)}, P.Dir) {
    EXPECT_TRUE(Log.waitStarted());
    std::string Pids = P.path(LogName + ".pid");
    EXPECT_EQ(shell("pgrep -P " + std::to_string(Run.pid()) + " > '" + Pids +
                    "'"),
              0);
    Pid = std::stoi(P.read(LogName + ".pid"));
  }
  ~RunningApp() { kill(Pid, SIGKILL); }
  bool shows(const std::string &Main) const {
    return Log.waitFor([&](auto &L) { return L.at("main") == Main; }, 20s)
        .has_value();
  }
};

FixtureProject buildWithLauncher() {
  return FixtureProject::build("crash_app", testName(), "Debug",
                               "-DCMAKE_CXX_COMPILER_LAUNCHER='" +
                                   hotcBinary() + "'");
}

// The next event named Name (or an error), skipping the build on disk's
// errors: it rebuilds what is on disk after a patch, a broken save too.
std::optional<llvm::json::Object> nextEvent(HotcProcess &H, const std::string &Name) {
  for (;;) {
    auto E = H.waitEvent(Name + "|error");
    if (!E || E->getString("kind").value_or("") != "rebuild")
      return E;
  }
}

// The pids of the next N events named Name.
std::set<int> pidsOf(HotcProcess &H, const std::string &Name, size_t N) {
  std::set<int> Out;
  for (size_t I = 0; I < N; ++I) {
    auto E = nextEvent(H, Name);
    EXPECT_TRUE(E && E->getString("event") == Name) << H.history();
    if (!E)
      break;
    Out.insert(static_cast<int>(E->getInteger("pid").value_or(0)));
  }
  return Out;
}

TEST(Fleet, ThreeProcessesArePatchedByOneSave) {
  FixtureProject P = buildWithLauncher();
  RunningApp A(P, "a.log"), B(P, "b.log"), C(P, "c.log");
  HotcProcess Watch({"watch", "-p", P.BuildDir, "--json", "--pid",
                     std::to_string(A.Pid), "--pid", std::to_string(B.Pid),
                     "--pid", std::to_string(C.Pid)},
                    P.Dir);
  std::set<int> All = {A.Pid, B.Pid, C.Pid};
  EXPECT_EQ(pidsOf(Watch, "ready", 3), All);
  P.edit("crash.cpp", "int on_main(int tick) { return 1; }",
         "int on_main(int tick) { return 7; }");
  EXPECT_EQ(pidsOf(Watch, "patched", 3), All);
  EXPECT_TRUE(A.shows("7"));
  EXPECT_TRUE(B.shows("7"));
  EXPECT_TRUE(C.shows("7"));
  // A refusal is per process too, and leaves each running its last patch.
  P.edit("crash.cpp", "return 7;", "return undeclared_name;");
  std::set<int> Refused;
  for (int I = 0; I < 3; ++I) {
    auto E = nextEvent(Watch, "patched");
    ASSERT_TRUE(E && E->getString("event") == "error") << Watch.history();
    EXPECT_EQ(E->getString("kind").value_or(""), "compile");
    Refused.insert(static_cast<int>(E->getInteger("pid").value_or(0)));
  }
  EXPECT_EQ(Refused, All);
  EXPECT_TRUE(B.shows("7"));
  // One process ends: the others are still patched.
  kill(B.Pid, SIGKILL);
  auto Exited = Watch.waitEvent("exited");
  ASSERT_TRUE(Exited) << Watch.history();
  EXPECT_EQ(Exited->getInteger("pid").value_or(0), B.Pid);
  P.edit("crash.cpp", "return undeclared_name;", "return 8;");
  EXPECT_EQ(pidsOf(Watch, "patched", 2), (std::set<int>{A.Pid, C.Pid}));
  EXPECT_TRUE(A.shows("8"));
  EXPECT_TRUE(C.shows("8"));
  // hotc stops when told, and every process keeps its patches.
  Watch.signal(SIGTERM);
  EXPECT_EQ(Watch.waitExit(), 128 + SIGTERM);
  EXPECT_TRUE(A.shows("8"));
}

TEST(Fleet, AllFindsTheBuildsProcessesAndOnesStartedLater) {
  FixtureProject P = buildWithLauncher();
  RunningApp A(P, "a.log");
  // The build on disk stays as built: a process started later runs the
  // old binary, and is brought to the edited code when attached.
  HotcProcess Watch({"watch", "-p", P.BuildDir, "--json", "--all",
                     "--no-disk-build"},
                    P.Dir);
  EXPECT_EQ(pidsOf(Watch, "ready", 1), std::set<int>{A.Pid});
  P.edit("crash.cpp", "int on_main(int tick) { return 1; }",
         "int on_main(int tick) { return 9; }");
  EXPECT_EQ(pidsOf(Watch, "patched", 1), std::set<int>{A.Pid});
  EXPECT_TRUE(A.shows("9"));
  RunningApp B(P, "b.log");
  EXPECT_EQ(pidsOf(Watch, "ready", 1), std::set<int>{B.Pid});
  EXPECT_EQ(pidsOf(Watch, "patched", 1), std::set<int>{B.Pid});
  EXPECT_TRUE(B.shows("9")) << Watch.history();
  // Both take the next save.
  P.edit("crash.cpp", "return 9;", "return 10;");
  EXPECT_EQ(pidsOf(Watch, "patched", 2), (std::set<int>{A.Pid, B.Pid}));
  EXPECT_TRUE(A.shows("10"));
  EXPECT_TRUE(B.shows("10"));
  Watch.signal(SIGTERM);
  EXPECT_EQ(Watch.waitExit(), 128 + SIGTERM);
}

// A process started before a rebuild runs the old binary while the
// launcher's records describe the new compiles: hotc must not take them
// as what it runs (its next edit would look applied already). The unit is
// refused with the reason, and its saves are answered, not patched.
TEST(Fleet, AProcessOlderThanTheBuildsRecordsIsNotPatchedFromThem) {
  FixtureProject P = buildWithLauncher();
  RunningApp A(P, "a.log");
  P.edit("crash.cpp", "int on_main(int tick) { return 1; }",
         "int on_main(int tick) { return 11; }");
  ASSERT_EQ(shell("cmake --build '" + P.BuildDir + "' > '" +
                  P.path("rebuild.log") + "' 2>&1"),
            0);
  HotcProcess Watch({"watch", "-p", P.BuildDir, "--json", "--pid",
                     std::to_string(A.Pid)},
                    P.Dir);
  auto Ignored = Watch.waitEvent("ignored");
  ASSERT_TRUE(Ignored) << Watch.history();
  EXPECT_EQ(Ignored->getString("file").value_or(""), P.path("crash.cpp"));
  EXPECT_NE(Ignored->getString("reason").value_or("").find(
                "runs a build older than the record of its last compile"),
            std::string::npos)
      << Watch.history();
  ASSERT_TRUE(Watch.waitEvent("ready")) << Watch.history();
  P.edit("crash.cpp", "return 11;", "return 12;");
  auto E = Watch.waitEvent("ignored|patched");
  ASSERT_TRUE(E && E->getString("event") == "ignored") << Watch.history();
  EXPECT_TRUE(A.shows("1"));
}

} // namespace
} // namespace hotc::e2e
