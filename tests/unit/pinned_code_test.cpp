// jit::pinnedBy: which link graphs hand out an address of their own code
// or data as a value (the version's memory may then never be freed), and
// which only call, jump, load or describe themselves for the unwinder.
#include "jit/patched_code.h"

#include "llvm/ExecutionEngine/JITLink/JITLink.h"
#include "llvm/ExecutionEngine/JITLink/x86_64.h"
#include "llvm/TargetParser/Triple.h"

#include <gtest/gtest.h>

using namespace llvm;
using namespace llvm::jitlink;

namespace hotc::jit {
namespace {

ArrayRef<char> bytes(StringRef S) { return ArrayRef<char>(S.data(), S.size()); }

struct Graph {
  LinkGraph G{"patch", Triple("x86_64-pc-linux-gnu"), 8, endianness::little,
              x86_64::getEdgeKindName};
  Section &Text = G.createSection(".text", orc::MemProt::Read | orc::MemProt::Exec);
  Section &RoData = G.createSection(".rodata", orc::MemProt::Read);
  Block &Literal = G.createContentBlock(RoData, bytes(StringRef("xy\0", 3)),
                                        orc::ExecutorAddr(0x2000), 1, 0);
  Symbol &Str = G.addDefinedSymbol(Literal, 0, ".L.str", 3, Linkage::Strong,
                                   Scope::Local, false, true);

  // A function whose bytes are Code, with an edge of Kind at Offset to T.
  Symbol &function(StringRef Name, StringRef Code, Edge::Kind Kind,
                   uint64_t Offset, Symbol &T, uint64_t Addr = 0x1000) {
    Block &B = G.createContentBlock(Text, bytes(Code), orc::ExecutorAddr(Addr), 16, 0);
    B.addEdge(Kind, Offset, T, -4);
    return G.addDefinedSymbol(B, 0, Name, Code.size(), Linkage::Strong,
                              Scope::Default, true, true);
  }
};

// lea .L.str(%rip), %rax: 48 8D 05 disp32; then ret.
const StringRef kLea("\x48\x8D\x05\0\0\0\0\xC3", 8);
// mov .L.str(%rip), %rax: 48 8B 05 disp32; then ret.
const StringRef kLoad("\x48\x8B\x05\0\0\0\0\xC3", 8);
// call disp32; ret.
const StringRef kCall("\xE8\0\0\0\0\xC3", 6);

TEST(PinnedCode, LeaOfALiteralPinsTheVersion) {
  Graph T;
  T.function("f", kLea, x86_64::PCRel32, 3, T.Str);
  std::string Why = pinnedBy(T.G);
  EXPECT_NE(Why.find("the address of its data .L.str is taken in .text"),
            std::string::npos)
      << Why;
}

TEST(PinnedCode, LoadsAndCallsDoNotPin) {
  Graph T;
  T.function("f", kLoad, x86_64::PCRel32, 3, T.Str);
  Symbol &G2 = T.function("g", kCall, x86_64::BranchPCRel32, 1, T.Str, 0x1100);
  T.function("h", kCall, x86_64::BranchPCRel32, 1, G2, 0x1200);
  EXPECT_EQ(pinnedBy(T.G), "");
}

TEST(PinnedCode, UnwindInformationDoesNotPin) {
  Graph T;
  Symbol &F = T.function("f", kCall, x86_64::BranchPCRel32, 1, T.Str);
  Section &EH = T.G.createSection(".eh_frame", orc::MemProt::Read);
  Block &Fde = T.G.createContentBlock(EH, bytes(StringRef("\0\0\0\0\0\0\0\0", 8)),
                                      orc::ExecutorAddr(0x3000), 8, 0);
  Fde.addEdge(x86_64::Delta64, 0, F, 0);
  EXPECT_EQ(pinnedBy(T.G), "");
}

TEST(PinnedCode, AFunctionPointerInDataPins) {
  Graph T;
  Symbol &F = T.function("f", kCall, x86_64::BranchPCRel32, 1, T.Str);
  Section &Data = T.G.createSection(".data.rel.ro", orc::MemProt::Read | orc::MemProt::Write);
  Block &Table = T.G.createContentBlock(Data, bytes(StringRef("\0\0\0\0\0\0\0\0", 8)),
                                        orc::ExecutorAddr(0x4000), 8, 0);
  Table.addEdge(x86_64::Pointer64, 0, F, 0);
  std::string Why = pinnedBy(T.G);
  EXPECT_NE(Why.find("the address of its code f is taken in .data.rel.ro"),
            std::string::npos)
      << Why;
}

} // namespace
} // namespace hotc::jit
