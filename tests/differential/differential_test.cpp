// The differential suite (CTest label `differential`): every scenario of
// scenarios/*.scn on each host build, judged by the oracle, against the
// known failures; and a test that the oracle catches a wrong patch.
//
// HOTC_DIFF_ONLY=REGEX runs only the scenarios whose name matches (for
// working on a few; the known-failure check then covers only those);
// HOTC_DIFF_SCENARIOS=DIR reads the scenarios from DIR instead.
#include "known_failures.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <regex>

namespace hotc::differential {
namespace {

std::vector<Scenario> corpus() {
  std::vector<std::string> Errors;
  const char *Dir = std::getenv("HOTC_DIFF_SCENARIOS"); // another corpus
  std::vector<Scenario> All = readScenarios(
      Dir ? Dir : std::string(HOTC_DIFFERENTIAL_DIR) + "/scenarios", Errors);
  for (const std::string &E : Errors)
    ADD_FAILURE() << E;
  if (const char *Only = std::getenv("HOTC_DIFF_ONLY")) {
    std::regex Re(Only);
    std::erase_if(All, [&](const Scenario &S) { return !std::regex_search(S.Name, Re); });
  }
  return All;
}

std::string workDir(const std::string &Name) {
  return std::string(HOTC_DIFFERENTIAL_WORK) + "/" + Name;
}

// Each outcome as one line (BUILD SCENARIO CLASS SECONDS), for the list
// and for docs/testing.md.
void writeResults(const std::string &Build, const RunReport &R) {
  std::ofstream Out(workDir(Build) + "/results.txt");
  for (const ScenarioOutcome &O : R.Outcomes)
    Out << Build << " " << O.Scenario << " " << (O.Class.empty() ? "pass" : O.Class)
        << " " << O.Seconds << "\n";
  std::ofstream Details(workDir(Build) + "/failures.txt");
  for (const ScenarioOutcome &O : R.Outcomes)
    if (!O.Class.empty())
      Details << "[" << O.Class << "] " << O.Detail << "\n";
}

class Differential : public ::testing::TestWithParam<std::string> {};

TEST_P(Differential, Corpus) {
  const HostBuild *B = findHostBuild(GetParam());
  ASSERT_NE(B, nullptr);
  std::vector<Scenario> All = corpus();
  ASSERT_FALSE(All.empty());
  std::vector<std::string> Errors;
  auto Known = readKnownFailures(std::string(HOTC_DIFFERENTIAL_DIR) + "/known_failures.txt", Errors);
  for (const std::string &E : Errors)
    ADD_FAILURE() << E;
  RunReport R = runDifferential(*B, All, workDir(B->Name));
  writeResults(B->Name, R);
  if (std::getenv("HOTC_DIFF_ONLY")) // a subset: only what ran is judged
    std::erase_if(Known, [&](const KnownFailure &K) {
      return std::none_of(All.begin(), All.end(),
                          [&](const Scenario &S) { return S.Name == K.Scenario; });
    });
  Verdict V = judge(B->Name, R.Outcomes, Known);
  std::cout << summarise(B->Name, R, V) << std::flush;
  EXPECT_TRUE(R.Errors.empty());
  EXPECT_TRUE(V.UnexpectedFailures.empty())
      << V.UnexpectedFailures.size() << " unexpected failures (above)";
  EXPECT_TRUE(V.StaleEntries.empty()) << "known_failures.txt is out of date (above)";
}

INSTANTIATE_TEST_SUITE_P(Hosts, Differential,
                         ::testing::Values("gcc-O0", "gcc-O2", "clang-O0", "clang-O2"),
                         [](const auto &Info) {
                           std::string N = Info.param;
                           std::replace(N.begin(), N.end(), '-', '_');
                           return N;
                         });

// The judge itself: a scenario that passes with a faithful patch must fail
// when the live process is not patched, or is patched with other code.
Scenario oracleProbe() {
  Scenario S;
  S.Name = "oracle_self_test";
  S.Checks = "the oracle catches a wrong patch";
  S.SourceFile = "differential_test.cpp";
  S.WarmProbes = 1;
  S.AfterProbes = 2;
  S.Before = "extern \"C\" void probe_oracle_self_test(void) {\n  out(\"base\");\n}\n";
  S.After = "static int twice(int x) { return 2 * x; }\n"
            "extern \"C\" void probe_oracle_self_test(void) {\n"
            "  out(\"new %d\", twice(21));\n}\n";
  return S;
}

TEST(DifferentialOracle, CatchesAWrongPatch) {
  std::vector<Scenario> One = {oracleProbe()};
  const HostBuild &B = *findHostBuild("gcc-O0");
  std::string Dir = workDir("oracle-self-test");
  RunReport Faithful = runDifferential(B, One, Dir);
  for (const std::string &E : Faithful.Errors)
    ADD_FAILURE() << E;
  ASSERT_EQ(Faithful.Outcomes.size(), 1u);
  EXPECT_EQ(Faithful.Outcomes[0].Class, "") << Faithful.Outcomes[0].Detail;

  RunReport NotPatched = runDifferential(B, One, Dir, Sabotage::CommentOnly);
  ASSERT_EQ(NotPatched.Outcomes.size(), 1u);
  EXPECT_NE(NotPatched.Outcomes[0].Class, "") << "a process left unpatched passed";
  std::cout << "not patched: [" << NotPatched.Outcomes[0].Class << "]\n"
            << NotPatched.Outcomes[0].Detail;

  RunReport Wrong = runDifferential(B, One, Dir, Sabotage::WrongLiteral);
  ASSERT_EQ(Wrong.Outcomes.size(), 1u);
  EXPECT_EQ(Wrong.Outcomes[0].Class, "wrong-output") << Wrong.Outcomes[0].Detail;
  std::cout << "patched with other code: [" << Wrong.Outcomes[0].Class << "]\n"
            << Wrong.Outcomes[0].Detail;
}

} // namespace
} // namespace hotc::differential
