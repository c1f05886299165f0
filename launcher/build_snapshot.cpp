#include "launcher/build_snapshot.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace hotc::driver {
namespace {

std::optional<std::string> readWhole(const Twine &Path) {
  auto Buf = MemoryBuffer::getFile(Path, /*IsText=*/false,
                                   /*RequiresNullTerminator=*/false);
  if (!Buf)
    return std::nullopt;
  return (*Buf)->getBuffer().str();
}

// One record: the source it names and its inputs' contents from the blobs,
// or why it cannot be used.
Expected<std::pair<std::string, SourceSnapshot>>
readRecord(StringRef RecordPath, StringRef BuildDir) {
  auto Unusable = [&](const Twine &Why) {
    return createStringError(inconvertibleErrorCode(), "%s: %s",
                             RecordPath.str().c_str(), Why.str().c_str());
  };
  auto Text = readWhole(RecordPath);
  if (!Text)
    return Unusable("cannot be read");
  auto V = json::parse(*Text);
  if (!V)
    return Unusable("not JSON (" + toString(V.takeError()) + ")");
  const json::Object *O = V->getAsObject();
  auto Source = O ? O->getString("source") : std::nullopt;
  const json::Object *Inputs = O ? O->getObject("inputs") : nullptr;
  if (!Source || !Inputs)
    return Unusable("no \"source\" or \"inputs\"");
  SourceSnapshot S;
  sys::fs::file_status St;
  if (sys::fs::status(RecordPath, St))
    return Unusable("its time cannot be read");
  S.RecordedAt = St.getLastModificationTime();
  for (const auto &[Path, Hash] : *Inputs) {
    auto H = Hash.getAsString();
    if (!H)
      return Unusable("the hash of " + Path.str() + " is not a string");
    SmallString<256> Blob(BuildDir);
    sys::path::append(Blob, ".hotc", "blobs", *H);
    auto Content = readWhole(Blob);
    if (!Content) // a snapshot with a hole would mislead
      return Unusable("the recorded content of " + Path.str() + " is missing");
    auto OnDisk = readWhole(Path.str());
    if (OnDisk != Content)
      S.EditedSince.push_back(Path.str());
    S.Contents[Path.str()] = std::move(*Content);
  }
  return std::make_pair(Source->str(), std::move(S));
}

} // namespace

BuildSnapshots readBuildSnapshots(const std::string &BuildDir,
                                  std::optional<sys::TimePoint<>> Since) {
  BuildSnapshots Out;
  SmallString<256> Dir(BuildDir);
  sys::path::append(Dir, ".hotc", "objects");
  std::error_code EC;
  for (sys::fs::directory_iterator It(Dir, EC), End; !EC && It != End;
       It.increment(EC)) {
    if (sys::path::extension(It->path()) != ".json")
      continue;
    sys::fs::file_status St;
    if (Since && (sys::fs::status(It->path(), St) ||
                  St.getLastModificationTime() < *Since))
      continue; // older (or gone): not asked for
    if (auto R = readRecord(It->path(), BuildDir))
      Out.Sources.try_emplace(R->first, std::move(R->second));
    else
      Out.Unreadable.push_back(toString(R.takeError()));
  }
  return Out;
}

} // namespace hotc::driver
