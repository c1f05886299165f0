#include "watch/debug_request.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Demangle/Demangle.h"

#include <set>

using namespace llvm;

namespace hotc::driver {
namespace {

struct Target {
  size_t Unit;
  std::string Symbol;
};

json::Object refused(std::string Why) {
  return json::Object{{"ok", false}, {"error", std::move(Why)}};
}

// "file.cpp:42" (a path and a line), not "ns::f".
bool splitFileLine(StringRef Spec, StringRef &File, unsigned &Line) {
  size_t Colon = Spec.rfind(':');
  if (Colon == StringRef::npos || Colon == 0 || Spec[Colon - 1] == ':')
    return false;
  File = Spec.take_front(Colon);
  return !Spec.drop_front(Colon + 1).getAsInteger(10, Line) && Line > 0;
}

// The functions Spec names, each with the unit of the session holding its
// code; an error names what could not be found.
Expected<std::vector<Target>> resolve(StringRef Spec, DebugContext &C) {
  StringRef File;
  unsigned Line = 0;
  bool ByLine = splitFileLine(Spec, File, Line);
  std::vector<jit::LiveDwarf::Function> Found =
      ByLine ? C.Link.dwarf().functionsAt(File, Line)
             : C.Link.dwarf().functionsNamed(Spec);
  if (Found.empty())
    return createStringError(
        inconvertibleErrorCode(),
        ByLine ? "no code of the process comes from %s (its DWARF has no line "
                 "there: build with -g, or the line holds no code)"
               : "no function named %s has code in the process (its DWARF "
                 "names none: build with -g, or it was inlined everywhere)",
        Spec.str().c_str());
  std::vector<Target> Out;
  for (const jit::LiveDwarf::Function &F : Found) {
    std::optional<size_t> U = C.Loop.unitOf(F.Unit);
    if (!U)
      return createStringError(inconvertibleErrorCode(),
                               "%s is compiled in %s, which this session does "
                               "not watch",
                               demangle(F.Symbol).c_str(), F.Unit.c_str());
    Out.push_back({*U, F.Symbol});
  }
  return Out;
}

using Wanted = std::set<std::pair<size_t, std::string>>;

Wanted wantedNow(const jit::PatchSession &S) {
  Wanted Out;
  for (const auto &[Unit, Symbols] : S.unoptimised())
    for (const auto &Sym : Symbols)
      Out.insert({Unit, Sym.getKey().str()});
  return Out;
}

// Turning off every function the newest live version deoptimised, and
// nothing else was wanted: undoing that version puts back exactly the code
// that ran before it (the build's own, at its own address).
bool undoesDeoptimisation(DebugContext &C, const Wanted &Before,
                          const Wanted &After) {
  const auto &Vs = C.Session.history().versions();
  Wanted Last(C.State.Deoptimised.begin(), C.State.Deoptimised.end());
  return C.State.DeoptimisedVersion && !Vs.empty() &&
         Vs.back().Version == C.State.DeoptimisedVersion &&
         Vs.back().State == jit::VersionState::Live && After.empty() &&
         Before == Last;
}

} // namespace

json::Value answerDebug(const json::Object &Request, DebugContext &C) {
  bool Off = Request.getBoolean("off").value_or(false);
  std::vector<Target> Targets;
  if (const json::Array *Specs = Request.getArray("functions"))
    for (const json::Value &V : *Specs) {
      std::optional<StringRef> Spec = V.getAsString();
      if (!Spec)
        return refused("functions are names or FILE:LINE strings");
      auto T = resolve(*Spec, C);
      if (!T)
        return refused(toString(T.takeError()));
      append_range(Targets, *T);
    }
  if (Off && Targets.empty()) // all of them
    for (const auto &[Unit, Symbols] : C.Session.unoptimised())
      for (const auto &S : Symbols)
        Targets.push_back({Unit, S.getKey().str()});
  if (Targets.empty())
    return refused(Off ? "no function runs unoptimised"
                       : "name a function, or FILE:LINE");
  json::Array Names;
  std::set<size_t> Units;
  Wanted Before = wantedNow(C.Session);
  for (const Target &T : Targets) {
    C.Session.setUnoptimised(T.Unit, T.Symbol, !Off);
    Names.push_back(demangle(T.Symbol));
    Units.insert(T.Unit);
  }
  C.Out.keep();
  if (Off && undoesDeoptimisation(C, Before, wantedNow(C.Session))) {
    auto Undone = C.Session.undo(1);
    if (!Undone)
      C.Out.error(Undone.takeError(), "patch");
    else
      C.Out.versionsChanged(*Undone, /*Undo=*/true);
  } else {
    C.Loop.relinkWhole(Units);
  }
  json::Array Events;
  bool Failed = false, Patched = false;
  for (json::Object &E : C.Out.takeKept()) {
    StringRef Kind = E.getString("event").value_or("");
    Failed |= Kind == "error";
    Patched |= Kind == "patched" || Kind == "undone";
    Events.push_back(std::move(E));
  }
  if (Failed) { // the next save must not try what failed now: as before
    for (const Target &T : Targets)
      C.Session.setUnoptimised(T.Unit, T.Symbol, Before.count({T.Unit, T.Symbol}) > 0);
  } else if (Patched) {
    C.State.DeoptimisedVersion = Off ? 0 : C.Session.version();
    C.State.Deoptimised.clear();
    if (!Off) // what this version deoptimised, nothing earlier
      for (const Target &T : Targets)
        C.State.Deoptimised.push_back({T.Unit, T.Symbol});
  }
  return json::Object{{"ok", true},
                      {"functions", std::move(Names)},
                      {"events", std::move(Events)}};
}

} // namespace hotc::driver
