#include "frontend/clang_invocation.h"
#include "ir_fixture.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace hotc;

namespace {

bool has(const std::vector<std::string> &V, const std::string &S) {
  return std::find(V.begin(), V.end(), S) != V.end();
}

TEST(CompileArgs, DropsOutputsAndGccOnlyFlagsKeepsTheRest) {
  frontend::CompileCommand Cmd{"/src/a.cpp", "/build",
                          {"/usr/bin/g++", "-DX=1", "-I/inc", "-O2", "-g",
                           "-fno-plt", "-flive-patching=inline-clone", "-MD",
                           "-MT", "a.o", "-MF", "a.o.d", "-o", "a.o", "-c",
                           "/src/a.cpp"}};
  unsigned Opt = 9;
  auto Args = frontend::patchCompileArguments(Cmd, Opt);
  EXPECT_EQ(Opt, 2u);
  EXPECT_EQ(Args.front(), "/usr/lib/llvm-19/bin/clang++");
  for (const char *Kept : {"-DX=1", "-I/inc", "-O2", "-g", "-c", "/src/a.cpp"})
    EXPECT_TRUE(has(Args, Kept)) << Kept;
  for (const char *Gone : {"-fno-plt", "-flive-patching=inline-clone", "-MD",
                           "-MF", "a.o.d", "-o", "a.o", "-MT"})
    EXPECT_FALSE(has(Args, Gone)) << Gone;
  EXPECT_TRUE(has(Args, "-disable-llvm-passes"));
}

// The joined spellings the build may use are dropped too: a patch compile
// never writes the build's object or depfile.
TEST(CompileArgs, DropsJoinedOutputSpellings) {
  frontend::CompileCommand Cmd{"/src/a.cpp", "/build",
                          {"/usr/bin/g++", "-Iinc", "-oa.o", "-MFa.o.d",
                           "-MTa.o", "-Wp,-MD,a.o.d", "-Werror=format",
                           "-fdiagnostics-color=always", "-c", "/src/a.cpp"}};
  unsigned Opt = 0;
  auto Args = frontend::patchCompileArguments(Cmd, Opt);
  for (const char *Gone : {"-oa.o", "-MFa.o.d", "-MTa.o", "-Wp,-MD,a.o.d",
                           "-Werror=format", "-fdiagnostics-color=always"})
    EXPECT_FALSE(has(Args, Gone)) << Gone;
  for (const char *Kept : {"-Iinc", "-c", "/src/a.cpp"})
    EXPECT_TRUE(has(Args, Kept)) << Kept;
}

TEST(CompileArgs, CIsCompiledAsC) {
  frontend::CompileCommand Cmd{"/src/a.c", "/build", {"cc", "-Og", "-c", "/src/a.c"}};
  unsigned Opt = 0;
  auto Args = frontend::patchCompileArguments(Cmd, Opt);
  EXPECT_EQ(Args.front(), "/usr/lib/llvm-19/bin/clang");
  EXPECT_EQ(Opt, 1u);
}

// GCC 12 compiles old C that Clang 19 refuses by default: a patch of such
// a unit must compile as the build did.
TEST(CompileArgs, CAcceptsWhatGccAccepts) {
  std::string Path = test::scratchDir() + "/old_style.c";
  FILE *F = fopen(Path.c_str(), "w");
  fputs("int caller(void) { return helper_not_declared(3); }\n"
        "int helper_not_declared(int x) { return x; }\n", F);
  fclose(F);
  frontend::CompileCommand Cmd{Path, test::scratchDir(),
                          {"gcc", "-std=gnu99", "-O0", "-c", Path}};
  auto R = jit::compileToIR(Cmd);
  EXPECT_TRUE(bool(R)) << (R ? "" : llvm::toString(R.takeError()));
}

TEST(CompileArgs, ErrorsCarryFileLineAndColumn) {
  auto R = test::tryCompileSnippet("broken.cpp", "int f() {\n  return 1 +;\n}\n");
  ASSERT_FALSE(R);
  bool Seen = false;
  llvm::handleAllErrors(R.takeError(), [&](const frontend::CompileFailure &F) {
    const frontend::SourceDiagnostic *D = F.firstError();
    ASSERT_TRUE(D);
    EXPECT_EQ(D->Line, 2u);
    EXPECT_EQ(D->Column, 13u);
    EXPECT_EQ(D->Severity, "error");
    EXPECT_NE(D->File.find("broken.cpp"), std::string::npos);
    Seen = true;
  });
  EXPECT_TRUE(Seen);
}

TEST(CompileArgs, InputsListTheHeadersRead) {
  std::string Header = test::scratchDir() + "/inputs_header.h";
  FILE *F = fopen(Header.c_str(), "w");
  fputs("inline int h() { return 3; }\n", F);
  fclose(F);
  auto Tu = test::compileSnippet("inputs.cpp", "#include \"inputs_header.h\"\n"
                                               "int g() { return h(); }\n");
  ASSERT_TRUE(Tu.Module);
  EXPECT_NE(Tu.Inputs.front().find("inputs.cpp"), std::string::npos);
  bool HasHeader = false;
  for (auto &I : Tu.Inputs)
    HasHeader |= I.find("inputs_header.h") != std::string::npos;
  EXPECT_TRUE(HasHeader);
}

} // namespace
