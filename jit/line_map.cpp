#include "jit/line_map.h"
#include "support/sequence_diff.h"

#include "llvm/ADT/SmallVector.h"

using namespace llvm;

namespace hotc::jit {

LineMap::LineMap(StringRef Running, StringRef New) {
  SmallVector<StringRef, 0> Old, Now;
  Running.split(Old, '\n');
  New.split(Now, '\n');
  RunningOf.assign(Now.size() + 1, 0);
  Inserted.assign(Now.size() + 1, false);
  Replaced.assign(Now.size() + 1, {1, 0});
  // The lines both keep at the start and at the end, then the difference
  // of what lies between.
  auto [Prefix, Suffix] = commonEnds(Old, Now);
  std::vector<std::pair<size_t, size_t>> Kept;
  for (size_t I = 0; I < Prefix; ++I)
    Kept.push_back({I, I});
  auto Middle = keptPairs(Old, Prefix, Old.size() - Prefix - Suffix, Now, Prefix,
                          Now.size() - Prefix - Suffix, /*MaxEdits=*/2000);
  if (Middle)
    Kept.insert(Kept.end(), Middle->begin(), Middle->end());
  for (size_t I = Suffix; I > 0; --I)
    Kept.push_back({Old.size() - I, Now.size() - I});
  // Kept lines map; so do the lines of a run the edit replaced by as many.
  Kept.push_back({Old.size(), Now.size()});
  size_t O = 0, N = 0;
  for (auto [KO, KN] : Kept) {
    if (Middle && KO - O == KN - N)
      for (size_t I = 0; I < KN - N; ++I)
        RunningOf[N + I + 1] = O + I + 1;
    if (Middle && KO == O)
      for (size_t I = N; I < KN; ++I)
        Inserted[I + 1] = true;
    else
      for (size_t I = N; I < KN; ++I)
        Replaced[I + 1] = {O + 1, KO};
    if (KN < Now.size())
      RunningOf[KN + 1] = KO + 1;
    O = KO + 1, N = KN + 1;
  }
}

bool LineMap::inserted(unsigned Line) const {
  return Line < Inserted.size() && Inserted[Line];
}

std::pair<unsigned, unsigned> LineMap::replacedLines(unsigned Line) const {
  return Line < Replaced.size() ? Replaced[Line] : std::pair<unsigned, unsigned>{1, 0};
}

std::optional<unsigned> LineMap::runningLine(unsigned Line) const {
  if (Line == 0 || Line >= RunningOf.size() || RunningOf[Line] == 0)
    return std::nullopt;
  return RunningOf[Line];
}

} // namespace hotc::jit
