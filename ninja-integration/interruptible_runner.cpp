#include "ninja-integration/interruptible_runner.h"

#include "graph.h" // Edge
#include "util.h"  // GetLoadAverage

#include <csignal>

namespace hotc::ninja {

namespace {

// Subprocs is built after this: the interrupt must be entered first.
BuildInterrupt &entered(BuildInterrupt &I) {
  I.enter();
  return I;
}

} // namespace

InterruptibleRunner::InterruptibleRunner(const BuildConfig &Config,
                                         BuildInterrupt &Interrupt)
    : Config(Config), Interrupt(entered(Interrupt)) {}

InterruptibleRunner::~InterruptibleRunner() { Interrupt.leave(); }

bool InterruptibleRunner::CanRunMore() const {
  size_t Busy = Subprocs.running_.size() + Subprocs.finished_.size();
  if (static_cast<int>(Busy) >= Config.parallelism)
    return false;
  // ninja's -l: only once something runs.
  return Subprocs.running_.empty() || Config.max_load_average <= 0.0f ||
         GetLoadAverage() < Config.max_load_average;
}

bool InterruptibleRunner::StartCommand(Edge *E) {
  if (Interrupt.requested())
    return false; // the Builder cleans up and fails: reported as interrupted
  Subprocess *S = Subprocs.Add(E->EvaluateCommand(), E->use_console());
  if (!S)
    return false;
  EdgeOf.emplace(S, E);
  return true;
}

bool InterruptibleRunner::WaitForCommand(Result *R) {
  for (;;) {
    // A command that finished is taken first: its output is whole.
    if (Subprocess *S = Subprocs.NextFinished()) {
      R->status = S->Finish();
      R->output = S->GetOutput();
      auto It = EdgeOf.find(S);
      R->edge = It->second;
      EdgeOf.erase(It);
      delete S;
      return true;
    }
    if (Interrupt.beginWait())
      return false;
    // True for the host's signals; the wake signal returns false.
    bool HostSignal = Subprocs.DoWork();
    Interrupt.endWait();
    if (HostSignal)
      return false;
  }
}

std::vector<Edge *> InterruptibleRunner::GetActiveEdges() {
  std::vector<Edge *> Edges;
  for (const auto &[S, E] : EdgeOf)
    Edges.push_back(E);
  return Edges;
}

void InterruptibleRunner::Abort() {
  // Clear() sends each command's process group the signal that interrupted
  // the build; a request is not a signal, so it sends SIGTERM then (ninja's
  // "interrupted" status), and waits for them.
  int &Signal = SubprocessSet::interrupted_;
  bool Requested = Signal == 0 && Interrupt.requested();
  if (Requested)
    Signal = SIGTERM;
  Subprocs.Clear();
  if (Requested)
    Signal = 0;
  EdgeOf.clear();
}

} // namespace hotc::ninja
