// Starting the application with the agent preloaded, and following it.
#pragma once

#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace hotc::driver {

// The agent library next to this hotc ($HOTC_AGENT_PATH overrides).
llvm::Expected<std::string> findAgentLibrary();

struct Launched {
  int Pid = -1;
  int PidFd = -1; // readable when the process exits
};

// Starts Argv[0] (searched in PATH) with the agent preloaded and told its
// pid, so that the agent starts in it and not in its children.
llvm::Expected<Launched> launchWithAgent(const std::vector<std::string> &Argv,
                                         const std::string &AgentPath);

// How a child ended: exit(Code), or killed by Signal (then Code is 0).
// Kept apart so that exit(130) is not mistaken for SIGINT.
struct ExitStatus {
  int Code = 0;
  int Signal = 0;
  // The shell's convention, for hotc's own exit status: 128 + signal.
  int shellCode() const { return Signal ? 128 + Signal : Code; }
};

// Waits for a child started by launchWithAgent.
ExitStatus waitForExit(int Pid);

// A pidfd for any process of ours (--pid mode), to notice its exit.
llvm::Expected<int> openPidFd(int Pid);

} // namespace hotc::driver
