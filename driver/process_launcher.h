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

// Waits for a child started by launchWithAgent; returns its exit code, or
// 128 + signal when a signal ended it.
int waitForExit(int Pid);

// A pidfd for any process of ours (--pid mode), to notice its exit.
llvm::Expected<int> openPidFd(int Pid);

} // namespace hotc::driver
