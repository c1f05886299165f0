// The agent's record of faults in patched code (protocol::crashLogPath),
// read as it grows: each fault is a `crash` line written from the fault
// handler before anything else, then an `outcome` line.
#pragma once

#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace hotc::driver {

struct CrashRecord {
  unsigned Seq = 0;
  int Signal = 0;
  int Code = 0; // si_code
  uint64_t Address = 0;
  int Tid = 0;
  unsigned Version = 0;        // of the innermost patched frame
  std::vector<uint64_t> Frames; // the faulting PC, then return addresses
  // The outcome, when its line has been read.
  bool HasOutcome = false;
  bool RolledBack = false;
  std::string Reason; // why not rolled back
  uint64_t Left = 0;  // the function the thread left
  std::vector<unsigned> Undone;
};

// Parses one line into R (a crash line starts a record, an outcome line
// completes it); false for a line that is neither.
bool parseCrashLine(const std::string &Line, std::vector<CrashRecord> &Records);

class CrashLog {
public:
  // Watches Pid's crash log; records written before now are not news.
  static llvm::Expected<std::unique_ptr<CrashLog>> open(int Pid);
  ~CrashLog();
  int fd() const { return Inotify; }
  // Records complete since the last call (their outcome read), and with
  // ProcessGone those whose outcome never came. Drains the watch's events.
  std::vector<CrashRecord> take(bool ProcessGone = false);
  // The log is the process's: removed when hotc is done with it.
  void remove();

private:
  std::string Path;
  int Inotify = -1;
  uint64_t Offset = 0;
  std::string Partial; // a line not finished yet
  std::vector<CrashRecord> Waiting; // crash lines without their outcome yet
};

} // namespace hotc::driver
