// The disk as hotc's compiles and analyses read it: every file is read
// into memory, never mapped.
//
// Clang maps source files of 16 KiB and more, and trusts the page's zero
// tail as the buffer's terminator. Editors that save in place (truncate,
// then write) change a mapped file under a parse: grown, its tail is no
// longer zero and the lexer runs past the buffer; shrunk, the pages past
// the end fault. Seen: hotc died of SIGSEGV in Lexer::lexEditorPlaceholder
// during a background analysis of lua's lstrlib.c, rewritten by the next
// save. Read into memory, a file saved during the parse gives a torn text
// at worst, which the content hashes of what was parsed tell apart.
#pragma once

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/VirtualFileSystem.h"

namespace hotc::frontend {

// The real file system, reading every file into memory, its working
// directory Directory.
llvm::IntrusiveRefCntPtr<llvm::vfs::FileSystem>
createDiskFileSystem(llvm::StringRef Directory);

// A file as the disk holds it now, read the same way (a source, a header:
// what hotc hashes, diffs and snapshots of the files a user saves). Inline:
// the launcher, which has no Clang, reads its snapshots with it too.
inline llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>>
readFile(const llvm::Twine &Path) {
  return llvm::MemoryBuffer::getFile(Path, /*IsText=*/false,
                                     /*RequiresNullTerminator=*/true,
                                     /*IsVolatile=*/true);
}

} // namespace hotc::frontend
