// The one difference engine of hotc, for any sequence: bytes (the region a
// focused compile generates, jit/focused_codegen), raw tokens (the forms a
// save touched, analysis/source_edit) and lines (a new text's lines on the
// running text's, jit/line_map).
//
// A sequence is anything with size() and operator[] whose elements compare
// with ==.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <utility>
#include <vector>

namespace hotc {

// What two sequences share at their start and at their end: A[0, Prefix)
// == B[0, Prefix), the last Suffix elements of each are equal, and the two
// never overlap (Prefix + Suffix <= the shorter size).
struct CommonEnds {
  size_t Prefix = 0, Suffix = 0;
};

template <class Seq> CommonEnds commonEnds(const Seq &A, const Seq &B) {
  size_t NA = A.size(), NB = B.size(), Max = std::min(NA, NB);
  CommonEnds E;
  while (E.Prefix < Max && A[E.Prefix] == B[E.Prefix])
    ++E.Prefix;
  while (E.Suffix < Max - E.Prefix && A[NA - 1 - E.Suffix] == B[NB - 1 - E.Suffix])
    ++E.Suffix;
  return E;
}

// Myers' O(ND) difference of A[AFrom, AFrom + N) and B[BFrom, BFrom + M):
// the pairs of indices (into A, into B) an edit script of at most MaxEdits
// keeps, in order; nullopt when more edits than that separate them.
template <class Seq>
std::optional<std::vector<std::pair<size_t, size_t>>>
keptPairs(const Seq &A, size_t AFrom, size_t N, const Seq &B, size_t BFrom,
          size_t M, int MaxEdits) {
  const int Max = static_cast<int>(std::min<size_t>(N + M, MaxEdits));
  // Diagonals -Max-1 .. Max+1: round 0 reads diagonal 1 even when both
  // sides are empty (identical texts), which a size of 2 * Max + 2 missed.
  std::vector<int> V(2 * Max + 3, 0);
  std::vector<std::vector<int>> Trace;
  // at(): an index past the diagonals is a bug of this function, never UB.
  auto At = [&](std::vector<int> &W, int K) -> int & { return W.at(K + Max + 1); };
  const int IN = static_cast<int>(N), IM = static_cast<int>(M);
  for (int D = 0; D <= Max; ++D) {
    Trace.push_back(V);
    for (int K = -D; K <= D; K += 2) {
      int X = (K == -D || (K != D && At(V, K - 1) < At(V, K + 1))) ? At(V, K + 1)
                                                                  : At(V, K - 1) + 1;
      int Y = X - K;
      while (X < IN && Y < IM && A[AFrom + X] == B[BFrom + Y])
        ++X, ++Y;
      At(V, K) = X;
      if (X < IN || Y < IM)
        continue;
      std::vector<std::pair<size_t, size_t>> Kept;
      for (int E = D; E >= 0; --E) {
        std::vector<int> &W = Trace[E];
        int KE = X - Y;
        int Prev = (KE == -E || (KE != E && At(W, KE - 1) < At(W, KE + 1))) ? KE + 1
                                                                          : KE - 1;
        int PX = E ? At(W, Prev) : 0, PY = E ? PX - Prev : 0;
        while (X > PX && Y > PY) {
          --X, --Y;
          Kept.push_back({AFrom + X, BFrom + Y});
        }
        X = PX, Y = PY;
      }
      std::reverse(Kept.begin(), Kept.end());
      return Kept;
    }
  }
  return std::nullopt;
}

} // namespace hotc
