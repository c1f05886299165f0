#include "agent/debugger_marks.h"
#include "agent/memory_maps.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace hotc::agent {

bool debuggerAttached() {
  FILE *F = fopen("/proc/self/status", "re");
  if (!F)
    return false;
  char Line[256];
  long Tracer = 0;
  while (fgets(Line, sizeof(Line), F))
    if (sscanf(Line, "TracerPid: %ld", &Tracer) == 1)
      break;
  fclose(F);
  return Tracer != 0;
}

std::string debuggerMarkIn(uint64_t Addr, size_t N) {
  std::string Path;
  uint64_t Offset = 0;
  if (N > 16 || !fileBacking(Addr, Path, Offset))
    return "";
  int Fd = open(Path.c_str(), O_RDONLY | O_CLOEXEC);
  if (Fd < 0)
    return "";
  uint8_t InFile[16];
  ssize_t Got = pread(Fd, InFile, N, static_cast<off_t>(Offset));
  close(Fd);
  if (Got != static_cast<ssize_t>(N))
    return "";
  const auto *InMemory = reinterpret_cast<const uint8_t *>(Addr);
  for (size_t I = 0; I < N; ++I)
    if (InMemory[I] != InFile[I]) {
      char Why[256];
      snprintf(Why, sizeof(Why),
               "a debugger changed the first bytes of the function at 0x%" PRIx64
               " (%s at +%zu: a breakpoint on its first instruction); delete "
               "it, or break on a line inside the function, and save again",
               Addr, InMemory[I] == 0xCC ? "int3" : "a byte", I);
      return Why;
    }
  return "";
}

} // namespace hotc::agent
