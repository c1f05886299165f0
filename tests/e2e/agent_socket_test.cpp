// The agent's socket takes whatever a peer sends: thousands of malformed
// and random frames on a live app's socket leave the app running, and a
// real hotc attaches and patches afterwards.
#include "live_session.h"
#include "protocol/agent_protocol.h"

#include "llvm/ExecutionEngine/Orc/Shared/SimpleRemoteEPCUtils.h"
#include "llvm/Support/Endian.h"

#include <csignal>
#include <cstring>
#include <fstream>
#include <poll.h>
#include <random>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

namespace hotc::e2e {
namespace {

int connectTo(const std::string &Path) {
  sockaddr_un A{};
  A.sun_family = AF_UNIX;
  memcpy(A.sun_path, Path.c_str(), Path.size() + 1);
  int FD = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (FD >= 0 && connect(FD, reinterpret_cast<sockaddr *>(&A), sizeof(A)) == 0)
    return FD;
  if (FD >= 0)
    close(FD);
  return -1;
}

void put64(std::string &Out, uint64_t V) {
  for (int I = 0; I < 8; ++I)
    Out += static_cast<char>(V >> (8 * I));
}

// One malformed message of kind Kind: what ORC's own reader would have
// allocated, called or choked on.
std::string malformed(int Kind, std::mt19937_64 &R) {
  std::string F;
  auto Header = [&](uint64_t Size, uint64_t Op, uint64_t Tag) {
    put64(F, Size);
    put64(F, Op);
    put64(F, R());
    put64(F, Tag);
  };
  auto Junk = [&](size_t N) {
    for (size_t I = 0; I < N; ++I)
      F += static_cast<char>(R());
  };
  switch (Kind) {
  case 0: // noise
    Junk(1 + R() % 4096);
    break;
  case 1: // a size no one can allocate
    Header(~0ull - R() % 1000, 3, R());
    break;
  case 2: // a gigabyte announced, a few bytes sent
    Header((1ull << 30) + 64, 3, R());
    Junk(64);
    break;
  case 3: // an opcode that does not exist
    Header(32 + 16, 4 + R() % 250, 0);
    Junk(16);
    break;
  case 4: // a call of a random address
    Header(32 + 64, 3, R());
    Junk(64);
    break;
  case 5: // a result nobody waits for
    Header(32 + 24, 2, 0);
    Junk(24);
    break;
  case 6: // a second setup
    Header(32 + 40, 0, 0);
    Junk(40);
    break;
  default: // a hang-up with a garbled payload
    Header(32 + 12, 1, 0);
    Junk(12);
    break;
  }
  return F;
}

TEST(AgentSocket, MalformedFramesLeaveTheAppRunningAndAttachable) {
  LiveSession S;
  S.expectReady();
  shell("pgrep -P " + std::to_string(S.Hotc->pid()) + " > '" +
        S.Project.path("pids") + "'");
  int AppPid = std::stoi(S.Project.read("pids"));
  S.Hotc->signal(SIGKILL); // the socket is free for others
  S.Hotc->waitExit();
  std::string Path = protocol::socketPath(AppPid);

  std::mt19937_64 R(20261202);
  int Sessions = 0;
  for (int I = 0; I < 2000; ++I) {
    // The agent serves one session at a time and answers `B` until the
    // last one has ended: ask again.
    for (int Try = 0; Try < 1000; ++Try) {
      int FD = connectTo(Path);
      ASSERT_GE(FD, 0) << "connection " << I << ": the agent stopped listening";
      pollfd P{FD, POLLIN, 0};
      char Greeting = 0;
      bool Served = poll(&P, 1, 5000) == 1 && read(FD, &Greeting, 1) == 1 &&
                    Greeting == protocol::kGreeting;
      if (Served) {
        ++Sessions;
        std::string Frames = malformed(I % 8, R);
        (void)!write(FD, Frames.data(), Frames.size());
        // Wait for the agent to end the session.
        shutdown(FD, SHUT_WR);
        char Sink[256];
        while (poll(&P, 1, 2000) == 1 && read(FD, Sink, sizeof(Sink)) > 0) {
        }
      }
      close(FD);
      if (Served)
        break;
      usleep(1000);
    }
  }
  EXPECT_EQ(Sessions, 2000) << "every connection must have reached a session";
  EXPECT_EQ(kill(AppPid, 0), 0) << "the app died";
  EXPECT_TRUE(S.Log.waitFor([](auto &) { return true; }, 5s))
      << "the app stopped running";

  HotcProcess Again({"watch", "-p", S.Project.BuildDir, "--json", "--pid",
                     std::to_string(AppPid)},
                    S.Project.Dir);
  ASSERT_TRUE(Again.waitEvent("ready")) << Again.history();
  S.Project.edit("calls.cpp", "int extension() { return 0; }",
                 "int extension() { return 31; }");
  ASSERT_TRUE(Again.waitEvent("patched")) << Again.history();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) { return L.at("ext") == "31"; }));
  ::kill(AppPid, SIGTERM);
  EXPECT_TRUE(Again.waitEvent("exited")) << Again.history();
}

