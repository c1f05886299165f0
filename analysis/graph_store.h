// The stored index: one JSON file per unit under BUILD_DIR/.hotc/index/,
// named by a hash of the unit's main file, holding its FormIndex. Loading
// them all gives the static graph of the last analysis.
#pragma once

#include "analysis/static_graph.h"

#include "llvm/Support/Error.h"

#include <string>

namespace hotc::index {

std::string indexDirectory(llvm::StringRef BuildDir);

// A stored analysis in another format than this hotc writes.
class StaleIndexFormat : public llvm::ErrorInfo<StaleIndexFormat> {
public:
  static char ID;
  void log(llvm::raw_ostream &OS) const override {
    OS << "stored by another version of hotc";
  }
  std::error_code convertToErrorCode() const override {
    return llvm::inconvertibleErrorCode();
  }
};

llvm::Error saveUnit(llvm::StringRef IndexDir, const FormIndex &Unit);
// Deletes the stored analysis of a unit that left the build.
llvm::Error forgetUnit(llvm::StringRef IndexDir, llvm::StringRef MainFile);
llvm::Expected<FormIndex> loadUnit(llvm::StringRef Path);

// Every unit stored in IndexDir; an absent directory is an empty graph.
llvm::Expected<StaticGraph> loadGraph(llvm::StringRef IndexDir);

std::string toJson(const FormIndex &Unit);
llvm::Expected<FormIndex> fromJson(llvm::StringRef Text);

} // namespace hotc::index
