// Talking to a running differential host: probe requests into its FIFO,
// answers read back from its answer file.
#pragma once

#include <chrono>
#include <optional>
#include <string>

namespace hotc::differential {

struct ProbeAnswer {
  std::string Output; // what the probe printed
  long Ticks = -1;    // the host's tick counter when the probe started
};

class ProbeClient {
public:
  // Dir holds the FIFO `control` (made here) and the file `answers`.
  explicit ProbeClient(std::string Dir);
  ~ProbeClient();
  std::string controlPath() const { return Dir + "/control"; }
  std::string answerPath() const { return Dir + "/answers"; }

  // Waits for a new host's "hello pid=N" (true), or Timeout.
  bool waitHello(std::chrono::seconds Timeout);
  int hostPid() const { return Pid; }
  bool hostAlive() const;

  // Calls probe Name once; nullopt when the host died or did not answer
  // within Timeout (Why says which).
  std::optional<ProbeAnswer> probe(const std::string &Name,
                                   std::chrono::seconds Timeout,
                                   std::string &Why);

  // Asks the host to exit.
  void quit();

private:
  std::string readFrom(size_t Offset) const;

  std::string Dir;
  int Control = -1;
  int Pid = -1;
  size_t Offset = 0; // answers before it belong to earlier requests
  long Seq = 0;
};

} // namespace hotc::differential
