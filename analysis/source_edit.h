// Which stored forms a save touched, decided from the two texts alone (no
// parse): a raw token diff of the file as last analysed against the file
// as saved, mapped onto the forms' byte offsets. `hotc watch` uses it to
// seed the rebuild-set query within milliseconds of a save.
#pragma once

#include "analysis/form.h"
#include "analysis/form_diff.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"

#include <vector>

namespace hotc::index {

struct SourceEdit {
  bool Changed = false; // some token differs (whitespace/comments do not count)
  // The stored forms the edit touched, all ChangeKind::Edited; After's
  // hashes are made to differ from Before's where the edit reaches them.
  std::vector<FormChange> Changes;
  // A changed token lies in no form (an #include, a declaration, a new
  // form...): the caller cannot tell what it means without a parse.
  bool OutsideForms = false;
  unsigned FirstLine = 0; // 1-based line, in After, of the first changed token (0 when !Changed)
};

// Before: the text the forms describe; After: the text saved now.
SourceEdit diffSource(llvm::StringRef Before, llvm::StringRef After,
                      llvm::ArrayRef<Form> FormsOfFile);

} // namespace hotc::index
