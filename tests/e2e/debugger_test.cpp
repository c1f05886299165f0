// gdb attached to a process hotc patches (the debugging issue): gdb sees the
// patched code (bt, info line, list, locals, the version), a breakpoint set
// before a patch is hit in the new code, the world-stop signal passes
// silently with the package's command file, a process stopped in gdb is not
// patched half-way (the saves wait, `pending`, and apply when it runs), and
// a breakpoint on the first instruction of an entry is refused, not
// overwritten. debug_app is built with the system's compiler (GCC) at -O0 -g
// and gdb runs in batch mode through `hotc gdb`.
#include "live_session.h"

#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <fstream>

namespace hotc::e2e {
namespace {

struct DebugSession : FixtureSession {
  int AppPid = 0;
  int GdbRuns = 0;
  explicit DebugSession(const std::string &BuildType = "Debug")
      : FixtureSession("debug_app", testName(), BuildType) {
    auto Ready = Hotc.waitEvent("ready");
    EXPECT_TRUE(Ready) << Hotc.history();
    EXPECT_TRUE(Log.waitStarted());
    std::string Pids = Project.path("pids");
    EXPECT_EQ(shell("pgrep -P " + std::to_string(Hotc.pid()) + " > '" + Pids + "'"), 0);
    AppPid = std::stoi(Project.read("pids"));
  }
  // `hotc gdb PID -- -batch -x SCRIPT` in the background, its output kept.
  std::unique_ptr<BackgroundCommand> gdb(const std::string &Script) {
    // Each run its own script and output: a later one must not read an
    // earlier one's lines.
    std::string Run = "gdb" + std::to_string(++GdbRuns);
    Project.write(Run + ".gdb", Script);
    return std::make_unique<BackgroundCommand>(
        hotcBinary() + " gdb " + std::to_string(AppPid) + " -- -batch -nx -x '" +
            Project.path(Run + ".gdb") + "'",
        Project.path(Run + ".out"));
  }
  // `hotc debug ARGS` for this build: exit code; its output in Out.
  int debug(const std::string &Args, std::string &Out) {
    int Code = shell(hotcBinary() + " debug -p '" + Project.BuildDir + "' " +
                     Args + " > '" + Project.path("debug.out") + "' 2>&1");
    Out = Project.read("debug.out");
    return Code;
  }
  bool waitFile(const std::string &Rel, Seconds Timeout = 60s) {
    auto Deadline = std::chrono::steady_clock::now() + Timeout;
    while (std::chrono::steady_clock::now() < Deadline) {
      if (access(Project.path(Rel).c_str(), F_OK) == 0)
        return true;
      std::this_thread::sleep_for(20ms);
    }
    return false;
  }
};

const char *kEdit = "  int extra = 40;\n  return base + extra;\n";

TEST(Debugger, BreakpointBeforeAPatchIsHitInTheNewCodeAndGdbShowsIt) {
  DebugSession S;
  std::string Stage1 = S.Project.path("stage1"), Stage2 = S.Project.path("stage2");
  // Stopped at the breakpoint in the old code, gdb waits in `shell` for the
  // test (the process stays stopped); then it continues until the same
  // breakpoint stops in patched code (named NAME [clone .hotcN]).
  auto Gdb = S.gdb(
      "set pagination off\n"
      "set confirm off\n"
      "break step.cpp:3\n"
      "continue\n"
      "echo OLD-FRAME\\n\n"
      "hotc-version\n"
      "shell touch '" + Stage1 + "'; while [ ! -f '" + Stage2 +
      "' ]; do sleep 0.05; done\n"
      "python\n"
      "for _ in range(1000):\n"
      "    gdb.execute('continue')\n"
      "    if '.hotc' in gdb.execute('info symbol $pc', to_string=True):\n"
      "        break\n"
      "end\n"
      "echo NEW-FRAME\\n\n"
      "hotc-version\n"
      "next\n"
      "next\n"
      "bt\n"
      "info line *$pc\n"
      "print extra\n"
      "list step.cpp:5,5\n"
      "echo GDB-DONE\\n\n"
      "detach\n");
  ASSERT_TRUE(S.waitFile("stage1")) << Gdb->output();
  S.Project.edit("step.cpp", "  return base;\n", kEdit);
  // The process is stopped at the breakpoint: the save waits.
  auto Pending = S.Hotc.waitEvent("pending|patched|error");
  ASSERT_TRUE(Pending) << S.Hotc.history();
  ASSERT_EQ(Pending->getString("event").value_or(""), "pending") << S.Hotc.history();
  EXPECT_NE(Pending->getString("reason").value_or("").find("by a debugger"),
            std::string::npos) << S.Hotc.history();
  { // the event as docs/events.schema.json describes it
    std::string Line;
    llvm::raw_string_ostream(Line) << llvm::json::Value(llvm::json::Object(*Pending));
    std::ofstream(S.Project.path("pending.jsonl")) << Line << "\n";
    EXPECT_EQ(shell("python3 '" HOTC_SOURCE_DIR "/tests/e2e/check_events.py' '" +
                    S.Project.path("pending.jsonl") + "' '" HOTC_SOURCE_DIR
                    "/docs/events.schema.json' pending"),
              0);
  }
  { std::ofstream(Stage2) << "go\n"; }
  auto P = S.Hotc.waitEvent("patched|error");
  ASSERT_TRUE(P && P->getString("event") == "patched") << S.Hotc.history() << Gdb->output();
  ASSERT_TRUE(Gdb->waitOutput("GDB-DONE", 60s)) << Gdb->output();
  std::string Out = Gdb->output();
  size_t New = Out.find("NEW-FRAME");
  ASSERT_NE(New, std::string::npos) << Out;
  std::string Old = Out.substr(0, New), After = Out.substr(New);
  // Before: the build's code; after: version 1 of step.
  EXPECT_NE(Old.find("OLD-FRAME\nstep(int) + "), std::string::npos) << Out;
  EXPECT_EQ(Old.find(".hotc"), std::string::npos) << Out;
  EXPECT_NE(After.find("step(int) [clone .hotc1]"), std::string::npos) << Out;
  // bt: the patched frame by name and the edited line; its caller.
  EXPECT_NE(After.find("#0  step (tick="), std::string::npos) << Out;
  EXPECT_NE(After.find("step.cpp:5"), std::string::npos) << Out;
  EXPECT_NE(After.find(" main ("), std::string::npos) << Out;
  EXPECT_NE(After.find("Line 5 of \""), std::string::npos) << Out;
  EXPECT_NE(After.find("$1 = 40"), std::string::npos) << Out;
  EXPECT_NE(After.find("5\t  return base + extra;"), std::string::npos) << Out;
  // The world-stop signal went by silently.
  EXPECT_EQ(Out.find("SIG61"), std::string::npos) << Out;
  // gdb detached: the process runs the new code.
  EXPECT_TRUE(S.Log.waitFor([](auto &L) { return L.at("value") == "41"; }))
      << S.Hotc.history();
}

// Patches apply while gdb is attached and the process runs.
TEST(Debugger, PatchesApplyWhileGdbIsAttachedAndTheProcessRuns) {
  DebugSession S;
  std::string Go = S.Project.path("go");
  auto Gdb = S.gdb("set pagination off\n"
                   "break rare\n"
                   "continue\n"
                   "echo RARE-HIT\\n\n"
                   "delete\n"
                   "detach\n");
  ASSERT_TRUE(Gdb->waitOutput("Breakpoint 1 at", 60s)) << Gdb->output();
  std::this_thread::sleep_for(300ms); // gdb is in `continue`
  for (int V : {41, 42}) {
    S.Project.edit("step.cpp", V == 41 ? "  return base;\n" : "base + 40;",
                   V == 41 ? "  return base + 40;\n" : "base + 41;");
    auto P = S.Hotc.waitEvent("patched|error|pending");
    ASSERT_TRUE(P && P->getString("event") == "patched") << S.Hotc.history();
    EXPECT_TRUE(S.Log.waitFor([&](auto &L) { return L.at("value") == std::to_string(V); }))
        << S.Hotc.history();
  }
  { std::ofstream(S.Project.path("app.log.rare")) << "on\n"; }
  ASSERT_TRUE(Gdb->waitOutput("RARE-HIT", 60s)) << Gdb->output();
  EXPECT_EQ(Gdb->output().find("SIG61"), std::string::npos) << Gdb->output();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) { return L.at("rare") == "7"; }));
}

