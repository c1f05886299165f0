// What hotc tells the user: one human line per event, or with --json one
// JSON object per line with an "event" key, on stdout.
#pragma once

#include "patch_session.h"

#include <optional>
#include <string>

namespace hotc::driver {

class EventOutput {
public:
  explicit EventOutput(bool Json) : Json(Json) {}

  void ready(int Pid, size_t Units, size_t Symbols, double Ms);
  void patched(const jit::PatchReport &R);
  void unchanged(const std::vector<std::string> &Files);
  void ignored(const std::string &File, const std::string &Reason);
  // Reports a failed patch: compile, link or patch errors, with file:line
  // when the error has one. The process keeps its current code.
  void error(llvm::Error E);
  void exited(std::optional<int> Code);
  void note(const std::string &Text); // human mode only, on stderr

private:
  void emit(const std::string &Line);
  bool Json;
};

} // namespace hotc::driver
