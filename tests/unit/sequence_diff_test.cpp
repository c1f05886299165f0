// The one difference engine (support/sequence_diff.h) over the three kinds
// of sequence hotc diffs: bytes, tokens and lines.
#include "support/sequence_diff.h"

#include "llvm/ADT/StringRef.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using namespace hotc;

namespace {

TEST(SequenceDiff, CommonEndsNeverOverlap) {
  // "aaa" against "aa": the shared prefix takes both a's; the suffix must
  // not count them again.
  CommonEnds E = commonEnds(llvm::StringRef("aaa"), llvm::StringRef("aa"));
  EXPECT_EQ(E.Prefix, 2u);
  EXPECT_EQ(E.Suffix, 0u);
  CommonEnds Same = commonEnds(llvm::StringRef("abc"), llvm::StringRef("abc"));
  EXPECT_EQ(Same.Prefix, 3u);
  EXPECT_EQ(Same.Suffix, 0u);
  CommonEnds Empty = commonEnds(llvm::StringRef(""), llvm::StringRef("x"));
  EXPECT_EQ(Empty.Prefix + Empty.Suffix, 0u);
}

TEST(SequenceDiff, CommonEndsOfTokensAndBytesAgreeOnAnEdit) {
  std::vector<std::string> Old{"int", "f", "(", ")", "{", "return", "1", ";", "}"};
  std::vector<std::string> New{"int", "f", "(", ")", "{", "return", "2", ";", "}"};
  CommonEnds T = commonEnds(Old, New);
  EXPECT_EQ(T.Prefix, 6u);
  EXPECT_EQ(T.Suffix, 2u);
  CommonEnds B = commonEnds(llvm::StringRef("int f() { return 1; }"),
                            llvm::StringRef("int f() { return 2; }"));
  EXPECT_EQ(B.Prefix, 17u);
  EXPECT_EQ(B.Suffix, 3u);
}

TEST(SequenceDiff, KeptPairsAreALongestCommonSubsequence) {
  std::vector<std::string> A{"a", "b", "c", "d", "e"};
  std::vector<std::string> B{"a", "x", "c", "e", "y"};
  auto Kept = keptPairs(A, 0, A.size(), B, 0, B.size(), 100);
  ASSERT_TRUE(Kept);
  std::vector<std::pair<size_t, size_t>> Want{{0, 0}, {2, 2}, {4, 3}};
  EXPECT_EQ(*Kept, Want);
  // A window of each: the indices stay those of the whole sequences.
  auto Window = keptPairs(A, 1, 3, B, 1, 3, 100);
  ASSERT_TRUE(Window);
  std::vector<std::pair<size_t, size_t>> WantWindow{{2, 2}};
  EXPECT_EQ(*Window, WantWindow);
  // Empty windows (identical texts once the ends are taken): nothing kept,
  // and no read past the diagonals.
  auto None = keptPairs(A, 5, 0, B, 5, 0, 100);
  ASSERT_TRUE(None);
  EXPECT_TRUE(None->empty());
  // More edits than allowed: no answer rather than a wrong one.
  std::vector<std::string> C{"p", "q", "r", "s"}, D{"w", "x", "y", "z"};
  EXPECT_FALSE(keptPairs(C, 0, 4, D, 0, 4, 3));
}

} // namespace