// A breakpoint on the very first instruction of a function: the jump hotc
// writes there would be corrupted when gdb puts its saved byte back, so the
// patch is refused with the reason, and applies once the breakpoint is gone.
TEST(Debugger, ABreakpointOnTheFirstInstructionOfAnEntryIsRefused) {
  DebugSession S;
  auto Gdb = S.gdb("set pagination off\n"
                   "break *rare\n"
                   "continue\n"
                   "echo RARE-HIT\\n\n"
                   "delete\n"
                   "detach\n");
  ASSERT_TRUE(Gdb->waitOutput("Breakpoint 1 at", 60s)) << Gdb->output();
  std::this_thread::sleep_for(300ms);
  S.Project.edit("step.cpp", "return tick - tick + 7;", "return tick - tick + 8;");
  auto E = S.Hotc.waitEvent("patched|error|pending");
  ASSERT_TRUE(E && E->getString("event") == "error") << S.Hotc.history();
  EXPECT_NE(E->getString("message").value_or("").find("a debugger changed the first bytes"),
            std::string::npos) << S.Hotc.history();
  // The program calls rare(): gdb stops there, deletes the breakpoint and
  // detaches; the build's code runs, untouched.
  { std::ofstream(S.Project.path("app.log.rare")) << "on\n"; }
  ASSERT_TRUE(Gdb->waitOutput("RARE-HIT", 60s)) << Gdb->output();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) { return L.at("rare") == "7"; }))
      << S.Hotc.history();
  S.Project.edit("step.cpp", "return tick - tick + 8;", "return tick - tick + 9;");
  auto P = S.Hotc.waitEvent("patched|error");
  ASSERT_TRUE(P && P->getString("event") == "patched") << S.Hotc.history();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) { return L.at("rare") == "9"; }));
}

