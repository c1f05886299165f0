// The agent's end of its socket: ORC's frames, read with limits. A frame is
// a header of four little-endian 64-bit words (the frame's whole size, the
// opcode, a sequence number, a tag address) and then its argument bytes;
// hotc's side is LLVM's FDSimpleRemoteEPCTransport. LLVM's own reader
// allocates whatever size a header claims and calls whatever address a
// CallWrapper names: from a peer that sends garbage, "LLVM ERROR: out of
// memory" ends the application. This one refuses a frame larger than
// kMaxFrame, allocates only as bytes arrive, refuses unknown opcodes, and
// lets a CallWrapper through only to a wrapper function the agent
// announced in its Setup message, with arguments that fit its signature
// (agent/wrapper_arguments.h); a refused frame ends the session, not the
// process.
#pragma once

#include "llvm/ExecutionEngine/Orc/Shared/SimpleRemoteEPCUtils.h"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <map>
#include <optional>
#include <string>
#include <thread>

namespace hotc::agent {

class BoundedTransport : public llvm::orc::SimpleRemoteEPCTransport {
public:
  // Larger than any patch hotc sends (its objects are a few MB).
  static constexpr uint64_t kMaxFrame = 256ull << 20;

  static llvm::Expected<std::unique_ptr<BoundedTransport>>
  Create(llvm::orc::SimpleRemoteEPCTransportClient &C, int FD);
  ~BoundedTransport() override;

  // Frames are read only once the session is set up: a refused frame
  // before that would tear the server down under its own Create. Call
  // with the socket of a server whose Create succeeded.
  static void open(int FD);

  llvm::Error start() override;
  llvm::Error sendMessage(llvm::orc::SimpleRemoteEPCOpcode OpC, uint64_t SeqNo,
                          llvm::orc::ExecutorAddr TagAddr,
                          llvm::ArrayRef<char> ArgBytes) override;
  void disconnect() override;

private:
  BoundedTransport(llvm::orc::SimpleRemoteEPCTransportClient &C, int FD)
      : C(C), FD(FD) {}
  void listen();
  // The next frame, or an error saying why the session ends; EndOfStream
  // is set when the peer closed between frames.
  llvm::Error readFrame(llvm::orc::SimpleRemoteEPCOpcode &OpC, uint64_t &SeqNo,
                        llvm::orc::ExecutorAddr &Tag,
                        llvm::orc::SimpleRemoteEPCArgBytesVector &Args,
                        bool &EndOfStream);
  // The name of the announced wrapper function at Tag.
  std::optional<std::string> wrapperAt(uint64_t Tag);
  void learnWrappers(llvm::ArrayRef<char> SetupArgs);

  llvm::orc::SimpleRemoteEPCTransportClient &C;
  int FD;
  std::thread Listener;
  enum class Phase { SettingUp, Open, Abandoned };
  std::mutex PhaseLock;
  std::condition_variable PhaseChanged;
  Phase Now = Phase::SettingUp;
  std::mutex WriteLock;
  bool Closed = false; // under WriteLock
  std::atomic<bool> Disconnected{false};
  std::mutex WrapperLock;
  std::map<uint64_t, std::string> Wrappers; // callable: address -> name
};

} // namespace hotc::agent
