// What the end-to-end test files share: live_app under `hotc watch` and
// small readers of hotc's JSON events.
#pragma once

#include "live_harness.h"
#include "../support/json_strings.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace hotc::e2e {

inline std::string testName() {
  return ::testing::UnitTest::GetInstance()->current_test_info()->name();
}

// live_app under `hotc watch --json --exec`, ready to be edited.
struct LiveSession {
  FixtureProject Project;
  std::string LogPath;
  AppLog Log;
  std::unique_ptr<HotcProcess> Hotc;

  explicit LiveSession(int Threads = 0, long Ticks = -1)
      : Project(FixtureProject::build("live_app", testName())),
        LogPath(Project.path("app.log")), Log(LogPath) {
    std::vector<std::string> Args = {"watch", "-p", Project.BuildDir, "--json",
                                     "--exec", Project.BuildDir + "/live_app",
                                     LogPath, std::to_string(Threads),
                                     std::to_string(Ticks)};
    Hotc = std::make_unique<HotcProcess>(Args, Project.Dir);
  }

  // Waits for `ready` and the app's first line.
  void expectReady() {
    auto Ready = Hotc->waitEvent("ready");
    ASSERT_TRUE(Ready) << Hotc->history();
    ASSERT_TRUE(Log.waitStarted()) << "live_app wrote nothing";
  }

  llvm::json::Object expectPatched() {
    auto P = Hotc->waitEvent("patched");
    EXPECT_TRUE(P) << Hotc->history();
    return P ? *P : llvm::json::Object{};
  }
};

// tests/fixtures/FIXTURE (its program is named FIXTURE and takes the log
// path) built as BuildType in the work directory WorkName, under
// `hotc watch --json --exec`.
struct FixtureSession {
  FixtureProject Project;
  AppLog Log;
  HotcProcess Hotc;

  FixtureSession(const std::string &Fixture, const std::string &WorkName,
                 const std::string &BuildType = "Debug")
      : Project(FixtureProject::build(Fixture, WorkName, BuildType)),
        Log(Project.path("app.log")),
        Hotc({"watch", "-p", Project.BuildDir, "--json", "--exec",
              Project.BuildDir + "/" + Fixture, Project.path("app.log")},
             Project.Dir) {}
};

using test::strings;

} // namespace hotc::e2e
