#include "jit/literal_pool.h"

#include "llvm/ExecutionEngine/JITLink/JITLink.h"
#include "llvm/Support/FormatVariadic.h"

#include <cstring>
#include <set>

using namespace llvm;
using namespace llvm::jitlink;

namespace hotc::jit {
namespace {

// A block that is only bytes, in a section the compiler emits for
// constants whose identity the program cannot rely on (mergeable: the
// linker may fold equal ones), and that nothing looks up by name (Named:
// the blocks of symbols that are not local).
bool isPoolable(const Block &B, const std::set<const Block *> &Named) {
  StringRef S = B.getSection().getName();
  return (S.starts_with(".rodata.str") || S.starts_with(".rodata.cst")) &&
         !B.isZeroFill() && B.edges_empty() && B.getAlignmentOffset() == 0 &&
         !Named.count(&B);
}

std::pair<std::string, uint64_t> keyOf(const Block &B) {
  return {std::string(B.getContent().data(), B.getContent().size()),
          B.getAlignment()};
}

} // namespace

LiteralPoolPlugin::~LiteralPoolPlugin() {
  for (auto &A : Allocs)
    (void)A.release(); // the memory stays mapped in the process
}

void LiteralPoolPlugin::modifyPassConfig(orc::MaterializationResponsibility &,
                                         LinkGraph &, PassConfiguration &Config) {
  // After dead-stripping (only literals the patch uses), before the pass
  // that decides whether the version's addresses escape (CodeMapPlugin).
  Config.PostPrunePasses.push_back([this](LinkGraph &G) { return pool(G); });
}

Error LiteralPoolPlugin::pool(LinkGraph &G) {
  std::set<const Block *> Named;
  for (const Symbol *S : G.defined_symbols())
    if (S->getScope() != Scope::Local)
      Named.insert(&S->getBlock());
  std::vector<Block *> Blocks;
  for (Block *B : G.blocks())
    if (isPoolable(*B, Named))
      Blocks.push_back(B);
  if (Blocks.empty())
    return Error::success();
  std::lock_guard<std::mutex> Guard(Lock);
  // The contents not pooled yet, laid out in one new read-only segment.
  std::map<std::pair<std::string, uint64_t>, uint64_t> New; // key -> offset
  uint64_t Size = 0, MaxAlign = 1;
  for (Block *B : Blocks) {
    auto Key = keyOf(*B);
    if (Pooled.count(Key) || New.count(Key))
      continue;
    Size = alignTo(Size, B->getAlignment());
    New[Key] = Size;
    Size += B->getSize();
    MaxAlign = std::max<uint64_t>(MaxAlign, B->getAlignment());
  }
  if (!New.empty()) {
    SimpleSegmentAlloc::SegmentMap Segments;
    Segments[orc::MemProt::Read] = {Size, Align(MaxAlign)};
    auto Alloc = SimpleSegmentAlloc::Create(MemMgr, nullptr, std::move(Segments));
    if (!Alloc)
      return Alloc.takeError();
    auto Seg = Alloc->getSegInfo(orc::MemProt::Read);
    for (const auto &[Key, Offset] : New)
      memcpy(Seg.WorkingMem.data() + Offset, Key.first.data(), Key.first.size());
    auto Done = Alloc->finalize();
    if (!Done)
      return Done.takeError();
    Allocs.push_back(std::move(*Done));
    for (const auto &[Key, Offset] : New)
      Pooled[Key] = Seg.Addr.getValue() + Offset;
  }
  // Every reference to a pooled block now binds to its copy in the pool.
  std::map<const Block *, Symbol *> Copy;
  for (Block *B : Blocks)
    Copy[B] = &G.addAbsoluteSymbol(
        formatv("__hotc_pooled_literal.{0}", Copy.size()).str(),
        orc::ExecutorAddr(Pooled.at(keyOf(*B))), B->getSize(), Linkage::Strong,
        Scope::Local, /*IsLive=*/false);
  for (Block *From : G.blocks())
    for (Edge &E : From->edges()) {
      Symbol &T = E.getTarget();
      if (!T.isDefined())
        continue;
      auto It = Copy.find(&T.getBlock());
      if (It == Copy.end())
        continue;
      E.setAddend(E.getAddend() + T.getOffset());
      E.setTarget(*It->second);
    }
  std::vector<Symbol *> Gone;
  for (Symbol *S : G.defined_symbols())
    if (Copy.count(&S->getBlock()))
      Gone.push_back(S);
  for (Symbol *S : Gone)
    G.removeDefinedSymbol(*S);
  for (Block *B : Blocks)
    G.removeBlock(*B);
  return Error::success();
}

} // namespace hotc::jit
