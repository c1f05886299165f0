#include "agent/bounded_transport.h"

#include "agent/safe_point.h"
#include "agent/wrapper_arguments.h"

#include "llvm/ExecutionEngine/Orc/Shared/OrcRTBridge.h"
#include "llvm/Support/Endian.h"

#include <cerrno>
#include <map>
#include <sys/socket.h>
#include <unistd.h>

using namespace llvm;
using namespace llvm::orc;

namespace hotc::agent {
namespace {

constexpr size_t kHeaderSize = 32;

Error refused(const Twine &Why) {
  return createStringError(inconvertibleErrorCode(), "frame refused: " + Why);
}

// Reads exactly Size bytes; Got says how many came before an end of stream.
Error readAll(int FD, char *Dst, size_t Size, size_t &Got) {
  Got = 0;
  while (Got < Size) {
    ssize_t N = ::read(FD, Dst + Got, Size - Got);
    if (N == 0)
      return Error::success();
    if (N < 0) {
      if (errno == EINTR || errno == EAGAIN)
        continue;
      return errorCodeToError(std::error_code(errno, std::generic_category()));
    }
    Got += static_cast<size_t>(N);
  }
  return Error::success();
}

bool writeAll(int FD, const char *Src, size_t Size) {
  while (Size) {
    ssize_t N = ::write(FD, Src, Size);
    if (N < 0 && (errno == EINTR || errno == EAGAIN))
      continue;
    if (N <= 0)
      return false;
    Src += N;
    Size -= static_cast<size_t>(N);
  }
  return true;
}

// Transports still setting up, by socket. Built on first use: the agent's
// constructor starts serving before this file's static initialisers may
// have run (their order within the library is not defined), and a map
// read before its constructor is garbage.
std::mutex SettingUpLock; // constexpr-constructed
std::map<int, BoundedTransport *> &settingUp() {
  static auto *M = new std::map<int, BoundedTransport *>;
  return *M;
}

} // namespace

Expected<std::unique_ptr<BoundedTransport>>
BoundedTransport::Create(SimpleRemoteEPCTransportClient &C, int FD) {
  if (FD < 0)
    return createStringError(inconvertibleErrorCode(), "no socket");
  std::unique_ptr<BoundedTransport> T(new BoundedTransport(C, FD));
  std::lock_guard<std::mutex> Guard(SettingUpLock);
  settingUp()[FD] = T.get();
  return std::move(T);
}

void BoundedTransport::open(int FD) {
  std::lock_guard<std::mutex> Guard(SettingUpLock);
  auto It = settingUp().find(FD);
  if (It == settingUp().end())
    return;
  BoundedTransport *T = It->second;
  settingUp().erase(It);
  std::lock_guard<std::mutex> P(T->PhaseLock);
  T->Now = Phase::Open;
  T->PhaseChanged.notify_all();
}

// Destroyed before open(): the server's Create failed; the reader leaves
// without a word to the half-made server.
BoundedTransport::~BoundedTransport() {
  {
    std::lock_guard<std::mutex> Guard(SettingUpLock);
    settingUp().erase(FD);
  }
  {
    std::lock_guard<std::mutex> P(PhaseLock);
    if (Now == Phase::SettingUp)
      Now = Phase::Abandoned;
    PhaseChanged.notify_all();
  }
  if (Listener.joinable())
    Listener.join();
}

Error BoundedTransport::start() {
  Listener = std::thread([this] { listen(); });
  return Error::success();
}

// The Setup message carries the bootstrap symbols: the only addresses a
// CallWrapper may name.
void BoundedTransport::learnWrappers(ArrayRef<char> SetupArgs) {
  SimpleRemoteEPCExecutorInfo Info;
  shared::SPSInputBuffer IB(SetupArgs.data(), SetupArgs.size());
  if (!shared::SPSArgList<shared::SPSSimpleRemoteEPCExecutorInfo>::deserialize(
          IB, Info))
    return; // then nothing is callable, and the session goes nowhere
  std::lock_guard<std::mutex> Guard(WrapperLock);
  // Not every bootstrap symbol is a wrapper function (the session object,
  // the services' instances, the dispatch function): only those whose
  // argument signature wrapper_arguments knows are callable.
  for (const auto &E : Info.BootstrapSymbols)
    if (hasKnownSignature(E.first()))
      Wrappers[E.second.getValue()] = E.first().str();
}

std::optional<std::string> BoundedTransport::wrapperAt(uint64_t Tag) {
  std::lock_guard<std::mutex> Guard(WrapperLock);
  auto It = Wrappers.find(Tag);
  if (It == Wrappers.end())
    return std::nullopt;
  return It->second;
}

Error BoundedTransport::sendMessage(SimpleRemoteEPCOpcode OpC, uint64_t SeqNo,
                                    ExecutorAddr TagAddr,
                                    ArrayRef<char> ArgBytes) {
  if (OpC == SimpleRemoteEPCOpcode::Setup)
    learnWrappers(ArgBytes);
  char Header[kHeaderSize];
  support::endian::write64le(Header, kHeaderSize + ArgBytes.size());
  support::endian::write64le(Header + 8, static_cast<uint64_t>(OpC));
  support::endian::write64le(Header + 16, SeqNo);
  support::endian::write64le(Header + 24, TagAddr.getValue());
  std::lock_guard<std::mutex> Guard(WriteLock);
  if (Disconnected)
    return createStringError(inconvertibleErrorCode(), "hotc disconnected");
  if (!writeAll(FD, Header, kHeaderSize) ||
      !writeAll(FD, ArgBytes.data(), ArgBytes.size()))
    return errorCodeToError(std::error_code(errno, std::generic_category()));
  return Error::success();
}

void BoundedTransport::disconnect() {
  if (Disconnected.exchange(true))
    return;
  // Under the lock the reader closes FD with: never a reused descriptor.
  std::lock_guard<std::mutex> Guard(WriteLock);
  if (!Closed)
    ::shutdown(FD, SHUT_RDWR); // wakes the listener's read
}

Error BoundedTransport::readFrame(SimpleRemoteEPCOpcode &OpC, uint64_t &SeqNo,
                                  ExecutorAddr &Tag,
                                  SimpleRemoteEPCArgBytesVector &Args,
                                  bool &EndOfStream) {
  char Header[kHeaderSize];
  size_t Got = 0;
  if (Error E = readAll(FD, Header, kHeaderSize, Got))
    return E;
  EndOfStream = Got == 0;
  if (EndOfStream)
    return Error::success();
  if (Got < kHeaderSize)
    return refused("the stream ended inside a header");
  uint64_t Size = support::endian::read64le(Header);
  uint64_t Op = support::endian::read64le(Header + 8);
  SeqNo = support::endian::read64le(Header + 16);
  Tag.setValue(support::endian::read64le(Header + 24));
  if (Size < kHeaderSize || Size > kMaxFrame)
    return refused("a frame of " + Twine(Size) + " bytes (at most " +
                   Twine(kMaxFrame) + ")");
  if (Op > static_cast<uint64_t>(SimpleRemoteEPCOpcode::LastOpC))
    return refused("unknown opcode " + Twine(Op));
  OpC = static_cast<SimpleRemoteEPCOpcode>(Op);
  std::optional<std::string> Wrapper;
  if (OpC == SimpleRemoteEPCOpcode::CallWrapper &&
      !(Wrapper = wrapperAt(Tag.getValue())))
    return refused("a call of " + formatv("{0:x}", Tag.getValue()) +
                   ", which is no wrapper function of the agent");
  // Grown as the bytes come: a header that lies about its size costs
  // nothing until the bytes are there.
  Args.clear();
  for (uint64_t Left = Size - kHeaderSize; Left;) {
    size_t Chunk = static_cast<size_t>(std::min<uint64_t>(Left, 1 << 20));
    size_t Old = Args.size();
    Args.resize(Old + Chunk);
    if (Error E = readAll(FD, Args.data() + Old, Chunk, Got))
      return E;
    if (Got < Chunk)
      return refused("the stream ended inside a frame");
    Left -= Chunk;
  }
  std::string Why;
  if (Wrapper && !argumentsFit(*Wrapper, Args, Why))
    return refused(Why);
  return Error::success();
}

void BoundedTransport::listen() {
  {
    std::unique_lock<std::mutex> P(PhaseLock);
    PhaseChanged.wait(P, [&] { return Now != Phase::SettingUp; });
    if (Now == Phase::Abandoned) {
      ::close(FD);
      return;
    }
  }
  Error Err = Error::success();
  for (;;) {
    SimpleRemoteEPCOpcode OpC;
    uint64_t SeqNo = 0;
    ExecutorAddr Tag;
    SimpleRemoteEPCArgBytesVector Args;
    bool End = false;
    if (Error E = readFrame(OpC, SeqNo, Tag, Args, End)) {
      if (!Disconnected) // after disconnect() a failed read is the goodbye
        Err = std::move(E);
      else
        consumeError(std::move(E));
      break;
    }
    if (End)
      break;
    auto Action = C.handleMessage(OpC, SeqNo, Tag, std::move(Args));
    if (!Action) {
      Err = Action.takeError();
      break;
    }
    if (*Action == SimpleRemoteEPCTransportClient::EndSession)
      break;
  }
  disconnect();
  {
    std::lock_guard<std::mutex> Guard(WriteLock); // no write into a reused fd
    ::close(FD);
    Closed = true;
  }
  // A patch still waiting for a safe point was this peer's, and nobody will
  // hear how it went: withdrawn before the server waits for its call.
  safe_point::withdraw();
  C.handleDisconnect(std::move(Err));
}

} // namespace hotc::agent
