#include "agent/wrapper_arguments.h"

#include "protocol/agent_protocol.h"

#include "llvm/ExecutionEngine/Orc/Shared/ExecutorSymbolDef.h"
#include "llvm/ExecutionEngine/Orc/Shared/OrcRTBridge.h"
#include "llvm/ExecutionEngine/Orc/Shared/SimpleRemoteEPCUtils.h"
#include "llvm/ExecutionEngine/Orc/Shared/TargetProcessControlTypes.h"
#include "llvm/ExecutionEngine/Orc/Shared/WrapperFunctionUtils.h"
#include "llvm/Support/Endian.h"

#include <cstring>
#include <type_traits>

using namespace llvm;
using namespace llvm::orc;
using namespace llvm::orc::shared;

namespace hotc::agent {
namespace {

struct Cursor {
  const char *P;
  size_t Left;
  bool take(uint64_t N) {
    if (N > Left)
      return false;
    P += N;
    Left -= static_cast<size_t>(N);
    return true;
  }
  bool u64(uint64_t &V) {
    if (Left < 8)
      return false;
    V = support::endian::read64le(P);
    return take(8);
  }
};

// The wire shape of each SPS tag in the agent's signatures.
template <typename Tag, typename = void> struct Shape;

template <typename T>
struct Shape<T, std::enable_if_t<std::is_arithmetic_v<T>>> {
  static constexpr size_t Fixed = sizeof(T);
  static bool walk(Cursor &C) { return C.take(sizeof(T)); }
};
template <> struct Shape<SPSExecutorAddr> {
  static constexpr size_t Fixed = 8;
  static bool walk(Cursor &C) { return C.take(8); }
};
template <> struct Shape<SPSRemoteAllocGroup> { // protection bits, one byte
  static constexpr size_t Fixed = 1;
  static bool walk(Cursor &C) { return C.take(1); }
};

template <typename Tag, typename = void> struct FixedSize {
  static constexpr size_t Value = 0; // variable
};
template <typename Tag>
struct FixedSize<Tag, std::void_t<decltype(Shape<Tag>::Fixed)>> {
  static constexpr size_t Value = Shape<Tag>::Fixed;
};

template <typename Elem> struct Shape<SPSSequence<Elem>> {
  static bool walk(Cursor &C) {
    uint64_t N;
    if (!C.u64(N))
      return false;
    if constexpr (FixedSize<Elem>::Value != 0) {
      constexpr size_t E = FixedSize<Elem>::Value;
      return N <= C.Left / E && C.take(N * E);
    } else {
      if (N > C.Left) // every element takes a byte at least
        return false;
      for (uint64_t I = 0; I < N; ++I)
        if (!Shape<Elem>::walk(C))
          return false;
      return true;
    }
  }
};

template <typename... Elems> struct Shape<SPSTuple<Elems...>> {
  static bool walk(Cursor &C) { return (Shape<Elems>::walk(C) && ...); }
};

template <typename Sig> struct ArgumentsOf;
template <typename Ret, typename... Args> struct ArgumentsOf<Ret(Args...)> {
  static bool fit(Cursor &C) { return (Shape<Args>::walk(C) && ...); }
};

using Checker = bool (*)(Cursor &);

template <typename Sig> constexpr Checker checker() {
  return &ArgumentsOf<Sig>::fit;
}

struct Known {
  const char *Name;
  Checker Check;
};

// Every wrapper function the agent announces (SimpleRemoteEPCServer's
// defaults, its two services, and protocol/agent_protocol.h).
const std::vector<Known> &knownWrappers() {
  using UInt8s = void(SPSSequence<SPSMemoryAccessUInt8Write>);
  using UInt16s = void(SPSSequence<SPSMemoryAccessUInt16Write>);
  using UInt32s = void(SPSSequence<SPSMemoryAccessUInt32Write>);
  using UInt64s = void(SPSSequence<SPSMemoryAccessUInt64Write>);
  using Buffers = void(SPSSequence<SPSMemoryAccessBufferWrite>);
  using EHFrames = SPSError(SPSExecutorAddrRange);
  using DebugObject = SPSError(SPSExecutorAddrRange, bool);
  static const auto *K = new std::vector<Known>{
      {rt::MemoryWriteUInt8sWrapperName, checker<UInt8s>()},
      {rt::MemoryWriteUInt16sWrapperName, checker<UInt16s>()},
      {rt::MemoryWriteUInt32sWrapperName, checker<UInt32s>()},
      {rt::MemoryWriteUInt64sWrapperName, checker<UInt64s>()},
      {rt::MemoryWriteBuffersWrapperName, checker<Buffers>()},
      {rt::RegisterEHFrameSectionWrapperName, checker<EHFrames>()},
      {rt::DeregisterEHFrameSectionWrapperName, checker<EHFrames>()},
      {rt::RunAsMainWrapperName, checker<rt::SPSRunAsMainSignature>()},
      {rt::RunAsVoidFunctionWrapperName,
       checker<rt::SPSRunAsVoidFunctionSignature>()},
      {rt::RunAsIntFunctionWrapperName,
       checker<rt::SPSRunAsIntFunctionSignature>()},
      {rt::SimpleExecutorMemoryManagerReserveWrapperName,
       checker<rt::SPSSimpleExecutorMemoryManagerReserveSignature>()},
      {rt::SimpleExecutorMemoryManagerFinalizeWrapperName,
       checker<rt::SPSSimpleExecutorMemoryManagerFinalizeSignature>()},
      {rt::SimpleExecutorMemoryManagerDeallocateWrapperName,
       checker<rt::SPSSimpleExecutorMemoryManagerDeallocateSignature>()},
      {rt::SimpleExecutorDylibManagerOpenWrapperName,
       checker<rt::SPSSimpleExecutorDylibManagerOpenSignature>()},
      {rt::SimpleExecutorDylibManagerLookupWrapperName,
       checker<rt::SPSSimpleExecutorDylibManagerLookupSignature>()},
      {protocol::kModulesFn, checker<protocol::SPSModulesSig>()},
      {protocol::kPatchFn, checker<protocol::SPSPatchSig>()},
      {protocol::kUndoFn, checker<protocol::SPSUndoSig>()},
      {protocol::kRedoFn, checker<protocol::SPSRedoSig>()},
      {protocol::kReleaseFn, checker<protocol::SPSReleaseSig>()},
      {protocol::kResolveIfuncsFn, checker<protocol::SPSResolveIfuncsSig>()},
      {protocol::kRecordSymbolsFn, checker<protocol::SPSRecordSymbolsSig>()},
      {protocol::kRecordedSymbolsFn, checker<protocol::SPSRecordedSymbolsSig>()},
      {protocol::kRegisterEHFramesFn, checker<EHFrames>()},
      {protocol::kDeregisterEHFramesFn, checker<EHFrames>()},
      {protocol::kRegisterDebugObjectFn, checker<DebugObject>()},
  };
  return *K;
}

const Known *find(StringRef Name) {
  for (const Known &K : knownWrappers())
    if (Name == K.Name)
      return &K;
  return nullptr;
}

} // namespace

bool hasKnownSignature(StringRef Name) { return find(Name) != nullptr; }

bool argumentsFit(StringRef Name, ArrayRef<char> Args, std::string &Why) {
  const Known *K = find(Name);
  if (!K) {
    Why = "no known signature for " + Name.str();
    return false;
  }
  Cursor C{Args.data(), Args.size()};
  if (!K->Check(C)) {
    Why = "arguments of " + Name.str() + " end early or claim more elements "
          "than the frame holds";
    return false;
  }
  if (C.Left) {
    Why = std::to_string(C.Left) + " bytes after the arguments of " +
          Name.str();
    return false;
  }
  return true;
}

std::vector<std::string> checkedWrapperNames() {
  std::vector<std::string> Out;
  for (const Known &K : knownWrappers())
    Out.push_back(K.Name);
  return Out;
}

} // namespace hotc::agent
