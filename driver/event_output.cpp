#include "event_output.h"

#include "llvm/Demangle/Demangle.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdio>
#include <unistd.h>

using namespace llvm;

namespace hotc::driver {
namespace {

json::Array toArray(const std::vector<std::string> &V) {
  json::Array A;
  for (const std::string &S : V)
    A.push_back(S);
  return A;
}

std::string jsonLine(json::Object O) {
  std::string S;
  raw_string_ostream OS(S);
  OS << json::Value(std::move(O));
  return OS.str();
}

// "update.cpp: step(), draw()" for the human line.
std::string describe(const jit::PatchReport &R) {
  std::string Out;
  for (const std::string &U : R.Units)
    Out += (Out.empty() ? "" : ", ") + sys::path::filename(U).str();
  std::vector<std::string> Names;
  for (const std::string &F : R.Functions)
    Names.push_back(demangle(F));
  for (const std::string &F : R.Created)
    Names.push_back("new " + demangle(F));
  if (!Names.empty())
    Out += ": ";
  for (size_t I = 0; I < Names.size() && I < 8; ++I)
    Out += (I ? ", " : "") + Names[I];
  if (Names.size() > 8)
    Out += formatv(", and {0} more", Names.size() - 8).str();
  return Out;
}

} // namespace

void EventOutput::emit(const std::string &Line) {
  std::string L = Line + "\n";
  fwrite(L.data(), 1, L.size(), stdout);
  fflush(stdout);
}

void EventOutput::note(const std::string &Text) {
  if (!Json)
    fprintf(stderr, "hotc: %s\n", Text.c_str());
}

void EventOutput::ready(int Pid, size_t Units, size_t Symbols, double Ms) {
  if (Json)
    return emit(jsonLine(json::Object{{"event", "ready"},
                          {"pid", Pid},
                          {"units", static_cast<int64_t>(Units)},
                          {"symbols", static_cast<int64_t>(Symbols)},
                          {"ms", Ms}}));
  emit(formatv("hotc: watching {0} translation units of pid {1} (ready in "
               "{2:f0} ms): edit and save to patch",
               Units, Pid, Ms));
}

void EventOutput::patched(const jit::PatchReport &R) {
  if (Json)
    return emit(jsonLine(json::Object{
        {"event", "patched"},
         {"version", R.Version},
         {"functions", toArray(R.Functions)},
         {"created", toArray(R.Created)},
         {"files", toArray(R.Units)},
         {"warnings", toArray(R.Warnings)},
         {"ms", json::Object{{"total", R.Ms.Total},
                             {"compile", R.Ms.Compile},
                             {"link", R.Ms.Link},
                             {"patch", R.Ms.Patch},
                             {"frontend", R.Ms.Frontend},
                             {"codegen", R.Ms.Codegen},
                             {"preamble", R.Ms.Preamble}}},
         {"focused", R.Focused}}));
  size_t N = R.Functions.size();
  emit(formatv("patched {0} function{1} in {2:f0} ms (compile {3:f0}, link "
               "{4:f0}, patch {5:f1}) — {6}",
               N, N == 1 ? "" : "s", R.Ms.Total, R.Ms.Compile, R.Ms.Link,
               R.Ms.Patch, describe(R)));
  for (const std::string &W : R.Warnings)
    emit("  warning: " + W);
}

void EventOutput::unchanged(const std::vector<std::string> &Files) {
  if (Json)
    return emit(jsonLine(json::Object{{"event", "unchanged"}, {"files", toArray(Files)}}));
  std::string Names;
  for (const std::string &F : Files)
    Names += (Names.empty() ? "" : ", ") + sys::path::filename(F).str();
  emit("hotc: " + Names + ": no function changed, nothing to patch");
}

void EventOutput::ignored(const std::string &File, const std::string &Reason) {
  if (Json)
    return emit(jsonLine(json::Object{
        {"event", "ignored"}, {"file", File}, {"reason", Reason}}));
  emit("hotc: ignored " + File + ": " + Reason);
}

void EventOutput::error(Error E) {
  json::Object O{{"event", "error"}};
  std::string Kind = "patch";
  handleAllErrors(
      std::move(E),
      [&](const jit::CompileFailure &F) {
        Kind = "compile";
        std::string All;
        raw_string_ostream OS(All);
        F.log(OS);
        O["message"] = OS.str();
        if (const jit::SourceDiagnostic *D = F.firstError()) {
          O["file"] = D->File;
          O["line"] = D->Line;
          O["column"] = D->Column;
          O["message"] = D->Message;
        }
        json::Array Diags;
        for (const jit::SourceDiagnostic &D : F.diagnostics())
          Diags.push_back(json::Object{{"file", D.File},
                                       {"line", D.Line},
                                       {"column", D.Column},
                                       {"severity", D.Severity},
                                       {"message", D.Message}});
        O["diagnostics"] = std::move(Diags);
        O["text"] = OS.str();
      },
      [&](const jit::LinkFailure &F) {
        Kind = "link";
        O["file"] = F.unit();
        std::string Text;
        raw_string_ostream OS(Text);
        F.log(OS);
        O["message"] = OS.str();
      },
      [&](const ErrorInfoBase &Other) { O["message"] = Other.message(); });
  O["kind"] = Kind;
  if (Json)
    return emit(jsonLine(std::move(O)));
  std::string Text = O.getString("text").value_or(
      O.getString("message").value_or("unknown error")).str();
  emit(Text);
  emit("hotc: " + Kind + " failed: nothing applied, the process keeps "
       "running its current code");
}

void EventOutput::exited(std::optional<int> Code) {
  if (Json)
    return emit(jsonLine(json::Object{{"event", "exited"},
                          {"code", Code ? json::Value(*Code) : json::Value(nullptr)}}));
  emit(Code ? formatv("hotc: the process exited with code {0}", *Code).str()
            : "hotc: the process exited");
}

} // namespace hotc::driver
