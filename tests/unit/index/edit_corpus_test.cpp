// The acceptance corpus of the rebuild set (tests/fixtures/edits/): one
// small multi-unit project per kind of edit, with the edit and the rebuild
// set written down by hand. For each scenario the real `hotc diff --json`
// must report exactly that set, and, as an independent check, every project
// function whose canonical IR hash the edit changed (compiled by hotc's own
// front end) must be in it: a rebuild set that misses one would leave the
// running process with stale code. A third check runs the plan `hotc
// watch` makes on a save (stored analyses + the two texts, no parse): it
// must recompile every unit whose code changed and expect every function
// that changed there.
#include "jit/function_hash.h"
#include "analysis/graph_store.h"
#include "analysis/save_plan.h"
#include "analysis/symbol_names.h"
#include "jit/tu_compiler.h"

#include "llvm/Demangle/Demangle.h"
#include "llvm/Support/JSON.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <stdlib.h>
#include <sys/wait.h>

namespace fs = std::filesystem;
using namespace hotc;
using index::formNameOfSymbol;
using index::specialMemberClass;

namespace {

using Names = std::vector<std::string>;

const fs::path kCorpus = HOTC_EDIT_CORPUS;

std::vector<std::string> scenarios() {
  std::vector<std::string> Out;
  for (const fs::directory_entry &E : fs::directory_iterator(kCorpus))
    if (E.is_directory())
      Out.push_back(E.path().filename().string());
  std::sort(Out.begin(), Out.end());
  return Out;
}

std::string readFile(const fs::path &Path) {
  std::ifstream In(Path);
  std::stringstream S;
  S << In.rdbuf();
  return S.str();
}

// A JSON array of strings, or of objects whose member Key is a string.
Names strings(const llvm::json::Object &O, llvm::StringRef Array,
              llvm::StringRef Key = "") {
  Names Out;
  if (const llvm::json::Array *A = O.getArray(Array))
    for (const llvm::json::Value &V : *A) {
      std::optional<llvm::StringRef> S =
          Key.empty() ? V.getAsString() : V.getAsObject()->getString(Key);
      Out.push_back(S ? S->str() : "<not a string>");
    }
  std::sort(Out.begin(), Out.end());
  return Out;
}

struct Outcome {
  Names Rebuild, Layout, Errors;
  // Functions whose IR changes for a reason no rebuild set should follow,
  // each with the reason written in expected.json ("known_ir_artefacts").
  Names Artefacts;
};

struct DiffRun {
  int Code = -1;
  std::string Out, Err;
  std::optional<llvm::json::Object> Json;
};

// Names of the records a `hotc diff --json` reports as changed.
std::set<std::string> changedRecords(const llvm::json::Object &Diff) {
  std::set<std::string> Out;
  if (const llvm::json::Array *Changes = Diff.getArray("changes"))
    for (const llvm::json::Value &C : *Changes)
      if (C.getAsObject()->getString("kind") == "record")
        Out.insert(C.getAsObject()->getString("name").value_or("").str());
  return Out;
}

class EditCorpus : public ::testing::TestWithParam<std::string> {
protected:
  void SetUp() override {
    char T[] = "/tmp/hotc-edits-XXXXXX";
    Dir = mkdtemp(T);
    Scenario = kCorpus / GetParam();
    fs::copy(Scenario / "project", Dir, fs::copy_options::recursive);
    for (const fs::directory_entry &E : fs::directory_iterator(Dir))
      if (E.path().extension() == ".cpp")
        Units.push_back(E.path().string());
    std::sort(Units.begin(), Units.end());
    writeCompileDatabase();
  }
  void TearDown() override { fs::remove_all(Dir); }

  frontend::CompileCommand command(const std::string &Unit) const {
    return {Unit, Dir.string(),
            {"c++", "-std=c++17", "-O0", "-c", "-o", Unit + ".o", Unit}};
  }

  void writeCompileDatabase() const {
    llvm::json::Array Db;
    for (const std::string &U : Units) {
      frontend::CompileCommand C = command(U);
      Db.push_back(llvm::json::Object{{"directory", C.Directory},
                                      {"file", C.File},
                                      {"arguments", llvm::json::Array(C.Arguments)}});
    }
    fs::create_directory(Dir / "build");
    std::string Text;
    llvm::raw_string_ostream(Text) << llvm::json::Value(std::move(Db));
    std::ofstream(Dir / "build" / "compile_commands.json") << Text;
  }

  DiffRun diff() const {
    fs::path Err = Dir / "diff.stderr";
    std::string Cmd = std::string(HOTC_BINARY) + " diff --json -p " +
                      (Dir / "build").string() + " 2>" + Err.string();
    DiffRun R;
    FILE *P = popen(Cmd.c_str(), "r");
    char Buf[4096];
    while (size_t N = fread(Buf, 1, sizeof Buf, P))
      R.Out.append(Buf, N);
    int Status = pclose(P);
    R.Code = WIFEXITED(Status) ? WEXITSTATUS(Status) : -1;
    R.Err = readFile(Err);
    auto V = llvm::json::parse(R.Out);
    if (!V)
      llvm::consumeError(V.takeError());
    else if (V->getAsObject())
      R.Json = std::move(*V->getAsObject());
    return R;
  }

