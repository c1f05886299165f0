// Binding Clang's lambdas to a GCC binary's by where they are written
// (jit/closure_names.h): Clang's `$_N` closures of a GCC-built program take
// the binary's `Ul...E_` names, also for lambdas written on one line, the
// static invoker (`__invoke` / `_FUN`) and a static of the operator().
#include "jit/closure_names.h"
#include "jit/line_map.h"
#include "jit/live_dwarf.h"
#include "jit/live_symbols.h"
#include "jit/tu_compiler.h"

#include "llvm/IR/GlobalVariable.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

using namespace hotc;
namespace fs = std::filesystem;

namespace {

const char *const Lambdas = R"(#include <cstdio>
int main() {
  auto a = [] { static int count = 0; return ++count; };
  auto b = [](int x) { return x * 3; }; auto c = [](int x) { return x + 1; };
  int (*p)(int) = [](int x) { return x - 1; };
  std::printf("%d %d %d %d\n", a(), b(1), c(1), p(5));
}
)";

struct Built {
  std::string Dir, File;
};

Built buildWithGcc(const std::string &Source, const std::string &Opt = "-O0") {
  Built B;
  B.Dir = fs::temp_directory_path().string() + "/hotc-closures-" +
          std::to_string(getpid());
  fs::create_directories(B.Dir);
  B.File = B.Dir + "/lambdas.cpp";
  std::ofstream(B.File) << Source;
  std::string Cmd = "g++ -g " + Opt + " -no-pie -o " + B.Dir + "/prog " + B.File;
  EXPECT_EQ(std::system(Cmd.c_str()), 0) << Cmd;
  return B;
}

jit::CompiledTu clangView(const Built &B, const std::string &Text,
                          const std::string &Opt = "-O0") {
  std::ofstream(B.File) << Text;
  frontend::CompileCommand Cmd{B.File, B.Dir, {"g++", "-g", Opt, "-c", B.File}};
  auto Tu = jit::compileToIR(Cmd);
  EXPECT_TRUE(bool(Tu)) << llvm::toString(Tu.takeError());
  return std::move(*Tu);
}

// The GCC binary as the patch sees it: its symbols and its DWARF.
struct LiveBinary {
  jit::LiveSymbols Symbols;
  jit::LiveView View;
  jit::LiveDwarf Dwarf;
};

std::unique_ptr<LiveBinary> liveBinary(const Built &B) {
  auto L = std::make_unique<LiveBinary>();
  auto Symbols = jit::LiveSymbols::read(0, {{B.Dir + "/prog", 0, ""}});
  EXPECT_TRUE(bool(Symbols)) << llvm::toString(Symbols.takeError());
  L->Symbols = std::move(*Symbols);
  auto Locals = L->Symbols.localsOf("lambdas.cpp");
  EXPECT_TRUE(bool(Locals)) << llvm::toString(Locals.takeError());
  L->View = {&L->Symbols.globals(), *Locals};
  L->Dwarf = jit::LiveDwarf(0, {{B.Dir + "/prog", 0, ""}});
  return L;
}

std::string renamed(const jit::ClosureBinding &B, llvm::StringRef Live) {
  for (const jit::SymbolRename &R : B.Renames)
    if (R.Live == Live)
      return R.Patch;
  return "";
}

// Builds Lambdas with GCC, then binds Clang's view of Edited to it.
jit::ClosureBinding bindEdited(const std::string &Edited, jit::CompiledTu &Tu) {
  Built B = buildWithGcc(Lambdas);
  Tu = clangView(B, Edited);
  auto L = liveBinary(B);
  return jit::bindClosuresByPosition(*Tu.Module, B.File, Lambdas, Lambdas, Edited,
                                     L->Dwarf, L->View, {});
}

