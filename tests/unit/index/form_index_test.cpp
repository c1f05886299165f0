// Forms of a unit: what is a form, and what does (not) change its hash.
#include "index_fixture.h"
#include "analysis/token_hash.h"

#include <gtest/gtest.h>

using namespace hotc;
using namespace hotc::test;
using index::FormKind;

namespace {

const char *kShapes = R"(#include <vector>
#define SQUARE(x) ((x) * (x))
namespace geo {
struct Point { int x, y; };
union Bits { int i; float f; };
enum class Color { Red, Green };
typedef Point Vec;
using Scalar = double;
template <class T> T maxOf(T a, T b) { return a > b ? a : b; }
template <> int maxOf<int>(int a, int b) { return a; }
template <class T> struct Box { T value; T get() const { return value; } };
template <> struct Box<bool> { bool value; };
template <class T> using BoxOf = Box<T>;
int counter = 0;
struct Grid { static int cells; int area() const; };
int Grid::cells = 4;
int Grid::area() const { return SQUARE(cells); }
}
static int helper(int a) { return a + 1; }
int render() { std::vector<int> v; return helper(geo::counter) + (int)v.size(); }
)";

TEST(FormIndex, RecognisesEachKind) {
  IndexProject P;
  P.write("shapes.cpp", kShapes);
  index::FormIndex I = P.index("shapes.cpp");
  EXPECT_EQ(formNamed(I, "geo::Point").Kind, FormKind::Record);
  EXPECT_EQ(formNamed(I, "geo::Bits").Kind, FormKind::Record);
  EXPECT_EQ(formNamed(I, "geo::Color").Kind, FormKind::Enum);
  EXPECT_EQ(formNamed(I, "geo::Vec").Kind, FormKind::Typedef);
  EXPECT_EQ(formNamed(I, "geo::Scalar").Kind, FormKind::Typedef);
  EXPECT_EQ(formNamed(I, "geo::BoxOf").Kind, FormKind::Typedef);
  EXPECT_TRUE(formNamed(I, "geo::BoxOf").Template);
  const index::Form &Max = formNamed(I, "geo::maxOf()");
  EXPECT_EQ(Max.Kind, FormKind::Function);
  EXPECT_TRUE(Max.Template);
  EXPECT_TRUE(formNamed(I, "geo::Box").Template);
  EXPECT_TRUE(formNamed(I, "geo::Box::get()").Template);
  EXPECT_TRUE(formNamed(I, "geo::Box::get()").Inline);
  EXPECT_EQ(formNamed(I, "geo::counter").Kind, FormKind::Variable);
  EXPECT_EQ(formNamed(I, "geo::Grid::cells").Kind, FormKind::Variable);
  EXPECT_FALSE(formNamed(I, "geo::Grid::area()").Inline);
  EXPECT_EQ(formNamed(I, "helper()").Kind, FormKind::Function);
  EXPECT_EQ(formNamed(I, "render()").Kind, FormKind::Function);
  EXPECT_EQ(formNamed(I, "SQUARE").Kind, FormKind::Macro);
  // The explicit specialisation is a form of its own.
  int Boxes = 0;
  for (const index::Form &F : I.Forms)
    Boxes += F.Name == "geo::Box" && F.Kind == FormKind::Record;
  EXPECT_EQ(Boxes, 2);
  int Maxes = 0;
  for (const index::Form &F : I.Forms)
    Maxes += F.Name == "geo::maxOf()";
  EXPECT_EQ(Maxes, 2);
  // Nothing from system headers.
  EXPECT_FALSE(hasForm(I, "std::vector"));
  for (const index::Form &F : I.Forms)
    EXPECT_EQ(F.File.rfind("/usr/", 0), std::string::npos) << F.Name;
}

TEST(FormIndex, StoresLinesAndLayout) {
  IndexProject P;
  P.write("a.cpp", "struct S {\n  char c;\n  int i;\n};\nint f() {\n  return 1;\n}\n");
  index::FormIndex I = P.index("a.cpp");
  const index::Form &S = formNamed(I, "S");
  EXPECT_EQ(S.BeginLine, 1u);
  EXPECT_EQ(S.EndLine, 4u);
  ASSERT_TRUE(S.Layout);
  EXPECT_EQ(S.Layout->Size, 8u);
  EXPECT_EQ(S.Layout->Fields, (std::vector<std::string>{"c:char@0", "i:int@32"}));
  EXPECT_EQ(formNamed(I, "f()").BeginLine, 5u);
  EXPECT_EQ(formNamed(I, "f()").EndLine, 7u);
}

TEST(FormIndex, WhitespaceAndCommentsChangeNoHash) {
  IndexProject P;
  P.write("a.cpp", "#define TWICE(x) ((x) + (x))\n"
                   "struct S { int a; int get() const { return a; } };\n"
                   "int f(int x) { return TWICE(x) * 2; }\n");
  index::FormIndex Before = P.index("a.cpp");
  P.write("a.cpp", "#define TWICE(x)   ( (x) +  (x) ) // twice\n"
                   "/* the type */ struct S {\n  int a;\n  int get() const {\n"
                   "    return a; // field\n  }\n};\n"
                   "int f(int x)\n{\n  // comment\n  return TWICE(x)*2;\n}\n");
  index::FormIndex After = P.index("a.cpp");
  for (const char *Name : {"TWICE", "S", "S::get()", "f()"})
    EXPECT_EQ(formNamed(Before, Name).Hash, formNamed(After, Name).Hash) << Name;
  EXPECT_TRUE(index::diffForms(Before, After).empty());
}

