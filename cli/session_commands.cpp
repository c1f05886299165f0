#include "cli/session_commands.h"

#include "protocol/control_protocol.h"

#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <CLI/CLI.hpp>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <dirent.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace llvm;

namespace hotc::driver {
namespace {

// A session busy with a patch answers when it is done.
constexpr int kAnswerTimeoutMs = 60 * 1000;

struct Session {
  std::string Socket;
  std::string BuildDir;
  int Pid = 0;
};

// One request, one answer; an error says why there was none.
Expected<json::Object> ask(const std::string &Socket, const json::Object &Req) {
  auto Fail = [&](const char *What) {
    return createStringError(inconvertibleErrorCode(), "%s %s: %s", What,
                             Socket.c_str(), strerror(errno));
  };
  sockaddr_un Addr{};
  Addr.sun_family = AF_UNIX;
  if (Socket.size() >= sizeof(Addr.sun_path))
    return createStringError(inconvertibleErrorCode(), "path too long: %s",
                             Socket.c_str());
  memcpy(Addr.sun_path, Socket.c_str(), Socket.size() + 1);
  int Fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (Fd < 0)
    return Fail("cannot create a socket for");
  auto Close = llvm::make_scope_exit([&] { close(Fd); });
  if (connect(Fd, reinterpret_cast<sockaddr *>(&Addr), sizeof(Addr)) != 0)
    return Fail("cannot connect to");
  std::string Line;
  raw_string_ostream(Line) << json::Value(json::Object(Req)) << '\n';
  if (write(Fd, Line.data(), Line.size()) != static_cast<ssize_t>(Line.size()))
    return Fail("cannot send the request to");
  std::string In;
  char Buf[4096];
  while (In.find('\n') == std::string::npos) {
    pollfd P{Fd, POLLIN, 0};
    if (poll(&P, 1, kAnswerTimeoutMs) <= 0)
      return createStringError(inconvertibleErrorCode(),
                               "no answer from %s within %d s",
                               Socket.c_str(), kAnswerTimeoutMs / 1000);
    ssize_t N = read(Fd, Buf, sizeof(Buf));
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0 || In.size() > protocol::kMaxControlLine)
      return createStringError(inconvertibleErrorCode(),
                               "%s ended the connection without an answer",
                               Socket.c_str());
    In.append(Buf, static_cast<size_t>(N));
  }
  In.resize(In.find('\n'));
  Expected<json::Value> V = json::parse(In);
  if (!V)
    return V.takeError();
  if (!V->getAsObject())
    return createStringError(inconvertibleErrorCode(),
                             "%s answered something else than an object",
                             Socket.c_str());
  return std::move(*V->getAsObject());
}

// The sessions running for this user, from their session files; the files
// of hotc processes that are gone are removed.
std::vector<Session> listSessions() {
  std::vector<Session> Out;
  std::string Dir = protocol::socketDirectory();
  DIR *D = opendir(Dir.c_str());
  if (!D)
    return Out;
  std::vector<int> Found;
  while (dirent *E = readdir(D)) {
    StringRef Name(E->d_name);
    int Pid = 0;
    if (Name.consume_front(protocol::kControlPrefix) &&
        Name.consume_back(protocol::kSessionSuffix) &&
        !Name.getAsInteger(10, Pid))
      Found.push_back(Pid);
  }
  closedir(D);
  for (int HotcPid : Found) {
    std::string Info = protocol::sessionInfoPath(HotcPid);
    std::string Socket = protocol::controlSocketPath(HotcPid);
    if (kill(HotcPid, 0) != 0 && errno == ESRCH) {
      unlink(Info.c_str());
      unlink(Socket.c_str());
      continue;
    }
    auto Text = MemoryBuffer::getFile(Info);
    if (!Text)
      continue; // removed meanwhile: that session has ended
    Expected<json::Value> V = json::parse((*Text)->getBuffer());
    const json::Object *O = V ? V->getAsObject() : nullptr;
    if (!O) {
      if (!V)
        consumeError(V.takeError()); // being replaced: skip it this time
      continue;
    }
    Out.push_back({Socket, O->getString("build_dir").value_or("").str(),
                   static_cast<int>(O->getInteger("pid").value_or(0))});
  }
  return Out;
}

Expected<Session> findSession(const std::string &BuildDir, int Pid) {
  std::vector<Session> All = listSessions();
  std::vector<Session> Match;
  for (const Session &S : All)
    if ((BuildDir.empty() || S.BuildDir == BuildDir) && (!Pid || S.Pid == Pid))
      Match.push_back(S);
  if (Match.size() == 1)
    return Match.front();
  std::string Want = Pid ? formatv("process {0}", Pid).str() : BuildDir;
  if (!Pid && !BuildDir.empty())
    Want = BuildDir;
  else if (Pid && !BuildDir.empty())
    Want = formatv("process {0} of {1}", Pid, BuildDir).str();
  std::string Listed;
  for (const Session &S : Match.empty() ? All : Match)
    Listed += formatv("\n  pid {0} watched from {1}", S.Pid, S.BuildDir).str();
  if (Match.empty())
    return createStringError(
        inconvertibleErrorCode(),
        "no hotc watch session watches %s%s%s", Want.c_str(),
        All.empty() ? " (none runs for this user)" : "; sessions running:",
        Listed.c_str());
  return createStringError(inconvertibleErrorCode(),
                           "several hotc watch sessions watch %s; choose one "
                           "with --pid:%s",
                           Want.c_str(), Listed.c_str());
}

std::string joined(const json::Array *A, size_t Max, bool Basename = false) {
  std::string Out;
  if (!A)
    return Out;
  size_t N = 0;
  for (const json::Value &V : *A) {
    if (N == Max) {
      Out += formatv(", and {0} more", A->size() - Max).str();
      break;
    }
    std::string S = V.getAsString().value_or("").str();
    Out += (N++ ? ", " : "") + (Basename ? sys::path::filename(S).str() : S);
  }
  return Out;
}

void printHistory(const json::Object &A) {
  const json::Array *Vs = A.getArray("versions");
  if (!Vs || Vs->empty()) {
    printf("no version applied yet in the session watching pid %lld\n",
           static_cast<long long>(A.getInteger("pid").value_or(0)));
    return;
  }
  printf("%-8s %-21s %-8s %s\n", "version", "time (UTC)", "state",
         "files: functions");
  for (const json::Value &V : *Vs) {
    const json::Object *O = V.getAsObject();
    if (!O)
      continue;
    std::string What = joined(O->getArray("files"), 4, true) + ": " +
                       joined(O->getArray("functions"), 6);
    // Where each linked function starts, as crash reports say it.
    std::string At;
    if (const json::Array *Code = O->getArray("code"))
      for (const json::Value &C : *Code)
        if (const json::Object *F = C.getAsObject(); F && F->getString("file"))
          At += formatv("{0}{1} at {2}:{3}", At.empty() ? "" : ", ",
                        F->getString("function").value_or(""),
                        sys::path::filename(*F->getString("file")),
                        F->getInteger("line").value_or(0))
                    .str();
    if (!At.empty())
      What += " [" + At + "]";
    if (const json::Array *C = O->getArray("created"); C && !C->empty())
      What += "; new " + joined(C, 4);
    if (O->getBoolean("freed").value_or(false))
      What += "; memory freed";
    printf("%-8lld %-21s %-8s %s\n",
           static_cast<long long>(O->getInteger("version").value_or(0)),
           O->getString("time").value_or("").str().c_str(),
           O->getString("state").value_or("").str().c_str(), What.c_str());
  }
}

// "12.3 KB" below a megabyte, "4.5 MB" above.
std::string sizeText(int64_t Bytes) {
  if (Bytes < 1048576)
    return formatv("{0:f1} KB", Bytes / 1024.0).str();
  return formatv("{0:f1} MB", Bytes / 1048576.0).str();
}

void printStatus(const json::Object &A) {
  auto Num = [](const json::Object *O, StringRef K) {
    return O ? O->getInteger(K).value_or(0) : 0;
  };
  const json::Object *P = A.getObject("patches");
  const json::Object *L = A.getObject("save_to_live_ms");
  printf("hotc watch of pid %lld (%s): version %lld, %lld units%s\n",
         (long long)A.getInteger("pid").value_or(0),
         A.getString("build_dir").value_or("").str().c_str(),
         (long long)A.getInteger("version").value_or(0),
         (long long)A.getInteger("units").value_or(0),
         A.getBoolean("paused").value_or(false) ? ", paused" : "");
  printf("saves: %lld patched, %lld refused, %lld failed, %lld unchanged, "
         "%lld ignored; %lld crashes, %lld undone, %lld redone\n",
         (long long)Num(P, "applied"), (long long)Num(P, "refused"),
         (long long)Num(P, "failed"), (long long)Num(P, "unchanged"),
         (long long)Num(P, "ignored"), (long long)Num(P, "crashed"),
         (long long)Num(P, "undone"), (long long)Num(P, "redone"));
  if (Num(L, "count"))
    printf("save -> live: p50 %.1f ms, p95 %.1f ms (%lld patches)\n",
           L->getNumber("p50").value_or(0), L->getNumber("p95").value_or(0),
           (long long)Num(L, "count"));
  printf("memory: JIT code %s, %lld preambles %s (budget %s), hotc %s\n",
         sizeText(A.getInteger("jit_code_bytes").value_or(0)).c_str(),
         (long long)A.getInteger("preambles").value_or(0),
         sizeText(A.getInteger("preamble_bytes").value_or(0)).c_str(),
         sizeText(A.getInteger("preamble_budget_bytes").value_or(0)).c_str(),
         sizeText(A.getInteger("rss_bytes").value_or(0)).c_str());
  printf("undo history: the newest %lld versions; %lld older ones freed\n",
         (long long)A.getInteger("undo_depth").value_or(0),
         (long long)A.getInteger("versions_freed").value_or(0));
  std::string Held = joined(A.getArray("pending"), 8, true);
  printf("held saves: %s\n", Held.empty() ? "none" : Held.c_str());
}

// The events the reload caused, one line each; 1 when it did not patch.
int printReload(const json::Object &A) {
  int Code = 1;
  if (const json::Array *Es = A.getArray("events"))
    for (const json::Value &V : *Es) {
      const json::Object *E = V.getAsObject();
      if (!E)
        continue;
      StringRef Event = E->getString("event").value_or("");
      if (Event == "patched") {
        Code = 0;
        std::string Names;
        if (const json::Array *Fs = E->getArray("functions"))
          for (const json::Value &F : *Fs)
            Names += (Names.empty() ? "" : ", ") +
                     demangle(F.getAsString().value_or("").str());
        printf("patched version %lld: %s\n",
               (long long)E->getInteger("version").value_or(0), Names.c_str());
      } else if (Event == "undone") {
        Code = 0;
        std::string Vs;
        if (const json::Array *A = E->getArray("versions"))
          for (const json::Value &V : *A)
            Vs += (Vs.empty() ? "" : ", ") +
                  std::to_string(V.getAsInteger().value_or(0));
        printf("undid version %s: the code before it runs again\n", Vs.c_str());
      } else if (Event == "unchanged") {
        Code = 0;
        printf("unchanged: no function's code differs from what runs\n");
      } else if (Event == "error" || Event == "ignored" || Event == "note" ||
                 Event == "pending") {
        StringRef Text = E->getString("message").value_or(
            E->getString("reason").value_or(""));
        printf("%s: %s\n", Event.str().c_str(), Text.str().c_str());
      }
    }
  return Code;
}

} // namespace

