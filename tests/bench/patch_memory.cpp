// The memory a long session costs: crash_app (GCC, -O0 -g) under
// `hotc watch --json --exec`, and N saves of the same function, each
// waited for until the process shows the new value. Every STEP patches it
// prints the resident memory of the app (its JIT code, trampolines and the
// agent's records) and of hotc; at the end, how many versions hotc freed
// (undo_depth, 64 by default) and what freeing them cost.
//
// Usage: hotc_patch_memory [PATCHES] [STEP]   (default 1000, 100)
#include "../e2e/live_harness.h"

#include <cstdio>
#include <fstream>
#include <string>

using namespace hotc::e2e;

namespace {

// VmRSS of Pid in kB, or -1.
long rssKb(int Pid) {
  std::ifstream In("/proc/" + std::to_string(Pid) + "/status");
  for (std::string Line; std::getline(In, Line);)
    if (Line.rfind("VmRSS:", 0) == 0)
      return std::stol(Line.substr(6));
  return -1;
}

} // namespace

int main(int argc, char **argv) {
  int Patches = argc > 1 ? std::atoi(argv[1]) : 1000;
  int Step = argc > 2 ? std::atoi(argv[2]) : 100;
  FixtureProject P = FixtureProject::build("crash_app", "patch_memory");
  AppLog Log(P.path("app.log"));
  HotcProcess Hotc({"watch", "-p", P.BuildDir, "--json", "--exec",
                    P.BuildDir + "/crash_app", P.path("app.log")},
                   P.Dir);
  if (!Hotc.waitEvent("ready", 120s) || !Log.waitStarted()) {
    fprintf(stderr, "hotc did not start:\n%s\n", Hotc.history().c_str());
    return 1;
  }
  if (shell("pgrep -P " + std::to_string(Hotc.pid()) + " > '" +
            P.path("pids") + "'") != 0)
    return 1;
  int App = std::stoi(P.read("pids"));
  printf("%8s %10s %10s\n", "patches", "app_kB", "hotc_kB");
  printf("%8d %10ld %10ld\n", 0, rssKb(App), rssKb(Hotc.pid()));
  std::string Was = "1";
  for (int I = 1; I <= Patches; ++I) {
    std::string Now = std::to_string(1000 + I);
    P.edit("crash.cpp", "on_main(int tick) { return " + Was + ";",
           "on_main(int tick) { return " + Now + ";");
    auto E = Hotc.waitEvent("patched|error", 60s);
    if (!E || E->getString("event") != "patched" ||
        !Log.waitFor([&](auto &L) { return L.at("main") == Now; })) {
      fprintf(stderr, "patch %d failed:\n%s\n", I, Hotc.history().c_str());
      return 1;
    }
    Was = Now;
    if (I % Step == 0) {
      printf("%8d %10ld %10ld\n", I, rssKb(App), rssKb(Hotc.pid()));
      fflush(stdout);
    }
  }
  // How many versions hotc freed, and what each freeing cost.
  shell("'" + hotcBinary() + "' status --json -p '" + P.BuildDir + "' > '" +
        P.path("status.json") + "'");
  auto Status = llvm::json::parse(P.read("status.json"));
  if (!Status || !Status->getAsObject()) {
    fprintf(stderr, "hotc status failed: %s\n", P.read("status.json").c_str());
    if (!Status)
      llvm::consumeError(Status.takeError()); // told above
    return 1;
  }
  const llvm::json::Object &S = *Status->getAsObject();
  const llvm::json::Object *R = S.getObject("release_ms");
  printf("versions freed %lld; freeing ran %lld times, p50 %.2f ms, max %.2f ms\n",
         static_cast<long long>(S.getInteger("versions_freed").value_or(-1)),
         static_cast<long long>(R ? R->getInteger("count").value_or(0) : 0),
         R ? R->getNumber("p50").value_or(0) : 0.0,
         R ? R->getNumber("max").value_or(0) : 0.0);
  return 0;
}
