// The failures the suite expects today (known_failures.txt): a listed
// failure keeps CI green while it is real; a change in either direction
// fails the suite until the list is updated.
#pragma once

#include "differential_run.h"

#include <string>
#include <vector>

namespace hotc::differential {

struct KnownFailure {
  std::string Build; // a build name, or "*"
  std::string Scenario;
  std::string Class;
  std::string Issue; // the issue that will fix it, e.g. "#11"
  int Line = 0;
};

std::vector<KnownFailure> readKnownFailures(const std::string &Path,
                                            std::vector<std::string> &Errors);

// The verdict on one build's outcomes against the list.
struct Verdict {
  int Passed = 0;
  std::vector<const ScenarioOutcome *> ExpectedFailures;
  std::vector<const ScenarioOutcome *> UnexpectedFailures;
  // Listed for this build, but passing or failing with another class.
  std::vector<std::string> StaleEntries;
};

Verdict judge(const std::string &Build, const std::vector<ScenarioOutcome> &Outcomes,
              const std::vector<KnownFailure> &Known);

// The summary printed after a build: counts by class, the listed failures,
// and every unexpected failure's detail.
std::string summarise(const std::string &Build, const RunReport &R,
                      const Verdict &V);

} // namespace hotc::differential
