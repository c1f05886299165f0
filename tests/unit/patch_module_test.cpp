#include "ir_fixture.h"
#include "jit/patch_module.h"

#include <gtest/gtest.h>

using namespace hotc;
using namespace llvm;

namespace {

const char *kUnit = R"(#include <string>
int existing_global = 1;
static int existing_static = 2;
std::string new_text = "made";        // not in the process: created
int new_counter = 5;                   // not in the process: created
int unchanged() { return existing_global; }
int changed() { return existing_static + unchanged(); }
int brand_new() { return new_counter + (int)new_text.size(); }
)";

struct Prepared {
  jit::CompiledTu Tu;
  jit::SymbolTable Globals, Locals;
  jit::PatchPlan Plan;
};

Prepared prepare(const StringSet<> &Changed) {
  Prepared P;
  P.Tu = test::compileSnippet("unit.cpp", kUnit);
  P.Globals["existing_global"] = {0x1000, 4, false};
  P.Globals["_Z9unchangedv"] = {0x2000, 32, true};
  P.Globals["_Z7changedv"] = {0x3000, 32, true};
  P.Locals["_ZL15existing_static"] = {0x4000, 4, false};
  jit::LiveView View{&P.Globals, &P.Locals};
  P.Plan = jit::preparePatchModule(*P.Tu.Module, Changed, View, {3, 0, nullptr});
  return P;
}

TEST(PatchModule, ChangedLiveFunctionIsVersionedAndCallsGoThroughItsEntry) {
  Prepared P = prepare({"_Z7changedv", "_Z9brand_newv"});
  Module &M = *P.Tu.Module;
  ASSERT_EQ(P.Plan.Replaced.size(), 1u);
  EXPECT_EQ(P.Plan.Replaced[0].Name, "_Z7changedv");
  EXPECT_EQ(P.Plan.Replaced[0].Versioned, "_Z7changedv.hotc3");
  Function *New = M.getFunction("_Z7changedv.hotc3");
  ASSERT_TRUE(New && !New->isDeclaration());
  EXPECT_EQ(New->getLinkage(), GlobalValue::ExternalLinkage);
  Function *Entry = M.getFunction("_Z7changedv");
  ASSERT_TRUE(Entry);
  EXPECT_TRUE(Entry->isDeclaration());
  EXPECT_FALSE(Entry->isDSOLocal()) << "live code is reached through the GOT";
}

TEST(PatchModule, LiveStateBecomesDeclarations) {
  Prepared P = prepare({"_Z7changedv"});
  Module &M = *P.Tu.Module;
  for (const char *Name : {"existing_global", "_ZL15existing_static"}) {
    GlobalVariable *G = M.getNamedGlobal(Name);
    ASSERT_TRUE(G) << Name;
    EXPECT_TRUE(G->isDeclaration()) << Name << " would be duplicated";
  }
  Function *U = M.getFunction("_Z9unchangedv");
  ASSERT_TRUE(U);
  EXPECT_TRUE(U->isDeclaration());
}

TEST(PatchModule, NewGlobalsAreCreatedAndOnlyTheirInitialisersRun) {
  Prepared P = prepare({"_Z9brand_newv"});
  Module &M = *P.Tu.Module;
  std::vector<std::string> Created;
  for (auto &C : P.Plan.Created)
    Created.push_back(C.Name);
  for (const char *Name : {"new_counter", "_Z8new_textB5cxx11", "_Z9brand_newv"})
    EXPECT_NE(std::find(Created.begin(), Created.end(), Name), Created.end())
        << Name;
  EXPECT_FALSE(M.getNamedGlobal("llvm.global_ctors"));
  ASSERT_EQ(P.Plan.InitFunction, "__hotc_init");
  Function *Init = M.getFunction("__hotc_init");
  ASSERT_TRUE(Init);
  EXPECT_FALSE(Init->empty());
}

TEST(PatchModule, NothingNewMeansNoInitialiser) {
  Prepared P;
  P.Tu = test::compileSnippet("plain.cpp", "#include <string>\n"
                                           "std::string live_text = \"x\";\n"
                                           "int f() { return live_text.size(); }\n");
  P.Globals["_Z1fv"] = {0x2000, 32, true};
  P.Globals["_Z9live_textB5cxx11"] = {0x1000, 32, false};
  jit::LiveView View{&P.Globals, &P.Locals};
  P.Plan = jit::preparePatchModule(*P.Tu.Module, {"_Z1fv"}, View, {1, 0, nullptr});
  EXPECT_TRUE(P.Plan.InitFunction.empty())
      << "the live string must not be constructed again";
  EXPECT_TRUE(P.Plan.Created.empty());
}

} // namespace
