#include "config/config.h"

#include "protocol/agent_protocol.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <toml++/toml.h>

#include <fnmatch.h>

using namespace llvm;

namespace hotc::driver {

char ConfigError::ID;

void ConfigError::log(raw_ostream &OS) const {
  OS << File << ":" << Line << ":" << Column << ": " << Message;
}

std::error_code ConfigError::convertToErrorCode() const {
  return std::make_error_code(std::errc::invalid_argument);
}

std::string Origin::describe() const {
  switch (From) {
  case Kind::Default:
    return "default";
  case Kind::File:
    return formatv("{0}:{1}", File, Line).str();
  case Kind::CommandLine:
    return "command line (" + Option + ")";
  }
  return "";
}

const std::vector<std::string> &configKeys() {
  static const std::vector<std::string> Keys = {
      "build_dir", "watch",    "exclude",    "debounce_ms", "compiler",
      "extra_flags", "on_crash", "undo_depth", "safe_points",
      "safe_point_timeout_ms", "preamble_budget_mb", "socket_dir", "log"};
  return Keys;
}

StringRef onCrashName(OnCrash O) {
  switch (O) {
  case OnCrash::Rollback:
    return "rollback";
  case OnCrash::Report:
    return "report";
  case OnCrash::Restart:
    return "restart";
  case OnCrash::Ignore:
    return "ignore";
  }
  return "report";
}

namespace {

std::string absolute(StringRef Base, StringRef P) {
  SmallString<256> Out(P);
  if (!sys::path::is_absolute(Out))
    sys::fs::make_absolute(Base, Out);
  sys::path::remove_dots(Out, /*remove_dot_dot=*/true);
  return Out.str().str();
}

std::string currentDirectory() {
  SmallString<256> Cwd;
  return sys::fs::current_path(Cwd) ? "." : Cwd.str().str();
}

// The default keeps hotc's old behaviour when there is no file (a path
// relative to the current directory); with a file, it is relative to the
// project root so that it does not depend on where hotc starts.
std::string defaultBuildDir(StringRef Root, bool RootIsStart) {
  SmallString<256> Build(Root);
  sys::path::append(Build, "build", "compile_commands.json");
  if (sys::fs::exists(Build))
    return RootIsStart ? "build" : absolute(Root, "build");
  return RootIsStart ? "." : Root.str();
}

// Reads values from one parsed file, citing the file in every error.
struct FileReader {
  std::string Path;
  std::string Root; // the file's directory

