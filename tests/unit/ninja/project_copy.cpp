#include "project_copy.h"

#include <gtest/gtest.h>

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cstdio>
#include <fstream>
#include <sstream>
#include <sys/wait.h>

using namespace llvm;

namespace hotc::ninja::test {

namespace {

std::string absoluteIn(const std::string &Dir, StringRef Path) {
  SmallString<256> Out(Path);
  sys::fs::make_absolute(Dir, Out);
  sys::path::remove_dots(Out, true);
  return Out.str().str();
}

} // namespace

CommandResult runIn(const std::string &Dir, const std::string &Command) {
  CommandResult R;
  std::string Line = "cd '" + Dir + "' && " + Command + " 2>&1";
  FILE *Pipe = popen(Line.c_str(), "r");
  if (!Pipe)
    return R;
  char Buf[4096];
  while (size_t N = fread(Buf, 1, sizeof Buf, Pipe))
    R.Output.append(Buf, N);
  int Status = pclose(Pipe);
  R.ExitCode = WIFEXITED(Status) ? WEXITSTATUS(Status) : -1;
  return R;
}

std::string readFile(const std::string &Path) {
  std::ifstream In(Path, std::ios::binary);
  std::stringstream Text;
  Text << In.rdbuf();
  return Text.str();
}

void writeFile(const std::string &Path, const std::string &Text) {
  std::ofstream(Path, std::ios::binary | std::ios::trunc) << Text;
}

std::string ProjectCopy::source(const std::string &Relative) const {
  return Root + "/" + Relative;
}

std::string ProjectCopy::output(const std::string &Relative) const {
  return Build + "/" + Relative;
}

std::string ninjaCommand() { return HOTC_TEST_NINJA; }
std::string cmakeCommand() { return HOTC_TEST_CMAKE; }

bool makeProjectCopy(ProjectCopy &P) {
  sys::fs::create_directories(HOTC_TEST_WORK);
  std::string Root = HOTC_TEST_WORK "/project-XXXXXX";
  if (!mkdtemp(Root.data())) {
    ADD_FAILURE() << "mkdtemp in " << HOTC_TEST_WORK;
    return false;
  }
  P.Root = Root;
  P.Build = P.Root + "/build";
  std::string Steps[] = {"cp -R '" HOTC_TEST_FIXTURE "/.' .",
                         cmakeCommand() +
                             " -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Debug "
                             "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON "
                             "-DCMAKE_MAKE_PROGRAM=" +
                             ninjaCommand(),
                         ninjaCommand() + " -C build"};
  for (const std::string &Step : Steps) {
    CommandResult R = runIn(P.Root, Step);
    if (R.ExitCode != 0) {
      ADD_FAILURE() << Step << " failed:\n" << R.Output;
      return false;
    }
  }
  return true;
}

void removeProjectCopy(const ProjectCopy &P) {
  if (!P.Root.empty())
    sys::fs::remove_directories(P.Root);
}

std::map<std::string, std::vector<std::string>>
ninjaDeps(const ProjectCopy &P) {
  CommandResult R = runIn(P.Build, ninjaCommand() + " -t deps");
  EXPECT_EQ(R.ExitCode, 0) << R.Output;
  std::map<std::string, std::vector<std::string>> Deps;
  std::vector<std::string> *Current = nullptr;
  StringRef Text = R.Output;
  while (!Text.empty()) {
    auto [Line, Rest] = Text.split('\n');
    Text = Rest;
    if (Line.starts_with("    ") && Current) {
      Current->push_back(absoluteIn(P.Build, Line.trim()));
    } else if (size_t Colon = Line.find(": #deps"); Colon != StringRef::npos) {
      Current = &Deps[absoluteIn(P.Build, Line.take_front(Colon))];
    }
  }
  return Deps;
}

std::set<std::string> ninjaInputs(const ProjectCopy &P,
                                  const std::string &Target) {
  CommandResult R = runIn(P.Build, ninjaCommand() + " -t inputs " + Target);
  EXPECT_EQ(R.ExitCode, 0) << R.Output;
  std::set<std::string> Inputs;
  SmallVector<StringRef> Lines;
  StringRef(R.Output).split(Lines, '\n', -1, false);
  for (StringRef Line : Lines)
    Inputs.insert(absoluteIn(P.Build, Line.trim()));
  return Inputs;
}

bool ninjaUpToDate(const ProjectCopy &P) {
  CommandResult R = runIn(P.Build, ninjaCommand() + " -n");
  EXPECT_EQ(R.ExitCode, 0) << R.Output;
  return StringRef(R.Output).contains("ninja: no work to do.");
}

} // namespace hotc::ninja::test
