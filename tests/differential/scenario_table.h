// The differential corpus as data: scenarios parsed from scenarios/*.scn
// (format in README.md beside this file).
#pragma once

#include <string>
#include <vector>

namespace hotc::differential {

enum class Language { C, Cxx };

struct Scenario {
  std::string Name;
  std::string Checks;     // what it checks, in words
  std::string SourceFile; // the .scn file and line it was read from
  int Line = 0;
  Language Lang = Language::Cxx;
  int WarmProbes = 1;  // calls before the edit
  int AfterProbes = 1; // calls after the edit, compared with the oracle
  std::string Before;  // unit code below `#include "probe.h"`, @PROBE@ expanded
  std::string After;
  bool ExpectRefusal = false;
  std::string RefusalKind;    // the `error` event's kind
  std::string RefusalMessage; // a substring of its message
  std::vector<std::string> AllowedWarnings;

  std::string unitFile() const { return "s_" + Name + (Lang == Language::C ? ".c" : ".cpp"); }
  std::string probeFunction() const { return "probe_" + Name; }
  std::string where() const { return SourceFile + ":" + std::to_string(Line); }
};

// Every scenario of every *.scn file in Dir, in file-name order then file
// order. Errors (with file:line) go to Errors; a broken scenario is left out.
std::vector<Scenario> readScenarios(const std::string &Dir,
                                    std::vector<std::string> &Errors);

// The text of a unit: the probe header, then the scenario's Before or
// After code.
std::string unitText(const Scenario &S, bool Edited);

} // namespace hotc::differential
