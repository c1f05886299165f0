// End-to-end: hotc watch and the build around it — the launcher's
// snapshots, the build on disk kept in step, CMake re-runs, hotreload.toml,
// preamble memory.
#include "live_session.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <thread>
#include <unistd.h>

namespace hotc::e2e {
namespace {

// Configures and builds P with hotc as the compiler launcher (the snapshots
// of the build are recorded); the shell's exit status.
int buildWithLauncher(const FixtureProject &P) {
  return shell("cmake -S '" + P.Dir + "' -B '" + P.BuildDir +
               "' -G Ninja -DCMAKE_BUILD_TYPE=Debug "
               "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON "
               "-DCMAKE_CXX_COMPILER_LAUNCHER='" + hotcBinary() +
               "' > '" + P.Dir + "/configure.log' 2>&1 && cmake --build '" +
               P.BuildDir + "' > '" + P.Dir + "/build.log' 2>&1");
}

// hotc watch running the fixture's app App (its log app.log) from P's build.
std::vector<std::string> watchApp(const FixtureProject &P, const std::string &App) {
  return {"watch", "-p", P.BuildDir, "--json", "--exec", P.BuildDir + "/" + App,
          P.path("app.log")};
}

// Built through the launcher, the build's own sources are the baseline: an
// edit saved before hotc watch starts is live right after `ready`.
TEST(LivePatch, EditsMadeBeforeWatchStartsArePatchedAtOnce) {
  FixtureProject P = copyFixture("live_app", testName());
  ASSERT_EQ(buildWithLauncher(P), 0);
  // Saved after the build, before hotc watch: the binary still returns 0.
  P.edit("calls.cpp", "int extension() { return 0; }",
         "int extension() { return 31; }");
  AppLog Log(P.path("app.log"));
  HotcProcess Hotc(watchApp(P, "live_app"), P.Dir);
  ASSERT_TRUE(Hotc.waitEvent("ready")) << Hotc.history();
  auto E = Hotc.waitEvent("patched", 30s);
  ASSERT_TRUE(E) << Hotc.history();
  EXPECT_EQ(strings(*E, "functions"), std::vector<std::string>{"_Z9extensionv"});
  EXPECT_TRUE(Log.waitFor([](auto &L) { return L.at("ext") == "31"; }))
      << Hotc.history();
}

// A build the launcher recorded costs nothing per unit at start: `ready`
// compiles no baseline and holds no preamble; a unit's first save compiles
// its baseline from the record (the save reports that time), later saves
// do not.
TEST(LivePatch, BaselinesAreCompiledWhenAUnitIsFirstSaved) {
  FixtureProject P = copyFixture("live_app", testName());
  ASSERT_EQ(buildWithLauncher(P), 0);
  AppLog Log(P.path("app.log"));
  HotcProcess Hotc(watchApp(P, "live_app"), P.Dir);
  auto R = Hotc.waitEvent("ready");
  ASSERT_TRUE(R) << Hotc.history();
  EXPECT_EQ(R->getInteger("units"), 5);
  EXPECT_EQ(R->getInteger("baselines"), 0);
  EXPECT_EQ(R->getInteger("preambles"), 0);
  EXPECT_GT(*R->getInteger("rss_bytes"), 0);
  auto BaselineMs = [](const llvm::json::Object &E) {
    const llvm::json::Object *Ms = E.getObject("ms");
    return Ms ? Ms->getNumber("baseline").value_or(-1) : -1;
  };
  P.edit("calls.cpp", "int extension() { return 0; }",
         "int extension() { return 41; }");
  auto First = Hotc.waitEvent("patched", 30s);
  ASSERT_TRUE(First) << Hotc.history();
  EXPECT_GT(BaselineMs(*First), 0) << Hotc.history();
  EXPECT_TRUE(Log.waitFor([](auto &L) { return L.at("ext") == "41"; }))
      << Hotc.history();
  P.edit("calls.cpp", "return 41;", "return 42;");
  auto Second = Hotc.waitEvent("patched", 30s);
  ASSERT_TRUE(Second) << Hotc.history();
  // When the save comes before the background analysis of the first one
  // is done, the plan recompiles every unit that may read the file, and
  // their first baselines are part of this save; calls.cpp's is not.
  const llvm::json::Array *Files = Second->getArray("files");
  if (Files && Files->size() == 1)
    EXPECT_EQ(BaselineMs(*Second), 0) << Hotc.history();
  EXPECT_TRUE(Log.waitFor([](auto &L) { return L.at("ext") == "42"; }))
      << Hotc.history();
}

// hotc watch running the fixture's app with its log in LogName, the build
// on disk left alone (so the build's records stay those of the first run).
std::vector<std::string> watchWithoutDiskBuild(const FixtureProject &P,
                                               const std::string &LogName) {
  return {"watch", "-p", P.BuildDir, "--json", "--no-disk-build",
          "--exec", P.BuildDir + "/live_app", P.path(LogName)};
}

// What a patched event says of the baselines it loaded ("compiled" or
// "restored"); -1 when it says nothing.
int64_t baselinesOf(const llvm::json::Object &E, const char *Kind) {
  const llvm::json::Object *B = E.getObject("baselines");
  return B ? B->getInteger(Kind).value_or(-1) : -1;
}

// A header edit is planned before any baseline is compiled: only the units
// the plan reaches compile theirs. header_app's main.cpp reads shared.h but
// calls nothing the edit changes. It fails when every unit reading the
// header compiles its baseline first (3 here), as before 2026-12-07.
TEST(LivePatch, AHeaderEditCompilesTheBaselinesOfTheUnitsItReachesOnly) {
  FixtureProject P = copyFixture("header_app", testName());
  ASSERT_EQ(buildWithLauncher(P), 0);
  AppLog Log(P.path("app.log"));
  HotcProcess Hotc(watchApp(P, "header_app"), P.Dir);
  auto R = Hotc.waitEvent("ready");
  ASSERT_TRUE(R) << Hotc.history();
  EXPECT_EQ(R->getInteger("baselines"), 0);
  ASSERT_TRUE(Log.waitFor([](auto &L) { return L.at("a") == "107"; }));
  P.edit("shared.h", "V > 100 ? 100 : V", "V > 50 ? 50 : V");
  auto E = Hotc.waitEvent("patched", 30s);
  ASSERT_TRUE(E) << Hotc.history();
  std::vector<std::string> Files;
  for (const std::string &F : strings(*E, "files"))
    Files.push_back(F.substr(F.rfind('/') + 1));
  std::sort(Files.begin(), Files.end());
  EXPECT_EQ(Files, (std::vector<std::string>{"a.cpp", "b.cpp"}));
  EXPECT_EQ(baselinesOf(*E, "compiled"), 2) << Hotc.history();
  EXPECT_TRUE(Log.waitFor([](auto &L) {
    return L.at("a") == "57" && L.at("b") == "507";
  })) << Hotc.history();
}

// The first run's first save: calls.cpp's extension() returns 41, and the
// unit's baseline is compiled (nothing stored for it yet).
void saveFirstEditCompilingItsBaseline(HotcProcess &Hotc, const FixtureProject &P) {
  ASSERT_TRUE(Hotc.waitEvent("ready")) << Hotc.history();
  P.edit("calls.cpp", "int extension() { return 0; }",
         "int extension() { return 41; }");
  auto First = Hotc.waitEvent("patched", 30s);
  ASSERT_TRUE(First) << Hotc.history();
  EXPECT_EQ(baselinesOf(*First, "compiled"), 1) << Hotc.history();
  EXPECT_EQ(baselinesOf(*First, "restored"), 0) << Hotc.history();
}

// What a unit's baseline compile learned is kept in BUILD_DIR/.hotc/
// baselines: a second run of hotc watch, on a process of the same build,
// compiles no baseline for a unit the first run compiled, and its patches
// bind the live state those facts describe (a function static carries on).
TEST(LivePatch, BaselinesOfAnEarlierRunAreReadNotCompiled) {
  FixtureProject P = copyFixture("live_app", testName());
  ASSERT_EQ(buildWithLauncher(P), 0);
  {
    AppLog Log(P.path("app1.log"));
    HotcProcess Hotc(watchWithoutDiskBuild(P, "app1.log"), P.Dir);
    saveFirstEditCompilingItsBaseline(Hotc, P);
    if (HasFatalFailure())
      return;
    P.edit("state.cpp", "return ++calls;", "return 2000 + ++calls;");
    auto Second = Hotc.waitEvent("patched", 30s);
    ASSERT_TRUE(Second) << Hotc.history();
    EXPECT_EQ(baselinesOf(*Second, "compiled"), 1) << Hotc.history();
    EXPECT_TRUE(Log.waitFor([](auto &L) { return std::stol(L.at("local")) > 2000; }))
        << Hotc.history();
    Hotc.signal(SIGTERM);
    Hotc.waitExit();
  }
  // The sources as the build compiled them again: nothing to patch at start.
  P.edit("calls.cpp", "return 41;", "return 0;");
  P.edit("state.cpp", "return 2000 + ++calls;", "return ++calls;");
  AppLog Log(P.path("app2.log"));
  HotcProcess Hotc(watchWithoutDiskBuild(P, "app2.log"), P.Dir);
  ASSERT_TRUE(Hotc.waitEvent("ready")) << Hotc.history();
  auto Before = Log.waitFor([](auto &L) { return std::stol(L.at("local")) >= 30; });
  ASSERT_TRUE(Before) << Hotc.history();
  long Local = std::stol(Before->at("local"));
  P.edit("state.cpp", "return ++calls;", "return 1000 + ++calls;");
  auto Restored = Hotc.waitEvent("patched", 30s);
  ASSERT_TRUE(Restored) << Hotc.history();
  EXPECT_EQ(baselinesOf(*Restored, "restored"), 1) << Hotc.history();
  EXPECT_EQ(baselinesOf(*Restored, "compiled"), 0) << Hotc.history();
  // The live static, not a fresh copy (which would print 1001, 1002...).
  EXPECT_TRUE(Log.waitFor([&](auto &L) { return std::stol(L.at("local")) > 1000 + Local; }))
      << Hotc.history();
  P.edit("calls.cpp", "int extension() { return 0; }",
         "int extension() { return 43; }");
  auto Calls = Hotc.waitEvent("patched", 30s);
  ASSERT_TRUE(Calls) << Hotc.history();
  EXPECT_EQ(baselinesOf(*Calls, "restored"), 1) << Hotc.history();
  EXPECT_TRUE(Log.waitFor([](auto &L) { return L.at("ext") == "43"; })) << Hotc.history();
  // A unit no run has saved before is compiled (and stored).
  P.edit("other.cpp", "return ++s_hits;", "return 100000 + ++s_hits;");
  auto Other = Hotc.waitEvent("patched", 30s);
  ASSERT_TRUE(Other) << Hotc.history();
  EXPECT_EQ(baselinesOf(*Other, "compiled"), 1) << Hotc.history();
  EXPECT_EQ(baselinesOf(*Other, "restored"), 0) << Hotc.history();
  EXPECT_TRUE(Log.waitFor([](auto &L) { return std::stol(L.at("other")) > 100000; }))
      << Hotc.history();
}

// An entry of the baseline store that cannot be read is said, and the
// baseline compiled instead: the patch is right all the same.
TEST(LivePatch, UnreadableStoredBaselineIsReportedAndCompiled) {
  FixtureProject P = copyFixture("live_app", testName());
  ASSERT_EQ(buildWithLauncher(P), 0);
  {
    HotcProcess Hotc(watchWithoutDiskBuild(P, "app1.log"), P.Dir);
    saveFirstEditCompilingItsBaseline(Hotc, P);
    if (HasFatalFailure())
      return;
    Hotc.signal(SIGTERM);
    Hotc.waitExit();
  }
  P.edit("calls.cpp", "return 41;", "return 0;");
  ASSERT_EQ(shell("for f in '" + P.BuildDir + "'/.hotc/baselines/*.json; do "
                  "printf '{\"hashes\": ' > \"$f\"; done"),
            0);
  AppLog Log(P.path("app2.log"));
  HotcProcess Hotc(watchWithoutDiskBuild(P, "app2.log"), P.Dir);
  ASSERT_TRUE(Hotc.waitEvent("ready")) << Hotc.history();
  P.edit("calls.cpp", "int extension() { return 0; }",
         "int extension() { return 44; }");
  std::string Message;
  while (Message.find("baseline store") == std::string::npos) {
    auto N = Hotc.waitEvent("note", 30s);
    ASSERT_TRUE(N) << Hotc.history();
    Message = N->getString("message").value_or("").str();
  }
  EXPECT_NE(Message.find("not JSON"), std::string::npos) << Message;
  EXPECT_NE(Message.find("calls.cpp"), std::string::npos) << Message;
  auto E = Hotc.waitEvent("patched", 30s);
  ASSERT_TRUE(E) << Hotc.history();
  EXPECT_EQ(E->getObject("baselines")->getInteger("compiled"), 1);
  EXPECT_TRUE(Log.waitFor([](auto &L) { return L.at("ext") == "44"; })) << Hotc.history();
}

// A source of the build that the process does not run is not patched,
// and its saves are answered (they were met with silence).
TEST(LivePatch, SaveOfAUnitNotInTheProcessIsAnswered) {
  FixtureProject P = copyFixture("live_app", testName());
  P.write("side_tool.cpp", "int main() { return 0; }\n");
  std::string Lists = P.read("CMakeLists.txt");
  P.write("CMakeLists.txt", Lists + "\nadd_executable(side_tool side_tool.cpp)\n");
  ASSERT_EQ(buildWithLauncher(P), 0);
  HotcProcess Hotc(watchApp(P, "live_app"), P.Dir);
  ASSERT_TRUE(Hotc.waitEvent("ready")) << Hotc.history();
  P.edit("side_tool.cpp", "return 0;", "return 1;");
  auto E = Hotc.waitEvent("ignored|patched|error", 30s);
  ASSERT_TRUE(E) << Hotc.history();
  EXPECT_EQ(E->getString("event"), "ignored") << Hotc.history();
  EXPECT_EQ(E->getString("file"), P.path("side_tool.cpp"));
  EXPECT_NE(E->getString("reason").value_or("").find("not linked"),
            llvm::StringRef::npos)
      << Hotc.history();
}

// A damaged build record is said, not dropped silently: that unit's
// baseline falls back to the file on disk.
TEST(LivePatch, UnusableBuildRecordIsReported) {
  FixtureProject P = copyFixture("live_app", testName());
  ASSERT_EQ(buildWithLauncher(P), 0);
  ASSERT_EQ(shell("f=$(ls '" + P.BuildDir + "'/.hotc/objects/*.json | head -1) && "
                  "printf '{\"source\": ' > \"$f\""),
            0);
  HotcProcess Hotc(watchApp(P, "live_app"), P.Dir);
  auto N = Hotc.waitEvent("note");
  ASSERT_TRUE(N) << Hotc.history();
  std::string Message = N->getString("message").value_or("").str();
  EXPECT_NE(Message.find("build record unusable"), std::string::npos) << Message;
  EXPECT_NE(Message.find("not JSON"), std::string::npos) << Message;
  EXPECT_TRUE(Hotc.waitEvent("ready")) << Hotc.history();
}

} // namespace
} // namespace hotc::e2e

