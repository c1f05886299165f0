// What several test programs read from hotc's JSON output: the strings of
// an array member.
#pragma once

#include "llvm/Support/JSON.h"

#include <string>
#include <vector>

namespace hotc::test {

// The strings of O's array Key (other elements are left out); empty when
// O has no such array.
inline std::vector<std::string> strings(const llvm::json::Object &O, const char *Key) {
  std::vector<std::string> Out;
  if (const llvm::json::Array *A = O.getArray(Key))
    for (const llvm::json::Value &V : *A)
      if (auto S = V.getAsString())
        Out.push_back(S->str());
  return Out;
}

} // namespace hotc::test
