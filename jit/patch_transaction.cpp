#include "jit/patch_transaction.h"

#include "llvm/Support/raw_ostream.h"

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
  for (const Move &M : Moves)
    if (llvm::Error E = Link.bindLiveSymbol(M.Path, M.Name, M.OldAddress,
                                            M.Local, /*IsFunction=*/false))
      // A destructor cannot return it; a later patch binding to the wrong
      // storage must not go unsaid.
      llvm::errs() << "hotc: " << M.Name << " could not be bound to its old "
                   << "storage again: " << llvm::toString(std::move(E)) << "\n";
}

void PatchTransaction::moved(const std::string &Unit, const GlobalMove &M) {
  assert(Now == State::Linked && "globals move while units are linked");
  Moves.push_back({Unit, M.Name, M.Local, M.OldAddress});
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
