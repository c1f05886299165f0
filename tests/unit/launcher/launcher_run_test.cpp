// `hotc <compiler> ARGS...` run as a build runs it: fake compilers (shell
// scripts) where the compiler's behaviour is the point, real cc and c++
// where the recording is.
#include "launcher_test_support.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <csignal>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

using namespace hotc::launcher_test;

namespace {

// A build directory as CMake leaves it (the launcher looks for
// CMakeCache.txt), with a project header and two sources.
struct Project {
  std::string Dir = scratchDir();
  std::string Build = Dir + "/build";

  Project() {
    EXPECT_EQ(std::system(("mkdir -p '" + Build + "/sub' '" + Dir +
                           "/include'").c_str()),
              0);
    writeFile(Build + "/CMakeCache.txt", "");
    writeFile(Dir + "/include/shared.h", "int shared(void);\n");
    writeFile(Dir + "/a.c", "#include <stdio.h>\n#include \"shared.h\"\n"
                            "int a(void) { return shared(); }\n");
    writeFile(Dir + "/b.cpp", "#include <vector>\n#include \"shared.h\"\n"
                              "int b() { return shared() + 1; }\n");
  }

  std::string blob(const std::string &Hash) const {
    return readFile(Build + "/.hotc/blobs/" + Hash);
  }

