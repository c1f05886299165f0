#include "watch/session_control.h"

#include "support/resident_memory.h"

#include "llvm/Demangle/Demangle.h"
#include "llvm/Support/FormatVariadic.h"

#include <algorithm>
#include <ctime>

using namespace llvm;

namespace hotc::driver {
namespace {

json::Array names(const std::vector<std::string> &Mangled) {
  json::Array A;
  for (const std::string &M : Mangled)
    A.push_back(demangle(M));
  return A;
}

json::Array strings(const std::vector<std::string> &V) {
  json::Array A;
  for (const std::string &S : V)
    A.push_back(S);
  return A;
}

std::string isoTime(std::chrono::system_clock::time_point T) {
  std::time_t Secs = std::chrono::system_clock::to_time_t(T);
  std::tm Utc{};
  gmtime_r(&Secs, &Utc);
  char Buf[32];
  std::strftime(Buf, sizeof(Buf), "%Y-%m-%dT%H:%M:%SZ", &Utc);
  return Buf;
}

json::Object refusal(Error E) {
  return json::Object{{"ok", false}, {"error", toString(std::move(E))}};
}

json::Object changed(const jit::VersionChange &C) {
  json::Array Vs;
  for (unsigned V : C.Versions)
    Vs.push_back(V);
  return json::Object{{"ok", true},
                      {"versions", std::move(Vs)},
                      {"functions", names(C.Functions)},
                      {"files", strings(C.Files)}};
}

double percentileOf(std::vector<double> V, double P) {
  if (V.empty())
    return 0;
  std::sort(V.begin(), V.end());
  return V[std::min(V.size() - 1, static_cast<size_t>(P * (V.size() - 1) + 0.5))];
}

} // namespace

json::Array historyJson(const jit::PatchHistory &History) {
  json::Array Out;
  for (const jit::PatchedVersion &V : History.versions()) {
    if (V.State == jit::VersionState::Pending)
      continue; // never went live
    // The code the version linked, named as crash reports name it
    // (jit/patched_code.h: the patch object's symbols and line table).
    json::Array Code;
    for (const jit::LinkedCode &L : V.Code)
      for (const jit::LinkedFunction &F : L.Functions)
        if (auto Loc = jit::locate(L, F.Start, /*IsReturn=*/false)) {
          json::Object C{{"function", Loc->Function}};
          if (!Loc->File.empty()) {
            C["file"] = Loc->File;
            C["line"] = static_cast<int64_t>(Loc->Line);
          }
          Code.push_back(std::move(C));
        }
    json::Object O{{"version", V.Version},
                   {"time", isoTime(V.Time)},
                   {"state", jit::nameOf(V.State)},
                   {"files", strings(V.Files)},
                   {"functions", names(V.Functions)},
                   {"created", names(V.Created)},
                   {"code", std::move(Code)},
                   {"freed", V.Released}};
    if (!V.Kept.empty())
      O["kept"] = V.Kept; // past the undo history, yet its memory stays
    Out.push_back(std::move(O));
  }
  return Out;
}

json::Object statusJson(ControlContext &C) {
  EventCounts N = C.Out.counts();
  auto Int = [](size_t V) { return static_cast<int64_t>(V); };
  size_t Code = 0, Freed = 0;
  for (const jit::PatchedVersion &V : C.Session.history().versions()) {
    if (V.Released) {
      ++Freed;
      continue;
    }
    for (const jit::LinkedCode &L : V.Code)
      for (const jit::LinkedFunction &F : L.Functions)
        Code += F.Size;
  }
  size_t Preambles = 0, PreambleBytes = 0, Units = 0;
  for (const jit::UnitState &U : C.Session.units()) {
    ++Units;
    if (size_t B = U.Compiler ? U.Compiler->preambleBytes() : 0) {
      ++Preambles;
      PreambleBytes += B;
    }
  }
  const std::vector<double> &L = C.State.SaveToLiveMs;
  return json::Object{
      {"ok", true},
      {"pid", C.Id.Pid},
      {"build_dir", C.Id.BuildDir},
      {"units", Int(Units)},
      {"version", C.Session.version()},
      {"paused", C.State.Paused},
      {"pending", strings(C.State.Pending)},
      {"patches", json::Object{{"applied", Int(N.Patched)},
                               {"refused", Int(N.Refused)},
                               {"failed", Int(N.Failed)},
                               {"unchanged", Int(N.Unchanged)},
                               {"ignored", Int(N.Ignored)},
                               {"crashed", Int(N.Crashed)},
                               {"undone", Int(N.Undone)},
                               {"redone", Int(N.Redone)}}},
      {"save_to_live_ms", json::Object{{"count", Int(L.size())},
                                       {"p50", percentileOf(L, 0.5)},
                                       {"p95", percentileOf(L, 0.95)}}},
      {"jit_code_bytes", Int(Code)},
      {"versions_freed", Int(Freed)},
      {"release_ms", json::Object{{"count", Int(C.State.ReleaseMs.size())},
                                  {"p50", percentileOf(C.State.ReleaseMs, 0.5)},
                                  {"max", percentileOf(C.State.ReleaseMs, 1.0)}}},
      {"undo_depth", static_cast<int64_t>(C.Session.undoDepth())},
      {"preambles", Int(Preambles)},
      {"preamble_bytes", Int(PreambleBytes)},
      {"preamble_budget_bytes", Int(C.Session.preambleBudget())},
      {"rss_bytes", Int(residentBytes())}};
}

json::Value answerControl(const json::Object &Request, ControlContext &C) {
  const SessionIdentity &Id = C.Id;
  jit::PatchSession &Session = C.Session;
  EventOutput &Out = C.Out;
  std::optional<StringRef> Command = Request.getString("command");
  if (!Command)
    return json::Object{{"ok", false}, {"error", "a request needs a command"}};
  if (*Command == "session")
    return json::Object{
        {"ok", true}, {"build_dir", Id.BuildDir}, {"pid", Id.Pid}};
  if (*Command == "history")
    return json::Object{{"ok", true},
                        {"pid", Id.Pid},
                        {"versions", historyJson(Session.history())}};
  if (*Command == "undo") {
    int64_t Count = Request.getInteger("count").value_or(1);
    if (Count < 1)
      return json::Object{{"ok", false},
                          {"error", "undo needs a count of at least 1"}};
    auto C = Session.undo(static_cast<unsigned>(std::min<int64_t>(Count, 1 << 20)));
    if (!C)
      return refusal(C.takeError());
    Out.versionsChanged(*C, /*Undo=*/true);
    return changed(*C);
  }
  if (*Command == "status")
    return statusJson(C);
  if (*Command == "pause" || *Command == "resume") {
    bool Pause = *Command == "pause";
    bool Was = C.State.Paused;
    C.State.Paused = Pause;
    if (Pause != Was)
      Out.note(Pause ? "paused: saves are held until hotc resume"
                     : "resumed: held saves are patched now");
    return json::Object{{"ok", true},
                        {"paused", Pause},
                        {"was_paused", Was},
                        {"pending", strings(C.State.Pending)}};
  }
  if (*Command == "redo") {
    auto C = Session.redo();
    if (!C)
      return refusal(C.takeError());
    Out.versionsChanged(*C, /*Undo=*/false);
    return changed(*C);
  }
  return json::Object{
      {"ok", false},
      {"error", formatv("unknown command '{0}' (this hotc knows session, "
                        "history, status, undo, redo, pause, resume, reload, debug)",
                        *Command)
                    .str()}};
}

} // namespace hotc::driver
