// The warm compile path must give the same answer as a cold compile, only
// faster: these tests compare them.
#include "jit/function_hash.h"
#include "ir_fixture.h"
#include "jit/unit_compiler.h"

#include <gtest/gtest.h>

#include <fstream>

using namespace hotc;

namespace {

const char *kSource = R"(#include <map>
#include <string>
#include "warm_header.h"

std::map<int, std::string> table() {
  std::map<int, std::string> M;
  M[1] = "one";
  return M;
}

int edited(int X) { return X + 1; }

int uses_header(int X) { return twice(X); }

int global_value = 3;
)";

struct WarmUnit {
  std::string Dir = test::scratchDir();
  std::string File = Dir + "/warm.cpp";
  std::unique_ptr<jit::UnitCompiler> Compiler;

  WarmUnit() {
    writeHeader("inline int twice(int X) { return 2 * X; }\n");
    write(kSource);
    Compiler = std::make_unique<jit::UnitCompiler>(frontend::CompileCommand{
        File, Dir, {"c++", "-std=c++17", "-O0", "-g", "-c", File}});
    jit::UnitCompileStats Stats;
    auto Tu = Compiler->compileAll(&Stats);
    EXPECT_TRUE(bool(Tu)) << llvm::toString(Tu.takeError());
    EXPECT_TRUE(Stats.PreambleBuilt);
    EXPECT_GT(Stats.PreambleBytes, 0u);
    Compiler->accept();
  }
  void write(const std::string &Text) { std::ofstream(File) << Text; }
  void writeHeader(const std::string &Text) {
    std::ofstream(Dir + "/warm_header.h") << Text;
  }
  jit::FunctionHashes coldHashes() {
    auto Tu = jit::compileToIR({File, Dir, {"c++", "-std=c++17", "-O0", "-g", "-c", File}});
    EXPECT_TRUE(bool(Tu));
    return jit::canonicalFunctionHashes(*Tu->Module);
  }
};

std::string replaced(std::string S, const std::string &From, const std::string &To) {
  S.replace(S.find(From), From.size(), To);
  return S;
}

TEST(UnitCompiler, BodyEditGeneratesOnlyThatFunctionAndMatchesACompileFromCold) {
  WarmUnit U;
  U.write(replaced(kSource, "return X + 1;", "return X + 2;"));
  jit::UnitCompileStats Stats;
  auto Tu = U.Compiler->compileEdit(&Stats);
  ASSERT_TRUE(bool(Tu)) << llvm::toString(Tu.takeError());
  EXPECT_TRUE(Tu->Partial);
  EXPECT_TRUE(Stats.Focused);
  EXPECT_FALSE(Stats.PreambleBuilt);
  auto Warm = jit::canonicalFunctionHashes(*Tu->Module);
  EXPECT_EQ(Warm.size(), 1u) << "only edited(int) should be generated";
  ASSERT_TRUE(Warm.count("_Z6editedi"));
  EXPECT_EQ(Warm["_Z6editedi"], U.coldHashes()["_Z6editedi"]);
}

// A focused compile from an older text (an analysis not yet redone after
// the last patch) also generates what changed since that text; and one
// whose older text is the saved text itself (an analysis read after the
// save) still generates the edit since the text the process runs.
TEST(UnitCompiler, FocusFromAnOlderTextCoversBothEdits) {
  WarmUnit U;
  std::string V1 = replaced(kSource, "int global_value = 3;", "int global_value = 3;\nint later() { return 1; }");
  U.write(V1);
  ASSERT_TRUE(bool(U.Compiler->compileEdit()));
  U.Compiler->accept(); // the process runs V1
  std::string V2 = replaced(V1, "return X + 1;", "return X + 2;");
  U.write(V2);
  jit::UnitCompileStats Stats;
  auto Tu = U.Compiler->compileEdit(&Stats, true, &V1);
  ASSERT_TRUE(bool(Tu)) << llvm::toString(Tu.takeError());
  auto Hashes = jit::canonicalFunctionHashes(*Tu->Module);
  EXPECT_TRUE(Hashes.count("_Z6editedi")) << "the edit since the running text";

  std::string Old = kSource; // older than the running V1: both regions
  auto Both = U.Compiler->compileEdit(&Stats, true, &Old);
  ASSERT_TRUE(bool(Both)) << llvm::toString(Both.takeError());
  auto BothHashes = jit::canonicalFunctionHashes(*Both->Module);
  EXPECT_TRUE(BothHashes.count("_Z6editedi"));
  EXPECT_TRUE(BothHashes.count("_Z5laterv")) << "the edit since the older text";

  auto Same = U.Compiler->compileEdit(&Stats, true, &V2); // From == saved text
  ASSERT_TRUE(bool(Same)) << llvm::toString(Same.takeError());
  EXPECT_TRUE(jit::canonicalFunctionHashes(*Same->Module).count("_Z6editedi"))
      << "an analysis of the saved text must not hide the edit";
}

