// Superseded code freed (the crash issue, item 4) on debug_app (GCC, -O0
// -g) with `undo_depth = 2`: a version past the undo history that later
// versions replaced is freed, string literals and all; one a thread is
// still inside stays until the thread leaves, then is freed; one that
// creates a function whose address it takes stays for good; undo past the history
// is refused; gdb still walks the stacks afterwards, and the next save
// patches as usual.
#include "live_session.h"

#include <thread>

namespace hotc::e2e {
namespace {

using namespace std::chrono_literals;

struct Version {
  bool Freed = false;
  std::string Kept;
};

struct ReleaseSession {
  FixtureProject Project;
  AppLog Log;
  std::unique_ptr<HotcProcess> Hotc;

  ReleaseSession()
      : Project(FixtureProject::build("debug_app", testName())),
        Log(Project.path("app.log")) {
    Project.write("hotreload.toml", "undo_depth = 2\n");
    Hotc = std::make_unique<HotcProcess>(
        std::vector<std::string>{"watch", "-p", Project.BuildDir, "--json",
                                 "--exec", Project.BuildDir + "/debug_app",
                                 Project.path("app.log")},
        Project.Dir);
    EXPECT_TRUE(Hotc->waitEvent("ready")) << Hotc->history();
    EXPECT_TRUE(Log.waitStarted());
  }

  // `hotc ARGS -p BUILD_DIR`: exit code, output in Out.
  int hotc(const std::string &Args, std::string &Out) {
    HotcCommand C = runHotc(Project, Args + " -p '" + Project.BuildDir + "'");
    Out = C.Out;
    return C.Code;
  }

  bool save(const std::string &From, const std::string &To) {
    Project.edit("step.cpp", From, To);
    auto P = Hotc->waitEvent("patched|error");
    return P && P->getString("event") == "patched";
  }

  std::string historyText() {
    std::string Out;
    hotc("history --json", Out);
    return Out + "\n" + Hotc->history();
  }

  // Version N as `hotc history --json` shows it.
  std::optional<Version> version(int64_t N) {
    std::string Out;
    if (hotc("history --json", Out) != 0)
      return std::nullopt;
    auto V = llvm::json::parse(Out);
    if (!V) {
      llvm::consumeError(V.takeError()); // the test fails on nullopt
      return std::nullopt;
    }
    for (const llvm::json::Value &E : *V->getAsObject()->getArray("versions")) {
      const llvm::json::Object *O = E.getAsObject();
      if (O->getInteger("version") != N)
        continue;
      return Version{O->getBoolean("freed").value_or(false),
                     O->getString("kept").value_or("").str()};
    }
    return std::nullopt;
  }

  // Waits until version N is freed or kept for a reason containing Why.
  std::optional<Version> waitVersion(int64_t N, bool Freed,
                                     const std::string &Why = "") {
    auto Deadline = std::chrono::steady_clock::now() + 40s;
    std::optional<Version> V;
    while (std::chrono::steady_clock::now() < Deadline) {
      V = version(N);
      if (V && V->Freed == Freed && V->Kept.find(Why) != std::string::npos)
        return V;
      std::this_thread::sleep_for(100ms);
    }
    return V;
  }

