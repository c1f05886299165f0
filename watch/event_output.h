// What hotc tells the user: one human line per event, or with --json one
// JSON object per line with an "event" key, on stdout.
#pragma once

#include "jit/patch_session.h"
#include "watch/crash_report.h"
#include "watch/process_launcher.h"
#include "analysis/save_plan.h"

#include "llvm/Support/JSON.h"

#include <cstdio>

#include <mutex>
#include <optional>
#include <string>

namespace hotc::driver {

// What `ready` says: hotc is attached and answers saves from now on.
struct ReadyReport {
  int Pid = 0;
  size_t Units = 0, Symbols = 0;
  double Ms = 0;
  size_t Baselines = 0; // compiled at start (units the launcher did not record)
  size_t Preambles = 0, PreambleBytes = 0; // held now, and their total size
  size_t PreambleBudget = 0; // the bytes they may take (preamble_budget_mb)
  size_t Indexed = 0;   // units the static graph has a fitting analysis of
  size_t Indexing = 0;  // analyses left to the background
  bool Dwarf = false;   // the executable's inlining records were read
  size_t RssBytes = 0;  // hotc's resident memory
};

// How many saves ended how, for `hotc status`.
struct EventCounts {
  size_t Patched = 0, Unchanged = 0, Ignored = 0;
  size_t Refused = 0; // the edit was refused: compile, link, layout, removed, compiler
  size_t Failed = 0;  // the patch could not be applied (kind "patch")
  size_t Crashed = 0, Undone = 0, Redone = 0;
};

// Where --events sends the JSON lines: "fd:N" (a descriptor hotc
// inherited), or a path (a file, truncated, or a FIFO, which waits for its
// reader).
llvm::Expected<FILE *> openEventsChannel(const std::string &Target);

class EventOutput {
public:
  // LogFile: every event is also appended there as a JSON line (empty:
  // none; a file that cannot be opened is reported once).
  explicit EventOutput(bool Json, const std::string &LogFile = "");
  // --events: every event goes to Channel as a JSON line (stdout then gets
  // the human lines, unless Json). Owned from here on.
  void sendEventsTo(FILE *Channel) { Events = Channel; }
  // stdout is the program's too (--exec): each JSON line written there
  // starts on a fresh line, whatever the program left unfinished.
  void startOnFreshLines() { FreshLines = true; }
  // The process the session watches: every event from now on carries its
  // pid (several processes may be watched at once: watch/fleet.h).
  void setPid(int P) { Pid = P; }
  ~EventOutput();

  void ready(const ReadyReport &R);
  // Plan: the analysis that chose the units and functions, when there was one.
  void patched(const jit::PatchReport &R, const index::SavePlan *Plan = nullptr);
  void unchanged(const std::vector<std::string> &Files,
                 const std::vector<std::string> &Warnings = {});
  void ignored(const std::string &File, const std::string &Reason);
  // Saves wait, not applied: the process cannot take a patch now (Reason).
  void pending(const std::vector<std::string> &Files, const std::string &Reason);
  // Reports a failure of Kind: "patch" (compile, link and layout errors
  // refine it), "startup" (hotc could not start or attach: nothing to
  // patch yet), "rebuild" (the build on disk), "build" (the compile
  // database), "watch" (a file could not be watched). With file:line when
  // the error has one.
  void error(llvm::Error E, const char *Kind);
  // The on-disk build caught up with the process (Outputs rebuilt).
  void rebuilt(const std::vector<std::string> &Outputs, double Ms);
  // A thread faulted in patched code: where, and what the agent did.
  void crashed(const CrashReport &C);
  // Versions were undone (Undo) or one redone, from a control command or a
  // key in the watch terminal.
  void versionsChanged(const jit::VersionChange &C, bool Undo);
  // Status: absent for a process hotc did not start (--pid).
  void exited(std::optional<ExitStatus> Status);
  // Something the user should know that is not an outcome of a save: on
  // stderr, or a `note` event with --json.
  void note(const std::string &Text);

  EventCounts counts();
  // The last event that was an outcome (not a note, rebuilt or ready).
  std::optional<llvm::json::Object> lastOutcome();
  // Events delivered from now on are kept too, until takeKept(): a control
  // request that patches answers with them.
  void keep();
  std::vector<llvm::json::Object> takeKept();

private:
  void emit(const std::string &Line);
  void count(const llvm::json::Object &Event);
  // Stdout gets the JSON line or Human (when not empty); the log the JSON.
  void deliver(llvm::json::Object Event, const std::string &Human);
  bool Json;
  bool FreshLines = false;
  int Pid = 0; // 0: not attached yet
  std::optional<llvm::json::Object> LastOutcome;
  FILE *Log = nullptr;
  FILE *Events = nullptr;
  std::mutex Lock; // events come from the watch loop and the rebuild thread
  EventCounts Counts;             // under Lock
  bool Keeping = false;           // under Lock
  std::vector<llvm::json::Object> Kept; // under Lock
};

} // namespace hotc::driver
