// The forms of one translation unit (its main file and every project header
// it includes) and the edges between them, from an in-process Clang 19 parse
// with the build's own command.
#pragma once

#include "llvm/ADT/StringMap.h"

#include "analysis/form.h"
#include "frontend/compile_command.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"

#include <optional>
#include <string>
#include <vector>

namespace hotc::index {

struct FormIndex {
  std::string MainFile;
  uint64_t CommandHash = 0; // of the compile command: flags change meaning
  uint64_t InputsHash = 0;  // of the project files read (paths and contents)
  std::vector<std::string> Inputs; // project files read, main file first
  std::vector<uint64_t> InputHashes; // hashString of each input as parsed
  std::vector<Form> Forms;
  std::vector<Edge> Edges;
  // Macros (form ids) expanded or tested outside every form, as in `#if
  // FAST`: a change of one may change anything in the unit.
  std::vector<std::string> UnitMacros;

  const Form *find(const std::string &Id) const;
};

// A project file is one the user edits: not under /usr/ and not a
// compiler-provided buffer.
bool isProjectFile(llvm::StringRef Path);

uint64_t commandHash(const frontend::CompileCommand &Cmd);

// Hash of the current contents of Inputs (as on disk now); compared with
// FormIndex::InputsHash to skip units whose inputs did not change.
uint64_t inputsHash(const std::vector<std::string> &Inputs);
// The same from hashes known already (HashOf: nullopt for an unreadable
// file), so that a file read by many units is read once.
uint64_t inputsHash(const std::vector<std::string> &Inputs,
                    llvm::function_ref<std::optional<uint64_t>(const std::string &)> HashOf);

// Parses the unit (syntax only) and splits it into forms. A parse error is
// a frontend::CompileFailure with file:line:col. Texts (path -> content), when
// given, are read instead of those files on disk: the analysis then
// describes the text the process runs, not a save that came later.
llvm::Expected<FormIndex>
indexTranslationUnit(const frontend::CompileCommand &Cmd,
                     const llvm::StringMap<std::string> *Texts = nullptr);

} // namespace hotc::index
