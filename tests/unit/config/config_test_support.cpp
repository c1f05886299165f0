#include "config_test_support.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace hotc::config_test {

std::string scratchDir() {
  const auto *Info = testing::UnitTest::GetInstance()->current_test_info();
  llvm::SmallString<256> Dir(HOTC_CONFIG_WORK);
  llvm::sys::path::append(Dir, std::string(Info->test_suite_name()) + "." +
                                   Info->name());
  llvm::sys::fs::remove_directories(Dir);
  makeDir(Dir.str().str());
  return Dir.str().str();
}

void makeDir(const std::string &Path) {
  std::error_code EC = llvm::sys::fs::create_directories(Path);
  ASSERT_FALSE(EC) << Path << ": " << EC.message();
}

void writeFile(const std::string &Path, const std::string &Text) {
  makeDir(llvm::sys::path::parent_path(Path).str());
  std::error_code EC;
  llvm::raw_fd_ostream OS(Path, EC);
  ASSERT_FALSE(EC) << Path << ": " << EC.message();
  OS << Text;
}

namespace {

std::string slurp(const std::string &Path) {
  auto B = llvm::MemoryBuffer::getFile(Path);
  return B ? (*B)->getBuffer().str() : "";
}

} // namespace

HotcRun runHotc(const std::vector<std::string> &Args, const std::string &Cwd) {
  std::string OutPath = Cwd + "/.hotc-stdout", ErrPath = Cwd + "/.hotc-stderr";
  std::vector<std::string> Argv = {HOTC_BINARY};
  Argv.insert(Argv.end(), Args.begin(), Args.end());
  std::vector<char *> CArgv;
  for (std::string &A : Argv)
    CArgv.push_back(A.data());
  CArgv.push_back(nullptr);
  pid_t Pid = fork();
  if (Pid == 0) {
    int Out = open(OutPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int Err = open(ErrPath.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (Out < 0 || Err < 0 || chdir(Cwd.c_str()) != 0)
      _exit(126);
    dup2(Out, 1);
    dup2(Err, 2);
    execv(CArgv[0], CArgv.data());
    _exit(127);
  }
  HotcRun R;
  int Status = 0;
  if (Pid > 0 && waitpid(Pid, &Status, 0) == Pid && WIFEXITED(Status))
    R.Code = WEXITSTATUS(Status);
  R.Out = slurp(OutPath);
  R.Err = slurp(ErrPath);
  return R;
}

} // namespace hotc::config_test
