// Hot-deoptimize's two IR steps (jit/unoptimised_functions) and the DWARF
// lookups that find the functions (jit/live_dwarf), on real compiles.
#include "jit/live_dwarf.h"
#include "jit/unoptimised_functions.h"

#include "ir_fixture.h"

#include "llvm/IR/Function.h"
#include "llvm/IR/Module.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <unistd.h>

using namespace hotc;

namespace {

const char *kSource = "int twice(int x) { return 2 * x; }\n"
                      "namespace ns { int keep(int x) { return x + 1; } }\n";

TEST(UnoptimisedFunctions, ModeChangesAreLinkedBothWays) {
  jit::CompiledTu Tu = test::compileSnippet("modes.cpp", kSource, {"-O2"});
  llvm::Module &M = *Tu.Module;
  jit::FunctionHashes Live;
  llvm::StringSet<> Want{"_Z5twicei"};
  llvm::StringSet<> Changed;
  jit::addModeChanges(M, Live, &Want, Changed);
  EXPECT_TRUE(Changed.contains("_Z5twicei"));
  EXPECT_FALSE(Changed.contains("_ZN2ns4keepEi"));
  // Running unoptimised and still wanted: nothing to link.
  Live[jit::unoptimisedMark("_Z5twicei")] = 1;
  Changed.clear();
  jit::addModeChanges(M, Live, &Want, Changed);
  EXPECT_TRUE(Changed.empty());
  // No longer wanted: linked optimised again.
  jit::addModeChanges(M, Live, nullptr, Changed);
  EXPECT_TRUE(Changed.contains("_Z5twicei"));
}

TEST(UnoptimisedFunctions, WantedReplacementsBecomeOptnoneAndAreRecorded) {
  jit::CompiledTu Tu = test::compileSnippet("marks.cpp", kSource, {"-O2"});
  llvm::Module &M = *Tu.Module;
  jit::FunctionHashes Live{{jit::unoptimisedMark("_ZN2ns4keepEi"), 1}};
  llvm::StringSet<> Want{"_Z5twicei"};
  jit::PatchPlan Plan;
  Plan.Replaced = {{"_Z5twicei", "_Z5twicei", false},
                   {"_ZN2ns4keepEi", "_ZN2ns4keepEi", false}};
  llvm::StringMap<uint64_t> Marks;
  jit::markUnoptimised(M, Plan, Live, &Want, Marks);
  const llvm::Function *Twice = M.getFunction("_Z5twicei");
  EXPECT_TRUE(Twice->hasFnAttribute(llvm::Attribute::OptimizeNone));
  EXPECT_TRUE(Twice->hasFnAttribute(llvm::Attribute::NoInline));
  EXPECT_FALSE(M.getFunction("_ZN2ns4keepEi")->hasFnAttribute(llvm::Attribute::OptimizeNone));
  EXPECT_EQ(Marks.lookup(jit::unoptimisedMark("_Z5twicei")), 1u);
  // Recorded as unoptimised, no longer wanted: its mark goes to 0.
  ASSERT_EQ(Marks.count(jit::unoptimisedMark("_ZN2ns4keepEi")), 1u);
  EXPECT_EQ(Marks.lookup(jit::unoptimisedMark("_ZN2ns4keepEi")), 0u);
}

// A program built by GCC at -O2 -g: functions by name, by symbol, by a
// qualified name without parameters, and by a line of their body.
TEST(LiveDwarf, FindsFunctionsByNameAndByLine) {
  std::string Dir = test::scratchDir();
  std::string Src = Dir + "/lookup.cpp";
  std::ofstream(Src) << "int twice(int x) {\n"          // 1
                        "  int y = 2 * x;\n"            // 2
                        "  return y;\n"                 // 3
                        "}\n"                           // 4
                        "namespace ns { int keep(int x) { return x + 1; } }\n"
                        "int main(int c, char **) { return twice(c) + ns::keep(c); }\n";
  std::string Bin = Dir + "/lookup";
  ASSERT_EQ(system(("c++ -O2 -g -fno-inline '" + Src + "' -o '" + Bin + "'").c_str()), 0);
  jit::LiveDwarf D(getpid(), {jit::LoadedModule{Bin, 0, "", 0}});
  auto Named = D.functionsNamed("twice");
  ASSERT_EQ(Named.size(), 1u);
  EXPECT_EQ(Named[0].Symbol, "_Z5twicei");
  EXPECT_EQ(Named[0].Unit, Src);
  EXPECT_EQ(D.functionsNamed("twice(int)").size(), 1u);
  EXPECT_EQ(D.functionsNamed("_Z5twicei").size(), 1u);
  ASSERT_EQ(D.functionsNamed("ns::keep").size(), 1u);
  EXPECT_EQ(D.functionsNamed("ns::keep")[0].Symbol, "_ZN2ns4keepEi");
  EXPECT_TRUE(D.functionsNamed("keep").empty()) << "qualified names only";
  auto AtLine = D.functionsAt("lookup.cpp", 2);
  ASSERT_EQ(AtLine.size(), 1u);
  EXPECT_EQ(AtLine[0].Symbol, "_Z5twicei");
  EXPECT_TRUE(D.functionsAt("lookup.cpp", 4000).empty());
  EXPECT_TRUE(D.functionsAt("other.cpp", 2).empty());
}

} // namespace
