#include "watch/crash_report.h"

#include "jit/patch_session.h"

namespace hotc::driver {

CrashReport takeCrash(CrashRecord R, jit::PatchSession &Session) {
  CrashReport C;
  for (size_t I = 0; I < R.Frames.size(); ++I) {
    CrashFrame F{R.Frames[I], Session.locate(R.Frames[I], I > 0)};
    if (F.Patched && !C.Fault)
      C.Fault = F.Patched;
    C.Frames.push_back(std::move(F));
  }
  if (R.RolledBack) {
    if (auto L = Session.locate(R.Left, false))
      C.LeftFunction = L->Where.Function;
    C.UndoneUnits = Session.rollBack(R.Undone);
  }
  C.Record = std::move(R);
  return C;
}

} // namespace hotc::driver