  // Checks that Record maps each of Files to the hash of its current
  // content, stored as a blob, and lists nothing else.
  void expectSnapshot(const llvm::json::Object &Record,
                      const std::vector<std::string> &Files) const {
    const llvm::json::Object *Inputs = Record.getObject("inputs");
    ASSERT_TRUE(Inputs);
    EXPECT_EQ(Inputs->size(), Files.size());
    for (const std::string &F : Files) {
      auto Hash = Inputs->getString(F);
      ASSERT_TRUE(Hash) << F << " missing from inputs";
      std::string Text = readFile(F);
      EXPECT_EQ(*Hash, contentHash(Text)) << F;
      EXPECT_EQ(blob(Hash->str()), Text) << F;
    }
  }
};

std::string fakeCompiler(const std::string &Dir, const std::string &Body) {
  std::string Path = Dir + "/fakecc";
  writeFile(Path, "#!/bin/sh\n" + Body + "\n", /*Executable=*/true);
  return Path;
}

TEST(Launcher, PassesStdoutStderrAndExitCodeThrough) {
  std::string Dir = scratchDir();
  std::string CC = fakeCompiler(
      Dir, "printf 'to stdout\\nno newline'; printf 'to stderr\\n' >&2; exit 3");
  HotcRun R = runHotc({CC, "-c", "x.c"}, Dir);
  ASSERT_TRUE(R.Exited);
  EXPECT_EQ(R.Code, 3);
  EXPECT_EQ(R.Out, "to stdout\nno newline");
  EXPECT_EQ(R.Err, "to stderr\n");
}

TEST(Launcher, ACompilerKilledByASignalGives128PlusTheSignal) {
  std::string Dir = scratchDir();
  std::string CC = fakeCompiler(Dir, "kill -SEGV $$");
  HotcRun R = runHotc({CC, "-c", "x.c"}, Dir);
  ASSERT_TRUE(R.Exited) << "hotc itself must not die of the signal";
  EXPECT_EQ(R.Code, 128 + 11);
}

TEST(Launcher, ASignalToHotcAloneStopsTheCompilerToo) {
  std::string Dir = scratchDir();
  // The "compiler" says its pid, then waits; SIGTERM ends it.
  std::string CC = fakeCompiler(Dir, "echo $$ > '" + Dir + "/pid'; exec sleep 30");
  pid_t Hotc = fork();
  if (Hotc == 0) {
    execl(HOTC_BINARY, HOTC_BINARY, CC.c_str(), "-c", "x.c", (char *)nullptr);
    _exit(127);
  }
  for (int I = 0; I < 500 && readFile(Dir + "/pid").empty(); ++I)
    usleep(10000);
  pid_t Compiler = atoi(readFile(Dir + "/pid").c_str());
  ASSERT_GT(Compiler, 0) << "the compiler did not start";
  usleep(20000); // the shell has exec'd sleep by now
  kill(Hotc, SIGTERM);
  int Status = 0;
  for (int I = 0; I < 500 && waitpid(Hotc, &Status, WNOHANG) == 0; ++I)
    usleep(10000);
  ASSERT_TRUE(WIFEXITED(Status)) << "hotc must wait for the compiler and exit";
  EXPECT_EQ(WEXITSTATUS(Status), 128 + SIGTERM);
  EXPECT_NE(kill(Compiler, 0), 0) << "the compiler is still running";
}

TEST(Launcher, AMissingCompilerIs127AndSaysSo) {
  std::string Dir = scratchDir();
  HotcRun R = runHotc({"no-such-compiler-hotc", "-c", "x.c"}, Dir);
  EXPECT_EQ(R.Code, 127);
  EXPECT_NE(R.Err.find("cannot run no-such-compiler-hotc"), std::string::npos)
      << R.Err;
  // hotc's own commands and flags are not compilers.
  HotcRun V = runHotc({"--version"}, Dir);
  EXPECT_EQ(V.Code, 0);
  EXPECT_NE(V.Out.find("hotc 0.1.0"), std::string::npos);
}

TEST(Launcher, SearchesPathAndPassesArgumentsUntouched) {
  std::string Dir = scratchDir();
  fakeCompiler(Dir, "for a in \"$@\"; do printf '[%s]\\n' \"$a\"; done");
  writeFile(Dir + "/args.rsp", "-DX=\"read, not changed\"");
  std::string Path = std::string("PATH=") + Dir + ":" + getenv("PATH");
  HotcRun R = runHotc({"fakecc", "a b", "", "'q'", "\"dq\"", "$HOME", "\\x",
                   "@args.rsp", "--exec"},
                  Dir, {Path});
  EXPECT_EQ(R.Code, 0);
  EXPECT_EQ(R.Out, "[a b]\n[]\n['q']\n[\"dq\"]\n[$HOME]\n[\\x]\n[@args.rsp]\n"
                   "[--exec]\n");
  EXPECT_EQ(R.Err, "") << "not a compile to an object: nothing to say";
}

TEST(Launcher, RecordsACompileWhoseArgumentsAreInAResponseFile) {
  Project P;
  std::string CC = fakeCompiler(P.Dir, "exit 0");
  writeFile(P.Dir + "/my src.c", "int f(void) { return 1; }\n");
  writeFile(P.Build + "/sub/objs.rsp",
            "-c \"" + P.Dir + "/my src.c\" -o 'out dir/my obj.o'");
  HotcRun R = runHotc({CC, "-O1", "@objs.rsp"}, P.Build + "/sub");
  ASSERT_EQ(R.Code, 0) << R.Err;
  EXPECT_EQ(R.Err, "");
  auto Rec = recordOf(P.Build, P.Build + "/sub/out dir/my obj.o");
  ASSERT_TRUE(Rec) << "no record in " << P.Build;
  // Ninja deletes its response files after the build: the record has the
  // arguments themselves.
  EXPECT_EQ(strings(*Rec, "command"),
            (std::vector<std::string>{CC, "-O1", "-c", P.Dir + "/my src.c",
                                      "-o", "out dir/my obj.o"}));
  EXPECT_EQ(Rec->getString("directory"), P.Build + "/sub");
  EXPECT_EQ(Rec->getString("source"), P.Dir + "/my src.c");
  P.expectSnapshot(*Rec, {P.Dir + "/my src.c"});
}

TEST(Launcher, RealCCompileWithDepfileRecordsSourceAndProjectHeaders) {
  Project P;
  HotcRun R = runHotc({"cc", "-I" + P.Dir + "/include", "-MD", "-MT", "a.o",
                   "-MF", "deps/a.o.d", "-o", "a.o", "-c", P.Dir + "/a.c"},
                  P.Build, {});
  // -MF into a directory that does not exist fails the compile: same as cc.
  EXPECT_NE(R.Code, 0);
  EXPECT_NE(R.Err.find("deps/a.o.d"), std::string::npos) << R.Err;
  EXPECT_EQ(recordCount(P.Build), 0u);

  ASSERT_EQ(mkdir((P.Build + "/deps").c_str(), 0755), 0);
  R = runHotc({"cc", "-I" + P.Dir + "/include", "-MD", "-MT", "a.o", "-MF",
               "deps/a.o.d", "-o", "a.o", "-c", P.Dir + "/a.c"},
              P.Build);
  ASSERT_EQ(R.Code, 0) << R.Err;
  EXPECT_TRUE(exists(P.Build + "/a.o"));
  auto Rec = recordOf(P.Build, P.Build + "/a.o");
  ASSERT_TRUE(Rec);
  EXPECT_EQ(Rec->getString("depfile"), P.Build + "/deps/a.o.d");
  EXPECT_EQ(Rec->getString("source"), P.Dir + "/a.c");
  EXPECT_TRUE(strings(*Rec, "launchers").empty());
  // stdio.h is a system header: not part of the snapshot.
  P.expectSnapshot(*Rec, {P.Dir + "/a.c", P.Dir + "/include/shared.h"});
}

TEST(Launcher, RealCxxCompileInASubdirectoryUsesTheDefaultDepfile) {
  Project P;
  // As CMake's Makefile generator: the compile runs in build/sub, which has
  // a Makefile naming the top build directory.
  writeFile(P.Build + "/sub/Makefile", "CMAKE_BINARY_DIR = " + P.Build + "\n");
  HotcRun R = runHotc({"c++", "-I../../include", "-MMD", "-c", "../../b.cpp",
                   "-o", "b.cpp.o"},
                  P.Build + "/sub");
  ASSERT_EQ(R.Code, 0) << R.Err;
  auto Rec = recordOf(P.Build, P.Build + "/sub/b.cpp.o");
  ASSERT_TRUE(Rec) << "not recorded in the top build directory";
  EXPECT_EQ(Rec->getString("depfile"), P.Build + "/sub/b.cpp.d");
  EXPECT_EQ(Rec->getString("source"), P.Dir + "/b.cpp");
  P.expectSnapshot(*Rec, {P.Dir + "/b.cpp", P.Dir + "/include/shared.h"});
}

TEST(Launcher, SnapshotsAreContentAddressedAndRecordsFollowTheLatestBuild) {
  Project P;
  auto Compile = [&](const char *Src, const char *Obj) {
    HotcRun R = runHotc({"cc", "-I" + P.Dir + "/include", "-MD", "-c",
                     P.Dir + "/" + Src, "-o", Obj},
                    P.Build);
    EXPECT_EQ(R.Code, 0) << R.Err;
  };
  writeFile(P.Dir + "/c.c", "#include \"shared.h\"\nint c(void) { return 2; }\n");
  Compile("a.c", "a.o");
  Compile("c.c", "c.o");
  std::string OldHeader = readFile(P.Dir + "/include/shared.h");
  // a.c, c.c and the header they share once.
  EXPECT_EQ(std::system(("test $(ls '" + P.Build + "/.hotc/blobs' | wc -l) = 3")
                            .c_str()),
            0);

  writeFile(P.Dir + "/include/shared.h", "int shared(void); /* edited */\n");
  Compile("a.c", "a.o");
  auto Rec = recordOf(P.Build, P.Build + "/a.o");
  ASSERT_TRUE(Rec);
  P.expectSnapshot(*Rec, {P.Dir + "/a.c", P.Dir + "/include/shared.h"});
  // c.o was not rebuilt: its record still names the header it was built with.
  auto Old = recordOf(P.Build, P.Build + "/c.o");
  ASSERT_TRUE(Old);
  auto OldHash = Old->getObject("inputs")->getString(P.Dir + "/include/shared.h");
  ASSERT_TRUE(OldHash);
  EXPECT_EQ(*OldHash, contentHash(OldHeader));
  EXPECT_EQ(P.blob(OldHash->str()), OldHeader);
  EXPECT_EQ(recordCount(P.Build), 2u);
}

TEST(Launcher, ASourceEditedDuringTheCompileIsNotRecorded) {
  Project P;
  writeFile(P.Dir + "/e.c", "int e(void) { return 1; }\n");
  // Compiles, then "the user saves" before hotc reads the source.
  std::string CC = fakeCompiler(
      P.Dir, "cc \"$@\" && sleep 0.05 && echo '/* saved */' >> '" + P.Dir +
                 "/e.c'");
  HotcRun R = runHotc({"cc", "-c", P.Dir + "/e.c", "-o", "e.o"}, P.Build);
  ASSERT_EQ(R.Code, 0) << R.Err;
  ASSERT_TRUE(recordOf(P.Build, P.Build + "/e.o"));

  R = runHotc({CC, "-c", P.Dir + "/e.c", "-o", "e.o"}, P.Build);
  EXPECT_EQ(R.Code, 0) << "recording never fails the compile";
  EXPECT_NE(R.Err.find("changed during the compile"), std::string::npos)
      << R.Err;
  EXPECT_EQ(std::count(R.Err.begin(), R.Err.end(), '\n'), 1) << R.Err;
  EXPECT_FALSE(recordOf(P.Build, P.Build + "/e.o"))
      << "the old record describes a build that is gone";
}

TEST(Launcher, OutsideABuildDirectoryWarnsUnlessHotcBuildDirIsSet) {
  std::string Build = scratchDir();
  // launcher-work lies inside hotc's own build directory: compile somewhere
  // with no build directory above it.
  char Loose[] = "/tmp/hotc-launcher-XXXXXX";
  ASSERT_TRUE(mkdtemp(Loose));
  writeFile(std::string(Loose) + "/x.c", "int x;\n");
  HotcRun R = runHotc({"cc", "-c", "x.c"}, Loose);
  EXPECT_EQ(R.Code, 0);
  EXPECT_NE(R.Err.find("set HOTC_BUILD_DIR"), std::string::npos) << R.Err;
  EXPECT_TRUE(exists(std::string(Loose) + "/x.o"));

  R = runHotc({"cc", "-c", "x.c"}, Loose, {"HOTC_BUILD_DIR=" + Build});
  EXPECT_EQ(R.Code, 0);
  EXPECT_EQ(R.Err, "");
  EXPECT_TRUE(recordOf(Build, std::string(Loose) + "/x.o"));
  std::system(("rm -rf " + std::string(Loose)).c_str());
}

TEST(Launcher, ChainsWithCcache) {
  if (std::system("command -v ccache > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "ccache is not installed";
  Project P;
  std::string Env = "CCACHE_DIR=" + P.Dir + "/ccache";
  for (int Pass = 0; Pass < 2; ++Pass) { // a miss, then a hit
    std::remove((P.Build + "/b.o").c_str());
    HotcRun R = runHotc({"ccache", "c++", "-I" + P.Dir + "/include", "-MD", "-MF",
                     "b.o.d", "-c", P.Dir + "/b.cpp", "-o", "b.o"},
                    P.Build, {Env});
    ASSERT_EQ(R.Code, 0) << R.Err;
    EXPECT_TRUE(exists(P.Build + "/b.o"));
    auto Rec = recordOf(P.Build, P.Build + "/b.o");
    ASSERT_TRUE(Rec) << "pass " << Pass;
    EXPECT_EQ(strings(*Rec, "launchers"), std::vector<std::string>{"ccache"});
    EXPECT_EQ(strings(*Rec, "command").front(), "c++");
    P.expectSnapshot(*Rec, {P.Dir + "/b.cpp", P.Dir + "/include/shared.h"});
  }
  HotcRun Stats = runHotc({"ccache", "--print-stats"}, P.Build, {Env});
  EXPECT_NE(Stats.Out.find("direct_cache_hit\t1"), std::string::npos)
      << Stats.Out;
}

} // namespace
