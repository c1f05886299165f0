#include "ir_fixture.h"
#include "jit/build_compiler_patch.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/raw_ostream.h"

#include <gtest/gtest.h>

using namespace hotc;
using namespace llvm;
using namespace llvm::jitlink;

namespace {

const char *kUnit = R"(static int counter = 5;
static const int table[] = {1, 2, 3};
int fresh_state;
int unchanged(int v) { return v + counter; }
int changed(int v) { counter += table[v % 3]; return unchanged(v) * 2 + fresh_state; }
int brand_new(void) { return counter; }
static int init_once = 0;
)";

struct Cut {
  std::unique_ptr<MemoryBuffer> Object;
  jit::BuildCompilerPatch Patch;
};

// unit.c compiled by gcc as a build would (-O2 -g -fPIE), cut against a
// process that has counter, table, unchanged and changed.
Cut cut() {
  std::string Dir = test::scratchDir();
  std::string File = Dir + "/unit.c";
  {
    std::error_code EC;
    raw_fd_ostream OS(File, EC);
    OS << kUnit;
  }
  frontend::CompileCommand Cmd{File, Dir, {"gcc", "-O2", "-g", "-fPIE", "-c", File, "-o", "unit.o"}};
  Cut Out;
  auto Obj = jit::compileWithBuildCompiler(Cmd);
  EXPECT_TRUE(bool(Obj)) << toString(Obj.takeError());
  if (!Obj)
    return Out;
  Out.Object = std::move(*Obj);
  jit::SymbolTable Globals, Locals;
  Globals["unchanged"] = {0x401000, 32, true};
  Globals["changed"] = {0x401100, 64, true};
  Locals["counter"] = {0x404000, 4, false};
  Locals["table"] = {0x402000, 12, false};
  jit::PatchPlan Plan;
  Plan.Replaced.push_back({"changed", "changed.hotc2", false});
  Plan.Created.push_back({"brand_new", false, true});
  auto P = jit::cutToPatch(*Out.Object, Plan, {&Globals, &Locals}, {}, 2, File);
  EXPECT_TRUE(bool(P)) << toString(P.takeError());
  if (P)
    Out.Patch = std::move(*P);
  return Out;
}

Symbol *defined(LinkGraph &G, StringRef Name) {
  for (Symbol *S : G.defined_symbols())
    if (S->hasName() && S->getName() == Name)
      return S;
  return nullptr;
}

bool external(LinkGraph &G, StringRef Name) {
  for (Symbol *S : G.external_symbols())
    if (S->getName() == Name)
      return true;
  return false;
}

TEST(BuildCompilerPatch, ChangedFunctionGetsItsVersionedNameAndCallsGoLive) {
  Cut C = cut();
  ASSERT_TRUE(C.Patch.Graph);
  LinkGraph &G = *C.Patch.Graph;
  Symbol *New = defined(G, "changed.hotc2");
  ASSERT_TRUE(New);
  EXPECT_EQ(New->getScope(), Scope::Default);
  ASSERT_EQ(C.Patch.Replaced.size(), 1u);
  EXPECT_EQ(C.Patch.Replaced[0].Versioned, "changed.hotc2");
  // Its own name and everything the process has are references to the
  // live instances, never the object's copies.
  for (const char *Live : {"changed", "unchanged", "counter"}) {
    EXPECT_FALSE(defined(G, Live)) << Live << " would be duplicated";
    EXPECT_TRUE(external(G, Live)) << Live;
  }
}

TEST(BuildCompilerPatch, NewDefinitionsAreCreatedConstantsStayPrivate) {
  Cut C = cut();
  ASSERT_TRUE(C.Patch.Graph);
  LinkGraph &G = *C.Patch.Graph;
  std::vector<std::string> Created;
  for (const jit::CreatedSymbol &S : C.Patch.Created)
    Created.push_back(S.Name);
  EXPECT_NE(std::find(Created.begin(), Created.end(), "brand_new"), Created.end());
  EXPECT_NE(std::find(Created.begin(), Created.end(), "fresh_state"), Created.end());
  // The unit's constant: the edit's bytes, not the live copy.
  Symbol *Table = defined(G, "table");
  if (Table) // GCC may fold it into the code
    EXPECT_EQ(Table->getScope(), Scope::Local);
  EXPECT_FALSE(external(G, "table"));
  for (Section &S : G.sections())
    EXPECT_FALSE(S.getName().starts_with(".init_array")) << "nothing is initialised again";
}

TEST(BuildCompilerPatch, CompileErrorsComeBackWithFileAndLine) {
  std::string Dir = test::scratchDir();
  std::string File = Dir + "/bad.c";
  {
    std::error_code EC;
    raw_fd_ostream OS(File, EC);
    OS << "int f(void) {\n  return undeclared_name;\n}\n";
  }
  auto Obj = jit::compileWithBuildCompiler({File, Dir, {"gcc", "-c", File}});
  ASSERT_FALSE(bool(Obj));
  std::string Line;
  handleAllErrors(Obj.takeError(), [&](const frontend::CompileFailure &F) {
    ASSERT_FALSE(F.diagnostics().empty());
    Line = F.diagnostics().front().File + ":" +
           std::to_string(F.diagnostics().front().Line);
  });
  EXPECT_EQ(Line, File + ":2");
}

} // namespace
