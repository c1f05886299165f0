// The rebuild set of a save, on real multi-unit projects: each kind of edit
// and the functions it must recompile, with the reason.
#include "index_fixture.h"

#include <gtest/gtest.h>

using namespace hotc;
using namespace hotc::test;

namespace {

using Names = std::vector<std::string>;

const index::RebuildEntry &entry(const index::RebuildSet &R, const std::string &Name) {
  const index::RebuildEntry *E = R.find(Name);
  if (!E) {
    ADD_FAILURE() << "not in the rebuild set: " << Name;
    static const index::RebuildEntry None;
    return None;
  }
  return *E;
}

TEST(RebuildSet, NonInlineEditIsItselfOnly) {
  IndexProject P;
  P.write("a.cpp", "int f() { return 1; }\nint g() { return f(); }\n");
  P.analyse({"a.cpp"});
  auto R = P.rebuild(P.save("a.cpp", "int f() { return 2; }\nint g() { return f(); }\n", {"a.cpp"}));
  EXPECT_EQ(names(R), (Names{"f()"}));
  EXPECT_EQ(describeReason(R.Functions[0]), "f() — edited");
}

TEST(RebuildSet, HeaderInlineFunctionUsedByThreeUnits) {
  IndexProject P;
  P.write("geometry.h", "#pragma once\n\ninline int clamp(int v) { return v < 0 ? 0 : v; }\n");
  for (const char *U : {"a", "b", "c"})
    P.write(std::string(U) + ".cpp", "#include \"geometry.h\"\nint " + std::string(U) +
                                         "() { return clamp(-1); }\n");
  P.write("d.cpp", "int d() { return 4; }\n");
  P.analyse({"a.cpp", "b.cpp", "c.cpp", "d.cpp"});
  auto Changes = P.save("geometry.h",
                        "#pragma once\n\ninline int clamp(int v) { return v < 1 ? 1 : v; }\n",
                        {"a.cpp", "b.cpp", "c.cpp"});
  ASSERT_EQ(Changes.size(), 1u); // once, not once per unit
  auto R = P.rebuild(Changes);
  EXPECT_EQ(names(R), (Names{"a()", "b()", "c()", "clamp()"}));
  EXPECT_EQ(describeReason(entry(R, "b()")),
            "b() — calls inline clamp() [edited] in geometry.h:3");
  EXPECT_TRUE(R.Layouts.empty());
  EXPECT_TRUE(R.Errors.empty());
}

TEST(RebuildSet, TransitiveThroughInlineUsers) {
  IndexProject P;
  P.write("m.h", "#pragma once\ninline int clamp(int v) { return v < 0 ? 0 : v; }\n"
                 "inline int lerp(int a, int b) { return clamp(a + b); }\n");
  P.write("r.cpp", "#include \"m.h\"\nint render() { return lerp(1, 2); }\n"
                   "int other() { return 3; }\n");
  P.analyse({"r.cpp"});
  auto R = P.rebuild(P.save("m.h", "#pragma once\ninline int clamp(int v) { return v < 2 ? 2 : v; }\n"
                                   "inline int lerp(int a, int b) { return clamp(a + b); }\n",
                            {"r.cpp"}));
  EXPECT_EQ(names(R), (Names{"clamp()", "lerp()", "render()"}));
  EXPECT_EQ(describeReason(entry(R, "render()")),
            "render() — calls inline lerp(), which calls inline clamp() [edited] in m.h:2");
}

TEST(RebuildSet, TemplateMemberEdit) {
  IndexProject P;
  const char *Box = "#pragma once\ntemplate <class T> struct Box {\n  T v;\n  T get() const;\n};\n"
                    "template <class T> T Box<T>::get() const { return v; }\n";
  P.write("box.h", Box);
  P.write("a.cpp", "#include \"box.h\"\nint a() { Box<int> b{1}; return b.get(); }\n"
                   "int unrelated() { return 0; }\n");
  P.write("b.cpp", "#include \"box.h\"\ndouble b() { return Box<double>{2}.get(); }\n");
  P.analyse({"a.cpp", "b.cpp"});
  std::string Edited = Box;
  Edited.replace(Edited.find("return v;"), 9, "return v + 1;");
  auto R = P.rebuild(P.save("box.h", Edited, {"a.cpp", "b.cpp"}));
  // The template itself too: Box<int>::get and Box<double>::get are code
  // that changed (tests/fixtures/edits/template_member_edit checks the IR).
  EXPECT_EQ(names(R), (Names{"Box::get()", "a()", "b()"}));
  EXPECT_NE(describeReason(entry(R, "a()")).find("template Box::get() [edited]"),
            std::string::npos) << describeReason(entry(R, "a()"));
}

TEST(RebuildSet, MacroEdit) {
  IndexProject P;
  P.write("a.cpp", "#define SCALE 2\nint f() { return SCALE; }\n"
                   "int g(int x) { return x * SCALE; }\nint h() { return 1; }\n");
  P.analyse({"a.cpp"});
  auto R = P.rebuild(P.save("a.cpp", "#define SCALE 3\nint f() { return SCALE; }\n"
                                     "int g(int x) { return x * SCALE; }\nint h() { return 1; }\n",
                            {"a.cpp"}));
  EXPECT_EQ(names(R), (Names{"f()", "g()"}));
  EXPECT_EQ(describeReason(entry(R, "g()")), "g() — expands macro SCALE [edited] in a.cpp:1");
}

TEST(RebuildSet, DefaultArgumentChangeRebuildsCallers) {
  IndexProject P;
  P.write("area.h", "#pragma once\nint area(int w, int h = 1);\n");
  P.write("area.cpp", "#include \"area.h\"\nint area(int w, int h) { return w * h; }\n");
  P.write("use.cpp", "#include \"area.h\"\nint user() { return area(3); }\nint idle() { return 0; }\n");
  P.analyse({"area.cpp", "use.cpp"});
  auto Changes = P.save("area.h", "#pragma once\nint area(int w, int h = 2);\n",
                        {"area.cpp", "use.cpp"});
  ASSERT_EQ(Changes.size(), 1u);
  EXPECT_TRUE(Changes[0].defaultArgumentsChanged());
  auto R = P.rebuild(Changes);
  EXPECT_EQ(names(R), (Names{"area()", "user()"}));
  EXPECT_EQ(entry(R, "user()").Change, "default argument changed");
}

TEST(RebuildSet, ConstexprConstantChange) {
  IndexProject P;
  P.write("k.h", "#pragma once\nconstexpr int kSize = 4;\n");
  P.write("a.cpp", "#include \"k.h\"\nint a() { return kSize; }\n");
  P.write("b.cpp", "#include \"k.h\"\nint b() { int v[kSize] = {}; return v[0]; }\n"
                   "int c() { return 1; }\n");
  P.analyse({"a.cpp", "b.cpp"});
  auto R = P.rebuild(P.save("k.h", "#pragma once\nconstexpr int kSize = 8;\n", {"a.cpp", "b.cpp"}));
  EXPECT_EQ(names(R), (Names{"a()", "b()"}));
  EXPECT_EQ(describeReason(entry(R, "a()")),
            "a() — uses constexpr kSize [edited] in k.h:2");
}

TEST(RebuildSet, VirtualMethodBodyEdit) {
  IndexProject P;
  const char *Src = "struct Shape { virtual int area() const; virtual ~Shape() = default; };\n"
                    "struct Square : Shape { int s = 2; int area() const override; };\n"
                    "int Shape::area() const { return 0; }\n"
                    "int Square::area() const { return s * s; }\n"
                    "int total(const Shape &x) { return x.area(); }\n";
  P.write("s.cpp", Src);
  P.analyse({"s.cpp"});
  std::string Edited = Src;
  Edited.replace(Edited.find("s * s"), 5, "s * s * 1");
  auto R = P.rebuild(P.save("s.cpp", Edited, {"s.cpp"}));
  EXPECT_EQ(names(R), (Names{"Square::area()"}));
  EXPECT_TRUE(R.Layouts.empty());
}

TEST(RebuildSet, StructFieldAddedFlagsLayout) {
  IndexProject P;
  P.write("p.h", "#pragma once\nstruct Particle { float x; };\n");
  P.write("a.cpp", "#include \"p.h\"\nfloat speed(const Particle &p) { return p.x; }\n");
  P.write("b.cpp", "#include \"p.h\"\nvoid move(Particle &p) { p.x += 1; }\nint still() { return 0; }\n");
  P.analyse({"a.cpp", "b.cpp"});
  auto R = P.rebuild(P.save("p.h", "#pragma once\nstruct Particle { float x; float y; };\n",
                            {"a.cpp", "b.cpp"}));
  EXPECT_EQ(names(R), (Names{"move()", "speed()"}));
  ASSERT_EQ(R.Layouts.size(), 1u);
  EXPECT_EQ(R.Layouts[0].Type, "Particle");
  EXPECT_EQ(R.Layouts[0].What, "size 4 -> 8 bytes; field y added at bit offset 32");
  Names Affected = R.Layouts[0].Affected;
  std::sort(Affected.begin(), Affected.end());
  EXPECT_EQ(Affected, (Names{"move()", "speed()"}));
  EXPECT_EQ(entry(R, "move()").Change, "layout changed");
  EXPECT_EQ(describeReason(entry(R, "move()")),
            "move() — uses type Particle [layout changed] in p.h:2");
}

// A global of the record may move to storage of the new layout (the
// migration hook): a function that only takes its address uses no layout,
// yet holds the old address unless it is relinked.
TEST(RebuildSet, LayoutChangeReachesUsersOfTheRecordsGlobals) {
  IndexProject P;
  P.write("p.h", "#pragma once\nstruct Particle { int x; };\nextern Particle g;\n");
  P.write("a.cpp", "#include \"p.h\"\nParticle g;\nint step() { return ++g.x; }\n");
  P.write("b.cpp", "#include \"p.h\"\nvoid *where() { return &g; }\nint other() { return 1; }\n");
  P.analyse({"a.cpp", "b.cpp"});
  auto R = P.rebuild(P.save("p.h", "#pragma once\nstruct Particle { int x; int y; };\nextern Particle g;\n",
                            {"a.cpp", "b.cpp"}));
  EXPECT_EQ(names(R), (Names{"step()", "where()"}));
  EXPECT_EQ(describeReason(entry(R, "where()")),
            "where() — uses g [layout changed] in a.cpp:2");
  ASSERT_EQ(R.Layouts.size(), 1u);
  Names Affected = R.Layouts[0].Affected;
  std::sort(Affected.begin(), Affected.end());
  EXPECT_EQ(Affected, (Names{"step()", "where()"}));
}

TEST(RebuildSet, FieldTypeChangedThroughATypedef) {
  IndexProject P;
  P.write("t.h", "#pragma once\ntypedef int unit_t;\nstruct Cell { unit_t v; };\n");
  P.write("a.cpp", "#include \"t.h\"\nint read(Cell c) { return (int)c.v; }\n");
  P.analyse({"a.cpp"});
  auto R = P.rebuild(P.save("t.h", "#pragma once\ntypedef float unit_t;\nstruct Cell { unit_t v; };\n",
                            {"a.cpp"}));
  ASSERT_EQ(R.Layouts.size(), 1u);
  EXPECT_EQ(R.Layouts[0].What, "field v changed (int@0 -> float@0)");
  EXPECT_EQ(names(R), (Names{"read()"}));
}

TEST(RebuildSet, TemplateFieldAddedFlagsItsInstantiations) {
  IndexProject P;
  P.write("box.h", "#pragma once\ntemplate <class T> struct Box { T v; };\n");
  P.write("a.cpp", "#include \"box.h\"\nint a(Box<int> &b) { return b.v; }\n"
                   "int idle() { return 0; }\n");
  P.analyse({"a.cpp"});
  auto R = P.rebuild(P.save("box.h", "#pragma once\ntemplate <class T> struct Box { T v; T w; };\n",
                            {"a.cpp"}));
  ASSERT_EQ(R.Layouts.size(), 1u);
  EXPECT_EQ(R.Layouts[0].Type, "Box");
  EXPECT_EQ(R.Layouts[0].What, "Box<int>: size 4 -> 8 bytes; field w added at bit offset 32");
  EXPECT_EQ(names(R), (Names{"a()"}));
}

TEST(RebuildSet, VirtualAddedFlagsVtable) {
  IndexProject P;
  P.write("a.cpp", "struct W { virtual int f(); };\nint W::f() { return 1; }\n"
                   "int use(W &w) { return w.f(); }\n");
  P.analyse({"a.cpp"});
  auto R = P.rebuild(P.save("a.cpp", "struct W { virtual int f(); virtual int g(); };\n"
                                     "int W::f() { return 1; }\nint W::g() { return 2; }\n"
                                     "int use(W &w) { return w.f(); }\n",
                            {"a.cpp"}));
  ASSERT_EQ(R.Layouts.size(), 1u);
  EXPECT_NE(R.Layouts[0].What.find("vtable changed (1 -> 2"), std::string::npos)
      << R.Layouts[0].What;
  EXPECT_EQ(names(R), (Names{"W::f()", "W::g()", "use()"}));
}

TEST(RebuildSet, SignatureChangeRebuildsCallers) {
  IndexProject P;
  P.write("m.h", "#pragma once\nint measure(int w);\n");
  P.write("m.cpp", "#include \"m.h\"\nint measure(int w) { return w; }\n");
  P.write("u.cpp", "#include \"m.h\"\nlong user() { return measure(2); }\nint idle() { return 0; }\n");
  P.analyse({"m.cpp", "u.cpp"});
  P.write("m.h", "#pragma once\nlong measure(int w);\n");
  auto Changes = P.save("m.cpp", "#include \"m.h\"\nlong measure(int w) { return w; }\n",
                        {"m.cpp", "u.cpp"});
  auto R = P.rebuild(Changes);
  EXPECT_EQ(names(R), (Names{"measure()", "user()"}));
  EXPECT_EQ(describeReason(entry(R, "user()")),
            "user() — calls measure() [signature changed] in m.cpp:2");
}

TEST(RebuildSet, ParameterTypeChangeIsASignatureChange) {
  IndexProject P;
  P.write("m.h", "#pragma once\nint scale(int v);\n");
  P.write("m.cpp", "#include \"m.h\"\nint scale(int v) { return v; }\n");
  P.write("u.cpp", "#include \"m.h\"\nint user() { return scale(2); }\n");
  P.analyse({"m.cpp", "u.cpp"});
  P.write("m.h", "#pragma once\nint scale(long v);\n");
  // u.cpp is not analysed again: its call still names the old scale(int).
  auto R = P.rebuild(P.save("m.cpp", "#include \"m.h\"\nint scale(long v) { return v; }\n", {"m.cpp"}));
  EXPECT_EQ(names(R), (Names{"scale()", "user()"}));
  EXPECT_TRUE(R.Errors.empty());
}

TEST(RebuildSet, ParameterTypeChangeSeenByEveryUnit) {
  // As `hotc diff` runs it: the callers' units read the header and are
  // analysed again, so their calls already name the new identity.
  IndexProject P;
  P.write("m.h", "#pragma once\nint scale(int v);\n");
  P.write("m.cpp", "#include \"m.h\"\nint scale(int v) { return v; }\n");
  P.write("u.cpp", "#include \"m.h\"\nint user() { return scale(2); }\nint idle() { return 0; }\n");
  P.analyse({"m.cpp", "u.cpp"});
  P.write("m.h", "#pragma once\nint scale(long v);\n");
  auto R = P.rebuild(P.save("m.cpp", "#include \"m.h\"\nint scale(long v) { return v; }\n",
                            {"m.cpp", "u.cpp"}));
  EXPECT_EQ(names(R), (Names{"scale()", "user()"}));
  EXPECT_TRUE(R.Errors.empty());
}

TEST(RebuildSet, NewOverloadReroutesACaller) {
  IndexProject P;
  P.write("f.h", "#pragma once\nint f(int v);\n");
  P.write("a.cpp", "#include \"f.h\"\nint twice() { return f(2.5); }\nint plain() { return f(1); }\n");
  P.analyse({"a.cpp"});
  auto R = P.rebuild(P.save("f.h", "#pragma once\nint f(int v);\nint f(double v);\n", {"a.cpp"}));
  EXPECT_EQ(names(R), (Names{"twice()"}));
  EXPECT_EQ(describeReason(entry(R, "twice()")), "twice() — uses other forms");
}

TEST(RebuildSet, ExplicitSpecialisationReachesItsCallers) {
  IndexProject P;
  const char *W = "#pragma once\ntemplate <class T> int width() { return sizeof(T); }\n"
                  "template <> inline int width<char>() { return 100; }\n";
  P.write("w.h", W);
  P.write("a.cpp", "#include \"w.h\"\nint c() { return width<char>(); }\n"
                   "int i() { return width<int>(); }\n");
  P.analyse({"a.cpp"});
  std::string Edited = W;
  Edited.replace(Edited.find("100"), 3, "200");
  auto R = P.rebuild(P.save("w.h", Edited, {"a.cpp"}));
  EXPECT_EQ(names(R), (Names{"c()", "width()"}));
}

TEST(RebuildSet, DeletedFunctionStillCalledIsAnError) {
  IndexProject P;
  P.write("a.cpp", "int legacy() { return 1; }\nint keep() { return 2; }\n");
  P.write("b.cpp", "int legacy();\nint caller() { return legacy(); }\n");
  P.analyse({"a.cpp", "b.cpp"});
  auto Changes = P.save("a.cpp", "int keep() { return 2; }\n", {"a.cpp"});
  ASSERT_EQ(Changes.size(), 1u);
  EXPECT_EQ(Changes[0].Kind, index::ChangeKind::Removed);
  auto R = P.rebuild(Changes);
  ASSERT_EQ(R.Errors.size(), 1u);
  EXPECT_EQ(R.Errors[0].Removed, "legacy()");
  EXPECT_EQ(R.Errors[0].User, "caller()");
  EXPECT_EQ(R.Errors[0].File, P.path("b.cpp"));
  EXPECT_EQ(R.Errors[0].Line, 2u);
  EXPECT_TRUE(R.Functions.empty());
}

TEST(RebuildSet, DeletedUnusedFunctionIsNoError) {
  IndexProject P;
  P.write("a.cpp", "int legacy() { return 1; }\nint keep() { return 2; }\n");
  P.analyse({"a.cpp"});
  auto R = P.rebuild(P.save("a.cpp", "int keep() { return 2; }\n", {"a.cpp"}));
  EXPECT_TRUE(R.Errors.empty());
  EXPECT_TRUE(R.Functions.empty());
}

TEST(RebuildSet, EditInAHeaderIncludedByOneUnit) {
  IndexProject P;
  P.write("only.h", "#pragma once\ninline int only() { return 1; }\n");
  P.write("common.h", "#pragma once\ninline int common() { return 1; }\n");
  P.write("a.cpp", "#include \"only.h\"\n#include \"common.h\"\nint a() { return only() + common(); }\n");
  P.write("b.cpp", "#include \"common.h\"\nint b() { return common(); }\n");
  P.analyse({"a.cpp", "b.cpp"});
  std::vector<std::string> Readers = P.Graph.unitsReading(P.path("only.h"));
  ASSERT_EQ(Readers, (Names{P.path("a.cpp")}));
  auto R = P.rebuild(P.save("only.h", "#pragma once\ninline int only() { return 2; }\n", {"a.cpp"}));
  EXPECT_EQ(names(R), (Names{"a()", "only()"}));
}

TEST(RebuildSet, AddedFunctionIsBuilt) {
  IndexProject P;
  P.write("a.cpp", "int f() { return 1; }\n");
  P.analyse({"a.cpp"});
  auto R = P.rebuild(P.save("a.cpp", "int f() { return 1; }\nint fresh() { return f(); }\n", {"a.cpp"}));
  EXPECT_EQ(names(R), (Names{"fresh()"}));
  EXPECT_EQ(R.Functions[0].Change, "added");
}

} // namespace
