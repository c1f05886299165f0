#include "watch/disk_build.h"

#include "jit/baseline_store.h"
#include "jit/unit_baseline.h"
#include "launcher/build_snapshot.h"
#include "ninja-integration/ninja_build.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <chrono>
#include <pthread.h>
#include <sched.h>

using namespace llvm;

namespace hotc::driver {

Expected<std::unique_ptr<DiskBuild>>
DiskBuild::open(const std::string &BuildDir, std::vector<std::string> Binaries,
                EventOutput &Out) {
  SmallString<256> Manifest(BuildDir);
  sys::path::append(Manifest, "build.ninja");
  if (!sys::fs::exists(Manifest))
    return nullptr;
  auto Build = ninja::NinjaBuild::load(BuildDir);
  if (!Build)
    return Build.takeError();
  // The running binaries must be outputs of this build (an unknown output
  // is an error of the query).
  auto Known = (*Build)->edgesAffectedBy(Manifest.str().str(), Binaries);
  if (!Known)
    return Known.takeError();
  return std::unique_ptr<DiskBuild>(
      new DiskBuild(std::move(*Build), std::move(Binaries), Out));
}

DiskBuild::DiskBuild(std::unique_ptr<ninja::NinjaBuild> B,
                     std::vector<std::string> Bins, EventOutput &Out)
    : Build(std::move(B)), Dir(Build->buildDir()), Binaries(std::move(Bins)),
      Out(Out) {
  Worker = std::thread([this] { run(); });
}

DiskBuild::~DiskBuild() {
  {
    std::lock_guard<std::mutex> G(QueueLock);
    Stopping = true;
  }
  Wake.notify_all();
  Worker.join();
}

void DiskBuild::prepareBaselines(std::string Dir,
                                 std::vector<frontend::CompileCommand> Cmds) {
  std::lock_guard<std::mutex> G(QueueLock);
  StoreDir = std::move(Dir);
  Commands = std::move(Cmds);
}

void DiskBuild::prepareQueued(std::unique_lock<std::mutex> &G) {
  uint64_t Seen = Requests;
  jit::BaselineStore Store(StoreDir);
  while (!ToPrepare.empty() && !Stopping && Requests == Seen) {
    auto Next = ToPrepare.begin();
    std::string Main = Next->first;
    jit::FileOverlay Recorded = std::move(Next->second);
    ToPrepare.erase(Next);
    auto Cmd = std::find_if(Commands.begin(), Commands.end(),
                            [&](const frontend::CompileCommand &C) { return C.File == Main; });
    if (Cmd == Commands.end())
      continue; // a unit of another binary of the build
    frontend::CompileCommand Copy = *Cmd;
    G.unlock();
    std::string Key = jit::BaselineStore::keyOf(Copy, Recorded);
    auto Found = Store.find(Key);
    if (!Found || !*Found) { // else there already (another session of this build)
      if (!Found) // unreadable: replaced below
        consumeError(Found.takeError());
      auto Facts = jit::learnBaseline(Copy, Recorded);
      if (!Facts) // the next run compiles it when first saved, and says why
        consumeError(Facts.takeError());
      else if (Error E = Store.save(Key, *Facts))
        Out.note("baseline store: " + Main + ": " + toString(std::move(E)));
    }
    G.lock();
  }
}

void DiskBuild::sync(const std::vector<std::string> &PatchedFiles) {
  {
    std::lock_guard<std::mutex> G(QueueLock);
    Pending.insert(PatchedFiles.begin(), PatchedFiles.end());
    ++Requests;
  }
  Wake.notify_all();
}

void DiskBuild::interrupt() {
  {
    std::lock_guard<std::mutex> G(QueueLock);
    if (Stopping)
      return; // the last rebuild runs to its end
    ++Requests;
  }
  Interrupt.request();
  Wake.notify_all();
}

Error DiskBuild::reloadIfStale() {
  if (!Build->manifestChanged())
    return Error::success();
  auto Fresh = ninja::NinjaBuild::load(Dir);
  if (!Fresh)
    return Fresh.takeError();
  Build = std::move(*Fresh);
  return Error::success();
}

size_t DiskBuild::filesBehind() {
  std::lock_guard<std::mutex> G(QueueLock);
  return Pending.size() + Rebuilding;
}

bool DiskBuild::feedsBinaries(const std::string &File) {
  // The worker may be rebuilding: ninja is used from one thread at a time.
  std::lock_guard<std::mutex> G(BuildLock);
  if (Error E = reloadIfStale()) {
    Out.note("build.ninja could not be re-read (" + toString(std::move(E)) +
             "); " + File + " is taken as not linked into the process");
    return false;
  }
  auto Edges = Build->edgesAffectedBy(File, Binaries);
  if (!Edges) {
    Out.note(File + " is taken as not linked into the process: " +
             toString(Edges.takeError()));
    return false;
  }
  return !Edges->empty();
}

bool DiskBuild::rebuild(const std::set<std::string> &Files) {
  auto Start = std::chrono::steady_clock::now();
  if (Error E = reloadIfStale()) {
    Out.error(std::move(E), "rebuild");
    return true;
  }
  // The objects the patched files feed, then the binaries linked from them.
  std::vector<std::string> Outputs;
  for (const std::string &F : Files) {
    auto Edges = Build->edgesAffectedBy(F, Binaries);
    if (!Edges) {
      Out.error(Edges.takeError(), "rebuild");
      return true;
    }
    for (const ninja::CompileEdge &E : *Edges)
      Outputs.push_back(E.Object);
  }
  Outputs.insert(Outputs.end(), Binaries.begin(), Binaries.end());
  if (Error E = Build->rebuild(Outputs, nullptr, &Interrupt)) {
    if (!E.isA<ninja::BuildInterrupted>()) {
      Out.error(std::move(E), "rebuild");
      return true;
    }
    consumeError(std::move(E)); // a save stopped it: queued again
    return false;
  }
  Out.rebuilt(Outputs, std::chrono::duration<double, std::milli>(
                           std::chrono::steady_clock::now() - Start)
                           .count());
  return true;
}

void DiskBuild::run() {
  // The edit->live path comes first: this thread, and the compilers ninja
  // starts from it, run only on a core nothing else wants (the policy is
  // per thread on Linux and inherited by children).
  sched_param Idle{};
  pthread_setschedparam(pthread_self(), SCHED_IDLE, &Idle);
  std::unique_lock<std::mutex> G(QueueLock);
  for (;;) {
    Wake.wait(G, [&] { return Stopping || !Pending.empty(); });
    if (Pending.empty())
      return; // stopping, nothing left
    if (Stopping) { // hotc is ending and waits for this rebuild
      sched_param Normal{};
      pthread_setschedparam(pthread_self(), SCHED_OTHER, &Normal);
    }
    // Saves and patches keep coming while the user types: wait until they
    // have been quiet for kQuietMs.
    for (uint64_t Seen = 0; !Stopping && Seen != Requests;) {
      Seen = Requests;
      Wake.wait_for(G, std::chrono::milliseconds(kQuietMs));
    }
    Interrupt.clear(); // a save from now on stops this rebuild
    // The records the rebuild's compiles write are those from now on
    // (whole seconds at worst on some filesystems: one more is harmless).
    auto Started = std::chrono::system_clock::now() - std::chrono::seconds(1);
    std::set<std::string> Files;
    Files.swap(Pending);
    Rebuilding = Files.size();
    G.unlock(); // saves keep queueing while ninja works
    bool Finished;
    {
      std::lock_guard<std::mutex> B(BuildLock);
      Finished = rebuild(Files);
    }
    G.lock();
    Rebuilding = 0;
    if (!Finished) { // stopped by a save: again after the next quiet spell
      Pending.insert(Files.begin(), Files.end());
      continue;
    }
    if (StoreDir.empty())
      continue;
    G.unlock();
    driver::BuildSnapshots Rebuilt = readBuildSnapshots(Dir, Started);
    G.lock();
    for (auto &R : Rebuilt.Sources) // a newer record replaces a queued one
      ToPrepare[R.first().str()] = std::move(R.second.Contents);
    prepareQueued(G);
  }
}

} // namespace hotc::driver
