#include "ninja-integration/manifest_reader.h"

#include "version.h" // kNinjaVersion, ParseVersion

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace hotc::ninja {

namespace {

// The value of a top-level `ninja_required_version = X` line, or "".
std::string requiredVersion(StringRef Contents) {
  StringRef Key = "ninja_required_version";
  while (!Contents.empty()) {
    auto [Line, Rest] = Contents.split('\n');
    Contents = Rest;
    if (!Line.consume_front(Key))
      continue;
    Line = Line.ltrim(" ");
    if (Line.consume_front("="))
      return Line.trim(" \r").str();
  }
  return "";
}

// The same test as ninja's CheckNinjaVersion(), which exits on failure.
bool needsNewerNinja(const std::string &Required) {
  int OurMajor, OurMinor, FileMajor, FileMinor;
  ParseVersion(kNinjaVersion, &OurMajor, &OurMinor);
  ParseVersion(Required, &FileMajor, &FileMinor);
  return OurMajor < FileMajor ||
         (OurMajor == FileMajor && OurMinor < FileMinor);
}

} // namespace

FileReader::Status ManifestReader::ReadFile(const std::string &Path,
                                            std::string *Contents,
                                            std::string *Err) {
  SmallString<256> Absolute(Path);
  sys::fs::make_absolute(BuildDir, Absolute);
  // Stamped before reading: a rewrite that races with the read then still
  // shows as a change.
  Read.push_back(stampFile(Absolute.str().str()));
  FileReader::Status Result = Disk.ReadFile(Path, Contents, Err);
  if (Result != Okay)
    return Result;
  std::string Required = requiredVersion(*Contents);
  if (!Required.empty() && needsNewerNinja(Required)) {
    *Err = "it needs ninja " + Required +
           " (ninja_required_version) but "
           "hotc's ninja is " +
           kNinjaVersion +
           "; rebuild hotc with a newer "
           "ninja source (scripts/setup)";
    return OtherError;
  }
  return Okay;
}

} // namespace hotc::ninja
