#include "differential_run.h"

#include "oracle_run.h"
#include "probe_client.h"

#include "../e2e/live_harness.h"

#include "llvm/Support/FormatVariadic.h"

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <sstream>

namespace hotc::differential {
namespace fs = std::filesystem;
using namespace std::chrono_literals;
using e2e::HotcProcess;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::chrono::seconds ProbeTimeout{20};
// A save of a unit whose new #include is <regex> compiles for seconds, cold;
// at -O2 on 2 cores shared with another build it took over 60 s once
// (regex_replace_format, clang-O2, answered on the revert).
constexpr std::chrono::seconds SaveTimeout{150};
// `ready` waits for the baseline of every unit (one per scenario).
constexpr std::chrono::seconds ReadyTimeout{900};

std::string show(const llvm::json::Object &E) {
  return llvm::formatv("{0}", llvm::json::Value(llvm::json::Object(E))).str();
}

std::string joined(const std::vector<std::string> &Outputs) {
  std::string S;
  for (size_t I = 0; I < Outputs.size(); ++I)
    S += "    [" + std::to_string(I + 1) + "] " +
         (Outputs[I].empty() ? "(nothing)\n" : Outputs[I]);
  return S;
}

// Whether event E answers a save of Unit: it names Unit (in `files`, or
// as its `file` for an ignored save), or names no file at all (the process
// exited; an error of the whole patch).
bool isAbout(const llvm::json::Object &E, const std::string &Unit) {
  if (E.getString("event") == "exited")
    return true;
  const llvm::json::Array *Files = E.getArray("files");
  auto File = E.getString("file");
  if (Files)
    for (const llvm::json::Value &F : *Files)
      if (F.getAsString() == Unit)
        return true;
  if (File && *File == Unit)
    return true;
  // A compile error names the file of its first diagnostic (a header,
  // maybe): errors are answers unless they name another unit of the host.
  if (E.getString("event") == "error")
    return !File || File->find("/s_") == llvm::StringRef::npos;
  return !Files && !File;
}

// Writes a whole file through a rename, as editors do.
void saveFile(const std::string &Path, const std::string &Text) {
  std::string Tmp = Path + ".tmp-edit";
  std::ofstream(Tmp) << Text;
  fs::rename(Tmp, Path);
}

// What the live process is sent for scenario S.
std::string liveEdit(const Scenario &S, Sabotage Mode) {
  std::string Text = unitText(S, true);
  if (Mode == Sabotage::CommentOnly)
    return unitText(S, false) + "/* edited */\n";
  if (Mode == Sabotage::WrongLiteral)
    for (size_t At = 0; (At = Text.find("out(\"", At)) != std::string::npos; At += 6)
      Text.insert(At + 5, "x");
  return Text;
}

// The host under `hotc watch --exec`, with its probe channel.
class LiveSession {
public:
  LiveSession(HostProject P, std::string RunDir)
      : Project(std::move(P)), RunDir(std::move(RunDir)) {}

  bool start(std::string &Why) {
    Probe = std::make_unique<ProbeClient>(RunDir);
    Hotc = std::make_unique<HotcProcess>(
        std::vector<std::string>{"watch", "-p", Project.BuildDir, "--json",
                                 "--exec", Project.executable(),
                                 Probe->controlPath(), Probe->answerPath()},
        Project.Dir);
    Hotc->FailOnMissed = false; // classified per scenario instead
    if (!Hotc->waitEvent("ready", ReadyTimeout)) {
      Why = "no `ready` from hotc watch:\n" + Hotc->history();
      return false;
    }
    if (!Probe->waitHello(30s)) {
      Why = "the host did not start under hotc watch:\n" + Hotc->history();
      return false;
    }
    return true;
  }

  void stop() {
    if (Probe)
      Probe->quit();
    Hotc.reset(); // kills hotc and the host
  }

  // The answer of hotc to the save of Unit just made: patched, unchanged,
  // error (not of the background rebuild), ignored, or exited. Answers
  // about other files (a late event of an earlier save) are skipped.
  std::optional<llvm::json::Object> waitSaveResult(const std::string &Unit) {
    auto Deadline = Clock::now() + SaveTimeout;
    while (Clock::now() < Deadline) {
      auto E = Hotc->waitEvent("patched|unchanged|error|ignored|exited",
                               Deadline - Clock::now());
      if (!E)
        return std::nullopt;
      if (E->getString("event") == "error" && E->getString("kind") == "rebuild")
        continue;
      if (isAbout(*E, Unit)) {
        if (const llvm::json::Object *B = E->getObject("baselines")) {
          BaselinesCompiled += B->getInteger("compiled").value_or(0);
          BaselinesRestored += B->getInteger("restored").value_or(0);
        }
        return E;
      }
    }
    return std::nullopt;
  }

  // Baselines hotc loaded for the saves so far: compiled, or read from the
  // baseline store (a run after another of the same hotc and host build).
  int64_t BaselinesCompiled = 0, BaselinesRestored = 0;

