// Binding by source identity, on binaries built by GCC: a C function
// static (GCC: calls.0, Clang: fn.calls) is found through the binary's
// DWARF; Clang's view of the same source names it the same way.
#include "ir_fixture.h"
#include "jit/identity_binding.h"
#include "jit/live_dwarf.h"
#include "jit/live_symbols.h"
#include "jit/tu_compiler.h"

#include "llvm/Object/ObjectFile.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace hotc;
namespace fs = std::filesystem;

namespace {

// Writes Source to DIR/NAME, builds DIR/prog with Compiler; returns DIR.
std::string buildProgram(const std::string &Name, const std::string &Source,
                         const std::string &Compiler, const std::string &Flags) {
  std::string Dir = fs::temp_directory_path().string() + "/hotc-identity-" +
                    std::to_string(getpid()) + "-" + Name;
  fs::create_directories(Dir);
  std::ofstream(Dir + "/" + Name) << Source;
  std::string Cmd = Compiler + " " + Flags + " -o " + Dir + "/prog " + Dir + "/" + Name;
  EXPECT_EQ(std::system(Cmd.c_str()), 0) << Cmd;
  return Dir;
}

// The value of symbol Name in File's .symtab.
uint64_t symbolValue(const std::string &File, llvm::StringRef Name) {
  auto Bin = llvm::object::ObjectFile::createObjectFile(File);
  if (!Bin) {
    ADD_FAILURE() << llvm::toString(Bin.takeError());
    return 0;
  }
  for (const auto &S : Bin->getBinary()->symbols())
    if (auto N = S.getName(); N && *N == Name)
      return llvm::cantFail(S.getAddress());
  return 0;
}

const char *const CStatics = R"(
int counter(void) { static int calls; { static int calls = 10; ++calls; } return ++calls; }
int other(void) { static int calls; return ++calls; }
int main(void) { return counter() + other(); }
)";

TEST(LiveDwarf, FindsCFunctionStaticsThatGccNamesOtherwise) {
  std::string Dir = buildProgram("statics.c", CStatics, "gcc", "-g -O0 -no-pie");
  jit::LiveDwarf Dwarf(0, {{Dir + "/prog", 0, ""}});
  auto InCounter = Dwarf.find(Dir + "/statics.c", {{"counter"}, "calls"});
  ASSERT_EQ(InCounter.size(), 2u); // two of one name in one function: source order
  auto InOther = Dwarf.find(Dir + "/statics.c", {{"other"}, "calls"});
  ASSERT_EQ(InOther.size(), 1u);
  // GCC numbers them calls.0, calls.1, calls.2 in the order it emits them.
  std::set<uint64_t> Gcc = {symbolValue(Dir + "/prog", "calls.0"),
                            symbolValue(Dir + "/prog", "calls.1"),
                            symbolValue(Dir + "/prog", "calls.2")};
  EXPECT_TRUE(Gcc.count(InCounter[0].Address));
  EXPECT_TRUE(Gcc.count(InCounter[1].Address));
  EXPECT_TRUE(Gcc.count(InOther[0].Address));
  EXPECT_NE(InCounter[0].Address, InCounter[1].Address);
  EXPECT_LT(InCounter[0].Line, InCounter[1].Line + 1);
  EXPECT_TRUE(Dwarf.find(Dir + "/statics.c", {{"counter"}, "missing"}).empty());
  EXPECT_FALSE(Dwarf.describes(Dir + "/nothere.c"));
}

// Clang's view of the same source: fn.calls, whose identity is the one
// the GCC binary's DWARF gives.
TEST(LiveDwarf, ClangSpellingHasTheSameIdentity) {
  std::string Dir = buildProgram("statics.c", CStatics, "gcc", "-g -O0 -no-pie");
  frontend::CompileCommand Cmd;
  Cmd.Directory = Dir;
  Cmd.File = Dir + "/statics.c";
  Cmd.Arguments = {"gcc", "-g", "-O0", "-c", Cmd.File};
  auto Tu = jit::compileToIR(Cmd);
  ASSERT_TRUE(bool(Tu)) << llvm::toString(Tu.takeError());
  const llvm::GlobalVariable *G = Tu->Module->getNamedGlobal("other.calls");
  ASSERT_NE(G, nullptr);
  auto Id = jit::identityOf(*G);
  ASSERT_TRUE(Id);
  jit::LiveDwarf Dwarf(0, {{Dir + "/prog", 0, ""}});
  auto Live = Dwarf.find(Cmd.File, *Id);
  ASSERT_EQ(Live.size(), 1u);
  // The GCC symbol of other()'s static is the calls.N that counter()'s two
  // are not.
  auto InCounter = Dwarf.find(Cmd.File, {{"counter"}, "calls"});
  ASSERT_EQ(InCounter.size(), 2u);
  int Matches = 0;
  for (const char *N : {"calls.0", "calls.1", "calls.2"}) {
    uint64_t A = symbolValue(Dir + "/prog", N);
    if (A != InCounter[0].Address && A != InCounter[1].Address) {
      EXPECT_EQ(Live[0].Address, A) << N;
      ++Matches;
    }
  }
  EXPECT_EQ(Matches, 1);
}

