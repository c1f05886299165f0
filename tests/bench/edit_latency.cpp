// The end-to-end latency harness: latency_app runs under
// `hotc watch --json --exec`; N one-function edits of its TU with nine
// standard headers are saved one after another. For each edit it records
// the time from the file write to the first call of the new code seen in
// the process, and the `ms` breakdown of the `patched` event.
//
// In the same run and on the same edits it measures what a developer pays
// without hotc: (a) `clang++-19 -c` of the whole TU with the build's flags;
// (b) `ninja` rebuild + relink + restart of the app until it prints its
// first line.
//
// Usage: hotc_edit_latency [EDITS] [DATA_FILE]   (default 20, no data file)
// DATA_FILE gets one line per edit: edit live_ms compile_ms restart_ms.
//
// Rapid mode, as editors that save while you type: hotc_edit_latency
// --rapid INTERVAL_MS [EDITS] saves an edit every INTERVAL_MS from `ready`
// on, never waiting for hotc (neither its patch nor its background rebuild
// and re-analysis), then reports write -> new code running for each value
// the process ran, and how many values were never run because a later save
// superseded them before their patch (coalesced into the next one).
#include "../e2e/live_harness.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <cstdio>

using namespace hotc::e2e;
using Clock = std::chrono::steady_clock;

namespace {

// Monotonic ns at which the app first saw Value, or -1.
long long seenAt(const std::string &Log, int Value) {
  std::ifstream In(Log);
  std::string Line;
  std::string Want = "value=" + std::to_string(Value) + " ";
  while (std::getline(In, Line))
    if (Line.rfind(Want, 0) == 0)
      return std::stoll(Line.substr(Line.find("ns=") + 3));
  return -1;
}

double msOf(Clock::time_point T) {
  return std::chrono::duration<double, std::milli>(Clock::now() - T).count();
}

// The build's compile command of heavy.cpp, with clang++-19 as the compiler
// and the object thrown away.
std::string clangCommand(const FixtureProject &P) {
  std::ifstream In(P.BuildDir + "/compile_commands.json");
  std::stringstream Buf;
  Buf << In.rdbuf();
  auto DB = llvm::json::parse(Buf.str());
  if (!DB) {
    llvm::consumeError(DB.takeError());
    return "";
  }
  for (const llvm::json::Value &E : *DB->getAsArray()) {
    const llvm::json::Object *O = E.getAsObject();
    if (!O->getString("file")->ends_with("heavy.cpp"))
      continue;
    std::string Cmd = O->getString("command")->str();
    Cmd = "cd '" + O->getString("directory")->str() + "' && clang++-19" +
          Cmd.substr(Cmd.find(' '));
    size_t Out = Cmd.find(" -o ");
    size_t End = Cmd.find(' ', Out + 4);
    return Cmd.substr(0, Out) + " -o /dev/null" + Cmd.substr(End);
  }
  return "";
}

// Rebuilds with ninja and starts a fresh app until its first line, in a
// build directory of its own (hotc keeps P.BuildDir in step itself).
double rebuildAndRestart(const FixtureProject &P, const std::string &Build,
                         int Value) {
  auto Start = Clock::now();
  if (shell("ninja -C '" + Build + "' > /dev/null") != 0)
    return -1;
  std::string Log = P.path("restart.log");
  std::remove(Log.c_str());
  std::string Pid = P.path("restart.pid");
  shell("'" + Build + "/latency_app' '" + Log + "' & echo $! > '" + Pid + "'");
  double Ms = -1;
  for (auto Deadline = Clock::now() + 10s; Ms < 0 && Clock::now() < Deadline;) {
    if (seenAt(Log, Value) >= 0)
      Ms = msOf(Start);
    else
      std::this_thread::sleep_for(100us);
  }
  shell("kill $(cat '" + Pid + "')");
  return Ms;
}

double percentile(std::vector<double> V, double P) {
  std::sort(V.begin(), V.end());
  size_t I = std::min(V.size() - 1, static_cast<size_t>(P * (V.size() - 1) + 0.5));
  return V[I];
}

long long nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             Clock::now().time_since_epoch())
      .count();
}

// latency_app under `hotc watch --json --exec`, ready; null after saying
// why not.
std::unique_ptr<HotcProcess> startWatch(const FixtureProject &P,
                                        const std::string &Log) {
  auto Hotc = std::make_unique<HotcProcess>(
      std::vector<std::string>{"watch", "-p", P.BuildDir, "--json", "--exec",
                               P.BuildDir + "/latency_app", Log},
      P.Dir);
  if (Hotc->waitEvent("ready", 120s))
    return Hotc;
  fprintf(stderr, "hotc did not get ready:\n%s", Hotc->history().c_str());
  return nullptr;
}

