// hotreload.toml: the project's settings for `hotc watch` and `hotc config`,
// where each value came from, and the precedence
// command line > file > default.
#pragma once

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>
#include <vector>

namespace hotc::driver {

inline constexpr const char *kConfigFileName = "hotreload.toml";

// What hotc does when the watched program crashes.
// What a crash in patched code leads to: undo the version and let the
// thread leave the function (Rollback), only report it (Report), report it
// and start the program again (Restart), or nothing hotc-specific (Ignore).
enum class OnCrash { Rollback, Report, Restart, Ignore };

// Where a value came from. `hotc config` shows it, and errors cite it.
struct Origin {
  enum class Kind { Default, File, CommandLine };
  Kind From = Kind::Default;
  std::string File;          // Kind::File: the hotreload.toml
  unsigned Line = 0;         // Kind::File
  unsigned Column = 0;       // Kind::File
  std::string Option;        // Kind::CommandLine: "-p"

  std::string describe() const; // "default", "/p/hotreload.toml:3", "command line (-p)"
};

template <typename T> struct Setting {
  T Value{};
  Origin From;
};

// The effective configuration. Relative paths from a file are resolved
// against the file's directory (the project root), so a hotreload.toml
// found in a parent directory means the same from anywhere below it.
struct Config {
  std::string File; // the hotreload.toml that was read; empty: none
  Setting<std::string> BuildDir;
  // Globs of files to watch; empty: every source of the compile database and
  // the headers it reads. See matchesGlob for the syntax.
  Setting<std::vector<std::string>> Watch;
  Setting<std::vector<std::string>> Exclude; // never watched or patched
  Setting<int64_t> DebounceMs;
  Setting<std::vector<std::string>> ExtraFlags;
  Setting<OnCrash> Crash;
  // How many of the newest versions `hotc undo` can reach; the memory of
  // older ones nothing runs is freed.
  Setting<int64_t> UndoDepth;
  // Patches re-pointed only by a thread in hotreload_safe_point(), which
  // must come within the timeout (else the patch is refused).
  Setting<bool> SafePoints;
  Setting<int64_t> SafePointTimeoutMs;
  // The precompiled preambles kept in memory (the bulk of what hotc holds
  // per unit), least recently edited given up first.
  Setting<int64_t> PreambleBudgetMb;
  Setting<std::string> SocketDir; // exported as HOTC_SOCKET_DIR
  Setting<std::string> Log;       // JSON-lines event log; empty: none
};

// What the command line says; empty strings were not given.
struct CommandLineConfig {
  std::string ConfigFile; // --config FILE
  std::string BuildDir;   // -p BUILD_DIR
};

// A mistake in hotreload.toml, with its place in the file.
class ConfigError : public llvm::ErrorInfo<ConfigError> {
public:
  static char ID;
  ConfigError(std::string File, unsigned Line, unsigned Column,
              std::string Message)
      : File(std::move(File)), Line(Line), Column(Column),
        Message(std::move(Message)) {}
  void log(llvm::raw_ostream &OS) const override; // file:line:col: message
  std::error_code convertToErrorCode() const override;

  std::string File;
  unsigned Line, Column;
  std::string Message;
};

// The keys hotreload.toml may hold, in the order `hotc config` shows them.
const std::vector<std::string> &configKeys();

// Defaults only, as seen from StartDir (build_dir: ./build when it holds
// compile_commands.json, else .).
Config defaultConfig(llvm::StringRef StartDir);

// Parses the text of a hotreload.toml at Path over the defaults. Unknown
// keys and wrong types are ConfigErrors.
llvm::Expected<Config> parseConfig(llvm::StringRef Text, llvm::StringRef Path,
                                   llvm::StringRef StartDir);

// The file to read: --config, else BUILD_DIR/hotreload.toml for -p, else
// the first hotreload.toml in StartDir and its parents, stopping at the
// filesystem root or at a directory holding .git. Empty: there is none.
llvm::Expected<std::string> findConfigFile(const CommandLineConfig &CL,
                                           llvm::StringRef StartDir);

// Everything together: find, parse, then apply the command line on top.
llvm::Expected<Config> loadConfig(const CommandLineConfig &CL,
                                  llvm::StringRef StartDir);

// Overrides values with those given on the command line.
void applyCommandLine(Config &C, const CommandLineConfig &CL);

// Glob of `watch`/`exclude` against an absolute path: `*` and `?` stay
// within one path component, `**` crosses directories, `[...]` is a
// character class. A pattern without `/` matches the file name in any
// directory; one with `/` matches the whole path (parseConfig makes relative
// ones absolute, from the project root).
bool matchesGlob(llvm::StringRef Pattern, llvm::StringRef Path);
bool matchesAnyGlob(const std::vector<std::string> &Patterns,
                    llvm::StringRef Path);

llvm::StringRef onCrashName(OnCrash O);

// `hotc config`: the effective values and their origins, as a table or as
// one JSON object.
std::string formatConfig(const Config &C, bool Json);

} // namespace hotc::driver
