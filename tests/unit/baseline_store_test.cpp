// The baseline store keeps what a unit's baseline compile learned across
// runs of hotc watch: what it gives back must be what was learned, under a
// key that changes with every input of the compile and nothing else.
#include "ir_fixture.h"
#include "jit/baseline_store.h"
#include "jit/identity_binding.h"

#include "llvm/Support/FileSystem.h"

#include <gtest/gtest.h>

#include <chrono>
#include <sys/time.h>
#include <fstream>

using namespace hotc;

namespace {

const char *kUnit = R"(#include <string>
struct Particle { int X; double Y; };
static int calls;
int counted() { static int n; return ++n + ++calls; }
std::string name(const Particle &P) { return std::to_string(P.X); }
namespace { int hidden = 3; }
int reads_hidden() { return hidden; }
)";

// Facts as compileBaseline learns them, from a real compile.
jit::BaselineFacts factsOf(const jit::CompiledTu &Tu) {
  jit::BaselineFacts F;
  F.Live = jit::canonicalFunctionHashes(*Tu.Module);
  F.LiveLayouts = jit::typeLayoutsOf(*Tu.Module);
  F.LiveStatics = jit::staticsOf(*Tu.Module);
  F.Inputs = Tu.Inputs;
  F.OptLevel = Tu.OptLevel;
  for (const llvm::Function &Fn : *Tu.Module)
    if (!Fn.isDeclaration() && Fn.hasExternalLinkage())
      F.ExternalFunctions.push_back(Fn.getName().str());
  return F;
}

std::vector<std::string> sorted(const llvm::StringSet<> &S) {
  std::vector<std::string> V;
  for (const auto &E : S)
    V.push_back(E.getKey().str());
  std::sort(V.begin(), V.end());
  return V;
}

TEST(BaselineStore, GivesBackWhatTheBaselineCompileLearned) {
  jit::CompiledTu Tu = test::compileSnippet("unit.cpp", kUnit, {"-O2", "-g"});
  jit::BaselineFacts Learned = factsOf(Tu);
  ASSERT_GT(Learned.Live.size(), 3u);
  ASSERT_FALSE(Learned.LiveLayouts.empty());
  ASSERT_FALSE(Learned.LiveStatics.Names.empty());
  ASSERT_FALSE(Learned.LiveStatics.Identities.empty());
  jit::BaselineStore Store(test::scratchDir() + "/baselines");
  ASSERT_FALSE(bool(Store.save("00ab", Learned)));
  auto Found = Store.find("00ab");
  ASSERT_TRUE(bool(Found)) << llvm::toString(Found.takeError());
  ASSERT_TRUE(Found->has_value());
  const jit::BaselineFacts &Back = **Found;
  ASSERT_EQ(Back.Live.size(), Learned.Live.size());
  for (const auto &E : Learned.Live)
    EXPECT_EQ(Back.Live.lookup(E.getKey()), E.second) << E.getKey().str();
  ASSERT_EQ(Back.LiveLayouts.size(), Learned.LiveLayouts.size());
  for (const auto &E : Learned.LiveLayouts)
    EXPECT_EQ(Back.LiveLayouts.lookup(E.getKey()), E.second);
  EXPECT_EQ(sorted(Back.LiveStatics.Names), sorted(Learned.LiveStatics.Names));
  EXPECT_EQ(sorted(Back.LiveStatics.Written), sorted(Learned.LiveStatics.Written));
  ASSERT_EQ(Back.LiveStatics.Identities.size(), Learned.LiveStatics.Identities.size());
  for (const auto &E : Learned.LiveStatics.Identities)
    EXPECT_EQ(Back.LiveStatics.Identities.lookup(E.getKey()), E.second);
  EXPECT_EQ(Back.Inputs, Learned.Inputs);
  EXPECT_EQ(Back.OptLevel, 2u);
  EXPECT_EQ(Back.ExternalFunctions, Learned.ExternalFunctions);
  EXPECT_FALSE(Store.find("00ac")->has_value()) << "another key has no entry";
}

