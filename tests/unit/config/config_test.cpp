// hotreload.toml: every key, defaults, errors with their place in the file,
// where the file is looked up, and command line > file > default.
#include "config_test_support.h"

#include "config/config.h"

#include <gtest/gtest.h>

#include <cstdlib>

using namespace hotc::driver;
using namespace hotc::config_test;

namespace {

// The keys the documentation promises, spelled out here on purpose: the
// test must fail if config.cpp loses or renames one.
const char *kKeys[] = {"build_dir",   "watch",    "exclude",
                       "debounce_ms", "extra_flags",
                       "on_crash",    "undo_depth", "safe_points",
                       "safe_point_timeout_ms", "preamble_budget_mb",
                       "socket_dir", "log"};

// The place and text of the ConfigError in E (fails the test otherwise).
ConfigError takeConfigError(llvm::Error E) {
  ConfigError Out("", 0, 0, "");
  bool Found = false;
  llvm::handleAllErrors(
      std::move(E), [&](const ConfigError &C) { Out = C, Found = true; },
      [&](const llvm::ErrorInfoBase &Other) {
        ADD_FAILURE() << "not a ConfigError: " << Other.message();
      });
  EXPECT_TRUE(Found);
  return Out;
}

ConfigError parseError(const std::string &Text) {
  std::string Dir = scratchDir();
  auto C = parseConfig(Text, Dir + "/hotreload.toml", Dir);
  if (C) {
    ADD_FAILURE() << "parsed without error:\n" << Text;
    return ConfigError("", 0, 0, "");
  }
  return takeConfigError(C.takeError());
}

TEST(Config, EveryKeyIsReadWithItsTypeAndLine) {
  std::string Dir = scratchDir();
  std::string Text = "build_dir = \"out/debug\"\n"
                     "watch = [\"src/\", \"*.h\"]\n"
                     "exclude = [\"/abs/gen_*.cpp\", \"third_party/**\"]\n"
                     "debounce_ms = 250\n"
                     "extra_flags = [\"-DHOT=1\", \"-g\"]\n"
                     "on_crash = \"restart\"\n"
                     "undo_depth = 8\n"
                     "safe_points = true\n"
                     "safe_point_timeout_ms = 250\n"
                     "preamble_budget_mb = 300\n"
                     "socket_dir = \"/run/hotc-test\"\n"
                     "log = \"logs/hotc.jsonl\"\n";
  auto C = parseConfig(Text, Dir + "/hotreload.toml", Dir);
  ASSERT_TRUE(!!C) << llvm::toString(C.takeError());
  EXPECT_EQ(C->File, Dir + "/hotreload.toml");
  // Relative paths and anchored globs are taken from the file's directory.
  EXPECT_EQ(C->BuildDir.Value, Dir + "/out/debug");
  EXPECT_EQ(C->Watch.Value,
            (std::vector<std::string>{Dir + "/src/**", "*.h"}));
  EXPECT_EQ(C->Exclude.Value, (std::vector<std::string>{
                                  "/abs/gen_*.cpp", Dir + "/third_party/**"}));
  EXPECT_EQ(C->DebounceMs.Value, 250);
  EXPECT_EQ(C->ExtraFlags.Value,
            (std::vector<std::string>{"-DHOT=1", "-g"}));
  EXPECT_EQ(C->Crash.Value, OnCrash::Restart);
  EXPECT_EQ(C->UndoDepth.Value, 8);
  EXPECT_TRUE(C->SafePoints.Value);
  EXPECT_EQ(C->SafePointTimeoutMs.Value, 250);
  EXPECT_EQ(C->PreambleBudgetMb.Value, 300);
  EXPECT_EQ(C->SocketDir.Value, "/run/hotc-test");
  EXPECT_EQ(C->Log.Value, Dir + "/logs/hotc.jsonl");

  const Origin *Origins[] = {&C->BuildDir.From,   &C->Watch.From,
                             &C->Exclude.From,    &C->DebounceMs.From,
                             &C->ExtraFlags.From,
                             &C->Crash.From,      &C->UndoDepth.From,
                             &C->SafePoints.From, &C->SafePointTimeoutMs.From,
                             &C->PreambleBudgetMb.From, &C->SocketDir.From,
                             &C->Log.From};
  for (unsigned I = 0; I < std::size(Origins); ++I) {
    EXPECT_EQ(Origins[I]->From, Origin::Kind::File) << kKeys[I];
    EXPECT_EQ(Origins[I]->File, Dir + "/hotreload.toml") << kKeys[I];
    EXPECT_EQ(Origins[I]->Line, I + 1) << kKeys[I];
  }
  EXPECT_EQ(C->DebounceMs.From.describe(), Dir + "/hotreload.toml:4");
}

TEST(Config, OnCrashAcceptsItsFourValues) {
  std::string Dir = scratchDir();
  for (auto [Name, Want] : {std::pair{"rollback", OnCrash::Rollback},
                            std::pair{"report", OnCrash::Report},
                            std::pair{"restart", OnCrash::Restart},
                            std::pair{"ignore", OnCrash::Ignore}}) {
    auto C = parseConfig(std::string("on_crash = \"") + Name + "\"\n",
                         Dir + "/hotreload.toml", Dir);
    ASSERT_TRUE(!!C) << llvm::toString(C.takeError());
    EXPECT_EQ(C->Crash.Value, Want) << Name;
  }
}

TEST(Config, DefaultsWithoutAFile) {
  std::string Dir = scratchDir();
  setenv("HOTC_SOCKET_DIR", "/tmp/hotc-config-test-sockets", 1);
  Config C = defaultConfig(Dir);
  unsetenv("HOTC_SOCKET_DIR");
  EXPECT_TRUE(C.File.empty());
  EXPECT_EQ(C.BuildDir.Value, ".");
  EXPECT_TRUE(C.Watch.Value.empty());
  EXPECT_TRUE(C.Exclude.Value.empty());
  EXPECT_EQ(C.DebounceMs.Value, 100);
  EXPECT_TRUE(C.ExtraFlags.Value.empty());
  EXPECT_EQ(C.Crash.Value, OnCrash::Rollback);
  EXPECT_EQ(C.SocketDir.Value, "/tmp/hotc-config-test-sockets");
  EXPECT_TRUE(C.Log.Value.empty());
  for (const Origin *O : {&C.BuildDir.From, &C.Watch.From, &C.DebounceMs.From,
                          &C.Crash.From, &C.SocketDir.From, &C.Log.From})
    EXPECT_EQ(O->describe(), "default");

  // ./build is the default build directory once it has a compile database.
  writeFile(Dir + "/build/compile_commands.json", "[]");
  EXPECT_EQ(defaultConfig(Dir).BuildDir.Value, "build");
}

TEST(Config, AnEmptyFileKeepsTheDefaults) {
  std::string Dir = scratchDir();
  auto C = parseConfig("# nothing set\n", Dir + "/hotreload.toml", Dir);
  ASSERT_TRUE(!!C) << llvm::toString(C.takeError());
  EXPECT_EQ(C->DebounceMs.Value, 100);
  EXPECT_EQ(C->DebounceMs.From.From, Origin::Kind::Default);
  EXPECT_EQ(C->Crash.Value, OnCrash::Rollback);
}

TEST(Config, UnknownKeyCitesItsLineAndListsTheValidKeys) {
  ConfigError E = parseError("build_dir = \"b\"\n"
                             "# a comment\n"
                             "\n"
                             "  debounce = 30\n");
  EXPECT_EQ(E.Line, 4u);
  EXPECT_EQ(E.Column, 3u);
  EXPECT_NE(E.Message.find("unknown key 'debounce'"), std::string::npos)
      << E.Message;
  EXPECT_NE(E.Message.find("did you mean 'debounce_ms'"), std::string::npos)
      << E.Message;
  for (const char *K : kKeys)
    EXPECT_NE(E.Message.find(K), std::string::npos) << K << " in " << E.Message;
  // The printed form starts with file:line:col.
  std::string Printed;
  llvm::raw_string_ostream OS(Printed);
  E.log(OS);
  EXPECT_NE(OS.str().find("/hotreload.toml:4:3: unknown key"),
            std::string::npos)
      << Printed;
}

TEST(Config, ATableIsAnUnknownKeyToo) {
  ConfigError E = parseError("debounce_ms = 5\n[watch_options]\nx = 1\n");
  EXPECT_EQ(E.Line, 2u);
  EXPECT_NE(E.Message.find("unknown key 'watch_options'"), std::string::npos);
}

TEST(Config, WrongTypesCiteTheLineAndNameTheKey) {
  struct Case {
    const char *Line; // the offending line, written as line 2
    const char *Key;
    const char *Says;
  } Cases[] = {
      {"build_dir = 3", "'build_dir'", "must be a string, not an integer"},
      {"build_dir = \"\"", "'build_dir'", "must not be empty"},
      {"watch = \"src/*.cpp\"", "'watch'", "array of strings, not a string"},
      {"exclude = [1]", "'exclude[0]'", "must be a string, not an integer"},
      {"debounce_ms = \"100\"", "'debounce_ms'", "integer"},
      {"debounce_ms = 1.5", "'debounce_ms'", "floating-point"},
      {"debounce_ms = -1", "'debounce_ms'", ">= 0, not -1"},
      {"debounce_ms = 5000000000", "'debounce_ms'", "at most 3600000"},
      {"compiler = \"clang++-19\"", "'compiler'", "compiled by hotc's own Clang 19"},
      {"extra_flags = \"-g\"", "'extra_flags'", "array of strings"},
      {"on_crash = \"reboot\"", "'on_crash'", "\"rollback\", \"report\", "
                                               "\"restart\", \"ignore\", not \"reboot\""},
      {"on_crash = true", "'on_crash'", "not a boolean"},
      {"undo_depth = 0", "'undo_depth'", "between 1 and 100000, not 0"},
      {"undo_depth = \"64\"", "'undo_depth'", "must be an integer"},
      {"safe_points = 1", "'safe_points'", "must be true or false"},
      {"safe_point_timeout_ms = 0", "'safe_point_timeout_ms'",
       "between 1 and 3600000, not 0"},
      {"safe_point_timeout_ms = 1.5", "'safe_point_timeout_ms'",
       "must be an integer"},
      {"preamble_budget_mb = 0", "'preamble_budget_mb'",
       "between 1 and 1048576, not 0"},
      {"socket_dir = {}", "'socket_dir'", "not a table"},
      {"log = 1979-05-27", "'log'", "not a date or time"},
  };
  for (const Case &C : Cases) {
    ConfigError E = parseError(std::string("# first line\n") + C.Line + "\n");
    EXPECT_EQ(E.Line, 2u) << C.Line;
    EXPECT_NE(E.Message.find(C.Key), std::string::npos)
        << C.Line << " -> " << E.Message;
    EXPECT_NE(E.Message.find(C.Says), std::string::npos)
        << C.Line << " -> " << E.Message;
  }
}

TEST(Config, AWrongArrayElementCitesItsOwnLine) {
  ConfigError E = parseError("extra_flags = [\n  \"-g\",\n  \"-O0\",\n  7,\n]\n");
  EXPECT_EQ(E.Line, 4u);
  EXPECT_NE(E.Message.find("'extra_flags[2]'"), std::string::npos) << E.Message;
}

TEST(Config, TomlSyntaxErrorsCiteTheirLine) {
  ConfigError E = parseError("debounce_ms = 10\nwatch = [\"a\"\nlog = \"x\"\n");
  EXPECT_GE(E.Line, 2u);
  EXPECT_FALSE(E.Message.empty());
  ConfigError Dup = parseError("debounce_ms = 10\ndebounce_ms = 20\n");
  EXPECT_EQ(Dup.Line, 2u);
}

TEST(Config, CommandLineOverFileOverDefault) {
  std::string Dir = scratchDir();
  makeDir(Dir + "/.git");
  writeFile(Dir + "/hotreload.toml", "debounce_ms = 40\nbuild_dir = \"from-file\"\n");

  auto FileOnly = loadConfig({}, Dir);
  ASSERT_TRUE(!!FileOnly) << llvm::toString(FileOnly.takeError());
  EXPECT_EQ(FileOnly->BuildDir.Value, Dir + "/from-file");
  EXPECT_EQ(FileOnly->BuildDir.From.describe(), Dir + "/hotreload.toml:2");
  EXPECT_EQ(FileOnly->DebounceMs.Value, 40);
  EXPECT_EQ(FileOnly->ExtraFlags.From.describe(), "default");

  CommandLineConfig CL;
  CL.BuildDir = "from-command-line";
  auto Both = loadConfig(CL, Dir);
  ASSERT_TRUE(!!Both) << llvm::toString(Both.takeError());
  EXPECT_EQ(Both->BuildDir.Value, "from-command-line");
  EXPECT_EQ(Both->BuildDir.From.From, Origin::Kind::CommandLine);
  EXPECT_EQ(Both->BuildDir.From.describe(), "command line (-p)");
  EXPECT_EQ(Both->DebounceMs.Value, 40); // the file still counts
  EXPECT_EQ(Both->DebounceMs.From.Line, 1u);
  EXPECT_EQ(Both->Crash.From.From, Origin::Kind::Default);
}

TEST(Config, FoundInAParentUpToTheRepositoryTop) {
  std::string Dir = scratchDir();
  makeDir(Dir + "/repo/.git");
  makeDir(Dir + "/repo/src/deep");
  writeFile(Dir + "/repo/hotreload.toml", "debounce_ms = 7\n");
  auto F = findConfigFile({}, Dir + "/repo/src/deep");
  ASSERT_TRUE(!!F) << llvm::toString(F.takeError());
  EXPECT_EQ(*F, Dir + "/repo/hotreload.toml");

  // Above the directory holding .git is someone else's.
  writeFile(Dir + "/hotreload.toml", "debounce_ms = 8\n");
  makeDir(Dir + "/other/.git");
  makeDir(Dir + "/other/sub");
  auto None = findConfigFile({}, Dir + "/other/sub");
  ASSERT_TRUE(!!None) << llvm::toString(None.takeError());
  EXPECT_EQ(*None, "");
  auto C = loadConfig({}, Dir + "/other/sub");
  ASSERT_TRUE(!!C);
  EXPECT_TRUE(C->File.empty());
  EXPECT_EQ(C->DebounceMs.Value, 100);
}

TEST(Config, BuildDirFileFirstThenExplicitConfig) {
  std::string Dir = scratchDir();
  makeDir(Dir + "/.git");
  writeFile(Dir + "/hotreload.toml", "debounce_ms = 1\n");
  writeFile(Dir + "/b/hotreload.toml", "debounce_ms = 2\n");
  writeFile(Dir + "/elsewhere.toml", "debounce_ms = 3\n");

  CommandLineConfig CL;
  CL.BuildDir = "b";
  auto C = loadConfig(CL, Dir);
  ASSERT_TRUE(!!C) << llvm::toString(C.takeError());
  EXPECT_EQ(C->File, Dir + "/b/hotreload.toml");
  EXPECT_EQ(C->DebounceMs.Value, 2);

  CL.ConfigFile = "elsewhere.toml"; // --config wins over every lookup
  auto E = loadConfig(CL, Dir);
  ASSERT_TRUE(!!E) << llvm::toString(E.takeError());
  EXPECT_EQ(E->DebounceMs.Value, 3);

  CL.ConfigFile = "missing.toml";
  auto Missing = loadConfig(CL, Dir);
  ASSERT_FALSE(!!Missing);
  EXPECT_NE(llvm::toString(Missing.takeError()).find("missing.toml"),
            std::string::npos);
}

TEST(Config, Globs) {
  EXPECT_TRUE(matchesGlob("*.cpp", "/p/src/a.cpp"));   // any directory
  EXPECT_FALSE(matchesGlob("*.cpp", "/p/src/a.cc"));
  EXPECT_TRUE(matchesGlob("/p/src/*.cpp", "/p/src/a.cpp"));
  EXPECT_FALSE(matchesGlob("/p/src/*.cpp", "/p/src/x/a.cpp")); // * stays in one
  EXPECT_TRUE(matchesGlob("/p/src/**", "/p/src/x/y/a.cpp"));
  EXPECT_TRUE(matchesGlob("/p/**/a.cpp", "/p/a.cpp"));
  EXPECT_TRUE(matchesGlob("/p/**/a.cpp", "/p/x/y/a.cpp"));
  EXPECT_FALSE(matchesGlob("/p/**/a.cpp", "/p/x/b.cpp"));
  EXPECT_TRUE(matchesGlob("gen_?.[ch]", "/q/gen_1.h"));
  EXPECT_FALSE(matchesGlob("gen_?.[ch]", "/q/gen_12.h"));
  EXPECT_FALSE(matchesGlob("gen_?.[!ch]", "/q/gen_1.c"));
  EXPECT_TRUE(matchesAnyGlob({"*.h", "/p/src/**"}, "/p/src/main.cpp"));
  EXPECT_FALSE(matchesAnyGlob({}, "/p/src/main.cpp"));
}

TEST(Config, HumanTableShowsValuesAndOrigins) {
  std::string Dir = scratchDir();
  makeDir(Dir + "/.git");
  writeFile(Dir + "/hotreload.toml", "\non_crash = \"ignore\"\n");
  CommandLineConfig CL;
  CL.BuildDir = "cl-build";
  auto C = loadConfig(CL, Dir);
  ASSERT_TRUE(!!C) << llvm::toString(C.takeError());
  std::string Table = formatConfig(*C, /*Json=*/false);
  EXPECT_NE(Table.find("file: " + Dir + "/hotreload.toml"), std::string::npos);
  EXPECT_NE(Table.find("ignore"), std::string::npos) << Table;
  EXPECT_NE(Table.find(Dir + "/hotreload.toml:2"), std::string::npos) << Table;
  EXPECT_NE(Table.find("cl-build"), std::string::npos) << Table;
  EXPECT_NE(Table.find("command line (-p)"), std::string::npos) << Table;
  for (const char *K : kKeys)
    EXPECT_NE(Table.find(std::string("\n") + K + " "), std::string::npos) << K;
}

} // namespace
