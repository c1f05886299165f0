// Moving globals to a new layout (jit/global_moves.h) on real IR: the plan
// over a unit whose struct gained a field, the refusals, and the patch
// module that fills the new storage through the app's hook.
#include "ir_fixture.h"
#include "jit/global_moves.h"

#include "llvm/IR/Instructions.h"

#include <gtest/gtest.h>

using namespace hotc;
using namespace llvm;

namespace {

const char *kBefore = R"(struct P { int x; };
P g = {1};
static P s = {2};
int step() { return ++g.x + ++s.x; }
void *where() { return &g; }
)";

std::string after(const std::string &Extra) {
  return "struct P { int x; int y; };\n"
         "P g = {1};\n"
         "static P s = {2};\n"
         "int step() { return ++g.x + ++s.x + g.y; }\n"
         "void *where() { return &g; }\n" +
         Extra;
}

const char *kHook =
    "extern \"C\" void hotreload_migrate_P(const void *o, void *n) {}\n";

// The process as it ran kBefore: g, s, step and where are live.
struct Unit {
  jit::CompiledTu Tu;
  jit::SymbolTable Globals, Locals;
  jit::LiveView View{&Globals, &Locals};
  std::vector<jit::LayoutChange::Changed> Changes;

  explicit Unit(const std::string &Source,
                std::vector<std::string> Live = {}) {
    jit::CompiledTu Old = test::compileSnippet("before.cpp", kBefore, {"-O0", "-g"});
    Tu = test::compileSnippet("after.cpp", Source, {"-O0", "-g"});
    Changes = jit::changedLayouts(*Tu.Module, jit::typeLayoutsOf(*Old.Module),
                                  jit::typeLayoutsOf(*Tu.Module));
    Globals["g"] = {0x1000, 4, false};
    Globals["_Z4stepv"] = {0x2000, 32, true};
    Globals["_Z5wherev"] = {0x3000, 32, true};
    Locals["_ZL1s"] = {0x4000, 4, false};
    for (const std::string &L : Live)
      Globals[L] = {0x5000, 8, false};
  }

  Expected<jit::MovePlan> plan() {
    return jit::planGlobalMoves({{"after.cpp", Tu.Module.get(), &View, Changes}},
                                /*Generation=*/4);
  }
};

TEST(GlobalMoves, HookNamesSpellTheRecord) {
  EXPECT_EQ(jit::migrationHookName("struct.particle"), "hotreload_migrate_particle");
  EXPECT_EQ(jit::migrationHookName("class.game::Particle"),
            "hotreload_migrate_game_Particle");
  EXPECT_EQ(jit::migrationHookName("struct.Box<int>"), "");
  EXPECT_EQ(jit::migrationHookName("struct.anon"), "");
  EXPECT_EQ(jit::migrationHookName("vtable:_ZTV4Base"), "");
}

TEST(GlobalMoves, WithoutAHookTheChangeIsRefusedNamingTheHook) {
  Unit U(after(""));
  ASSERT_EQ(U.Changes.size(), 1u);
  EXPECT_EQ(U.Changes[0].IRType, "struct.P");
  auto Plan = U.plan();
  ASSERT_FALSE(Plan);
  std::string Msg = toString(Plan.takeError());
  EXPECT_NE(Msg.find("the layout of struct P changed: { i32 } (4 bytes) -> "
                     "{ i32, i32 } (8 bytes)"),
            std::string::npos)
      << Msg;
  EXPECT_NE(Msg.find("define HOTRELOAD_MIGRATE(P) (hotreload.h)"),
            std::string::npos)
      << Msg;
}

TEST(GlobalMoves, WithTheHookEveryLiveGlobalOfTheTypeMoves) {
  Unit U(after(kHook));
  auto Plan = U.plan();
  ASSERT_TRUE(bool(Plan)) << toString(Plan.takeError());
  ASSERT_EQ(Plan->ByUnit.size(), 1u);
  const std::vector<jit::GlobalMove> &M = Plan->ByUnit[0];
  ASSERT_EQ(M.size(), 2u);
  EXPECT_EQ(M[0].Name, "g");
  EXPECT_FALSE(M[0].Local);
  EXPECT_EQ(M[0].Versioned, "g.hotc4");
  EXPECT_EQ(M[0].OldAddress, 0x1000u);
  EXPECT_EQ(M[0].Hook, "hotreload_migrate_P");
  EXPECT_EQ(M[1].Name, "_ZL1s");
  EXPECT_TRUE(M[1].Local);
  EXPECT_TRUE(Plan->Warnings.empty());

  // where() only takes g's address: its code is the same, yet it must be
  // relinked to the new storage.
  StringSet<> Changed;
  jit::addUsersOfMoved(*U.Tu.Module, jit::movedNamesFor(*Plan, 0), U.View,
                       Changed);
  EXPECT_TRUE(Changed.contains("_Z5wherev"));
  EXPECT_TRUE(Changed.contains("_Z4stepv"));
  EXPECT_FALSE(Changed.contains("hotreload_migrate_P"));
}

