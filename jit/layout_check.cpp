#include "jit/layout_check.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Demangle/Demangle.h"
#include "llvm/IR/Constants.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <set>

using namespace llvm;

namespace hotc::jit {

char LayoutChange::ID;

namespace {

// Clang numbers struct types whose printed names collide (`union.anon.0`,
// `class.std::shared_ptr.124`) in the order it meets them, which differs
// between two compiles of one unit: such a name is no identity.
bool numberedName(StringRef Name) {
  size_t Dot = Name.rfind('.');
  return Dot != StringRef::npos && Dot + 1 < Name.size() &&
         all_of(Name.drop_front(Dot + 1), [](char C) { return isDigit(C); });
}

// The layout as element kinds, nested structs spelled out (whatever their
// names), so equal layouts read equal across compiles.
void describe(Type *T, const DataLayout &DL, raw_ostream &OS, unsigned Depth) {
  auto *ST = dyn_cast<StructType>(T);
  if (!ST) {
    if (auto *A = dyn_cast<ArrayType>(T)) {
      OS << "[" << A->getNumElements() << " x ";
      describe(A->getElementType(), DL, OS, Depth);
      OS << "]";
      return;
    }
    T->print(OS);
    return;
  }
  if (ST->isOpaque() || Depth > 8 || !ST->isSized()) {
    OS << (ST->hasName() && !numberedName(ST->getName()) ? ST->getName() : "opaque");
    return;
  }
  // Element kinds fix the offsets (packed structs say so, as LLVM does).
  OS << (ST->isPacked() ? "<{ " : "{ ");
  for (unsigned I = 0; I < ST->getNumElements(); ++I) {
    OS << (I ? ", " : "");
    describe(ST->getElementType(I), DL, OS, Depth + 1);
  }
  OS << (ST->isPacked() ? " }>" : " }");
}

constexpr StringLiteral VtablePrefix = "vtable:";

// The slots of a virtual table initialiser, by the name of what each holds.
void describeSlots(const Constant *C, raw_ostream &OS) {
  if (auto *GV = dyn_cast<GlobalValue>(C->stripPointerCasts())) {
    OS << GV->getName() << " ";
    return;
  }
  if (C->getNumOperands() == 0 || isa<ConstantData>(C)) {
    C->print(OS);
    OS << " ";
    return;
  }
  for (const Use &U : C->operands())
    describeSlots(cast<Constant>(U.get()), OS);
}

} // namespace

TypeLayouts typeLayoutsOf(const Module &M) {
  TypeLayouts Out;
  const DataLayout &DL = M.getDataLayout();
  for (StructType *ST : M.getIdentifiedStructTypes()) {
    if (ST->isOpaque() || !ST->hasName() || numberedName(ST->getName()))
      continue;
    std::string Body;
    raw_string_ostream OS(Body);
    describe(ST, DL, OS, 0);
    if (ST->isSized())
      OS << formatv(" ({0} bytes)", DL.getTypeAllocSize(ST).getFixedValue());
    Out[ST->getName()] = OS.str();
  }
  // A virtual table is layout too: live objects point at the process's
  // copy, whose slots a new or moved virtual function would not match.
  for (const GlobalVariable &G : M.globals()) {
    if (!G.getName().starts_with("_ZTV") || !G.hasInitializer())
      continue;
    std::string Slots;
    raw_string_ostream OS(Slots);
    describeSlots(G.getInitializer(), OS);
    Out[(VtablePrefix + G.getName()).str()] = OS.str();
  }
  return Out;
}

namespace {

// "struct.Particle" -> "struct Particle"; Clang's ".0" suffixes stay.
std::string typeName(StringRef IRName) {
  if (IRName.consume_front(VtablePrefix))
    return "the virtual table of " + demangle(IRName.drop_front(4).str().insert(0, "_Z"));
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
  if (!Hint.empty())
    OS << "\n" << Hint;
}

StructType *layoutType(const Module &M, StringRef IRType) {
  if (IRType.starts_with(VtablePrefix))
    return nullptr;
  return StructType::getTypeByName(M.getContext(), IRType);
}

std::vector<LayoutChange::Changed> changedLayouts(const Module &M,
                                                  const TypeLayouts &Live,
                                                  const TypeLayouts &Now) {
  std::vector<LayoutChange::Changed> Out;
  for (const auto &E : Now) {
    auto Old = Live.find(E.getKey());
    if (Old == Live.end() || Old->second == E.second)
      continue;
    LayoutChange::Changed C{E.getKey().str(), typeName(E.getKey()),
                            Old->second, E.second, {}};
    if (StructType *ST = layoutType(M, E.getKey()))
      for (const Function &F : M)
        if (!F.isDeclaration() && mentions(F, ST))
          C.UsedBy.push_back(F.getName().str());
    Out.push_back(std::move(C));
  }
  // StringMap order is a hash's: the message reads the same every time.
  llvm::sort(Out, [](const auto &A, const auto &B) { return A.IRType < B.IRType; });
  return Out;
}

} // namespace hotc::jit
