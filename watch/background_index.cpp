#include "watch/background_index.h"

#include "frontend/disk_file_system.h"
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
#include <malloc.h>
#include <optional>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

using namespace llvm;

namespace hotc::driver {

std::string realPathOf(StringRef Path) {
  SmallString<256> Real;
  return sys::fs::real_path(Path, Real) ? Path.str() : Real.str().str();
}

namespace {

std::optional<std::string> readText(StringRef Path) {
  auto Buf = frontend::readFile(Path);
  if (!Buf)
    return std::nullopt;
  return (*Buf)->getBuffer().str();
}

} // namespace

BackgroundIndex::BackgroundIndex(std::string BuildDir,
                                 std::vector<frontend::CompileCommand> Cmds)
    : IndexDir(index::indexDirectory(BuildDir)), Commands(std::move(Cmds)) {
  for (const frontend::CompileCommand &C : Commands)
    RealMains.push_back(realPathOf(C.File));
}

BackgroundIndex::~BackgroundIndex() {
  {
    std::lock_guard<std::mutex> G(Lock);
    Stopping = true;
    Queue.clear();
  }
  Wake.notify_all();
  hurryWorker(); // a busy machine would leave an idle-priority parse unfinished
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
  // The process runs what the build compiled: the disk (files new to the
  // analyses are read when their unit is analysed), but for files edited
  // since the build (until the patch of those edits applies).
  for (const auto &B : BuildTexts) {
    uint64_t H = index::hashString(B.second);
    Applied[realPathOf(B.first())] = H;
    ++AppliedVersion;
    Texts.try_emplace(H, B.second);
  }
  // Units whose analysis is missing or stale are analysed in the
  // background, or at once when a save needs them (prepare): start-up
  // waits for none.
  for (size_t I = 0; I < Commands.size(); ++I) {
    const index::FormIndex *U = Graph.unit(RealMains[I]);
    if (!U || U->CommandHash != index::commandHash(Commands[I]) ||
        U->InputsHash != index::inputsHash(U->Inputs, HashOf)) {
      Unanalysed.insert(RealMains[I]);
      Queue.push_back(RealMains[I]);
    }
  }
  ToDo = Unanalysed.size();
  S.Pending = Unanalysed.size();

  auto Inlines = index::readInlineSites(Executable);
  if (!Inlines)
    S.Failures.push_back(toString(Inlines.takeError()));
  else
    Sites = std::move(*Inlines);
  S.Dwarf = Sites.HasDebugInfo;
  for (const std::string &Main : RealMains)
    S.Units += Graph.unit(Main) && !Unanalysed.contains(Main);
  return S;
}

void BackgroundIndex::startWorker(const std::vector<std::string> &Running) {
  {
    std::lock_guard<std::mutex> G(Lock);
    for (const std::string &F : Running)
      rememberText(realPathOf(F));
  }
  Worker = std::thread([this] { work(); });
}

void BackgroundIndex::rememberText(const std::string &Path) {
  if (Applied.count(Path))
    return; // read already
  std::optional<std::string> Text = readText(Path);
  if (!Text) {
    Applied.erase(Path);
    ++AppliedVersion;
    return;
  }
  uint64_t H = index::hashString(*Text);
  Applied[Path] = H;
  ++AppliedVersion;
  Texts.try_emplace(H, std::move(*Text));
}

// The analysis describes the text the process runs of every file the unit
// reads: only then do its forms and edges tell what a save changes.
bool BackgroundIndex::fresh(const index::FormIndex &Unit,
                            StringRef Except) const {
  if (Unit.InputHashes.size() != Unit.Inputs.size())
    return false;
  for (size_t I = 0; I < Unit.Inputs.size(); ++I) {
    if (Unit.Inputs[I] == Except)
      continue;
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
  auto FreshButFor = [&](StringRef Main, StringRef File) {
    const index::FormIndex *U = Graph.unit(Main.str());
    return U && fresh(*U, File);
  };
  index::SavePlan P =
      index::planSave(Graph, Saved, {Fresh, Optimised, FreshButFor});
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
    const StringMap<std::string> &CompiledTexts,
    const std::vector<std::string> &Inputs) {
  std::vector<std::string> Files;
  {
    std::lock_guard<std::mutex> G(Lock);
    for (const auto &[File, Planned] : Compiled) {
      std::string Path = realPathOf(File);
      Files.push_back(Path);
      uint64_t Hash = Planned;
      std::optional<std::string> Text;
      if (auto It = CompiledTexts.find(Path); It != CompiledTexts.end()) {
        Text = It->second;
        Hash = index::hashString(*Text);
      } else {
        Text = readText(Path);
      }
      if (!Text || index::hashString(*Text) != Hash) {
        Applied.erase(Path); // saved again: the compile read one of the two
        ++AppliedVersion;
        continue;
      }
      Applied[Path] = Hash;
      ++AppliedVersion;
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
    ++AppliedVersion;
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
      // Ahead of start-up analyses: the next save of these files is near.
      for (const std::string &U : Units)
        if (!is_contained(Queue, U))
          Queue.push_front(U);
    }
  }
  Wake.notify_one();
}

void BackgroundIndex::addUnit(const frontend::CompileCommand &Cmd) {
  {
    std::lock_guard<std::mutex> G(Lock);
    Commands.push_back(Cmd);
    RealMains.push_back(realPathOf(Cmd.File));
    Queue.push_back(RealMains.back());
  }
  Wake.notify_one();
}

const frontend::CompileCommand *BackgroundIndex::commandOf(StringRef MainFile) const {
  for (size_t I = 0; I < RealMains.size(); ++I)
    if (RealMains[I] == MainFile)
      return &Commands[I];
  return nullptr;
}

// A start-up analysis read the disk: its unit's files not known yet are
// taken as the process runs them (the build's texts came first). Called
// with Lock held.
void BackgroundIndex::adoptAnalysis(index::FormIndex Unit, bool Initial) {
  if (Initial)
    for (const std::string &In : Unit.Inputs)
      rememberText(In);
  adoptSameTokens(Unit);
  Graph.replaceUnit(std::move(Unit));
}

// The analysis running now is waited for (a save needs it, or hotc is
// ending): it runs at normal priority until it is done.
void BackgroundIndex::hurryWorker() {
  if (!Worker.joinable())
    return;
  sched_param Normal{};
  pthread_setschedparam(Worker.native_handle(), SCHED_OTHER, &Normal);
}

std::shared_ptr<const StringMap<std::string>> BackgroundIndex::runningTexts() {
  if (Running && RunningVersion == AppliedVersion)
    return Running;
  auto Map = std::make_shared<StringMap<std::string>>();
  for (const auto &A : Applied)
    if (index::isProjectFile(A.getKey()))
      if (auto T = Texts.find(A.second); T != Texts.end())
        (*Map)[A.getKey()] = T->second;
  Running = std::move(Map);
  RunningVersion = AppliedVersion;
  return Running;
}

bool BackgroundIndex::unanalysed(const std::vector<std::string> &Mains) const {
  std::lock_guard<std::mutex> G(Lock);
  return any_of(Mains, [&](const std::string &M) {
    return Unanalysed.contains(M) || M == Current;
  });
}

void BackgroundIndex::prepare(const std::vector<std::string> &Mains) {
  std::vector<frontend::CompileCommand> Cmds;
  std::shared_ptr<const StringMap<std::string>> Run;
  {
    std::unique_lock<std::mutex> G(Lock);
    // One the worker is analysing for start-up is waited for.
    if (is_contained(Mains, Current))
      hurryWorker();
    Analysed.wait(G, [&] { return !is_contained(Mains, Current); });
    for (const std::string &M : Mains)
      if (Unanalysed.erase(M)) {
        Queue.erase(std::remove(Queue.begin(), Queue.end(), M), Queue.end());
        if (const frontend::CompileCommand *C = commandOf(M))
          Cmds.push_back(*C);
      }
    Run = runningTexts();
  }
  if (Cmds.empty())
    return;
  std::vector<std::optional<Expected<index::FormIndex>>> Fresh(Cmds.size());
  {
    DefaultThreadPool Pool(hardware_concurrency());
    for (size_t K = 0; K < Cmds.size(); ++K)
      Pool.async([&, K] {
        Fresh[K].emplace(index::indexTranslationUnit(Cmds[K], Run.get()));
      });
    Pool.wait();
  }
  std::lock_guard<std::mutex> G(Lock);
  for (size_t K = 0; K < Cmds.size(); ++K) {
    ++Done;
    Expected<index::FormIndex> &R = *Fresh[K];
    if (!R) { // planned as a unit without an analysis: recompiled whole
      Failures.push_back(toString(R.takeError()));
      continue;
    }
    if (Error E = index::saveUnit(IndexDir, *R))
      Failures.push_back(toString(std::move(E)));
    adoptAnalysis(std::move(*R), /*Initial=*/true);
  }
}

std::vector<std::string> BackgroundIndex::takeFailures() {
  std::lock_guard<std::mutex> G(Lock);
  return std::exchange(Failures, {});
}

size_t BackgroundIndex::analysesLeft() const {
  std::lock_guard<std::mutex> G(Lock);
  return Queue.size() + (Analysing ? 1 : 0);
}

void BackgroundIndex::work() {
  std::unique_lock<std::mutex> G(Lock);
  for (;;) {
    Wake.wait(G, [&] { return Stopping || !Queue.empty(); });
    if (Stopping)
      return;
    // Patches come first: the analysis only serves the next save, and runs
    // only on a core nothing else wants (SCHED_IDLE is per thread on
    // Linux), unless hurried.
    sched_param Idle{};
    pthread_setschedparam(pthread_self(), SCHED_IDLE, &Idle);
    std::string Main = Queue.front();
    Queue.pop_front();
    const frontend::CompileCommand *Cmd = commandOf(Main);
    if (!Cmd) // not a unit of the build (cannot happen: queued from it)
      continue;
    bool Initial = Unanalysed.erase(Main);
    Current = Initial ? Main : "";
    Analysing = true;
    frontend::CompileCommand Copy = *Cmd;
    // A start-up analysis describes the text the process runs; one after a
    // save, the disk (later saves leave it not fresh: recompiled whole).
    std::shared_ptr<const StringMap<std::string>> Run;
    if (Initial)
      Run = runningTexts();
    G.unlock();
    // A unit that does not parse keeps its last analysis: it is not fresh
    // any more, so saves of what it reads recompile it whole.
    Expected<index::FormIndex> R = index::indexTranslationUnit(Copy, Run.get());
    std::optional<std::string> Failure;
    if (R) {
      if (Error E = index::saveUnit(IndexDir, *R))
        Failure = toString(std::move(E)); // the next start analyses it again
    } else if (Initial) {
      Failure = toString(R.takeError());
    } else {
      consumeError(R.takeError()); // the patch already reported why
    }
    G.lock();
    if (Failure)
      Failures.push_back(std::move(*Failure));
    if (Initial)
      ++Done;
    if (R)
      adoptAnalysis(std::move(*R), Initial);
    Current.clear();
    Analysing = false;
    Analysed.notify_all();
    if (Queue.empty())
      dropUnusedTexts();
    // A parse frees most of what it took, and the allocator would keep it
    // (with the DWARF fixes beside it, 2,573 MB against 779 MB after the
    // 2,000-unit benchmark). Given back here, on this idle thread.
    G.unlock();
    malloc_trim(0);
    G.lock();
  }
}

} // namespace hotc::driver
