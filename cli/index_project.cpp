#include "cli/index_project.h"

#include "frontend/clang_invocation.h"
#include "watch/compile_database.h"
#include "analysis/graph_store.h"
#include "analysis/unit_refresh.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cstdio>
#include <unistd.h>

using namespace llvm;

namespace hotc::driver {
namespace {

std::string realPath(const std::string &Path) {
  SmallString<256> Real;
  return sys::fs::real_path(Path, Real) ? Path : Real.str().str();
}

// Whether the unit of Cmd reads one of Files, as far as the stored index
// knows (a unit never analysed is taken to read everything).
bool readsAny(const index::StaticGraph &G, const frontend::CompileCommand &Cmd,
              const std::vector<std::string> &Files) {
  if (Files.empty())
    return true;
  const index::FormIndex *Stored = G.unit(realPath(Cmd.File));
  for (const std::string &F : Files) {
    if (realPath(Cmd.File) == F || !Stored)
      return true;
    if (std::find(Stored->Inputs.begin(), Stored->Inputs.end(), F) !=
        Stored->Inputs.end())
      return true;
  }
  return false;
}

// Units stored but no longer in the build: their forms are removed.
Error dropLeftUnits(ProjectIndex &P, const std::vector<frontend::CompileCommand> &Commands,
                    const std::string &Dir, bool Store) {
  StringSet<> Built;
  for (const frontend::CompileCommand &Cmd : Commands)
    Built.insert(realPath(Cmd.File));
  std::vector<std::string> Left;
  for (const auto &[Main, Unit] : P.Graph.Units)
    if (!Built.contains(Main))
      Left.push_back(Main);
  for (const std::string &Main : Left) {
    std::vector<index::FormChange> Gone =
        index::diffForms(*P.Graph.unit(Main), index::FormIndex{});
    P.Graph.removeUnit(Main);
    // A header's forms stay while another unit still reads the header.
    std::erase_if(Gone, [&](const index::FormChange &C) {
      const index::GraphNode *N = P.Graph.find(C.Before.Id);
      return N && N->Definition;
    });
    index::mergeChanges(P.Changes, std::move(Gone));
    if (Store)
      if (Error E = index::forgetUnit(Dir, Main))
        return E;
  }
  return Error::success();
}

} // namespace

Expected<ProjectIndex> openProjectIndex(const std::string &BuildDir,
                                        const std::vector<std::string> &Files,
                                        bool Store) {
  auto Commands = loadCompileDatabase(BuildDir);
  if (!Commands)
    return Commands.takeError();
  std::string Dir = index::indexDirectory(BuildDir);
  auto Graph = index::loadGraph(Dir);
  if (!Graph)
    return Graph.takeError();
  ProjectIndex Out;
  Out.Graph = std::move(*Graph);
  std::vector<std::string> Wanted;
  for (const std::string &F : Files)
    Wanted.push_back(realPath(F));
  std::vector<frontend::CompileCommand> Units;
  for (const frontend::CompileCommand &Cmd : *Commands) {
    if (readsAny(Out.Graph, Cmd, Wanted))
      Units.push_back(Cmd);
    unsigned OptLevel = 0;
    frontend::patchCompileArguments(Cmd, OptLevel);
    if (OptLevel > 0)
      Out.Optimised.insert(realPath(Cmd.File));
  }
  index::RefreshOptions Options;
  Options.IndexDir = Dir;
  Options.StoreKnown = Store; // a first analysis is always the baseline
  bool Tty = isatty(STDERR_FILENO);
  if (Tty)
    Options.Progress = [](size_t Done, size_t Total) {
      fprintf(stderr, "\r\033[Khotc: analysing %zu/%zu translation units", Done,
              Total);
    };
  auto Refreshed = index::refreshUnits(Out.Graph, Units, Options);
  if (Tty)
    fprintf(stderr, "\r\033[K");
  if (!Refreshed)
    return Refreshed.takeError();
  for (index::UnitRefresh &R : *Refreshed) {
    Out.Reanalysed += R.Reanalysed;
    if (!R.Known)
      ++Out.Baselined;
    else
      index::mergeChanges(Out.Changes, std::move(R.Changes));
  }
  if (Files.empty())
    if (Error E = dropLeftUnits(Out, *Commands, Dir, Store))
      return E;
  return Out;
}

index::RebuildSet ProjectIndex::rebuildSet() const {
  index::RebuildSet R = index::computeRebuildSet(Graph, Changes);
  index::addInlinedCallers(R, Graph, [&](StringRef Main) {
    return Optimised.count(Main.str()) > 0;
  });
  return R;
}

std::vector<uint32_t> findForms(const index::StaticGraph &G,
                                const std::string &Query) {
  std::vector<uint32_t> Out;
  for (uint32_t I = 0; I < G.Nodes.size(); ++I) {
    const index::GraphNode &N = G.Nodes[I];
    if (!N.Definition || N.Definition->Kind == index::FormKind::Lambda)
      continue;
    StringRef Name = N.Definition->Name;
    if (N.Id == Query || Name == Query || Name == Query + "()" ||
        Name.ends_with("::" + Query) || Name.ends_with("::" + Query + "()"))
      Out.push_back(I);
  }
  return Out;
}

std::string shortLocation(const index::Form &F) {
  return sys::path::filename(F.File).str() + ":" + std::to_string(F.BeginLine);
}

} // namespace hotc::driver
