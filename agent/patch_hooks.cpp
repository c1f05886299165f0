#include "agent/patch_hooks.h"

#include "hotreload/hotreload.h"

#include <mutex>

namespace hotc::agent::patch_hooks {
namespace {

constexpr int kMaxHooks = 16;

struct Hook {
  hotreload_patch_hook Fn;
  void *User;
};
struct Callback {
  hotreload_patch_callback Fn;
  void *User;
};

// A hook may register or remove hooks: the lists are copied before any runs.
std::mutex Lock;
Hook Before[kMaxHooks], After[kMaxHooks];
int NumBefore = 0, NumAfter = 0;
Callback Callbacks[kMaxHooks];
int NumCallbacks = 0;

int add(Hook *List, int &N, hotreload_patch_hook Fn, void *User) {
  std::lock_guard<std::mutex> Guard(Lock);
  if (!Fn || N == kMaxHooks)
    return -1;
  List[N++] = {Fn, User};
  return 0;
}

int removeFrom(Hook *List, int &N, hotreload_patch_hook Fn, void *User) {
  int Out = 0, Removed = 0;
  for (int I = 0; I < N; ++I)
    if (List[I].Fn == Fn && List[I].User == User)
      ++Removed;
    else
      List[Out++] = List[I];
  N = Out;
  return Removed;
}

// The C view of N: valid while N and the vectors below live.
struct CView {
  std::vector<const char *> Functions, Files;
  hotreload_patch Patch;
  explicit CView(const PatchNotice &N) {
    for (const std::string &F : N.Functions)
      Functions.push_back(F.c_str());
    for (const std::string &F : N.Files)
      Files.push_back(F.c_str());
    Patch = {static_cast<unsigned long>(N.Version), Functions.size(),
             Functions.data(), Files.size(), Files.data()};
  }
};

void runAll(const Hook *List, const int &N, const PatchNotice &Notice) {
  Hook Copy[kMaxHooks];
  int Count;
  {
    std::lock_guard<std::mutex> Guard(Lock);
    Count = N;
    std::copy(List, List + Count, Copy);
  }
  CView View(Notice);
  for (int I = 0; I < Count; ++I)
    Copy[I].Fn(&View.Patch, Copy[I].User);
}

} // namespace

void runBefore(const PatchNotice &N) { runAll(Before, NumBefore, N); }

void runAfter(const PatchNotice &N, unsigned long AppliedCount) {
  runAll(After, NumAfter, N);
  Callback Copy[kMaxHooks];
  int Count;
  {
    std::lock_guard<std::mutex> Guard(Lock);
    Count = NumCallbacks;
    std::copy(Callbacks, Callbacks + Count, Copy);
  }
  for (int I = 0; I < Count; ++I)
    Copy[I].Fn(AppliedCount, Copy[I].User);
}

} // namespace hotc::agent::patch_hooks

// The hooks of the public C API (hotreload/hotreload.h).
extern "C" {
using namespace hotc::agent::patch_hooks;

__attribute__((visibility("default"))) int
hotreload_on_patch(hotreload_patch_callback Fn, void *User) {
  std::lock_guard<std::mutex> Guard(Lock);
  if (!Fn || NumCallbacks == kMaxHooks)
    return -1;
  Callbacks[NumCallbacks++] = {Fn, User};
  return 0;
}

__attribute__((visibility("default"))) int
hotreload_before_patch(hotreload_patch_hook Fn, void *User) {
  return add(Before, NumBefore, Fn, User);
}

__attribute__((visibility("default"))) int
hotreload_after_patch(hotreload_patch_hook Fn, void *User) {
  return add(After, NumAfter, Fn, User);
}

__attribute__((visibility("default"))) int
hotreload_remove_hook(hotreload_patch_hook Fn, void *User) {
  std::lock_guard<std::mutex> Guard(Lock);
  return removeFrom(Before, NumBefore, Fn, User) +
         removeFrom(After, NumAfter, Fn, User);
}
}
