// ninja's Status for an in-process build: nothing is printed; each edge is
// reported to the caller's progress callback, and what failed is kept for
// the error the build returns.
#pragma once

#include "ninja-integration/build_step.h"

#include "status.h"

#include <string>
#include <vector>

namespace hotc::ninja {

struct BuildStatus : public Status {
  BuildStatus(std::string BuildDir, ProgressFn Progress)
      : BuildDir(std::move(BuildDir)), Progress(std::move(Progress)) {}

  void PlanHasTotalEdges(int Total) override;
  void BuildEdgeStarted(const Edge *E, int64_t StartMillis) override;
  void BuildEdgeFinished(Edge *E, int64_t EndMillis, bool Success,
                         const std::string &Output) override;
  void BuildLoadDyndeps() override {}
  void BuildStarted() override {}
  void BuildFinished() override {}
  void Info(const char *Format, ...) override;
  void Warning(const char *Format, ...) override;
  void Error(const char *Format, ...) override;

  // What `ninja` would have printed for each failed edge ("FAILED: out",
  // the command, its output), then its warnings and errors, one per line.
  std::string Failures;
  std::vector<std::string> Messages;

private:
  void report(BuildStep::Kind What, const Edge *E, bool Success);

  std::string BuildDir;
  ProgressFn Progress;
  int Total = 0;
  int Finished = 0;
};

} // namespace hotc::ninja
