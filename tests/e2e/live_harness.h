// What the end-to-end tests need to drive a real hot-reload session: a
// fixture project copied and built with CMake, `hotc watch` running with its
// JSON events collected, and the live_app log to observe.
#pragma once

#include "llvm/Support/JSON.h"

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace hotc::e2e {

using namespace std::chrono_literals;
using Seconds = std::chrono::duration<double>;

// Runs a shell command; returns its exit code.
int shell(const std::string &Command);

// A copy of tests/fixtures/NAME under the test's own work directory,
// configured (Debug unless told, compile_commands.json) and built with Ninja.
struct FixtureProject {
  std::string Dir;
  std::string BuildDir;

  // CMakeArgs: more arguments for its configure step ("-DX=Y ...").
  static FixtureProject build(const std::string &Fixture,
                              const std::string &TestName,
                              const std::string &BuildType = "Debug",
                              const std::string &CMakeArgs = "");
  std::string path(const std::string &Rel) const { return Dir + "/" + Rel; }
  std::string read(const std::string &Rel) const;
  // Replaces the only occurrence of From in Rel by To (fails the test if
  // From is not there exactly once) and saves the file.
  void edit(const std::string &Rel, const std::string &From,
            const std::string &To) const;
  void write(const std::string &Rel, const std::string &Text) const;
};

// A `hotc` process with stdout piped; JSON event lines are collected.
class HotcProcess {
public:
  explicit HotcProcess(const std::vector<std::string> &Args,
                       const std::string &Cwd, const std::string &Prefix = "");
  ~HotcProcess();

  // The next event named Name ("a|b": either), skipping others (kept in
  // history());
  // nullopt on timeout or when hotc exits first.
  std::optional<llvm::json::Object> waitEvent(const std::string &Name,
                                              Seconds Timeout = 60s);
  std::string history() const;
  // How many events named Name hotc has written so far (waited for or not).
  size_t count(const std::string &Name) const;
  int pid() const { return Pid; }
  void signal(int Sig);
  int waitExit(Seconds Timeout = 30s); // exit code; -1 on timeout
  // Every e2e test fails on a `missed` entry; the differential runner
  // classifies them itself and turns this off.
  bool FailOnMissed = true;

private:
  void readLoop(int Fd);

  int Pid = -1;
  std::thread Reader;
  mutable std::mutex Lock;
  std::condition_variable Arrived;
  std::deque<llvm::json::Object> Events;
  std::vector<std::string> Lines;
  bool Closed = false;
  bool Reaped = false;
  int ExitCode = -1;
};

// The key=value lines live_app writes every tick.
class AppLog {
public:
  explicit AppLog(std::string Path) : Path(std::move(Path)) {}
  using Line = std::map<std::string, std::string>;
  std::optional<Line> last() const;
  // Waits until a line written after this call satisfies Pred.
  template <typename P>
  std::optional<Line> waitFor(P Pred, Seconds Timeout = 10s) const {
    auto Deadline = std::chrono::steady_clock::now() + Timeout;
    long After = tickOf(last());
    while (std::chrono::steady_clock::now() < Deadline) {
      if (auto L = last(); L && tickOf(L) > After && Pred(*L))
        return L;
      std::this_thread::sleep_for(5ms);
    }
    return std::nullopt;
  }
  // Waits for the first line at all (the app is up).
  bool waitStarted(Seconds Timeout = 10s) const;
  static long tickOf(const std::optional<Line> &L);
  static long num(const Line &L, const std::string &Key);

private:
  std::string Path;
};

std::string hotcBinary();

// A `hotc ARGS` command run to its end in P's directory.
struct HotcCommand {
  int Code = -1;
  std::string Out; // stdout and stderr together
};
HotcCommand runHotc(const FixtureProject &P, const std::string &Args);
std::string workDir(const std::string &TestName);

// A copy of tests/fixtures/NAME in the test's work directory, not built:
// for tests that configure it their own way (BuildDir is Dir/build).
FixtureProject copyFixture(const std::string &Fixture,
                           const std::string &TestName);

// A shell command line running in the background in its own process group,
// its stdout and stderr appended to OutputPath; the destructor kills the
// group (the command and everything it started).
class BackgroundCommand {
public:
  BackgroundCommand(const std::string &CommandLine, std::string OutputPath);
  ~BackgroundCommand();
  std::string output() const;
  // Waits until the output contains Text; false on timeout or when the
  // command exits first.
  bool waitOutput(const std::string &Text, Seconds Timeout = 60s);
  bool running();

private:
  int Pid = -1;
  bool Reaped = false;
  std::string OutputPath;
};

} // namespace hotc::e2e