namespace hotc::e2e {
namespace {

std::string ninjaDryRun(const FixtureProject &P) {
  std::string Out = P.path("ninja-n.txt");
  shell("ninja -C '" + P.BuildDir + "' -n > '" + Out + "' 2>&1");
  return P.read("ninja-n.txt");
}

TEST(LivePatch, BuildOnDiskCatchesUpAfterAPatch) {
  LiveSession S;
  S.expectReady();
  S.Project.edit("calls.cpp", "int extension() { return 0; }",
                 "int extension() { return 41; }");
  S.expectPatched();
  auto R = S.Hotc->waitEvent("rebuilt", 120s);
  ASSERT_TRUE(R) << S.Hotc->history();
  EXPECT_NE(ninjaDryRun(S.Project).find("no work to do"), std::string::npos)
      << ninjaDryRun(S.Project);
  // The relinked binary on disk has the edit, as the process has.
  std::string Log2 = S.Project.path("fresh-run.log");
  shell("timeout 5 '" + S.Project.BuildDir + "/live_app' '" + Log2 +
        "' 0 3 > /dev/null");
  AppLog Fresh(Log2);
  ASSERT_TRUE(Fresh.last());
  EXPECT_EQ(Fresh.last()->at("ext"), "41");
}

size_t storedBaselines(const FixtureProject &P) {
  std::string Out = P.path("stored.txt");
  shell("ls '" + P.BuildDir + "'/.hotc/baselines/ 2>/dev/null | grep -c '\\.json$' > '" +
        Out + "'");
  return static_cast<size_t>(atoi(P.read("stored.txt").c_str()));
}

// The build on disk recompiles what a patch changed, so the next run of
// hotc watch, on the rebuilt binary, has new records for those units: the
// rebuild prepares their baselines in the store, and that run's first save
// of the unit reads it instead of compiling it.
TEST(LivePatch, BuildOnDiskPreparesTheNextRunsBaselines) {
  FixtureProject P = copyFixture("live_app", testName());
  ASSERT_EQ(buildWithLauncher(P), 0);
  auto Args = [&](const std::string &Log) {
    return std::vector<std::string>{"watch", "-p", P.BuildDir, "--json", "--exec",
                                    P.BuildDir + "/live_app", P.path(Log)};
  };
  {
    HotcProcess Hotc(Args("app1.log"), P.Dir);
    saveFirstEditCompilingItsBaseline(Hotc, P);
    if (HasFatalFailure())
      return;
    ASSERT_TRUE(Hotc.waitEvent("rebuilt", 120s)) << Hotc.history();
    // The baseline of the save (the old record), then the rebuilt one's.
    auto Until = std::chrono::steady_clock::now() + 60s;
    while (storedBaselines(P) < 2 && std::chrono::steady_clock::now() < Until)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_EQ(storedBaselines(P), 2u) << Hotc.history();
    Hotc.signal(SIGTERM);
    Hotc.waitExit();
  }
  AppLog Log(P.path("app2.log"));
  HotcProcess Hotc(Args("app2.log"), P.Dir);
  ASSERT_TRUE(Hotc.waitEvent("ready")) << Hotc.history();
  ASSERT_TRUE(Log.waitFor([](auto &L) { return L.at("ext") == "41"; }))
      << "the rebuilt binary runs the edit";
  P.edit("calls.cpp", "return 41;", "return 42;");
  auto Next = Hotc.waitEvent("patched", 30s);
  ASSERT_TRUE(Next) << Hotc.history();
  EXPECT_EQ(baselinesOf(*Next, "restored"), 1) << Hotc.history();
  EXPECT_EQ(baselinesOf(*Next, "compiled"), 0) << Hotc.history();
  EXPECT_TRUE(Log.waitFor([](auto &L) { return L.at("ext") == "42"; })) << Hotc.history();
}

// The pid a slow compile of buildWithSlowLauncher wrote, once it runs.
int slowCompilePid(const FixtureProject &P, std::chrono::seconds Timeout) {
  auto Until = std::chrono::steady_clock::now() + Timeout;
  while (std::chrono::steady_clock::now() < Until) {
    if (int Pid = atoi(P.read("slow.pid").c_str()); Pid > 0)
      return Pid;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

bool running(int Pid) { return ::kill(Pid, 0) == 0; }

// A save that arrives while the build on disk catches up stops it: its
// compiler is killed (the patch gets the cores), and the rebuild runs again
// once saves are quiet, so the disk ends with the last edit.
TEST(LivePatch, BuildOnDiskStopsForASaveAndCatchesUpLater) {
  FixtureProject P = copyFixture("live_app", testName());
  // A compiler launcher that, while the file `slow` exists, writes its pid
  // and sleeps before compiling.
  std::string Launcher = P.path("slowcc.sh");
  P.write("slowcc.sh", "#!/bin/sh\nif [ -e '" + P.path("slow") +
                           "' ]; then echo $$ > '" + P.path("slow.pid") +
                           "'; sleep 120; fi\nexec \"$@\"\n");
  ASSERT_EQ(shell("chmod +x '" + Launcher + "' && cmake -S '" + P.Dir +
                  "' -B '" + P.BuildDir +
                  "' -G Ninja -DCMAKE_BUILD_TYPE=Debug "
                  "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON "
                  "-DCMAKE_CXX_COMPILER_LAUNCHER='" + Launcher + "' > '" +
                  P.Dir + "/configure.log' 2>&1 && cmake --build '" +
                  P.BuildDir + "' > '" + P.Dir + "/build.log' 2>&1"),
            0);
  P.write("slow", "");
  AppLog Log(P.path("app.log"));
  HotcProcess Hotc({"watch", "-p", P.BuildDir, "--json", "--exec",
                    P.BuildDir + "/live_app", P.path("app.log"), "0", "-1"},
                   P.Dir);
  ASSERT_TRUE(Hotc.waitEvent("ready")) << Hotc.history();
  ASSERT_TRUE(Log.waitStarted());
  P.edit("calls.cpp", "int extension() { return 0; }",
         "int extension() { return 21; }");
  ASSERT_TRUE(Hotc.waitEvent("patched", 30s)) << Hotc.history();
  int Pid = slowCompilePid(P, 60s);
  ASSERT_GT(Pid, 0) << "the rebuild did not start\n" << Hotc.history();
  ASSERT_TRUE(running(Pid));

  P.edit("calls.cpp", "int extension() { return 21; }",
         "int extension() { return 22; }");
  ASSERT_TRUE(Hotc.waitEvent("patched", 30s)) << Hotc.history();
  // The rebuild starts again a quiet second later: at full speed now.
  ::unlink(P.path("slow").c_str());
  EXPECT_TRUE(Log.waitFor([](auto &L) { return L.at("ext") == "22"; }));
  // Killed by the save (it would sleep two minutes), not by the patch's end.
  for (int I = 0; I < 100 && running(Pid); ++I)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_FALSE(running(Pid)) << "the rebuild's compiler still runs";

  // Once saves are quiet the rebuild runs again, to its end.
  auto R = Hotc.waitEvent("rebuilt", 120s);
  ASSERT_TRUE(R) << Hotc.history();
  EXPECT_NE(ninjaDryRun(P).find("no work to do"), std::string::npos)
      << ninjaDryRun(P);
  std::string Log2 = P.path("fresh-run.log");
  shell("timeout 5 '" + P.BuildDir + "/live_app' '" + Log2 + "' 0 3 > /dev/null");
  AppLog Fresh(Log2);
  ASSERT_TRUE(Fresh.last());
  EXPECT_EQ(Fresh.last()->at("ext"), "22");
}

TEST(LivePatch, NewSourceFileRunsLiveAfterCMakeReruns) {
  LiveSession S;
  S.expectReady();
  S.Project.write("fresh.cpp", "int fresh_value() { return 77; }\n");
  S.Project.edit("CMakeLists.txt", "spin.cpp)", "spin.cpp fresh.cpp)");
  S.Project.edit("calls.cpp", "int extension() { return 0; }",
                 "int fresh_value();\nint extension() { return fresh_value(); }");
  // Before CMake knows fresh.cpp, the edit cannot link.
  auto E = S.Hotc->waitEvent("error");
  ASSERT_TRUE(E) << S.Hotc->history();
  EXPECT_EQ(E->getString("kind"), "link");
  ASSERT_EQ(shell("cmake -S '" + S.Project.Dir + "' -B '" + S.Project.BuildDir +
                  "' > /dev/null"),
            0);
  auto P = S.expectPatched();
  std::vector<std::string> Created = strings(P, "created");
  EXPECT_NE(std::find(Created.begin(), Created.end(), "_Z11fresh_valuev"),
            Created.end())
      << S.Hotc->history();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) { return L.at("ext") == "77"; }))
      << S.Hotc->history();
}

} // namespace
} // namespace hotc::e2e

