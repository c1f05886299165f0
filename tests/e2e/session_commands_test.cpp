// Commands to a running `hotc watch` from another terminal (`hotc
// undo/redo/history/status/pause/resume/reload -p BUILD_DIR`) and keys in
// the watch terminal, on crash_app (GCC, -O0 -g): the process goes back to
// earlier code and forward again with its state intact, the next save
// patches as usual, held saves wait for resume.
#include "live_session.h"

#include <fstream>
#include <poll.h>
#include <pty.h>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace hotc::e2e {
namespace {

// The state of each version in `hotc history --json`.
std::string states(const FixtureProject &P) {
  HotcCommand C = runHotc(P, "history --json -p " + P.BuildDir);
  auto V = llvm::json::parse(C.Out);
  if (C.Code != 0 || !V || !V->getAsObject())
    return "error: " + C.Out + (V ? "" : llvm::toString(V.takeError()));
  std::string S;
  for (const llvm::json::Value &E : *V->getAsObject()->getArray("versions")) {
    const llvm::json::Object *O = E.getAsObject();
    S += (S.empty() ? "" : " ") +
         std::to_string(O->getInteger("version").value_or(0)) + ":" +
         O->getString("state").value_or("?").str();
  }
  return S;
}

struct UndoSession {
  FixtureProject Project;
  AppLog Log;
  std::unique_ptr<HotcProcess> Hotc;

  UndoSession()
      : Project(FixtureProject::build("crash_app", testName())),
        Log(Project.path("app.log")) {
    Hotc = std::make_unique<HotcProcess>(
        std::vector<std::string>{"watch", "-p", Project.BuildDir, "--json",
                                 "--exec", Project.BuildDir + "/crash_app",
                                 Project.path("app.log")},
        Project.Dir);
    EXPECT_TRUE(Hotc->waitEvent("ready")) << Hotc->history();
    EXPECT_TRUE(Log.waitStarted());
  }

