// The wrapper functions hotc calls in the agent (see protocol/agent_protocol.h)
// and the state behind them: the entry patcher and the record of symbols
// created by earlier patches.
#pragma once

#include "llvm/ADT/StringMap.h"
#include "llvm/ExecutionEngine/Orc/Shared/ExecutorAddress.h"

#include <string>

namespace hotc::agent {

// Adds every wrapper function the agent serves, by protocol name.
void addServiceSymbols(llvm::StringMap<llvm::orc::ExecutorAddr> &Symbols);

// Prepares process-wide state (the world-stop and crash handlers, once the
// socket directory exists); false with Why on failure.
bool initServices(std::string &Why);

} // namespace hotc::agent
