#include "analysis/source_files.h"

#include "analysis/form_index.h"

namespace hotc::index {

const std::string &ProjectFiles::pathOf(clang::FileID File) {
  auto [It, Inserted] = Cache.try_emplace(File);
  if (!Inserted)
    return It->second;
  auto Entry = SM.getFileEntryRefForID(File);
  if (!Entry || clang::SrcMgr::isSystem(SM.getFileCharacteristic(
                    SM.getLocForStartOfFile(File))))
    return It->second;
  llvm::StringRef Real = Entry->getFileEntry().tryGetRealPathName();
  std::string Path = Real.empty() ? Entry->getName().str() : Real.str();
  if (isProjectFile(Path))
    It->second = std::move(Path);
  return It->second;
}

const std::string &ProjectFiles::pathAt(clang::SourceLocation Loc) {
  static const std::string None;
  if (Loc.isInvalid())
    return None;
  return pathOf(SM.getFileID(SM.getExpansionLoc(Loc)));
}

} // namespace hotc::index
