// libFuzzer target over everything a peer can send the agent (built with
// clang-19 -fsanitize=fuzzer,address; tests/fuzz/README.md). The first
// byte picks what the rest is:
//   even: a byte stream on the agent's socket, read by the agent's own
//         BoundedTransport as in a session (Setup announced every wrapper
//         function at fake addresses 0x10000 + 16*i); every frame it lets
//         through to a wrapper is decoded by ORC into that wrapper's real
//         argument types, as the server would before calling it;
//   odd:  the argument bytes of wrapper (second byte mod count), checked by
//         argumentsFit and, when they fit, decoded the same way: a fitting
//         argument list must decode.
// A crash, a sanitizer report, an uncaught exception (std::length_error
// from a claimed count) or an allocation over -malloc_limit_mb is a bug.
#include "agent/bounded_transport.h"
#include "agent/wrapper_arguments.h"
#include "protocol/agent_protocol.h"

#include "llvm/ExecutionEngine/Orc/Shared/ExecutorSymbolDef.h"
#include "llvm/ExecutionEngine/Orc/Shared/OrcRTBridge.h"
#include "llvm/ExecutionEngine/Orc/Shared/SimpleRemoteEPCUtils.h"
#include "llvm/ExecutionEngine/Orc/Shared/TargetProcessControlTypes.h"
#include "llvm/ExecutionEngine/Orc/Shared/WrapperFunctionUtils.h"

#include <condition_variable>
#include <csignal>
#include <thread>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sys/socket.h>
#include <unistd.h>

using namespace llvm;
using namespace llvm::orc;
using namespace llvm::orc::shared;

