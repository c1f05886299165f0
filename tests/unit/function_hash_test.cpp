#include "jit/function_hash.h"
#include "ir_fixture.h"

#include <gtest/gtest.h>

using namespace hotc;

namespace {

jit::FunctionHashes hashesOf(const std::string &Name, const std::string &Src) {
  jit::CompiledTu Tu = test::compileSnippet(Name, Src, {"-O0", "-g"});
  return Tu.Module ? jit::canonicalFunctionHashes(*Tu.Module)
                   : jit::FunctionHashes{};
}

const char *kBase = R"(#include <cstdio>
static int counter;
int add(int a, int b) { return a + b; }
void hello() { std::puts("hello"); }
int tick() { return ++counter; }
)";

TEST(FunctionHash, WhitespaceCommentsAndLineShiftsDoNotCount) {
  auto A = hashesOf("h1.cpp", kBase);
  auto B = hashesOf("h2.cpp", std::string("// a comment\n\n\n") + R"(#include <cstdio>
static int counter;   // moved down
int add(int a,
        int b) { return a + b; }

void hello() {   std::puts("hello"); }
int tick() { return ++counter; }
)");
  for (const char *F : {"_Z3addii", "_Z5hellov", "_Z4tickv"}) {
    ASSERT_TRUE(A.count(F) && B.count(F)) << F;
    EXPECT_EQ(A[F], B[F]) << F;
  }
}

TEST(FunctionHash, ABodyChangeCountsOnlyForThatFunction) {
  auto A = hashesOf("h3.cpp", kBase);
  std::string Src = kBase;
  Src.replace(Src.find("a + b"), 5, "a - b");
  auto B = hashesOf("h4.cpp", Src);
  EXPECT_NE(A["_Z3addii"], B["_Z3addii"]);
  EXPECT_EQ(A["_Z5hellov"], B["_Z5hellov"]);
  EXPECT_EQ(A["_Z4tickv"], B["_Z4tickv"]);
}

TEST(FunctionHash, StringLiteralsCountByContentNotByName) {
  // A new string above shifts Clang's .str numbering of hello()'s literal.
  std::string Src = kBase;
  Src.insert(Src.find("void hello"), "void first() { std::puts(\"first\"); }\n");
  auto A = hashesOf("h5.cpp", kBase);
  auto B = hashesOf("h6.cpp", Src);
  EXPECT_EQ(A["_Z5hellov"], B["_Z5hellov"]);
  std::string Changed = kBase;
  Changed.replace(Changed.find("\"hello\""), 7, "\"howdy\"");
  auto C = hashesOf("h7.cpp", Changed);
  EXPECT_NE(A["_Z5hellov"], C["_Z5hellov"]);
}

// Lua's luaB_collectgarbage: a static table of string literals. A literal
// added elsewhere renumbers the table's literals (.str.29 -> .str.31); its
// users must not count as changed (the sweep reported them `missed`).
TEST(FunctionHash, TablesOfLiteralsCountByContentNotByTheirLiteralsNames) {
  const char *Unit = R"(#include <cstring>
int pick(const char *s) {
  static const char *const opts[] = {"stop", "restart", "collect"};
  for (int i = 0; i < 3; ++i)
    if (!std::strcmp(opts[i], s)) return i;
  return -1;
}
)";
  std::string Src = Unit;
  Src.insert(0, "int first(const char *s) { return std::strlen(s) + std::strlen(\"x\"); }\n");
  Src.insert(0, "#include <cstring>\n");
  auto A = hashesOf("t1.cpp", Unit);
  auto B = hashesOf("t2.cpp", Src);
  ASSERT_TRUE(A.count("_Z4pickPKc"));
  EXPECT_EQ(A["_Z4pickPKc"], B["_Z4pickPKc"]);
  std::string Changed = Unit;
  Changed.replace(Changed.find("\"restart\""), 9, "\"resume\"");
  auto C = hashesOf("t3.cpp", Changed);
  EXPECT_NE(A["_Z4pickPKc"], C["_Z4pickPKc"]);
}

} // namespace
