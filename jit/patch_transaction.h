// The clean-up a patch owes until it is live. A patch links every unit,
// runs the initialisers of new globals, then re-points the old entries;
// any failure before the entries are re-pointed must leave the process and
// the session as they were ("nothing applied"):
//
//   linked       discard every linked object, withdraw published symbols,
//                bind moved globals to their old storage again
//   ran          (initialisers ran, or the re-pointing was attempted)
//                withdraw published symbols; the objects stay mapped (an
//                initialiser may have handed out pointers into them), but
//                nothing reaches them and later patches do not bind to them;
//                moved globals are bound to their old storage again (the
//                old code, still running, never stopped using it)
//   live         nothing to undo: the process runs the new code
//
// The destructor rolls back whatever the state requires unless goneLive()
// was called, so every early return of PatchSession::apply is safe.
#pragma once

#include "jit/global_moves.h"
#include "jit/link_session.h"

#include <string>
#include <vector>

namespace hotc::jit {

class PatchTransaction {
public:
  explicit PatchTransaction(LinkSession &Link) : Link(Link) {}
  ~PatchTransaction();
  PatchTransaction(const PatchTransaction &) = delete;
  PatchTransaction &operator=(const PatchTransaction &) = delete;

  // A unit's linked object and the symbols it published, owned until live.
  // Both must outlive the transaction.
  void linked(const std::string &Unit, LinkedObject &Object,
              const std::vector<CreatedSymbol> &Published);
  // A global of Unit now bound to its new storage (M.NewAddress).
  void moved(const std::string &Unit, const GlobalMove &M);
  // Initialisers are about to run: from now on the objects stay mapped.
  void mayHaveRun();
  // The entries are re-pointed: the patch is applied.
  void goneLive();

private:
  struct Unit {
    std::string Path;
    LinkedObject *Object;
    const std::vector<CreatedSymbol> *Published;
  };
  enum class State { Linked, Ran, Live };
  struct Move {
    std::string Path, Name;
    bool Local;
    uint64_t OldAddress;
  };
  LinkSession &Link;
  std::vector<Unit> Units;
  std::vector<Move> Moves;
  State Now = State::Linked;
};

} // namespace hotc::jit
