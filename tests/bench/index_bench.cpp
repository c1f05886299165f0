// Google Benchmark of the analysis core: token hashing throughput, the
// token diff of a save, a whole unit's indexing, and the rebuild-set query on synthetic graphs of 10k,
// 100k and 1M forms (run by hand: bin/hotc_index_bench).
#include "analysis/form_index.h"
#include "analysis/rebuild_set.h"
#include "analysis/source_edit.h"
#include "analysis/static_graph.h"
#include "analysis/token_hash.h"

#include "clang/Basic/Diagnostic.h"
#include "clang/Basic/FileManager.h"
#include "clang/Basic/SourceManager.h"
#include "llvm/Support/MemoryBuffer.h"

#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <stdlib.h>

using namespace hotc::index;

namespace {

// A C++ source of N small functions and structs: typical form sizes.
std::string syntheticSource(int N) {
  std::string S;
  for (int I = 0; I < N; ++I) {
    std::string K = std::to_string(I);
    S += "struct Item" + K + " { int a; float b; /* note */ };\n"
         "static int step" + K + "(Item" + K + " &it, int x) {\n"
         "  // body\n  for (int i = 0; i < x; ++i) it.a += i * " + K + ";\n"
         "  return it.a + (int)it.b;\n}\n";
  }
  return S;
}

void BM_TokenHash(benchmark::State &State) {
  std::string Text = syntheticSource(2000);
  clang::FileSystemOptions FSO;
  clang::FileManager FM(FSO);
  llvm::IntrusiveRefCntPtr<clang::DiagnosticIDs> IDs(new clang::DiagnosticIDs);
  clang::DiagnosticsEngine Diags(IDs, new clang::DiagnosticOptions,
                                 new clang::IgnoringDiagConsumer);
  clang::SourceManager SM(Diags, FM);
  clang::FileID F = SM.createFileID(llvm::MemoryBuffer::getMemBuffer(Text));
  clang::LangOptions LO;
  LO.CPlusPlus = LO.CPlusPlus11 = LO.CPlusPlus17 = 1;
  TokenSpan Whole{F, 0, static_cast<unsigned>(Text.size() - 1)};
  for (auto _ : State)
    benchmark::DoNotOptimize(hashTokens(SM, LO, Whole));
  State.SetBytesProcessed(State.iterations() * Text.size());
}
BENCHMARK(BM_TokenHash);

// What hotc watch does first with a save: the raw-token diff of a file
// against its analysed text, mapped onto its forms (one body edit in the
// middle of the 2000-item source; both texts are lexed every time).
void BM_DiffSource(benchmark::State &State) {
  std::string Before = syntheticSource(2000);
  std::vector<Form> Forms;
  for (size_t At = Before.find("static int step"); At != std::string::npos;
       At = Before.find("static int step", At + 1)) {
    Form F;
    F.Id = std::to_string(At);
    F.BeginOffset = At;
    F.BodyBegin = Before.find('{', At);
    F.BodyEnd = F.EndOffset = Before.find("\n}\n", At) + 1;
    Forms.push_back(F);
  }
  std::string After = Before;
  size_t Mid = After.find("i * 1000;");
  After.replace(Mid, 9, "i * 1001;");
  for (auto _ : State) {
    SourceEdit E = diffSource(Before, After, Forms);
    if (E.Changes.size() != 1)
      State.SkipWithError("the edit should touch one form");
  }
  State.SetBytesProcessed(State.iterations() * (Before.size() + After.size()));
}
BENCHMARK(BM_DiffSource)->Unit(benchmark::kMicrosecond);

// Parse + forms + edges of a unit of 500 functions and types.
void BM_IndexUnit(benchmark::State &State) {
  char T[] = "/tmp/hotc-index-bench-XXXXXX";
  std::string Dir = mkdtemp(T);
  std::string Text = syntheticSource(500);
  std::ofstream(Dir + "/u.cpp") << Text;
  hotc::frontend::CompileCommand Cmd{Dir + "/u.cpp", Dir,
                                {"c++", "-std=c++17", "-c", Dir + "/u.cpp"}};
  for (auto _ : State) {
    auto R = indexTranslationUnit(Cmd);
    if (!R) {
      State.SkipWithError(llvm::toString(R.takeError()).c_str());
      break;
    }
    benchmark::DoNotOptimize(R->Forms.size());
  }
  State.SetBytesProcessed(State.iterations() * Text.size());
  std::filesystem::remove_all(Dir);
}
BENCHMARK(BM_IndexUnit)->Unit(benchmark::kMillisecond);

// N forms: 1% inline header functions (each calling the previous one), the
// rest plain functions calling 3 random inline ones — the shape of a
// program whose headers are shared by every unit.
const StaticGraph &syntheticGraph(int N) {
  static std::map<int, StaticGraph> Cache;
  auto [It, Inserted] = Cache.try_emplace(N);
  if (!Inserted)
    return It->second;
  StaticGraph &G = It->second;
  int Inline = std::max(1, N / 100);
  std::mt19937 Rng(N);
  for (int I = 0; I < N; ++I) {
    Form F;
    F.Id = "c:@F@f" + std::to_string(I);
    F.Name = "f" + std::to_string(I) + "()";
    F.Inline = I < Inline;
    G.addForm(F);
    if (I > 0 && I < Inline)
      G.addEdge({F.Id, "c:@F@f" + std::to_string(I - 1), EdgeKind::Call});
    for (int K = 0; I >= Inline && K < 3; ++K)
      G.addEdge({F.Id, "c:@F@f" + std::to_string(Rng() % Inline), EdgeKind::Call});
  }
  return G;
}

// One edited inline function in the middle of the chain.
void BM_RebuildQuery(benchmark::State &State) {
  int N = State.range(0);
  const StaticGraph &G = syntheticGraph(N);
  int Edited = std::max(1, N / 100) - 2;
  FormChange C;
  C.Kind = ChangeKind::Edited;
  C.Before = *G.find("c:@F@f" + std::to_string(std::max(0, Edited)))->Definition;
  C.After = C.Before;
  C.After.Hash = 1;
  size_t Affected = 0;
  for (auto _ : State)
    Affected = computeRebuildSet(G, {C}).Functions.size();
  State.counters["affected"] = Affected;
}
BENCHMARK(BM_RebuildQuery)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)
    ->Unit(benchmark::kMicrosecond);

// A plain function's edit: constant time, whatever the graph's size.
void BM_RebuildQueryLeaf(benchmark::State &State) {
  int N = State.range(0);
  const StaticGraph &G = syntheticGraph(N);
  FormChange C;
  C.Kind = ChangeKind::Edited;
  C.Before = *G.find("c:@F@f" + std::to_string(N - 1))->Definition;
  C.After = C.Before;
  C.After.Hash = 1;
  for (auto _ : State)
    benchmark::DoNotOptimize(computeRebuildSet(G, {C}).Functions.size());
}
BENCHMARK(BM_RebuildQueryLeaf)->Arg(10'000)->Arg(100'000)->Arg(1'000'000)
    ->Unit(benchmark::kMicrosecond);

} // namespace

BENCHMARK_MAIN();
