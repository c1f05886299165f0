// The oracle: the host rebuilt from the edited sources with the build's own
// compiler, run from scratch with the same probe sequence as the live one.
#pragma once

#include "host_project.h"
#include "scenario_table.h"

#include <map>
#include <string>
#include <vector>

namespace hotc::differential {

// For each scenario that must patch: its probe called WARM + AFTER times in
// the oracle host; the last AFTER outputs. A scenario whose probe crashed or
// hung the oracle goes to Broken with the reason (the host is restarted for
// the others).
std::map<std::string, std::vector<std::string>>
runOracle(const HostProject &Oracle, const std::vector<Scenario> &Scenarios,
          const std::string &RunDir, std::map<std::string, std::string> &Broken);

} // namespace hotc::differential
