#include "frontend/disk_file_system.h"

using namespace llvm;

namespace hotc::frontend {
namespace {

// An open file whose buffer is always read, never mapped: volatile in
// MemoryBuffer's terms (the file may change while it is read).
class ReadFile : public vfs::File {
public:
  explicit ReadFile(std::unique_ptr<vfs::File> Inner) : Inner(std::move(Inner)) {}

  ErrorOr<vfs::Status> status() override { return Inner->status(); }
  ErrorOr<std::string> getName() override { return Inner->getName(); }
  ErrorOr<std::unique_ptr<MemoryBuffer>>
  getBuffer(const Twine &Name, int64_t FileSize, bool RequiresNullTerminator,
            bool /*IsVolatile*/) override {
    return Inner->getBuffer(Name, FileSize, RequiresNullTerminator,
                            /*IsVolatile=*/true);
  }
  std::error_code close() override { return Inner->close(); }

private:
  std::unique_ptr<vfs::File> Inner;
};

class DiskFileSystem : public vfs::ProxyFileSystem {
public:
  DiskFileSystem()
      : ProxyFileSystem(IntrusiveRefCntPtr<vfs::FileSystem>(
            vfs::createPhysicalFileSystem().release())) {}

  ErrorOr<std::unique_ptr<vfs::File>> openFileForRead(const Twine &Path) override {
    auto F = ProxyFileSystem::openFileForRead(Path);
    if (!F)
      return F.getError();
    return std::unique_ptr<vfs::File>(std::make_unique<ReadFile>(std::move(*F)));
  }
};

} // namespace

IntrusiveRefCntPtr<vfs::FileSystem> createDiskFileSystem(StringRef Directory) {
  auto FS = makeIntrusiveRefCnt<DiskFileSystem>();
  FS->setCurrentWorkingDirectory(Directory);
  return FS;
}

} // namespace hotc::frontend
