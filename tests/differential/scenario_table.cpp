#include "scenario_table.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>

namespace hotc::differential {
namespace {

bool startsWith(const std::string &S, const std::string &P) {
  return S.compare(0, P.size(), P) == 0;
}

std::string trim(const std::string &S) {
  size_t B = S.find_first_not_of(" \t\r");
  size_t E = S.find_last_not_of(" \t\r");
  return B == std::string::npos ? "" : S.substr(B, E - B + 1);
}

std::string replaceAll(std::string Text, const std::string &From,
                       const std::string &To) {
  for (size_t At = 0; (At = Text.find(From, At)) != std::string::npos;
       At += To.size())
    Text.replace(At, From.size(), To);
  return Text;
}

// A block without @PROBE@ is the probe's body.
std::string expandBlock(const std::string &Block, const Scenario &S) {
  std::string Signature = (S.Lang == Language::Cxx ? "extern \"C\" void " : "void ") +
                          S.probeFunction() + "(void)";
  std::string Code = Block.find("@PROBE@") == std::string::npos
                         ? "@PROBE@ {\n" + Block + "}\n"
                         : Block;
  return replaceAll(Code, "@PROBE@", Signature);
}

bool isIdentifier(const std::string &S) {
  if (S.empty() || std::isdigit(static_cast<unsigned char>(S[0])))
    return false;
  return std::all_of(S.begin(), S.end(), [](char C) {
    return std::isalnum(static_cast<unsigned char>(C)) || C == '_';
  });
}

// One scenario's lines as written (header keys, then blocks).
struct RawScenario {
  Scenario S;
  std::string Before, After;
  bool HasBefore = false, HasAfter = false;
};

// Applies one header line; false (with Why) when it is not one.
bool readHeader(const std::string &Line, Scenario &S, std::string &Why) {
  size_t Colon = Line.find(':');
  if (Colon == std::string::npos) {
    Why = "expected KEY: VALUE, before: or after:";
    return false;
  }
  std::string Key = trim(Line.substr(0, Colon));
  std::string Value = trim(Line.substr(Colon + 1));
  if (Key == "checks") {
    S.Checks = Value;
  } else if (Key == "lang") {
    if (Value != "c" && Value != "c++") {
      Why = "lang is c or c++";
      return false;
    }
    S.Lang = Value == "c" ? Language::C : Language::Cxx;
  } else if (Key == "probes") {
    std::istringstream In(Value);
    if (!(In >> S.WarmProbes >> S.AfterProbes) || S.WarmProbes < 0 ||
        S.AfterProbes < 1) {
      Why = "probes: WARM AFTER, with AFTER >= 1";
      return false;
    }
  } else if (Key == "expect") {
    std::istringstream In(Value);
    std::string What;
    In >> What;
    if (What == "refused") {
      S.ExpectRefusal = true;
      In >> S.RefusalKind;
      std::getline(In, S.RefusalMessage);
      S.RefusalMessage = trim(S.RefusalMessage);
      if (S.RefusalKind.empty() || S.RefusalMessage.empty()) {
        Why = "expect: refused KIND MESSAGE";
        return false;
      }
    } else if (What != "patched") {
      Why = "expect: patched or refused KIND MESSAGE";
      return false;
    }
  } else if (Key == "warn") {
    S.AllowedWarnings.push_back(Value);
  } else {
    Why = "unknown key '" + Key + "'";
    return false;
  }
  return true;
}

std::string finish(RawScenario &R) {
  if (!isIdentifier(R.S.Name))
    return "scenario name '" + R.S.Name + "' is not a C identifier";
  if (R.S.Checks.empty())
    return "no checks: line";
  if (!R.HasAfter)
    return "no after: block";
  R.S.Before = expandBlock(R.HasBefore ? R.Before : "  out(\"base\");\n", R.S);
  R.S.After = expandBlock(R.After, R.S);
  return "";
}

void readFile(const std::filesystem::path &File, std::vector<Scenario> &Out,
              std::vector<std::string> &Errors) {
  std::ifstream In(File);
  std::string Line;
  int LineNo = 0;
  std::optional<RawScenario> Cur;
  std::string *Block = nullptr;
  bool Broken = false;
  auto Flush = [&] {
    if (Cur && !Broken) {
      if (std::string Why = finish(*Cur); Why.empty())
        Out.push_back(Cur->S);
      else
        Errors.push_back(Cur->S.where() + ": " + Why);
    }
    Cur.reset();
    Block = nullptr;
    Broken = false;
  };
  while (std::getline(In, Line)) {
    ++LineNo;
    if (startsWith(Line, "== ")) {
      Flush();
      Cur.emplace();
      Cur->S.Name = trim(Line.substr(3));
      Cur->S.SourceFile = File.filename().string();
      Cur->S.Line = LineNo;
      continue;
    }
    if (!Cur)
      continue; // the file's preamble
    std::string T = trim(Line);
    if (T == "before:" || T == "after:") {
      bool IsBefore = T == "before:";
      (IsBefore ? Cur->HasBefore : Cur->HasAfter) = true;
      Block = IsBefore ? &Cur->Before : &Cur->After;
      continue;
    }
    if (Block) {
      *Block += Line + "\n";
      continue;
    }
    if (T.empty() || T[0] == '#')
      continue;
    std::string Why;
    if (!readHeader(T, Cur->S, Why)) {
      Errors.push_back(File.filename().string() + ":" + std::to_string(LineNo) +
                       ": " + Why);
      Broken = true;
    }
  }
  Flush();
}

} // namespace

std::vector<Scenario> readScenarios(const std::string &Dir,
                                    std::vector<std::string> &Errors) {
  std::vector<std::filesystem::path> Files;
  for (const auto &E : std::filesystem::directory_iterator(Dir))
    if (E.path().extension() == ".scn")
      Files.push_back(E.path());
  std::sort(Files.begin(), Files.end());
  std::vector<Scenario> Out;
  for (const auto &F : Files)
    readFile(F, Out, Errors);
  std::set<std::string> Seen;
  std::vector<Scenario> Unique;
  for (Scenario &S : Out) {
    if (!Seen.insert(S.Name).second) {
      Errors.push_back(S.where() + ": scenario '" + S.Name + "' is defined twice");
      continue;
    }
    Unique.push_back(std::move(S));
  }
  return Unique;
}

std::string unitText(const Scenario &S, bool Edited) {
  return "#include \"probe.h\"\n" + (Edited ? S.After : S.Before);
}

} // namespace hotc::differential
