// NinjaBuild::rebuild(): an in-process build the system ninja agrees with.
#include "project_copy.h"

#include "ninja-integration/ninja_build.h"

#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <csignal>
#include <fstream>
#include <sys/wait.h>
#include <unistd.h>

namespace hotc::ninja::test {
namespace {

std::string currentDir() {
  llvm::SmallString<256> Dir;
  llvm::sys::fs::current_path(Dir);
  return Dir.str().str();
}

void replaceIn(const std::string &Path, const std::string &From,
               const std::string &To) {
  std::string Text = readFile(Path);
  size_t At = Text.find(From);
  ASSERT_NE(At, std::string::npos) << From << " in " << Path;
  writeFile(Path, Text.replace(At, From.size(), To));
}

class Rebuild : public LoadedProjectTest {
protected:
  std::string objectOf(const std::string &Source) {
    auto Edges = Build->edgesAffectedBy(Source, {P.output("app")});
    EXPECT_TRUE(bool(Edges)) << llvm::toString(Edges.takeError());
    if (!Edges || Edges->size() != 1) {
      ADD_FAILURE() << "no single object for " << Source;
      return "";
    }
    return Edges->front().Object;
  }
};

TEST_F(Rebuild, EditedSourceIsRebuiltAndNinjaHasNothingLeftToDo) {
  std::string Source = P.source("app/greet.cpp");
  std::string Object = objectOf(Source);
  replaceIn(Source, "\"hello from \"", "\"hi from \"");
  ASSERT_FALSE(ninjaUpToDate(P)) << "the edit must leave work for ninja";

  std::vector<BuildStep> Steps;
  std::string Cwd = currentDir();
  llvm::Error E =
      Build->rebuild({Object, P.output("app")},
                     [&](const BuildStep &S) { Steps.push_back(S); });
  ASSERT_FALSE(bool(E)) << llvm::toString(std::move(E));
  EXPECT_EQ(currentDir(), Cwd);

  EXPECT_TRUE(ninjaUpToDate(P));
  CommandResult Run = runIn(P.Build, "./app");
  EXPECT_NE(Run.Output.find("hi from app"), std::string::npos) << Run.Output;
  auto Compiled = std::find_if(Steps.begin(), Steps.end(), [&](auto &S) {
    return S.What == BuildStep::Kind::Finished && S.Output == Object;
  });
  ASSERT_NE(Compiled, Steps.end());
  EXPECT_TRUE(Compiled->Success);
  EXPECT_NE(Compiled->Description.find("greet.cpp"), std::string::npos);
  ASSERT_FALSE(Steps.empty());
  EXPECT_EQ(Steps.back().Finished, Steps.back().Total);
}

TEST_F(Rebuild, HeaderDepsRecordedByTheRebuildAreSeenByLaterQueries) {
  std::string Source = P.source("app/count.cpp");
  std::string Header = P.source("app/shared.h");
  std::string Object = objectOf(Source);
  auto Before = Build->edgesAffectedBy(Header, {P.output("app")});
  ASSERT_TRUE(bool(Before));
  for (const CompileEdge &E : *Before)
    ASSERT_NE(E.Object, Object) << "fixture: count.cpp does not include it";

  replaceIn(Source, "#include <string>", "#include \"shared.h\"");
  llvm::Error E = Build->rebuild({Object});
  ASSERT_FALSE(bool(E)) << llvm::toString(std::move(E));
  auto After = Build->edgesAffectedBy(Header, {P.output("app")});
  ASSERT_TRUE(bool(After));
  EXPECT_TRUE(std::any_of(After->begin(), After->end(),
                          [&](auto &C) { return C.Object == Object; }));
}

TEST_F(Rebuild, CompileErrorIsInTheReturnedError) {
  std::string Source = P.source("app/count.cpp");
  std::string Object = objectOf(Source);
  replaceIn(Source, "int Count = 0;", "int Count = undeclared_name;");
  llvm::Error E = Build->rebuild({Object, P.output("app")});
  ASSERT_TRUE(bool(E));
  std::string Message = llvm::toString(std::move(E));
  EXPECT_NE(Message.find("FAILED: "), std::string::npos) << Message;
  EXPECT_NE(Message.find("undeclared_name"), std::string::npos) << Message;
  EXPECT_NE(Message.find(P.Build), std::string::npos) << Message;
  EXPECT_FALSE(ninjaUpToDate(P));
}

TEST_F(Rebuild, RefusedWhileNinjaBuildsTheSameDirectory) {
  std::string Object = objectOf(P.source("app/greet.cpp"));
  writeFile(P.source("app/greet.cpp"),
            readFile(P.source("app/greet.cpp")) + "// touched\n");
  // A process named ninja working in the build directory.
  std::string FakeNinja = P.Root + "/ninja";
  ASSERT_FALSE(bool(llvm::sys::fs::copy_file("/bin/sleep", FakeNinja)));
  ASSERT_EQ(chmod(FakeNinja.c_str(), 0755), 0);
  pid_t Pid = fork();
  ASSERT_GE(Pid, 0);
  if (Pid == 0) {
    if (chdir(P.Build.c_str()) == 0)
      execl(FakeNinja.c_str(), "ninja", "30", (char *)nullptr);
    _exit(127);
  }
  std::string Comm = "/proc/" + std::to_string(Pid) + "/comm";
  for (int I = 0; I < 200 && readFile(Comm) != "ninja\n"; ++I)
    usleep(10000);

  llvm::Error Refused = Build->rebuild({Object});
  kill(Pid, SIGKILL);
  waitpid(Pid, nullptr, 0);
  ASSERT_TRUE(bool(Refused));
  std::string Message = llvm::toString(std::move(Refused));
  EXPECT_NE(Message.find("ninja (pid " + std::to_string(Pid) + ")"),
            std::string::npos)
      << Message;
  EXPECT_FALSE(ninjaUpToDate(P)) << "nothing was built";

  llvm::Error E = Build->rebuild({Object});
  EXPECT_FALSE(bool(E)) << llvm::toString(std::move(E));
}

void hostHandler(int) {}

TEST_F(Rebuild, HostSignalHandlingIsBackAfterwards) {
  struct sigaction Ours = {}, Before = {}, After = {};
  Ours.sa_handler = hostHandler;
  ASSERT_EQ(sigaction(SIGINT, &Ours, &Before), 0);
  ASSERT_EQ(sigaction(SIGTERM, &Ours, nullptr), 0);
  sigset_t MaskBefore, MaskAfter;
  sigprocmask(SIG_SETMASK, nullptr, &MaskBefore);

  std::string Source = P.source("app/greet.cpp");
  writeFile(Source, readFile(Source) + "// touched\n");
  llvm::Error E = Build->rebuild({objectOf(Source), P.output("app")});
  ASSERT_FALSE(bool(E)) << llvm::toString(std::move(E));

  sigaction(SIGINT, nullptr, &After);
  EXPECT_EQ(After.sa_handler, hostHandler);
  sigaction(SIGTERM, nullptr, &After);
  EXPECT_EQ(After.sa_handler, hostHandler);
  sigprocmask(SIG_SETMASK, nullptr, &MaskAfter);
  EXPECT_EQ(sigismember(&MaskAfter, SIGINT), sigismember(&MaskBefore, SIGINT));
  EXPECT_EQ(sigismember(&MaskAfter, SIGTERM),
            sigismember(&MaskBefore, SIGTERM));
  sigaction(SIGINT, &Before, nullptr);
  sigaction(SIGTERM, &Before, nullptr);
}

TEST_F(Rebuild, UnknownOutputIsAnError) {
  llvm::Error E = Build->rebuild({P.output("no-such-object.o")});
  ASSERT_TRUE(bool(E));
  std::string Message = llvm::toString(std::move(E));
  EXPECT_NE(Message.find("no-such-object.o is not built by"), std::string::npos)
      << Message;
}

} // namespace
} // namespace hotc::ninja::test
