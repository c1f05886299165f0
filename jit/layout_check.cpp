#include "layout_check.h"

#include "llvm/Demangle/Demangle.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <set>

using namespace llvm;

namespace hotc::jit {

char LayoutChange::ID;

TypeLayouts typeLayoutsOf(const Module &M) {
  TypeLayouts Out;
  const DataLayout &DL = M.getDataLayout();
  for (StructType *ST : M.getIdentifiedStructTypes()) {
    if (ST->isOpaque() || !ST->hasName())
      continue;
    std::string Body;
    raw_string_ostream OS(Body);
    OS << "{ ";
    for (unsigned I = 0; I < ST->getNumElements(); ++I) {
      Type *E = ST->getElementType(I);
      OS << (I ? ", " : "");
      if (auto *Inner = dyn_cast<StructType>(E); Inner && Inner->hasName())
        OS << Inner->getName(); // by name: its own layout is compared too
      else
        E->print(OS);
    }
    OS << " }";
    if (ST->isSized())
      OS << formatv(" ({0} bytes)", DL.getTypeAllocSize(ST).getFixedValue());
    Out[ST->getName()] = OS.str();
  }
  return Out;
}

namespace {

// "struct.Particle" -> "struct Particle"; Clang's ".0" suffixes stay.
std::string typeName(StringRef IRName) {
  auto [Kind, Name] = IRName.split('.');
  return (Kind + " " + Name).str();
}

bool mentions(const Function &F, StructType *ST) {
  for (const Instruction &I : instructions(F)) {
    if (I.getType() == ST)
      return true;
    if (auto *A = dyn_cast<AllocaInst>(&I); A && A->getAllocatedType() == ST)
      return true;
    if (auto *G = dyn_cast<GetElementPtrInst>(&I);
        G && G->getSourceElementType() == ST)
      return true;
  }
  return false;
}

} // namespace

void LayoutChange::log(raw_ostream &OS) const {
  for (const Changed &C : Types) {
    OS << Unit << ": the layout of " << C.Type << " changed: " << C.Before
       << " -> " << C.After << "\n";
    if (!C.UsedBy.empty()) {
      OS << "  used by:";
      for (const std::string &F : C.UsedBy)
        OS << " " << demangle(F);
      OS << "\n";
    }
  }
  OS << "Objects the process already has keep the old layout, so code "
        "compiled against the new one would misread them: nothing was "
        "applied. Restart the process to run this edit.";
}

Error checkLayouts(const Module &M, const TypeLayouts &Live,
                   const TypeLayouts &Now, StringRef Unit) {
  std::vector<LayoutChange::Changed> Out;
  for (const auto &E : Now) {
    auto Old = Live.find(E.getKey());
    if (Old == Live.end() || Old->second == E.second)
      continue;
    LayoutChange::Changed C{typeName(E.getKey()), Old->second, E.second, {}};
    if (StructType *ST = StructType::getTypeByName(M.getContext(), E.getKey()))
      for (const Function &F : M)
        if (!F.isDeclaration() && mentions(F, ST))
          C.UsedBy.push_back(F.getName().str());
    Out.push_back(std::move(C));
  }
  if (Out.empty())
    return Error::success();
  return make_error<LayoutChange>(Unit.str(), std::move(Out));
}

} // namespace hotc::jit
