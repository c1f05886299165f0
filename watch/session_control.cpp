#include "watch/session_control.h"

#include "llvm/Demangle/Demangle.h"
#include "llvm/Support/FormatVariadic.h"

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

} // namespace

json::Array historyJson(const jit::PatchHistory &History) {
  json::Array Out;
  for (const jit::PatchedVersion &V : History.versions()) {
    if (V.State == jit::VersionState::Pending)
      continue; // never went live
    Out.push_back(json::Object{{"version", V.Version},
                               {"time", isoTime(V.Time)},
                               {"state", jit::nameOf(V.State)},
                               {"files", strings(V.Files)},
                               {"functions", names(V.Functions)},
                               {"created", names(V.Created)}});
  }
  return Out;
}

json::Value answerControl(const json::Object &Request, const SessionIdentity &Id,
                          jit::PatchSession &Session, EventOutput &Out) {
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
                        "history, undo, redo)",
                        *Command)
                    .str()}};
}

} // namespace hotc::driver
