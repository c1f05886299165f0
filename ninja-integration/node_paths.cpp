#include "ninja-integration/node_paths.h"

#include "state.h"
#include "util.h" // CanonicalizePath

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace hotc::ninja {

namespace {

// Path relative to Base, lexically ("../src/a.cpp"), as Meson and depfiles
// of relative include directories spell it.
std::string relativeTo(StringRef Base, StringRef Path) {
  auto B = sys::path::begin(Base), BEnd = sys::path::end(Base);
  auto P = sys::path::begin(Path), PEnd = sys::path::end(Path);
  while (B != BEnd && P != PEnd && *B == *P) {
    ++B;
    ++P;
  }
  SmallString<256> Relative;
  for (; B != BEnd; ++B)
    sys::path::append(Relative, "..");
  for (; P != PEnd; ++P)
    sys::path::append(Relative, *P);
  return Relative.str().str();
}

// The form ninja stores paths in (it canonicalises every path it reads).
std::string canonical(std::string Path) {
  uint64_t SlashBits;
  if (!Path.empty())
    CanonicalizePath(&Path, &SlashBits);
  return Path;
}

} // namespace

std::vector<Node *> nodesOf(const State &Graph, const std::string &BuildDir,
                            const std::string &Path) {
  std::vector<Node *> Found;
  for (const std::string &Spelling :
       {canonical(Path), canonical(relativeTo(BuildDir, Path))}) {
    Node *N = Spelling.empty() ? nullptr : Graph.LookupNode(Spelling);
    if (N && !is_contained(Found, N))
      Found.push_back(N);
  }
  return Found;
}

std::string absolutePath(const std::string &BuildDir,
                         const std::string &NinjaPath) {
  if (sys::path::is_absolute(NinjaPath))
    return NinjaPath;
  SmallString<256> Path(BuildDir);
  sys::path::append(Path, NinjaPath);
  sys::path::remove_dots(Path, /*remove_dot_dot=*/true);
  return Path.str().str();
}

std::string normalizedPath(const std::string &Path) {
  SmallString<256> Out(Path);
  sys::fs::make_absolute(Out);
  sys::path::remove_dots(Out, /*remove_dot_dot=*/true);
  return Out.str().str();
}

} // namespace hotc::ninja
