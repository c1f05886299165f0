#include "watch/status_line.h"

#include "llvm/Demangle/Demangle.h"
#include "llvm/Support/FormatVariadic.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sys/ioctl.h>
#include <unistd.h>

using namespace llvm;

namespace hotc::driver {
namespace {

// ESC 7 / ESC 8 save and restore the cursor; CSI T;B r sets the scroll
// region (and homes the cursor, hence the save around it); CSI 2K clears
// the line.
constexpr const char *kSave = "\0337", *kRestore = "\0338";

std::string firstFunction(const json::Object &E) {
  if (const json::Array *F = E.getArray("functions"); F && !F->empty())
    if (auto S = (*F)[0].getAsString())
      return demangle(*S) +
             (F->size() > 1 ? formatv(" and {0} more", F->size() - 1).str() : "");
  return "";
}

std::string outcome(const json::Object &E) {
  StringRef Name = E.getString("event").value_or("");
  if (Name == "patched") {
    std::string S = "patched " + firstFunction(E);
    if (const json::Object *Ms = E.getObject("ms"))
      if (auto T = Ms->getNumber("total"))
        S += formatv(" in {0:f0} ms", *T).str();
    return S;
  }
  if (Name == "error")
    return "refused (" + E.getString("kind").value_or("error").str() + ")";
  if (Name == "crashed")
    return "crashed in " + E.getString("function").value_or("?").str();
  return Name.str(); // unchanged, undone, redone, ignored, pending
}

} // namespace

std::string statusText(const StatusFacts &F) {
  std::string S = formatv("hotc: watching {0} unit{1}", F.Units,
                          F.Units == 1 ? "" : "s");
  S += F.Version ? formatv(" · version {0}", F.Version).str() : " · no patch yet";
  if (F.Last)
    S += " · " + outcome(*F.Last);
  if (F.Held)
    S += formatv(" · {0} save{1} held", F.Held, F.Held == 1 ? "" : "s").str();
  if (F.Paused)
    S += " · paused (p resumes)";
  if (F.RebuildFiles)
    S += formatv(" · rebuilding {0} file{1} on disk", F.RebuildFiles,
                 F.RebuildFiles == 1 ? "" : "s")
             .str();
  if (F.Analyses)
    S += formatv(" · analysing {0} unit{1}", F.Analyses,
                 F.Analyses == 1 ? "" : "s")
             .str();
  return S;
}

std::unique_ptr<StatusLine> StatusLine::open(int Fd) {
  const char *Term = getenv("TERM");
  if (!isatty(Fd) || !Term || !*Term || strcmp(Term, "dumb") == 0)
    return nullptr;
  std::unique_ptr<StatusLine> L(new StatusLine(Fd));
  // A cursor on the last row would be under the line: move what is there
  // up one row first.
  L->put("\n\033[A");
  if (!L->fit())
    return nullptr;
  return L;
}

StatusLine::~StatusLine() {
  put(formatv("{0}\033[r\033[{1};1H\033[2K{2}", kSave, Rows, kRestore).str());
}

bool StatusLine::fit() {
  winsize W{};
  if (ioctl(Fd, TIOCGWINSZ, &W) != 0 || W.ws_row < 4 || W.ws_col < 20)
    return false;
  if (W.ws_row == Rows && W.ws_col == Cols)
    return true;
  Rows = W.ws_row;
  Cols = W.ws_col;
  put(formatv("{0}\033[1;{1}r{2}", kSave, Rows - 1, kRestore).str());
  Shown.clear(); // a resized terminal may have lost it
  return true;
}

void StatusLine::draw(const std::string &Text) {
  if (!fit() || Text == Shown)
    return;
  Shown = Text;
  // Cut to the width, counting the UTF-8 lead bytes as characters.
  std::string Cut;
  unsigned Chars = 0;
  for (char C : Text) {
    bool Lead = (static_cast<unsigned char>(C) & 0xC0) != 0x80;
    if (Lead && ++Chars >= Cols)
      break;
    Cut += C;
  }
  put(formatv("{0}\033[{1};1H\033[2K\033[7m{2}\033[0m{3}", kSave, Rows, Cut,
              kRestore)
          .str());
}

void StatusLine::put(const std::string &Bytes) {
  for (size_t Done = 0; Done < Bytes.size();) {
    ssize_t N = write(Fd, Bytes.data() + Done, Bytes.size() - Done);
    if (N < 0 && errno == EINTR)
      continue;
    if (N <= 0)
      return; // the terminal went away: nothing to keep
    Done += static_cast<size_t>(N);
  }
}

} // namespace hotc::driver
