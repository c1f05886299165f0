#include "launcher/compiler_launcher.h"
#include "frontend/project_files.h"
#include "frontend/compiler_options.h"
#include "frontend/disk_file_system.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/Allocator.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <xxhash.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

using namespace llvm;

namespace hotc::driver {
namespace {

// ---- Running the compiler -------------------------------------------------

volatile sig_atomic_t Child = 0;

// A build tool that stops its jobs may signal only hotc: the compiler must
// stop too. When the whole process group gets the signal, the compiler gets
// it twice, which changes nothing.
void forwardSignal(int Sig) {
  if (Child > 0)
    kill(Child, Sig);
}

int exitCodeOf(int Status) {
  if (WIFEXITED(Status))
    return WEXITSTATUS(Status);
  if (WIFSIGNALED(Status))
    return 128 + WTERMSIG(Status);
  return 1;
}

int runCompiler(const std::vector<std::string> &Argv) {
  std::vector<char *> Args;
  for (const std::string &A : Argv)
    Args.push_back(const_cast<char *>(A.c_str()));
  Args.push_back(nullptr);

  const int Forwarded[] = {SIGINT, SIGQUIT, SIGTERM, SIGHUP};
  struct sigaction Old[4], Forward = {};
  Forward.sa_handler = forwardSignal;
  Forward.sa_flags = SA_RESTART;
  sigemptyset(&Forward.sa_mask);
  for (int I = 0; I < 4; ++I) {
    sigaction(Forwarded[I], nullptr, &Old[I]);
    // A signal ignored by whoever started hotc stays ignored (posix_spawn
    // keeps SIG_IGN for the compiler, and resets our handler to default).
    if (Old[I].sa_handler != SIG_IGN)
      sigaction(Forwarded[I], &Forward, nullptr);
  }

  pid_t Pid = 0;
  int Err = posix_spawnp(&Pid, Args[0], nullptr, nullptr, Args.data(), environ);
  int Code;
  if (Err != 0) {
    fprintf(stderr, "hotc: cannot run %s: %s%s\n", Args[0], strerror(Err),
            strchr(Args[0], '/') ? ""
                                 : " (hotc's own commands are watch, run and "
                                   "help)");
    Code = Err == ENOENT ? 127 : 126;
  } else {
    Child = Pid;
    int Status = 0;
    while (waitpid(Pid, &Status, 0) < 0 && errno == EINTR) {
    }
    Child = 0;
    Code = exitCodeOf(Status);
  }
  for (int I = 0; I < 4; ++I)
    sigaction(Forwarded[I], &Old[I], nullptr);
  return Code;
}

// ---- Reading the arguments ------------------------------------------------

std::string absolutePath(StringRef Path, StringRef Cwd) {
  SmallString<256> P(Path);
  if (!sys::path::is_absolute(P)) {
    P = Cwd;
    sys::path::append(P, Path);
  }
  sys::path::remove_dots(P, /*remove_dot_dot=*/true);
  return P.str().str();
}

bool isLauncher(StringRef Arg) {
  StringRef Name = sys::path::filename(Arg);
  return Name == "ccache" || Name == "sccache" || Name == "distcc" ||
         Name == "icecc" || Name == "buildcache";
}

// What the arguments say, before paths are made absolute.
struct ArgScan {
  bool Compile = false;  // -c
  bool NoObject = false; // -E, -S, -M, -MM, -fsyntax-only
  bool WritesDeps = false;
  std::string Output, Depfile;
  std::vector<std::string> Sources;
};

void scanOne(ArrayRef<std::string> Args, size_t &I, ArgScan &S) {
  StringRef A = Args[I];
  frontend::MatchedOption M = frontend::matchOption(A);
  if (!M.Option) {
    if (!A.starts_with("-") && frontend::isSourceFile(A))
      S.Sources.push_back(A.str());
    return;
  }
  StringRef Value = M.ValueIsNext ? (I + 1 < Args.size() ? StringRef(Args[I + 1]) : "")
                                  : M.JoinedValue;
  switch (M.Option->Role) {
  case frontend::OptionRole::Compile:
    S.Compile = true;
    break;
  case frontend::OptionRole::NoObject:
    S.NoObject = true;
    break;
  case frontend::OptionRole::WritesDeps:
    S.WritesDeps = true;
    break;
  case frontend::OptionRole::Output:
    S.Output = Value.str();
    break;
  case frontend::OptionRole::Depfile:
    S.Depfile = Value.str();
    break;
  default:
    break;
  }
  if (M.ValueIsNext) // the value is not an input file
    ++I;
}

Expected<std::vector<std::string>>
expandResponseFiles(const std::vector<std::string> &Argv, StringRef Cwd) {
  BumpPtrAllocator Alloc;
  cl::ExpansionContext Ctx(Alloc, cl::TokenizeGNUCommandLine);
  Ctx.setCurrentDir(Cwd);
  SmallVector<const char *, 64> Args;
  for (const std::string &A : Argv)
    Args.push_back(A.c_str());
  if (Error E = Ctx.expandResponseFiles(Args))
    return std::move(E);
  return std::vector<std::string>(Args.begin(), Args.end());
}

// ---- Finding the build directory ----------------------------------------

bool hasFile(StringRef Dir, StringRef Name) {
  SmallString<256> P(Dir);
  sys::path::append(P, Name);
  return sys::fs::exists(P);
}

// The build directory a CMake-generated Makefile in Dir belongs to, or "".
std::string cmakeTopOfMakefile(StringRef Dir) {
  SmallString<256> P(Dir);
  sys::path::append(P, "Makefile");
  auto Buf = MemoryBuffer::getFile(P);
  if (!Buf)
    return "";
  StringRef Text = (*Buf)->getBuffer().take_front(64 * 1024);
  for (StringRef Line : split(Text, '\n'))
    if (Line.consume_front("CMAKE_BINARY_DIR = ")) {
      Line = Line.trim();
      return hasFile(Line, "CMakeCache.txt") ? Line.str() : "";
    }
  return "";
}

// ---- Recording ------------------------------------------------------------

std::string contentHash(StringRef Data) {
  XXH128_canonical_t C;
  XXH128_canonicalFromHash(&C, XXH3_128bits(Data.data(), Data.size()));
  return toHex(ArrayRef<uint8_t>(C.digest, sizeof(C.digest)),
               /*LowerCase=*/true);
}

std::string recordPath(StringRef BuildDir, StringRef Object) {
  uint64_t H = XXH3_64bits(Object.data(), Object.size());
  SmallString<256> P(BuildDir);
  sys::path::append(P, ".hotc", "objects");
  sys::path::append(P, formatv("{0}.json", format_hex_no_prefix(H, 16)).str());
  return P.str().str();
}

Error writeFileAtomically(StringRef Path, StringRef Data) {
  if (std::error_code EC =
          sys::fs::create_directories(sys::path::parent_path(Path)))
    return createStringError(EC, "cannot create %s: %s",
                             sys::path::parent_path(Path).str().c_str(),
                             EC.message().c_str());
  return writeToOutput(Path, [&](raw_ostream &OS) {
    OS << Data;
    return Error::success();
  });
}

// The main source first, then the depfile's other files, without system
// headers and without repeats.
std::vector<std::string> inputsOf(const CompileFacts &F,
                                  const std::vector<std::string> &Deps,
                                  StringRef Cwd) {
  std::vector<std::string> Out = {F.Source};
  StringSet<> Seen = {F.Source};
  for (const std::string &D : Deps) {
    std::string P = absolutePath(D, Cwd);
    if (frontend::isProjectFile(P) && Seen.insert(P).second)
      Out.push_back(P);
  }
  return Out;
}

// Stores each input's content as a blob and returns {path: hash}. An input
// written since the compile started may not be what the compiler read: then
// there is no trustworthy snapshot, and nothing is recorded.
Expected<json::Object> snapshotInputs(const std::vector<std::string> &Inputs,
                                      StringRef BuildDir,
                                      sys::TimePoint<> Started) {
  json::Object Hashes;
  for (const std::string &In : Inputs) {
    auto Buf = frontend::readFile(In); // an editor may save it meanwhile
    if (!Buf)
      return createStringError(Buf.getError(), "cannot read %s: %s",
                               In.c_str(), Buf.getError().message().c_str());
    sys::fs::file_status St;
    if (!sys::fs::status(In, St) && St.getLastModificationTime() > Started)
      return createStringError(inconvertibleErrorCode(),
                               "%s changed during the compile", In.c_str());
    std::string Hash = contentHash((*Buf)->getBuffer());
    SmallString<256> Blob(BuildDir);
    sys::path::append(Blob, ".hotc", "blobs", Hash);
    if (!sys::fs::exists(Blob)) // content-addressed: present means equal
      if (Error E = writeFileAtomically(Blob, (*Buf)->getBuffer()))
        return std::move(E);
    Hashes[In] = Hash;
  }
  return std::move(Hashes);
}

json::Array toArray(const std::vector<std::string> &V) {
  return json::Array(V);
}

Error writeRecord(CompileFacts F, StringRef Cwd, StringRef BuildDir,
                  sys::TimePoint<> Started) {
  std::vector<std::string> Deps;
  if (!F.Depfile.empty()) {
    auto Buf = MemoryBuffer::getFile(F.Depfile);
    if (!Buf)
      return createStringError(Buf.getError(), "cannot read depfile %s: %s",
                               F.Depfile.c_str(),
                               Buf.getError().message().c_str());
    Deps = parseDepfile((*Buf)->getBuffer());
  }
  if (F.Source.empty() && !Deps.empty())
    F.Source = absolutePath(Deps.front(), Cwd);
  if (F.Source.empty())
    return createStringError(inconvertibleErrorCode(),
                             "cannot tell which argument is the source");
  auto Hashes = snapshotInputs(inputsOf(F, Deps, Cwd), BuildDir, Started);
  if (!Hashes)
    return Hashes.takeError();
  json::Object Record{
      {"version", 1},
      {"object", F.Object},
      {"directory", Cwd},
      {"launchers", toArray(F.Launchers)},
      {"command", toArray(F.Command)},
      {"source", F.Source},
      {"depfile", F.Depfile.empty() ? json::Value(nullptr) : F.Depfile},
      {"inputs", std::move(*Hashes)}};
  std::string Text =
      formatv("{0:2}\n", json::Value(std::move(Record))).str();
  return writeFileAtomically(recordPath(BuildDir, F.Object), Text);
}

void recordCompile(const std::vector<std::string> &Argv,
                   sys::TimePoint<> Started) {
  SmallString<256> Cwd;
  if (std::error_code EC = sys::fs::current_path(Cwd)) {
    fprintf(stderr, "hotc: warning: nothing recorded: no working directory: %s\n",
            EC.message().c_str());
    return;
  }
  auto Facts = readCompileFacts(Argv, Cwd);
  if (!Facts) {
    fprintf(stderr, "hotc: warning: nothing recorded: %s\n",
            toString(Facts.takeError()).c_str());
    return;
  }
  if (!*Facts || StringRef((*Facts)->Object).starts_with("/dev/"))
    return; // not a compile to an object: nothing to remember
  std::string BuildDir = findBuildDir(Cwd);
  if (BuildDir.empty()) {
    fprintf(stderr, "hotc: warning: %s not recorded: no build directory at "
                    "or above %s (set HOTC_BUILD_DIR)\n",
            (*Facts)->Object.c_str(), Cwd.c_str());
    return;
  }
  std::string Object = (*Facts)->Object;
  if (Error E = writeRecord(std::move(**Facts), Cwd, BuildDir, Started)) {
    // An old record would describe a build that no longer exists.
    sys::fs::remove(recordPath(BuildDir, Object));
    fprintf(stderr, "hotc: warning: %s not recorded: %s\n", Object.c_str(),
            toString(std::move(E)).c_str());
  }
}

} // namespace

int runCompilerLauncher(const std::vector<std::string> &Argv) {
  // Taken before the compiler starts: an input modified after this may not
  // be what it read.
  sys::TimePoint<> Started = std::chrono::system_clock::now();
  int Code = runCompiler(Argv);
  if (Code == 0)
    recordCompile(Argv, Started);
  return Code;
}

Expected<std::optional<CompileFacts>>
readCompileFacts(const std::vector<std::string> &Argv, StringRef Cwd) {
  auto Expanded = expandResponseFiles(Argv, Cwd);
  if (!Expanded)
    return Expanded.takeError();
  CompileFacts F;
  size_t First = 0;
  while (First + 1 < Expanded->size() && isLauncher((*Expanded)[First]))
    F.Launchers.push_back((*Expanded)[First++]);
  F.Command.assign(Expanded->begin() + First, Expanded->end());

  ArgScan S;
  for (size_t I = 1; I < F.Command.size(); ++I)
    scanOne(F.Command, I, S);
  if (!S.Compile || S.NoObject)
    return std::nullopt;
  if (S.Sources.size() == 1)
    F.Source = absolutePath(S.Sources.front(), Cwd);
  if (!S.Output.empty()) {
    F.Object = absolutePath(S.Output, Cwd);
  } else if (S.Sources.size() == 1) {
    // Without -o, the object is the source's name with .o, in the cwd.
    SmallString<128> O(sys::path::filename(S.Sources.front()));
    sys::path::replace_extension(O, "o");
    F.Object = absolutePath(O, Cwd);
  } else if (S.Sources.empty()) {
    return createStringError(inconvertibleErrorCode(),
                             "no source file among the arguments and no -o: "
                             "cannot tell the object");
  } else {
    return createStringError(inconvertibleErrorCode(),
                             "%zu sources and no -o: cannot tell the object",
                             S.Sources.size());
  }
  if (!S.Depfile.empty()) {
    F.Depfile = absolutePath(S.Depfile, Cwd);
  } else if (S.WritesDeps) {
    // GCC and Clang name it after the object: -o x.cpp.o gives x.cpp.d.
    SmallString<256> D(F.Object);
    sys::path::replace_extension(D, "d");
    F.Depfile = D.str().str();
  }
  return std::optional<CompileFacts>(std::move(F));
}

std::vector<std::string> parseDepfile(StringRef Text) {
  std::vector<std::string> Out;
  StringSet<> Seen;
  std::string Word;
  bool Prerequisites = false; // after the rule's ':'
  auto EndWord = [&] {
    if (Prerequisites && !Word.empty() && Seen.insert(Word).second)
      Out.push_back(Word);
    Word.clear();
  };
  for (size_t I = 0; I < Text.size(); ++I) {
    char C = Text[I];
    char N = I + 1 < Text.size() ? Text[I + 1] : '\n';
    if (C == '\\' && (N == '\n' || (N == '\r' && I + 2 < Text.size() &&
                                    Text[I + 2] == '\n'))) {
      EndWord(); // a continued line
      I += N == '\n' ? 1 : 2;
    } else if (C == '\\' && (N == ' ' || N == '#')) {
      Word += N;
      ++I;
    } else if (C == '$' && N == '$') {
      Word += '$';
      ++I;
    } else if (C == ':' && !Prerequisites &&
               (N == ' ' || N == '\t' || N == '\n' || N == '\r')) {
      EndWord(); // the targets end here
      Prerequisites = true;
    } else if (C == '\n') {
      EndWord();
      Prerequisites = false;
    } else if (C == ' ' || C == '\t' || C == '\r') {
      EndWord();
    } else {
      Word += C;
    }
  }
  EndWord();
  return Out;
}

std::string findBuildDir(StringRef Cwd) {
  if (const char *Env = getenv("HOTC_BUILD_DIR"); Env && *Env)
    return absolutePath(Env, Cwd);
  SmallString<256> Dir(Cwd);
  for (;;) {
    if (hasFile(Dir, "CMakeCache.txt") || hasFile(Dir, "build.ninja"))
      return Dir.str().str();
    if (hasFile(Dir, "Makefile")) {
      std::string Top = cmakeTopOfMakefile(Dir);
      return Top.empty() ? Dir.str().str() : Top;
    }
    StringRef Parent = sys::path::parent_path(Dir);
    if (Parent.empty() || Parent == Dir)
      return "";
    Dir = SmallString<256>(Parent);
  }
}

} // namespace hotc::driver