// What debug_app's sum() returns.
int sumOf(long Tick) {
  int Total = 0;
  for (int I = 0; I < 8; ++I)
    Total += static_cast<int>((Tick + I) % 7);
  return Total + (Total * 3) % 2;
}

// Hot-deoptimize in an -O2 -g build (GCC): gdb shows `total` as optimised
// out; after `hotc debug sum` the same breakpoint stops in unoptimised code
// where it prints; after `hotc debug --off` the build's code runs again.
// The app's results never change.
TEST(Debugger, HotDeoptimizeShowsWhatTheOptimiserHidAndOffPutsTheBuildsCodeBack) {
  DebugSession S("RelWithDebInfo");
  auto Look = [&](const std::string &Tag) {
    auto Gdb = S.gdb("set pagination off\n"
                     "break step.cpp:13\n"
                     "continue\n"
                     "echo " + Tag + "\\n\n"
                     "print total\n"
                     "hotc-version\n"
                     "echo GDB-DONE\\n\n"
                     "detach\n");
    EXPECT_TRUE(Gdb->waitOutput("GDB-DONE", 60s)) << Gdb->output();
    std::string Out = Gdb->output();
    size_t At = Out.find(Tag + "\n");
    return At == std::string::npos ? Out : Out.substr(At);
  };
  auto SumsRight = [&] {
    auto L = S.Log.waitFor([](auto &) { return true; });
    return L && std::stoi(L->at("sum")) == sumOf(AppLog::num(*L, "tick"));
  };
  std::string Before = Look("OPTIMISED");
  EXPECT_NE(Before.find("$1 = <optimized out>"), std::string::npos) << Before;
  EXPECT_NE(Before.find("sum(int) + "), std::string::npos) << Before;
  EXPECT_EQ(Before.find(".hotc"), std::string::npos) << Before;
  EXPECT_TRUE(SumsRight());

  std::string Said;
  ASSERT_EQ(S.debug("sum", Said), 0) << Said << S.Hotc.history();
  EXPECT_NE(Said.find("unoptimised: sum(int)"), std::string::npos) << Said;
  auto P = S.Hotc.waitEvent("patched|error");
  ASSERT_TRUE(P && P->getString("event") == "patched") << S.Hotc.history();
  EXPECT_EQ(strings(*P, "functions"), std::vector<std::string>{"_Z3sumi"});
  std::string During = Look("UNOPTIMISED");
  EXPECT_NE(During.find("sum(int) [clone .hotc1]"), std::string::npos) << During;
  EXPECT_EQ(During.find("<optimized out>"), std::string::npos) << During;
  EXPECT_NE(During.find("$1 = "), std::string::npos) << During;
  EXPECT_TRUE(SumsRight());

  ASSERT_EQ(S.debug("--off", Said), 0) << Said << S.Hotc.history();
  EXPECT_NE(Said.find("optimised again: sum(int)"), std::string::npos) << Said;
  auto U = S.Hotc.waitEvent("undone|patched|error");
  ASSERT_TRUE(U && U->getString("event") == "undone") << S.Hotc.history();
  std::string After = Look("OPTIMISED-AGAIN");
  EXPECT_NE(After.find("$1 = <optimized out>"), std::string::npos) << After;
  EXPECT_NE(After.find("sum(int) + "), std::string::npos) << After;
  EXPECT_EQ(After.find(".hotc"), std::string::npos) << After;
  EXPECT_TRUE(SumsRight());
  // Nothing left to turn off.
  EXPECT_EQ(S.debug("--off", Said), 1) << Said;
  EXPECT_NE(Said.find("no function runs unoptimised"), std::string::npos) << Said;
}

