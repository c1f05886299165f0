#include "probe_client.h"

#include <csignal>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <thread>
#include <unistd.h>

namespace hotc::differential {
using namespace std::chrono_literals;

ProbeClient::ProbeClient(std::string D) : Dir(std::move(D)) {
  std::signal(SIGPIPE, SIG_IGN); // a dead host must not kill the runner
  std::filesystem::create_directories(Dir);
  unlink(controlPath().c_str());
  mkfifo(controlPath().c_str(), 0600);
  std::ofstream(answerPath(), std::ios::trunc).flush();
}

ProbeClient::~ProbeClient() {
  if (Control >= 0)
    close(Control);
}

std::string ProbeClient::readFrom(size_t From) const {
  std::ifstream In(answerPath(), std::ios::binary);
  In.seekg(static_cast<std::streamoff>(From));
  std::stringstream S;
  S << In.rdbuf();
  return S.str();
}

bool ProbeClient::waitHello(std::chrono::seconds Timeout) {
  auto Deadline = std::chrono::steady_clock::now() + Timeout;
  while (std::chrono::steady_clock::now() < Deadline) {
    std::string Text = readFrom(Offset);
    size_t At = Text.find("hello pid=");
    size_t End = At == std::string::npos ? At : Text.find('\n', At);
    if (End != std::string::npos) {
      Pid = std::stoi(Text.substr(At + 10, End - At - 10));
      Offset += End + 1;
      if (Control >= 0)
        close(Control);
      // The host holds the FIFO open for reading (O_RDWR) while it lives.
      Control = open(controlPath().c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      return Control >= 0;
    }
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

bool ProbeClient::hostAlive() const {
  if (Pid <= 0 || kill(Pid, 0) != 0)
    return false;
  // A zombie is dead too (its parent, hotc, may not have reaped it yet).
  std::ifstream Stat("/proc/" + std::to_string(Pid) + "/stat");
  std::string Line;
  std::getline(Stat, Line);
  size_t Paren = Line.rfind(')');
  return Paren != std::string::npos && Paren + 2 < Line.size() && Line[Paren + 2] != 'Z';
}

std::optional<ProbeAnswer> ProbeClient::probe(const std::string &Name,
                                              std::chrono::seconds Timeout,
                                              std::string &Why) {
  std::string Id = Name + " " + std::to_string(++Seq);
  std::string Request = "probe " + Id + "\n";
  if (Control < 0 || write(Control, Request.data(), Request.size()) !=
                         static_cast<ssize_t>(Request.size())) {
    Why = "the host is gone (could not send the probe)";
    return std::nullopt;
  }
  std::string Head = "<<< " + Id + " ticks=", Tail = ">>> " + Id + "\n";
  auto Deadline = std::chrono::steady_clock::now() + Timeout;
  for (;;) {
    std::string Text = readFrom(Offset);
    size_t H = Text.find(Head);
    size_t T = H == std::string::npos ? H : Text.find(Tail, H);
    if (T != std::string::npos) {
      size_t BodyStart = Text.find('\n', H) + 1;
      ProbeAnswer A;
      A.Ticks = std::stol(Text.substr(H + Head.size()));
      A.Output = Text.substr(BodyStart, T - BodyStart);
      Offset += T + Tail.size();
      return A;
    }
    if (!hostAlive()) {
      Why = "the host died during the probe";
      return std::nullopt;
    }
    if (std::chrono::steady_clock::now() > Deadline) {
      Why = "no answer within " + std::to_string(Timeout.count()) + " s";
      return std::nullopt;
    }
    std::this_thread::sleep_for(1ms);
  }
}

void ProbeClient::quit() {
  if (Control >= 0 && write(Control, "quit\n", 5) < 0) {
    // The host is already gone: nothing to ask.
  }
}

} // namespace hotc::differential
