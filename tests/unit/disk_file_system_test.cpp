#include "frontend/disk_file_system.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <string>

namespace {

void writeInPlace(const std::string &Path, const std::string &Text) {
  std::ofstream(Path, std::ios::trunc) << Text; // truncate, then write
}

// A source larger than Clang's mapping threshold (16 KiB) whose size is not
// a multiple of the page: the size at which MemoryBuffer would map it and
// rely on the page's zero tail for its terminator.
std::string bigSource(char Fill) {
  return std::string(20000 + 123, Fill);
}

// What a parse holds must be what the file held when it was read: a save in
// place (an editor that truncates and writes) must not change it under the
// lexer, nor take its terminator. With Clang's own physical file system the
// buffer is a mapping of the file and shows the new bytes.
TEST(DiskFileSystem, ASaveInPlaceDoesNotChangeABufferBeingParsed) {
  char Dir[] = "/tmp/hotc-disk-XXXXXX";
  ASSERT_TRUE(mkdtemp(Dir));
  std::string File = std::string(Dir) + "/big.c";
  writeInPlace(File, bigSource('a'));
  auto FS = hotc::frontend::createDiskFileSystem(Dir);
  auto Buf = FS->getBufferForFile("big.c");
  ASSERT_TRUE(Buf) << Buf.getError().message();
  writeInPlace(File, bigSource('b') + "longer");
  llvm::StringRef Held = (*Buf)->getBuffer();
  EXPECT_EQ(Held.size(), bigSource('a').size());
  EXPECT_EQ(Held.front(), 'a'); // short failure messages: the texts are long
  EXPECT_TRUE(Held == bigSource('a'));
  EXPECT_EQ(*Held.end(), '\0');
  // The same for a file read outside a compile (hashes, diffs, snapshots).
  auto Read = hotc::frontend::readFile(File);
  ASSERT_TRUE(Read);
  writeInPlace(File, bigSource('c'));
  EXPECT_EQ((*Read)->getBuffer().front(), 'b');
  EXPECT_TRUE((*Read)->getBuffer() == bigSource('b') + "longer");
  std::system(("rm -rf '" + std::string(Dir) + "'").c_str());
}

} // namespace