TEST(ClosureNames, ClangLambdasTakeTheGccBinarysNamesByPosition) {
  // The edit adds a line above the lambdas: they moved down by one.
  std::string Edited = Lambdas;
  Edited.replace(Edited.find("int main() {\n"), 13, "int main() {\n  int unused = 0; (void)unused;\n");
  jit::CompiledTu Tu;
  auto Renames = bindEdited(Edited, Tu);
  // GCC numbers every lambda of main: a is {lambda()#1}, b..p {lambda(int)#2..4}.
  EXPECT_NE(renamed(Renames, "_ZZ4mainENKUlvE_clEv"), "");
  EXPECT_NE(renamed(Renames, "_ZZ4mainENKUliE0_clEi"), "");
  EXPECT_NE(renamed(Renames, "_ZZ4mainENKUliE1_clEi"), "");
  EXPECT_NE(renamed(Renames, "_ZZ4mainENKUliE2_clEi"), "");
  EXPECT_NE(renamed(Renames, "_ZZ4mainENUliE2_4_FUNEi"), "");
  EXPECT_NE(renamed(Renames, "_ZZZ4mainENKUlvE_clEvE5count"), "");
  // b and c share a line: b (x * 3) is the first, as in the source.
  const llvm::Function *First = Tu.Module->getFunction("_ZZ4mainENKUliE0_clEi");
  ASSERT_NE(First, nullptr);
  bool Multiplies = false;
  for (const llvm::BasicBlock &BB : *First)
    for (const llvm::Instruction &I : BB)
      Multiplies |= I.getOpcode() == llvm::Instruction::Mul;
  EXPECT_TRUE(Multiplies);
  EXPECT_NE(Tu.Module->getNamedGlobal("_ZZZ4mainENKUlvE_clEvE5count"), nullptr);
  // All but p's conversion to a function pointer, which GCC compiled into
  // main (no out-of-line copy to bind to).
  for (const llvm::Function &F : *Tu.Module)
    if (!F.isDeclaration() && F.getName().starts_with("_ZZ4mainE"))
      EXPECT_TRUE(!F.getName().contains("$_") || F.getName().contains("cvPFiiEEv"))
          << F.getName().str() << " kept Clang's name";
}

// After an earlier patch moved the lambdas down two lines, the binary's
// DWARF still has them where the build's text does: the next edit is
// mapped onto that text, not onto the one the process runs now.
TEST(ClosureNames, LambdasAnEarlierPatchMovedArePairedThroughTheBuildsText) {
  Built B = buildWithGcc(Lambdas);
  std::string Running = Lambdas;
  Running.replace(Running.find("int main() {\n"), 13,
                  "static int two() { return 2; }\n\nint main() {\n");
  std::string Edited = Running;
  Edited.replace(Edited.find("x * 3"), 5, "x * 5");
  jit::CompiledTu Tu = clangView(B, Edited);
  auto L = liveBinary(B);
  auto Bound = jit::bindClosuresByPosition(*Tu.Module, B.File, Lambdas, Running, Edited,
                                           L->Dwarf, L->View, {});
  EXPECT_NE(renamed(Bound, "_ZZ4mainENKUliE0_clEi"), "");
  EXPECT_NE(renamed(Bound, "_ZZ4mainENKUlvE_clEv"), "");
  // Mapped onto the running text alone, they are two lines off.
  jit::CompiledTu Again = clangView(B, Edited);
  auto Off = jit::bindClosuresByPosition(*Again.Module, B.File, Running, Running, Edited,
                                         L->Dwarf, L->View, {});
  EXPECT_EQ(renamed(Off, "_ZZ4mainENKUliE0_clEi"), "");
}

TEST(ClosureNames, ALambdaOnALineTheEditRewroteKeepsClangsName) {
  // The line of b and c is split in two, b's body edited.
  std::string Edited = Lambdas;
  std::string Line = "  auto b = [](int x) { return x * 3; }; auto c = [](int x) { return x + 1; };\n";
  Edited.replace(Edited.find(Line), Line.size(),
                 "  auto b = [](int x) { return x * 4; };\n  auto c = [](int x) { return x + 1; };\n");
  jit::CompiledTu Tu;
  auto Renames = bindEdited(Edited, Tu);
  EXPECT_EQ(renamed(Renames, "_ZZ4mainENKUliE0_clEi"), "");
  EXPECT_EQ(renamed(Renames, "_ZZ4mainENKUliE1_clEi"), "");
  // Those above and below the rewritten lines still map.
  EXPECT_NE(renamed(Renames, "_ZZ4mainENKUlvE_clEv"), "");
  EXPECT_NE(renamed(Renames, "_ZZ4mainENKUliE2_clEi"), "");
}

