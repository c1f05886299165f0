#include "jit/patch_transaction.h"

#include <cassert>

namespace hotc::jit {

PatchTransaction::~PatchTransaction() {
  if (Now == State::Live)
    return;
  for (Unit &U : Units) {
    Link.unpublish(U.Path, *U.Published);
    if (Now == State::Linked)
      Link.discard(*U.Object);
  }
}

void PatchTransaction::linked(const std::string &Unit, LinkedObject &Object,
                              const std::vector<CreatedSymbol> &Published) {
  assert(Now == State::Linked && "units are linked before anything runs");
  Units.push_back({Unit, &Object, &Published});
}

void PatchTransaction::mayHaveRun() {
  assert(Now != State::Live);
  Now = State::Ran;
}

void PatchTransaction::goneLive() {
  assert(Now != State::Live && "a patch goes live once");
  Now = State::Live;
}

} // namespace hotc::jit