  HostProject Project;
  std::string RunDir;
  std::unique_ptr<ProbeClient> Probe;
  std::unique_ptr<HotcProcess> Hotc;
  long LastTicks = -1; // of this host process
};

// One scenario's probes; false (with Why) when the host died or hung.
bool probeTimes(LiveSession &L, const Scenario &S, int Times,
                std::vector<std::string> &Outputs, std::string &Why) {
  for (int I = 0; I < Times; ++I) {
    auto A = L.Probe->probe(S.Name, ProbeTimeout, Why);
    if (!A)
      return false;
    if (A->Ticks < L.LastTicks) {
      Why = "state-lost: ticks went from " + std::to_string(L.LastTicks) +
            " to " + std::to_string(A->Ticks);
      return false;
    }
    L.LastTicks = A->Ticks;
    Outputs.push_back(A->Output);
  }
  return true;
}

// The class of a probe failure: the host gone, state lost, or no answer.
std::string probeFailureClass(LiveSession &L, const std::string &Why) {
  if (Why.rfind("state-lost", 0) == 0)
    return "state-lost";
  return L.Probe->hostAlive() ? "hang" : "crash";
}

// Checks hotc's answer to a save that must patch; returns the class.
std::string classifyPatch(const Scenario &S, const llvm::json::Object &E,
                          std::string &Detail) {
  Detail += "  hotc: " + show(E) + "\n";
  std::string Event = E.getString("event").value_or("").str();
  if (Event == "error")
    return E.getString("kind").value_or("error").str();
  if (Event == "exited")
    return "crash";
  if (Event != "patched")
    return Event; // unchanged, ignored
  if (const llvm::json::Array *Missed = E.getArray("missed"); Missed && !Missed->empty())
    return "missed";
  if (const llvm::json::Array *Warnings = E.getArray("warnings"))
    for (const llvm::json::Value &W : *Warnings) {
      std::string Text = W.getAsString().value_or("").str();
      bool Allowed = false;
      for (const std::string &A : S.AllowedWarnings)
        Allowed |= Text.find(A) != std::string::npos;
      if (!Allowed)
        return "warning";
    }
  return "";
}

// Checks hotc's answer to a save that must be refused; returns the class.
std::string classifyRefusal(const Scenario &S, const llvm::json::Object &E,
                            std::string &Detail) {
  Detail += "  hotc: " + show(E) + "\n";
  std::string Event = E.getString("event").value_or("").str();
  if (Event == "exited")
    return "crash";
  if (Event == "patched")
    return "not-refused";
  if (Event != "error" || E.getString("kind") != S.RefusalKind ||
      E.getString("message").value_or("").find(S.RefusalMessage) == llvm::StringRef::npos) {
    Detail += "  expected: error of kind " + S.RefusalKind + " with '" +
              S.RefusalMessage + "'\n";
    return "wrong-refusal";
  }
  return "";
}

std::string header(const Scenario &S, const HostBuild &B) {
  return S.Name + " (" + S.where() + ", " + B.Name + "): " + S.Checks + "\n";
}

} // namespace

