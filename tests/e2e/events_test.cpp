// The events channel (docs/events.md): with --events the JSON lines go to a
// file, a FIFO or an inherited descriptor and stdout keeps the human lines;
// every line hotc writes is checked against docs/events.schema.json with
// python3-jsonschema; with --json on the program's own stdout an event
// never lands on the program's unfinished line. crash_app, GCC -O0 -g.
#include "live_session.h"

#include <fstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace hotc::e2e {
namespace {

// Lines of File naming Event (a cheap test: the schema check is the judge).
size_t countIn(const std::string &File, const std::string &Event) {
  std::ifstream In(File);
  size_t N = 0;
  for (std::string L; std::getline(In, L);)
    N += L.find("\"event\":\"" + Event + "\"") != std::string::npos;
  return N;
}

bool waitIn(const std::string &File, const std::string &Event, size_t Count = 1,
            Seconds Timeout = 60s) {
  auto End = std::chrono::steady_clock::now() + Timeout;
  while (countIn(File, Event) < Count) {
    if (std::chrono::steady_clock::now() > End)
      return false;
    std::this_thread::sleep_for(20ms);
  }
  return true;
}

std::string checkEvents(const FixtureProject &P, const std::string &File,
                        const std::string &Wanted) {
  std::string Out = P.path("check.out");
  int Code = shell("python3 '" HOTC_SOURCE_DIR "/tests/e2e/check_events.py' '" +
                   File + "' '" HOTC_SOURCE_DIR "/docs/events.schema.json' " +
                   Wanted + " > '" + Out + "' 2>&1");
  return Code == 0 ? "" : P.read("check.out") + "(exit " + std::to_string(Code) + ")";
}

// One session through most events: ready, patched, error, note, crashed
// (rolled back), undone, redone, unchanged, exited; all valid.
TEST(EventsChannel, FileGetsEveryEventAndStdoutTheHumanLines) {
  FixtureProject P = FixtureProject::build("crash_app", testName());
  AppLog Log(P.path("app.log"));
  std::string Events = P.path("events.jsonl");
  HotcProcess Hotc({"watch", "-p", P.BuildDir, "--events", Events, "--exec",
                    P.BuildDir + "/crash_app", P.path("app.log")},
                   P.Dir);
  ASSERT_TRUE(waitIn(Events, "ready")) << Hotc.history();
  ASSERT_TRUE(Log.waitStarted());
  auto Save = [&](const std::string &From, const std::string &To) {
    P.edit("crash.cpp", "on_main(int tick) { " + From, "on_main(int tick) { " + To);
  };
  Save("return 1;", "return 11;");
  ASSERT_TRUE(waitIn(Events, "patched", 1)) << Hotc.history();
  Save("return 11;", "return 11 +;");
  ASSERT_TRUE(waitIn(Events, "error", 1)) << Hotc.history();
  Save("return 11 +;", "return 12;");
  ASSERT_TRUE(waitIn(Events, "patched", 2)) << Hotc.history();
  std::string Hotcbin = "'" + hotcBinary() + "'";
  EXPECT_EQ(shell("cd '" + P.Dir + "' && " + Hotcbin + " undo -p " + P.BuildDir +
                  " > /dev/null"), 0);
  EXPECT_EQ(shell("cd '" + P.Dir + "' && " + Hotcbin + " redo -p " + P.BuildDir +
                  " > /dev/null"), 0);
  ASSERT_TRUE(waitIn(Events, "redone")) << Hotc.history();
  Save("return 12;", "int *volatile p = nullptr; return *p;");
  ASSERT_TRUE(waitIn(Events, "crashed")) << Hotc.history();
  Save("int *volatile p = nullptr; return *p;", "return 13;");
  ASSERT_TRUE(waitIn(Events, "patched", 4)) << Hotc.history();
  P.edit("crash.cpp", "#include <cstdlib>", "#include <cstdlib>\n// a comment");
  ASSERT_TRUE(waitIn(Events, "unchanged")) << Hotc.history();
  Hotc.signal(SIGTERM);
  ASSERT_TRUE(waitIn(Events, "exited")) << Hotc.history();
  EXPECT_EQ(checkEvents(P, Events, "ready patched error crashed undone redone "
                                   "unchanged exited"),
            "");
  // stdout has the human lines, not the JSON ones.
  EXPECT_EQ(Hotc.count("ready"), 0u) << Hotc.history();
  EXPECT_NE(Hotc.history().find("patched 1 function"), std::string::npos)
      << Hotc.history();
}

// --json with a program whose stdout ends in "prompt> ": the events hotc
// writes beside it still parse (HotcProcess reads only whole JSON lines).
TEST(EventsChannel, JsonNeverLandsOnTheProgramsUnfinishedLine) {
  FixtureProject P = FixtureProject::build("crash_app", testName());
  setenv("CRASH_APP_PROMPT", "1", 1);
  HotcProcess Hotc({"watch", "-p", P.BuildDir, "--json", "--exec",
                    P.BuildDir + "/crash_app", P.path("app.log")},
                   P.Dir);
  unsetenv("CRASH_APP_PROMPT");
  ASSERT_TRUE(Hotc.waitEvent("ready")) << Hotc.history();
  EXPECT_NE(Hotc.history().find("prompt> "), std::string::npos)
      << "the program's prompt is there too\n" << Hotc.history();
  P.edit("crash.cpp", "on_main(int tick) { return 1;", "on_main(int tick) { return 5;");
  EXPECT_TRUE(Hotc.waitEvent("patched")) << Hotc.history();
}

// fd:N and a FIFO; a FIFO whose reader goes away does not stop hotc.
TEST(EventsChannel, DescriptorAndFifo) {
  FixtureProject P = FixtureProject::build("crash_app", testName());
  AppLog Log(P.path("app.log"));
  std::string ByFd = P.path("fd.jsonl");
  {
    BackgroundCommand Watch("cd '" + P.Dir + "' && exec '" + hotcBinary() +
                                "' watch -p " + P.BuildDir +
                                " --events fd:3 --exec " + P.BuildDir +
                                "/crash_app " + P.path("app.log") + " 3> '" +
                                ByFd + "'",
                            P.path("fd.out"));
    EXPECT_TRUE(waitIn(ByFd, "ready")) << Watch.output();
  }
  std::string Fifo = P.path("events.fifo");
  ASSERT_EQ(mkfifo(Fifo.c_str(), 0600), 0);
  std::string Got;
  std::thread Reader([&] {
    std::ifstream In(Fifo);
    for (std::string L; std::getline(In, L);) {
      Got += L + "\n";
      if (L.find("\"event\":\"ready\"") != std::string::npos)
        break; // and close it: hotc must go on without it
    }
  });
  HotcProcess Hotc({"watch", "-p", P.BuildDir, "--events", Fifo, "--exec",
                    P.BuildDir + "/crash_app", P.path("app2.log")},
                   P.Dir);
  Reader.join();
  EXPECT_NE(Got.find("\"event\":\"ready\""), std::string::npos) << Got;
  AppLog Log2(P.path("app2.log"));
  ASSERT_TRUE(Log2.waitStarted());
  P.edit("crash.cpp", "on_main(int tick) { return 1;", "on_main(int tick) { return 6;");
  EXPECT_TRUE(Log2.waitFor([](auto &L) { return L.at("main") == "6"; }, 60s))
      << Hotc.history();
}

} // namespace
} // namespace hotc::e2e