  // Saves on_main returning To instead of From; true once the app shows it.
  bool save(const std::string &From, const std::string &To) {
    Project.edit("crash.cpp", "on_main(int tick) { return " + From + ";",
                 "on_main(int tick) { return " + To + ";");
    auto P = Hotc->waitEvent("patched|error");
    return P && P->getString("event") == "patched" && shows(To);
  }
  bool shows(const std::string &Main) {
    return Log.waitFor([&](auto &L) { return L.at("main") == Main; }).has_value();
  }
};

TEST(SessionCommands, FromAnotherTerminal) {
  UndoSession S;
  ASSERT_TRUE(S.save("1", "11")) << S.Hotc->history();
  ASSERT_TRUE(S.save("11", "22")) << S.Hotc->history();

  HotcCommand H = runHotc(S.Project, "history -p " + S.Project.BuildDir);
  EXPECT_EQ(H.Code, 0) << H.Out;
  EXPECT_NE(H.Out.find("crash.cpp: on_main(int)"), std::string::npos) << H.Out;
  // Named as crash reports name code: function and the patch's file:line.
  EXPECT_NE(H.Out.find("[on_main(int) at crash.cpp:2]"), std::string::npos) << H.Out;
  EXPECT_EQ(states(S.Project), "1:live 2:live");

  HotcCommand U = runHotc(S.Project, "undo -p " + S.Project.BuildDir);
  EXPECT_EQ(U.Code, 0) << U.Out;
  EXPECT_NE(U.Out.find("undid version 2"), std::string::npos) << U.Out;
  EXPECT_TRUE(S.shows("11")) << "version 1's code must run again";
  auto Ev = S.Hotc->waitEvent("undone");
  ASSERT_TRUE(Ev) << S.Hotc->history();
  EXPECT_EQ(states(S.Project), "1:live 2:undone");
  EXPECT_EQ(runHotc(S.Project, "undo -p " + S.Project.BuildDir).Code, 0);
  EXPECT_TRUE(S.shows("1")) << "the build's own code must run again";

  // Redo goes forward in order, then there is nothing left to redo.
  EXPECT_EQ(runHotc(S.Project, "redo -p " + S.Project.BuildDir).Code, 0);
  EXPECT_TRUE(S.shows("11"));
  EXPECT_EQ(runHotc(S.Project, "redo -p " + S.Project.BuildDir).Code, 0);
  EXPECT_TRUE(S.shows("22"));
  HotcCommand None = runHotc(S.Project, "redo -p " + S.Project.BuildDir);
  EXPECT_EQ(None.Code, 1) << None.Out;
  EXPECT_NE(None.Out.find("nothing to redo"), std::string::npos) << None.Out;

  // Two at once, then a save: it patches against what runs, and the
  // undone versions can no longer be redone.
  HotcCommand Two = runHotc(S.Project, "undo 2 -p " + S.Project.BuildDir);
  EXPECT_EQ(Two.Code, 0) << Two.Out;
  EXPECT_NE(Two.Out.find("undid versions 2, 1"), std::string::npos) << Two.Out;
  EXPECT_TRUE(S.shows("1"));
  ASSERT_TRUE(S.save("22", "33")) << S.Hotc->history();
  EXPECT_EQ(states(S.Project), "1:dropped 2:dropped 3:live");
  EXPECT_EQ(runHotc(S.Project, "redo -p " + S.Project.BuildDir).Code, 1);
  auto L = S.Log.last();
  ASSERT_TRUE(L);
  EXPECT_EQ(L->at("worker"), "2") << "the other thread kept running";
  EXPECT_GT(AppLog::num(*L, "tick"), 0);
}

TEST(SessionCommands, NamesTheSessionItCannotFind) {
  UndoSession S;
  HotcCommand C = runHotc(S.Project, "undo -p /nonexistent/build");
  EXPECT_EQ(C.Code, 2) << C.Out;
  EXPECT_NE(C.Out.find("no hotc watch session watches /nonexistent/build"),
            std::string::npos)
      << C.Out;
  EXPECT_NE(C.Out.find(S.Project.BuildDir), std::string::npos)
      << "the sessions running are listed\n" << C.Out;
  HotcCommand Nothing = runHotc(S.Project, "undo -p " + S.Project.BuildDir);
  EXPECT_EQ(Nothing.Code, 1) << Nothing.Out;
  EXPECT_NE(Nothing.Out.find("nothing to undo"), std::string::npos)
      << Nothing.Out;
}

// status counts what happened; pause holds saves, resume patches them;
// reload patches what is on disk now.
TEST(SessionCommands, StatusPauseResumeReload) {
  UndoSession S;
  ASSERT_TRUE(S.save("1", "11")) << S.Hotc->history();
  auto Status = [&] {
    HotcCommand C = runHotc(S.Project, "status --json -p " + S.Project.BuildDir);
    auto V = llvm::json::parse(C.Out);
    EXPECT_EQ(C.Code, 0) << C.Out;
    if (!V || !V->getAsObject()) {
      ADD_FAILURE() << C.Out;
      return llvm::json::Object{};
    }
    return *V->getAsObject();
  };
  llvm::json::Object St = Status();
  EXPECT_EQ(St.getInteger("version").value_or(0), 1);
  EXPECT_EQ(St.getObject("patches")->getInteger("applied").value_or(0), 1);
  EXPECT_EQ(St.getObject("save_to_live_ms")->getInteger("count").value_or(0), 1);
  EXPECT_GT(St.getObject("save_to_live_ms")->getNumber("p50").value_or(0), 0);
  EXPECT_GT(St.getInteger("jit_code_bytes").value_or(0), 0);
  EXPECT_GT(St.getInteger("rss_bytes").value_or(0), 0);
  HotcCommand Human = runHotc(S.Project, "status -p " + S.Project.BuildDir);
  EXPECT_NE(Human.Out.find("saves: 1 patched, 0 refused"), std::string::npos)
      << Human.Out;

  HotcCommand P = runHotc(S.Project, "pause -p " + S.Project.BuildDir);
  EXPECT_EQ(P.Code, 0) << P.Out;
  S.Project.edit("crash.cpp", "on_main(int tick) { return 11;",
                 "on_main(int tick) { return 22;");
  auto Held = S.Hotc->waitEvent("note|patched");
  ASSERT_TRUE(Held) << S.Hotc->history();
  EXPECT_EQ(Held->getString("event").value_or(""), "note") << S.Hotc->history();
  auto Line = S.Log.waitFor([](auto &L) { return AppLog::num(L, "tick") > 0; });
  long After = AppLog::tickOf(Line);
  auto Later = S.Log.waitFor([&](auto &L) { return AppLog::num(L, "tick") > After + 30; });
  ASSERT_TRUE(Later);
  EXPECT_EQ(Later->at("main"), "11") << "a held save was patched";
  St = Status();
  EXPECT_TRUE(St.getBoolean("paused").value_or(false));
  ASSERT_TRUE(St.getArray("pending") && St.getArray("pending")->size() == 1);
  HotcCommand R = runHotc(S.Project, "resume -p " + S.Project.BuildDir);
  EXPECT_NE(R.Out.find("1 held save patched now"), std::string::npos) << R.Out;
  EXPECT_TRUE(S.shows("22")) << S.Hotc->history();

  // After an undo the process runs 11 again; reload patches the file's
  // text, 22.
  EXPECT_EQ(runHotc(S.Project, "undo -p " + S.Project.BuildDir).Code, 0);
  EXPECT_TRUE(S.shows("11"));
  HotcCommand Re = runHotc(S.Project, "reload crash.cpp -p " + S.Project.BuildDir);
  EXPECT_EQ(Re.Code, 0) << Re.Out;
  EXPECT_NE(Re.Out.find("patched version 3: on_main(int)"), std::string::npos)
      << Re.Out;
  EXPECT_TRUE(S.shows("22")) << S.Hotc->history();
  EXPECT_EQ(runHotc(S.Project, "reload nothing.cpp -p " + S.Project.BuildDir).Code, 2);
  St = Status();
  EXPECT_EQ(St.getObject("patches")->getInteger("applied").value_or(0), 3);
  EXPECT_EQ(St.getObject("patches")->getInteger("undone").value_or(0), 1);
}

// crash_app under `hotc run`, and `hotc watch --pid` on it in a terminal
// of its own (a pty this test types into and reads).
struct KeySession {
  FixtureProject P;
  AppLog Log;
  HotcProcess Run;
  std::string AppPid;
  int Master = -1;
  pid_t Watch = -1;
  std::string Seen; // everything the watch terminal showed

