// The name the agent gives its threads (the listener and the threads ORC
// starts from it inherit it): how the agent tells its own threads from the
// application's, in the world stop and before patching. One owner, so a
// rename cannot leave one of them looking for the old name.
#pragma once

#include <cstring>

namespace hotc::agent {

inline constexpr char kAgentThreadName[] = "hotc-agent";

// Name: a thread's name as the kernel keeps it (comm, maybe with a
// newline after it).
inline bool isAgentThreadName(const char *Name) {
  return strncmp(Name, kAgentThreadName, sizeof(kAgentThreadName) - 1) == 0;
}

} // namespace hotc::agent
