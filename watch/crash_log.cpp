#include "watch/crash_log.h"

#include "protocol/agent_protocol.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Path.h"

#include <cerrno>
#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace llvm;

namespace hotc::driver {
namespace {

uint64_t number(StringRef V) {
  uint64_t N = 0;
  (void)V.getAsInteger(0, N); // 0x… or decimal; a garbled field reads 0
  return N;
}

template <typename T> std::vector<T> numbers(StringRef V) {
  std::vector<T> Out;
  SmallVector<StringRef, 32> Parts;
  V.split(Parts, ',', -1, false);
  for (StringRef P : Parts)
    Out.push_back(static_cast<T>(number(P)));
  return Out;
}

} // namespace

bool parseCrashLine(const std::string &Text, std::vector<CrashRecord> &Records) {
  StringRef Line(Text);
  auto [Kind, Rest] = Line.split(' ');
  auto [SeqText, Fields] = Rest.split(' ');
  unsigned Seq = static_cast<unsigned>(number(SeqText));
  if (Kind == "crash") {
    CrashRecord R;
    R.Seq = Seq;
    SmallVector<StringRef, 8> Parts;
    Fields.split(Parts, ' ', -1, false);
    for (StringRef P : Parts) {
      auto [Key, Value] = P.split('=');
      if (Key == "signal")
        R.Signal = static_cast<int>(number(Value));
      else if (Key == "code")
        R.Code = static_cast<int>(static_cast<int32_t>(number(Value)));
      else if (Key == "address")
        R.Address = number(Value);
      else if (Key == "tid")
        R.Tid = static_cast<int>(number(Value));
      else if (Key == "version")
        R.Version = static_cast<unsigned>(number(Value));
      else if (Key == "frames")
        R.Frames = numbers<uint64_t>(Value);
    }
    Records.push_back(std::move(R));
    return true;
  }
  if (Kind != "outcome")
    return false;
  CrashRecord *R = nullptr;
  for (CrashRecord &C : Records)
    if (C.Seq == Seq)
      R = &C;
  if (!R) { // its crash line came in an earlier take()
    Records.emplace_back();
    R = &Records.back();
    R->Seq = Seq;
  }
  R->HasOutcome = true;
  if (Fields.consume_front("reported reason=")) {
    R->Reason = Fields.str();
    return true;
  }
  if (!Fields.consume_front("rolled-back "))
    return false;
  R->RolledBack = true;
  SmallVector<StringRef, 4> Parts;
  Fields.split(Parts, ' ', -1, false);
  for (StringRef P : Parts) {
    auto [Key, Value] = P.split('=');
    if (Key == "left")
      R->Left = number(Value);
    else if (Key == "versions")
      R->Undone = numbers<unsigned>(Value);
  }
  return true;
}

Expected<std::unique_ptr<CrashLog>> CrashLog::open(int Pid) {
  auto L = std::make_unique<CrashLog>();
  L->Path = protocol::crashLogPath(Pid);
  L->Inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (L->Inotify < 0)
    return errorCodeToError(std::error_code(errno, std::generic_category()));
  std::string Dir = sys::path::parent_path(L->Path).str();
  if (inotify_add_watch(L->Inotify, Dir.c_str(),
                        IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE) < 0)
    return createStringError(std::error_code(errno, std::generic_category()),
                             "cannot watch %s for crash reports: %s",
                             Dir.c_str(), strerror(errno));
  struct stat St;
  if (stat(L->Path.c_str(), &St) == 0)
    L->Offset = static_cast<uint64_t>(St.st_size);
  return std::move(L);
}

CrashLog::~CrashLog() {
  if (Inotify >= 0)
    close(Inotify);
}

std::vector<CrashRecord> CrashLog::take(bool ProcessGone) {
  alignas(inotify_event) char Events[4096];
  bool Touched = ProcessGone;
  while (read(Inotify, Events, sizeof(Events)) > 0)
    Touched = true; // the directory changed: maybe the log
  std::vector<CrashRecord> Out;
  if (!Touched) // nothing written since the last read: no file I/O per save
    return Out;
  int FD = ::open(Path.c_str(), O_RDONLY | O_CLOEXEC);
  char Buf[8192];
  ssize_t Got;
  while (FD >= 0 &&
         (Got = pread(FD, Buf, sizeof(Buf), static_cast<off_t>(Offset))) > 0) {
    Offset += static_cast<uint64_t>(Got);
    Partial.append(Buf, static_cast<size_t>(Got));
  }
  if (FD >= 0)
    close(FD);
  size_t Start = 0;
  for (size_t End; (End = Partial.find('\n', Start)) != std::string::npos;
       Start = End + 1)
    parseCrashLine(Partial.substr(Start, End - Start), Waiting);
  Partial.erase(0, Start);
  for (auto It = Waiting.begin(); It != Waiting.end();) {
    if (It->HasOutcome || ProcessGone) {
      Out.push_back(std::move(*It));
      It = Waiting.erase(It);
    } else {
      ++It;
    }
  }
  return Out;
}

void CrashLog::remove() { unlink(Path.c_str()); }

} // namespace hotc::driver
