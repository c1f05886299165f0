#include "watch/background_index.h"

#include "analysis/graph_store.h"
#include "analysis/source_edit.h"
#include "analysis/token_hash.h"
#include "analysis/unit_refresh.h"

#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ThreadPool.h"

#include <chrono>
#include <optional>
#include <sys/resource.h>
#include <unistd.h>

using namespace llvm;

namespace hotc::driver {

std::string realPathOf(StringRef Path) {
  SmallString<256> Real;
  return sys::fs::real_path(Path, Real) ? Path.str() : Real.str().str();
}

namespace {

std::optional<std::string> readText(StringRef Path) {
  auto Buf = MemoryBuffer::getFile(Path);
  if (!Buf)
    return std::nullopt;
  return (*Buf)->getBuffer().str();
}

} // namespace

BackgroundIndex::BackgroundIndex(std::string BuildDir,
                                 std::vector<jit::CompileCommand> Cmds)
    : IndexDir(index::indexDirectory(BuildDir)), Commands(std::move(Cmds)) {
  for (const jit::CompileCommand &C : Commands)
    RealMains.push_back(realPathOf(C.File));
}

BackgroundIndex::~BackgroundIndex() {
  {
    std::lock_guard<std::mutex> G(Lock);
    Stopping = true;
    Queue.clear();
  }
  Wake.notify_all();
  if (Worker.joinable())
    Worker.join();
}

IndexSummary BackgroundIndex::initialise(const std::string &Executable,
                                         const StringMap<std::string> &BuildTexts) {
  IndexSummary S;
  auto Stored = index::loadGraph(IndexDir);
  if (!Stored)
    S.Failures.push_back(IndexDir + ": " + toString(Stored.takeError()));
  else
    Graph = std::move(*Stored);
  // Units that left the build (stored by an earlier run) are not part of
  // this program.
  StringSet<> Built(RealMains);
  std::vector<std::string> Left;
  for (const auto &[Main, Unit] : Graph.Units)
    if (!Built.contains(Main))
      Left.push_back(Main);
  for (const std::string &Main : Left)
    Graph.removeUnit(Main);

  // Each file read once, however many units read it: the texts serve as
  // the running text, their hashes to tell which stored analyses still fit.
  for (const auto &[Main, Unit] : Graph.Units)
    for (const std::string &In : Unit.Inputs)
      rememberText(In);
  auto HashOf = [&](const std::string &Path) -> std::optional<uint64_t> {
    auto A = Applied.find(Path);
    return A == Applied.end() ? std::nullopt : std::optional<uint64_t>(A->second);
  };
  std::vector<size_t> Stale;
  for (size_t I = 0; I < Commands.size(); ++I) {
    const index::FormIndex *U = Graph.unit(RealMains[I]);
    if (!U || U->CommandHash != index::commandHash(Commands[I]) ||
        U->InputsHash != index::inputsHash(U->Inputs, HashOf))
      Stale.push_back(I);
  }
  ToDo = Stale.size();
  std::vector<std::optional<Expected<index::FormIndex>>> Fresh(Stale.size());
  {
    DefaultThreadPool Pool(hardware_concurrency());
    for (size_t K = 0; K < Stale.size(); ++K)
      Pool.async([&, K] {
        Fresh[K].emplace(index::indexTranslationUnit(Commands[Stale[K]]));
        ++Done;
      });
    Pool.wait();
  }
  for (size_t K = 0; K < Stale.size(); ++K) {
    Expected<index::FormIndex> &R = *Fresh[K];
    if (!R) {
      S.Failures.push_back(toString(R.takeError()));
      continue;
    }
    if (Error E = index::saveUnit(IndexDir, *R))
      S.Failures.push_back(toString(std::move(E)));
    Graph.replaceUnit(std::move(*R));
  }
  // The process runs what the build compiled: the disk (files new to the
  // analyses are read now), but for files edited since the build (until
  // the patch of those edits applies).
  for (const auto &[Main, Unit] : Graph.Units)
    for (const std::string &In : Unit.Inputs)
      rememberText(In);
  for (const auto &B : BuildTexts) {
    uint64_t H = index::hashString(B.second);
    Applied[realPathOf(B.first())] = H;
    Texts.try_emplace(H, B.second);
  }

  auto Inlines = index::readInlineSites(Executable);
  if (!Inlines)
    S.Failures.push_back(toString(Inlines.takeError()));
  else
    Sites = std::move(*Inlines);
  S.Dwarf = Sites.HasDebugInfo;
  S.Units = Graph.Units.size();
  Worker = std::thread([this] { work(); });
  return S;
}

void BackgroundIndex::rememberText(const std::string &Path) {
  if (Applied.count(Path))
    return; // read already
  std::optional<std::string> Text = readText(Path);
  if (!Text) {
    Applied.erase(Path);
    return;
  }
  uint64_t H = index::hashString(*Text);
  Applied[Path] = H;
  Texts.try_emplace(H, std::move(*Text));
}

// The analysis describes the text the process runs of every file the unit
// reads: only then do its forms and edges tell what a save changes.
bool BackgroundIndex::fresh(const index::FormIndex &Unit) const {
  if (Unit.InputHashes.size() != Unit.Inputs.size())
    return false;
  for (size_t I = 0; I < Unit.Inputs.size(); ++I) {
    auto A = Applied.find(Unit.Inputs[I]);
    if (A == Applied.end() || A->second != Unit.InputHashes[I])
      return false;
  }
  return true;
}

// The text the analyses of Path's readers describe, when none describes
// the running text (its re-analysis is not done yet) and the text is kept.
std::optional<std::string>
BackgroundIndex::analysedText(StringRef Path, std::optional<uint64_t> Running) const {
  std::optional<uint64_t> Other;
  for (const std::string &Main : Graph.unitsReading(Path)) {
    const index::FormIndex *U = Graph.unit(Main);
    for (size_t I = 0; I < U->Inputs.size() && I < U->InputHashes.size(); ++I)
      if (U->Inputs[I] == Path) {
        if (Running && U->InputHashes[I] == *Running)
          return std::nullopt;
        if (!Other && Texts.count(U->InputHashes[I]))
          Other = U->InputHashes[I];
      }
  }
  if (!Other)
    return std::nullopt;
  return Texts.find(*Other)->second;
}

// A save is diffed against the text the process runs, not against the
// previous save: a save that changed no token, or whose patch failed,
// leaves that text as it was, and its edits become part of the next diff.
index::SavePlan BackgroundIndex::plan(const std::vector<std::string> &Files,
                                      const UnitQuery &Optimised,
                                      const ReaderQuery &SessionReaders) {
  auto Start = std::chrono::steady_clock::now();
  std::lock_guard<std::mutex> G(Lock);
  std::vector<index::SavedFile> Saved;
  for (const std::string &F : Files) {
    index::SavedFile S;
    S.Path = realPathOf(F);
    std::optional<uint64_t> Running;
    if (auto A = Applied.find(S.Path); A != Applied.end())
      if (auto T = Texts.find(A->second); T != Texts.end()) {
        S.Before = T->second;
        Running = A->second;
      }
    S.Analysed = analysedText(S.Path, Running);
    S.After = readText(S.Path).value_or("");
    Saved.push_back(std::move(S));
  }
  auto Fresh = [&](StringRef Main) {
    const index::FormIndex *U = Graph.unit(Main.str());
    return U && fresh(*U);
  };
  index::SavePlan P = index::planSave(Graph, Saved, {Fresh, Optimised});
  // Units that read a saved file by hotc's compiles but not by the graph
  // (no analysis yet, an analysis older than an #include, a header from a
  // -isystem directory): the graph cannot speak for them.
  for (const std::string &F : Files) {
    std::vector<std::string> Known = Graph.unitsReading(realPathOf(F));
    for (const std::string &Main : SessionReaders(F))
      if (!is_contained(Known, Main) && !P.Units[Main]) {
        P.Units[Main] = true;
        P.Notes.push_back(sys::path::filename(Main).str() + " reads " +
                          sys::path::filename(F).str() +
                          " without an analysis that says so: recompiled whole");
      }
  }
  P.Ms = std::chrono::duration<double, std::milli>(
             std::chrono::steady_clock::now() - Start).count();
  return P;
}

void BackgroundIndex::applied(
    const std::vector<std::pair<std::string, uint64_t>> &Compiled,
    const std::vector<std::string> &Inputs) {
  std::vector<std::string> Files;
  {
    std::lock_guard<std::mutex> G(Lock);
    for (const auto &[File, Hash] : Compiled) {
      std::string Path = realPathOf(File);
      Files.push_back(Path);
      std::optional<std::string> Text = readText(Path);
      if (!Text || index::hashString(*Text) != Hash) {
        Applied.erase(Path); // saved again: the compile read one of the two
        continue;
      }
      Applied[Path] = Hash;
      Texts.try_emplace(Hash, std::move(*Text));
    }
    // A saved file whose running text is not known stays so: the disk may
    // already hold a later save.
    for (const std::string &In : Inputs)
      if (!Applied.count(In)) { // the path is usually real already
        std::string Real = realPathOf(In);
        if (!Applied.count(Real) && !is_contained(Files, Real))
          rememberText(Real);
      }
  }
  reanalyse(Files);
}

// A file the analysis read with other text than the process runs, but the
// same tokens (a comment saved, whose save compiled nothing): the process
// runs the equivalent of the analysed text, so the analysis stays fresh.
// Called with Lock held.
void BackgroundIndex::adoptSameTokens(const index::FormIndex &Unit) {
  for (size_t I = 0; I < Unit.Inputs.size() && I < Unit.InputHashes.size(); ++I) {
    auto A = Applied.find(Unit.Inputs[I]);
    if (A == Applied.end() || A->second == Unit.InputHashes[I] ||
        !Texts.count(A->second))
      continue;
    std::optional<std::string> Now = readText(Unit.Inputs[I]);
    if (!Now || index::hashString(*Now) != Unit.InputHashes[I] ||
        index::diffSource(Texts.find(A->second)->second, *Now, {}).Changed)
      continue;
    A->second = Unit.InputHashes[I];
    Texts.try_emplace(Unit.InputHashes[I], std::move(*Now));
  }
}

// Texts only serve as bases of later saves: those some analysis describes
// or that were read last. Called with Lock held.
void BackgroundIndex::dropUnusedTexts() {
  DenseSet<uint64_t> Used;
  for (const auto &A : Applied)
    Used.insert(A.second);
  for (const auto &[Main, Unit] : Graph.Units)
    Used.insert(Unit.InputHashes.begin(), Unit.InputHashes.end());
  std::vector<uint64_t> Unused;
  for (const auto &T : Texts)
    if (!Used.contains(T.first))
      Unused.push_back(T.first);
  for (uint64_t H : Unused)
    Texts.erase(H);
}

void BackgroundIndex::reanalyse(const std::vector<std::string> &Files) {
  {
    std::lock_guard<std::mutex> G(Lock);
    for (const std::string &F : Files) {
      std::string Path = realPathOf(F);
      std::vector<std::string> Units = Graph.unitsReading(Path);
      if (is_contained(RealMains, Path) && !is_contained(Units, Path))
        Units.push_back(Path); // a unit that has no analysis yet
      for (const std::string &U : Units)
        if (!is_contained(Queue, U))
          Queue.push_back(U);
    }
  }
  Wake.notify_one();
}

void BackgroundIndex::addUnit(const jit::CompileCommand &Cmd) {
  {
    std::lock_guard<std::mutex> G(Lock);
    Commands.push_back(Cmd);
    RealMains.push_back(realPathOf(Cmd.File));
    Queue.push_back(RealMains.back());
  }
  Wake.notify_one();
}

const jit::CompileCommand *BackgroundIndex::commandOf(StringRef MainFile) const {
  for (size_t I = 0; I < RealMains.size(); ++I)
    if (RealMains[I] == MainFile)
      return &Commands[I];
  return nullptr;
}

void BackgroundIndex::work() {
  // Patches come first: the analysis only serves the next save (nice is
  // per thread on Linux).
  setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 10);
  std::unique_lock<std::mutex> G(Lock);
  for (;;) {
    Wake.wait(G, [&] { return Stopping || !Queue.empty(); });
    if (Stopping)
      return;
    std::string Main = Queue.front();
    Queue.pop_front();
    const jit::CompileCommand *Cmd = commandOf(Main);
    if (!Cmd) // not a unit of the build (cannot happen: queued from it)
      continue;
    jit::CompileCommand Copy = *Cmd;
    G.unlock();
    // A unit that does not parse keeps its last analysis: it is not fresh
    // any more, so saves of what it reads recompile it whole.
    Expected<index::FormIndex> R = index::indexTranslationUnit(Copy);
    if (R) {
      if (Error E = index::saveUnit(IndexDir, *R))
        consumeError(std::move(E)); // the next start analyses it again
    } else {
      consumeError(R.takeError()); // the patch already reported why
    }
    G.lock();
    if (R) {
      adoptSameTokens(*R);
      Graph.replaceUnit(std::move(*R));
    }
    if (Queue.empty())
      dropUnusedTexts();
  }
}

} // namespace hotc::driver