TEST(UnitCompiler, EditBeyondFunctionBodiesCompilesTheWholeUnit) {
  WarmUnit U;
  U.write(replaced(kSource, "int global_value = 3;", "int global_value = 4;"));
  jit::UnitCompileStats Stats;
  auto Tu = U.Compiler->compileEdit(&Stats);
  ASSERT_TRUE(bool(Tu));
  EXPECT_FALSE(Tu->Partial);
  auto Whole = jit::canonicalFunctionHashes(*Tu->Module);
  for (const char *F : {"_Z6editedi", "_Z11uses_headeri", "_Z5tableB5cxx11v"})
    EXPECT_TRUE(Whole.count(F)) << F;
}

TEST(UnitCompiler, HeaderEditRebuildsThePreambleAndSeesTheInlineChange) {
  WarmUnit U;
  auto Before = U.coldHashes();
  U.writeHeader("inline int twice(int X) { return X + X + 0; }\n");
  jit::UnitCompileStats Stats;
  auto Tu = U.Compiler->compileEdit(&Stats);
  ASSERT_TRUE(bool(Tu));
  EXPECT_TRUE(Stats.PreambleBuilt);
  EXPECT_FALSE(Tu->Partial);
  auto Warm = jit::canonicalFunctionHashes(*Tu->Module);
  ASSERT_TRUE(Warm.count("_Z5twicei"));
  EXPECT_NE(Warm["_Z5twicei"], Before["_Z5twicei"]);
  EXPECT_EQ(Warm["_Z5twicei"], U.coldHashes()["_Z5twicei"]);
}

TEST(UnitCompiler, UnacceptedEditsAccumulate) {
  // An edit whose patch failed is not accepted: the next one must still
  // cover both changes.
  WarmUnit U;
  std::string First = replaced(kSource, "return X + 1;", "return X + 2;");
  U.write(First);
  ASSERT_TRUE(bool(U.Compiler->compileEdit()));
  U.write(replaced(First, "return twice(X);", "return twice(X) + 1;"));
  auto Tu = U.Compiler->compileEdit();
  ASSERT_TRUE(bool(Tu));
  auto Warm = jit::canonicalFunctionHashes(*Tu->Module);
  EXPECT_TRUE(Warm.count("_Z6editedi"));
  EXPECT_TRUE(Warm.count("_Z11uses_headeri"));
}

} // namespace

namespace {

// Clang's own reuse check sees size and whole-second mtime only.
TEST(UnitCompiler, SameSizeHeaderEditWithinTheSecondIsSeen) {
  WarmUnit U;
  U.writeHeader("inline int twice(int X) { return 3 * X; }\n"); // same size
  jit::UnitCompileStats Stats;
  auto Tu = U.Compiler->compileEdit(&Stats);
  ASSERT_TRUE(bool(Tu));
  EXPECT_TRUE(Stats.PreambleBuilt);
  auto Warm = jit::canonicalFunctionHashes(*Tu->Module);
  EXPECT_EQ(Warm["_Z5twicei"], U.coldHashes()["_Z5twicei"]);
}

} // namespace
