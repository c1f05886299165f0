#include "watch/terminal_keys.h"

#include <cerrno>
#include <unistd.h>

namespace hotc::driver {

std::unique_ptr<TerminalKeys> TerminalKeys::open() {
  termios Now;
  if (!isatty(0) || tcgetattr(0, &Now) != 0)
    return nullptr;
  termios Keys = Now;
  Keys.c_lflag &= ~(ICANON | ECHO); // ISIG stays: Ctrl-C still ends hotc
  Keys.c_cc[VMIN] = 0;
  Keys.c_cc[VTIME] = 0;
  if (tcsetattr(0, TCSANOW, &Keys) != 0)
    return nullptr;
  return std::unique_ptr<TerminalKeys>(new TerminalKeys(Now));
}

TerminalKeys::~TerminalKeys() { tcsetattr(0, TCSANOW, &Saved); }

std::string TerminalKeys::take() {
  char Buf[64];
  ssize_t N;
  do
    N = read(0, Buf, sizeof(Buf));
  while (N < 0 && errno == EINTR);
  return N > 0 ? std::string(Buf, static_cast<size_t>(N)) : std::string();
}

} // namespace hotc::driver
