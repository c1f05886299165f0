#include "ninja-integration/log_versions.h"

#include "version.h" // kNinjaVersion

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

using namespace llvm;

namespace hotc::ninja {

namespace {

// ninja's headers: "# ninja log v5\n" (build_log.cc), and "# ninjadeps\n"
// followed by a 4-byte native-endian int (deps_log.cc).
const char BuildLogPrefix[] = "# ninja log v";
const char DepsLogSignature[] = "# ninjadeps\n";

struct FileCloser {
  void operator()(FILE *F) const { fclose(F); }
};
using File = std::unique_ptr<FILE, FileCloser>;

// Opens Path for reading; a null File with no error when it does not exist.
Expected<File> openIfPresent(const std::string &Path,
                             const std::string &Shown) {
  File F(fopen(Path.c_str(), "rb"));
  if (!F && errno != ENOENT)
    return createStringError(inconvertibleErrorCode(), "cannot read %s: %s",
                             Shown.c_str(), strerror(errno));
  return F;
}

Error versionMismatch(const std::string &Shown, const char *What, int Found,
                      int Wanted) {
  return createStringError(
      inconvertibleErrorCode(),
      "%s is a version %d %s, but hotc's ninja %s reads version %d only; "
      "hotc left it untouched. Use one ninja for both: rebuild hotc against "
      "the ninja that wrote it (scripts/setup fetches the installed one's "
      "source), or delete the file to let ninja %s start it over (everything "
      "it covers is then rebuilt once)",
      Shown.c_str(), Found, What, kNinjaVersion, Wanted, kNinjaVersion);
}

Error notALog(const std::string &Shown, const char *What) {
  return createStringError(inconvertibleErrorCode(),
                           "%s does not start with a ninja %s header; hotc "
                           "left it untouched. Delete it to let ninja start "
                           "over (everything it covers is then rebuilt once)",
                           Shown.c_str(), What);
}

} // namespace

int buildLogVersion() { return HOTC_NINJA_BUILD_LOG_VERSION; }
int depsLogVersion() { return HOTC_NINJA_DEPS_LOG_VERSION; }

Error checkBuildLogVersion(const std::string &Path, const std::string &Shown) {
  Expected<File> F = openIfPresent(Path, Shown);
  if (!F)
    return F.takeError();
  char Line[128];
  if (!*F || !fgets(Line, sizeof Line, F->get()))
    return Error::success();
  int Version = 0;
  char End = 0;
  size_t PrefixLen = sizeof BuildLogPrefix - 1;
  if (strncmp(Line, BuildLogPrefix, PrefixLen) != 0 ||
      sscanf(Line + PrefixLen, "%d%c", &Version, &End) != 2 || End != '\n')
    return notALog(Shown, "build log");
  if (Version != buildLogVersion())
    return versionMismatch(Shown, "ninja build log", Version,
                           buildLogVersion());
  return Error::success();
}

Error checkDepsLogVersion(const std::string &Path, const std::string &Shown) {
  Expected<File> F = openIfPresent(Path, Shown);
  if (!F)
    return F.takeError();
  if (!*F)
    return Error::success();
  const size_t SignatureLen = sizeof DepsLogSignature - 1;
  char Header[SignatureLen + sizeof(int32_t)];
  size_t Got = fread(Header, 1, sizeof Header, F->get());
  if (Got == 0)
    return Error::success();
  if (Got < sizeof Header || memcmp(Header, DepsLogSignature, SignatureLen))
    return notALog(Shown, "deps log");
  int32_t Version;
  memcpy(&Version, Header + SignatureLen, sizeof Version);
  if (Version != depsLogVersion())
    return versionMismatch(Shown, "ninja deps log", Version, depsLogVersion());
  return Error::success();
}

} // namespace hotc::ninja
