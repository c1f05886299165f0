// Functions a save removes while code still calls them, read from the new
// modules of the units a patch recompiles (the graph's part is tested end
// to end in tests/e2e/header_edits_test.cpp).
#include "ir_fixture.h"
#include "jit/removed_functions.h"

#include <gtest/gtest.h>

#include <algorithm>

using namespace hotc;

namespace {

struct Unit {
  std::string File;
  jit::FunctionHashes Live;
  jit::CompiledTu Now;
};

// The unit as the process runs it (Before) and as saved (After).
Unit unit(const std::string &Name, const std::string &Before,
          const std::string &After) {
  Unit U{Name, jit::canonicalFunctionHashes(
                   *test::compileSnippet(Name, Before).Module),
         test::compileSnippet(Name, After)};
  return U;
}

// Elsewhere: symbols another unit of the process defines.
llvm::Error check(std::vector<Unit> &Units,
                  std::vector<std::string> Elsewhere = {}) {
  std::vector<jit::RecompiledUnit> R;
  for (size_t I = 0; I < Units.size(); ++I)
    R.push_back({&Units[I].File, &Units[I].Live, Units[I].Now.Module.get(), false});
  return jit::checkRemovedFunctions(R, [&](llvm::StringRef S) {
    return std::find(Elsewhere.begin(), Elsewhere.end(), S) != Elsewhere.end();
  });
}

TEST(RemovedFunctions, StillCalledByAnotherRecompiledUnitIsAnError) {
  std::vector<Unit> Units;
  Units.push_back(unit("lib.cpp", "int helper() { return 1; }\nint keep() { return 2; }\n",
                       "int keep() { return 2; }\n"));
  Units.push_back(unit("use.cpp", "int helper();\nint user() { return helper(); }\n",
                       "int helper();\nint user() { return helper() + 1; }\n"));
  llvm::Error E = check(Units);
  ASSERT_TRUE(E.isA<jit::RemovedStillUsed>());
  std::string Msg = llvm::toString(std::move(E));
  EXPECT_NE(Msg.find("lib.cpp: helper() was removed but is still used by user() (use.cpp)"),
            std::string::npos) << Msg;
  EXPECT_NE(Msg.find("nothing was applied"), std::string::npos) << Msg;
}

TEST(RemovedFunctions, MovedToAnotherUnitOfThePatchIsNotRemoved) {
  std::vector<Unit> Units;
  Units.push_back(unit("from.cpp", "int helper() { return 1; }\nint a() { return 0; }\n",
                       "int a() { return 0; }\n"));
  Units.push_back(unit("to.cpp", "int helper();\nint b() { return helper(); }\n",
                       "int helper() { return 1; }\nint b() { return helper(); }\n"));
  EXPECT_FALSE(check(Units));
}

// helper() moved to another unit by an earlier patch: the unit it left
// still lists it among what the process ran, but it is not gone.
TEST(RemovedFunctions, MovedEarlierToAUnitOutsideThePatchIsNotRemoved) {
  std::vector<Unit> Units;
  Units.push_back(unit("from.cpp", "int helper() { return 1; }\nint a() { return helper(); }\n",
                       "int helper();\nint a() { return helper(); }\n"));
  EXPECT_FALSE(check(Units, {"_Z6helperv"}));
}

TEST(RemovedFunctions, RemovedWithItsLastCallerIsFine) {
  std::vector<Unit> Units;
  Units.push_back(unit("one.cpp",
                       "static int helper() { return 1; }\nint a() { return helper(); }\n",
                       "int a() { return 1; }\n"));
  EXPECT_FALSE(check(Units));
}

} // namespace
