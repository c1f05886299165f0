// What the status line says (watch/status_line.h): the session's state,
// then the background work still under way.
#include "watch/status_line.h"

#include <gtest/gtest.h>

namespace {

using hotc::driver::StatusFacts;
using hotc::driver::statusText;

TEST(StatusText, NamesTheBackgroundWorkOnlyWhileThereIsSome) {
  StatusFacts F;
  F.Units = 3;
  EXPECT_EQ(statusText(F), "hotc: watching 3 units · no patch yet");
  F.Version = 2;
  F.Last = llvm::json::Object{{"event", "patched"},
                              {"functions", llvm::json::Array{"_Z4stepi"}},
                              {"ms", llvm::json::Object{{"total", 38.2}}}};
  F.RebuildFiles = 1;
  F.Analyses = 4;
  EXPECT_EQ(statusText(F), "hotc: watching 3 units · version 2 · patched "
                           "step(int) in 38 ms · rebuilding 1 file on disk · "
                           "analysing 4 units");
  F.RebuildFiles = 0;
  F.Analyses = 1;
  F.Held = 2;
  F.Paused = true;
  EXPECT_EQ(statusText(F), "hotc: watching 3 units · version 2 · patched "
                           "step(int) in 38 ms · 2 saves held · paused (p "
                           "resumes) · analysing 1 unit");
}

} // namespace