namespace {

template <typename... SPS, typename... Ts>
bool decodeAs(ArrayRef<char> Args, std::tuple<Ts...> &Values) {
  SPSInputBuffer IB(Args.data(), Args.size());
  return std::apply(
      [&](auto &...V) { return SPSArgList<SPS...>::deserialize(IB, V...); },
      Values);
}

template <typename Sig> struct Decoder;
template <typename Ret, typename... SPS> struct Decoder<Ret(SPS...)> {
  template <typename... Ts> static bool run(ArrayRef<char> Args) {
    std::tuple<Ts...> Values;
    return decodeAs<SPS...>(Args, Values);
  }
};

using EHFrames = SPSError(SPSExecutorAddrRange);
using DebugObject = SPSError(SPSExecutorAddrRange, bool);
template <typename T> using Writes = std::vector<tpctypes::UIntWrite<T>>;

// Each wrapper's arguments decoded into the C++ types its handler takes.
bool decode(StringRef Name, ArrayRef<char> A) {
  using namespace rt;
  namespace p = hotc::protocol;
  if (Name == MemoryWriteUInt8sWrapperName)
    return Decoder<void(SPSSequence<SPSMemoryAccessUInt8Write>)>::run<Writes<uint8_t>>(A);
  if (Name == MemoryWriteUInt16sWrapperName)
    return Decoder<void(SPSSequence<SPSMemoryAccessUInt16Write>)>::run<Writes<uint16_t>>(A);
  if (Name == MemoryWriteUInt32sWrapperName)
    return Decoder<void(SPSSequence<SPSMemoryAccessUInt32Write>)>::run<Writes<uint32_t>>(A);
  if (Name == MemoryWriteUInt64sWrapperName)
    return Decoder<void(SPSSequence<SPSMemoryAccessUInt64Write>)>::run<Writes<uint64_t>>(A);
  if (Name == MemoryWriteBuffersWrapperName)
    return Decoder<void(SPSSequence<SPSMemoryAccessBufferWrite>)>::run<
        std::vector<tpctypes::BufferWrite>>(A);
  if (Name == RegisterEHFrameSectionWrapperName ||
      Name == DeregisterEHFrameSectionWrapperName ||
      Name == p::kRegisterEHFramesFn || Name == p::kDeregisterEHFramesFn)
    return Decoder<EHFrames>::run<ExecutorAddrRange>(A);
  if (Name == p::kRegisterDebugObjectFn)
    return Decoder<DebugObject>::run<ExecutorAddrRange, bool>(A);
  if (Name == RunAsMainWrapperName)
    return Decoder<SPSRunAsMainSignature>::run<ExecutorAddr, std::vector<std::string>>(A);
  if (Name == RunAsVoidFunctionWrapperName)
    return Decoder<SPSRunAsVoidFunctionSignature>::run<ExecutorAddr>(A);
  if (Name == RunAsIntFunctionWrapperName)
    return Decoder<SPSRunAsIntFunctionSignature>::run<ExecutorAddr, int32_t>(A);
  if (Name == SimpleExecutorMemoryManagerReserveWrapperName)
    return Decoder<SPSSimpleExecutorMemoryManagerReserveSignature>::run<ExecutorAddr, uint64_t>(A);
  if (Name == SimpleExecutorMemoryManagerFinalizeWrapperName)
    return Decoder<SPSSimpleExecutorMemoryManagerFinalizeSignature>::run<
        ExecutorAddr, tpctypes::FinalizeRequest>(A);
  if (Name == SimpleExecutorMemoryManagerDeallocateWrapperName)
    return Decoder<SPSSimpleExecutorMemoryManagerDeallocateSignature>::run<
        ExecutorAddr, std::vector<ExecutorAddr>>(A);
  if (Name == SimpleExecutorDylibManagerOpenWrapperName)
    return Decoder<SPSSimpleExecutorDylibManagerOpenSignature>::run<
        ExecutorAddr, std::string, uint64_t>(A);
  if (Name == SimpleExecutorDylibManagerLookupWrapperName)
    return Decoder<SPSSimpleExecutorDylibManagerLookupSignature>::run<
        ExecutorAddr, ExecutorAddr, RemoteSymbolLookupSet>(A);
  if (Name == p::kModulesFn)
    return Decoder<p::SPSModulesSig>::run<>(A);
  if (Name == p::kPatchFn)
    return Decoder<p::SPSPatchSig>::run<
        uint64_t, uint8_t, std::vector<std::tuple<ExecutorAddr, uint64_t, bool>>,
        std::vector<std::tuple<ExecutorAddr, ExecutorAddr, uint64_t>>,
        std::tuple<uint8_t, uint64_t, std::vector<std::string>,
                   std::vector<std::string>>>(A);
  if (Name == p::kUndoFn)
    return Decoder<p::SPSUndoSig>::run<uint64_t>(A);
  if (Name == p::kRedoFn)
    return Decoder<p::SPSRedoSig>::run<uint64_t>(A);
  if (Name == p::kReleaseFn)
    return Decoder<p::SPSReleaseSig>::run<
        uint64_t, uint64_t, std::vector<std::tuple<uint64_t, uint64_t>>>(A);
  if (Name == p::kResolveIfuncsFn)
    return Decoder<p::SPSResolveIfuncsSig>::run<std::vector<ExecutorAddr>>(A);
  if (Name == p::kRecordSymbolsFn)
    return Decoder<p::SPSRecordSymbolsSig>::run<
        std::vector<std::tuple<std::string, std::string, ExecutorAddr>>>(A);
  if (Name == p::kRecordedSymbolsFn)
    return Decoder<p::SPSRecordedSymbolsSig>::run<>(A);
  fprintf(stderr, "agent_fuzz: no decoder for %s\n", Name.str().c_str());
  abort(); // a wrapper the table knows and this target does not
}

const std::vector<std::string> &names() {
  static const auto *N = new std::vector<std::string>(hotc::agent::checkedWrapperNames());
  return *N;
}
uint64_t fakeAddress(size_t I) { return 0x10000 + 16 * I; }

// Stands in for SimpleRemoteEPCServer: decodes what it is handed.
class Server : public SimpleRemoteEPCTransportClient {
public:
  Expected<HandleMessageAction> handleMessage(SimpleRemoteEPCOpcode OpC,
                                              uint64_t, ExecutorAddr Tag,
                                              SimpleRemoteEPCArgBytesVector Args) override {
    if (OpC == SimpleRemoteEPCOpcode::CallWrapper) {
      uint64_t I = (Tag.getValue() - 0x10000) / 16;
      if (Tag.getValue() < 0x10000 || I >= names().size() ||
          fakeAddress(I) != Tag.getValue())
        abort(); // the transport let a call of no wrapper through
      if (!decode(names()[I], Args))
        abort(); // arguments the check let through that do not decode
    }
    return ContinueSession;
  }
  void handleDisconnect(Error Err) override {
    consumeError(std::move(Err)); // a refused frame is the expected outcome
    std::lock_guard<std::mutex> G(Lock);
    Done = true;
    Ended.notify_all();
  }
  void wait() {
    std::unique_lock<std::mutex> G(Lock);
    Ended.wait(G, [&] { return Done; });
  }

private:
  std::mutex Lock;
  std::condition_variable Ended;
  bool Done = false;
};

std::vector<char> setupMessage() {
  SimpleRemoteEPCExecutorInfo Info;
  Info.TargetTriple = "x86_64-pc-linux-gnu";
  Info.PageSize = 4096;
  for (size_t I = 0; I < names().size(); ++I)
    Info.BootstrapSymbols[names()[I]] = ExecutorAddr(fakeAddress(I));
  Info.BootstrapSymbols["__llvm_orc_SimpleExecutorMemoryManager_Instance"] =
      ExecutorAddr(0x900000); // data: never callable
  std::vector<char> Out(SPSArgList<SPSSimpleRemoteEPCExecutorInfo>::size(Info));
  SPSOutputBuffer OB(Out.data(), Out.size());
  if (!SPSArgList<SPSSimpleRemoteEPCExecutorInfo>::serialize(OB, Info))
    abort();
  return Out;
}

void runStream(const uint8_t *Data, size_t Size) {
  int Pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, Pair) != 0)
    abort();
  Server S;
  auto T = hotc::agent::BoundedTransport::Create(S, Pair[1]);
  if (!T)
    abort();
  static const std::vector<char> Setup = setupMessage();
  if (Error E = (*T)->sendMessage(SimpleRemoteEPCOpcode::Setup, 0,
                                  ExecutorAddr(), Setup))
    abort();
  hotc::agent::BoundedTransport::open(Pair[1]);
  if (Error E = (*T)->start())
    abort();
  // The peer's bytes, then its end of the stream. A reader on our side
  // drains what the agent writes, so neither end blocks.
  std::thread Drain([Fd = Pair[0]] {
    char B[4096];
    while (read(Fd, B, sizeof(B)) > 0) {
    }
  });
  for (size_t Off = 0; Off < Size;) {
    ssize_t N = write(Pair[0], Data + Off, Size - Off);
    if (N <= 0)
      break; // the agent ended the session and closed its end
    Off += static_cast<size_t>(N);
  }
  shutdown(Pair[0], SHUT_WR);
  S.wait();
  T->reset();
  Drain.join();
  close(Pair[0]);
}

