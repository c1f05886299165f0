// Crashes in patched code, on real processes: crash_app under `hotc watch`,
// built with the system's compiler (GCC on Debian) at -O0 -g. Each fault is
// written into a function the main thread or a worker thread calls; the
// agent must report it with function, file and line, undo the version, let
// the thread leave the function and keep the process running, and a fixing
// save must patch again.
#include "live_session.h"
#include "protocol/agent_protocol.h"

#include <csignal>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

namespace hotc::e2e {
namespace {

struct Fault {
  const char *Name;
  const char *Body; // replaces the function's `return N;`
  const char *Signal;
};

const Fault kFaults[] = {
    {"NullDereference", "int *volatile p = nullptr; return *p + tick;", "SIGSEGV"},
    {"DivisionByZero", "volatile int z = 0; return tick / z;", "SIGFPE"},
    {"Abort", "if (tick >= 0) abort(); return 7;", "SIGABRT"},
    {"StackOverflow",
     "volatile char pad[512]; pad[0] = (char)tick; return FN(tick + 1) + pad[0];",
     "SIGSEGV"},
};

struct CrashCase {
  const Fault *F;
  bool Worker; // in the worker thread, else the main thread
};

std::string caseName(const testing::TestParamInfo<CrashCase> &I) {
  return std::string(I.param.F->Name) + (I.param.Worker ? "InAWorker" : "InMain");
}

struct CrashSession {
  FixtureProject Project;
  AppLog Log;
  std::unique_ptr<HotcProcess> Hotc;