  // Canonical hashes of every unit's functions, by unit and symbol: internal
  // functions of two units may share a symbol.
  std::map<std::pair<std::string, std::string>, uint64_t> hashes() const {
    std::map<std::pair<std::string, std::string>, uint64_t> Out;
    for (const std::string &U : Units) {
      auto Tu = jit::compileToIR(command(U));
      if (!Tu) {
        ADD_FAILURE() << U << ": " << llvm::toString(Tu.takeError());
        continue;
      }
      for (const auto &E : jit::canonicalFunctionHashes(*Tu->Module))
        Out[{U, E.getKey().str()}] = E.getValue();
    }
    return Out;
  }

  void applyEdit() const {
    fs::copy(Scenario / "after", Dir,
             fs::copy_options::recursive | fs::copy_options::overwrite_existing);
  }

  Outcome expected() const {
    auto V = llvm::json::parse(readFile(Scenario / "expected.json"));
    if (!V) {
      ADD_FAILURE() << "expected.json: " << llvm::toString(V.takeError());
      return {};
    }
    const llvm::json::Object &O = *V->getAsObject();
    Outcome Out{strings(O, "rebuild"), strings(O, "layout"), strings(O, "errors"), {}};
    if (const llvm::json::Object *A = O.getObject("known_ir_artefacts"))
      for (const auto &Entry : *A)
        Out.Artefacts.push_back(Entry.first.str());
    return Out;
  }

  // The files the edit replaces, with their text before it.
  std::vector<index::SavedFile> editedFiles() const {
    std::vector<index::SavedFile> Out;
    for (const fs::directory_entry &E : fs::directory_iterator(Scenario / "after")) {
      fs::path Path = Dir / E.path().filename();
      Out.push_back({Path.string(), readFile(Path), readFile(E.path())});
    }
    return Out;
  }

  // What `hotc watch` plans for this save: the stored analyses (written by
  // the first `hotc diff`) and the two texts, no parse.
  index::SavePlan watchPlan(std::vector<index::SavedFile> Files) const {
    for (index::SavedFile &F : Files)
      F.After = readFile(F.Path);
    auto G = index::loadGraph(index::indexDirectory((Dir / "build").string()));
    if (!G) {
      ADD_FAILURE() << llvm::toString(G.takeError());
      return {};
    }
    auto Yes = [](llvm::StringRef) { return true; };
    auto No = [](llvm::StringRef) { return false; }; // the corpus builds at -O0
    return index::planSave(*G, Files, {Yes, No});
  }

