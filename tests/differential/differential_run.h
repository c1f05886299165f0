// One build of the differential host judged against its oracle: every
// scenario edited into a live process under `hotc watch`, its probe's
// output compared with the host rebuilt from the edited sources.
#pragma once

#include "host_project.h"
#include "scenario_table.h"

#include <string>
#include <vector>

namespace hotc::differential {

struct ScenarioOutcome {
  std::string Scenario;
  std::string Class;  // empty when it passed; else the failure class
  std::string Detail; // the edit, expected vs actual, hotc's events
  double Seconds = 0; // save -> hotc's answer
};

// What the live process is sent instead of the scenario's edit, to prove
// the oracle catches a wrong patch (its own test); None in the suite.
enum class Sabotage {
  None,
  CommentOnly,  // the process is never patched: the save changes a comment
  WrongLiteral, // a different patch: every out(" gains an 'x'
};

struct RunReport {
  std::vector<ScenarioOutcome> Outcomes;
  std::vector<std::string> Errors; // the run itself went wrong (no ready...)
  double Seconds = 0;
  // Over the patched saves: baselines compiled, and read from the store.
  int64_t BaselinesCompiled = 0, BaselinesRestored = 0;
};

// Runs every scenario against build B in WorkDir (reused between runs:
// the build directories stay, the sources are rewritten).
RunReport runDifferential(const HostBuild &B, const std::vector<Scenario> &All,
                          const std::string &WorkDir,
                          Sabotage Mode = Sabotage::None);

} // namespace hotc::differential