// A session of our own: the greeting, then the agent's Setup message,
// whose bootstrap symbols name the wrapper functions it lets peers call.
int openSession(const std::string &Path, llvm::StringMap<uint64_t> &Wrappers) {
  for (int Try = 0; Try < 1000; ++Try) {
    int FD = connectTo(Path);
    char G = 0;
    pollfd P{FD, POLLIN, 0};
    if (FD >= 0 && poll(&P, 1, 5000) == 1 && read(FD, &G, 1) == 1 &&
        G == protocol::kGreeting) {
      std::string Frame;
      char B[65536];
      while (Frame.size() < 32 ||
             Frame.size() < llvm::support::endian::read64le(Frame.data())) {
        ssize_t N = read(FD, B, sizeof(B));
        if (N <= 0)
          return close(FD), -1;
        Frame.append(B, N);
      }
      llvm::orc::SimpleRemoteEPCExecutorInfo Info;
      llvm::orc::shared::SPSInputBuffer IB(Frame.data() + 32, Frame.size() - 32);
      if (!llvm::orc::shared::SPSArgList<
              llvm::orc::shared::SPSSimpleRemoteEPCExecutorInfo>::deserialize(IB, Info))
        return close(FD), -1;
      for (const auto &E : Info.BootstrapSymbols)
        Wrappers[E.first()] = E.second.getValue();
      return FD;
    }
    if (FD >= 0)
      close(FD);
    usleep(1000);
  }
  return -1;
}

// Calls of the agent's own wrapper functions (their real addresses, from
// the Setup message) whose arguments claim 2^61 elements: ORC's decoders
// would reserve that and end the app with std::length_error. Each is
// refused; the app runs on and a real hotc attaches after.
TEST(AgentSocket, CallsClaimingHugeCountsAreRefused) {
  LiveSession S;
  S.expectReady();
  shell("pgrep -P " + std::to_string(S.Hotc->pid()) + " > '" +
        S.Project.path("pids") + "'");
  int AppPid = std::stoi(S.Project.read("pids"));
  S.Hotc->signal(SIGKILL);
  S.Hotc->waitExit();
  std::string Path = protocol::socketPath(AppPid);
  llvm::StringMap<uint64_t> Wrappers;
  close(openSession(Path, Wrappers));
  ASSERT_GT(Wrappers.size(), 20u) << "the Setup message names the wrappers";
  int Calls = 0;
  for (const auto &W : Wrappers) {
    llvm::StringMap<uint64_t> Ignored;
    int FD = openSession(Path, Ignored);
    ASSERT_GE(FD, 0) << "before calling " << W.first().str();
    std::string F;
    put64(F, 32 + 32);
    put64(F, 3); // CallWrapper
    put64(F, 1);
    put64(F, W.second);
    for (int I = 0; I < 4; ++I)
      put64(F, 1ull << 61);
    (void)!write(FD, F.data(), F.size());
    shutdown(FD, SHUT_WR);
    char Sink[256];
    pollfd P{FD, POLLIN, 0};
    while (poll(&P, 1, 2000) == 1 && read(FD, Sink, sizeof(Sink)) > 0) {
    }
    close(FD);
    ++Calls;
    ASSERT_EQ(kill(AppPid, 0), 0) << "calling " << W.first().str()
                                  << " killed the app";
  }
  EXPECT_EQ(Calls, static_cast<int>(Wrappers.size()));
  EXPECT_TRUE(S.Log.waitFor([](auto &) { return true; }, 5s));
  HotcProcess Again({"watch", "-p", S.Project.BuildDir, "--json", "--pid",
                     std::to_string(AppPid)},
                    S.Project.Dir);
  ASSERT_TRUE(Again.waitEvent("ready")) << Again.history();
  S.Project.edit("calls.cpp", "int extension() { return 0; }",
                 "int extension() { return 32; }");
  ASSERT_TRUE(Again.waitEvent("patched")) << Again.history();
  EXPECT_TRUE(S.Log.waitFor([](auto &L) { return L.at("ext") == "32"; }));
  ::kill(AppPid, SIGTERM);
}

