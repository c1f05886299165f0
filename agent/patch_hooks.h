// The application's patch hooks (hotreload.h): called with the version,
// the functions and the files of each patch, before its entries are
// re-pointed and after. Registered from any thread; called on the thread
// that applies the patch (an agent thread, or the program's own at a safe
// point).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace hotc::agent::patch_hooks {

// What a patch changes, in the words hotc reports it.
struct PatchNotice {
  uint64_t Version = 0;
  std::vector<std::string> Functions; // "step(int)", "ns::Foo::bar() const"
  std::vector<std::string> Files;     // sources recompiled, absolute paths
};

void runBefore(const PatchNotice &N);
// Then the hotreload_on_patch callbacks, with the patches applied so far.
void runAfter(const PatchNotice &N, unsigned long AppliedCount);

} // namespace hotc::agent::patch_hooks
