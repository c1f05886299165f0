#include "jit/line_map.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <algorithm>

using namespace llvm;

namespace hotc::jit {

namespace {

// Myers' O(ND) difference of two sequences of lines: the pairs of lines
// (index in A, index in B) an edit script of at most MaxEdits keeps, in
// order; nullopt when more edits than that separate them.
std::optional<std::vector<std::pair<size_t, size_t>>>
keptLines(ArrayRef<StringRef> A, ArrayRef<StringRef> B, int MaxEdits) {
  const int N = A.size(), M = B.size(), Max = std::min(N + M, MaxEdits);
  // Diagonals -Max-1 .. Max+1: round 0 reads diagonal 1 even when both
  // sides are empty (identical texts), which a size of 2 * Max + 2 missed.
  std::vector<int> V(2 * Max + 3, 0);
  std::vector<std::vector<int>> Trace;
  // at(): an index past the diagonals is a bug of this function, never UB.
  auto At = [&](std::vector<int> &W, int K) -> int & { return W.at(K + Max + 1); };
  for (int D = 0; D <= Max; ++D) {
    Trace.push_back(V);
    for (int K = -D; K <= D; K += 2) {
      int X = (K == -D || (K != D && At(V, K - 1) < At(V, K + 1))) ? At(V, K + 1)
                                                                  : At(V, K - 1) + 1;
      int Y = X - K;
      while (X < N && Y < M && A[X] == B[Y])
        ++X, ++Y;
      At(V, K) = X;
      if (X < N || Y < M)
        continue;
      std::vector<std::pair<size_t, size_t>> Kept;
      for (int E = D; E >= 0; --E) {
        std::vector<int> &W = Trace[E];
        int KE = X - Y;
        int Prev = (KE == -E || (KE != E && At(W, KE - 1) < At(W, KE + 1))) ? KE + 1
                                                                          : KE - 1;
        int PX = E ? At(W, Prev) : 0, PY = E ? PX - Prev : 0;
        while (X > PX && Y > PY)
          Kept.push_back({size_t(--X), size_t(--Y)});
        X = PX, Y = PY;
      }
      std::reverse(Kept.begin(), Kept.end());
      return Kept;
    }
  }
  return std::nullopt;
}

} // namespace

LineMap::LineMap(StringRef Running, StringRef New) {
  SmallVector<StringRef, 0> Old, Now;
  Running.split(Old, '\n');
  New.split(Now, '\n');
  RunningOf.assign(Now.size() + 1, 0);
  Inserted.assign(Now.size() + 1, false);
  // The lines both keep at the start and at the end, then the difference
  // of what lies between.
  size_t Prefix = 0;
  while (Prefix < Old.size() && Prefix < Now.size() && Old[Prefix] == Now[Prefix])
    ++Prefix;
  size_t Suffix = 0;
  while (Suffix < Old.size() - Prefix && Suffix < Now.size() - Prefix &&
         Old[Old.size() - 1 - Suffix] == Now[Now.size() - 1 - Suffix])
    ++Suffix;
  std::vector<std::pair<size_t, size_t>> Kept;
  for (size_t I = 0; I < Prefix; ++I)
    Kept.push_back({I, I});
  auto Middle = keptLines(ArrayRef(Old).slice(Prefix, Old.size() - Prefix - Suffix),
                          ArrayRef(Now).slice(Prefix, Now.size() - Prefix - Suffix),
                          /*MaxEdits=*/2000);
  if (Middle)
    for (auto [O, N] : *Middle)
      Kept.push_back({O + Prefix, N + Prefix});
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
    if (KN < Now.size())
      RunningOf[KN + 1] = KO + 1;
    O = KO + 1, N = KN + 1;
  }
}

bool LineMap::inserted(unsigned Line) const {
  return Line < Inserted.size() && Inserted[Line];
}

std::optional<unsigned> LineMap::runningLine(unsigned Line) const {
  if (Line == 0 || Line >= RunningOf.size() || RunningOf[Line] == 0)
    return std::nullopt;
  return RunningOf[Line];
}

} // namespace hotc::jit
