// The stored index: what is written comes back the same, and a unit whose
// inputs did not change is not analysed again.
#include "analysis/graph_store.h"
#include "index_fixture.h"
#include "analysis/unit_refresh.h"

#include "llvm/Support/FileSystem.h"

#include <fstream>
#include <gtest/gtest.h>

using namespace hotc;
using namespace hotc::test;

namespace {

TEST(GraphStore, RoundTripsEveryField) {
  IndexProject P;
  P.write("a.cpp", "#define K 3\nstruct S { virtual ~S(); int a; };\n"
                   "inline constexpr int f(int x = K) { return x; }\n"
                   "int g() { return f() + [] { return 1; }(); }\n"
                   "template <class T> struct Pair { T a, b; };\nPair<char> pc;\n");
  index::FormIndex I = P.index("a.cpp");
  auto Back = index::fromJson(index::toJson(I));
  ASSERT_TRUE(bool(Back)) << llvm::toString(Back.takeError());
  EXPECT_EQ(Back->MainFile, I.MainFile);
  EXPECT_EQ(Back->InputsHash, I.InputsHash);
  EXPECT_EQ(Back->CommandHash, I.CommandHash);
  EXPECT_EQ(Back->Inputs, I.Inputs);
  EXPECT_EQ(Back->InputHashes, I.InputHashes);
  ASSERT_EQ(I.InputHashes.size(), I.Inputs.size());
  EXPECT_NE(formNamed(*Back, "f()").BodyBegin, 0u);
  EXPECT_LT(formNamed(*Back, "f()").BeginOffset, formNamed(*Back, "f()").BodyBegin);
  EXPECT_EQ(Back->Forms, I.Forms);
  EXPECT_EQ(Back->Edges, I.Edges);
  EXPECT_TRUE(formNamed(*Back, "S").Layout);
  ASSERT_EQ(formNamed(*Back, "Pair").Instances.size(), 1u);
  EXPECT_EQ(formNamed(*Back, "Pair").Instances.begin()->first, "Pair<char>");
  EXPECT_EQ(formNamed(*Back, "Pair").Instances.begin()->second.Size, 2u);
  EXPECT_NE(formNamed(*Back, "f()").DefaultArgsHash, 0u);
}

TEST(GraphStore, RejectsAForeignFile) {
  auto R = index::fromJson("{\"version\": 7}");
  ASSERT_FALSE(R);
  llvm::Error E = R.takeError();
  EXPECT_TRUE(E.isA<index::StaleIndexFormat>());
  EXPECT_NE(llvm::toString(std::move(E)).find("another version of hotc"),
            std::string::npos);
}

// An analysis written by an older hotc (no offsets) is not misread: the
// graph loads without it, so the unit is analysed again.
TEST(GraphStore, SkipsAnalysesOfAnotherVersion) {
  IndexProject P;
  std::string Dir = index::indexDirectory(P.Dir + "/build");
  llvm::sys::fs::create_directories(Dir);
  std::ofstream(Dir + "/0123.json") << "{\"version\": 1, \"main\": \"/x.cpp\"}";
  auto G = index::loadGraph(Dir);
  ASSERT_TRUE(bool(G)) << llvm::toString(G.takeError());
  EXPECT_TRUE(G->Units.empty());
}

TEST(GraphStore, RefreshIsContentAddressed) {
  IndexProject P;
  P.write("g.h", "#pragma once\ninline int clamp(int v) { return v; }\n");
  P.write("a.cpp", "#include \"g.h\"\nint a() { return clamp(1); }\n");
  std::string Dir = index::indexDirectory(P.Dir + "/build");
  index::StaticGraph G;
  auto First = index::refreshUnit(G, P.command("a.cpp"), Dir);
  ASSERT_TRUE(bool(First)) << llvm::toString(First.takeError());
  EXPECT_TRUE(First->Reanalysed);
  EXPECT_EQ(First->Changes.size(), 2u); // both forms are new

  // Loaded back from disk, the unit is up to date: not parsed again.
  auto Loaded = index::loadGraph(Dir);
  ASSERT_TRUE(bool(Loaded)) << llvm::toString(Loaded.takeError());
  ASSERT_EQ(Loaded->Units.size(), 1u);
  auto Second = index::refreshUnit(*Loaded, P.command("a.cpp"), Dir);
  ASSERT_TRUE(bool(Second));
  EXPECT_FALSE(Second->Reanalysed);

  // Touching the header with the same tokens re-analyses, changes nothing.
  P.write("g.h", "#pragma once\n// note\ninline int clamp(int v) { return v; }\n");
  auto Third = index::refreshUnit(*Loaded, P.command("a.cpp"), Dir);
  ASSERT_TRUE(bool(Third));
  EXPECT_TRUE(Third->Reanalysed);
  EXPECT_TRUE(Third->Changes.empty());

  P.write("g.h", "#pragma once\ninline int clamp(int v) { return v + 1; }\n");
  auto Fourth = index::refreshUnit(*Loaded, P.command("a.cpp"), Dir);
  ASSERT_TRUE(bool(Fourth));
  ASSERT_EQ(Fourth->Changes.size(), 1u);
  EXPECT_EQ(Fourth->Changes[0].After.Name, "clamp()");

  // A changed command re-analyses too.
  frontend::CompileCommand Cmd = P.command("a.cpp");
  Cmd.Arguments.insert(Cmd.Arguments.begin() + 1, "-DX=1");
  auto Fifth = index::refreshUnit(*Loaded, Cmd, Dir);
  ASSERT_TRUE(bool(Fifth));
  EXPECT_TRUE(Fifth->Reanalysed);
}

TEST(GraphStore, RefreshesManyUnitsInParallel) {
  IndexProject P;
  std::vector<frontend::CompileCommand> Cmds;
  for (int I = 0; I < 6; ++I) {
    std::string Name = "u" + std::to_string(I) + ".cpp";
    P.write(Name, "int f" + std::to_string(I) + "() { return " + std::to_string(I) + "; }\n");
    Cmds.push_back(P.command(Name));
  }
  index::StaticGraph G;
  index::RefreshOptions Options;
  Options.Threads = 2;
  auto R = index::refreshUnits(G, Cmds, Options);
  ASSERT_TRUE(bool(R)) << llvm::toString(R.takeError());
  ASSERT_EQ(R->size(), 6u);
  for (const index::UnitRefresh &U : *R) {
    EXPECT_TRUE(U.Reanalysed);
    EXPECT_FALSE(U.Known);
    ASSERT_EQ(U.Changes.size(), 1u);
  }
  EXPECT_EQ((*R)[4].Changes[0].After.Name, "f4()");
  EXPECT_EQ(G.Units.size(), 6u);

  P.write("u2.cpp", "int f2() { return missing; }\n");
  auto Bad = index::refreshUnits(G, Cmds, Options);
  ASSERT_FALSE(Bad);
  std::string Message = llvm::toString(Bad.takeError());
  EXPECT_NE(Message.find("u2.cpp:1:19: error"), std::string::npos) << Message;
}

TEST(GraphStore, EmptyDirectoryIsAnEmptyGraph) {
  auto G = index::loadGraph("/nonexistent/hotc/index");
  ASSERT_TRUE(bool(G));
  EXPECT_TRUE(G->Units.empty());
}

} // namespace
