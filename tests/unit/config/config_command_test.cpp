// `hotc config` and `hotc watch --config` as real processes: what the
// binary reads from hotreload.toml and from its command line.
#include "config_test_support.h"

#include "llvm/Support/JSON.h"

#include <gtest/gtest.h>

using namespace hotc::config_test;

namespace {

// The "settings" object of `hotc config --json`, or fails the test.
llvm::json::Object settingsOf(const HotcRun &R) {
  EXPECT_EQ(R.Code, 0) << R.Err;
  auto V = llvm::json::parse(R.Out);
  if (!V) {
    ADD_FAILURE() << "not JSON: " << llvm::toString(V.takeError()) << "\n"
                  << R.Out;
    return {};
  }
  const llvm::json::Object *Settings =
      V->getAsObject() ? V->getAsObject()->getObject("settings") : nullptr;
  if (!Settings) {
    ADD_FAILURE() << "no \"settings\" in " << R.Out;
    return {};
  }
  return *Settings;
}

std::string project() {
  std::string Dir = scratchDir();
  makeDir(Dir + "/.git"); // keep the lookup inside the test's directory
  writeFile(Dir + "/hotreload.toml", "build_dir = \"from-file\"\n"
                                     "debounce_ms = 250\n"
                                     "extra_flags = [\"-DLIVE=1\"]\n");
  makeDir(Dir + "/src");
  return Dir;
}

TEST(ConfigCommand, JsonShowsAFileValueAndACommandLineOverride) {
  std::string Dir = project();
  HotcRun R = runHotc({"config", "--json", "-p", "cl-build"}, Dir + "/src");
  llvm::json::Object S = settingsOf(R);

  const llvm::json::Object *Debounce = S.getObject("debounce_ms");
  ASSERT_TRUE(Debounce) << R.Out;
  EXPECT_EQ(Debounce->getInteger("value"), 250);
  EXPECT_EQ(Debounce->getString("origin"), "file");
  EXPECT_EQ(Debounce->getString("file"), Dir + "/hotreload.toml");
  EXPECT_EQ(Debounce->getInteger("line"), 2);

  const llvm::json::Object *Build = S.getObject("build_dir");
  ASSERT_TRUE(Build) << R.Out;
  EXPECT_EQ(Build->getString("value"), "cl-build");
  EXPECT_EQ(Build->getString("origin"), "command_line");
  EXPECT_EQ(Build->getString("option"), "-p");

  const llvm::json::Object *Crash = S.getObject("on_crash");
  ASSERT_TRUE(Crash) << R.Out;
  EXPECT_EQ(Crash->getString("value"), "rollback");
  EXPECT_EQ(Crash->getString("origin"), "default");

  const llvm::json::Object *Flags = S.getObject("extra_flags");
  ASSERT_TRUE(Flags && Flags->getArray("value")) << R.Out;
  ASSERT_EQ(Flags->getArray("value")->size(), 1u);
  EXPECT_EQ((*Flags->getArray("value"))[0].getAsString(), "-DLIVE=1");
}

TEST(ConfigCommand, WithoutDashPTheFileDecides) {
  std::string Dir = project();
  HotcRun R = runHotc({"config", "--json"}, Dir + "/src");
  llvm::json::Object S = settingsOf(R);
  const llvm::json::Object *Build = S.getObject("build_dir");
  ASSERT_TRUE(Build) << R.Out;
  EXPECT_EQ(Build->getString("value"), Dir + "/from-file");
  EXPECT_EQ(Build->getInteger("line"), 1);
}

TEST(ConfigCommand, ExplicitConfigAndTheHumanTable) {
  std::string Dir = project();
  writeFile(Dir + "/other.toml", "\n\non_crash = \"ignore\"\n");
  HotcRun R = runHotc({"config", "--config", "other.toml"}, Dir);
  EXPECT_EQ(R.Code, 0) << R.Err;
  EXPECT_NE(R.Out.find("file: " + Dir + "/other.toml"), std::string::npos)
      << R.Out;
  EXPECT_NE(R.Out.find(Dir + "/other.toml:3"), std::string::npos) << R.Out;
  // hotreload.toml is not read when --config names another file.
  EXPECT_EQ(R.Out.find("250"), std::string::npos) << R.Out;
}

TEST(ConfigCommand, AnUnknownKeyFailsWithFileLineAndValidKeys) {
  std::string Dir = scratchDir();
  makeDir(Dir + "/.git");
  writeFile(Dir + "/hotreload.toml", "debounce_ms = 5\nwatch_dirs = []\n");
  HotcRun R = runHotc({"config"}, Dir);
  EXPECT_EQ(R.Code, 2);
  EXPECT_NE(R.Err.find(Dir + "/hotreload.toml:2:1: unknown key 'watch_dirs'"),
            std::string::npos)
      << R.Err;
  EXPECT_NE(R.Err.find("valid keys: build_dir, watch, exclude"),
            std::string::npos)
      << R.Err;

  // `hotc watch` reads the same file and stops before doing anything.
  HotcRun W = runHotc({"watch", "--pid", "1"}, Dir);
  EXPECT_EQ(W.Code, 2);
  EXPECT_NE(W.Err.find("hotreload.toml:2:1: unknown key"), std::string::npos)
      << W.Err;
}

} // namespace