namespace hotc::e2e {
namespace {

// live_app under hotc watch with a hotreload.toml in the project.
struct ConfiguredSession {
  FixtureProject Project;
  AppLog Log;
  std::unique_ptr<HotcProcess> Hotc;

  explicit ConfiguredSession(const std::string &Toml)
      : Project(FixtureProject::build("live_app", testName())),
        Log(Project.path("app.log")) {
    Project.write("hotreload.toml", Toml);
    Hotc = std::make_unique<HotcProcess>(
        std::vector<std::string>{"watch", "-p", Project.BuildDir, "--json",
                                 "--exec", Project.BuildDir + "/live_app",
                                 Project.path("app.log")},
        Project.Dir);
  }
};

TEST(LivePatch, ConfigExcludeAndLogAreHonoured) {
  ConfiguredSession S("exclude = [\"spin.cpp\"]\nlog = \"events.jsonl\"\n");
  ASSERT_TRUE(S.Hotc->waitEvent("ready")) << S.Hotc->history();
  S.Project.edit("calls.cpp", "int extension() { return 0; }",
                 "int extension() { return 51; }");
  ASSERT_TRUE(S.Hotc->waitEvent("patched")) << S.Hotc->history();
  // spin.cpp is excluded: not watched, so its save changes nothing.
  S.Project.edit("spin.cpp", "return 0; }", "return 5; }");
  S.Project.edit("calls.cpp", "return 51; }", "return 52; }");
  auto P = S.Hotc->waitEvent("patched");
  ASSERT_TRUE(P) << S.Hotc->history();
  EXPECT_EQ(strings(*P, "functions"), std::vector<std::string>{"_Z9extensionv"});
  auto L = S.Log.waitFor([](auto &L) { return L.at("ext") == "52"; });
  ASSERT_TRUE(L);
  EXPECT_EQ(L->at("thr"), "-");
  std::string Events = S.Project.read("events.jsonl");
  EXPECT_NE(Events.find("\"event\":\"ready\""), std::string::npos) << Events;
  EXPECT_NE(Events.find("\"event\":\"patched\""), std::string::npos) << Events;
}

TEST(LivePatch, ConfigRestartsACrashedProcess) {
  ConfiguredSession S("on_crash = \"restart\"\n");
  ASSERT_TRUE(S.Hotc->waitEvent("ready")) << S.Hotc->history();
  std::string Pids = S.Project.path("pids");
  shell("pgrep -P " + std::to_string(S.Hotc->pid()) + " > '" + Pids + "'");
  int AppPid = std::stoi(S.Project.read("pids"));
  ::kill(AppPid, SIGSEGV);
  auto E = S.Hotc->waitEvent("exited");
  ASSERT_TRUE(E) << S.Hotc->history();
  EXPECT_EQ(E->getInteger("signal"), SIGSEGV);
  // Started again, watched again, patchable again.
  ASSERT_TRUE(S.Hotc->waitEvent("ready")) << S.Hotc->history();
  S.Project.edit("calls.cpp", "int extension() { return 0; }",
                 "int extension() { return 61; }");
  ASSERT_TRUE(S.Hotc->waitEvent("patched")) << S.Hotc->history();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) { return L.at("ext") == "61"; }));
}

} // namespace
} // namespace hotc::e2e

