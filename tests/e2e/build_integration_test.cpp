// Build integration, end to end: hotc is installed (`cmake --install`), a
// user's project (tests/fixtures/cmake_consumer) finds it with
// find_package(HotReload) and calls hotreload_enable() on a target defined in
// a subdirectory, builds with Ninja or with Makefiles, and runs
// `cmake --build --target mytarget_hot`. Edits to a C++ and a C function must
// then show in the running program's log.
#include "live_harness.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace hotc::e2e {
namespace {

struct Generator {
  const char *Name;
  const char *Config; // Debug, and an optimised one (GCC's -flive-patching)
  bool Ccache;        // a launcher already set, which hotc must chain
};

std::string quote(const std::string &S) { return "'" + S + "'"; }

bool exists(const std::string &Path) { return access(Path.c_str(), F_OK) == 0; }

class BuildIntegration : public ::testing::TestWithParam<Generator> {
protected:
  void SetUp() override {
    // The test's own environment must not redirect the launcher's records.
    unsetenv("HOTC_BUILD_DIR");
    std::string Name =
        ::testing::UnitTest::GetInstance()->current_test_info()->name();
    for (char &C : Name)
      if (C == '/')
        C = '_';
    Project = copyFixture("cmake_consumer", Name);
    Prefix = Project.Dir + "/prefix";
  }

  // `cmake --install` of this hotc build into Prefix.
  void install() {
    ASSERT_EQ(shell("cmake --install " + quote(HOTC_BUILD_TREE) + " --prefix " +
                    quote(Prefix) + " > " + quote(Project.Dir + "/install.log") +
                    " 2>&1"),
              0)
        << "see " << Project.Dir << "/install.log";
    for (const char *F :
         {"bin/hotc", "lib/libhotagent.so", "include/hotreload/hotreload.h",
          "lib/cmake/HotReload/HotReloadConfig.cmake",
          "lib/cmake/HotReload/HotReloadConfigVersion.cmake",
          "share/hotc/hotc.gdb"})
      EXPECT_TRUE(exists(Prefix + "/" + F)) << F << " not installed";
  }

  // find_package(HotReload <Version>) in script mode: true when the version
  // file saw the installed 0.1.0 and turned it down.
  bool versionRejected(const std::string &Version) {
    std::string Script = Project.Dir + "/version-" + Version + ".cmake";
    std::ofstream(Script)
        << "find_package(HotReload " << Version << " CONFIG QUIET PATHS \""
        << Prefix << "\" NO_DEFAULT_PATH)\n"
        << "if(HotReload_FOUND OR NOT HotReload_CONSIDERED_VERSIONS "
           "STREQUAL \"0.1.0\")\n"
        << "  message(FATAL_ERROR \"${HotReload_CONSIDERED_VERSIONS}\")\n"
        << "endif()\n";
    return shell("cmake -P " + quote(Script)) == 0;
  }

  bool useCcache() const {
    return GetParam().Ccache &&
           shell("command -v ccache > /dev/null 2>&1") == 0;
  }

  void configureAndBuild() {
    const Generator &G = GetParam();
    std::string Launcher;
    if (useCcache()) {
      setenv("CCACHE_DIR", Project.path("ccache").c_str(), 1);
      Launcher = " -DCMAKE_C_COMPILER_LAUNCHER=ccache"
                 " -DCMAKE_CXX_COMPILER_LAUNCHER=ccache";
    }
    ASSERT_EQ(shell("cmake -S " + quote(Project.Dir) + " -B " +
                    quote(Project.BuildDir) + " -G " + quote(G.Name) +
                    " -DCMAKE_BUILD_TYPE=" + G.Config + Launcher +
                    " -DCMAKE_PREFIX_PATH=" + quote(Prefix) +
                    " -DCONSUMER_LOG=" + quote(Project.path("app.log")) +
                    " > " + quote(Project.path("configure.log")) + " 2>&1"),
              0)
        << "see " << Project.path("configure.log");
    ASSERT_EQ(shell("cmake --build " + quote(Project.BuildDir) + " > " +
                    quote(Project.path("build.log")) + " 2>&1"),
              0)
        << "see " << Project.path("build.log");
  }