// A static function GCC inlined into its only caller has no code of its
// own: `hotc debug` links it unoptimised as new code and relinks the caller
// the DWARF names, which then calls it; gdb stops in it with its locals.
TEST(Debugger, HotDeoptimizeOfAFunctionInlinedEverywhereRelinksItsCaller) {
  DebugSession S("RelWithDebInfo");
  std::string Said;
  ASSERT_EQ(S.debug("scaled", Said), 0) << Said << S.Hotc.history();
  auto P = S.Hotc.waitEvent("patched|error");
  ASSERT_TRUE(P && P->getString("event") == "patched") << S.Hotc.history();
  std::vector<std::string> Inlined = strings(*P, "inlined");
  ASSERT_EQ(Inlined.size(), 1u) << S.Hotc.history();
  EXPECT_EQ(Inlined[0].rfind("chain(int)", 0), 0u) << Inlined[0];
  EXPECT_EQ(strings(*P, "functions"), std::vector<std::string>{"_Z5chaini"});
  EXPECT_EQ(strings(*P, "created"), std::vector<std::string>{"_ZL6scaledi"});
  EXPECT_TRUE(strings(*P, "warnings").empty()) << S.Hotc.history();
  auto Gdb = S.gdb("set pagination off\n"
                   "break scaled\n"
                   "continue\n"
                   "next\n"
                   "print doubled == 2 * v\n"
                   "bt 2\n"
                   "echo GDB-DONE\\n\n"
                   "detach\n");
  ASSERT_TRUE(Gdb->waitOutput("GDB-DONE", 60s)) << Gdb->output();
  std::string Out = Gdb->output();
  EXPECT_NE(Out.find("$1 = true"), std::string::npos) << Out;
  EXPECT_NE(Out.find("#0  scaled (v="), std::string::npos) << Out;
  EXPECT_NE(Out.find(" chain (tick="), std::string::npos) << Out;
  auto L = S.Log.waitFor([](auto &) { return true; });
  ASSERT_TRUE(L);
  EXPECT_EQ(AppLog::num(*L, "chain"), 4 * AppLog::num(*L, "tick") + 4);
  ASSERT_EQ(S.debug("--off scaled", Said), 0) << Said << S.Hotc.history();
  ASSERT_TRUE(S.Hotc.waitEvent("undone")) << S.Hotc.history();
}

// Two deoptimisations, then --off of both: undoing only the newest would
// leave the first unoptimised; both are linked optimised again instead.
TEST(Debugger, OffAfterTwoDeoptimisationsRelinksBoth) {
  DebugSession S("RelWithDebInfo");
  std::string Said;
  ASSERT_EQ(S.debug("sum", Said), 0) << Said;
  ASSERT_TRUE(S.Hotc.waitEvent("patched")) << S.Hotc.history();
  ASSERT_EQ(S.debug("step", Said), 0) << Said;
  ASSERT_TRUE(S.Hotc.waitEvent("patched")) << S.Hotc.history();
  ASSERT_EQ(S.debug("--off", Said), 0) << Said;
  auto P = S.Hotc.waitEvent("patched|undone|error");
  ASSERT_TRUE(P && P->getString("event") == "patched") << S.Hotc.history();
  std::vector<std::string> Fs = strings(*P, "functions");
  std::sort(Fs.begin(), Fs.end());
  EXPECT_EQ(Fs, (std::vector<std::string>{"_Z3sumi", "_Z4stepi"})) << S.Hotc.history();
  EXPECT_EQ(S.debug("--off", Said), 1) << Said;
  EXPECT_TRUE(S.Log.waitFor([](auto &L) {
    return std::stoi(L.at("sum")) == sumOf(AppLog::num(L, "tick"));
  }));
}

// Names and lines that lead nowhere are refused with the reason.
TEST(Debugger, HotDeoptimizeRefusesWhatItCannotFind) {
  DebugSession S("RelWithDebInfo");
  std::string Said;
  EXPECT_EQ(S.debug("no_such_function", Said), 1) << Said;
  EXPECT_NE(Said.find("no function named no_such_function has code in the process"),
            std::string::npos) << Said;
  EXPECT_EQ(S.debug("step.cpp:6", Said), 1) << Said; // an empty line
  EXPECT_NE(Said.find("no code of the process comes from step.cpp:6"),
            std::string::npos) << Said;
  // FILE:LINE names the function whose code the line became.
  EXPECT_EQ(S.debug("step.cpp:12", Said), 0) << Said << S.Hotc.history();
  EXPECT_NE(Said.find("unoptimised: sum(int)"), std::string::npos) << Said;
  auto P = S.Hotc.waitEvent("patched|error");
  ASSERT_TRUE(P && P->getString("event") == "patched") << S.Hotc.history();
}

} // namespace
} // namespace hotc::e2e