  // The app writes no line for a while: its main thread sleeps in rare().
  bool stalls() {
    auto Deadline = std::chrono::steady_clock::now() + 10s;
    long Seen = AppLog::tickOf(Log.last());
    auto Since = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() < Deadline) {
      std::this_thread::sleep_for(20ms);
      long Now = AppLog::tickOf(Log.last());
      if (Now != Seen) {
        Seen = Now;
        Since = std::chrono::steady_clock::now();
      } else if (std::chrono::steady_clock::now() - Since > 400ms) {
        return true;
      }
    }
    return false;
  }
};

TEST(CodeRelease, SupersededVersionsAreFreedWhenNothingReachesThem) {
  ReleaseSession S;
  // Version 1: rare() sleeps about 15 s, in the patch's code.
  ASSERT_TRUE(S.save("int rare(int tick) { return tick - tick + 7; }",
                     "#include <unistd.h>\n"
                     "int rare(int tick) {\n"
                     "  for (int i = 0; i < 1500; ++i)\n"
                     "    usleep(10000);\n"
                     "  return tick - tick + 8;\n"
                     "}"))
      << S.Hotc->history();
  S.Project.write("app.log.rare", "");
  ASSERT_TRUE(S.stalls()) << "the main thread never entered rare()";
  // Version 2 uses a string literal (linked from the session's pool of
  // literals, so it does not pin the version); 3 takes the address of a
  // function it creates; 4 neither.
  ASSERT_TRUE(S.save("  return base;\n",
                     "  const char *volatile s = \"xy\";\n"
                     "  return base + s[1] - 'x';\n"))
      << S.Hotc->history();
  ASSERT_TRUE(S.save("  const char *volatile s = \"xy\";\n"
                     "  return base + s[1] - 'x';\n",
                     "  int (*volatile f)() = [] { return 2; };\n"
                     "  return base + f();\n"))
      << S.Hotc->history();
  ASSERT_TRUE(S.save("  int (*volatile f)() = [] { return 2; };\n"
                     "  return base + f();\n",
                     "  return base + 3;\n"))
      << S.Hotc->history();
  // Version 5 replaces rare() while the main thread still sleeps in 1.
  ASSERT_TRUE(S.save("  for (int i = 0; i < 1500; ++i)\n"
                     "    usleep(10000);\n"
                     "  return tick - tick + 8;\n",
                     "  return tick - tick + 9;\n"))
      << S.Hotc->history();

  ASSERT_TRUE(S.save("  return base + 3;\n", "  return base + 4;\n"))
      << S.Hotc->history();
  ASSERT_TRUE(S.save("  return base + 4;\n", "  return base + 5;\n"))
      << S.Hotc->history();

  // The undo history holds 6 and 7. 2 was replaced by 3, which cannot be
  // undone: 2 is freed. 4 stays (undoing 6 goes back to it), 3 stays for
  // the lambda it created (its address is taken: a pointer to it may be
  // anywhere), 1 while the main thread sleeps in it.
  auto V2 = S.waitVersion(2, /*Freed=*/true);
  ASSERT_TRUE(V2 && V2->Freed) << S.historyText();
  auto V3 = S.waitVersion(3, false, "it created ");
  ASSERT_TRUE(V3 && V3->Kept.find("it created ") != std::string::npos)
      << S.historyText();
  auto V1 = S.waitVersion(1, false, "is running it or will return into it");
  ASSERT_TRUE(V1) << S.historyText();
  auto V4 = S.version(4);
  ASSERT_TRUE(V4 && !V4->Freed && V4->Kept.empty()) << S.historyText();
  ASSERT_TRUE(S.Log.waitFor([](auto &L) { return L.at("rare") == "8"; }, 1s) ==
              std::nullopt)
      << "the thread left rare() too early for this test";

  std::string Out;
  EXPECT_NE(S.hotc("undo 3", Out), 0) << Out; // 7, 6 and 5
  EXPECT_NE(Out.find("older than the undo history"), std::string::npos) << Out;

  // The thread returns from version 1 into main (rare=8), then calls 5.
  ASSERT_TRUE(S.Log.waitFor([](auto &L) { return L.at("rare") == "8"; }, 30s))
      << S.Hotc->history();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) {
    return L.at("rare") == "9" && L.at("value") == "6";
  }));
  // Looked at again later, version 1 is freed now nothing is in it.
  V1 = S.waitVersion(1, /*Freed=*/true);
  ASSERT_TRUE(V1 && V1->Freed) << S.historyText();
  EXPECT_EQ(S.version(3)->Freed, false);
  EXPECT_EQ(S.version(4)->Freed, false);
  ASSERT_EQ(S.hotc("status --json", Out), 0) << Out;
  auto St = llvm::json::parse(Out);
  ASSERT_TRUE(bool(St)) << Out;
  EXPECT_EQ(St->getAsObject()->getInteger("versions_freed"), 2) << Out;
  EXPECT_EQ(St->getAsObject()->getInteger("undo_depth"), 2) << Out;

  // gdb reads the JIT objects that are left and walks every stack.
  std::string Pids = S.Project.path("pids");
  ASSERT_EQ(shell("pgrep -P " + std::to_string(S.Hotc->pid()) + " > '" + Pids + "'"), 0);
  std::string Pid = S.Project.read("pids");
  Pid.erase(Pid.find_last_not_of("\n") + 1);
  ASSERT_EQ(shell(hotcBinary() + " gdb " + Pid +
                  " -- -batch -nx -ex 'thread apply all bt' > '" +
                  S.Project.path("gdb.out") + "' 2>&1"),
            0)
      << S.Project.read("gdb.out");
  std::string Gdb = S.Project.read("gdb.out");
  EXPECT_NE(Gdb.find(" main ("), std::string::npos) << Gdb;
  EXPECT_NE(Gdb.find("worker_loop"), std::string::npos) << Gdb;
  EXPECT_EQ(Gdb.find("Cannot access memory"), std::string::npos) << Gdb;

  // The app runs on, and the next save patches as before. Its literal has
  // the bytes of version 2's, which stayed in the pool when 2 was freed:
  // the new code reads them there.
  ASSERT_TRUE(S.save("  return base + 5;\n",
                     "  const char *volatile s = \"xy\";\n"
                     "  return base + s[1] - 'x' + 5;\n"))
      << S.Hotc->history();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) { return L.at("value") == "7"; }));
  // 4 has left the undo history with it (6 replaced it).
  auto Last = S.waitVersion(4, /*Freed=*/true);
  EXPECT_TRUE(Last && Last->Freed) << S.historyText();
}

} // namespace
} // namespace hotc::e2e