void runArguments(const uint8_t *Data, size_t Size) {
  if (Size < 1)
    return;
  const std::string &Name = names()[Data[0] % names().size()];
  ArrayRef<char> Args(reinterpret_cast<const char *>(Data + 1), Size - 1);
  std::string Why;
  if (hotc::agent::argumentsFit(Name, Args, Why) && !decode(Name, Args))
    abort();
}

void writeFile(const std::string &Path, const std::string &Bytes) {
  std::ofstream(Path, std::ios::binary) << Bytes;
}

void put64(std::string &S, uint64_t V) {
  for (int I = 0; I < 8; ++I)
    S += static_cast<char>(V >> (8 * I));
}

// HOTC_FUZZ_SEEDS=DIR: one seed per wrapper and mode, with the shortest
// argument list that fits (all zero: empty sequences and strings).
void writeSeeds(const std::string &Dir) {
  for (size_t I = 0; I < names().size(); ++I) {
    std::string Args;
    std::string Why;
    while (!hotc::agent::argumentsFit(names()[I], ArrayRef<char>(Args.data(), Args.size()), Why) &&
           Args.size() < 256)
      Args += '\0';
    writeFile(Dir + "/args-" + names()[I], std::string{'\1', char(I)} + Args);
    std::string Frame(1, '\0');
    put64(Frame, 32 + Args.size());
    put64(Frame, static_cast<uint64_t>(SimpleRemoteEPCOpcode::CallWrapper));
    put64(Frame, I + 1);
    put64(Frame, fakeAddress(I));
    writeFile(Dir + "/frame-" + names()[I], Frame + Args);
  }
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  signal(SIGPIPE, SIG_IGN); // the agent closes its end on a refused frame
  if (const char *Dir = getenv("HOTC_FUZZ_SEEDS"))
    writeSeeds(Dir);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  if (Size < 1)
    return 0;
  if (Data[0] % 2 == 0)
    runStream(Data + 1, Size - 1);
  else
    runArguments(Data + 1, Size - 1);
  return 0;
}
