// Which build a running process comes from, as far as its mappings and
// the launcher's records can tell. A process started before a rebuild (the
// build on disk catching up after patches, or the user's own ninja) still
// runs the code linked before it, while the records describe the newer
// compiles: taking them as its baseline would make hotc believe it runs
// code it does not, and leave its next edits unapplied without a word.
#pragma once

#include "launcher/build_snapshot.h"

#include <string>
#include <vector>

namespace hotc::driver {

// The running executable as ninja names it: its path, without the
// " (deleted)" the kernel adds once a relink replaced the file.
std::string executablePath(int Pid);

// The binaries of Dir (a real path) that Pid maps, each once: its
// executable first when it is one of them, then its libraries.
std::vector<std::string> binariesOf(int Pid, const std::string &Dir);

// Marks (SourceSnapshot::NotRunning) each record written after every
// binary of BuildDir that Pid maps was linked: none of them can hold it.
void markRecordsNotRunning(int Pid, const std::string &BuildDir,
                           llvm::StringMap<SourceSnapshot> &Snapshots);

} // namespace hotc::driver
