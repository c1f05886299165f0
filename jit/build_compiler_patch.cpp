#include "jit/build_compiler_patch.h"

#include "frontend/compiler_options.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/ExecutionEngine/JITLink/ELF.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <spawn.h>
#include <sys/wait.h>

extern char **environ;

using namespace llvm;
using namespace llvm::jitlink;

namespace hotc::jit {
namespace {

// The build's command with hotc's outputs, sections and code model.
std::vector<std::string> buildCompilerArguments(const frontend::CompileCommand &Cmd,
                                                StringRef Object) {
  std::vector<std::string> Out = {Cmd.Arguments.front()};
  for (size_t I = 1; I < Cmd.Arguments.size(); ++I) {
    StringRef A = Cmd.Arguments[I];
    frontend::MatchedOption O = frontend::matchOption(A);
    if (O.Option && frontend::droppedFromBuildCompilerPatches(O.Option->Role)) {
      if (O.ValueIsNext)
        ++I;
      continue;
    }
    // Position independence and the code model are the patch's own.
    if (A == "-fPIC" || A == "-fpic" || A == "-fPIE" || A == "-fpie" ||
        A == "-fno-pic" || A == "-fno-pie" || A.starts_with("-mcmodel="))
      continue;
    // The source: given once, below.
    if (!A.starts_with("-") && sys::path::filename(A) == sys::path::filename(Cmd.File))
      continue;
    Out.push_back(A.str());
  }
  for (StringRef Extra : {"-ffunction-sections", "-fdata-sections",
                          "-mcmodel=large", "-fno-pic", "-fno-pie", "-c"})
    Out.push_back(Extra.str());
  Out.insert(Out.end(), {Cmd.File, "-o", Object.str()});
  return Out;
}

// Runs Args in Directory, its stderr into ErrFile; the exit status or -1.
int runIn(const std::vector<std::string> &Args, const std::string &Directory,
          const std::string &ErrFile) {
  std::vector<char *> Argv;
  for (const std::string &A : Args)
    Argv.push_back(const_cast<char *>(A.c_str()));
  Argv.push_back(nullptr);
  posix_spawn_file_actions_t Actions;
  posix_spawn_file_actions_init(&Actions);
  posix_spawn_file_actions_addchdir_np(&Actions, Directory.c_str());
  posix_spawn_file_actions_addopen(&Actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&Actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_addopen(&Actions, 2, ErrFile.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t Pid = 0;
  int Err = posix_spawnp(&Pid, Argv[0], &Actions, nullptr, Argv.data(), environ);
  posix_spawn_file_actions_destroy(&Actions);
  if (Err != 0)
    return -1;
  int Status = 0;
  while (waitpid(Pid, &Status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(Status) ? WEXITSTATUS(Status) : -1;
}

// GCC's "file:line:col: error: message" lines; the whole text when none.
std::vector<frontend::SourceDiagnostic> diagnosticsOf(StringRef Text, StringRef Unit) {
  std::vector<frontend::SourceDiagnostic> Out;
  SmallVector<StringRef, 32> Lines;
  Text.split(Lines, '\n', -1, false);
  for (StringRef L : Lines) {
    SmallVector<StringRef, 5> F;
    L.split(F, ':', 4);
    unsigned Line = 0, Col = 0;
    if (F.size() == 5 && !F[1].getAsInteger(10, Line) &&
        !F[2].getAsInteger(10, Col) &&
        (F[3].trim() == "error" || F[3].trim() == "fatal error"))
      Out.push_back({F[0].str(), Line, Col, F[3].trim().str(), F[4].trim().str()});
  }
  if (Out.empty())
    Out.push_back({Unit.str(), 0, 0, "error",
                   ("the build's compiler failed: " + Text.trim()).str()});
  return Out;
}

} // namespace

Expected<std::unique_ptr<MemoryBuffer>>
compileWithBuildCompiler(const frontend::CompileCommand &Cmd) {
  SmallString<128> Object, Errors;
  if (std::error_code EC = sys::fs::createTemporaryFile("hotc-gcc-patch", "o", Object))
    return errorCodeToError(EC);
  if (std::error_code EC = sys::fs::createTemporaryFile("hotc-gcc-patch", "txt", Errors))
    return errorCodeToError(EC);
  int Status = runIn(buildCompilerArguments(Cmd, Object), Cmd.Directory,
                     Errors.str().str());
  auto Text = MemoryBuffer::getFile(Errors);
  sys::fs::remove(Errors);
  if (Status != 0) {
    sys::fs::remove(Object);
    std::string Why = Text ? (*Text)->getBuffer().str()
                           : "cannot run " + Cmd.Arguments.front();
    return make_error<frontend::CompileFailure>(Cmd.File, diagnosticsOf(Why, Cmd.File));
  }
  auto Buf = MemoryBuffer::getFile(Object);
  sys::fs::remove(Object);
  if (!Buf)
    return createStringError(Buf.getError(), "cannot read the object %s made of %s",
                             sys::path::filename(Cmd.Arguments.front()).str().c_str(),
                             Cmd.File.c_str());
  return std::move(*Buf);
}

} // namespace hotc::jit
