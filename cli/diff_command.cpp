#include "cli/diff_command.h"

#include "cli/index_project.h"
#include "analysis/rebuild_set.h"

#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

using namespace llvm;

namespace hotc::driver {
namespace {

json::Value changesJson(const ProjectIndex &P, const index::RebuildSet &R) {
  json::Array Changes, Rebuild, Layouts, Errors;
  for (const index::FormChange &C : P.Changes) {
    const index::Form &F = C.current();
    Changes.push_back(json::Object{{"change", index::changeKindName(C.Kind)},
                                   {"kind", index::formKindName(F.Kind)},
                                   {"name", F.Name}, {"id", F.Id},
                                   {"file", F.File}, {"line", F.BeginLine}});
  }
  for (const index::RebuildEntry &E : R.Functions)
    Rebuild.push_back(json::Object{{"name", E.Name}, {"id", E.Id},
                                   {"file", E.File}, {"line", E.Line},
                                   {"change", E.Change},
                                   {"reason", index::describeReason(E)}});
  for (const index::LayoutChange &L : R.Layouts)
    Layouts.push_back(json::Object{{"type", L.Type}, {"file", L.File},
                                   {"line", L.Line}, {"what", L.What},
                                   {"affected", json::Array(L.Affected)}});
  for (const index::DanglingUse &D : R.Errors)
    Errors.push_back(json::Object{{"removed", D.Removed}, {"user", D.User},
                                  {"file", D.File}, {"line", D.Line}});
  return json::Object{{"baselined", P.Baselined},
                      {"changes", std::move(Changes)},
                      {"rebuild", std::move(Rebuild)},
                      {"layout", std::move(Layouts)},
                      {"errors", std::move(Errors)}};
}

void printHuman(const ProjectIndex &P, const index::RebuildSet &R) {
  raw_ostream &OS = outs();
  if (P.Baselined)
    OS << "recorded the first analysis of " << P.Baselined << " unit"
       << (P.Baselined == 1 ? "" : "s") << "\n";
  if (P.Changes.empty()) {
    OS << "no form changed\n";
    return;
  }
  for (const index::FormChange &C : P.Changes) {
    const index::Form &F = C.current();
    OS << format("%-8s %-9s ", index::changeKindName(C.Kind),
                 index::formKindName(F.Kind))
       << F.Name << "  " << shortLocation(F) << "\n";
  }
  OS << "rebuild " << R.Functions.size() << " function"
     << (R.Functions.size() == 1 ? "" : "s") << ":\n";
  for (const index::RebuildEntry &E : R.Functions)
    OS << "  " << index::describeReason(E) << "\n";
  for (const index::LayoutChange &L : R.Layouts) {
    OS << "layout change: " << L.Type << " (" << sys::path::filename(L.File)
       << ":" << L.Line << "): " << L.What << "; used by";
    for (const std::string &A : L.Affected)
      OS << " " << A;
    OS << "\n";
  }
  for (const index::DanglingUse &D : R.Errors)
    errs() << D.File << ":" << D.Line << ": error: " << D.User << " uses "
           << D.Removed << ", which was removed\n";
}

} // namespace

int runDiff(const DiffOptions &Options) {
  auto P = openProjectIndex(Options.BuildDir, Options.Files, Options.Update);
  if (!P) {
    errs() << "hotc diff: " << toString(P.takeError()) << "\n";
    return 2;
  }
  index::RebuildSet R = P->rebuildSet();
  if (Options.Json)
    outs() << changesJson(*P, R) << "\n";
  else
    printHuman(*P, R);
  return R.Errors.empty() ? 0 : 1;
}

} // namespace hotc::driver
