// The acceptance corpus of the rebuild set (tests/fixtures/edits/): one
// small multi-unit project per kind of edit, with the edit and the rebuild
// set written down by hand. For each scenario the real `hotc diff --json`
// must report exactly that set, and, as an independent check, every project
// function whose canonical IR hash the edit changed (compiled by hotc's own
// front end) must be in it: a rebuild set that misses one would leave the
// running process with stale code.
#include "function_hash.h"
#include "tu_compiler.h"

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

// The readable name hotc gives the form that defines the IR function
// Mangled ("ns::Box::get()" for "ns::Box<int>::get() const", "apply()" for a
// lambda inside apply), or nothing for code that is not the project's:
// the standard library and the compiler's global-initialiser plumbing.
std::optional<std::string> formName(const std::string &Mangled) {
  if (Mangled.rfind("_GLOBAL__", 0) == 0 || Mangled.rfind("__cxx_", 0) == 0)
    return std::nullopt;
  std::string D = llvm::demangle(Mangled);
  const std::string Anon = "(anonymous namespace)";
  for (size_t At; (At = D.find(Anon)) != std::string::npos;)
    D.replace(At, Anon.size(), "\x01");
  // Up to the first parameter list outside template arguments: the
  // enclosing function of a local lambda or static is the form.
  std::string Name;
  int Depth = 0;
  for (char C : D) {
    if (C == '(' && Depth == 0)
      break;
    Depth += C == '<' ? 1 : C == '>' ? -1 : 0;
    if (Depth == 0 && C != '>')
      Name += C;
  }
  // Function template instances carry their return type first.
  if (size_t Space = Name.rfind(' '); Space != std::string::npos)
    Name = Name.substr(Space + 1);
  if (Name.rfind("std::", 0) == 0 || Name.rfind("__gnu_cxx::", 0) == 0)
    return std::nullopt;
  for (size_t At; (At = Name.find('\x01')) != std::string::npos;)
    Name.replace(At, 1, Anon);
  return Name + "()";
}

// The class whose implicit special member ("T::T()", "T::~T()",
// "T::operator=()") Name may be, or "".
std::string specialMemberClass(const std::string &Name) {
  size_t Sep = Name.rfind("::");
  if (Sep == std::string::npos)
    return "";
  std::string Class = Name.substr(0, Sep), Member = Name.substr(Sep + 2);
  std::string Short = Class.substr(Class.rfind(':') == std::string::npos
                                       ? 0 : Class.rfind(':') + 1);
  bool Special = Member == Short + "()" || Member == "~" + Short + "()" ||
                 Member == "operator=()";
  return Special ? Class : "";
}

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

  jit::CompileCommand command(const std::string &Unit) const {
    return {Unit, Dir.string(),
            {"c++", "-std=c++17", "-O0", "-c", "-o", Unit + ".o", Unit}};
  }

  void writeCompileDatabase() const {
    llvm::json::Array Db;
    for (const std::string &U : Units) {
      jit::CompileCommand C = command(U);
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

  fs::path Dir, Scenario;
  std::vector<std::string> Units;
};

TEST_P(EditCorpus, RebuildSet) {
  DiffRun Baseline = diff();
  ASSERT_EQ(Baseline.Code, 0) << Baseline.Out << Baseline.Err;
  ASSERT_TRUE(Baseline.Json) << Baseline.Out;
  EXPECT_EQ(Baseline.Json->getInteger("baselined"), int64_t(Units.size()));
  auto Before = hashes();
  applyEdit();

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
  for (const auto &[Key, Hash] : hashes()) {
    auto Old = Before.find(Key);
    if (Old != Before.end() && Old->second == Hash)
      continue;
    std::optional<std::string> Name = formName(Key.second);
    if (!Name || Reported.count(*Name) || Records.count(specialMemberClass(*Name)))
      continue;
    ADD_FAILURE() << Key.second << " (" << *Name << ") in " << Key.first
                  << (Old == Before.end() ? " is new" : " changed")
                  << " but is not in the rebuild set:\n" << R.Out;
  }
}

INSTANTIATE_TEST_SUITE_P(
    , EditCorpus, ::testing::ValuesIn(scenarios()),
    [](const ::testing::TestParamInfo<std::string> &I) { return I.param; });

// The name mapping the IR check relies on, on the shapes the corpus has.
TEST(EditCorpusNames, FormNameOfSymbols) {
  EXPECT_EQ(formName("_Z5clampi"), "clamp()");
  EXPECT_EQ(formName("_ZNK3BoxIiE3getEv"), "Box::get()");
  EXPECT_EQ(formName("_ZN12_GLOBAL__N_16helperEi"), "(anonymous namespace)::helper()");
  EXPECT_EQ(formName("_ZL9local_sumii"), "local_sum()");
  EXPECT_EQ(formName("_Z5widthIcEiv"), "width()");
  EXPECT_EQ(formName("_ZZ5applyiENK3$_0clEi"), "apply()");
  EXPECT_EQ(formName("_GLOBAL__sub_I_a.cpp"), std::nullopt);
  EXPECT_EQ(formName("__cxx_global_var_init"), std::nullopt);
  EXPECT_EQ(formName("_ZNSt6vectorIiSaIiEE9push_backERKi"), std::nullopt);
  EXPECT_EQ(formName("main"), "main()");
  EXPECT_EQ(specialMemberClass("ns::Config::Config()"), "ns::Config");
  EXPECT_EQ(specialMemberClass("Config::~Config()"), "Config");
  EXPECT_EQ(specialMemberClass("Config::operator=()"), "Config");
  EXPECT_EQ(specialMemberClass("Config::level()"), "");
  EXPECT_EQ(specialMemberClass("clamp()"), "");
}

} // namespace