int runRapid(int IntervalMs, int Edits) {
  FixtureProject P = FixtureProject::build("latency_app", "edit_latency_rapid");
  std::string Log = P.path("app.log");
  auto Watch = startWatch(P, Log);
  if (!Watch)
    return 1;
  HotcProcess &Hotc = *Watch;
  std::vector<long long> Written;
  std::string Current = "int probe_value() { return 0; }";
  auto Start = Clock::now();
  for (int I = 1; I <= Edits; ++I) {
    std::this_thread::sleep_until(Start + std::chrono::milliseconds(IntervalMs) * (I - 1));
    std::string Next = "int probe_value() { return " + std::to_string(I) + "; }";
    Written.push_back(nowNs());
    P.edit("heavy.cpp", Current, Next);
    Current = Next;
  }
  // The last value must run; earlier ones may have been coalesced.
  for (int Wait = 0; Wait < 30000 && seenAt(Log, Edits) < 0; ++Wait)
    std::this_thread::sleep_for(1ms);
  if (seenAt(Log, Edits) < 0) {
    fprintf(stderr, "the last edit never ran:\n%s", Hotc.history().c_str());
    return 1;
  }
  std::vector<double> Live;
  int Coalesced = 0;
  for (int I = 1; I <= Edits; ++I) {
    long long Seen = seenAt(Log, I);
    if (Seen < 0)
      ++Coalesced;
    else
      Live.push_back((Seen - Written[I - 1]) / 1e6);
  }
  printf("%d one-function edits of heavy.cpp saved %d ms apart, ms\n", Edits,
         IntervalMs);
  printf("%-34s %8s %8s %8s\n", "", "median", "p95", "max");
  printf("%-34s %8.1f %8.1f %8.1f\n", "write -> new code running",
         percentile(Live, 0.5), percentile(Live, 0.95), percentile(Live, 1.0));
  printf("values run: %zu, coalesced into a later patch: %d, patched events: %zu\n",
         Live.size(), Coalesced, Hotc.count("patched"));
  if (getenv("HOTC_LATENCY_EVENTS")) // what hotc said, for a closer look
    fprintf(stderr, "%s", Hotc.history().c_str());
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  if (argc > 2 && std::string(argv[1]) == "--rapid")
    return runRapid(atoi(argv[2]), argc > 3 ? atoi(argv[3]) : 40);
  int Edits = argc > 1 ? atoi(argv[1]) : 20;
  FixtureProject P = FixtureProject::build("latency_app", "edit_latency");
  std::string Log = P.path("app.log");
  auto Watch = startWatch(P, Log);
  if (!Watch)
    return 1;
  HotcProcess &Hotc = *Watch;
  std::string RestartBuild = P.Dir + "/build-restart";
  if (shell("cmake -S '" + P.Dir + "' -B '" + RestartBuild +
            "' -G Ninja -DCMAKE_BUILD_TYPE=Debug > /dev/null && ninja -C '" +
            RestartBuild + "' > /dev/null") != 0) {
    fprintf(stderr, "cannot build the restart baseline\n");
    return 1;
  }
  std::vector<double> Live, Total, Compile, Link, Patch, Plan, Clang, Restart;
  std::string ClangCmd = clangCommand(P);
  if (ClangCmd.empty()) {
    fprintf(stderr, "no compile command for heavy.cpp\n");
    return 1;
  }
  std::string Current = "int probe_value() { return 0; }";
  for (int I = 1; I <= Edits; ++I) {
    std::string Next = "int probe_value() { return " + std::to_string(I) + "; }";
    long long Written = nowNs();
    P.edit("heavy.cpp", Current, Next);
    Current = Next;
    auto E = Hotc.waitEvent("patched", 60s);
    if (!E) {
      fprintf(stderr, "edit %d was not patched:\n%s", I, Hotc.history().c_str());
      return 1;
    }
    long long Seen = -1;
    for (int Wait = 0; Wait < 2000 && Seen < 0; ++Wait) {
      Seen = seenAt(Log, I);
      if (Seen < 0)
        std::this_thread::sleep_for(1ms);
    }
    const llvm::json::Object *Ms = E->getObject("ms");
    Live.push_back((Seen - Written) / 1e6);
    Total.push_back(*Ms->getNumber("total"));
    Compile.push_back(*Ms->getNumber("compile"));
    Link.push_back(*Ms->getNumber("link"));
    Patch.push_back(*Ms->getNumber("patch"));
    Plan.push_back(Ms->getNumber("plan").value_or(-1));
    // hotc's own rebuild of the build on disk runs in the background: let
    // it finish, so that it neither slows nor helps the baselines.
    Hotc.waitEvent("rebuilt|error", 60s);
    auto C = Clock::now();
    if (shell(ClangCmd) != 0) {
      fprintf(stderr, "clang++-19 failed: %s\n", ClangCmd.c_str());
      return 1;
    }
    Clang.push_back(msOf(C));
    Restart.push_back(rebuildAndRestart(P, RestartBuild, I));
    std::this_thread::sleep_for(150ms); // let the file settle between edits
  }
  printf("%d one-function edits of heavy.cpp (9 standard headers), ms\n", Edits);
  printf("%-34s %8s %8s\n", "", "median", "p95");
  auto Row = [](const char *Name, const std::vector<double> &V) {
    printf("%-34s %8.1f %8.1f\n", Name, percentile(V, 0.5), percentile(V, 0.95));
  };
  Row("write -> new code running", Live);
  Row("save plan (before ms.total)", Plan);
  Row("patched event ms.total", Total);
  Row("  ms.compile", Compile);
  Row("  ms.link", Link);
  Row("  ms.patch", Patch);
  Row("(a) clang++-19 -c of the TU", Clang);
  Row("(b) ninja + relink + restart", Restart);
  printf("median ratios: (a)/hotc %.1fx, (b)/hotc %.1fx\n",
         percentile(Clang, 0.5) / percentile(Live, 0.5),
         percentile(Restart, 0.5) / percentile(Live, 0.5));
  if (argc > 2) {
    std::ofstream Data(argv[2]);
    Data << "# edit hotc_ms clang_ms restart_ms\n";
    for (size_t I = 0; I < Live.size(); ++I)
      Data << I + 1 << " " << Live[I] << " " << Clang[I] << " " << Restart[I]
           << "\n";
  }
  return 0;
}
