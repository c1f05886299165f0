#include "launcher_test_support.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <cstdlib>
#include <dirent.h>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hotc::launcher_test {

std::string scratchDir() {
  const auto *Info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string Dir = std::string(HOTC_LAUNCHER_WORK) + "/" +
                    Info->test_suite_name() + "." + Info->name();
  std::string Cmd = "rm -rf '" + Dir + "' && mkdir -p '" + Dir + "'";
  EXPECT_EQ(std::system(Cmd.c_str()), 0);
  return Dir;
}

void writeFile(const std::string &Path, const std::string &Text,
               bool Executable) {
  std::ofstream(Path, std::ios::binary) << Text;
  if (Executable)
    chmod(Path.c_str(), 0755);
}

std::string readFile(const std::string &Path) {
  std::ifstream In(Path, std::ios::binary);
  std::stringstream S;
  S << In.rdbuf();
  return S.str();
}

bool exists(const std::string &Path) { return access(Path.c_str(), F_OK) == 0; }

HotcRun runHotc(const std::vector<std::string> &Args, const std::string &Cwd,
            const std::vector<std::string> &Env) {
  static int Serial = 0;
  std::string Base = Cwd + "/.run" + std::to_string(++Serial);
  std::string OutPath = Base + ".out", ErrPath = Base + ".err";
  pid_t Pid = fork();
  if (Pid == 0) {
    int Out = open(OutPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int Err = open(ErrPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (Out < 0 || Err < 0 || chdir(Cwd.c_str()) != 0)
      _exit(250);
    dup2(Out, 1);
    dup2(Err, 2);
    unsetenv("HOTC_BUILD_DIR");
    for (const std::string &E : Env)
      putenv(strdup(E.c_str()));
    std::vector<std::string> Full = {HOTC_BINARY};
    Full.insert(Full.end(), Args.begin(), Args.end());
    std::vector<char *> Argv;
    for (std::string &A : Full)
      Argv.push_back(A.data());
    Argv.push_back(nullptr);
    execv(Argv[0], Argv.data());
    _exit(251);
  }
  HotcRun R;
  int Status = 0;
  EXPECT_EQ(waitpid(Pid, &Status, 0), Pid);
  R.Exited = WIFEXITED(Status);
  R.Code = R.Exited ? WEXITSTATUS(Status) : -1;
  R.Out = readFile(OutPath);
  R.Err = readFile(ErrPath);
  unlink(OutPath.c_str());
  unlink(ErrPath.c_str());
  return R;
}

namespace {

std::vector<llvm::json::Object> allRecords(const std::string &BuildDir) {
  std::vector<llvm::json::Object> Out;
  std::string Dir = BuildDir + "/.hotc/objects";
  DIR *D = opendir(Dir.c_str());
  if (!D)
    return Out;
  while (dirent *E = readdir(D)) {
    std::string Name = E->d_name;
    if (Name == "." || Name == "..")
      continue;
    EXPECT_TRUE(llvm::StringRef(Name).ends_with(".json"))
        << "stray file in .hotc/objects: " << Name;
    auto V = llvm::json::parse(readFile(Dir + "/" + Name));
    if (!V) {
      ADD_FAILURE() << Name << ": " << llvm::toString(V.takeError());
      continue;
    }
    if (auto *O = V->getAsObject())
      Out.push_back(*O);
  }
  closedir(D);
  return Out;
}

} // namespace

std::optional<llvm::json::Object> recordOf(const std::string &BuildDir,
                                           const std::string &Object) {
  for (llvm::json::Object &R : allRecords(BuildDir))
    if (R.getString("object") == Object)
      return std::move(R);
  return std::nullopt;
}

size_t recordCount(const std::string &BuildDir) {
  return allRecords(BuildDir).size();
}

std::string contentHash(const std::string &Text) {
  XXH128_canonical_t C;
  XXH128_canonicalFromHash(&C, XXH3_128bits(Text.data(), Text.size()));
  std::string Hex;
  char Buf[3];
  for (unsigned char B : C.digest) {
    snprintf(Buf, sizeof(Buf), "%02x", B);
    Hex += Buf;
  }
  return Hex;
}

} // namespace hotc::launcher_test
