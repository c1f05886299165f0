// Edges of the static graph: one test per kind of use, and the counting
// that lets a unit's analysis be replaced.
#include "index_fixture.h"

#include <gtest/gtest.h>

using namespace hotc;
using namespace hotc::test;
using index::EdgeKind;

namespace {

const char *kUses = R"(#define LIMIT 10
struct Vec { int x, y; };
struct Base { virtual int area() const; virtual ~Base() = default; };
struct Square : Base { int side = 1; int area() const override; };
int Base::area() const { return 0; }
int Square::area() const { return side * side; }
int total = 0;
template <class T> T twice(T v) { return v + v; }
template <class T> struct Holder { T item; };
enum Mode { Fast, Slow };
typedef Vec Pair;
int helper(int a) { return a; }
int user(Vec param) {
  Pair p{};
  Holder<int> h{};
  total += helper(param.x) + twice(3) + (int)sizeof(Vec) + LIMIT + h.item;
  Mode m = Fast;
  return p.x + m;
}
)";

TEST(StaticGraph, EdgesOfEachKind) {
  IndexProject P;
  P.write("uses.cpp", kUses);
  index::FormIndex I = P.index("uses.cpp");
  EXPECT_TRUE(hasEdge(I, "user()", "helper()", EdgeKind::Call));
  EXPECT_TRUE(hasEdge(I, "user()", "total", EdgeKind::Reference));
  EXPECT_TRUE(hasEdge(I, "user()", "Vec", EdgeKind::TypeUse));
  EXPECT_TRUE(hasEdge(I, "user()", "Pair", EdgeKind::TypeUse));
  EXPECT_TRUE(hasEdge(I, "user()", "Mode", EdgeKind::TypeUse));
  EXPECT_TRUE(hasEdge(I, "user()", "twice()", EdgeKind::Instantiation));
  EXPECT_TRUE(hasEdge(I, "user()", "Holder", EdgeKind::Instantiation));
  EXPECT_TRUE(hasEdge(I, "user()", "LIMIT", EdgeKind::Macro));
  EXPECT_TRUE(hasEdge(I, "Square::area()", "Base::area()", EdgeKind::Override));
  EXPECT_TRUE(hasEdge(I, "Square", "Base", EdgeKind::TypeUse)); // a base
  EXPECT_TRUE(hasEdge(I, "Pair", "Vec", EdgeKind::TypeUse));
  EXPECT_FALSE(hasEdge(I, "helper()", "user()", EdgeKind::Call));
}

TEST(StaticGraph, SizeofAndFieldTypesAreTypeUses) {
  IndexProject P;
  P.write("a.cpp", "struct In { int v; };\nstruct Out { In in; };\n"
                   "unsigned bytes() { return sizeof(In); }\n");
  index::FormIndex I = P.index("a.cpp");
  EXPECT_TRUE(hasEdge(I, "Out", "In", EdgeKind::TypeUse));
  EXPECT_TRUE(hasEdge(I, "bytes()", "In", EdgeKind::TypeUse));
}

TEST(StaticGraph, ConditionalOnAMacroIsAUse) {
  IndexProject P;
  P.write("a.cpp", "#define FAST 1\nint f() {\n#ifdef FAST\n  return 1;\n#endif\n"
                   "  return 0;\n}\nint g() {\n#if defined(FAST)\n  return 2;\n#endif\n"
                   "  return 0;\n}\n");
  index::FormIndex I = P.index("a.cpp");
  EXPECT_TRUE(hasEdge(I, "f()", "FAST", EdgeKind::Macro));
  EXPECT_TRUE(hasEdge(I, "g()", "FAST", EdgeKind::Macro));
}

TEST(StaticGraph, PlainC) {
  IndexProject P;
  P.write("c.c", "#define N 3\nstruct point { int x; };\ntypedef struct point point_t;\n"
                 "static int twice(int v) { return v * N; }\n"
                 "int sum(point_t *p) { return twice(p->x); }\n");
  frontend::CompileCommand Cmd{P.path("c.c"), P.Dir, {"cc", "-std=c11", "-c", P.path("c.c")}};
  auto R = index::indexTranslationUnit(Cmd);
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  EXPECT_TRUE(hasEdge(*R, "sum()", "twice()", EdgeKind::Call));
  EXPECT_TRUE(hasEdge(*R, "sum()", "point_t", EdgeKind::TypeUse));
  EXPECT_TRUE(hasEdge(*R, "point_t", "point", EdgeKind::TypeUse));
  EXPECT_TRUE(hasEdge(*R, "twice()", "N", EdgeKind::Macro));
  EXPECT_TRUE(formNamed(*R, "point").Layout);
}

TEST(StaticGraph, UsersComeFromEveryUnit) {
  IndexProject P;
  P.write("g.h", "#pragma once\ninline int clamp(int v) { return v < 0 ? 0 : v; }\n");
  for (const char *U : {"a", "b"})
    P.write(std::string(U) + ".cpp", "#include \"g.h\"\nint " + std::string(U) +
                                         "() { return clamp(1); }\n");
  P.analyse({"a.cpp", "b.cpp"});
  const index::GraphNode *Clamp = nullptr;
  for (const index::GraphNode &N : P.Graph.Nodes)
    if (N.Definition && N.Definition->Name == "clamp()")
      Clamp = &N;
  ASSERT_NE(Clamp, nullptr);
  EXPECT_EQ(Clamp->Definitions, 2u);
  EXPECT_EQ(Clamp->Users.size(), 2u);
  // Replacing a unit with itself changes nothing; removing it drops its part.
  P.analyse({"a.cpp"});
  EXPECT_EQ(Clamp->Users.size(), 2u);
  P.Graph.removeUnit(P.path("b.cpp"));
  EXPECT_EQ(Clamp->Definitions, 1u);
  ASSERT_EQ(Clamp->Users.size(), 1u);
  EXPECT_EQ(P.Graph.Nodes[Clamp->Users[0].Node].Definition->Name, "a()");
  P.Graph.removeUnit(P.path("a.cpp"));
  EXPECT_FALSE(Clamp->Definition);
  EXPECT_TRUE(Clamp->Users.empty());
  EXPECT_EQ(P.Graph.unitsReading(P.path("g.h")).size(), 0u);
}

TEST(StaticGraph, UnitsReadingAHeader) {
  IndexProject P;
  P.write("g.h", "#pragma once\nint g();\n");
  P.write("a.cpp", "#include \"g.h\"\nint a() { return g(); }\n");
  P.write("b.cpp", "int b() { return 2; }\n");
  P.analyse({"a.cpp", "b.cpp"});
  EXPECT_EQ(P.Graph.unitsReading(P.path("g.h")),
            (std::vector<std::string>{P.path("a.cpp")}));
}

} // namespace