  KeySession()
      : P(FixtureProject::build("crash_app", testName())), Log(P.path("app.log")),
        Run({"run", P.BuildDir + "/crash_app", P.path("app.log")}, P.Dir) {
    EXPECT_TRUE(Log.waitStarted());
    EXPECT_EQ(shell("pgrep -P " + std::to_string(Run.pid()) + " > '" +
                    P.path("pids") + "'"),
              0);
    AppPid = std::to_string(std::stoi(P.read("pids")));
    Watch = forkpty(&Master, nullptr, nullptr, nullptr);
    EXPECT_GE(Watch, 0);
    if (Watch == 0) {
      if (chdir(P.Dir.c_str()) != 0)
        _exit(126);
      std::string Bin = hotcBinary();
      execl(Bin.c_str(), Bin.c_str(), "watch", "-p", P.BuildDir.c_str(),
            "--json", "--pid", AppPid.c_str(), (char *)nullptr);
      _exit(127);
    }
  }
  ~KeySession() {
    if (Watch > 0) { // never -1: kill(-1) would signal every process
      kill(Watch, SIGKILL);
      waitpid(Watch, nullptr, 0);
    }
    close(Master);
    kill(std::stoi(AppPid), SIGKILL);
  }
  // Waits until the terminal has shown Text, reading from where it was.
  bool waitFor(const std::string &Text) {
    size_t From = Seen.size();
    auto End = std::chrono::steady_clock::now() + 60s;
    while (Seen.find(Text, From) == std::string::npos &&
           std::chrono::steady_clock::now() < End) {
      pollfd Pf{Master, POLLIN, 0};
      if (poll(&Pf, 1, 200) > 0) {
        char B[4096];
        ssize_t N = read(Master, B, sizeof(B));
        if (N <= 0)
          break;
        Seen.append(B, N);
      }
    }
    return Seen.find(Text, From) != std::string::npos;
  }
  bool press(char K) { return write(Master, &K, 1) == 1; }
  bool shows(const char *Main) {
    return Log.waitFor([&](auto &L) { return L.at("main") == Main; }).has_value();
  }
  // hotc's exit status once it ended, or -1.
  int waitExit() {
    int Status = 0;
    for (int I = 0; I < 100; ++I, usleep(100 * 1000))
      if (waitpid(Watch, &Status, WNOHANG) == Watch) {
        Watch = -1;
        return WIFEXITED(Status) ? WEXITSTATUS(Status) : 128 + WTERMSIG(Status);
      }
    return -1;
  }
};

// hotc watch --pid in a terminal of its own: u undoes, r redoes.
TEST(SessionCommands, KeysInTheWatchTerminal) {
  KeySession S;
  EXPECT_TRUE(S.waitFor("\"event\":\"ready\"")) << S.Seen;
  S.P.edit("crash.cpp", "on_main(int tick) { return 1;",
           "on_main(int tick) { return 11;");
  EXPECT_TRUE(S.waitFor("\"event\":\"patched\"")) << S.Seen;
  EXPECT_TRUE(S.shows("11"));
  ASSERT_TRUE(S.press('u'));
  EXPECT_TRUE(S.waitFor("\"event\":\"undone\"")) << S.Seen;
  EXPECT_TRUE(S.shows("1")) << S.Seen;
  ASSERT_TRUE(S.press('r'));
  EXPECT_TRUE(S.waitFor("\"event\":\"redone\"")) << S.Seen;
  EXPECT_TRUE(S.shows("11")) << S.Seen;
  // Ctrl-C still ends hotc (the terminal keeps its signals), and the
  // process goes on running the patched code.
  ASSERT_TRUE(S.press('\x03'));
  EXPECT_NE(S.waitExit(), -1) << S.Seen;
  EXPECT_TRUE(S.shows("11"));
}

// p pauses and resumes, R recompiles the file saved last, q quits and
// leaves the process running its patches.
TEST(SessionCommands, PauseReloadAndQuitKeys) {
  KeySession S;
  EXPECT_TRUE(S.waitFor("\"event\":\"ready\"")) << S.Seen;
  ASSERT_TRUE(S.press('R'));
  EXPECT_TRUE(S.waitFor("R: no file was saved yet")) << S.Seen;
  ASSERT_TRUE(S.press('p'));
  EXPECT_TRUE(S.waitFor("paused: saves are held")) << S.Seen;
  S.P.edit("crash.cpp", "on_main(int tick) { return 1;",
           "on_main(int tick) { return 22;");
  EXPECT_TRUE(S.waitFor("held until hotc resume")) << S.Seen;
  EXPECT_FALSE(S.Log.waitFor([](auto &L) { return L.at("main") == "22"; }, 1s));
  ASSERT_TRUE(S.press('p'));
  EXPECT_TRUE(S.waitFor("\"event\":\"patched\"")) << S.Seen;
  EXPECT_TRUE(S.shows("22")) << S.Seen;
  // After an undo the process runs the build's code; R puts the saved
  // file's back.
  ASSERT_TRUE(S.press('u'));
  EXPECT_TRUE(S.waitFor("\"event\":\"undone\"")) << S.Seen;
  EXPECT_TRUE(S.shows("1")) << S.Seen;
  ASSERT_TRUE(S.press('R'));
  EXPECT_TRUE(S.waitFor("\"event\":\"patched\"")) << S.Seen;
  EXPECT_TRUE(S.shows("22")) << S.Seen;
  ASSERT_TRUE(S.press('q'));
  EXPECT_TRUE(S.waitFor("q pressed: hotc stops watching")) << S.Seen;
  EXPECT_EQ(S.waitExit(), 0) << S.Seen;
  EXPECT_TRUE(S.shows("22"));
}

} // namespace
} // namespace hotc::e2e
