#include "watch/compile_database.h"

#include "clang/Tooling/JSONCompilationDatabase.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace hotc::driver {

Expected<std::vector<frontend::CompileCommand>>
loadCompileDatabase(const std::string &BuildDir) {
  SmallString<256> Path(BuildDir);
  sys::path::append(Path, "compile_commands.json");
  if (!sys::fs::exists(Path))
    return createStringError(
        inconvertibleErrorCode(),
        "%s not found: configure the build with "
        "-DCMAKE_EXPORT_COMPILE_COMMANDS=ON, or point -p at its build directory",
        Path.c_str());
  std::string Err;
  auto DB = clang::tooling::JSONCompilationDatabase::loadFromFile(
      Path, Err, clang::tooling::JSONCommandLineSyntax::AutoDetect);
  if (!DB)
    return createStringError(inconvertibleErrorCode(), "%s: %s", Path.c_str(),
                             Err.c_str());
  std::vector<frontend::CompileCommand> Out;
  StringSet<> Seen;
  for (clang::tooling::CompileCommand &C : DB->getAllCompileCommands()) {
    SmallString<256> File(C.Filename);
    if (!sys::path::is_absolute(File))
      sys::fs::make_absolute(C.Directory, File);
    sys::path::remove_dots(File, true);
    if (!Seen.insert(File).second || C.CommandLine.empty())
      continue;
    Out.push_back({File.str().str(), C.Directory, std::move(C.CommandLine)});
  }
  if (Out.empty())
    return createStringError(inconvertibleErrorCode(),
                             "%s lists no compile commands", Path.c_str());
  return std::move(Out);
}

} // namespace hotc::driver