void addSessionCommands(CLI::App &App, SessionCommands &C,
                        std::string &BuildDirOption) {
  const char *BuildHelp = "The session watching this build directory "
                          "(default: as for watch)";
  const char *PidHelp = "The session watching this process (when several "
                        "watch one build)";
  C.Undo = App.add_subcommand(
      "undo", "Put the code of the last N patches back (default 1) in the "
              "process a running hotc watch patches; sources are untouched");
  C.Undo->add_option("count", C.Count, "How many versions to undo")
      ->check(CLI::PositiveNumber);
  C.Redo = App.add_subcommand(
      "redo", "Apply again the oldest version undone since the last patch");
  C.History = App.add_subcommand(
      "history", "The versions a running hotc watch applied: time, files, "
                 "functions, state (live, undone, dropped, crashed)");
  C.History->add_flag("--json", C.Json, "One JSON object on stdout");
  C.Status = App.add_subcommand(
      "status", "What a running hotc watch is doing: process, version, "
                "patches applied/refused/failed, save -> live p50/p95, JIT "
                "code, preambles, memory, held saves");
  C.Status->add_flag("--json", C.Json, "One JSON object on stdout");
  C.Pause = App.add_subcommand(
      "pause", "Hold saves without patching them until hotc resume");
  C.Resume = App.add_subcommand("resume",
                                "Patch the saves held since hotc pause, and "
                                "every save from now on");
  C.Reload = App.add_subcommand(
      "reload", "Recompile the units reading FILE and patch them now, "
                "whether or not it was saved");
  C.Reload->add_option("file", C.File, "A source file or header")->required();
  C.Debug = App.add_subcommand(
      "debug", "Hot-deoptimize: link FUNCTIONs (names, or FILE:LINE) "
               "unoptimised into the optimised process, so a debugger shows "
               "every local and steps line by line; --off links them "
               "optimised again");
  C.Debug->add_option("functions", C.Functions,
                      "f, ns::C::f, a symbol, or FILE:LINE (the function "
                      "whose code that line became); with --off, none: all");
  C.Debug->add_flag("--off", C.Off,
                    "Optimised again (the build's own code when the last "
                    "version is the deoptimisation)");
  C.Debug->footer("Needs the build's DWARF (-g). The rest of the unit stays "
                  "as optimised as the build; callers that inlined a function "
                  "are relinked calling it. Events: patched (or undone for "
                  "--off), as for a save.");
  for (CLI::App *Sub : {C.Undo, C.Redo, C.History, C.Status, C.Pause,
                        C.Resume, C.Reload, C.Debug}) {
    Sub->add_option("-p,--build-dir", BuildDirOption, BuildHelp);
    Sub->add_option("--pid", C.Pid, PidHelp);
  }
}

