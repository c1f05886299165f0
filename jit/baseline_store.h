// What hotc learned of a unit's baseline, kept across runs of `hotc watch`
// in BUILD_DIR/.hotc/baselines/: a unit's baseline is the costly part of
// its first save (a whole compile of what the build compiled), and its
// facts depend on nothing but that compile's inputs. A restart finds them
// here and compiles nothing that did not change.
//
// An entry is named by the content of everything the baseline is a
// function of: the compile command, the text of every input the launcher
// recorded (main file and headers), and this hotc binary with the Clang
// and LLVM libraries it loaded (its hashes and Clang's view change with
// them). No entry is ever updated; a changed input
// is a different key. Entries unused for kStaleDays are removed.
#pragma once

#include "jit/function_hash.h"
#include "jit/identity_binding.h"
#include "jit/layout_check.h"
#include "jit/tu_compiler.h"
#include "jit/unit_compiler.h"

#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace hotc::jit {

// The facts of one baseline that outlive the compile (UnitState holds
// them, with the warm compiler that does not outlive the run).
struct BaselineFacts {
  FunctionHashes Live;
  TypeLayouts LiveLayouts;
  BaselineStatics LiveStatics;
  std::vector<std::string> Inputs; // absolute, without dots
  unsigned OptLevel = 0;
  // Functions of external linkage the unit defines: whether it is part of
  // a given process is decided from them (and its internal symbols).
  std::vector<std::string> ExternalFunctions;
};

class BaselineStore {
public:
  static constexpr unsigned kFormatVersion = 1;
  static constexpr unsigned kStaleDays = 30;

  // Dir: BUILD_DIR/.hotc/baselines (created on the first save).
  explicit BaselineStore(std::string Dir);

  // The key of the baseline compiled by Cmd from BuildText (the
  // launcher's record: path -> content of every input).
  static std::string keyOf(const frontend::CompileCommand &Cmd, const FileOverlay &BuildText);

  // nullopt: no entry. An error: an entry that cannot be read (its unit's
  // baseline is compiled again, and the entry replaced).
  llvm::Expected<std::optional<BaselineFacts>> find(llvm::StringRef Key) const;
  llvm::Error save(llvm::StringRef Key, const BaselineFacts &Facts) const;
  // Removes entries not used for kStaleDays; returns how many.
  size_t removeStale() const;

  const std::string &directory() const { return Dir; }

private:
  std::string pathOf(llvm::StringRef Key) const;
  std::string Dir;
};

} // namespace hotc::jit