  explicit CrashSession(const std::string &Toml = "")
      : Project(FixtureProject::build("crash_app", testName())),
        Log(Project.path("app.log")) {
    if (!Toml.empty())
      Project.write("hotreload.toml", Toml);
    Hotc = std::make_unique<HotcProcess>(
        std::vector<std::string>{"watch", "-p", Project.BuildDir, "--json",
                                 "--exec", Project.BuildDir + "/crash_app",
                                 Project.path("app.log")},
        Project.Dir);
    auto Ready = Hotc->waitEvent("ready");
    EXPECT_TRUE(Ready) << Hotc->history();
    EXPECT_TRUE(Log.waitStarted());
  }
};

class Crashes : public testing::TestWithParam<CrashCase> {};

TEST_P(Crashes, AreReportedRolledBackAndTheProcessKeepsRunning) {
  const CrashCase &C = GetParam();
  const char *Fn = C.Worker ? "on_worker" : "on_main";
  const char *Key = C.Worker ? "worker" : "main";
  const char *Old = C.Worker ? "return 2;" : "return 1;";
  CrashSession S;
  std::string Body = C.F->Body;
  if (size_t At = Body.find("FN"); At != std::string::npos)
    Body.replace(At, 2, Fn);
  S.Project.edit("crash.cpp", std::string(Fn) + "(int tick) { " + Old,
                 std::string(Fn) + "(int tick) { " + Body);
  auto P = S.Hotc->waitEvent("patched");
  ASSERT_TRUE(P) << S.Hotc->history();

  auto E = S.Hotc->waitEvent("crashed");
  ASSERT_TRUE(E) << S.Hotc->history();
  EXPECT_EQ(E->getString("signal_name").value_or(""), C.F->Signal);
  EXPECT_EQ(E->getString("action").value_or(""), "rolled_back") << S.Hotc->history();
  const llvm::json::Object *At = E->getObject("at");
  ASSERT_TRUE(At) << S.Hotc->history();
  EXPECT_EQ(At->getString("function").value_or(""), std::string(Fn) + "(int)");
  EXPECT_TRUE(At->getString("file").value_or("").ends_with("crash.cpp"))
      << S.Hotc->history();
  EXPECT_EQ(At->getInteger("line").value_or(0), C.Worker ? 3 : 2);
  EXPECT_EQ(At->getInteger("version").value_or(0), 1);
  EXPECT_EQ(E->getString("left").value_or(""), std::string(Fn) + "(int)");
  const llvm::json::Array *Undone = E->getArray("undone");
  ASSERT_TRUE(Undone && Undone->size() == 1) << S.Hotc->history();
  EXPECT_EQ((*Undone)[0].getAsInteger().value_or(0), 1);

  // The old code runs again and the process keeps counting.
  std::string Was = C.Worker ? "2" : "1";
  EXPECT_TRUE(S.Log.waitFor([&](auto &L) { return L.at(Key) == Was; }))
      << "the process did not go back to the code before the crash";
  // A fixing save patches as any other, on top of the undone version.
  S.Project.edit("crash.cpp", std::string(Fn) + "(int tick) { " + Body,
                 std::string(Fn) + "(int tick) { return 40 + 5;");
  auto Fixed = S.Hotc->waitEvent("patched|error");
  ASSERT_TRUE(Fixed && Fixed->getString("event") == "patched") << S.Hotc->history();
  EXPECT_TRUE(S.Log.waitFor([&](auto &L) { return L.at(Key) == "45"; }))
      << S.Hotc->history();
  // The other thread never stopped.
  std::string Other = C.Worker ? "main" : "worker";
  auto L = S.Log.last();
  ASSERT_TRUE(L);
  EXPECT_EQ(L->at(Other), C.Worker ? "1" : "2");
}

std::vector<CrashCase> allCases() {
  std::vector<CrashCase> Out;
  for (const Fault &F : kFaults)
    for (bool Worker : {false, true})
      Out.push_back({&F, Worker});
  return Out;
}

INSTANTIATE_TEST_SUITE_P(Faults, Crashes, testing::ValuesIn(allCases()), caseName);

// on_crash = "report": the crash is reported, and takes its course.
TEST(CrashPolicy, ReportLetsTheFaultTakeItsCourse) {
  CrashSession S("on_crash = \"report\"\n");
  S.Project.edit("crash.cpp", "on_main(int tick) { return 1;",
                 "on_main(int tick) { int *volatile p = nullptr; return *p;");
  // The process may die before the agent's answer to the patch reaches
  // hotc: the crash report is what counts.
  auto E = S.Hotc->waitEvent("crashed");
  ASSERT_TRUE(E) << S.Hotc->history();
  EXPECT_EQ(E->getString("action").value_or(""), "reported");
  ASSERT_TRUE(E->getObject("at"));
  EXPECT_EQ(E->getObject("at")->getString("function").value_or(""), "on_main(int)");
  // The app's own SIGSEGV handler was installed after the agent's: the
  // fault in patched code reaches it, as it would without hotc.
  auto X = S.Hotc->waitEvent("exited");
  ASSERT_TRUE(X) << S.Hotc->history();
  EXPECT_EQ(X->getInteger("code").value_or(-1), 42) << S.Hotc->history();
}

// A fault in the application's own code is the application's: its handler
// runs, and hotc reports no crash of patched code.
TEST(CrashPolicy, TheAppsOwnHandlerKeepsFaultsInItsOwnCode) {
  CrashSession S;
  S.Project.edit("crash.cpp", "on_main(int tick) { return 1;",
                 "on_main(int tick) { return 3;");
  ASSERT_TRUE(S.Hotc->waitEvent("patched")) << S.Hotc->history();
  ASSERT_TRUE(S.Log.waitFor([](auto &L) { return L.at("main") == "3"; }));
  { std::ofstream(S.Project.path("app.log.fault")) << "now\n"; }
  auto X = S.Hotc->waitEvent("exited|crashed");
  ASSERT_TRUE(X) << S.Hotc->history();
  EXPECT_EQ(X->getString("event").value_or(""), "exited") << S.Hotc->history();
  EXPECT_EQ(X->getInteger("code").value_or(-1), 42) << S.Hotc->history();
  EXPECT_EQ(S.Project.read("app.log.handled"), "own-handler\n");
}

// A process killed by a signal leaves its socket (and an unread crash log):
// the next agent to start in that directory removes those of dead pids.
TEST(CrashPolicy, FilesOfDeadProcessesAreRemoved) {
  char Private[] = "/tmp/hotc-sockets-XXXXXX";
  ASSERT_NE(mkdtemp(Private), nullptr);
  setenv(protocol::kEnvSocketDir, Private, 1);
  pid_t Dead = fork();
  if (Dead == 0)
    _exit(0);
  ASSERT_GT(Dead, 0);
  waitpid(Dead, nullptr, 0);
  std::string Sock = std::string(Private) + "/" + std::to_string(Dead) + ".sock";
  std::string Log = std::string(Private) + "/" + std::to_string(Dead) + ".crash";
  std::string Alive = std::string(Private) + "/" + std::to_string(getpid()) + ".sock";
  for (const std::string &F : {Sock, Log, Alive})
    std::ofstream(F) << "left behind\n";
  CrashSession S;
  EXPECT_NE(access(Sock.c_str(), F_OK), 0) << Sock;
  EXPECT_NE(access(Log.c_str(), F_OK), 0) << Log;
  EXPECT_EQ(access(Alive.c_str(), F_OK), 0) << "a live pid's file must stay";
}

// hotc watch removes the socket of the process it watched once that ended,
// even by SIGKILL.
TEST(CrashPolicy, TheSocketOfAKilledProcessIsRemoved) {
  char Private[] = "/tmp/hotc-sockets-XXXXXX";
  ASSERT_NE(mkdtemp(Private), nullptr);
  setenv(protocol::kEnvSocketDir, Private, 1);
  CrashSession S;
  std::string Pids = S.Project.path("pids");
  ASSERT_EQ(shell("pgrep -P " + std::to_string(S.Hotc->pid()) + " > '" + Pids + "'"), 0);
  int AppPid = std::stoi(S.Project.read("pids"));
  std::string Sock = std::string(Private) + "/" + std::to_string(AppPid) + ".sock";
  EXPECT_EQ(access(Sock.c_str(), F_OK), 0) << Sock;
  ::kill(AppPid, SIGKILL);
  ASSERT_TRUE(S.Hotc->waitEvent("exited")) << S.Hotc->history();
  EXPECT_NE(access(Sock.c_str(), F_OK), 0) << Sock;
}

} // namespace
} // namespace hotc::e2e