// The process state letter of Pid (R, S, T...), or 0 once it is gone.
char stateOf(int Pid) {
  std::ifstream In("/proc/" + std::to_string(Pid) + "/stat");
  std::string Stat((std::istreambuf_iterator<char>(In)), {});
  size_t Close = Stat.rfind(')');
  return Close == std::string::npos || Close + 2 >= Stat.size() ? 0
                                                               : Stat[Close + 2];
}

// hotc killed after the patch is linked and its initialisers ran, before
// the entries are re-pointed: the app runs its old code, whole, and a hotc
// attaching afterwards patches it.
TEST(AgentSocket, HotcKilledBetweenLinkAndRepointLeavesTheAppAsItWas) {
  FixtureProject P = FixtureProject::build("crash_app", testName());
  AppLog Log(P.path("app.log"));
  setenv("HOTC_TEST_STOP_BEFORE_REPOINT", "1", 1);
  HotcProcess First({"watch", "-p", P.BuildDir, "--json", "--exec",
                     P.BuildDir + "/crash_app", P.path("app.log")},
                    P.Dir);
  unsetenv("HOTC_TEST_STOP_BEFORE_REPOINT");
  ASSERT_TRUE(First.waitEvent("ready")) << First.history();
  ASSERT_TRUE(Log.waitStarted());
  // One save changing both functions: one patch of two entries.
  std::string Text = P.read("crash.cpp");
  for (auto [From, To] : {std::pair{"{ return 1;", "{ return 11;"},
                          std::pair{"{ return 2;", "{ return 22;"}})
    Text.replace(Text.find(From), strlen(From), To);
  P.write("crash.cpp", Text);
  bool Stopped = false;
  for (int I = 0; I < 600 && !Stopped; ++I) {
    Stopped = stateOf(First.pid()) == 'T';
    usleep(100 * 1000);
  }
  ASSERT_TRUE(Stopped) << "hotc never reached the re-pointing\n"
                       << First.history();
  ::kill(First.pid(), SIGKILL); // hotc only: the app is its orphan now
  First.waitExit();
  auto Line = Log.waitFor([](auto &L) { return AppLog::num(L, "tick") > 0; });
  ASSERT_TRUE(Line);
  long After = AppLog::tickOf(Line);
  auto Later = Log.waitFor(
      [&](auto &L) { return AppLog::num(L, "tick") > After + 20; });
  ASSERT_TRUE(Later) << "the app stopped running";
  EXPECT_EQ(Later->at("main"), "1") << "an entry was re-pointed";
  EXPECT_EQ(Later->at("worker"), "2") << "an entry was re-pointed";

  ASSERT_EQ(shell("pgrep -f '^" + P.BuildDir + "/crash_app' > '" +
                  P.path("pids") + "'"),
            0);
  int AppPid = std::stoi(P.read("pids"));
  HotcProcess Again({"watch", "-p", P.BuildDir, "--json", "--pid",
                     std::to_string(AppPid)},
                    P.Dir);
  ASSERT_TRUE(Again.waitEvent("ready")) << Again.history();
  // crash_app is built without the launcher: the new hotc's baseline is
  // the file on disk, so the next save is what it patches.
  for (auto [From, To] : {std::pair{"{ return 11;", "{ return 13;"},
                          std::pair{"{ return 22;", "{ return 24;"}})
    Text.replace(Text.find(From), strlen(From), To);
  P.write("crash.cpp", Text);
  auto Patched = Again.waitEvent("patched|error");
  ASSERT_TRUE(Patched && Patched->getString("event") == "patched")
      << Again.history();
  EXPECT_TRUE(Log.waitFor([](auto &L) {
    return L.at("main") == "13" && L.at("worker") == "24";
  })) << Again.history();
  ::kill(AppPid, SIGKILL);
}

} // namespace
} // namespace hotc::e2e
