// One translation unit kept warm between edits: its `#include` block
// compiled once into a precompiled preamble (in memory), reused by every
// edit below it, rebuilt when the include block or any header it read
// changes. Also remembers the text the process runs, so that an edit can be
// compiled for just the functions it touched.
#pragma once

#include "jit/tu_compiler.h"

#include "llvm/ADT/StringMap.h"

#include <memory>

namespace hotc::jit {

struct UnitCompileStats {
  bool PreambleBuilt = false;  // this compile (re)built the preamble
  bool Focused = false;        // only the touched functions were generated
  double PreambleMs = 0;
  size_t PreambleBytes = 0;
};

// Contents to compile instead of what is on disk, by absolute path.
using FileOverlay = llvm::StringMap<std::string>;

class UnitCompiler {
public:
  explicit UnitCompiler(frontend::CompileCommand Cmd);
  ~UnitCompiler();
  UnitCompiler(UnitCompiler &&) noexcept;

  const frontend::CompileCommand &command() const;

  // IR of the whole unit as it is on disk now, or as Overlay says its
  // files were (the build's snapshot).
  llvm::Expected<CompiledTu> compileAll(UnitCompileStats *Stats = nullptr,
                                        const FileOverlay *Overlay = nullptr);
  // IR of the functions the edit since the accepted text touched (the
  // module is then partial: CompiledTu::Partial), or of the whole unit when
  // the edit reached further.
  // Focused=false generates the whole unit whatever the edit (callers that
  // may hold an inlined copy of an edited function must be relinked too).
  // From: an older text whose differences are compiled too (the region
  // then covers the edits since it as well as the edit since the accepted
  // text).
  llvm::Expected<CompiledTu> compileEdit(UnitCompileStats *Stats = nullptr,
                                         bool Focused = true,
                                         const std::string *From = nullptr);
  // The text of the last compile is now what the process runs.
  void accept();
  // Text is what the process runs of the main file, known without a
  // compile (a stored baseline: the build's recorded text).
  void acceptText(std::string Text);
  // The main file's text the process runs (after accept()), if known: what
  // the compile read, whatever the disk holds by now.
  const std::optional<std::string> &acceptedText() const;
  // The main file's text the last compile read.
  const std::string &lastText() const;

  size_t preambleBytes() const;
  // Frees the preamble (memory bound); the next compile rebuilds it.
  void dropPreamble();

private:
  struct State;
  std::unique_ptr<State> S;
};

} // namespace hotc::jit