  Origin at(const toml::source_region &R) const {
    return {Origin::Kind::File, Path, R.begin.line, R.begin.column, ""};
  }
  Error error(const toml::source_region &R, const Twine &Message) const {
    return make_error<ConfigError>(Path, R.begin.line, R.begin.column,
                                   Message.str());
  }
};

const char *typeName(const toml::node &N) {
  switch (N.type()) {
  case toml::node_type::string:
    return "a string";
  case toml::node_type::integer:
    return "an integer";
  case toml::node_type::floating_point:
    return "a floating-point number";
  case toml::node_type::boolean:
    return "a boolean";
  case toml::node_type::array:
    return "an array";
  case toml::node_type::table:
    return "a table";
  default:
    return "a date or time";
  }
}

Expected<std::string> readString(const toml::node &N, StringRef Key,
                                 const FileReader &F) {
  if (const toml::value<std::string> *S = N.as_string())
    return S->get();
  return F.error(N.source(), formatv("'{0}' must be a string, not {1}", Key,
                                     typeName(N)));
}

Expected<bool> readBool(const toml::node &N, StringRef Key,
                        const FileReader &F) {
  if (const toml::value<bool> *B = N.as_boolean())
    return B->get();
  return F.error(N.source(), formatv("'{0}' must be true or false, not {1}",
                                     Key, typeName(N)));
}

Expected<std::string> readNonEmpty(const toml::node &N, StringRef Key,
                                   const FileReader &F) {
  auto S = readString(N, Key, F);
  if (S && S->empty())
    return F.error(N.source(), formatv("'{0}' must not be empty", Key));
  return S;
}

Expected<std::vector<std::string>>
readStrings(const toml::node &N, StringRef Key, const FileReader &F) {
  const toml::array *A = N.as_array();
  if (!A)
    return F.error(N.source(), formatv("'{0}' must be an array of strings, "
                                       "not {1}", Key, typeName(N)));
  std::vector<std::string> Out;
  for (size_t I = 0; I < A->size(); ++I) {
    const toml::node &E = *A->get(I);
    const toml::value<std::string> *S = E.as_string();
    if (!S)
      return F.error(E.source(), formatv("'{0}[{1}]' must be a string, not "
                                         "{2}", Key, I, typeName(E)));
    Out.push_back(S->get());
  }
  return Out;
}

// A glob with a '/' is anchored at the project root; "src/" means
// everything under src.
std::string resolveGlob(StringRef Root, StringRef G) {
  std::string Out = G.str();
  if (StringRef(Out).ends_with("/"))
    Out += "**";
  if (!StringRef(Out).contains('/') || sys::path::is_absolute(Out))
    return Out;
  return absolute(Root, Out);
}

Expected<std::vector<std::string>>
readGlobs(const toml::node &N, StringRef Key, const FileReader &F) {
  auto Globs = readStrings(N, Key, F);
  if (!Globs)
    return Globs.takeError();
  for (size_t I = 0; I < Globs->size(); ++I) {
    std::string &G = (*Globs)[I];
    if (G.empty())
      return F.error(N.as_array()->get(I)->source(),
                     formatv("'{0}[{1}]' must not be an empty glob", Key, I));
    G = resolveGlob(F.Root, G);
  }
  return Globs;
}

Expected<int64_t> readDebounce(const toml::node &N, const FileReader &F) {
  const toml::value<int64_t> *I = N.as_integer();
  if (!I)
    return F.error(N.source(), formatv("'debounce_ms' must be an integer "
                                       "(milliseconds, >= 0), not {0}",
                                       typeName(N)));
  if (I->get() < 0)
    return F.error(N.source(), formatv("'debounce_ms' must be >= 0, not {0}",
                                       I->get()));
  if (I->get() > 3600000) // WatchOptions holds it as unsigned
    return F.error(N.source(), formatv("'debounce_ms' must be at most "
                                       "3600000 (an hour), not {0}", I->get()));
  return I->get();
}

// An integer key within [Lo, Hi]; Unit names what it counts.
Expected<int64_t> readBounded(const toml::node &N, StringRef Key,
                              StringRef Unit, int64_t Lo, int64_t Hi,
                              const FileReader &F) {
  const toml::value<int64_t> *I = N.as_integer();
  if (!I)
    return F.error(N.source(), formatv("'{0}' must be an integer ({1}, {2} "
                                       "to {3}), not {4}",
                                       Key, Unit, Lo, Hi, typeName(N)));
  if (I->get() < Lo || I->get() > Hi)
    return F.error(N.source(), formatv("'{0}' must be between {1} and {2}, "
                                       "not {3}",
                                       Key, Lo, Hi, I->get()));
  return I->get();
}

Expected<OnCrash> readOnCrash(const toml::node &N, const FileReader &F) {
  auto S = readString(N, "on_crash", F);
  if (!S)
    return S.takeError();
  for (OnCrash O : {OnCrash::Rollback, OnCrash::Report, OnCrash::Restart,
                    OnCrash::Ignore})
    if (*S == onCrashName(O))
      return O;
  return F.error(N.source(), formatv("'on_crash' must be one of \"rollback\", "
                                     "\"report\", \"restart\", \"ignore\", "
                                     "not \"{0}\"",
                                     *S));
}

// Stores a read value with its place in the file, or passes the error on.
template <typename T>
Error store(Setting<T> &S, Expected<T> V, const toml::node &N,
            const FileReader &F) {
  if (!V)
    return V.takeError();
  S.Value = std::move(*V);
  S.From = F.at(N.source());
  return Error::success();
}

Error unknownKey(StringRef Key, const toml::source_region &Where,
                 const FileReader &F) {
  std::string Valid, Closest;
  unsigned Best = 4; // only suggest a near miss
  for (const std::string &K : configKeys()) {
    Valid += (Valid.empty() ? "" : ", ") + K;
    unsigned D = StringRef(K).edit_distance(Key);
    if (D < Best)
      Best = D, Closest = K;
  }
  std::string Hint = Closest.empty() ? "" : " (did you mean '" + Closest + "'?)";
  return F.error(Where, formatv("unknown key '{0}'{1}; valid keys: {2}", Key,
                                Hint, Valid));
}

Error readKey(StringRef Key, const toml::source_region &KeyAt,
              const toml::node &N, const FileReader &F, Config &C) {
  auto Path = [&](Expected<std::string> S) -> Expected<std::string> {
    if (!S)
      return S.takeError();
    return S->empty() ? *S : absolute(F.Root, *S);
  };
  if (Key == "build_dir")
    return store(C.BuildDir, Path(readNonEmpty(N, Key, F)), N, F);
  if (Key == "watch" || Key == "exclude")
    return store(Key == "watch" ? C.Watch : C.Exclude, readGlobs(N, Key, F),
                 N, F);
  if (Key == "debounce_ms")
    return store(C.DebounceMs, readDebounce(N, F), N, F);
  if (Key == "compiler") // it never chose the patch compiler: said, not ignored
    return F.error(KeyAt, "'compiler' is not a setting: patches are always "
                          "compiled by hotc's own Clang 19, and checked "
                          "against the compiler the build's command names");
  if (Key == "extra_flags")
    return store(C.ExtraFlags, readStrings(N, Key, F), N, F);
  if (Key == "on_crash")
    return store(C.Crash, readOnCrash(N, F), N, F);
  if (Key == "undo_depth")
    return store(C.UndoDepth, readBounded(N, Key, "versions", 1, 100000, F),
                 N, F);
  if (Key == "safe_points")
    return store(C.SafePoints, readBool(N, Key, F), N, F);
  if (Key == "safe_point_timeout_ms")
    return store(C.SafePointTimeoutMs,
                 readBounded(N, Key, "milliseconds", 1, 3600000, F), N, F);
  if (Key == "preamble_budget_mb")
    return store(C.PreambleBudgetMb,
                 readBounded(N, Key, "megabytes", 1, 1048576, F), N, F);
  if (Key == "socket_dir")
    return store(C.SocketDir, Path(readNonEmpty(N, Key, F)), N, F);
  if (Key == "log")
    return store(C.Log, Path(readString(N, Key, F)), N, F);
  // Cited where the key is written, not where its value is.
  return unknownKey(Key, KeyAt, F);
}

} // namespace

Config defaultConfig(StringRef StartDir) {
  Config C;
  C.BuildDir.Value = defaultBuildDir(absolute(currentDirectory(), StartDir),
                                     /*RootIsStart=*/true);
  C.DebounceMs.Value = 100;
  C.Crash.Value = OnCrash::Rollback;
  C.UndoDepth.Value = 64;
  C.SafePointTimeoutMs.Value = 10000;
  C.PreambleBudgetMb.Value = 1024;
  C.SocketDir.Value = protocol::socketDirectory();
  return C;
}

Expected<Config> parseConfig(StringRef Text, StringRef Path,
                             StringRef StartDir) {
  std::string Start = absolute(currentDirectory(), StartDir);
  FileReader F{absolute(Start, Path), ""};
  F.Root = sys::path::parent_path(F.Path).str();
  toml::table Table;
  try {
    Table = toml::parse(std::string_view(Text.data(), Text.size()), F.Path);
  } catch (const toml::parse_error &E) {
    return F.error(E.source(), std::string(E.description()));
  }
  Config C = defaultConfig(StartDir);
  C.File = F.Path;
  C.BuildDir.Value = defaultBuildDir(F.Root, F.Root == Start);
  for (auto &&[Key, Node] : Table) {
    StringRef Name(Key.str().data(), Key.str().size());
    if (Error E = readKey(Name, Key.source(), Node, F, C))
      return E;
  }
  return C;
}

Expected<std::string> findConfigFile(const CommandLineConfig &CL,
                                     StringRef StartDir) {
  std::string Start = absolute(currentDirectory(), StartDir);
  if (!CL.ConfigFile.empty()) {
    std::string P = absolute(Start, CL.ConfigFile);
    if (!sys::fs::is_regular_file(P))
      return createStringError(std::errc::no_such_file_or_directory,
                               "--config %s: no such file", P.c_str());
    return P;
  }
  if (!CL.BuildDir.empty()) {
    SmallString<256> P(absolute(Start, CL.BuildDir));
    sys::path::append(P, kConfigFileName);
    if (sys::fs::is_regular_file(P))
      return P.str().str();
  }
  // Stop at the repository's top: a hotreload.toml above it belongs to
  // something else.
  for (SmallString<256> Dir(Start);;) {
    SmallString<256> P(Dir), Git(Dir);
    sys::path::append(P, kConfigFileName);
    if (sys::fs::is_regular_file(P))
      return P.str().str();
    sys::path::append(Git, ".git");
    StringRef Parent = sys::path::parent_path(Dir);
    if (sys::fs::exists(Git) || Parent.empty() || Parent == Dir)
      return "";
    Dir = Parent.str();
  }
}

void applyCommandLine(Config &C, const CommandLineConfig &CL) {
  if (!CL.BuildDir.empty()) {
    C.BuildDir.Value = CL.BuildDir;
    C.BuildDir.From = {Origin::Kind::CommandLine, "", 0, 0, "-p"};
  }
}

Expected<Config> loadConfig(const CommandLineConfig &CL, StringRef StartDir) {
  auto File = findConfigFile(CL, StartDir);
  if (!File)
    return File.takeError();
  Config C = defaultConfig(StartDir);
  if (!File->empty()) {
    auto Buffer = MemoryBuffer::getFile(*File);
    if (!Buffer)
      return createStringError(Buffer.getError(), "cannot read %s: %s",
                               File->c_str(),
                               Buffer.getError().message().c_str());
    auto Parsed = parseConfig((*Buffer)->getBuffer(), *File, StartDir);
    if (!Parsed)
      return Parsed.takeError();
    C = std::move(*Parsed);
  }
  applyCommandLine(C, CL);
  return C;
}

namespace {

// Matches Pattern from P against Path from S (see matchesGlob).
bool globAt(StringRef P, StringRef S) {
  while (!P.empty()) {
    if (P.front() == '*') {
      bool Deep = P.starts_with("**");
      P = P.drop_front(Deep ? 2 : 1);
      if (Deep && P.starts_with("/") && globAt(P.drop_front(), S))
        return true; // "a/**/b" also matches "a/b"
      for (;; S = S.drop_front()) {
        if (globAt(P, S))
          return true;
        if (S.empty() || (!Deep && S.front() == '/'))
          return false;
      }
    }
    if (S.empty() || (S.front() == '/' && P.front() != '/'))
      return false;
    size_t Len = 1;
    if (P.front() == '[' && P.find(']', 2) != StringRef::npos) {
      Len = P.find(']', 2) + 1;
      // fnmatch knows the class syntax ([a-z], [!x]); give it one char.
      std::string Class = P.take_front(Len).str(), Char(1, S.front());
      if (fnmatch(Class.c_str(), Char.c_str(), 0) != 0)
        return false;
    } else if (P.front() != '?' && P.front() != S.front()) {
      return false;
    }
    P = P.drop_front(Len);
    S = S.drop_front();
  }
  return S.empty();
}

} // namespace

bool matchesGlob(StringRef Pattern, StringRef Path) {
  if (!Pattern.contains('/'))
    return globAt(Pattern, sys::path::filename(Path));
  return globAt(Pattern, Path);
}

bool matchesAnyGlob(const std::vector<std::string> &Patterns, StringRef Path) {
  for (const std::string &P : Patterns)
    if (matchesGlob(P, Path))
      return true;
  return false;
}

namespace {

struct Row {
  std::string Key;
  json::Value Value;
  std::string Text; // the value for the human table
  Origin From;
};

std::string join(const std::vector<std::string> &V, StringRef Empty) {
  if (V.empty())
    return Empty.str();
  std::string Out;
  for (const std::string &S : V)
    Out += (Out.empty() ? "" : " ") + S;
  return Out;
}

std::vector<Row> rows(const Config &C) {
  auto Text = [](const std::string &S, StringRef Empty) {
    return S.empty() ? Empty.str() : S;
  };
  return {
      {"build_dir", C.BuildDir.Value, C.BuildDir.Value, C.BuildDir.From},
      {"watch", json::Array(C.Watch.Value),
       join(C.Watch.Value, "(all sources and the headers they read)"),
       C.Watch.From},
      {"exclude", json::Array(C.Exclude.Value), join(C.Exclude.Value, "(none)"),
       C.Exclude.From},
      {"debounce_ms", C.DebounceMs.Value, std::to_string(C.DebounceMs.Value),
       C.DebounceMs.From},
      {"extra_flags", json::Array(C.ExtraFlags.Value),
       join(C.ExtraFlags.Value, "(none)"), C.ExtraFlags.From},
      {"on_crash", onCrashName(C.Crash.Value), onCrashName(C.Crash.Value).str(),
       C.Crash.From},
      {"undo_depth", C.UndoDepth.Value, std::to_string(C.UndoDepth.Value),
       C.UndoDepth.From},
      {"safe_points", C.SafePoints.Value, C.SafePoints.Value ? "true" : "false",
       C.SafePoints.From},
      {"safe_point_timeout_ms", C.SafePointTimeoutMs.Value,
       std::to_string(C.SafePointTimeoutMs.Value), C.SafePointTimeoutMs.From},
      {"preamble_budget_mb", C.PreambleBudgetMb.Value,
       std::to_string(C.PreambleBudgetMb.Value), C.PreambleBudgetMb.From},
      {"socket_dir", C.SocketDir.Value, C.SocketDir.Value, C.SocketDir.From},
      {"log", C.Log.Value, Text(C.Log.Value, "(none)"), C.Log.From},
  };
}

json::Object originJson(const Origin &O) {
  switch (O.From) {
  case Origin::Kind::Default:
    return json::Object{{"origin", "default"}};
  case Origin::Kind::File:
    return json::Object{{"origin", "file"}, {"file", O.File}, {"line", O.Line},
            {"column", O.Column}};
  case Origin::Kind::CommandLine:
    return json::Object{{"origin", "command_line"}, {"option", O.Option}};
  }
  return {};
}

} // namespace

std::string formatConfig(const Config &C, bool Json) {
  std::string Out;
  raw_string_ostream OS(Out);
  if (Json) {
    json::Object Settings;
    for (Row &R : rows(C)) {
      json::Object O = originJson(R.From);
      O["value"] = std::move(R.Value);
      Settings[R.Key] = std::move(O);
    }
    OS << json::Value(json::Object{
              {"file", C.File.empty() ? json::Value(nullptr) : C.File},
              {"settings", std::move(Settings)}})
       << "\n";
    return Out;
  }
  OS << "file: "
     << (C.File.empty() ? std::string("none (no hotreload.toml found)")
                        : C.File)
     << "\n";
  std::vector<Row> Rs = rows(C);
  size_t Width = 5;
  for (const Row &R : Rs)
    Width = std::max(Width, std::min<size_t>(R.Text.size(), 48));
  auto Line = [&](StringRef Key, StringRef Value, StringRef From) {
    std::string Pad(Width > Value.size() ? Width - Value.size() : 0, ' ');
    OS << formatv("{0,-12} {1}{2}  {3}\n", Key, Value, Pad, From);
  };
  Line("key", "value", "from");
  for (const Row &R : Rs)
    Line(R.Key, R.Text, R.From.describe());
  return Out;
}

} // namespace hotc::driver
