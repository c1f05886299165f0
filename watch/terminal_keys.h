// Keys pressed in the terminal of `hotc watch` (u undo, r redo, p pause or
// resume, R reload the file saved last, q quit: watch/event_loop.cpp). Only
// when hotc's stdin is a terminal it does not share with the program it
// watches (`--pid`): a program started with --exec reads that terminal
// itself. The terminal is put in non-canonical mode without echo while
// watching, and restored after.
#pragma once

#include <memory>
#include <string>
#include <termios.h>

namespace hotc::driver {

class TerminalKeys {
public:
  // Null when stdin is not a terminal (or cannot be set up).
  static std::unique_ptr<TerminalKeys> open();
  ~TerminalKeys(); // the terminal's settings as they were
  TerminalKeys(const TerminalKeys &) = delete;
  TerminalKeys &operator=(const TerminalKeys &) = delete;

  int fd() const { return 0; }
  // The keys waiting (none when the terminal hung up).
  std::string take();

private:
  explicit TerminalKeys(const termios &Saved) : Saved(Saved) {}
  termios Saved;
};

} // namespace hotc::driver