TEST(BaselineStore, KeyChangesWithEveryInputOfTheCompileAndOnlyWithThem) {
  frontend::CompileCommand Cmd{"/src/a.cpp", "/build", {"g++", "-O2", "-c", "/src/a.cpp"}};
  jit::FileOverlay Text;
  Text["/src/a.cpp"] = "#include \"a.h\"\nint f() { return g(); }\n";
  Text["/src/a.h"] = "inline int g() { return 1; }\n";
  std::string Key = jit::BaselineStore::keyOf(Cmd, Text);
  // The same record built in another order: the same key.
  jit::FileOverlay Reordered;
  Reordered["/src/a.h"] = Text["/src/a.h"];
  Reordered["/src/a.cpp"] = Text["/src/a.cpp"];
  EXPECT_EQ(jit::BaselineStore::keyOf(Cmd, Reordered), Key);
  // A header's text, a flag, the directory: other keys.
  jit::FileOverlay Header = Text;
  Header["/src/a.h"] = "inline int g() { return 2; }\n";
  EXPECT_NE(jit::BaselineStore::keyOf(Cmd, Header), Key);
  frontend::CompileCommand Flag = Cmd;
  Flag.Arguments.insert(Flag.Arguments.begin() + 1, "-DFAST");
  EXPECT_NE(jit::BaselineStore::keyOf(Flag, Text), Key);
  frontend::CompileCommand Dir = Cmd;
  Dir.Directory = "/build2";
  EXPECT_NE(jit::BaselineStore::keyOf(Dir, Text), Key);
  // Text moved from one file to the next is not the same inputs.
  jit::FileOverlay Moved;
  Moved["/src/a.cpp"] = Text["/src/a.cpp"] + Text["/src/a.h"];
  Moved["/src/a.h"] = "";
  EXPECT_NE(jit::BaselineStore::keyOf(Cmd, Moved), Key);
}

TEST(BaselineStore, AnUnreadableEntryIsAnErrorThatNamesIt) {
  std::string Dir = test::scratchDir() + "/baselines";
  jit::BaselineStore Store(Dir);
  ASSERT_FALSE(bool(Store.save("1234", {})));
  std::ofstream(Dir + "/1234.json") << "{\"version\": ";
  auto Found = Store.find("1234");
  ASSERT_FALSE(bool(Found));
  std::string Why = llvm::toString(Found.takeError());
  EXPECT_NE(Why.find(Dir + "/1234.json"), std::string::npos) << Why;
  EXPECT_NE(Why.find("not JSON"), std::string::npos) << Why;
  // Another format version is not read as this one.
  std::ofstream(Dir + "/1234.json") << "{\"version\": 99}";
  auto Old = Store.find("1234");
  ASSERT_FALSE(bool(Old));
  EXPECT_NE(llvm::toString(Old.takeError()).find("format version"), std::string::npos);
  // Saving again replaces it.
  ASSERT_FALSE(bool(Store.save("1234", {})));
  auto Again = Store.find("1234");
  ASSERT_TRUE(bool(Again)) << llvm::toString(Again.takeError());
  EXPECT_TRUE(Again->has_value());
}

TEST(BaselineStore, EntriesUnusedForAMonthAreRemovedAndUsedOnesKept) {
  std::string Dir = test::scratchDir() + "/baselines";
  jit::BaselineStore Store(Dir);
  ASSERT_FALSE(bool(Store.save("aa", {})));
  ASSERT_FALSE(bool(Store.save("bb", {})));
  long Old = time(nullptr) - 24 * 3600 * (jit::BaselineStore::kStaleDays + 1);
  timeval Times[2] = {{Old, 0}, {Old, 0}};
  ASSERT_EQ(::utimes((Dir + "/aa.json").c_str(), Times), 0);
  ASSERT_EQ(::utimes((Dir + "/bb.json").c_str(), Times), 0);
  // Reading an entry is a use: bb stays.
  ASSERT_TRUE(Store.find("bb")->has_value());
  EXPECT_EQ(Store.removeStale(), 1u);
  EXPECT_FALSE(Store.find("aa")->has_value());
  EXPECT_TRUE(Store.find("bb")->has_value());
}

} // namespace
