// Which build a running process comes from, as far as the launcher's
// records can tell. A process started before a rebuild (the build on disk
// catching up after patches, or the user's own ninja) still runs the code
// linked before it, while the records describe the newer compiles: taking
// them as its baseline would make hotc believe it runs code it does not,
// and leave its next edits unapplied without a word.
#pragma once

#include "launcher/build_snapshot.h"

#include <string>

namespace hotc::driver {

// Marks (SourceSnapshot::NotRunning) each record written after every
// binary of BuildDir that Pid maps was linked: none of them can hold it.
void markRecordsNotRunning(int Pid, const std::string &BuildDir,
                           llvm::StringMap<SourceSnapshot> &Snapshots);

} // namespace hotc::driver
