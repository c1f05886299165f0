#include "live_harness.h"

#include <gtest/gtest.h>

#include <csignal>
#include <fcntl.h>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <sys/wait.h>
#include <unistd.h>

namespace hotc::e2e {

// HOTC_UNDER_TEST runs the suites against another hotc (an older build or
// an installed one), e.g. for the differential suite's before/after counts.
std::string hotcBinary() {
  const char *Other = std::getenv("HOTC_UNDER_TEST");
  return Other && *Other ? Other : HOTC_BINARY;
}

std::string workDir(const std::string &TestName) {
  return std::string(HOTC_E2E_WORK) + "/" + TestName;
}

HotcCommand runHotc(const FixtureProject &P, const std::string &Args) {
  std::string Out = P.path("command.out");
  HotcCommand C;
  C.Code = shell("cd '" + P.Dir + "' && '" + hotcBinary() + "' " + Args +
                 " > '" + Out + "' 2>&1");
  C.Out = P.read("command.out");
  return C;
}

int shell(const std::string &Command) {
  int Status = std::system(Command.c_str());
  return WIFEXITED(Status) ? WEXITSTATUS(Status) : 128 + WTERMSIG(Status);
}

FixtureProject FixtureProject::build(const std::string &Fixture,
                                     const std::string &TestName,
                                     const std::string &BuildType,
                                     const std::string &CMakeArgs) {
  FixtureProject P = copyFixture(Fixture, TestName);
  EXPECT_EQ(shell("cmake -S '" + P.Dir + "' -B '" + P.BuildDir +
                  "' -G Ninja -DCMAKE_BUILD_TYPE=" + BuildType + " " +
                  CMakeArgs + " "
                  "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON > '" + P.Dir +
                  "/configure.log' 2>&1 && cmake --build '" + P.BuildDir +
                  "' > '" + P.Dir + "/build.log' 2>&1"),
            0)
      << "building fixture " << Fixture << " failed; see " << P.Dir;
  return P;
}

std::string FixtureProject::read(const std::string &Rel) const {
  std::ifstream In(path(Rel));
  std::stringstream S;
  S << In.rdbuf();
  return S.str();
}

void FixtureProject::write(const std::string &Rel, const std::string &Text) const {
  // Written to a temporary and renamed, as editors do: the watcher sees
  // one complete file.
  std::string Tmp = path(Rel) + ".tmp-edit";
  {
    std::ofstream Out(Tmp);
    Out << Text;
  }
  ASSERT_EQ(rename(Tmp.c_str(), path(Rel).c_str()), 0);
}

void FixtureProject::edit(const std::string &Rel, const std::string &From,
                          const std::string &To) const {
  std::string Text = read(Rel);
  size_t At = Text.find(From);
  ASSERT_NE(At, std::string::npos) << "'" << From << "' not in " << Rel;
  ASSERT_EQ(Text.find(From, At + 1), std::string::npos)
      << "'" << From << "' more than once in " << Rel;
  Text.replace(At, From.size(), To);
  write(Rel, Text);
}

HotcProcess::HotcProcess(const std::vector<std::string> &Args,
                         const std::string &Cwd, const std::string &Prefix) {
  int Out[2];
  EXPECT_EQ(pipe(Out), 0);
  Pid = fork();
  if (Pid == 0) {
    setpgid(0, 0); // the app hotc starts joins this group: one kill ends both
    dup2(Out[1], 1);
    close(Out[0]);
    close(Out[1]);
    if (chdir(Cwd.c_str()) != 0)
      _exit(126);
    std::vector<std::string> Full;
    if (!Prefix.empty()) { // e.g. setpriv to run as another user
      std::istringstream S(Prefix);
      for (std::string W; S >> W;)
        Full.push_back(W);
    }
    Full.push_back(hotcBinary());
    Full.insert(Full.end(), Args.begin(), Args.end());
    std::vector<char *> Argv;
    for (std::string &A : Full)
      Argv.push_back(A.data());
    Argv.push_back(nullptr);
    execvp(Argv[0], Argv.data());
    _exit(127);
  }
  close(Out[1]);
  Reader = std::thread([this, Fd = Out[0]] { readLoop(Fd); });
}

HotcProcess::~HotcProcess() {
  ::kill(-Pid, SIGKILL); // hotc and whatever it started
  if (!Reaped)
    waitExit(10s);
  if (Reader.joinable())
    Reader.join();
}

void HotcProcess::readLoop(int Fd) {
  std::string Buf;
  char Chunk[4096];
  for (;;) {
    ssize_t N = read(Fd, Chunk, sizeof(Chunk));
    if (N <= 0)
      break;
    Buf.append(Chunk, N);
    for (size_t NL; (NL = Buf.find('\n')) != std::string::npos;) {
      std::string Line = Buf.substr(0, NL);
      Buf.erase(0, NL + 1);
      std::lock_guard<std::mutex> G(Lock);
      Lines.push_back(Line);
      if (auto V = llvm::json::parse(Line); V && V->getAsObject())
        Events.push_back(*V->getAsObject());
      else
        llvm::consumeError(V.takeError());
      Arrived.notify_all();
    }
  }
  close(Fd);
  std::lock_guard<std::mutex> G(Lock);
  Closed = true;
  Arrived.notify_all();
}

std::optional<llvm::json::Object>
HotcProcess::waitEvent(const std::string &Name, Seconds Timeout) {
  std::unique_lock<std::mutex> G(Lock);
  auto Deadline = std::chrono::steady_clock::now() +
                  std::chrono::duration_cast<std::chrono::nanoseconds>(Timeout);
  for (;;) {
    while (!Events.empty()) {
      llvm::json::Object E = std::move(Events.front());
      Events.pop_front();
      auto Got = E.getString("event");
      // Every patch of every test checks the rebuild set: a function whose
      // code changed without the set expecting it is a bug in the analysis.
      if (const llvm::json::Array *Missed = E.getArray("missed"); Missed && FailOnMissed)
        for (const llvm::json::Value &M : *Missed)
          ADD_FAILURE() << "the rebuild set missed " << M.getAsString().value_or("?").str()
                        << ", whose code changed";
      // "a|b" waits for either.
      llvm::SmallVector<llvm::StringRef, 4> Wanted;
      llvm::StringRef(Name).split(Wanted, '|');
      if (Got && llvm::is_contained(Wanted, *Got))
        return E;
    }
    if (Closed ||
        Arrived.wait_until(G, Deadline) == std::cv_status::timeout)
      return std::nullopt;
  }
}

std::string HotcProcess::history() const {
  std::lock_guard<std::mutex> G(Lock);
  std::string Out;
  for (const std::string &L : Lines)
    Out += L.substr(0, 2000) + "\n";
  return Out;
}

size_t HotcProcess::count(const std::string &Name) const {
  std::lock_guard<std::mutex> G(Lock);
  std::string Key = "\"event\":\"" + Name + "\"";
  size_t N = 0;
  for (const std::string &L : Lines)
    N += L.find(Key) != std::string::npos;
  return N;
}

void HotcProcess::signal(int Sig) { ::kill(Pid, Sig); }

int HotcProcess::waitExit(Seconds Timeout) {
  if (Reaped)
    return ExitCode;
  auto Deadline = std::chrono::steady_clock::now() + Timeout;
  while (std::chrono::steady_clock::now() < Deadline) {
    int Status;
    pid_t R = waitpid(Pid, &Status, WNOHANG);
    if (R == Pid) {
      Reaped = true;
      ExitCode = WIFEXITED(Status) ? WEXITSTATUS(Status)
                                   : 128 + WTERMSIG(Status);
      return ExitCode;
    }
    std::this_thread::sleep_for(10ms);
  }
  return -1;
}

std::optional<AppLog::Line> AppLog::last() const {
  std::ifstream In(Path);
  std::string L, Last, Prev;
  while (std::getline(In, L)) {
    Prev = Last;
    Last = L;
  }
  // The final line may be half written: use it only when it is complete.
  if (!Last.empty() && Last.find(" calls=") == std::string::npos)
    Last = Prev;
  if (Last.empty())
    return std::nullopt;
  Line Out;
  std::istringstream S(Last);
  for (std::string KV; S >> KV;)
    if (size_t Eq = KV.find('='); Eq != std::string::npos)
      Out[KV.substr(0, Eq)] = KV.substr(Eq + 1);
  return Out;
}

bool AppLog::waitStarted(Seconds Timeout) const {
  auto Deadline = std::chrono::steady_clock::now() + Timeout;
  while (std::chrono::steady_clock::now() < Deadline) {
    if (last())
      return true;
    std::this_thread::sleep_for(5ms);
  }
  return false;
}

long AppLog::tickOf(const std::optional<Line> &L) {
  return L ? num(*L, "tick") : -1;
}

long AppLog::num(const Line &L, const std::string &Key) {
  auto It = L.find(Key);
  return It == L.end() ? -1 : atol(It->second.c_str());
}

FixtureProject copyFixture(const std::string &Fixture,
                           const std::string &TestName) {
  FixtureProject P;
  P.Dir = workDir(TestName);
  P.BuildDir = P.Dir + "/build";
  std::string Src = std::string(HOTC_FIXTURES) + "/" + Fixture;
  EXPECT_EQ(shell("rm -rf '" + P.Dir + "' && mkdir -p '" + P.Dir +
                  "' && cp -r '" + Src + "/.' '" + P.Dir + "'"),
            0);
  return P;
}

BackgroundCommand::BackgroundCommand(const std::string &CommandLine,
                                     std::string OutputPath)
    : OutputPath(std::move(OutputPath)) {
  Pid = fork();
  if (Pid == 0) {
    setpgid(0, 0);
    int Out = open(this->OutputPath.c_str(), O_WRONLY | O_CREAT | O_APPEND,
                   0644);
    if (Out < 0)
      _exit(126);
    dup2(Out, 1);
    dup2(Out, 2);
    execl("/bin/sh", "sh", "-c", CommandLine.c_str(), (char *)nullptr);
    _exit(127);
  }
  setpgid(Pid, Pid); // also here: the kill below must not miss the group
}

BackgroundCommand::~BackgroundCommand() {
  ::kill(-Pid, SIGKILL);
  if (!Reaped)
    waitpid(Pid, nullptr, 0);
}

std::string BackgroundCommand::output() const {
  std::ifstream In(OutputPath);
  std::stringstream S;
  S << In.rdbuf();
  return S.str();
}

bool BackgroundCommand::running() {
  if (Reaped)
    return false;
  Reaped = waitpid(Pid, nullptr, WNOHANG) == Pid;
  return !Reaped;
}

bool BackgroundCommand::waitOutput(const std::string &Text, Seconds Timeout) {
  auto Deadline = std::chrono::steady_clock::now() + Timeout;
  while (std::chrono::steady_clock::now() < Deadline) {
    if (output().find(Text) != std::string::npos)
      return true;
    if (!running())
      return output().find(Text) != std::string::npos;
    std::this_thread::sleep_for(20ms);
  }
  return false;
}

} // namespace hotc::e2e
