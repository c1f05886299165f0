// The end-to-end latency harness: latency_app runs under
// `hotc watch --json --exec`; N one-function edits of its TU with nine
// standard headers are saved one after another. For each edit it records
// the time from the file write to the first call of the new code seen in
// the process, and the `ms` breakdown of the `patched` event.
//
// Usage: hotc_edit_latency [EDITS]   (default 20)
#include "../e2e/live_harness.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <sstream>

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

} // namespace

int main(int argc, char **argv) {
  int Edits = argc > 1 ? atoi(argv[1]) : 20;
  FixtureProject P = FixtureProject::build("latency_app", "edit_latency");
  std::string Log = P.path("app.log");
  HotcProcess Hotc({"watch", "-p", P.BuildDir, "--json", "--exec",
                    P.BuildDir + "/latency_app", Log},
                   P.Dir);
  if (!Hotc.waitEvent("ready", 120s)) {
    fprintf(stderr, "hotc did not get ready:\n%s", Hotc.history().c_str());
    return 1;
  }
  std::vector<double> Live, Total, Compile, Link, Patch;
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
    std::this_thread::sleep_for(150ms); // let the file settle between edits
  }
  printf("%d one-function edits of heavy.cpp (9 standard headers), ms\n", Edits);
  printf("%-34s %8s %8s\n", "", "median", "p95");
  auto Row = [](const char *Name, const std::vector<double> &V) {
    printf("%-34s %8.1f %8.1f\n", Name, percentile(V, 0.5), percentile(V, 0.95));
  };
  Row("write -> new code running", Live);
  Row("patched event ms.total", Total);
  Row("  ms.compile", Compile);
  Row("  ms.link", Link);
  Row("  ms.patch", Patch);
  return 0;
}
