// Which files of a parse belong to the project (the user's own sources and
// headers), by real path. Only those are split into forms.
#pragma once

#include "clang/Basic/SourceManager.h"
#include "llvm/ADT/DenseMap.h"

#include <string>

namespace hotc::index {

class ProjectFiles {
public:
  explicit ProjectFiles(const clang::SourceManager &SM) : SM(SM) {}
  // The real path of File, or "" when it is a system header, a compiler
  // buffer, or not a file.
  const std::string &pathOf(clang::FileID File);
  // Where D is declared, by expansion location; "" outside the project.
  const std::string &pathAt(clang::SourceLocation Loc);

private:
  const clang::SourceManager &SM;
  llvm::DenseMap<clang::FileID, std::string> Cache;
};

} // namespace hotc::index
