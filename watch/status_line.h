// The last line of hotc's terminal, kept for the session's state
// ("hotc: watching 3 units · version 4 · patched step() in 38 ms"). The
// rows above it are made the terminal's scroll region, so the program's
// output and hotc's own lines scroll there and never over it. Each redraw
// is one write(): the terminal takes it whole, so output of the program
// cannot land between moving the cursor down and putting it back.
#pragma once

#include "llvm/Support/JSON.h"

#include <memory>
#include <optional>
#include <string>

namespace hotc::driver {

// What the line says.
struct StatusFacts {
  size_t Units = 0;
  unsigned Version = 0; // the last applied (0: none yet)
  std::optional<llvm::json::Object> Last; // the last outcome event
  size_t Held = 0;                         // saves waiting
  bool Paused = false;
  // Background work: files the build on disk has yet to catch up with,
  // units the static graph has yet to analyse.
  size_t RebuildFiles = 0;
  size_t Analyses = 0;
};

std::string statusText(const StatusFacts &F);

class StatusLine {
public:
  // Null unless Fd is a terminal of at least 4 rows and TERM is not dumb.
  static std::unique_ptr<StatusLine> open(int Fd);
  ~StatusLine(); // the whole screen scrolls again, the line is cleared
  StatusLine(const StatusLine &) = delete;
  StatusLine &operator=(const StatusLine &) = delete;

  // Shows Text (cut to the width), when it or the terminal's size changed.
  void draw(const std::string &Text);

private:
  explicit StatusLine(int Fd) : Fd(Fd) {}
  // Reads the size; sets the scroll region when it changed. False when
  // the terminal became too small to give up a line.
  bool fit();
  void put(const std::string &Bytes);

  int Fd;
  unsigned short Rows = 0, Cols = 0;
  std::string Shown;
};

} // namespace hotc::driver