bool sessionCommandParsed(const SessionCommands &C) {
  for (CLI::App *Sub : {C.Undo, C.Redo, C.History, C.Status, C.Pause,
                        C.Resume, C.Reload, C.Debug})
    if (Sub->parsed())
      return true;
  return false;
}

int runSessionCommand(const SessionCommands &C, const std::string &BuildDir) {
  std::string Name;
  for (CLI::App *Sub : {C.Undo, C.Redo, C.History, C.Status, C.Pause,
                        C.Resume, C.Reload, C.Debug})
    if (Sub->parsed())
      Name = Sub->get_name();
  auto S = findSession(BuildDir, C.Pid);
  if (!S) {
    fprintf(stderr, "hotc %s: %s\n", Name.c_str(), toString(S.takeError()).c_str());
    return 2;
  }
  json::Object Req{{"command", Name}};
  if (C.Undo->parsed())
    Req["count"] = C.Count;
  if (C.Debug->parsed()) {
    if (C.Functions.empty() && !C.Off) {
      fprintf(stderr, "hotc debug: name a function (or FILE:LINE)\n");
      return 2;
    }
    json::Array Fs;
    for (const std::string &F : C.Functions)
      Fs.push_back(F);
    Req["functions"] = std::move(Fs);
    Req["off"] = C.Off;
  }
  if (C.Reload->parsed()) {
    SmallString<256> Abs(C.File);
    sys::fs::make_absolute(Abs);
    sys::path::remove_dots(Abs, true);
    if (!sys::fs::exists(Abs)) {
      fprintf(stderr, "hotc reload: %s: no such file\n", Abs.c_str());
      return 2;
    }
    Req["file"] = Abs.str().str();
  }
  auto A = ask(S->Socket, Req);
  if (!A) {
    fprintf(stderr, "hotc %s: %s\n", Name.c_str(), toString(A.takeError()).c_str());
    return 2;
  }
  if (!A->getBoolean("ok").value_or(false)) {
    fprintf(stderr, "hotc %s: %s\n", Name.c_str(),
            A->getString("error").value_or("refused").str().c_str());
    return 1;
  }
  if (C.Status->parsed()) {
    if (C.Json) {
      A->erase("ok");
      std::string Out;
      raw_string_ostream(Out) << json::Value(std::move(*A));
      printf("%s\n", Out.c_str());
    } else {
      printStatus(*A);
    }
    return 0;
  }
  if (C.Pause->parsed() || C.Resume->parsed()) {
    bool Pause = C.Pause->parsed();
    bool Was = A->getBoolean("was_paused").value_or(false);
    const json::Array *Held = A->getArray("pending");
    size_t N = Held ? Held->size() : 0;
    if (Pause)
      printf("%s pid %d: saves are held until hotc resume\n",
             Was ? "already paused:" : "paused", S->Pid);
    else
      printf("%s pid %d: %zu held save%s patched now\n",
             Was ? "resumed" : "not paused:", S->Pid, N, N == 1 ? "" : "s");
    return 0;
  }
  if (C.Reload->parsed() || C.Debug->parsed()) {
    if (C.Debug->parsed())
      printf("%s: %s\n", C.Off ? "optimised again" : "unoptimised",
             joined(A->getArray("functions"), 8).c_str());
    return printReload(*A);
  }
  if (C.History->parsed()) {
    if (C.Json) {
      std::string Out;
      raw_string_ostream(Out) << json::Value(json::Object{
          {"pid", S->Pid}, {"versions", std::move((*A)["versions"])}});
      printf("%s\n", Out.c_str());
    } else {
      printHistory(*A);
    }
    return 0;
  }
  std::string Versions;
  if (const json::Array *Vs = A->getArray("versions"))
    for (const json::Value &V : *Vs)
      Versions += (Versions.empty() ? "" : ", ") +
                  std::to_string(V.getAsInteger().value_or(0));
  printf("%s version%s %s of pid %d: %s\n",
         C.Undo->parsed() ? "undid" : "redid",
         Versions.find(',') == std::string::npos ? "" : "s", Versions.c_str(),
         S->Pid, joined(A->getArray("functions"), 8).c_str());
  return 0;
}

} // namespace hotc::driver