namespace hotc::e2e {
namespace {

TEST(LivePatch, PreambleMemoryIsBoundedAndReported) {
  FixtureProject P = FixtureProject::build("live_app", testName());
  HotcProcess Hotc({"watch", "-p", P.BuildDir, "--json", "--max-preambles",
                    "2", "--exec", P.BuildDir + "/live_app", P.path("app.log")},
                   P.Dir);
  auto R = Hotc.waitEvent("ready");
  ASSERT_TRUE(R) << Hotc.history();
  EXPECT_EQ(R->getInteger("units"), 5);
  EXPECT_EQ(R->getInteger("preambles"), 2);
  EXPECT_GT(*R->getInteger("preamble_bytes"), 0);
  // A unit that gave its preamble up still patches (it builds a new one).
  P.edit("state.cpp", "return ++g_counter;", "return g_counter += 2;");
  ASSERT_TRUE(Hotc.waitEvent("patched")) << Hotc.history();
  P.edit("spin.cpp", "return 0; }", "return 8; }");
  ASSERT_TRUE(Hotc.waitEvent("patched")) << Hotc.history();
}

// preamble_budget_mb bounds the preambles' bytes: live_app's five take
// 10.9 MB, so with a 1 MB budget some units give theirs up (the last one
// used keeps its own, however big), and every unit still patches (it
// builds its preamble again).
TEST(LivePatch, PreambleBytesStayWithinTheBudget) {
  FixtureProject P = FixtureProject::build("live_app", testName());
  P.write("build/hotreload.toml", "preamble_budget_mb = 1\n");
  HotcProcess Hotc(watchApp(P, "live_app"), P.Dir);
  auto R = Hotc.waitEvent("ready");
  ASSERT_TRUE(R) << Hotc.history();
  EXPECT_EQ(R->getInteger("preamble_budget_bytes"), 1 << 20);
  auto WithinBudget = [](const llvm::json::Object &O) {
    int64_t N = O.getInteger("preambles").value_or(-1);
    int64_t Bytes = O.getInteger("preamble_bytes").value_or(-1);
    return N >= 1 && N < 5 && (Bytes <= (1 << 20) || N == 1);
  };
  EXPECT_TRUE(WithinBudget(*R)) << Hotc.history();
  P.edit("state.cpp", "return ++g_counter;", "return g_counter += 2;");
  ASSERT_TRUE(Hotc.waitEvent("patched")) << Hotc.history();
  P.edit("spin.cpp", "return 0; }", "return 8; }");
  ASSERT_TRUE(Hotc.waitEvent("patched")) << Hotc.history();
  HotcCommand C = runHotc(P, "status --json -p " + P.BuildDir);
  ASSERT_EQ(C.Code, 0) << C.Out;
  auto Status = llvm::json::parse(C.Out);
  ASSERT_TRUE(bool(Status)) << C.Out;
  const llvm::json::Object *O = Status->getAsObject();
  ASSERT_TRUE(O) << C.Out;
  EXPECT_TRUE(WithinBudget(*O)) << C.Out;
  EXPECT_EQ(O->getInteger("preamble_budget_bytes"), 1 << 20) << C.Out;
}

} // namespace
} // namespace hotc::e2e
