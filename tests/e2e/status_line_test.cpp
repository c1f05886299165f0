// The status line (the control issue, item 2) in a real terminal: tmux
// runs `hotc watch --exec crash_app /dev/stdout`, whose program writes a
// line every 10 ms to the same terminal. The last row shows the session's
// state and follows a patch; the program's lines above it stay whole.
#include "live_session.h"

#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

namespace hotc::e2e {
namespace {

using namespace std::chrono_literals;

struct TmuxSession {
  std::string Name;
  std::string Out;

  TmuxSession(const FixtureProject &P, const std::string &Command)
      : Name("hotc-status-" + std::to_string(getpid())), Out(P.path("pane.txt")) {
    shell("tmux kill-session -t " + Name + " 2>/dev/null");
    EXPECT_EQ(shell("cd '" + P.Dir + "' && tmux new-session -d -s " + Name +
                    " -x 100 -y 12 \"" + Command + "\""),
              0);
  }
  ~TmuxSession() { shell("tmux kill-session -t " + Name + " 2>/dev/null"); }

  // The visible rows, top first.
  std::vector<std::string> screen() {
    std::vector<std::string> Rows;
    if (shell("tmux capture-pane -p -t " + Name + " > '" + Out + "'") != 0)
      return Rows;
    std::ifstream In(Out);
    for (std::string L; std::getline(In, L);)
      Rows.push_back(L);
    return Rows;
  }

  // Waits until the last row contains every one of Texts; the screen then.
  std::optional<std::vector<std::string>>
  waitLastRow(const std::vector<std::string> &Texts, Seconds Timeout = 60s) {
    auto End = std::chrono::steady_clock::now() + Timeout;
    while (std::chrono::steady_clock::now() < End) {
      std::vector<std::string> Rows = screen();
      if (Rows.size() == 12 &&
          std::all_of(Texts.begin(), Texts.end(), [&](const std::string &T) {
            return Rows.back().find(T) != std::string::npos;
          }))
        return Rows;
      std::this_thread::sleep_for(50ms);
    }
    return std::nullopt;
  }
};

std::string joined(const std::vector<std::string> &Rows) {
  std::string S;
  for (const std::string &R : Rows)
    S += "|" + R + "\n";
  return S;
}

// Every row above the last that has a program line in it is exactly one.
void expectProgramLinesWhole(const std::vector<std::string> &Rows) {
  static const std::regex Line("tick=[0-9]+ main=[0-9]+ worker=-?[0-9]+ *");
  for (size_t I = 0; I + 1 < Rows.size(); ++I) {
    if (Rows[I].find("tick=") != std::string::npos)
      EXPECT_TRUE(std::regex_match(Rows[I], Line)) << "row " << I << "\n" << joined(Rows);
    EXPECT_EQ(Rows[I].find("hotc: watching"), std::string::npos)
        << "row " << I << "\n" << joined(Rows);
  }
}

TEST(StatusLine, LastRowShowsTheStateAndTheProgramScrollsAboveIt) {
  FixtureProject P = FixtureProject::build("crash_app", testName());
  TmuxSession T(P, "'" + hotcBinary() + "' watch -p '" + P.BuildDir +
                       "' --exec '" + P.BuildDir + "/crash_app' /dev/stdout; sleep 60");
  auto Rows = T.waitLastRow({"hotc: watching 2 units", "no patch yet"});
  ASSERT_TRUE(Rows) << joined(T.screen());
  std::this_thread::sleep_for(500ms); // 50 more program lines
  std::vector<std::string> Now = T.screen();
  ASSERT_EQ(Now.size(), 12u);
  EXPECT_NE(Now.back().find("hotc: watching 2 units"), std::string::npos)
      << joined(Now);
  expectProgramLinesWhole(Now);

  P.edit("crash.cpp", "on_main(int tick) { return 1;",
         "on_main(int tick) { return 11;");
  Rows = T.waitLastRow({"version 1", "patched on_main(int)"});
  ASSERT_TRUE(Rows) << joined(T.screen());
  std::this_thread::sleep_for(500ms);
  Now = T.screen();
  ASSERT_EQ(Now.size(), 12u);
  EXPECT_NE(Now.back().find("version 1"), std::string::npos) << joined(Now);
  expectProgramLinesWhole(Now);
  EXPECT_TRUE(std::any_of(Now.begin(), Now.end() - 1, [](const std::string &R) {
    return R.find(" main=11 ") != std::string::npos;
  })) << joined(Now);
}

// --no-status-line leaves the whole terminal to the program.
TEST(StatusLine, OffWithNoStatusLine) {
  FixtureProject P = FixtureProject::build("crash_app", testName());
  TmuxSession T(P, "'" + hotcBinary() + "' watch --no-status-line -p '" +
                       P.BuildDir + "' --exec '" + P.BuildDir +
                       "/crash_app' /dev/stdout; sleep 60");
  // The program runs once hotc is ready (it starts it after): its lines
  // fill the screen.
  auto End = std::chrono::steady_clock::now() + 60s;
  while (joined(T.screen()).find("tick=") == std::string::npos &&
         std::chrono::steady_clock::now() < End)
    std::this_thread::sleep_for(50ms);
  std::this_thread::sleep_for(1s);
  ASSERT_NE(joined(T.screen()).find("tick="), std::string::npos) << joined(T.screen());
  // The ready line ("hotc: watching 2 translation units of pid ...") may
  // still be on screen when hotc was slow to get ready; the status line
  // is the one with "· no patch yet" (nothing is patched here).
  for (const std::string &R : T.screen())
    EXPECT_EQ(R.find("· no patch yet"), std::string::npos) << joined(T.screen());
}

} // namespace
} // namespace hotc::e2e