// At -O2 GCC inlines the operator() of each lambda everywhere: into
// main, into the static invoker `_FUN`, into a std::function's invoker. The
// patch then relinks those holders, found under the binary's names (the
// invoker's by putting GCC's closure name in Clang's instantiation), and
// binds the operator()'s static through the DWARF.
TEST(ClosureNames, AnInlinedOperatorIsReachedThroughItsHolders) {
  const std::string Source = R"(#include <cstdio>
#include <functional>
extern "C" int probe() {
  static std::function<int(int)> held = [](int x) { return x * 2; };
  static int (*fn)(int) = [](int x) { return x + 1; };
  auto next = [] { static int k; return ++k; };
  return held(5) + fn(1) + next();
}
int main() { std::printf("%d\n", probe()); }
)";
  Built B = buildWithGcc(Source, "-O2");
  jit::CompiledTu Tu = clangView(B, Source, "-O2");
  auto L = liveBinary(B);
  jit::ClosureBinding Bound = jit::bindClosuresByPosition(
      *Tu.Module, B.File, Source, Source, Source, L->Dwarf, L->View, {});
  EXPECT_NE(renamed(Bound, "_ZZ5probeENUliE0_4_FUNEi"), ""); // fn's invoker
  EXPECT_NE(renamed(Bound, "_ZZZ5probeENKUlvE1_clEvE1k"), ""); // next's static
  std::map<std::string, std::vector<std::string>> Holders;
  for (const jit::InlinedMember &I : Bound.Inlined) {
    Holders[I.Member] = I.Holders;
    EXPECT_TRUE(I.Missing.empty()) << I.Member << " has holders the patch lacks";
  }
  ASSERT_EQ(Holders.size(), 3u);
  bool Invoker = false, Fun = false, Probe = false;
  for (const auto &[Member, Hs] : Holders)
    for (const std::string &H : Hs) {
      Invoker |= H == "_ZNSt17_Function_handlerIFiiEZ5probeEUliE_E9_M_invokeERKSt9_Any_dataOi";
      Fun |= H == "_ZZ5probeENUliE0_4_FUNEi";
      Probe |= H == "probe";
      const llvm::Function *F = Tu.Module->getFunction(H);
      EXPECT_TRUE(F && !F->isDeclaration()) << H << " has no definition in the patch";
    }
  EXPECT_TRUE(Invoker);
  EXPECT_TRUE(Fun);
  EXPECT_TRUE(Probe);
}

TEST(LineMap, LinesAroundOneEditedRegion) {
  jit::LineMap Same("a\nb\nc\n", "a\nb\nc\n");
  EXPECT_EQ(Same.runningLine(3), 3u);
  jit::LineMap Added("a\nb\nc\nd\n", "a\nb\nx\ny\nc\nd\n"); // two lines after b
  EXPECT_EQ(Added.runningLine(1), 1u);
  EXPECT_EQ(Added.runningLine(5), 3u);
  EXPECT_EQ(Added.runningLine(6), 4u);
  EXPECT_FALSE(Added.runningLine(4).has_value());
  EXPECT_TRUE(Added.inserted(3));
  EXPECT_TRUE(Added.inserted(4));
  EXPECT_FALSE(Added.inserted(5));
  jit::LineMap InPlace("a\nbb\nc\n", "a\nbX\nc\n");
  EXPECT_EQ(InPlace.runningLine(2), 2u);
  EXPECT_EQ(InPlace.runningLine(3), 3u);
  // An edited line and a blank line added at the end: the edited line is
  // still the same one (a diff of lines, not of one region).
  jit::LineMap Both("a\nx + 1\nb\n}\n", "a\nx + 100\nb\n}\n\n");
  EXPECT_EQ(Both.runningLine(2), 2u);
  EXPECT_EQ(Both.runningLine(4), 4u);
  jit::LineMap Removed("a\nx\nb\nc\n", "a\nb\nc\n");
  EXPECT_EQ(Removed.runningLine(2), 3u);
  EXPECT_EQ(Removed.runningLine(3), 4u);
}

// Which running lines a run of new lines replaced: where a static declared
// on a rewritten line may come from (jit/static_positions.h).
TEST(LineMap, RunsTellWhichLinesTheyReplaced) {
  jit::LineMap Grown("a\nold\nb\n", "a\nnew 1\nnew 2\nb\n");
  EXPECT_EQ(Grown.replacedLines(2), (std::pair<unsigned, unsigned>{2, 2}));
  EXPECT_EQ(Grown.replacedLines(3), (std::pair<unsigned, unsigned>{2, 2}));
  EXPECT_FALSE(Grown.inserted(2));
  auto Kept = Grown.replacedLines(4);
  EXPECT_GT(Kept.first, Kept.second);
  jit::LineMap Added("a\nb\n", "a\nx\nb\n");
  auto New = Added.replacedLines(2);
  EXPECT_GT(New.first, New.second);
  EXPECT_TRUE(Added.inserted(2));
}

} // namespace
