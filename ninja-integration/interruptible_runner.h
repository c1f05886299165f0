// ninja's CommandRunner for in-process builds: runs each edge's command
// through ninja's SubprocessSet, as `ninja` does (same parallelism, same
// process groups, same handling of a host's SIGINT, SIGTERM and SIGHUP),
// and also stops when a BuildInterrupt is requested: it starts no command
// more, and Abort() kills those running.
#pragma once

#include "ninja-integration/build_interrupt.h"

#include "build.h"
#include "subprocess.h"

#include <map>

namespace hotc::ninja {

class InterruptibleRunner : public CommandRunner {
public:
  InterruptibleRunner(const BuildConfig &Config, BuildInterrupt &Interrupt);
  ~InterruptibleRunner() override;

  bool CanRunMore() const override;
  bool StartCommand(Edge *E) override;
  // False when interrupted (by the host's signal or by a request).
  bool WaitForCommand(Result *R) override;
  std::vector<Edge *> GetActiveEdges() override;
  void Abort() override;

private:
  const BuildConfig &Config;
  BuildInterrupt &Interrupt;
  // After Interrupt.enter(): the wake signal must be unblocked when the set
  // takes the mask its ppoll waits with.
  SubprocessSet Subprocs;
  std::map<const Subprocess *, Edge *> EdgeOf;
};

} // namespace hotc::ninja
