#include "jit/old_code_warnings.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;

namespace hotc::jit {
namespace {

// "the main thread (tid 4242)", "thread 4243 (worker)".
std::string threadName(int Pid, int Tid) {
  if (Tid == Pid)
    return formatv("the main thread (tid {0})", Tid).str();
  std::string Name;
  // /proc files have no size: read them as a stream.
  if (auto Comm = MemoryBuffer::getFileAsStream(
          formatv("/proc/{0}/task/{1}/comm", Pid, Tid).str()))
    Name = (*Comm)->getBuffer().rtrim("\n").str();
  return Name.empty() ? formatv("thread {0}", Tid).str()
                      : formatv("thread {0} ({1})", Tid, Name).str();
}

// The threads certainly in old code, and those a real frame of which
// returns into it (the candidates' frames walked with the CFI).
std::vector<OldCodeThread> threadsInOldCode(const OldCodeReport &Report,
                                            StackUnwinder &Unwinder) {
  std::vector<OldCodeThread> Out = Report.Certain;
  for (const ThreadStack &T : Report.Candidates)
    for (uint64_t Ret : Unwinder.returnAddresses(T))
      for (const OldCodeReport::Range &R : Report.Ranges)
        if (Ret > R.Start && Ret <= R.End &&
            none_of(Out, [&](const OldCodeThread &O) {
              return O.Tid == T.Tid && O.Entry == R.Entry;
            }))
          Out.push_back({T.Tid, R.Entry});
  return Out;
}

} // namespace

std::vector<std::string>
appendOldCodeWarnings(std::vector<std::string> Warnings,
                      const OldCodeReport &Report, StackUnwinder &Unwinder,
                      ArrayRef<EntryRepoint> Entries, int Pid) {
  for (const OldCodeThread &T : threadsInOldCode(Report, Unwinder)) {
    auto E = find_if(Entries, [&](const EntryRepoint &X) { return X.Entry == T.Entry; });
    if (E == Entries.end())
      continue;
    std::string Fn = demangle(E->Name);
    if (Fn.find('(') == std::string::npos)
      Fn += "()";
    Warnings.push_back(Fn + " is running on " + threadName(Pid, T.Tid) +
                       " and keeps its old code until it returns");
  }
  return Warnings;
}

} // namespace hotc::jit