  fs::path Dir, Scenario;
  std::vector<std::string> Units;
};

TEST_P(EditCorpus, RebuildSet) {
  DiffRun Baseline = diff();
  ASSERT_EQ(Baseline.Code, 0) << Baseline.Out << Baseline.Err;
  ASSERT_TRUE(Baseline.Json) << Baseline.Out;
  EXPECT_EQ(Baseline.Json->getInteger("baselined"), int64_t(Units.size()));
  auto Before = hashes();
  std::vector<index::SavedFile> Saved = editedFiles();
  applyEdit();
  // Planned before `hotc diff` stores the new analyses.
  index::SavePlan Plan = watchPlan(Saved);

  // (a) exactly the set, layout changes and errors written down by hand.
  Outcome Want = expected();
  DiffRun R = diff();
  ASSERT_TRUE(R.Json) << R.Out << R.Err;
  Outcome Got{strings(*R.Json, "rebuild", "name"), strings(*R.Json, "layout", "type"),
              strings(*R.Json, "errors", "removed")};
  EXPECT_EQ(Got.Rebuild, Want.Rebuild) << R.Out;
  EXPECT_EQ(Got.Layout, Want.Layout) << R.Out;
  EXPECT_EQ(Got.Errors, Want.Errors) << R.Out;
  EXPECT_EQ(R.Code, Want.Errors.empty() ? 0 : 1) << R.Err;

  // (b) every function whose code changed, or that is new, is rebuilt. An
  // implicit constructor, destructor or assignment has no form of its own:
  // it changes with its class, which the diff must then report as changed.
  std::set<std::string> Reported(Got.Rebuild.begin(), Got.Rebuild.end());
  Reported.insert(Want.Artefacts.begin(), Want.Artefacts.end());
  std::set<std::string> Records = changedRecords(*R.Json);
  auto After = hashes();
  for (const auto &[Key, Hash] : After) {
    auto Old = Before.find(Key);
    if (Old != Before.end() && Old->second == Hash)
      continue;
    std::optional<std::string> Name = formNameOfSymbol(Key.second);
    if (!Name || Reported.count(*Name) || Records.count(specialMemberClass(*Name)))
      continue;
    ADD_FAILURE() << Key.second << " (" << *Name << ") in " << Key.first
                  << (Old == Before.end() ? " is new" : " changed")
                  << " but is not in the rebuild set:\n" << R.Out;
  }

  // (c) the plan `hotc watch` makes from the stored analyses and the two
  // texts recompiles every unit whose code changed, and expects each
  // function there whose code changed (a new function cannot be stale: the
  // watch links it as new, named or not).
  std::string Planned;
  for (const auto &[Unit, Whole] : Plan.Units)
    Planned += " " + fs::path(Unit).filename().string() + (Whole ? " (whole)" : "");
  for (const auto &[Key, Hash] : After) {
    auto Old = Before.find(Key);
    if (Old == Before.end() || Old->second == Hash)
      continue;
    std::optional<std::string> Name = formNameOfSymbol(Key.second);
    if (!Name)
      continue;
    EXPECT_TRUE(Plan.Units.count(Key.first))
        << Key.first << " is not recompiled although " << Key.second
        << " changed; planned:" << Planned;
    EXPECT_TRUE(Plan.expects(Key.first, *Name) ||
                std::count(Want.Artefacts.begin(), Want.Artefacts.end(), *Name))
        << "the watch plan does not expect " << *Name << " in " << Key.first;
  }
}

INSTANTIATE_TEST_SUITE_P(
    , EditCorpus, ::testing::ValuesIn(scenarios()),
    [](const ::testing::TestParamInfo<std::string> &I) { return I.param; });

// The name mapping the IR check relies on, on the shapes the corpus has.
TEST(EditCorpusNames, FormNameOfSymbols) {
  EXPECT_EQ(formNameOfSymbol("_Z5clampi"), "clamp()");
  EXPECT_EQ(formNameOfSymbol("_ZNK3BoxIiE3getEv"), "Box::get()");
  EXPECT_EQ(formNameOfSymbol("_ZN12_GLOBAL__N_16helperEi"), "(anonymous namespace)::helper()");
  EXPECT_EQ(formNameOfSymbol("_ZL9local_sumii"), "local_sum()");
  EXPECT_EQ(formNameOfSymbol("_Z5widthIcEiv"), "width()");
  EXPECT_EQ(formNameOfSymbol("_ZZ5applyiENK3$_0clEi"), "apply()");
  EXPECT_EQ(formNameOfSymbol("_GLOBAL__sub_I_a.cpp"), std::nullopt);
  EXPECT_EQ(formNameOfSymbol("__cxx_global_var_init"), std::nullopt);
  EXPECT_EQ(formNameOfSymbol("_ZNSt6vectorIiSaIiEE9push_backERKi"), std::nullopt);
  EXPECT_EQ(formNameOfSymbol("main"), "main()");
  // Operators as the index names them (declared name + "()").
  EXPECT_EQ(formNameOfSymbol("_ZlsRSoRK3Vec"), "operator<<()");
  EXPECT_EQ(formNameOfSymbol("_ZN3VecltERKS_"), "Vec::operator<()");
  EXPECT_EQ(formNameOfSymbol("_ZN4IterptEv"), "Iter::operator->()");
  EXPECT_EQ(formNameOfSymbol("_ZN3FooclEi"), "Foo::operator()()");
  EXPECT_EQ(formNameOfSymbol("_ZNK3FoocviEv"), "Foo::operator int()");
  EXPECT_EQ(formNameOfSymbol("_ZN3FoonwEm"), "Foo::operator new()");
  EXPECT_EQ(formNameOfSymbol("_ZN3VecaSERKS_"), "Vec::operator=()");
  EXPECT_EQ(formNameOfSymbol("_Z11my_operatori"), "my_operator()");
  EXPECT_EQ(formNameOfSymbol("_ZeqIiEbRK1XIT_ES4_"), "operator==()");
  EXPECT_EQ(formNameOfSymbol("_ZN3FooD2Ev"), "Foo::~Foo()");
  EXPECT_EQ(formNameOfSymbol("_ZN2ns3BoxIiEC2Ev"), "ns::Box::Box()");
  EXPECT_EQ(formNameOfSymbol("_ZNK3$_0clEi"), std::nullopt); // no name to go by
  // Lambdas: the enclosing function, or the variable at namespace scope.
  EXPECT_EQ(formNameOfSymbol("_ZZN2ns5outerEvENKUlvE_clEv"), "ns::outer()");
  EXPECT_EQ(formNameOfSymbol("_ZNK1lMUliE_clEi"), "l()");
  EXPECT_EQ(specialMemberClass("ns::Config::Config()"), "ns::Config");
  EXPECT_EQ(specialMemberClass("Config::~Config()"), "Config");
  EXPECT_EQ(specialMemberClass("Config::operator=()"), "Config");
  EXPECT_EQ(specialMemberClass("Config::level()"), "");
  EXPECT_EQ(specialMemberClass("clamp()"), "");
}

} // namespace