TEST(GlobalMoves, ThePatchFillsTheNewStorageThroughTheHook) {
  Unit U(after(kHook));
  auto Plan = U.plan();
  ASSERT_TRUE(bool(Plan)) << toString(Plan.takeError());
  StringSet<> Changed{"_Z4stepv", "_Z5wherev", "hotreload_migrate_P"};
  jit::PatchPlan P = jit::preparePatchModule(
      *U.Tu.Module, Changed, U.View, {4, 0, nullptr, nullptr, &Plan->ByUnit[0]});
  Module &M = *U.Tu.Module;
  GlobalVariable *New = M.getNamedGlobal("g.hotc4");
  ASSERT_TRUE(New);
  EXPECT_FALSE(New->isDeclaration()) << "the new storage is the patch's";
  GlobalVariable *Old = M.getNamedGlobal("g");
  ASSERT_TRUE(Old);
  EXPECT_TRUE(Old->isDeclaration()) << "the old name is the process's storage";
  EXPECT_EQ(P.MovedStorage, (std::vector<std::string>{"g.hotc4", "_ZL1s.hotc4"}));
  ASSERT_FALSE(P.InitFunction.empty());
  std::vector<std::pair<std::string, std::string>> Calls;
  for (Instruction &I : M.getFunction(P.InitFunction)->getEntryBlock())
    if (auto *C = dyn_cast<CallInst>(&I); C && C->getCalledFunction() &&
                                          C->getCalledFunction()->getName() ==
                                              "hotreload_migrate_P")
      Calls.emplace_back(C->getArgOperand(0)->getName().str(),
                         C->getArgOperand(1)->getName().str());
  EXPECT_EQ(Calls, (std::vector<std::pair<std::string, std::string>>{
                       {"g", "g.hotc4"}, {"_ZL1s", "_ZL1s.hotc4"}}));
  // step() reads the new storage.
  bool ReadsNew = false;
  for (const User *Us : New->users())
    if (auto *I = dyn_cast<Instruction>(Us))
      ReadsNew |= I->getFunction()->getName().starts_with("_Z4stepv");
  EXPECT_TRUE(ReadsNew);
}

TEST(GlobalMoves, AGlobalHoldingTheTypeInAnArrayIsRefused) {
  Unit U(after(std::string(kHook) + "P trail[2];\nint last() { return trail[1].x; }\n"),
         {"trail"});
  auto Plan = U.plan();
  ASSERT_TRUE(bool(Plan)) << toString(Plan.takeError());
  std::vector<std::string> Types{"struct.P"};
  Error E = jit::checkNothingStaleHolds(*U.Tu.Module, Types,
                                        jit::movedNamesFor(*Plan, 0), U.View,
                                        "after.cpp");
  ASSERT_TRUE(bool(E));
  std::string Msg = toString(std::move(E));
  EXPECT_NE(Msg.find("trail holds a struct P the process has"), std::string::npos)
      << Msg;
  EXPECT_NE(Msg.find("inside an array or another struct"), std::string::npos)
      << Msg;
}

TEST(GlobalMoves, DataHoldingAMovedAddressIsWarnedOf) {
  Unit U(after(std::string(kHook) + "P *cursor = &g;\n"), {"cursor"});
  auto Plan = U.plan();
  ASSERT_TRUE(bool(Plan)) << toString(Plan.takeError());
  ASSERT_EQ(Plan->Warnings.size(), 1u);
  EXPECT_NE(Plan->Warnings[0].find("cursor (after.cpp) holds the address of a "
                                   "moved global"),
            std::string::npos)
      << Plan->Warnings[0];
}

