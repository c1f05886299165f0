#include "agent/memory_maps.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace hotc::agent {

std::vector<MemoryMapping> readMemoryMaps() {
  std::vector<MemoryMapping> Out;
  FILE *F = fopen("/proc/self/maps", "re");
  if (!F)
    return Out;
  char Line[4096 + 128]; // a path is at most PATH_MAX
  while (fgets(Line, sizeof(Line), F)) {
    unsigned long long Start, End, Off;
    char Perms[8];
    int PathAt = -1;
    if (sscanf(Line, "%llx-%llx %7s %llx %*s %*s %n", &Start, &End, Perms, &Off,
               &PathAt) < 4)
      continue;
    MemoryMapping M;
    M.Start = Start, M.End = End, M.Offset = Off;
    M.Readable = Perms[0] == 'r';
    if (PathAt > 0) {
      const char *P = Line + PathAt;
      M.Path.assign(P, strcspn(P, "\n"));
    }
    Out.push_back(std::move(M));
  }
  fclose(F);
  std::sort(Out.begin(), Out.end(), [](const MemoryMapping &A, const MemoryMapping &B) {
    return A.Start < B.Start;
  });
  return Out;
}

bool fileBacking(uint64_t Addr, std::string &Path, uint64_t &Offset) {
  for (const MemoryMapping &M : readMemoryMaps()) {
    if (Addr < M.Start || Addr >= M.End)
      continue;
    if (M.Path.empty() || M.Path[0] != '/')
      return false; // [heap], [anon:...], or no path at all
    Path = M.Path;
    Offset = Addr - M.Start + M.Offset;
    return true;
  }
  return false;
}

} // namespace hotc::agent
