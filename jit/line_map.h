// Which line of the text the process runs a line of an edited text is.
#pragma once

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <utility>
#include <vector>

namespace hotc::jit {

// Lines of a new text mapped onto the text the process runs: the lines a
// line diff keeps, and those of a run of lines the edit replaced by as
// many (a line edited in place is still that line).
class LineMap {
public:
  LineMap(llvm::StringRef Running, llvm::StringRef New);
  // The running text's line of the new text's Line; nullopt when the edit
  // rewrote it.
  std::optional<unsigned> runningLine(unsigned Line) const;
  // Whether the edit added Line between lines it kept (not in place of
  // others): what is written on it is new.
  bool inserted(unsigned Line) const;
  // The running text's lines First..Last that the edit replaced by the run
  // of new lines holding Line; First > Last when Line was kept or inserted.
  std::pair<unsigned, unsigned> replacedLines(unsigned Line) const;

private:
  std::vector<unsigned> RunningOf; // by line of the new text; 0: none
  std::vector<bool> Inserted;
  std::vector<std::pair<unsigned, unsigned>> Replaced; // by line of the new text
};

} // namespace hotc::jit