// Clang gives a global its initialiser's type, here no named struct (the
// array's trailing zeros): the debug info says it is a P.
TEST(GlobalMoves, AGlobalTypedByItsInitialiserMovesToo) {
  Unit U("struct P { int x; int a[16]; };\n"
         "P g = {1, {1}};\n"
         "int step() { return ++g.x + g.a[3]; }\n" + std::string(kHook));
  ASSERT_NE(U.Tu.Module->getNamedGlobal("g")->getValueType(),
            StructType::getTypeByName(U.Tu.Module->getContext(), "struct.P"))
      << "the case this test is about";
  auto Plan = U.plan();
  ASSERT_TRUE(bool(Plan)) << toString(Plan.takeError());
  ASSERT_EQ(Plan->ByUnit[0].size(), 1u);
  EXPECT_EQ(Plan->ByUnit[0][0].Name, "g");
}

// An anonymous struct is named by its typedef, in the layout key and in
// hotc's reading of the debug info.
TEST(GlobalMoves, AnAnonymousTypedefdStructMoves) {
  Unit U("typedef struct { int x; int a[16]; } P;\n"
         "P g = {1, {1}};\n"
         "int step() { return ++g.x + g.a[3]; }\n" + std::string(kHook));
  auto Plan = U.plan();
  ASSERT_TRUE(bool(Plan)) << toString(Plan.takeError());
  ASSERT_EQ(Plan->ByUnit[0].size(), 1u);
  EXPECT_EQ(Plan->ByUnit[0][0].Name, "g");
}

// A caller of a helper the binary has no copy of (inlined everywhere)
// holds the helper's access to the global: it is relinked.
TEST(GlobalMoves, CallersOfHelpersReachingAMovedGlobalAreRelinked) {
  Unit U(after(std::string(kHook) +
               "static int px() { return g.x; }\n"
               "int total() { return px(); }\n"),
         {"_Z5totalv"});
  auto Plan = U.plan();
  ASSERT_TRUE(bool(Plan)) << toString(Plan.takeError());
  StringSet<> Users;
  jit::addUsersOfMoved(*U.Tu.Module, jit::movedNamesFor(*Plan, 0), U.View, Users);
  EXPECT_TRUE(Users.contains("_Z5totalv"));
  EXPECT_FALSE(Users.contains("_ZL2pxv")) << "no copy of it lives";
}

// Without debug info hotc cannot tell which globals are of the type.
TEST(GlobalMoves, AUnitWithoutDebugInfoIsRefused) {
  jit::CompiledTu Old = test::compileSnippet("before.cpp", kBefore);
  jit::CompiledTu Now = test::compileSnippet("after.cpp", after(kHook));
  jit::SymbolTable Globals{{"g", {0x1000, 4, false}}}, Locals;
  jit::LiveView View{&Globals, &Locals};
  auto Changes = jit::changedLayouts(*Now.Module, jit::typeLayoutsOf(*Old.Module),
                                     jit::typeLayoutsOf(*Now.Module));
  auto Plan = jit::planGlobalMoves({{"after.cpp", Now.Module.get(), &View, Changes}}, 4);
  ASSERT_FALSE(Plan);
  std::string Msg = toString(Plan.takeError());
  EXPECT_NE(Msg.find("built without full debug info (-g)"), std::string::npos) << Msg;
}

// At exit the destructor registered at start-up would run the new code on
// the old storage.
TEST(GlobalMoves, AGlobalWithADestructorIsRefused) {
  Unit U("struct P { int x; int y; ~P(); };\n"
         "P::~P() {}\n"
         "P g;\n"
         "int step() { return ++g.x + g.y; }\n" +
         std::string(kHook));
  auto Plan = U.plan();
  ASSERT_FALSE(Plan);
  std::string Msg = toString(Plan.takeError());
  EXPECT_NE(Msg.find("g, a struct P, has a destructor the process registered "
                     "at start-up"),
            std::string::npos)
      << Msg;
}

TEST(GlobalMoves, AHookOfTheWrongShapeIsRefused) {
  Unit U(after("extern \"C\" int hotreload_migrate_P(int v) { return v; }\n"));
  auto Plan = U.plan();
  ASSERT_FALSE(Plan);
  std::string Msg = toString(Plan.takeError());
  EXPECT_NE(Msg.find("hotreload_migrate_P must be void hotreload_migrate_P("
                     "const void *old, void *new)"),
            std::string::npos)
      << Msg;
}

} // namespace
