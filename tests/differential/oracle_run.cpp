#include "oracle_run.h"

#include "probe_client.h"

#include "../e2e/live_harness.h"

#include <filesystem>
#include <memory>

namespace hotc::differential {
using namespace std::chrono_literals;

namespace {

struct OracleHost {
  std::unique_ptr<ProbeClient> Probe;
  std::unique_ptr<e2e::BackgroundCommand> Process;

  bool start(const HostProject &Oracle, const std::string &RunDir) {
    Process.reset();
    Probe = std::make_unique<ProbeClient>(RunDir);
    Process = std::make_unique<e2e::BackgroundCommand>(
        "exec '" + Oracle.executable() + "' '" + Probe->controlPath() + "' '" +
            Probe->answerPath() + "'",
        RunDir + "/host.log");
    return Probe->waitHello(30s);
  }
};

} // namespace

std::map<std::string, std::vector<std::string>>
runOracle(const HostProject &Oracle, const std::vector<Scenario> &Scenarios,
          const std::string &RunDir, std::map<std::string, std::string> &Broken) {
  std::map<std::string, std::vector<std::string>> Expected;
  std::filesystem::create_directories(RunDir);
  OracleHost Host;
  bool Up = Host.start(Oracle, RunDir);
  for (const Scenario &S : Scenarios) {
    if (S.ExpectRefusal)
      continue;
    if (!Up) {
      Broken[S.Name] = "the oracle host does not start";
      continue;
    }
    std::vector<std::string> Outputs;
    std::string Why;
    for (int I = 0; I < S.WarmProbes + S.AfterProbes; ++I) {
      auto A = Host.Probe->probe(S.Name, 20s, Why);
      if (!A) {
        Broken[S.Name] = "the oracle: " + Why;
        break;
      }
      if (I >= S.WarmProbes)
        Outputs.push_back(A->Output);
    }
    if (Broken.count(S.Name)) {
      Up = Host.start(Oracle, RunDir);
      continue;
    }
    Expected[S.Name] = std::move(Outputs);
  }
  if (Host.Probe)
    Host.Probe->quit();
  return Expected;
}

} // namespace hotc::differential