  // The launchers recorded for each object of the build.
  std::vector<std::vector<std::string>> recordedLaunchers() const {
    std::vector<std::vector<std::string>> Out;
    std::string List = Project.path("records.txt");
    shell("ls " + quote(Project.BuildDir + "/.hotc/objects") + " > " +
          quote(List));
    std::ifstream In(List);
    for (std::string Name; std::getline(In, Name);) {
      std::ifstream F(Project.BuildDir + "/.hotc/objects/" + Name);
      std::stringstream Text;
      Text << F.rdbuf();
      auto V = llvm::json::parse(Text.str());
      if (!V) {
        ADD_FAILURE() << Name << ": " << llvm::toString(V.takeError());
        continue;
      }
      std::vector<std::string> L;
      if (auto *O = V->getAsObject())
        if (auto *A = O->getArray("launchers"))
          for (auto &E : *A)
            L.push_back(E.getAsString().value_or("").str());
      Out.push_back(L);
    }
    return Out;
  }

  FixtureProject Project;
  std::string Prefix;
};

TEST_P(BuildIntegration, InstalledPackagePatchesARunningTarget) {
  install();
  EXPECT_TRUE(versionRejected("1.0")) << "SameMajorVersion: 0.1.0 is not 1.x";
  EXPECT_TRUE(versionRejected("0.2")) << "0.1.0 is older than 0.2";
  configureAndBuild();
  if (HasFatalFailure())
    return;

  // The launcher recorded every unit in the top build directory (Makefiles
  // compile inside build/app), and compile_commands.json is there.
  auto Launchers = recordedLaunchers();
  EXPECT_EQ(Launchers.size(), 3u) << "expected one record per object";
  for (const auto &L : Launchers)
    EXPECT_EQ(L, useCcache() ? std::vector<std::string>{"ccache"}
                             : std::vector<std::string>{})
        << "hotc goes first, the launcher the project had after it";
  std::string DB = Project.read("build/compile_commands.json");
  EXPECT_NE(DB.find("c_value.c"), std::string::npos);
  EXPECT_EQ(DB.find("bin/hotc"), std::string::npos)
      << "the launcher must not be part of the compile commands";

  // Installed, the program still finds the agent.
  std::string Installed = Project.path("consumer-prefix");
  ASSERT_EQ(shell("cmake --install " + quote(Project.BuildDir) + " --prefix " +
                  quote(Installed) + " > /dev/null"),
            0);
  EXPECT_EQ(shell("ldd " + quote(Installed + "/bin/mytarget") +
                  " | grep -qF 'libhotagent.so => " + Prefix +
                  "/lib/libhotagent.so'"),
            0);

  AppLog Log(Project.path("app.log"));
  BackgroundCommand Hot("cmake --build " + quote(Project.BuildDir) +
                            " --target mytarget_hot",
                        Project.path("hot.log"));
  ASSERT_TRUE(Hot.waitOutput("hotc: watching 3 translation units"))
      << Hot.output();
  ASSERT_TRUE(Log.waitStarted()) << Hot.output();
  auto First = Log.last();
  ASSERT_TRUE(First);
  EXPECT_EQ(First->at("value"), "1");
  EXPECT_EQ(First->at("cvalue"), "10");

  Project.edit("app/value.cpp", "int value() { return 1; }",
               "int value() { return 2; }");
  auto Cxx = Log.waitFor([](auto &L) { return L.at("value") == "2"; }, 60s);
  ASSERT_TRUE(Cxx) << Hot.output();

  Project.edit("app/c_value.c", "int c_value(void) { return 10; }",
               "int c_value(void) { return 20; }");
  auto C = Log.waitFor(
      [](auto &L) { return L.at("cvalue") == "20" && L.at("value") == "2"; },
      60s);
  ASSERT_TRUE(C) << Hot.output();
  // The same process all along: its tick counter never restarted.
  EXPECT_GT(AppLog::tickOf(C), AppLog::tickOf(Cxx));
  EXPECT_GT(AppLog::tickOf(Cxx), AppLog::tickOf(First));
  EXPECT_TRUE(Hot.running()) << Hot.output();
}

INSTANTIATE_TEST_SUITE_P(
    Generators, BuildIntegration,
    ::testing::Values(Generator{"Ninja", "Debug", false},
                      Generator{"Unix Makefiles", "RelWithDebInfo", true}),
    [](const ::testing::TestParamInfo<Generator> &I) {
      return std::string(I.param.Name) == "Ninja" ? "Ninja" : "UnixMakefiles";
    });

} // namespace
} // namespace hotc::e2e
