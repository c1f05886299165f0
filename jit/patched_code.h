// The code a patch linked, function by function, and the object it came
// from: what the agent guards against crashes (agent/crash_guard.h) and what
// the addresses of a crash are named with.
#pragma once

#include "jit/graph_pass_plugin.h"

#include "llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace hotc::jit {

struct LinkedFunction {
  std::string Name; // as linked (a versioned name for a replacement)
  uint64_t Start = 0;
  uint64_t Size = 0;
};

struct LinkedCode {
  std::vector<LinkedFunction> Functions;
  // Every block of code it placed, [start, end): what the agent checks no
  // thread and no entry reaches before the memory is freed.
  std::vector<std::pair<uint64_t, uint64_t>> CodeBlocks;
  // Why its memory must stay even once nothing runs it (empty: it may go):
  // an address of its own code or data is taken other than by a call or a
  // load (a function pointer, a string literal's address), so a pointer
  // into it may be anywhere in the process.
  std::string Pinned;
  // The relocatable object, for its line table; null for a graph cut in
  // memory (a GCC object: jit/build_compiler_patch.h).
  std::shared_ptr<llvm::MemoryBuffer> Object;
};

// Where an address of patched code comes from.
struct CodeLocation {
  std::string Function; // demangled, without hotc's version suffix
  std::string File;     // empty without line information
  unsigned Line = 0;
};

// Names Pc (a faulting PC, or a return address when IsReturn) if it lies in
// Code; nullopt otherwise.
std::optional<CodeLocation> locate(const LinkedCode &Code, uint64_t Pc,
                                   bool IsReturn);

// Why the memory of G must outlive its code's last use (LinkedCode::Pinned),
// judged on the graph once its GOT and stubs exist; empty when it need not.
std::string pinnedBy(const llvm::jitlink::LinkGraph &G);

// Collects the functions of every graph linked, for LinkSession to hand to
// the patch that linked them.
class CodeMapPlugin : public GraphPassPlugin {
public:
  void modifyPassConfig(llvm::orc::MaterializationResponsibility &MR,
                        llvm::jitlink::LinkGraph &G,
                        llvm::jitlink::PassConfiguration &Config) override;
  void notifyMaterializing(llvm::orc::MaterializationResponsibility &MR,
                           llvm::jitlink::LinkGraph &G,
                           llvm::jitlink::JITLinkContext &Ctx,
                           llvm::MemoryBufferRef InputObject) override;

  // What was linked since the last call.
  LinkedCode take();

private:
  std::mutex Lock;
  LinkedCode Pending;
};

} // namespace hotc::jit
