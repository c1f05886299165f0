// String literals and merged constants of patches, kept in one pool for
// the session. A version whose code takes a literal's address can hand
// that address to the program (`name = "x"` stored in a struct), so the
// literal must outlive the version; in the version's own memory it would
// pin the whole version (jit/patch_release.cpp). Linked from the pool
// instead, literals cost their bytes once per distinct content, and the
// version stays freeable.
#pragma once

#include "jit/graph_pass_plugin.h"

#include "llvm/ExecutionEngine/JITLink/JITLinkMemoryManager.h"

#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace hotc::jit {

class LiteralPoolPlugin : public GraphPassPlugin {
public:
  explicit LiteralPoolPlugin(llvm::jitlink::JITLinkMemoryManager &MemMgr)
      : MemMgr(MemMgr) {}
  // The pool stays in the process: later code, or pointers the program
  // kept, may still read it.
  ~LiteralPoolPlugin() override;

  void modifyPassConfig(llvm::orc::MaterializationResponsibility &MR,
                        llvm::jitlink::LinkGraph &G,
                        llvm::jitlink::PassConfiguration &Config) override;

  // Moves G's constant-only blocks of mergeable sections (.rodata.str*,
  // .rodata.cst*) into the pool, every reference to them bound to their
  // pooled address.
  llvm::Error pool(llvm::jitlink::LinkGraph &G);

private:
  llvm::jitlink::JITLinkMemoryManager &MemMgr;
  std::mutex Lock;
  // By content and alignment: the address of the pooled copy.
  std::map<std::pair<std::string, uint64_t>, uint64_t> Pooled;
  std::vector<llvm::jitlink::JITLinkMemoryManager::FinalizedAlloc> Allocs;
};

} // namespace hotc::jit
