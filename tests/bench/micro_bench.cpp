// Google Benchmark micro-benchmarks of the patch pipeline's stages:
//   hotc_micro_bench [--benchmark_filter=...]
// The TU measured is tests/fixtures/latency_app/heavy.cpp (nine standard
// headers); link and patch benchmarks run against real code.
#include "agent/entry_patcher.h"
#include "jit/function_hash.h"
#include "jit/object_codegen.h"
#include "jit/patch_module.h"
#include "jit/unit_compiler.h"

#include <benchmark/benchmark.h>

#include "llvm/IR/IRBuilder.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/TargetParser/Host.h"

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>
#include <unistd.h>

extern "C" void hotreload_safe_point(void);

using namespace hotc;
using namespace llvm;

namespace {

std::string heavyText() {
  std::ifstream In(std::string(HOTC_FIXTURES) + "/latency_app/heavy.cpp");
  std::stringstream S;
  S << In.rdbuf();
  return S.str();
}

// A copy of heavy.cpp in a scratch directory, and its compile command.
struct HeavyUnit {
  std::string Dir, File;
  frontend::CompileCommand Cmd;
  std::string Text = heavyText();
  HeavyUnit() {
    char T[] = "/tmp/hotc-bench-XXXXXX";
    Dir = mkdtemp(T);
    File = Dir + "/heavy.cpp";
    write(Text);
    Cmd = {File, Dir, {"c++", "-std=c++17", "-O0", "-g", "-c", File}};
  }
  void write(const std::string &T) { std::ofstream(File) << T; }
  void editProbe(int V) {
    std::string T = Text;
    std::string From = "int probe_value() { return 0; }";
    T.replace(T.find(From), From.size(),
              "int probe_value() { return " + std::to_string(V) + "; }");
    write(T);
  }
};

void BM_FrontendCold(benchmark::State &State) {
  HeavyUnit U;
  for (auto _ : State) {
    auto Tu = jit::compileToIR(U.Cmd);
    if (!Tu)
      State.SkipWithError(toString(Tu.takeError()).c_str());
    benchmark::DoNotOptimize(Tu);
  }
}
BENCHMARK(BM_FrontendCold)->Unit(benchmark::kMillisecond);

// Preamble reused, whole unit generated.
void BM_FrontendPreambleWholeUnit(benchmark::State &State) {
  HeavyUnit U;
  jit::UnitCompiler C(U.Cmd);
  if (!C.compileAll()) {
    State.SkipWithError("baseline failed");
    return;
  }
  for (auto _ : State) {
    auto Tu = C.compileAll();
    benchmark::DoNotOptimize(Tu);
  }
  State.counters["preamble_MB"] = C.preambleBytes() / 1e6;
}
BENCHMARK(BM_FrontendPreambleWholeUnit)->Unit(benchmark::kMillisecond);

// Preamble reused, one edited function generated, other bodies skipped.
void BM_FrontendPreambleOneFunction(benchmark::State &State) {
  HeavyUnit U;
  jit::UnitCompiler C(U.Cmd);
  if (!C.compileAll()) {
    State.SkipWithError("baseline failed");
    return;
  }
  C.accept();
  int V = 0;
  for (auto _ : State) {
    State.PauseTiming();
    U.editProbe(++V);
    State.ResumeTiming();
    jit::UnitCompileStats Stats;
    auto Tu = C.compileEdit(&Stats);
    if (!Tu || !Stats.Focused)
      State.SkipWithError("edit was not compiled focused");
    benchmark::DoNotOptimize(Tu);
  }
}
BENCHMARK(BM_FrontendPreambleOneFunction)->Unit(benchmark::kMillisecond);

// Canonical hashes of every function of the whole unit.
void BM_CanonicalHashWholeUnit(benchmark::State &State) {
  HeavyUnit U;
  auto Tu = jit::compileToIR(U.Cmd);
  for (auto _ : State)
    benchmark::DoNotOptimize(jit::canonicalFunctionHashes(*Tu->Module));
  State.counters["functions"] = Tu->Module->size();
}
BENCHMARK(BM_CanonicalHashWholeUnit)->Unit(benchmark::kMillisecond);

// Keep/demote of the whole unit's IR with one changed function, everything
// else live.
void BM_KeepDemoteWholeUnit(benchmark::State &State) {
  HeavyUnit U;
  for (auto _ : State) {
    State.PauseTiming();
    auto Tu = jit::compileToIR(U.Cmd);
    jit::SymbolTable Globals;
    for (Function &F : *Tu->Module)
      Globals[F.getName()] = {0x1000, 64, true};
    for (GlobalVariable &G : Tu->Module->globals())
      Globals[G.getName()] = {0x2000, 8, false};
    jit::LiveView View{&Globals, nullptr};
    State.ResumeTiming();
    auto Plan = jit::preparePatchModule(*Tu->Module, {"_Z11probe_valuev"},
                                        View, {1, 0, nullptr});
    benchmark::DoNotOptimize(Plan);
  }
}
// Each iteration first compiles the unit (untimed, ~0.4 s): keep it short.
BENCHMARK(BM_KeepDemoteWholeUnit)->Iterations(20)->Unit(benchmark::kMillisecond);

// Machine code for N small functions (optimisation at -O0, then codegen).
void BM_CodegenFunctions(benchmark::State &State) {
  auto Codegen = jit::ObjectCodegen::create(sys::getProcessTriple());
  for (auto _ : State) {
    State.PauseTiming();
    LLVMContext Ctx;
    Module M("bench", Ctx);
    for (int I = 0; I < State.range(0); ++I) {
      auto *F = Function::Create(
          FunctionType::get(Type::getInt32Ty(Ctx), false),
          GlobalValue::ExternalLinkage, formatv("f{0}", I).str(), M);
      IRBuilder<> B(BasicBlock::Create(Ctx, "e", F));
      B.CreateRet(B.getInt32(I));
    }
    State.ResumeTiming();
    auto Obj = (*Codegen)->emit(M, 0);
    benchmark::DoNotOptimize(Obj);
  }
}
BENCHMARK(BM_CodegenFunctions)->Arg(1)->Arg(10)->Arg(100)->Unit(benchmark::kMillisecond);

// 100 patchable functions in this binary.
#define HOTC_FN(N) extern "C" __attribute__((noinline)) int bench_fn_##N() { asm volatile(""); return N; }
#define HOTC_FN10(T) HOTC_FN(T##0) HOTC_FN(T##1) HOTC_FN(T##2) HOTC_FN(T##3) HOTC_FN(T##4) \
  HOTC_FN(T##5) HOTC_FN(T##6) HOTC_FN(T##7) HOTC_FN(T##8) HOTC_FN(T##9)
HOTC_FN10(1) HOTC_FN10(2) HOTC_FN10(3) HOTC_FN10(4) HOTC_FN10(5)
HOTC_FN10(6) HOTC_FN10(7) HOTC_FN10(8) HOTC_FN10(9) HOTC_FN10(10)
#define HOTC_ADDR(N) reinterpret_cast<uint64_t>(&bench_fn_##N),
#define HOTC_ADDR10(T) HOTC_ADDR(T##0) HOTC_ADDR(T##1) HOTC_ADDR(T##2) HOTC_ADDR(T##3) \
  HOTC_ADDR(T##4) HOTC_ADDR(T##5) HOTC_ADDR(T##6) HOTC_ADDR(T##7) HOTC_ADDR(T##8) HOTC_ADDR(T##9)
const uint64_t kFunctions[] = {HOTC_ADDR10(1) HOTC_ADDR10(2) HOTC_ADDR10(3)
    HOTC_ADDR10(4) HOTC_ADDR10(5) HOTC_ADDR10(6) HOTC_ADDR10(7) HOTC_ADDR10(8)
    HOTC_ADDR10(9) HOTC_ADDR10(10)};

extern "C" __attribute__((noinline)) int bench_target() { asm volatile(""); return -1; }

// Re-pointing N entries while W other threads spin, all stopped and
// released for each patch (the agent's side of a patch). With more busy
// threads than cores, a stop waits for the kernel to schedule each one.
void BM_PatchEntries(benchmark::State &State) {
  std::string Why;
  agent::WorldStop::installHandler(Why);
  std::atomic<bool> Stop{false};
  std::vector<std::thread> Workers;
  for (int I = 0; I < State.range(1); ++I)
    Workers.emplace_back([&] {
      while (!Stop)
        benchmark::DoNotOptimize(bench_fn_10());
    });
  agent::EntryPatcher P;
  std::vector<agent::EntryPatch> Patches;
  for (int I = 0; I < State.range(0); ++I)
    Patches.push_back({kFunctions[I], reinterpret_cast<uint64_t>(&bench_target), 64});
  uint64_t Version = 1;
  P.apply(Version, Patches); // first patch writes the entries; measured: re-points
  for (auto _ : State) {
    std::string Err = P.apply(++Version, Patches);
    if (!Err.empty())
      State.SkipWithError(Err.c_str());
  }
  Stop = true;
  for (auto &W : Workers)
    W.join();
}
BENCHMARK(BM_PatchEntries)
    ->ArgNames({"entries", "busy_threads"})
    ->Args({1, 1})->Args({100, 1})->Args({1, 4})->Args({100, 4})
    ->Unit(benchmark::kMicrosecond);

// What a frame loop pays for calling hotreload_safe_point() while no patch
// waits (agent/safe_point.cpp): the registers recorded, one atomic load.
void BM_SafePointNothingWaiting(benchmark::State &State) {
  for (auto _ : State)
    hotreload_safe_point();
}
BENCHMARK(BM_SafePointNothingWaiting)->Unit(benchmark::kNanosecond);

} // namespace

BENCHMARK_MAIN();
