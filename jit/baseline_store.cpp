#include "jit/baseline_store.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <sys/time.h>
#include <xxhash.h>

using namespace llvm;

namespace hotc::jit {
namespace {

std::string fileIdentity(const std::string &Path) {
  sys::fs::file_status St;
  if (Path.empty() || sys::fs::status(Path, St))
    return "unknown " + Path;
  return Path + "\n" + std::to_string(St.getSize()) + "\n" +
         std::to_string(St.getLastModificationTime().time_since_epoch().count());
}

// This hotc binary and the Clang and LLVM libraries it runs, by path, size
// and modification time: a rebuilt hotc or an upgraded LLVM package may
// hash and view code otherwise, so their entries are their own.
std::string selfIdentity() {
  static const std::string Id = [] {
    std::string Out =
        fileIdentity(sys::fs::getMainExecutable(nullptr, (void *)&selfIdentity));
    std::ifstream Maps("/proc/self/maps");
    std::set<std::string> Libraries;
    for (std::string Line; std::getline(Maps, Line);)
      if (size_t At = Line.find('/'); At != std::string::npos &&
                                      (Line.find("libclang-cpp", At) != std::string::npos ||
                                       Line.find("libLLVM", At) != std::string::npos))
        Libraries.insert(Line.substr(At));
    for (const std::string &L : Libraries)
      Out += "\n" + fileIdentity(L);
    return Out;
  }();
  return Id;
}

void add(XXH3_state_t *S, StringRef Text) {
  uint64_t Size = Text.size(); // length first: "ab"+"c" is not "a"+"bc"
  XXH3_64bits_update(S, &Size, sizeof Size);
  XXH3_64bits_update(S, Text.data(), Text.size());
}

json::Array toArray(const std::vector<std::string> &V) {
  json::Array A;
  for (const std::string &S : V)
    A.push_back(S);
  return A;
}

json::Array toArray(const StringSet<> &S) {
  std::vector<std::string> Sorted;
  for (const auto &E : S)
    Sorted.push_back(E.getKey().str());
  std::sort(Sorted.begin(), Sorted.end());
  return toArray(Sorted);
}

json::Value toJson(const BaselineFacts &F) {
  json::Object Hashes, Layouts, Identities;
  for (const auto &E : F.Live)
    Hashes[E.getKey()] = utohexstr(E.second);
  for (const auto &E : F.LiveLayouts)
    Layouts[E.getKey()] = E.second;
  for (const auto &E : F.LiveStatics.Identities)
    Identities[E.getKey()] = E.second;
  return json::Object{
      {"version", BaselineStore::kFormatVersion},
      {"opt_level", F.OptLevel},
      {"inputs", toArray(F.Inputs)},
      {"external_functions", toArray(F.ExternalFunctions)},
      {"hashes", std::move(Hashes)},
      {"layouts", std::move(Layouts)},
      {"statics", json::Object{{"names", toArray(F.LiveStatics.Names)},
                               {"written", toArray(F.LiveStatics.Written)},
                               {"identities", std::move(Identities)}}}};
}

Expected<std::vector<std::string>> strings(const json::Object &O, StringRef Key) {
  const json::Array *A = O.getArray(Key);
  if (!A)
    return createStringError("no array \"%s\"", Key.str().c_str());
  std::vector<std::string> Out;
  for (const json::Value &V : *A) {
    auto S = V.getAsString();
    if (!S)
      return createStringError("a non-string in \"%s\"", Key.str().c_str());
    Out.push_back(S->str());
  }
  return Out;
}

Expected<BaselineFacts> fromJson(const json::Value &V) {
  const json::Object *O = V.getAsObject();
  if (!O)
    return createStringError("not an object");
  if (O->getInteger("version") != BaselineStore::kFormatVersion)
    return createStringError("format version is not %u", BaselineStore::kFormatVersion);
  BaselineFacts F;
  F.OptLevel = O->getInteger("opt_level").value_or(0);
  auto Inputs = strings(*O, "inputs");
  auto Externals = strings(*O, "external_functions");
  if (!Inputs)
    return Inputs.takeError();
  if (!Externals)
    return Externals.takeError();
  F.Inputs = std::move(*Inputs);
  F.ExternalFunctions = std::move(*Externals);
  const json::Object *Hashes = O->getObject("hashes");
  const json::Object *Layouts = O->getObject("layouts");
  const json::Object *Statics = O->getObject("statics");
  if (!Hashes || !Layouts || !Statics)
    return createStringError("no \"hashes\", \"layouts\" or \"statics\"");
  for (const auto &[Name, H] : *Hashes) {
    uint64_t Value = 0;
    auto S = H.getAsString();
    if (!S || S->getAsInteger(16, Value))
      return createStringError("a hash that is not hexadecimal");
    F.Live[Name.str()] = Value;
  }
  for (const auto &[Name, L] : *Layouts)
    F.LiveLayouts[Name.str()] = L.getAsString().value_or("").str();
  auto Names = strings(*Statics, "names");
  auto Written = strings(*Statics, "written");
  if (!Names)
    return Names.takeError();
  if (!Written)
    return Written.takeError();
  for (const std::string &N : *Names)
    F.LiveStatics.Names.insert(N);
  for (const std::string &N : *Written)
    F.LiveStatics.Written.insert(N);
  if (const json::Object *Ids = Statics->getObject("identities"))
    for (const auto &[Key, N] : *Ids)
      F.LiveStatics.Identities[Key.str()] = N.getAsInteger().value_or(0);
  return F;
}

} // namespace

BaselineStore::BaselineStore(std::string Dir) : Dir(std::move(Dir)) {}

std::string BaselineStore::keyOf(const frontend::CompileCommand &Cmd,
                                 const FileOverlay &BuildText) {
  XXH3_state_t *S = XXH3_createState();
  XXH3_64bits_reset(S);
  add(S, selfIdentity());
  add(S, Cmd.File);
  add(S, Cmd.Directory);
  for (const std::string &A : Cmd.Arguments)
    add(S, A);
  // StringMap's order is its hashing's: sort the paths.
  std::vector<StringRef> Paths;
  for (const auto &E : BuildText)
    Paths.push_back(E.getKey());
  std::sort(Paths.begin(), Paths.end());
  for (StringRef P : Paths) {
    add(S, P);
    add(S, BuildText.find(P)->second);
  }
  uint64_t H = XXH3_64bits_digest(S);
  XXH3_freeState(S);
  return utohexstr(H, /*LowerCase=*/true);
}

std::string BaselineStore::pathOf(StringRef Key) const {
  SmallString<256> P(Dir);
  sys::path::append(P, Key + ".json");
  return P.str().str();
}

Expected<std::optional<BaselineFacts>> BaselineStore::find(StringRef Key) const {
  std::string Path = pathOf(Key);
  auto Buf = MemoryBuffer::getFile(Path);
  if (!Buf) {
    if (Buf.getError() == std::errc::no_such_file_or_directory)
      return std::nullopt;
    return createStringError(Buf.getError(), "cannot read %s: %s", Path.c_str(),
                             Buf.getError().message().c_str());
  }
  auto V = json::parse((*Buf)->getBuffer());
  if (!V)
    return createStringError("%s is not JSON: %s", Path.c_str(),
                             toString(V.takeError()).c_str());
  auto Facts = fromJson(*V);
  if (!Facts)
    return createStringError("%s: %s", Path.c_str(),
                             toString(Facts.takeError()).c_str());
  // Its modification time is its last use (removeStale). Failing to set
  // it only shortens the entry's life.
  (void)::utimes(Path.c_str(), nullptr); // now
  return std::optional<BaselineFacts>(std::move(*Facts));
}

Error BaselineStore::save(StringRef Key, const BaselineFacts &Facts) const {
  if (std::error_code EC = sys::fs::create_directories(Dir))
    return createStringError(EC, "cannot create %s", Dir.c_str());
  // llvm::writeToOutput writes aside and renames, as the launcher's
  // records are written: a reader (another hotc session of this build)
  // never sees half an entry.
  return writeToOutput(pathOf(Key), [&](raw_ostream &OS) {
    OS << toJson(Facts);
    return Error::success();
  });
}

size_t BaselineStore::removeStale() const {
  auto Limit = std::chrono::system_clock::now() - std::chrono::hours(24 * kStaleDays);
  size_t Removed = 0;
  std::error_code EC;
  for (sys::fs::directory_iterator It(Dir, EC), End; !EC && It != End;
       It.increment(EC)) {
    if (sys::path::extension(It->path()) != ".json")
      continue;
    sys::fs::file_status St;
    if (!sys::fs::status(It->path(), St) && St.getLastModificationTime() < Limit &&
        !sys::fs::remove(It->path()))
      ++Removed;
  }
  return Removed;
}

} // namespace hotc::jit
