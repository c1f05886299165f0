// Milliseconds since a steady-clock time point: the one way hotc measures
// the phases it reports (`ms` of events, progress, the latency harness).
#pragma once

#include <chrono>

namespace hotc {

inline double msSince(std::chrono::steady_clock::time_point T) {
  return std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - T)
      .count();
}

} // namespace hotc
