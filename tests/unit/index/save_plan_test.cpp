// The plan of a save as `hotc watch` makes it: from the stored analyses
// and the two texts of the saved file, which units to recompile, which are
// recompiled whole (the analyses cannot tell), and which functions of an
// optimised unit may hold an inlined copy of an edited one.
#include "index_fixture.h"
#include "analysis/save_plan.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

using namespace hotc;
using namespace hotc::test;

namespace {

struct Planned {
  index::SavePlan Plan;
  std::map<std::string, bool> Units; // by file name
};

class SavePlanTest : public ::testing::Test {
protected:
  void SetUp() override {
    P.write("geo.h", "#pragma once\ninline int clamp(int v) { return v > 9 ? 9 : v; }\n"
                     "inline int twice(int v) { return v * 2; }\n");
    P.write("a.cpp", "#include \"geo.h\"\nint a() { return clamp(12); }\n");
    P.write("b.cpp", "#include \"geo.h\"\nint b() { return twice(3); }\n");
    P.write("c.cpp", "static int w(int v) { return v + 1; }\n"
                     "int c1(int v) { return w(v) * 2; }\n"
                     "int c2(int v) { return c1(v) + 1; }\n"
                     "int other() { return 4; }\n");
    P.analyse({"a.cpp", "b.cpp", "c.cpp"});
  }

  // Saves File with Text, as the watch would plan it.
  Planned save(const std::string &File, const std::string &From,
               const std::string &To, bool Fresh = true, bool Optimised = false) {
    std::string Before = read(File), After = Before;
    After.replace(After.find(From), From.size(), To);
    P.write(File, After);
    index::SavedFile S{P.path(File), Before, After};
    auto IsFresh = [&](llvm::StringRef) { return Fresh; };
    auto IsOptimised = [&](llvm::StringRef) { return Optimised; };
    Planned Out{index::planSave(P.Graph, {S}, {IsFresh, IsOptimised}), {}};
    for (const auto &[Unit, Whole] : Out.Plan.Units)
      Out.Units[Unit.substr(Unit.rfind('/') + 1)] = Whole;
    return Out;
  }

  std::string read(const std::string &File) const {
    std::ifstream In(P.path(File));
    return {std::istreambuf_iterator<char>(In), {}};
  }