namespace {

// Runs one scenario in the live session. NeedRestart: the host died or hung.
ScenarioOutcome runScenario(LiveSession &L, const Scenario &S,
                            const std::vector<std::string> &Expected,
                            Sabotage Mode, bool &NeedRestart) {
  ScenarioOutcome O{S.Name, "", "", 0};
  std::vector<std::string> Warm, After;
  std::string Why;
  auto Fail = [&](const std::string &Class, const std::string &Text) {
    if (O.Class.empty())
      O.Class = Class;
    O.Detail += Text;
  };
  int WarmProbes = S.ExpectRefusal ? std::max(1, S.WarmProbes) : S.WarmProbes;
  if (!probeTimes(L, S, WarmProbes, Warm, Why)) {
    Fail(probeFailureClass(L, Why), "  before the edit: " + Why + "\n");
    NeedRestart = true;
    return O;
  }
  // Patched code that crashes is rolled back and the host lives on
  // (on_crash = "rollback"): the `crashed` event is the crash.
  size_t CrashesBefore = L.Hotc->count("crashed");
  saveFile(L.Project.unitPath(S),
           S.ExpectRefusal ? unitText(S, true) : liveEdit(S, Mode));
  auto Saved = Clock::now();
  auto E = L.waitSaveResult(L.Project.unitPath(S));
  O.Seconds = std::chrono::duration<double>(Clock::now() - Saved).count();
  if (!E) {
    std::string History = L.Hotc->history();
    Fail("no-event", "  no answer from hotc within " +
                         std::to_string(SaveTimeout.count()) + " s; its output ends:\n" +
                         History.substr(History.size() > 3000 ? History.size() - 3000 : 0));
  } else {
    std::string Class = S.ExpectRefusal ? classifyRefusal(S, *E, O.Detail)
                                        : classifyPatch(S, *E, O.Detail);
    if (!Class.empty())
      Fail(Class, "");
  }
  if (E && E->getString("event") == "exited") {
    NeedRestart = true;
    return O;
  }
  if (!probeTimes(L, S, S.AfterProbes, After, Why)) {
    Fail(probeFailureClass(L, Why), "  after the edit: " + Why + "\n");
    NeedRestart = true;
    return O;
  }
  if (L.Hotc->count("crashed") > CrashesBefore)
    Fail("crash", "  the patched code crashed and was rolled back\n");
  std::vector<std::string> Want =
      S.ExpectRefusal ? std::vector<std::string>(After.size(), Warm.back()) : Expected;
  if (After != Want)
    Fail("wrong-output", "  expected (" + std::string(S.ExpectRefusal ? "unchanged" : "oracle") +
                             "):\n" + joined(Want) + "  actual:\n" + joined(After));
  if (!O.Class.empty() || S.ExpectRefusal) {
    // Later saves must not carry a failed or refused edit along.
    saveFile(L.Project.unitPath(S), unitText(S, false));
    auto R = L.waitSaveResult(L.Project.unitPath(S));
    O.Detail += "  revert: " + (R ? show(*R) : std::string("no answer")) + "\n";
    if (R && R->getString("event") == "exited")
      NeedRestart = true;
  }
  return O;
}

// Builds both projects with the active scenarios; a scenario whose unit
// does not compile (before in the live project, after in the oracle) is
// broken: it leaves both, with the reason.
bool buildBoth(const std::string &WorkDir, const HostBuild &B,
               std::vector<Scenario> &Active,
               std::map<std::string, std::string> &Broken, HostProject &Live,
               HostProject &Oracle, std::string &Why) {
  for (int Round = 0; Round < 4; ++Round) {
    std::set<std::string> Edited;
    for (const Scenario &S : Active)
      if (!S.ExpectRefusal)
        Edited.insert(S.Name);
    Live = writeHostProject(WorkDir + "/live", Active, {});
    Oracle = writeHostProject(WorkDir + "/oracle", Active, Edited);
    std::set<std::string> Failed;
    std::string Log;
    if (!buildHostProject(Live, B, e2e::hotcBinary(), Failed, Log) ||
        !buildHostProject(Oracle, B, "", Failed, Log)) {
      Why = "the host did not build; see " + Log;
      return false;
    }
    if (Failed.empty())
      return true;
    for (const std::string &Name : Failed)
      Broken[Name] = "its unit does not compile with " + B.CxxCompiler +
                     " (see " + WorkDir + "/*/build.log)";
    std::erase_if(Active, [&](const Scenario &S) { return Failed.count(S.Name) != 0; });
  }
  Why = "the host still does not build after dropping broken scenarios";
  return false;
}

} // namespace

RunReport runDifferential(const HostBuild &B, const std::vector<Scenario> &All,
                          const std::string &WorkDir, Sabotage Mode) {
  RunReport R;
  auto Started = Clock::now();
  // Builds are reused only for the same scenario list: units that come and
  // go between runs would be saves of their own for hotc.
  std::string Names;
  for (const Scenario &S : All)
    Names += S.Name + "\n";
  std::string ListFile = WorkDir + "/scenarios.txt";
  std::ifstream Old(ListFile);
  std::stringstream OldNames;
  OldNames << Old.rdbuf();
  if (OldNames.str() != Names)
    fs::remove_all(WorkDir);
  fs::create_directories(WorkDir);
  std::ofstream(ListFile) << Names;
  std::vector<Scenario> Active = All;
  std::map<std::string, std::string> Broken;
  HostProject Live, Oracle;
  std::string Why;
  if (!buildBoth(WorkDir, B, Active, Broken, Live, Oracle, Why)) {
    R.Errors.push_back(Why);
    return R;
  }
  auto Expected = runOracle(Oracle, Active, WorkDir + "/oracle-run", Broken);
  LiveSession L(Live, WorkDir + "/live-run");
  bool Up = L.start(Why);
  if (!Up)
    R.Errors.push_back(Why);
  for (const Scenario &S : All) {
    if (auto It = Broken.find(S.Name); It != Broken.end()) {
      R.Outcomes.push_back({S.Name, "oracle", "  " + It->second + "\n", 0});
      continue;
    }
    if (!Up) {
      R.Outcomes.push_back({S.Name, "not-run", "  the session is down\n", 0});
      continue;
    }
    bool NeedRestart = false;
    ScenarioOutcome O = runScenario(L, S, Expected[S.Name], Mode, NeedRestart);
    if (!O.Class.empty())
      O.Detail = header(S, B) + "  edit:\n" + unitText(S, true) + O.Detail;
    R.Outcomes.push_back(std::move(O));
    if (NeedRestart) {
      // Start again from the sources as they stand, without this edit.
      L.stop();
      saveFile(Live.unitPath(S), unitText(S, false));
      std::set<std::string> Failed;
      std::string Log;
      Up = buildHostProject(Live, B, e2e::hotcBinary(), Failed, Log) && L.start(Why);
      if (!Up)
        R.Errors.push_back("restart after " + S.Name + " failed: " + Why);
      L.LastTicks = -1;
    }
  }
  L.stop();
  R.Seconds = std::chrono::duration<double>(Clock::now() - Started).count();
  R.BaselinesCompiled = L.BaselinesCompiled;
  R.BaselinesRestored = L.BaselinesRestored;
  return R;
}

} // namespace hotc::differential
