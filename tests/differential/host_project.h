// The differential host as a CMake project generated from the scenarios:
// one unit per scenario, the probe loop and the probe table.
#pragma once

#include "scenario_table.h"

#include <set>
#include <string>
#include <vector>

namespace hotc::differential {

// One way the host is built: compiler family and optimisation.
struct HostBuild {
  std::string Name;      // "gcc-O0", ...
  std::string CCompiler; // gcc, clang-19
  std::string CxxCompiler;
  std::string BuildType; // Debug (-O0 -g) or RelWithDebInfo (-O2 -g)
};

// gcc-O0, gcc-O2, clang-O0, clang-O2.
const std::vector<HostBuild> &hostBuilds();
const HostBuild *findHostBuild(const std::string &Name);

struct HostProject {
  std::string Dir;      // sources
  std::string BuildDir; // Dir/build
  std::string executable() const { return BuildDir + "/dhost"; }
  std::string unitPath(const Scenario &S) const { return Dir + "/" + S.unitFile(); }
};

// Writes the project into Dir (emptied first): each scenario's unit with its
// `after` code when its name is in Edited, else its `before` code.
HostProject writeHostProject(const std::string &Dir,
                             const std::vector<Scenario> &Scenarios,
                             const std::set<std::string> &Edited);

// Configures (once) and builds the project with -k 0. The scenarios whose
// unit failed to compile are returned in Failed; false when the build failed
// for any other reason (Log names the log file).
bool buildHostProject(const HostProject &P, const HostBuild &B,
                      const std::string &Launcher,
                      std::set<std::string> &Failed, std::string &Log);

} // namespace hotc::differential
