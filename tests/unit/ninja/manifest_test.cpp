// What NinjaBuild::load() makes of build.ninja itself: noticing when CMake
// rewrites it, and refusing one that needs a newer ninja (where ninja would
// exit the process).
#include "project_copy.h"

#include "ninja-integration/ninja_build.h"

#include <gtest/gtest.h>

namespace hotc::ninja::test {
namespace {

using Manifest = NinjaProjectTest;

std::unique_ptr<NinjaBuild> load(const ProjectCopy &P) {
  auto Loaded = NinjaBuild::load(P.Build);
  EXPECT_TRUE(bool(Loaded)) << llvm::toString(Loaded.takeError());
  return Loaded ? std::move(*Loaded) : nullptr;
}

TEST_F(Manifest, ChangedOnceCMakeRegeneratesIt) {
  auto Build = load(P);
  ASSERT_TRUE(Build);
  EXPECT_FALSE(Build->manifestChanged());
  std::string Lists = P.source("CMakeLists.txt");
  writeFile(Lists, readFile(Lists) + "add_executable(extra tool/tool.cpp)\n"
                                     "target_include_directories(extra "
                                     "PRIVATE app)\n");
  CommandResult Rerun = runIn(P.Build, cmakeCommand() + " .");
  ASSERT_EQ(Rerun.ExitCode, 0) << Rerun.Output;
  EXPECT_TRUE(Build->manifestChanged());

  llvm::Error E = Build->rebuild({P.output("app")});
  ASSERT_TRUE(bool(E));
  std::string Message = llvm::toString(std::move(E));
  EXPECT_NE(Message.find("changed since it was loaded"), std::string::npos)
      << Message;
  auto Reloaded = load(P);
  ASSERT_TRUE(Reloaded);
  EXPECT_FALSE(Reloaded->manifestChanged());
  auto Edges =
      Reloaded->edgesAffectedBy(P.source("tool/tool.cpp"), {P.output("extra")});
  ASSERT_TRUE(bool(Edges)) << llvm::toString(Edges.takeError());
}

TEST_F(Manifest, ChangedWhenBuildNinjaOrAnIncludedFileIsRewritten) {
  for (std::string File : {"build.ninja", "CMakeFiles/rules.ninja"}) {
    auto Build = load(P);
    ASSERT_TRUE(Build);
    EXPECT_FALSE(Build->manifestChanged());
    std::string Path = P.output(File);
    ASSERT_FALSE(readFile(Path).empty()) << Path;
    writeFile(Path + ".new", readFile(Path));
    ASSERT_EQ(rename((Path + ".new").c_str(), Path.c_str()), 0);
    EXPECT_TRUE(Build->manifestChanged()) << File;
  }
}

TEST_F(Manifest, NeedingANewerNinjaIsAnErrorNotAnExit) {
  std::string Path = P.output("build.ninja");
  std::string Text = readFile(Path);
  std::string Key = "ninja_required_version = ";
  size_t At = Text.find(Key);
  ASSERT_NE(At, std::string::npos) << "CMake writes it";
  size_t End = Text.find('\n', At);
  writeFile(Path, Text.substr(0, At) + Key + "99.0" + Text.substr(End));
  auto Loaded = NinjaBuild::load(P.Build);
  ASSERT_FALSE(bool(Loaded));
  std::string Message = llvm::toString(Loaded.takeError());
  EXPECT_NE(Message.find("needs ninja 99.0"), std::string::npos) << Message;
}

TEST_F(Manifest, DirectoryWithoutBuildNinjaIsAnError) {
  auto Loaded = NinjaBuild::load(P.Root);
  ASSERT_FALSE(bool(Loaded));
  std::string Message = llvm::toString(Loaded.takeError());
  EXPECT_NE(Message.find(P.Root), std::string::npos) << Message;
  EXPECT_NE(Message.find("-G Ninja"), std::string::npos) << Message;
}

} // namespace
} // namespace hotc::ninja::test
