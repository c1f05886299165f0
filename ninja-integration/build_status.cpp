#include "ninja-integration/build_status.h"

#include "ninja-integration/node_paths.h"

#include "graph.h"
#include "util.h" // StripAnsiEscapeCodes

#include <cstdarg>
#include <cstdio>

namespace hotc::ninja {

namespace {

std::string formatted(const char *Format, va_list Args) {
  va_list Copy;
  va_copy(Copy, Args);
  int Size = vsnprintf(nullptr, 0, Format, Copy);
  va_end(Copy);
  std::string Text(Size > 0 ? Size : 0, '\0');
  if (Size > 0)
    vsnprintf(Text.data(), Text.size() + 1, Format, Args);
  return Text;
}

std::string description(const Edge *E) {
  std::string Text = E->GetBinding("description");
  return Text.empty() ? E->EvaluateCommand() : Text;
}

std::string outputList(const Edge *E) {
  std::string List;
  for (const Node *Out : E->outputs_)
    List += (List.empty() ? "" : " ") + Out->path();
  return List;
}

} // namespace

void BuildStatus::PlanHasTotalEdges(int Edges) { Total = Edges; }

void BuildStatus::BuildEdgeStarted(const Edge *E, int64_t) {
  report(BuildStep::Kind::Started, E, true);
}

void BuildStatus::BuildEdgeFinished(Edge *E, int64_t, bool Success,
                                    const std::string &Output) {
  ++Finished;
  if (!Success) {
    // Plain text: the error may end up in a log or a JSON event, where a
    // compiler's forced colours would only be noise.
    Failures += "FAILED: " + outputList(E) + "\n" + E->EvaluateCommand() +
                "\n" + StripAnsiEscapeCodes(Output);
    if (!Failures.empty() && Failures.back() != '\n')
      Failures += '\n';
  }
  report(BuildStep::Kind::Finished, E, Success);
}

void BuildStatus::report(BuildStep::Kind What, const Edge *E, bool Success) {
  if (!Progress)
    return;
  BuildStep Step;
  Step.What = What;
  Step.Description = description(E);
  if (!E->outputs_.empty())
    Step.Output = absolutePath(BuildDir, E->outputs_[0]->path());
  Step.Success = Success;
  Step.Finished = Finished;
  Step.Total = Total;
  Progress(Step);
}

void BuildStatus::Info(const char *Format, ...) {
  va_list Args;
  va_start(Args, Format);
  Messages.push_back(formatted(Format, Args));
  va_end(Args);
}

void BuildStatus::Warning(const char *Format, ...) {
  va_list Args;
  va_start(Args, Format);
  Messages.push_back("warning: " + formatted(Format, Args));
  va_end(Args);
}

void BuildStatus::Error(const char *Format, ...) {
  va_list Args;
  va_start(Args, Format);
  Messages.push_back("error: " + formatted(Format, Args));
  va_end(Args);
}

} // namespace hotc::ninja
