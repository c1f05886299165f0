#include "analysis/unit_refresh.h"

#include "frontend/disk_file_system.h"
#include "analysis/graph_store.h"
#include "analysis/token_hash.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ThreadPool.h"

#include <mutex>
#include <optional>

namespace hotc::index {
namespace {

// The graph keys units by the real path of their main file.
const FormIndex *storedUnit(const StaticGraph &Graph,
                            const frontend::CompileCommand &Cmd) {
  if (const FormIndex *U = Graph.unit(Cmd.File))
    return U;
  llvm::SmallString<256> Real;
  if (!llvm::sys::fs::real_path(Cmd.File, Real))
    return Graph.unit(Real.str().str());
  return nullptr;
}

} // namespace

bool isUpToDate(const FormIndex &Stored, const frontend::CompileCommand &Cmd,
                FileHashes &Known) {
  auto HashOf = [&](const std::string &Path) {
    auto [It, New] = Known.try_emplace(Path);
    if (New)
      if (auto Buf = frontend::readFile(Path))
        It->second = hashString((*Buf)->getBuffer());
    return It->second;
  };
  return Stored.CommandHash == commandHash(Cmd) &&
         Stored.InputsHash == inputsHash(Stored.Inputs, HashOf);
}

llvm::Expected<std::vector<UnitRefresh>>
refreshUnits(StaticGraph &Graph, llvm::ArrayRef<frontend::CompileCommand> Cmds,
             const RefreshOptions &Options) {
  std::vector<UnitRefresh> Out(Cmds.size());
  std::vector<std::optional<llvm::Expected<FormIndex>>> Fresh(Cmds.size());
  {
    // Parses share nothing: each has its own CompilerInstance and file
    // manager. The graph is only read here, and written after the wait.
    FileHashes Known; // a header many units read is read once
    llvm::DefaultThreadPool Pool(llvm::hardware_concurrency(Options.Threads));
    std::mutex ProgressLock;
    size_t Done = 0, Total = 0;
    for (size_t I = 0; I < Cmds.size(); ++I) {
      const FormIndex *Stored = storedUnit(Graph, Cmds[I]);
      Out[I].Known = Stored != nullptr;
      if (Stored && isUpToDate(*Stored, Cmds[I], Known))
        continue;
      ++Total;
      Pool.async([&, I] {
        Fresh[I].emplace(indexTranslationUnit(Cmds[I]));
        std::lock_guard<std::mutex> G(ProgressLock);
        if (Options.Progress)
          Options.Progress(++Done, Total);
      });
    }
    Pool.wait();
  }
  llvm::Error First = llvm::Error::success();
  for (size_t I = 0; I < Cmds.size(); ++I) {
    if (!Fresh[I])
      continue;
    if (!*Fresh[I]) {
      llvm::Error E = Fresh[I]->takeError();
      if (First)
        llvm::consumeError(std::move(E)); // the first failure is reported
      else
        First = std::move(E);
      continue;
    }
    FormIndex &Unit = **Fresh[I];
    const FormIndex *Stored = storedUnit(Graph, Cmds[I]);
    Out[I].Reanalysed = true;
    Out[I].Changes = diffForms(Stored ? *Stored : FormIndex{}, Unit);
    bool Store = !Options.IndexDir.empty() && (Options.StoreKnown || !Out[I].Known);
    if (Store && !First)
      if (llvm::Error E = saveUnit(Options.IndexDir, Unit))
        First = std::move(E);
    Graph.replaceUnit(std::move(Unit));
  }
  if (First)
    return First;
  return Out;
}

llvm::Expected<UnitRefresh> refreshUnit(StaticGraph &Graph,
                                        const frontend::CompileCommand &Cmd,
                                        llvm::StringRef IndexDir) {
  RefreshOptions Options;
  Options.IndexDir = IndexDir.str();
  Options.Threads = 1;
  auto R = refreshUnits(Graph, {Cmd}, Options);
  if (!R)
    return R.takeError();
  return std::move(R->front());
}

} // namespace hotc::index
