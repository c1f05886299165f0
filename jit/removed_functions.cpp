#include "jit/removed_functions.h"

#include "llvm/Demangle/Demangle.h"
#include "llvm/IR/Instruction.h"
#include "llvm/Support/Path.h"

#include <set>

using namespace llvm;

namespace hotc::jit {

char RemovedStillUsed::ID;

void RemovedStillUsed::log(raw_ostream &OS) const {
  for (size_t I = 0; I < Functions.size(); ++I) {
    const Removed &R = Functions[I];
    OS << (I ? "\n" : "") << Unit << ": " << demangle(R.Symbol)
       << " was removed but is still used by ";
    for (size_t U = 0; U < R.Users.size(); ++U)
      OS << (U ? ", " : "") << R.Users[U];
  }
  OS << "; nothing was applied (restore it, or remove its uses in the same save)";
}

namespace {

bool defines(const Module &M, StringRef Symbol) {
  const Function *F = M.getFunction(Symbol);
  return F && !F->isDeclaration();
}

// Functions of M whose code still calls or takes the address of Symbol.
void callersIn(const RecompiledUnit &U, StringRef Symbol,
               std::vector<std::string> &Out) {
  const Function *F = U.Now->getFunction(Symbol);
  if (!F || !F->isDeclaration())
    return;
  std::set<std::string> Users;
  for (const User *Use : F->users())
    if (auto *I = dyn_cast<Instruction>(Use)) {
      std::string Name = demangle(I->getFunction()->getName());
      Users.insert(Name.find('(') == std::string::npos ? Name + "()" : Name);
    }
  for (const std::string &Name : Users)
    Out.push_back(Name + " (" + sys::path::filename(*U.File).str() + ")");
}

} // namespace

Error checkRemovedFunctions(ArrayRef<RecompiledUnit> Units,
                            function_ref<bool(StringRef)> DefinedElsewhere) {
  for (const RecompiledUnit &U : Units) {
    if (U.Partial)
      continue;
    std::vector<RemovedStillUsed::Removed> Found;
    for (const auto &E : *U.Live) {
      StringRef Symbol = E.getKey();
      // Defined by a module of the patch (moved there): not removed.
      if (Symbol.starts_with("init:") ||
          any_of(Units, [&](const RecompiledUnit &O) {
            return defines(*O.Now, Symbol);
          }) ||
          DefinedElsewhere(Symbol))
        continue;
      std::vector<std::string> Users;
      for (const RecompiledUnit &O : Units)
        callersIn(O, Symbol, Users);
      if (!Users.empty())
        Found.push_back({Symbol.str(), std::move(Users)});
    }
    if (!Found.empty())
      return make_error<RemovedStillUsed>(*U.File, std::move(Found));
  }
  return Error::success();
}

} // namespace hotc::jit
