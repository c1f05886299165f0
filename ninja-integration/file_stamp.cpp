#include "ninja-integration/file_stamp.h"

#include "llvm/Support/FileSystem.h"

using namespace llvm;

namespace hotc::ninja {

FileStamp stampFile(const std::string &Path) {
  FileStamp Stamp;
  Stamp.Path = Path;
  sys::fs::file_status Status;
  if (sys::fs::status(Path, Status) || !sys::fs::exists(Status))
    return Stamp;
  Stamp.Exists = true;
  Stamp.Modified = Status.getLastModificationTime();
  Stamp.Size = Status.getSize();
  Stamp.ID = Status.getUniqueID();
  return Stamp;
}

bool fileChanged(const FileStamp &Old) {
  FileStamp Now = stampFile(Old.Path);
  return Now.Exists != Old.Exists || Now.Modified != Old.Modified ||
         Now.Size != Old.Size || Now.ID != Old.ID;
}

} // namespace hotc::ninja
