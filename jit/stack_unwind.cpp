#include "jit/stack_unwind.h"

#include "llvm/DebugInfo/DWARF/DWARFContext.h"
#include "llvm/DebugInfo/DWARF/DWARFDebugFrame.h"
#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Object/ObjectFile.h"

#include <algorithm>
#include <cstring>
#include <map>

using namespace llvm;

namespace hotc::jit {
namespace {

// DWARF register numbers of x86-64, and where ThreadStack::Regs keeps them.
constexpr uint32_t kRbx = 3, kRbp = 6, kRsp = 7, kReturnAddress = 16;
int slotOf(uint32_t Reg) {
  switch (Reg) {
  case kRsp: return 1;
  case kRbp: return 2;
  case kRbx: return 3;
  case 12: return 4;
  case 13: return 5;
  case 14: return 6;
  case 15: return 7;
  default: return -1;
  }
}

constexpr int kMaxFrames = 512;

} // namespace

struct StackUnwinder::Module {
  LoadedModule Loaded;
  std::string File;
  bool Tried = false, FramesRead = false;
  uint64_t Low = 0, High = 0; // executable sections, biased
  object::OwningBinary<object::ObjectFile> Binary;
  std::unique_ptr<DWARFContext> Context;
  std::map<uint64_t, const dwarf::FDE *> ByStart; // unbiased start -> FDE
  std::map<const dwarf::FDE *, std::unique_ptr<dwarf::UnwindTable>> Tables;

  void load() {
    Tried = true;
    auto Bin = object::ObjectFile::createObjectFile(File);
    if (!Bin) {
      consumeError(Bin.takeError()); // no CFI from it: its frames end walks
      return;
    }
    Binary = std::move(*Bin);
    const object::ObjectFile &O = *Binary.getBinary();
    bool First = true;
    for (const object::SectionRef &S : O.sections())
      if (S.isText()) {
        uint64_t A = S.getAddress() + Loaded.Bias;
        Low = First ? A : std::min(Low, A);
        High = First ? A + S.getSize() : std::max(High, A + S.getSize());
        First = false;
      }
  }

  // The FDEs, read when a walk first reaches this module.
  void readFrames() {
    FramesRead = true;
    if (!Binary.getBinary())
      return;
    Context = DWARFContext::create(*Binary.getBinary());
    Expected<const DWARFDebugFrame *> EH = Context->getEHFrame();
    if (!EH) {
      consumeError(EH.takeError()); // a damaged .eh_frame: no walks through it
      return;
    }
    for (const dwarf::FrameEntry &E : **EH)
      if (const auto *F = dyn_cast<dwarf::FDE>(&E))
        ByStart[F->getInitialLocation()] = F;
  }

  // The row for Pc (unbiased) of the FDE covering it; null when none.
  const dwarf::UnwindRow *rowFor(uint64_t Pc) {
    if (!FramesRead)
      readFrames();
    auto It = ByStart.upper_bound(Pc);
    if (It == ByStart.begin())
      return nullptr;
    const dwarf::FDE *F = std::prev(It)->second;
    if (Pc >= F->getInitialLocation() + F->getAddressRange())
      return nullptr;
    auto &Table = Tables[F];
    if (!Table) {
      auto T = dwarf::UnwindTable::create(F);
      if (!T) {
        consumeError(T.takeError()); // an FDE LLVM cannot evaluate
        return nullptr;
      }
      Table = std::make_unique<dwarf::UnwindTable>(std::move(*T));
    }
    const dwarf::UnwindRow *Found = nullptr;
    for (const dwarf::UnwindRow &R : *Table)
      if (R.hasAddress() && R.getAddress() <= Pc)
        Found = &R;
    return Found;
  }
};

StackUnwinder::StackUnwinder(int Pid, std::vector<LoadedModule> Loaded) {
  for (LoadedModule &L : Loaded) {
    auto M = std::make_unique<Module>();
    M->File = L.Path.empty() ? "/proc/" + std::to_string(Pid) + "/exe" : L.Path;
    M->Loaded = std::move(L);
    Modules.push_back(std::move(M));
  }
}
StackUnwinder::~StackUnwinder() = default;

StackUnwinder::Module *StackUnwinder::moduleOf(uint64_t Pc) {
  for (auto &M : Modules) {
    if (!M->Tried)
      M->load();
    if (Pc >= M->Low && Pc < M->High)
      return M.get();
  }
  return nullptr;
}

std::vector<uint64_t> StackUnwinder::returnAddresses(const ThreadStack &T) {
  std::vector<uint64_t> Out;
  uint64_t Regs[8];
  std::copy(std::begin(T.Regs), std::end(T.Regs), Regs);
  const uint64_t Base = T.Regs[1];
  auto Read = [&](uint64_t A, uint64_t &V) {
    // Written so that no sum can wrap around: register values are the
    // process's, anything at all.
    if (T.Bytes.size() < 8 || A < Base || A - Base > T.Bytes.size() - 8)
      return false;
    memcpy(&V, T.Bytes.data() + (A - Base), 8);
    return true;
  };
  // A return address points after its call: look its frame up inside it.
  bool Inner = true;
  for (int Depth = 0; Depth < kMaxFrames; ++Depth) {
    uint64_t Pc = Regs[0];
    Module *M = moduleOf(Inner ? Pc : Pc - 1);
    if (!M)
      break;
    const dwarf::UnwindRow *Row =
        M->rowFor((Inner ? Pc : Pc - 1) - M->Loaded.Bias);
    if (!Row)
      break;
    const dwarf::UnwindLocation &Cfa = Row->getCFAValue();
    int CfaSlot = slotOf(Cfa.getRegister());
    if (Cfa.getLocation() != dwarf::UnwindLocation::RegPlusOffset || CfaSlot < 0)
      break;
    uint64_t CfaValue = Regs[CfaSlot] + static_cast<int64_t>(Cfa.getOffset());
    if (CfaValue < 16)
      break;
    // A saved register is at CFA + offset; any other rule ends the walk
    // where the register is needed (only the return address always is).
    auto Restore = [&](uint32_t Reg, uint64_t &Into) {
      std::optional<dwarf::UnwindLocation> L =
          Row->getRegisterLocations().getRegisterLocation(Reg);
      if (!L || L->getLocation() == dwarf::UnwindLocation::Same)
        return Reg != kReturnAddress;
      if (!(*L == dwarf::UnwindLocation::createAtCFAPlusOffset(L->getOffset())))
        return false;
      return Read(CfaValue + static_cast<int64_t>(L->getOffset()), Into);
    };
    uint64_t Next[8];
    std::copy(std::begin(Regs), std::end(Regs), Next);
    // x86-64 CFI rarely names the return address: it sits just below the CFA.
    if (auto L = Row->getRegisterLocations().getRegisterLocation(kReturnAddress)) {
      if (!Restore(kReturnAddress, Next[0]))
        break;
    } else if (!Read(CfaValue - 8, Next[0])) {
      break;
    }
    bool Ok = true;
    for (uint32_t Reg : {kRbp, kRbx, 12u, 13u, 14u, 15u})
      Ok &= Restore(Reg, Next[slotOf(Reg)]);
    if (!Ok || Next[0] == 0 || CfaValue <= Regs[1])
      break;
    Next[1] = CfaValue;
    std::copy(std::begin(Next), std::end(Next), Regs);
    Out.push_back(Regs[0]);
    Inner = false;
  }
  return Out;
}

} // namespace hotc::jit