TEST(FormIndex, MovingAFunctionChangesNoHash) {
  IndexProject P;
  P.write("a.cpp", "int f() { return 1; }\nint g() { return f() + 2; }\n");
  index::FormIndex Before = P.index("a.cpp");
  P.write("a.cpp", "int f() { return 1; }\n\n\n"
                   "int h() { return 3; }\nint g() { return f() + 2; }\n");
  index::FormIndex After = P.index("a.cpp");
  EXPECT_EQ(formNamed(Before, "g()").Hash, formNamed(After, "g()").Hash);
  EXPECT_NE(formNamed(Before, "g()").BeginLine, formNamed(After, "g()").BeginLine);
  auto Changes = index::diffForms(Before, After);
  ASSERT_EQ(Changes.size(), 1u);
  EXPECT_EQ(Changes[0].Kind, index::ChangeKind::Added);
  EXPECT_EQ(Changes[0].After.Name, "h()");
}

TEST(FormIndex, BodyEditChangesOnlyThatForm) {
  IndexProject P;
  P.write("a.cpp", "struct S { int a; int get() const { return a; } };\n"
                   "int f() { return 1; }\n");
  index::FormIndex Before = P.index("a.cpp");
  P.write("a.cpp", "struct S { int a; int get() const { return a + 1; } };\n"
                   "int f() { return 1; }\n");
  index::FormIndex After = P.index("a.cpp");
  auto Changes = index::diffForms(Before, After);
  ASSERT_EQ(Changes.size(), 1u);
  // The class's hash leaves out member bodies: they are forms of their own.
  EXPECT_EQ(Changes[0].After.Name, "S::get()");
}

TEST(FormIndex, LambdasKeepIdentityWhenAFormAboveIsAdded) {
  IndexProject P;
  P.write("a.cpp", "int run() {\n  auto a = [] { return 1; };\n"
                   "  auto b = [](int x) { return x; };\n  return a() + b(2);\n}\n");
  index::FormIndex Before = P.index("a.cpp");
  std::vector<const index::Form *> Lambdas;
  for (const index::Form &F : Before.Forms)
    if (F.Kind == FormKind::Lambda)
      Lambdas.push_back(&F);
  ASSERT_EQ(Lambdas.size(), 2u);
  EXPECT_NE(Lambdas[0]->Id, Lambdas[1]->Id);
  EXPECT_EQ(Lambdas[0]->Id, formNamed(Before, "run()").Id + "$lambda#1");
  P.write("a.cpp", "int before() { auto z = [] { return 0; }; return z(); }\n"
                   "int run() {\n  auto a = [] { return 1; };\n"
                   "  auto b = [](int x) { return x; };\n  return a() + b(2);\n}\n");
  index::FormIndex After = P.index("a.cpp");
  for (const index::Form *L : Lambdas) {
    const index::Form *Now = After.find(L->Id);
    ASSERT_NE(Now, nullptr) << L->Id;
    EXPECT_EQ(Now->Hash, L->Hash);
  }
  for (const index::FormChange &C : index::diffForms(Before, After))
    EXPECT_EQ(C.Kind, index::ChangeKind::Added) << C.current().Name;
}

TEST(FormIndex, ProjectHeadersAreSplitToo) {
  IndexProject P;
  P.write("geometry.h", "#pragma once\ninline int clamp(int v) { return v < 0 ? 0 : v; }\n");
  P.write("a.cpp", "#include \"geometry.h\"\nint f() { return clamp(-1); }\n");
  index::FormIndex I = P.index("a.cpp");
  EXPECT_EQ(formNamed(I, "clamp()").File, P.path("geometry.h"));
  EXPECT_TRUE(formNamed(I, "clamp()").Inline);
  EXPECT_EQ(I.MainFile, P.path("a.cpp"));
  EXPECT_EQ(I.Inputs, (std::vector<std::string>{P.path("a.cpp"), P.path("geometry.h")}));
}

// A unit analysed after a save it must not see (hotc watch starts, the
// process runs the build's text) reads the given texts, not the disk.
TEST(FormIndex, GivenTextsAreReadInsteadOfTheDisk) {
  IndexProject P;
  P.write("g.h", "inline int saved_later() { return 2; }\n");
  P.write("a.cpp", "#include \"g.h\"\nint saved_later_too() { return 1; }\n");
  llvm::StringMap<std::string> Running;
  Running[P.path("g.h")] = "inline int built() { return 2; }\n";
  Running[P.path("a.cpp")] = "#include \"g.h\"\nint built_too() { return 1; }\n";
  auto R = index::indexTranslationUnit(P.command("a.cpp"), &Running);
  ASSERT_TRUE(static_cast<bool>(R)) << llvm::toString(R.takeError());
  const index::FormIndex &I = *R;
  auto Has = [&](const std::string &Name) {
    return std::any_of(I.Forms.begin(), I.Forms.end(),
                       [&](const index::Form &F) { return F.Name == Name; });
  };
  EXPECT_TRUE(Has("built()")) << "the header's given text";
  EXPECT_TRUE(Has("built_too()")) << "the main file's given text";
  EXPECT_FALSE(Has("saved_later()"));
  EXPECT_EQ(I.InputHashes[0], index::hashString(Running[P.path("a.cpp")]));
}

TEST(FormIndex, ParseErrorNamesTheLine) {
  IndexProject P;
  P.write("bad.cpp", "int f() {\n  return missing;\n}\n");
  auto R = index::indexTranslationUnit(P.command("bad.cpp"));
  ASSERT_FALSE(R);
  std::string Message = llvm::toString(R.takeError());
  EXPECT_NE(Message.find("bad.cpp:2:10: error"), std::string::npos) << Message;
}

} // namespace
