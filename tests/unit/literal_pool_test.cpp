// jit::LiteralPoolPlugin with memory of this process: a patch's string
// literal leaves its graph for the pool, every reference binds to the
// pooled copy, equal contents share one copy, and what is not a plain
// mergeable constant stays in the graph.
#include "jit/literal_pool.h"
#include "jit/patched_code.h"

#include "llvm/ExecutionEngine/JITLink/JITLink.h"
#include "llvm/ExecutionEngine/JITLink/x86_64.h"
#include "llvm/TargetParser/Triple.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace llvm;
using namespace llvm::jitlink;

namespace hotc::jit {
namespace {

ArrayRef<char> bytes(StringRef S) { return ArrayRef<char>(S.data(), S.size()); }

// lea .L.str(%rip), %rax; ret.
const StringRef kLea("\x48\x8D\x05\0\0\0\0\xC3", 8);

struct Patch {
  LinkGraph G{"patch", Triple("x86_64-pc-linux-gnu"), 8, endianness::little,
              x86_64::getEdgeKindName};
  Section &Text = G.createSection(".text", orc::MemProt::Read | orc::MemProt::Exec);
  Block *Code = nullptr;

  // A function taking the address of the literal Bytes, at offset 1 of it,
  // in Section (".rodata.str1.1" unless told).
  explicit Patch(StringRef Bytes, StringRef SectionName = ".rodata.str1.1",
                 Scope LiteralScope = Scope::Local) {
    Section &S = G.createSection(SectionName, orc::MemProt::Read);
    Block &Lit = G.createContentBlock(S, bytes(Bytes), orc::ExecutorAddr(0x2000), 1, 0);
    Symbol &Str = G.addDefinedSymbol(Lit, 0, ".L.str", Bytes.size(),
                                     Linkage::Strong, LiteralScope, false, true);
    Code = &G.createContentBlock(Text, bytes(kLea), orc::ExecutorAddr(0x1000), 16, 0);
    Code->addEdge(x86_64::PCRel32, 3, Str, 1 - 4);
    G.addDefinedSymbol(*Code, 0, "f", kLea.size(), Linkage::Strong,
                       Scope::Default, true, true);
  }
  const Edge &edge() const { return *Code->edges().begin(); }
  size_t blocks() const { return std::distance(G.blocks().begin(), G.blocks().end()); }
};

struct Pool {
  std::unique_ptr<InProcessMemoryManager> Memory =
      cantFail(InProcessMemoryManager::Create());
  LiteralPoolPlugin Plugin{*Memory};
};

TEST(LiteralPool, ALiteralLeavesTheGraphAndReferencesBindToThePool) {
  Pool P;
  Patch A(StringRef("hello\0", 6));
  ASSERT_FALSE(bool(P.Plugin.pool(A.G)));
  EXPECT_EQ(A.blocks(), 1u); // only the code is left
  const Symbol &T = A.edge().getTarget();
  ASSERT_TRUE(T.isAbsolute());
  // The pooled copy holds the bytes; the reference keeps its offset.
  const char *Copy = T.getAddress().toPtr<const char *>();
  EXPECT_EQ(memcmp(Copy, "hello", 6), 0);
  EXPECT_EQ(A.edge().getAddend(), 1 - 4);
  // A literal no longer pins the version.
  EXPECT_EQ(pinnedBy(A.G), "");
}

TEST(LiteralPool, EqualContentsShareOneCopy) {
  Pool P;
  Patch A(StringRef("same\0", 5)), B(StringRef("same\0", 5)), C(StringRef("other\0", 6));
  ASSERT_FALSE(bool(P.Plugin.pool(A.G)));
  ASSERT_FALSE(bool(P.Plugin.pool(B.G)));
  ASSERT_FALSE(bool(P.Plugin.pool(C.G)));
  EXPECT_EQ(A.edge().getTarget().getAddress(), B.edge().getTarget().getAddress());
  EXPECT_NE(A.edge().getTarget().getAddress(), C.edge().getTarget().getAddress());
}

TEST(LiteralPool, OnlyPlainMergeableConstantsArePooled) {
  Pool P;
  Patch Data(StringRef("jump\0", 5), ".rodata");
  Patch Named(StringRef("name\0", 5), ".rodata.str1.1", Scope::Default);
  for (Patch *T : {&Data, &Named}) {
    ASSERT_FALSE(bool(P.Plugin.pool(T->G)));
    EXPECT_EQ(T->blocks(), 2u);
    EXPECT_TRUE(T->edge().getTarget().isDefined());
  }
}

} // namespace
} // namespace hotc::jit