// The anonymous-namespace variable declared static, which GCC spells
// _ZN12_GLOBAL__N_1L5stateE (Clang: without the L), and the static member
// of a class are found by scope and name too.
TEST(LiveDwarf, FindsAnonymousNamespaceVariablesAndStaticMembers) {
  std::string Dir = buildProgram("anon.cpp", R"(
namespace { static int state = 3; }
struct Box { static int count; };
int Box::count = 4;
int main() { return state + Box::count; }
)", "g++", "-g -O0 -no-pie");
  jit::LiveDwarf Dwarf(0, {{Dir + "/prog", 0, ""}});
  auto Anon = Dwarf.find(Dir + "/anon.cpp", {{"(anonymous namespace)"}, "state"});
  ASSERT_EQ(Anon.size(), 1u);
  EXPECT_EQ(Anon[0].Address, symbolValue(Dir + "/prog", "_ZN12_GLOBAL__N_1L5stateE"));
  auto Member = Dwarf.find(Dir + "/anon.cpp", {{"Box"}, "count"});
  ASSERT_EQ(Member.size(), 1u);
  EXPECT_EQ(Member[0].Address, symbolValue(Dir + "/prog", "_ZN3Box5countE"));
}

} // namespace

namespace {

// A variable the baseline only reads still holds its initial value: a fresh
// copy is exact where the optimiser folded the live one away. Any other use
// may have changed it.
TEST(BaselineStatics, OnlyVariablesCodeMayChangeCountAsWritten) {
  jit::CompiledTu Tu = test::compileSnippet("baseline.cpp", R"(
static int read_only = 3;
static int stored;
static int escaped;
static int table[4] = {1, 2, 3, 4};
void sink(int *);
int use(int i) {
  stored = i;
  sink(&escaped);
  return read_only + table[2];
}
)");
  jit::BaselineStatics B = jit::staticsOf(*Tu.Module);
  for (const char *N : {"_ZL9read_only", "_ZL6stored", "_ZL7escaped", "_ZL5table"})
    EXPECT_TRUE(B.Names.contains(N)) << N;
  EXPECT_FALSE(B.Written.contains("_ZL9read_only"));
  EXPECT_FALSE(B.Written.contains("_ZL5table"));
  EXPECT_TRUE(B.Written.contains("_ZL6stored"));
  EXPECT_TRUE(B.Written.contains("_ZL7escaped"));
}

} // namespace

namespace {

// GCC gives a static function returning std::string no implicit ABI tag
// (`_ZL6greeti`), Clang does (`_ZL6greetB5cxx11i`): the patch's function,
// and its static, take the binary's spelling.
TEST(UntaggedFunctions, ClangsImplicitAbiTagIsDroppedWhereGccHasNone) {
  const std::string Source = R"(#include <string>
static std::string greet(int v) { static int calls; ++calls; return std::to_string(v + calls); }
int main() { return greet(1).size(); }
)";
  std::string Dir = buildProgram("tagged.cpp", Source, "g++", "-g -O0 -no-pie");
  ASSERT_NE(symbolValue(Dir + "/prog", "_ZL5greeti"), 0u);
  frontend::CompileCommand Cmd{Dir + "/tagged.cpp", Dir, {"g++", "-g", "-O0", "-c", Dir + "/tagged.cpp"}};
  auto Tu = jit::compileToIR(Cmd);
  ASSERT_TRUE(bool(Tu)) << llvm::toString(Tu.takeError());
  ASSERT_NE(Tu->Module->getFunction("_ZL5greetB5cxx11i"), nullptr);
  auto Symbols = jit::LiveSymbols::read(0, {{Dir + "/prog", 0, ""}});
  ASSERT_TRUE(bool(Symbols)) << llvm::toString(Symbols.takeError());
  auto Locals = Symbols->localsOf("tagged.cpp");
  ASSERT_TRUE(bool(Locals)) << llvm::toString(Locals.takeError());
  jit::LiveView View{&Symbols->globals(), *Locals};
  auto Renames = jit::bindUntaggedFunctions(*Tu->Module, View);
  EXPECT_NE(Tu->Module->getFunction("_ZL5greeti"), nullptr);
  EXPECT_EQ(Tu->Module->getFunction("_ZL5greetB5cxx11i"), nullptr);
  EXPECT_NE(Tu->Module->getNamedGlobal("_ZZL5greetiE5calls"), nullptr);
  EXPECT_EQ(Renames.size(), 2u);
}

} // namespace
