// What the launcher reads from a compile's arguments and depfile, and where
// it finds the build directory.
#include "launcher/compiler_launcher.h"
#include "launcher_test_support.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <sys/stat.h>

using namespace hotc::driver;
using namespace hotc::launcher_test;

namespace {

TEST(Depfile, ListsPrerequisitesOfEveryRuleInOrder) {
  // GCC -MD -MP style: the object's rule, continued lines, then phony rules
  // for the headers (targets only, no prerequisites).
  std::string Text = "obj/a.cpp.o: /src/a.cpp /src/a.h \\\n"
                     "  /usr/include/stdio.h ../rel/b.h\n"
                     "/src/a.h:\n"
                     "../rel/b.h:\n";
  EXPECT_EQ(parseDepfile(Text),
            (std::vector<std::string>{"/src/a.cpp", "/src/a.h",
                                      "/usr/include/stdio.h", "../rel/b.h"}));
}

TEST(Depfile, UnescapesSpacesHashesAndDollars) {
  std::string Text = "my\\ obj.o: /src/my\\ file.c /inc/a\\#b.h /inc/c$$d.h \\\r\n"
                     " /inc/e.h";
  EXPECT_EQ(parseDepfile(Text),
            (std::vector<std::string>{"/src/my file.c", "/inc/a#b.h",
                                      "/inc/c$d.h", "/inc/e.h"}));
}

TEST(Depfile, TargetsOnTheirOwnLineAndRepeatsAreSkipped) {
  std::string Text = "a.o \\\n b.o: \\\n x.c \\\n y.h\nc.o: y.h z.h\n";
  EXPECT_EQ(parseDepfile(Text),
            (std::vector<std::string>{"x.c", "y.h", "z.h"}));
}

TEST(CompileFacts, CMakeNinjaStyleCommand) {
  auto F = readCompileFacts(
      {"/usr/bin/c++", "-DX=1", "-I/inc", "-O2", "-MD", "-MT",
       "sub/CMakeFiles/a.dir/a.cpp.o", "-MF", "sub/CMakeFiles/a.dir/a.cpp.o.d",
       "-o", "sub/CMakeFiles/a.dir/a.cpp.o", "-c", "/src/sub/a.cpp"},
      "/build");
  ASSERT_TRUE(bool(F)) << llvm::toString(F.takeError());
  ASSERT_TRUE(F->has_value());
  const CompileFacts &C = **F;
  EXPECT_TRUE(C.Launchers.empty());
  EXPECT_EQ(C.Command.front(), "/usr/bin/c++");
  EXPECT_EQ(C.Command.size(), 13u);
  EXPECT_EQ(C.Object, "/build/sub/CMakeFiles/a.dir/a.cpp.o");
  EXPECT_EQ(C.Depfile, "/build/sub/CMakeFiles/a.dir/a.cpp.o.d");
  EXPECT_EQ(C.Source, "/src/sub/a.cpp");
}

TEST(CompileFacts, JoinedOptionsDefaultDepfileAndLaunchers) {
  auto F = readCompileFacts({"/usr/bin/ccache", "gcc", "-MMD", "-c",
                             "-include", "pre.c", "-x", "c", "../src/m.c",
                             "-oout/m.o"},
                            "/b/sub");
  ASSERT_TRUE(bool(F)) << llvm::toString(F.takeError());
  ASSERT_TRUE(F->has_value());
  EXPECT_EQ((*F)->Launchers, std::vector<std::string>{"/usr/bin/ccache"});
  EXPECT_EQ((*F)->Command.front(), "gcc");
  EXPECT_EQ((*F)->Object, "/b/sub/out/m.o");
  // GCC and Clang name -MD's file after the object: out/m.o -> out/m.d.
  EXPECT_EQ((*F)->Depfile, "/b/sub/out/m.d");
  // pre.c is the value of -include, not a second source.
  EXPECT_EQ((*F)->Source, "/b/src/m.c");
}

TEST(CompileFacts, WithoutDashOTheObjectIsNamedAfterTheSource) {
  auto F = readCompileFacts({"cc", "-c", "dir/x.c", "-Wp,-MD,x.dep"}, "/w");
  ASSERT_TRUE(bool(F) && F->has_value());
  EXPECT_EQ((*F)->Object, "/w/x.o");
  EXPECT_EQ((*F)->Depfile, "/w/x.dep");
}

TEST(CompileFacts, LinksPreprocessingAndAssemblyAreNotRecorded) {
  for (std::vector<std::string> Argv :
       {std::vector<std::string>{"c++", "a.o", "b.o", "-o", "app"},
        {"c++", "-E", "-c", "a.cpp", "-o", "a.i"},
        {"c++", "-S", "-c", "a.cpp"},
        {"c++", "-fsyntax-only", "-c", "a.cpp"}}) {
    auto F = readCompileFacts(Argv, "/w");
    ASSERT_TRUE(bool(F)) << llvm::toString(F.takeError());
    EXPECT_FALSE(F->has_value()) << Argv[1];
  }
}

TEST(CompileFacts, TwoSourcesWithoutDashOAreAnError) {
  auto F = readCompileFacts({"cc", "-c", "a.c", "b.c"}, "/w");
  ASSERT_FALSE(bool(F));
  EXPECT_NE(llvm::toString(F.takeError()).find("2 sources"), std::string::npos);
}

TEST(CompileFacts, ResponseFilesAreExpandedWithTheirQuoting) {
  std::string Dir = scratchDir();
  writeFile(Dir + "/args.rsp", "-c \"my src.cpp\" -o 'out dir/my obj.o'\n"
                               "-DNAME=\"a b\"");
  auto F = readCompileFacts({"c++", "@args.rsp", "-g"}, Dir);
  ASSERT_TRUE(bool(F)) << llvm::toString(F.takeError());
  ASSERT_TRUE(F->has_value());
  EXPECT_EQ((*F)->Command,
            (std::vector<std::string>{"c++", "-c", "my src.cpp", "-o",
                                      "out dir/my obj.o", "-DNAME=a b", "-g"}));
  EXPECT_EQ((*F)->Object, Dir + "/out dir/my obj.o");
  EXPECT_EQ((*F)->Source, Dir + "/my src.cpp");
}

TEST(BuildDir, NearestMarkerWinsAndCMakeMakefilesNameTheirTop) {
  std::string Dir = scratchDir();
  ASSERT_EQ(std::system(("mkdir -p '" + Dir + "/top/sub/deep' '" + Dir +
                         "/top/ninja/src' '" + Dir + "/top/make/src'")
                            .c_str()),
            0);
  writeFile(Dir + "/top/CMakeCache.txt", "");
  writeFile(Dir + "/top/Makefile", "");
  // CMake's Makefile generator compiles in build/sub, which has a Makefile
  // of its own naming the top.
  writeFile(Dir + "/top/sub/Makefile",
            "# The top-level build directory on which CMake was run.\n"
            "CMAKE_BINARY_DIR = " + Dir + "/top\n");
  unsetenv("HOTC_BUILD_DIR");
  EXPECT_EQ(findBuildDir(Dir + "/top/sub/deep"), Dir + "/top");
  EXPECT_EQ(findBuildDir(Dir + "/top"), Dir + "/top");
  // A build nested inside another one is its own.
  writeFile(Dir + "/top/ninja/build.ninja", "");
  EXPECT_EQ(findBuildDir(Dir + "/top/ninja/src"), Dir + "/top/ninja");
  writeFile(Dir + "/top/make/Makefile", "all:\n\ttrue\n");
  EXPECT_EQ(findBuildDir(Dir + "/top/make/src"), Dir + "/top/make");

  setenv("HOTC_BUILD_DIR", "elsewhere", 1);
  EXPECT_EQ(findBuildDir(Dir + "/top/sub"), Dir + "/top/sub/elsewhere");
  unsetenv("HOTC_BUILD_DIR");
}

} // namespace
