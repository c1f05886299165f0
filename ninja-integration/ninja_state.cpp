#include "ninja-integration/ninja_state.h"

#include "ninja-integration/graph_release.h"
#include "ninja-integration/log_versions.h"
#include "ninja-integration/manifest_reader.h"
#include "ninja-integration/node_paths.h"

#include "manifest_parser.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"

#include <unistd.h>

using namespace llvm;

namespace hotc::ninja {

// ninja's util.h declares a global Error() too.
using llvm::Error;

namespace {

Error loadError(const std::string &What, const std::string &Err) {
  return createStringError(inconvertibleErrorCode(), "loading %s: %s",
                           What.c_str(), Err.c_str());
}

Error parseManifest(NinjaState &S) {
  ManifestParserOptions Options;
  // `ninja` has refused duplicate outputs by default since 1.9; accepting
  // them here would build a graph the user's ninja rejects.
  Options.dupe_edge_action_ = kDupeEdgeActionError;
  ManifestReader Reader(S.BuildDir);
  ManifestParser Parser(&S.Graph, &Reader, Options);
  std::string Err;
  bool Parsed = Parser.Load("build.ninja", &Err);
  S.Manifest = std::move(Reader.Read);
  if (Parsed)
    return Error::success();
  return createStringError(inconvertibleErrorCode(),
                           "%s is not a ninja build directory hotc can read "
                           "(configure it with -G Ninja): %s",
                           S.BuildDir.c_str(), Err.c_str());
}

// The log paths ninja uses: in $builddir when the manifest sets it.
void setLogPaths(NinjaState &S) {
  std::string Dir = S.Graph.bindings_.LookupVariable("builddir");
  S.LogPath = Dir.empty() ? ".ninja_log" : Dir + "/.ninja_log";
  S.DepsPath = Dir.empty() ? ".ninja_deps" : Dir + "/.ninja_deps";
}

std::string shown(const NinjaState &S, const std::string &Path) {
  return absolutePath(S.BuildDir, Path);
}

// A private copy of the deps log, loaded instead of the original so that
// nothing ninja does while loading touches the user's file.
Error loadDepsCopy(NinjaState &S) {
  if (!sys::fs::exists(S.DepsPath))
    return Error::success();
  int FD;
  SmallString<128> Copy;
  if (std::error_code EC =
          sys::fs::createTemporaryFile("hotc-ninja-deps", "", FD, Copy))
    return loadError(shown(S, S.DepsPath), EC.message());
  FileRemover RemoveCopy(Copy);
  std::error_code EC = sys::fs::copy_file(S.DepsPath, FD);
  close(FD);
  if (EC)
    return loadError(shown(S, S.DepsPath), EC.message());
  if (Error E = checkDepsLogVersion(Copy.str().str(), shown(S, S.DepsPath)))
    return E;
  // A warning in Err (an incomplete last record, cut from the copy) loses
  // at most the record `ninja` is writing right now.
  std::string Err;
  if (S.Deps.Load(Copy.str().str(), &S.Graph, &Err) == LOAD_ERROR)
    return loadError(shown(S, S.DepsPath), Err);
  return Error::success();
}

Error loadLogsForBuild(NinjaState &S) {
  if (Error E = checkBuildLogVersion(S.LogPath, shown(S, S.LogPath)))
    return E;
  if (Error E = checkDepsLogVersion(S.DepsPath, shown(S, S.DepsPath)))
    return E;
  std::string Dir = S.Graph.bindings_.LookupVariable("builddir");
  if (!Dir.empty() && !S.Disk.MakeDirs(Dir + "/."))
    return loadError(shown(S, Dir), "cannot create the directory");
  // As `ninja` does: a warning left in Err (an incomplete last record,
  // which ninja cuts off) does not stop the build.
  std::string Err;
  if (S.Log.Load(S.LogPath, &Err) == LOAD_ERROR ||
      !S.Log.OpenForWrite(S.LogPath, S, &Err))
    return loadError(shown(S, S.LogPath), Err);
  Err.clear();
  if (S.Deps.Load(S.DepsPath, &S.Graph, &Err) == LOAD_ERROR ||
      !S.Deps.OpenForWrite(S.DepsPath, &Err))
    return loadError(shown(S, S.DepsPath), Err);
  return Error::success();
}

} // namespace

NinjaState::~NinjaState() {
  closeLogs();
  releaseLogs(Log, Deps);
  releaseGraph(Graph);
}

bool NinjaState::IsPathDead(StringPiece Path) const {
  Node *N = Graph.LookupNode(Path);
  if (N && N->in_edge())
    return false;
  std::string Err;
  // A failed stat (-1) keeps the entry, as in ninja.
  return Disk.Stat(Path.AsString(), &Err) == 0;
}

void NinjaState::closeLogs() {
  Log.Close();
  Deps.Close();
}

Expected<std::unique_ptr<NinjaState>>
loadNinjaState(const std::string &BuildDir, LogUse Use) {
  auto S = std::make_unique<NinjaState>(BuildDir);
  if (Error E = parseManifest(*S))
    return E;
  setLogPaths(*S);
  if (Use == LogUse::Build) {
    if (Error E = loadLogsForBuild(*S))
      return E;
    return S;
  }
  if (Error E = checkBuildLogVersion(S->LogPath, shown(*S, S->LogPath)))
    return E;
  if (Error E = loadDepsCopy(*S))
    return E;
  return S;
}

} // namespace hotc::ninja