  IndexProject P;
};

TEST_F(SavePlanTest, HeaderEditRecompilesOnlyTheUnitsOfItsUsers) {
  Planned R = save("geo.h", "v > 9 ? 9 : v", "v > 5 ? 5 : v");
  EXPECT_EQ(R.Units, (std::map<std::string, bool>{{"a.cpp", false}}));
  EXPECT_TRUE(R.Plan.expects(P.path("a.cpp"), "a()"));
  EXPECT_TRUE(R.Plan.expects(P.path("a.cpp"), "clamp()"));
  EXPECT_FALSE(R.Plan.expects(P.path("a.cpp"), "twice()"));
}

TEST_F(SavePlanTest, CommentEditPlansNothing) {
  Planned R = save("geo.h", "return v * 2;", "return /* doubled */ v * 2;");
  EXPECT_TRUE(R.Units.empty());
  EXPECT_EQ(R.Plan.Unchanged.size(), 1u);
}

TEST_F(SavePlanTest, EditOutsideFormsRecompilesEveryReaderWhole) {
  Planned R = save("geo.h", "#pragma once\n", "#pragma once\nint declared_only(int);\n");
  EXPECT_EQ(R.Units, (std::map<std::string, bool>{{"a.cpp", true}, {"b.cpp", true}}));
  ASSERT_EQ(R.Plan.Notes.size(), 1u);
  EXPECT_NE(R.Plan.Notes[0].find("geo.h:2: edit outside any form"), std::string::npos)
      << R.Plan.Notes[0];
}

TEST_F(SavePlanTest, UnitsAnalysedFromOlderTextAreRecompiledWhole) {
  Planned R = save("geo.h", "v * 2", "v * 3", /*Fresh=*/false);
  EXPECT_EQ(R.Units, (std::map<std::string, bool>{{"a.cpp", true}, {"b.cpp", true}}));
}

// An edit that adds a line moves the functions below it: their tokens are
// the same, but code expanding __LINE__ (assert) changes, so the IR check
// must expect them (without recompiling anything more).
TEST_F(SavePlanTest, FunctionsBelowAnEditThatAddsLinesAreExpected) {
  Planned R = save("c.cpp", "return v + 1; }", "int k = 1;\n  return v + k; }");
  EXPECT_EQ(R.Units, (std::map<std::string, bool>{{"c.cpp", false}}));
  EXPECT_TRUE(R.Plan.expects(P.path("c.cpp"), "other()"));
  EXPECT_EQ(R.Plan.Rebuild.Functions.size(), 1u);
}

TEST_F(SavePlanTest, UnoptimisedUnitRebuildsTheEditedFunctionAlone) {
  Planned R = save("c.cpp", "v + 1; }", "v + 2; }");
  ASSERT_EQ(R.Plan.Rebuild.Functions.size(), 1u);
  EXPECT_EQ(R.Plan.Rebuild.Functions[0].Name, "w()");
  EXPECT_EQ(R.Units, (std::map<std::string, bool>{{"c.cpp", false}}));
}

TEST_F(SavePlanTest, OptimisedUnitAddsInlinedCallersTransitively) {
  Planned R = save("c.cpp", "v + 1; }", "v + 2; }", true, /*Optimised=*/true);
  std::vector<std::string> Inlined;
  for (const index::RebuildEntry &E : R.Plan.Rebuild.Functions)
    if (E.Inlined)
      Inlined.push_back(index::describeReason(E));
  EXPECT_EQ(Inlined, (std::vector<std::string>{
                         "c1() — calls w() [edited, may be inlined here] in c.cpp:1",
                         "c2() — calls c1(), which calls w() [edited, may be inlined here] in c.cpp:1"}));
  EXPECT_FALSE(R.Plan.expects(P.path("c.cpp"), "other()"));
}

// `Base *p = new Derived; delete p;`: an optimiser that sees the dynamic
// type calls (and inlines) the override through the base's destructor, so
// a function deleting through the base may hold the edited override.
TEST(SavePlanVirtual, OverrideEditReachesCallersThroughTheBase) {
  IndexProject P;
  P.write("r.cpp", "struct Res { virtual ~Res() {} };\n"
                   "struct File : Res { int *s; File(int *p) : s(p) {}\n"
                   "  ~File() override { *s = 1; } };\n"
                   "int probe() { int s = 0; Res *r = new File(&s); delete r; return s; }\n"
                   "int other() { return 4; }\n");
  P.analyse({"r.cpp"});
  std::ifstream In(P.path("r.cpp"));
  std::string Before{std::istreambuf_iterator<char>(In), {}}, After = Before;
  After.replace(After.find("*s = 1;"), 7, "*s = 2;");
  P.write("r.cpp", After);
  auto Yes = [](llvm::StringRef) { return true; };
  index::SavePlan Plan =
      index::planSave(P.Graph, {{P.path("r.cpp"), Before, After}}, {Yes, Yes});
  EXPECT_TRUE(Plan.expects(P.path("r.cpp"), "probe()"));
  EXPECT_FALSE(Plan.expects(P.path("r.cpp"), "other()"));
}

// A re-typed function's callers are recompiled for the call; in an
// optimised unit their callers may hold them inlined, so the walk goes on
// through them (it stopped at the first listed caller, and the outer
// caller kept the old code: a silent wrong result at gcc -O2).
TEST_F(SavePlanTest, OptimisedWalkGoesThroughCallersOfARetypedFunction) {
  Planned R = save("c.cpp", "static int w(int v)", "static int w(long v)", true,
                   /*Optimised=*/true);
  EXPECT_TRUE(R.Plan.expects(P.path("c.cpp"), "c1()"));
  EXPECT_TRUE(R.Plan.expects(P.path("c.cpp"), "c2()"));
  EXPECT_FALSE(R.Plan.expects(P.path("c.cpp"), "other()"));
}

// The analysis of lib.cpp predates the running text (its re-analysis after
// the last applied save is not done): the offsets are mapped from the
// analysed text, and the default argument edit still reaches main.cpp.
TEST(SavePlanStale, EditMappedFromTheAnalysedText) {
  IndexProject P;
  std::string T0 = "int f() { return 1; }\nint g(int x = 1) { return x; }\n";
  std::string T1 = "int f() {\n  int k = 2;\n  return k + 1;\n}\nint g(int x = 1) { return x; }\n";
  std::string T2 = "int f() {\n  int k = 2;\n  return k + 1;\n}\nint g(int x = 7) { return x; }\n";
  P.write("lib.h", "int g(int x = 1);\n");
  P.write("lib.cpp", T0);
  P.write("main.cpp", "int g(int x);\nint run() { return g(3); }\n");
  P.analyse({"lib.cpp", "main.cpp"});
  P.write("lib.cpp", T2);
  auto Yes = [](llvm::StringRef) { return true; };
  auto No = [](llvm::StringRef) { return false; };
  index::SavedFile S{P.path("lib.cpp"), T1, T2, T0};
  index::SavePlan Plan = index::planSave(P.Graph, {S}, {No, No});
  const index::RebuildEntry *G = Plan.Rebuild.find("g()");
  ASSERT_NE(G, nullptr);
  EXPECT_NE(G->Change.find("signature"), std::string::npos) << G->Change;
  EXPECT_TRUE(Plan.Units.count(P.path("main.cpp")));
  // And the whole file counts as changed when no analysis fits.
  index::SavedFile Unknown{P.path("lib.cpp"), T1, T2, T1};
  index::SavePlan Blind = index::planSave(P.Graph, {Unknown}, {Yes, No});
  EXPECT_TRUE(Blind.Units.count(P.path("main.cpp")));
  EXPECT_TRUE(Blind.Units.at(P.path("lib.cpp")));
}

// Saves faster than re-analyses: a unit behind by its own main file only,
// at -O0, is not recompiled whole; its focused compile starts from the
// analysed text (covering the last patch's edit too). Behind by another
// file, or built optimised, it stays whole.
TEST(SavePlanStale, UnitBehindByItsMainFileOnlyIsFocusedFromTheAnalysedText) {
  IndexProject P;
  std::string T0 = "int f() { return 1; }\nint g(int x = 1) { return x; }\n";
  std::string T1 = "int f() { return 2; }\nint g(int x = 1) { return x; }\n";
  std::string T2 = "int f() { return 2; }\nint g(int x = 1) { return x + 1; }\n";
  P.write("lib.cpp", T0);
  P.analyse({"lib.cpp"});
  P.write("lib.cpp", T2);
  std::string Lib = P.path("lib.cpp");
  auto No = [](llvm::StringRef) { return false; };
  auto ButThis = [&](llvm::StringRef, llvm::StringRef File) { return File == Lib; };
  auto ButOther = [](llvm::StringRef, llvm::StringRef) { return false; };
  index::SavedFile S{Lib, T1, T2, T0};
  index::SavePlan Plan = index::planSave(P.Graph, {S}, {No, No, ButThis});
  ASSERT_TRUE(Plan.Units.count(Lib));
  EXPECT_FALSE(Plan.Units.at(Lib)) << "not whole";
  ASSERT_TRUE(Plan.FocusFrom.count(Lib));
  EXPECT_EQ(Plan.FocusFrom.at(Lib), T0);
  // Both edits are in the plan: f's (the last patch's) and g's (this one).
  EXPECT_NE(Plan.Rebuild.find("f()"), nullptr);
  EXPECT_NE(Plan.Rebuild.find("g()"), nullptr);

  index::SavePlan Other = index::planSave(P.Graph, {S}, {No, No, ButOther});
  EXPECT_TRUE(Other.Units.at(Lib)) << "behind by another file: whole";
  EXPECT_TRUE(Other.FocusFrom.empty());
  auto Yes = [](llvm::StringRef) { return true; };
  index::SavePlan Optimised = index::planSave(P.Graph, {S}, {No, Yes, ButThis});
  EXPECT_TRUE(Optimised.Units.at(Lib)) << "-O1 and above: whole";
}

// A macro tested by #if outside every form: the graph has no edge from a
// form to it, so the units testing it are recompiled whole.
TEST(SavePlanMacros, MacroTestedByIfRecompilesTheUnitsTestingIt) {
  IndexProject P;
  P.write("flags.h", "#pragma once\n#define FAST 1\n");
  P.write("d.cpp", "#include \"flags.h\"\n#if FAST\nint d() { return 1; }\n"
                   "#else\nint d() { return 2; }\n#endif\n");
  P.write("e.cpp", "#include \"flags.h\"\nint e() { return 3; }\n");
  P.analyse({"d.cpp", "e.cpp"});
  std::string Before = "#pragma once\n#define FAST 1\n";
  std::string After = "#pragma once\n#define FAST 0\n";
  P.write("flags.h", After);
  auto Yes = [](llvm::StringRef) { return true; };
  auto No = [](llvm::StringRef) { return false; };
  index::SavePlan Plan =
      index::planSave(P.Graph, {{P.path("flags.h"), Before, After}}, {Yes, No});
  EXPECT_EQ(Plan.Units, (std::map<std::string, bool>{{P.path("d.cpp"), true}}));
}

} // namespace
