// Patches applied at the program's own safe points (safe_points = true in
// hotreload.toml): the agent hands the re-pointing of a patch to the next
// program thread that calls hotreload_safe_point() (once per frame of a
// game loop, say) instead of stopping the world for it. That thread writes
// the entries itself, between two frames, so its own stack holds no frame
// of the code being replaced but its callers'; hooks of hotreload.h run on
// it too.
#pragma once

#include "agent/world_stop.h"

#include <functional>

namespace hotc::agent::safe_point {

// Work for the thread at the safe point; Self holds that thread's
// registers as it called hotreload_safe_point (pc: the return address
// into its caller, sp: the caller's stack pointer).
using Job = std::function<void(const StoppedThread &Self)>;

// Runs J on the next program thread to reach hotreload_safe_point(),
// waiting at most TimeoutMs for one to. Returns false when none did: J
// never ran and never will. One job at a time (hotc sends one patch at a
// time); a second caller waits for the first.
bool run(Job J, unsigned TimeoutMs);

// hotc went away: a job no thread has taken yet is withdrawn (run returns
// false at once), so a patch whose hotc is gone is never applied.
void withdraw();

} // namespace hotc::agent::safe_point
