#include "watch/event_output.h"

#include <fcntl.h>

#include "llvm/Demangle/Demangle.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cassert>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>

using namespace llvm;

namespace hotc::driver {
namespace {

json::Array toArray(const std::vector<std::string> &V) {
  json::Array A;
  for (const std::string &S : V)
    A.push_back(S);
  return A;
}

std::string jsonLine(json::Object O) {
  std::string S;
  raw_string_ostream OS(S);
  OS << json::Value(std::move(O));
  return OS.str();
}

// "update.cpp: step(), draw()" for the human line.
std::string describe(const jit::PatchReport &R) {
  std::string Out;
  for (const std::string &U : R.Units)
    Out += (Out.empty() ? "" : ", ") + sys::path::filename(U).str();
  std::vector<std::string> Names;
  for (const std::string &F : R.Functions)
    Names.push_back(demangle(F));
  for (const std::string &F : R.Created)
    Names.push_back("new " + demangle(F));
  for (const std::string &G : R.Rerun)
    Names.push_back("initialised again " + demangle(G));
  for (const std::string &G : R.Moved)
    Names.push_back("moved " + demangle(G.substr(0, G.find(' '))));
  if (!Names.empty())
    Out += ": ";
  for (size_t I = 0; I < Names.size() && I < 8; ++I)
    Out += (I ? ", " : "") + Names[I];
  if (Names.size() > 8)
    Out += formatv(", and {0} more", Names.size() - 8).str();
  return Out;
}

} // namespace

EventOutput::EventOutput(bool Json, const std::string &LogFile) : Json(Json) {
  if (LogFile.empty())
    return;
  Log = fopen(LogFile.c_str(), "ae");
  if (!Log)
    fprintf(stderr, "hotc: cannot append events to %s: %s\n", LogFile.c_str(),
            strerror(errno));
}

Expected<FILE *> openEventsChannel(const std::string &Target) {
  StringRef T(Target);
  if (T.consume_front("fd:")) {
    int Fd = -1;
    if (T.getAsInteger(10, Fd) || Fd < 0)
      return createStringError(inconvertibleErrorCode(),
                               "--events %s: fd:N needs a descriptor number",
                               Target.c_str());
    int Own = fcntl(Fd, F_DUPFD_CLOEXEC, 3);
    FILE *F = Own >= 0 ? fdopen(Own, "w") : nullptr;
    if (!F)
      return createStringError(std::error_code(errno, std::generic_category()),
                               "--events %s: descriptor %d: %s", Target.c_str(),
                               Fd, strerror(errno));
    return F;
  }
  FILE *F = fopen(Target.c_str(), "we"); // a FIFO blocks until its reader
  if (!F)
    return createStringError(std::error_code(errno, std::generic_category()),
                             "--events %s: %s", Target.c_str(), strerror(errno));
  return F;
}

EventOutput::~EventOutput() {
  if (Log)
    fclose(Log);
  if (Events)
    fclose(Events);
}

void EventOutput::emit(const std::string &Line) {
  // A JSON line after the program's "prompt> " would be lost to a reader
  // of JSON lines: it gets a line of its own (an empty line may precede it).
  std::string L = (FreshLines && Json ? "\n" : "") + Line + "\n";
  fwrite(L.data(), 1, L.size(), stdout);
  fflush(stdout);
}

void EventOutput::count(const json::Object &Event) {
  StringRef Name = Event.getString("event").value_or("");
  if (Name == "patched")
    ++Counts.Patched;
  else if (Name == "unchanged")
    ++Counts.Unchanged;
  else if (Name == "ignored")
    ++Counts.Ignored;
  else if (Name == "crashed")
    ++Counts.Crashed;
  else if (Name == "undone")
    ++Counts.Undone;
  else if (Name == "redone")
    ++Counts.Redone;
  else if (Name == "error") {
    StringRef Kind = Event.getString("kind").value_or("");
    if (Kind == "patch")
      ++Counts.Failed;
    else if (Kind == "compile" || Kind == "link" || Kind == "layout" ||
             Kind == "removed" || Kind == "compiler")
      ++Counts.Refused;
  }
}

std::optional<json::Object> EventOutput::lastOutcome() {
  std::lock_guard<std::mutex> G(Lock);
  return LastOutcome;
}

EventCounts EventOutput::counts() {
  std::lock_guard<std::mutex> G(Lock);
  return Counts;
}

void EventOutput::keep() {
  std::lock_guard<std::mutex> G(Lock);
  Keeping = true;
  Kept.clear();
}

std::vector<json::Object> EventOutput::takeKept() {
  std::lock_guard<std::mutex> G(Lock);
  Keeping = false;
  return std::move(Kept);
}

void EventOutput::deliver(json::Object Event, const std::string &Human) {
  std::lock_guard<std::mutex> G(Lock);
  if (Pid && !Event.get("pid"))
    Event["pid"] = Pid;
  count(Event);
  StringRef Name = Event.getString("event").value_or("");
  if (Name != "note" && Name != "rebuilt" && Name != "ready")
    LastOutcome = Event; // what a save, a key or a crash did last
  if (Keeping)
    Kept.push_back(Event);
  std::string Line = jsonLine(std::move(Event));
  if (Log) {
    fprintf(Log, "%s\n", Line.c_str());
    fflush(Log);
  }
  if (Events && (fprintf(Events, "%s\n", Line.c_str()) < 0 || fflush(Events))) {
    // The reader of a FIFO went away: say it once, go on without it.
    fprintf(stderr, "hotc: the events channel was closed (%s): events from "
                    "now on are not sent there\n", strerror(errno));
    fclose(Events);
    Events = nullptr;
  }
  if (Json)
    emit(Line);
  else if (!Human.empty())
    emit(Human);
}

void EventOutput::note(const std::string &Text) {
  if (!Json) // beside the program's output, not in it
    fprintf(stderr, "hotc: %s\n", Text.c_str());
  deliver(json::Object{{"event", "note"}, {"message", Text}}, "");
}

void EventOutput::ready(const ReadyReport &R) {
  auto Int = [](size_t N) { return static_cast<int64_t>(N); };
  deliver(json::Object{{"event", "ready"},
                       {"pid", R.Pid},
                       {"units", Int(R.Units)},
                       {"symbols", Int(R.Symbols)},
                       {"baselines", Int(R.Baselines)},
                       {"preambles", Int(R.Preambles)},
                       {"preamble_bytes", Int(R.PreambleBytes)},
                       {"preamble_budget_bytes", Int(R.PreambleBudget)},
                       {"indexed", Int(R.Indexed)},
                       {"indexing", Int(R.Indexing)},
                       {"dwarf_inlines", R.Dwarf},
                       {"rss_bytes", Int(R.RssBytes)},
                       {"ms", R.Ms}},
          formatv("hotc: watching {0} translation units of pid {1} (ready in "
                  "{2:f0} ms; {3} baselines compiled, the others when first "
                  "saved; {4} preambles, {5:f1} MB of {9:f0}; {6} units indexed, "
                  "{7} left to the background; hotc RSS {8:f0} MB): edit and "
                  "save to patch",
                  R.Units, R.Pid, R.Ms, R.Baselines, R.Preambles,
                  R.PreambleBytes / 1e6, R.Indexed, R.Indexing, R.RssBytes / 1e6,
                  R.PreambleBudget / 1e6));
}

void EventOutput::patched(const jit::PatchReport &R,
                          const index::SavePlan *Plan) {
  size_t N = R.Functions.size();
  std::string Human =
      formatv("patched {0} function{1} in {2:f0} ms (compile {3:f0}, link "
              "{4:f0}, patch {5:f1}) — {6}",
              N, N == 1 ? "" : "s", R.Ms.Total, R.Ms.Compile, R.Ms.Link,
              R.Ms.Patch, describe(R));
  if (R.AtSafePoint)
    Human += "\n  applied at a safe point (the patch time includes the wait "
             "for it)";
  for (const std::string &I : R.Inlined)
    Human += "\n  also relinked " + I;
  for (const std::string &F : R.BuildCompiled)
    Human += "\n  compiled by the build's compiler (Clang's view of " +
             sys::path::filename(F).str() + " differs from it)";
  for (const std::string &W : R.Warnings)
    Human += "\n  warning: " + W;
  for (const std::string &M : R.Missed)
    Human += "\n  warning: the rebuild set missed " + demangle(M) +
             ", whose code changed; linked anyway (a gap in hotc's analysis: "
             "please report it)";
  json::Array Reasons;
  if (Plan)
    for (const index::RebuildEntry &E : Plan->Rebuild.Functions)
      Reasons.push_back(index::describeReason(E));
  deliver(json::Object{{"event", "patched"},
                       {"missed", toArray(R.Missed)},
                       {"inlined", toArray(R.Inlined)},
                       {"rebuild_set", std::move(Reasons)},
                       {"version", R.Version},
                       {"functions", toArray(R.Functions)},
                       {"created", toArray(R.Created)},
                       {"rerun", toArray(R.Rerun)},
                       {"moved", toArray(R.Moved)},
                       {"files", toArray(R.Units)},
                       {"build_compiled", toArray(R.BuildCompiled)},
                       {"warnings", toArray(R.Warnings)},
                       {"ms", json::Object{{"total", R.Ms.Total},
                                           {"compile", R.Ms.Compile},
                                           {"link", R.Ms.Link},
                                           {"patch", R.Ms.Patch},
                                           {"frontend", R.Ms.Frontend},
                                           {"codegen", R.Ms.Codegen},
                                           {"preamble", R.Ms.Preamble},
                                           {"baseline", R.Ms.Baseline},
                                           {"plan", Plan ? Plan->Ms : 0.0}}},
                       {"baselines", json::Object{{"compiled", R.BaselinesCompiled},
                                                  {"restored", R.BaselinesRestored}}},
                       {"focused", R.Focused},
                       {"applied_at", R.AtSafePoint ? "safe_point" : "now"}},
          Human);
}

void EventOutput::versionsChanged(const jit::VersionChange &C, bool Undo) {
  std::string Versions, Files, Names;
  for (unsigned V : C.Versions)
    Versions += (Versions.empty() ? "" : ", ") + std::to_string(V);
  for (const std::string &F : C.Files)
    Files += (Files.empty() ? "" : ", ") + sys::path::filename(F).str();
  for (size_t I = 0; I < C.Functions.size() && I < 8; ++I)
    Names += (I ? ", " : "") + demangle(C.Functions[I]);
  if (C.Functions.size() > 8)
    Names += formatv(", and {0} more", C.Functions.size() - 8).str();
  std::string Human =
      formatv("hotc: {0} version{1} {2}{3}{4}{5}", Undo ? "undid" : "redid",
              C.Versions.size() == 1 ? "" : "s", Versions,
              Files.empty() ? "" : " (" + Files, Names.empty() ? "" : ": " + Names,
              Files.empty() ? "" : ")")
          .str();
  json::Array Vs;
  for (unsigned V : C.Versions)
    Vs.push_back(V);
  deliver(json::Object{{"event", Undo ? "undone" : "redone"},
                       {"versions", std::move(Vs)},
                       {"functions", toArray(C.Functions)},
                       {"files", toArray(C.Files)}},
          Human);
}

void EventOutput::unchanged(const std::vector<std::string> &Files,
                            const std::vector<std::string> &Warnings) {
  std::string Names;
  for (const std::string &F : Files)
    Names += (Names.empty() ? "" : ", ") + sys::path::filename(F).str();
  std::string Human = "hotc: " + Names + ": no function changed, nothing to patch";
  for (const std::string &W : Warnings)
    Human += "\n  warning: " + W;
  deliver(json::Object{{"event", "unchanged"},
                       {"files", toArray(Files)},
                       {"warnings", toArray(Warnings)}},
          Human);
}

void EventOutput::ignored(const std::string &File, const std::string &Reason) {
  deliver(json::Object{{"event", "ignored"}, {"file", File}, {"reason", Reason}},
          "hotc: ignored " + File + ": " + Reason);
}

void EventOutput::pending(const std::vector<std::string> &Files,
                          const std::string &Reason) {
  deliver(json::Object{{"event", "pending"}, {"files", toArray(Files)},
                       {"reason", Reason}},
          formatv("hotc: {0} save(s) wait: {1}; they are patched when it runs "
                  "again",
                  Files.size(), Reason)
              .str());
}

void EventOutput::rebuilt(const std::vector<std::string> &Outputs, double Ms) {
  deliver(json::Object{{"event", "rebuilt"}, {"outputs", toArray(Outputs)}, {"ms", Ms}},
          formatv("hotc: the build on disk caught up ({0} outputs, {1:f0} ms)",
                  Outputs.size(), Ms));
}

void EventOutput::error(Error E, const char *GivenKind) {
  json::Object O{{"event", "error"}};
  assert(GivenKind && "every error names what failed");
  std::string Kind = GivenKind;
  std::string Human;
  // The whole log is the message; File: the unit it concerns.
  auto logged = [&](const char *K, const ErrorInfoBase &F,
                    const std::string *File) {
    Kind = K;
    raw_string_ostream OS(Human);
    F.log(OS);
    O["message"] = Human;
    if (File)
      O["file"] = *File;
  };
  handleAllErrors(
      std::move(E),
      [&](const frontend::CompileFailure &F) {
        Kind = "compile";
        raw_string_ostream OS(Human);
        F.log(OS);
        O["message"] = Human;
        if (const frontend::SourceDiagnostic *D = F.firstError()) {
          O["file"] = D->File;
          O["line"] = D->Line;
          O["column"] = D->Column;
          O["message"] = D->Message;
        }
        json::Array Diags;
        for (const frontend::SourceDiagnostic &D : F.diagnostics())
          Diags.push_back(json::Object{{"file", D.File},
                                       {"line", D.Line},
                                       {"column", D.Column},
                                       {"severity", D.Severity},
                                       {"message", D.Message}});
        O["diagnostics"] = std::move(Diags);
      },
      [&](const jit::LayoutChange &F) { logged("layout", F, nullptr); },
      [&](const jit::RemovedStillUsed &F) { logged("removed", F, &F.unit()); },
      [&](const jit::LinkFailure &F) { logged("link", F, &F.unit()); },
      [&](const jit::CompilerViewMismatch &F) { logged("compiler", F, &F.unit()); },
      // A joined error (a link's cause, then ORC's summary) keeps every
      // part: the cause is what the user needs.
      [&](const ErrorInfoBase &Other) {
        Human += (Human.empty() ? "" : "\n") + Other.message();
        O["message"] = Human;
      });
  O["kind"] = Kind;
  if (Kind == "rebuild")
    Human += "\nhotc: the build on disk could not catch up; the process is "
             "not affected";
  else if (Kind == "startup")
    Human += "\nhotc: could not start watching";
  else if (Kind == "build" || Kind == "watch")
    Human += "\nhotc: the process keeps running its current code";
  else
    Human += "\nhotc: " + Kind + " failed: nothing applied, the process "
             "keeps running its current code";
  deliver(std::move(O), Human);
}

namespace {

json::Value locationJson(const std::optional<jit::VersionedLocation> &L) {
  if (!L)
    return nullptr;
  json::Object O{{"function", L->Where.Function}, {"version", L->Version}};
  if (L->Where.Line) {
    O["file"] = L->Where.File;
    O["line"] = L->Where.Line;
  }
  return std::move(O);
}

std::string where(const jit::VersionedLocation &L) {
  std::string S = L.Where.Function;
  if (L.Where.Line)
    S += formatv(" at {0}:{1}", sys::path::filename(L.Where.File), L.Where.Line).str();
  return S + formatv(" (version {0})", L.Version).str();
}

} // namespace

void EventOutput::crashed(const CrashReport &C) {
  const CrashRecord &R = C.Record;
  const char *Name = sigabbrev_np(R.Signal);
  json::Array Frames;
  for (const CrashFrame &F : C.Frames) {
    json::Object O{{"address", formatv("{0:x}", F.Address).str()}};
    if (F.Patched)
      O["patched"] = locationJson(F.Patched);
    Frames.push_back(std::move(O));
  }
  json::Array Undone, Units;
  for (unsigned V : R.Undone)
    Undone.push_back(V);
  for (const std::string &U : C.UndoneUnits)
    Units.push_back(U);
  std::string Action =
      R.RolledBack ? "rolled_back" : R.HasOutcome ? "reported" : "none";
  json::Object O{{"event", "crashed"},
                 {"signal", R.Signal},
                 {"signal_name", Name ? std::string("SIG") + Name : "?"},
                 {"address", formatv("{0:x}", R.Address).str()},
                 {"tid", R.Tid},
                 {"version", R.Version},
                 {"at", locationJson(C.Fault)},
                 {"frames", std::move(Frames)},
                 {"action", Action}};
  if (!R.Reason.empty())
    O["reason"] = R.Reason;
  if (R.RolledBack) {
    O["undone"] = std::move(Undone);
    O["left"] = C.LeftFunction;
    O["units"] = std::move(Units);
  }
  std::string Human = formatv("hotc: crash in {0}: {1} at address {2:x}, thread {3}",
                              C.Fault ? where(*C.Fault) : "patched code",
                              strsignal(R.Signal), R.Address, R.Tid).str();
  if (R.RolledBack) {
    std::string Versions;
    for (unsigned V : R.Undone)
      Versions += (Versions.empty() ? "" : ", ") + std::to_string(V);
    Human += formatv("\nhotc: rolled back version {0}; {1} returned 0 to its "
                     "caller and the process keeps running: fix the code and save",
                     Versions, C.LeftFunction.empty() ? "the function" : C.LeftFunction)
                 .str();
  } else if (R.HasOutcome) {
    Human += "\nhotc: not rolled back: " + R.Reason;
  }
  deliver(std::move(O), Human);
}

void EventOutput::exited(std::optional<ExitStatus> Status) {
  json::Object O{{"event", "exited"}, {"code", nullptr}};
  std::string Human = "hotc: the process exited";
  if (Status && Status->Signal) {
    O["signal"] = Status->Signal;
    Human = formatv("hotc: the process was killed by signal {0} ({1})",
                    Status->Signal, strsignal(Status->Signal)).str();
  } else if (Status) {
    O["code"] = Status->Code;
    Human = formatv("hotc: the process exited with code {0}", Status->Code).str();
  }
  deliver(std::move(O), Human);
}

} // namespace hotc::driver
