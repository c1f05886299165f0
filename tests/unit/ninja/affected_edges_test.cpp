// NinjaBuild::edgesAffectedBy() against what the system ninja reports for
// the same build directory (`ninja -t deps`, `ninja -t inputs`).
#include "project_copy.h"

#include "ninja-integration/ninja_build.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace hotc::ninja::test {
namespace {

using Deps = std::map<std::string, std::vector<std::string>>;

// The objects whose recorded deps include File, among Linked (all objects
// when Linked is null).
std::set<std::string> objectsReading(const Deps &All, const std::string &File,
                                     const std::set<std::string> *Linked) {
  std::set<std::string> Objects;
  for (const auto &[Object, Files] : All)
    if (std::count(Files.begin(), Files.end(), File) &&
        (!Linked || Linked->count(Object)))
      Objects.insert(Object);
  return Objects;
}

std::set<std::string> objectsOf(const std::vector<CompileEdge> &Edges) {
  std::set<std::string> Objects;
  for (const CompileEdge &E : Edges)
    Objects.insert(E.Object);
  return Objects;
}

class AffectedEdges : public LoadedProjectTest {
protected:
  std::vector<CompileEdge> affected(const std::string &File,
                                    const std::vector<std::string> &Linked) {
    auto Edges = Build->edgesAffectedBy(File, Linked);
    EXPECT_TRUE(bool(Edges)) << llvm::toString(Edges.takeError());
    return Edges ? *Edges : std::vector<CompileEdge>{};
  }

  // Each edge compiles the source ninja recorded first for its object.
  void expectSourcesAndCommands(const std::vector<CompileEdge> &Edges,
                                const Deps &All) {
    for (const CompileEdge &E : Edges) {
      ASSERT_TRUE(All.count(E.Object)) << E.Object;
      EXPECT_EQ(E.Source, All.at(E.Object).front());
      EXPECT_NE(E.Command.find(" -c " + E.Source), std::string::npos)
          << E.Command;
      EXPECT_EQ(E.Directory, P.Build);
    }
  }
};

TEST_F(AffectedEdges, HeaderEditGivesExactlyTheLinkedObjectsThatIncludeIt) {
  std::string Header = P.source("app/shared.h");
  writeFile(Header, readFile(Header) + "// edited\n");
  Deps All = ninjaDeps(P);
  std::set<std::string> AppInputs = ninjaInputs(P, "app");
  std::set<std::string> Expected = objectsReading(All, Header, &AppInputs);
  ASSERT_FALSE(Expected.empty()) << "fixture: app units include shared.h";
  ASSERT_LT(Expected.size(), objectsReading(All, Header, nullptr).size())
      << "fixture: tool includes shared.h too, outside app";

  std::vector<CompileEdge> Edges = affected(Header, {P.output("app")});
  EXPECT_EQ(objectsOf(Edges), Expected);
  expectSourcesAndCommands(Edges, All);
}

TEST_F(AffectedEdges, LibraryHeaderReachesObjectsThroughTheStaticLibrary) {
  std::string Header = P.source("lib/mathlib.h");
  Deps All = ninjaDeps(P);
  std::set<std::string> AppInputs = ninjaInputs(P, "app");
  std::set<std::string> Expected = objectsReading(All, Header, &AppInputs);
  ASSERT_TRUE(std::any_of(Expected.begin(), Expected.end(), [&](auto &O) {
    return All[O].front() == P.source("lib/mathlib.cpp");
  })) << "fixture: the library's own unit includes mathlib.h";

  std::vector<CompileEdge> Edges = affected(Header, {P.output("app")});
  EXPECT_EQ(objectsOf(Edges), Expected);
  expectSourcesAndCommands(Edges, All);
}

TEST_F(AffectedEdges, SourceOfAnotherExecutableGivesNothingForThisOne) {
  std::string Source = P.source("tool/tool.cpp");
  EXPECT_TRUE(affected(Source, {P.output("app")}).empty());

  Deps All = ninjaDeps(P);
  std::set<std::string> ToolInputs = ninjaInputs(P, "tool");
  std::set<std::string> Expected = objectsReading(All, Source, &ToolInputs);
  ASSERT_EQ(Expected.size(), 1u) << "fixture: tool.cpp is one unit of tool";
  std::vector<CompileEdge> Edges =
      affected(Source, {P.output("app"), P.output("tool")});
  EXPECT_EQ(objectsOf(Edges), Expected);
  expectSourcesAndCommands(Edges, All);
}

TEST_F(AffectedEdges, SourceGivesItsOwnUnitOnly) {
  std::string Source = P.source("app/greet.cpp");
  Deps All = ninjaDeps(P);
  std::set<std::string> AppInputs = ninjaInputs(P, "app");
  std::vector<CompileEdge> Edges = affected(Source, {P.output("app")});
  EXPECT_EQ(objectsOf(Edges), objectsReading(All, Source, &AppInputs));
  ASSERT_EQ(Edges.size(), 1u);
  expectSourcesAndCommands(Edges, All);
}

TEST_F(AffectedEdges, UnknownLinkOutputIsAnError) {
  auto Edges = Build->edgesAffectedBy(P.source("app/shared.h"),
                                      {P.output("no-such-program")});
  ASSERT_FALSE(bool(Edges));
  std::string Message = llvm::toString(Edges.takeError());
  EXPECT_NE(Message.find("no-such-program is not built by"), std::string::npos)
      << Message;
}

TEST_F(AffectedEdges, FileNoUnitReadsGivesNothing) {
  std::string Unread = P.source("unread.h");
  writeFile(Unread, "// included by nobody\n");
  EXPECT_TRUE(affected(Unread, {P.output("app"), P.output("tool")}).empty());
}

} // namespace
} // namespace hotc::ninja::test
