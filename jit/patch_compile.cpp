// The first step of PatchSession::apply: each unit of the patch compiled
// from its saved text, its functions hashed and its layouts compared. A
// header edit reaches several units; they compile in parallel, as each has
// its own compiler, preamble and LLVMContext.
#include "jit/patch_session.h"

#include "jit/function_hash.h"
#include "jit/layout_check.h"
#include "jit/patch_prepared.h"
#include "jit/unit_baseline.h"

#include "llvm/Support/ThreadPool.h"

using namespace llvm;

namespace hotc::jit {

namespace {

// What one unit's compile gives the merge, in the order of the patch.
struct UnitEdit {
  UnitCompileStats Stats;
  Error Failure = Error::success();
};

} // namespace

void PatchSession::takeCompiled(UnitState &U, Prepared &P, CompiledTu Tu) {
  U.OptLevel = Tu.OptLevel;
  if (!Tu.Partial)
    U.Inputs = absoluteInputs(Tu.Inputs, U.Command.Directory);
  P.Hashes = canonicalFunctionHashes(*Tu.Module);
  P.Layouts = typeLayoutsOf(*Tu.Module);
  P.LayoutChanges = changedLayouts(*Tu.Module, U.LiveLayouts, P.Layouts);
  P.Tu = std::move(Tu);
}

Error PatchSession::compileEdits(const std::vector<size_t> &Indices,
                                 const PatchRequest &Req,
                                 std::vector<Prepared> &Prep, PatchReport &R) {
  for (size_t I : Indices)
    if (!Units[I].Loaded) // the caller loads what it patches
      return createStringError(inconvertibleErrorCode(),
                               "%s: no baseline to patch against",
                               Units[I].Command.File.c_str());
  std::vector<UnitEdit> Edits(Indices.size());
  // Each task writes only its unit and its own slots.
  auto CompileOne = [&](size_t K) {
    UnitState &U = Units[Indices[K]];
    const UnitRequest &Asked = requestOf(Req, Indices[K]);
    bool Focus = !U.RolledBack && !(U.OptLevel > 0 && Req.Inlining) &&
                 !Asked.CompileWhole;
    const std::string *From = Asked.FocusFrom;
    auto Tu = U.Compiler->compileEdit(&Edits[K].Stats, Focus, From);
    if (!Tu) {
      Edits[K].Failure = Tu.takeError();
      return;
    }
    takeCompiled(U, Prep[K], std::move(*Tu));
  };
  if (Indices.size() == 1) {
    CompileOne(0); // no thread for the common case
  } else {
    DefaultThreadPool Pool(hardware_concurrency());
    for (size_t K = 0; K < Indices.size(); ++K)
      Pool.async([&, K] { CompileOne(K); });
    Pool.wait();
  }
  // The first failure in the patch's order is the answer; the others are
  // dropped with it (the save failed either way). Touched only now: the
  // preamble limit must not drop a preamble a compile is using.
  Error First = Error::success();
  for (size_t K = 0; K < Indices.size(); ++K) {
    touch(Indices[K]);
    R.Focused &= Edits[K].Stats.Focused;
    R.Ms.Preamble += Edits[K].Stats.PreambleMs;
    if (!First && Edits[K].Failure)
      First = std::move(Edits[K].Failure);
    else // one failure answers a save: nothing is applied, and the
         // next save compiles these units again and says theirs
      consumeError(std::move(Edits[K].Failure));
    R.Units.push_back(Units[Indices[K]].Command.File);
  }
  return First;
}

} // namespace hotc::jit
