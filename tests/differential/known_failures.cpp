#include "known_failures.h"

#include <fstream>
#include <map>
#include <sstream>

namespace hotc::differential {

std::vector<KnownFailure> readKnownFailures(const std::string &Path,
                                            std::vector<std::string> &Errors) {
  std::vector<KnownFailure> Out;
  std::ifstream In(Path);
  if (!In)
    Errors.push_back(Path + ": cannot be read");
  int LineNo = 0;
  for (std::string Line; std::getline(In, Line);) {
    ++LineNo;
    if (size_t Hash = Line.find('#'); Hash != std::string::npos &&
                                      (Hash == 0 || Line[Hash - 1] == ' ') &&
                                      Line.find_first_not_of(" \t") == Hash)
      continue; // a comment line
    std::istringstream S(Line);
    KnownFailure K;
    K.Line = LineNo;
    if (!(S >> K.Build))
      continue; // blank
    if (!(S >> K.Scenario >> K.Class >> K.Issue)) {
      Errors.push_back(Path + ":" + std::to_string(LineNo) +
                       ": expected BUILD SCENARIO CLASS ISSUE");
      continue;
    }
    Out.push_back(K);
  }
  return Out;
}

Verdict judge(const std::string &Build, const std::vector<ScenarioOutcome> &Outcomes,
              const std::vector<KnownFailure> &Known) {
  Verdict V;
  std::map<std::string, const KnownFailure *> Listed;
  for (const KnownFailure &K : Known)
    if (K.Build == "*" || K.Build == Build)
      Listed[K.Scenario] = &K; // a build-specific line after "*" wins
  for (const ScenarioOutcome &O : Outcomes) {
    auto It = Listed.find(O.Scenario);
    if (O.Class.empty()) {
      ++V.Passed;
      if (It != Listed.end())
        V.StaleEntries.push_back(O.Scenario + " is listed (" + It->second->Class +
                                 ", known_failures.txt:" + std::to_string(It->second->Line) +
                                 ") but passes on " + Build + ": remove the line");
      continue;
    }
    if (It != Listed.end() && It->second->Class == O.Class) {
      V.ExpectedFailures.push_back(&O);
      continue;
    }
    V.UnexpectedFailures.push_back(&O);
    if (It != Listed.end())
      V.StaleEntries.push_back(O.Scenario + " is listed as " + It->second->Class +
                               " but fails as " + O.Class + " on " + Build);
  }
  return V;
}

std::string summarise(const std::string &Build, const RunReport &R,
                      const Verdict &V) {
  std::ostringstream S;
  std::map<std::string, int> ByClass;
  for (const ScenarioOutcome &O : R.Outcomes)
    if (!O.Class.empty())
      ++ByClass[O.Class];
  S << "differential " << Build << ": " << V.Passed << " of " << R.Outcomes.size()
    << " scenarios pass (" << V.ExpectedFailures.size() << " known failures, "
    << V.UnexpectedFailures.size() << " unexpected) in " << static_cast<int>(R.Seconds)
    << " s\n";
  for (const auto &[Class, N] : ByClass)
    S << "  " << Class << ": " << N << "\n";
  S << "  baselines: " << R.BaselinesCompiled << " compiled, " << R.BaselinesRestored
    << " read from the baseline store\n";
  for (const std::string &E : R.Errors)
    S << "run error: " << E << "\n";
  if (!V.ExpectedFailures.empty()) {
    S << "known failures (known_failures.txt):\n";
    for (const ScenarioOutcome *O : V.ExpectedFailures)
      S << "  " << O->Scenario << " " << O->Class << "\n";
  }
  for (const std::string &E : V.StaleEntries)
    S << "stale list entry: " << E << "\n";
  for (const ScenarioOutcome *O : V.UnexpectedFailures)
    S << "FAILED [" << O->Class << "] " << O->Detail << "\n";
  return S.str();
}

} // namespace hotc::differential
