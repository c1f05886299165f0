#include "jit/global_moves.h"

#include "jit/live_dwarf.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/IR/Constants.h"
#include "llvm/BinaryFormat/Dwarf.h"
#include "llvm/IR/DebugInfo.h"
#include "llvm/IR/DebugInfoMetadata.h"
#include "llvm/IR/DerivedTypes.h"
#include "llvm/IR/Function.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/IR/Instructions.h"
#include "llvm/Support/FormatVariadic.h"

#include <set>

using namespace llvm;

namespace hotc::jit {

namespace {

constexpr StringLiteral HookPrefix = "hotreload_migrate_";

Error refusal(const Twine &Why) {
  return createStringError(inconvertibleErrorCode(), Why.str().c_str());
}

// True when values of T hold an ST: ST itself, an array of it, a struct
// with it as a member (at any depth).
bool holds(Type *T, StructType *ST, unsigned Depth = 0) {
  if (T == ST)
    return true;
  if (Depth > 16)
    return false;
  if (auto *A = dyn_cast<ArrayType>(T))
    return holds(A->getElementType(), ST, Depth + 1);
  if (auto *S = dyn_cast<StructType>(T))
    for (Type *E : S->elements())
      if (holds(E, ST, Depth + 1))
        return true;
  return false;
}

// What a global is of, by its debug info: Clang gives a global the type of
// its initialiser, which is often no named struct (a bitfield's padding, a
// union set through another member, a char array given a shorter string).
const DIType *debugTypeOf(const GlobalVariable &G) {
  SmallVector<DIGlobalVariableExpression *, 1> Exprs;
  G.getDebugInfo(Exprs);
  for (const DIGlobalVariableExpression *E : Exprs)
    if (const DIGlobalVariable *V = E->getVariable())
      return V->getType();
  return nullptr;
}

// "game::Particle", as the layout key's name after "struct.".
std::string qualifiedName(const DIScope &T) {
  std::string Out = T.getName().str();
  for (const DIScope *S = T.getScope(); S && !isa<DIFile>(S) &&
                                        !isa<DICompileUnit>(S);
       S = S->getScope()) {
    StringRef Name = S->getName();
    Out = (Name.empty() ? "(anonymous namespace)" : Name.str()) + "::" + Out;
  }
  return Out;
}

// T without typedefs and qualifiers; Name: the record's name as its layout
// key spells it, an anonymous one's by its typedef (`typedef struct {...}
// cfg_t` is struct.cfg_t).
const DIType *withoutQualifiers(const DIType *T, std::string *Name = nullptr) {
  std::string Typedef;
  while (auto *D = dyn_cast_or_null<DIDerivedType>(T)) {
    unsigned Tag = D->getTag();
    if (Tag != dwarf::DW_TAG_typedef && Tag != dwarf::DW_TAG_const_type &&
        Tag != dwarf::DW_TAG_volatile_type && Tag != dwarf::DW_TAG_atomic_type)
      break;
    if (Tag == dwarf::DW_TAG_typedef)
      Typedef = qualifiedName(*D);
    T = D->getBaseType();
  }
  if (Name)
    if (auto *C = dyn_cast_or_null<DICompositeType>(T))
      *Name = C->getName().empty() ? Typedef : qualifiedName(*C);
  return T;
}

// The record name of a layout key: "struct.game::Particle" -> "game::Particle".
StringRef recordOf(StringRef IRType) { return IRType.substr(IRType.find('.') + 1); }

// Whether values of T are a Record (Itself), or hold one in an array, a
// member or a base.
bool debugHolds(const DIType *T, StringRef Record, bool Itself,
                unsigned Depth = 0) {
  std::string Name;
  auto *C = dyn_cast_or_null<DICompositeType>(withoutQualifiers(T, &Name));
  if (!C || Depth > 16)
    return false;
  if (C->getTag() == dwarf::DW_TAG_array_type)
    return !Itself && debugHolds(C->getBaseType(), Record, false, Depth + 1);
  if (Name == Record)
    return true;
  if (Itself)
    return false;
  for (const DINode *E : C->getElements())
    if (auto *M = dyn_cast_or_null<DIDerivedType>(E);
        M && !M->isStaticMember() &&
        (M->getTag() == dwarf::DW_TAG_member ||
         M->getTag() == dwarf::DW_TAG_inheritance) &&
        debugHolds(M->getBaseType(), Record, false, Depth + 1))
      return true;
  return false;
}

bool refersTo(const Constant *C, const StringSet<> &Names, unsigned Depth = 0) {
  if (auto *GV = dyn_cast<GlobalValue>(C))
    return Names.contains(GV->getName());
  if (Depth > 32)
    return false;
  for (const Use &U : C->operands())
    if (auto *Op = dyn_cast<Constant>(U.get()); Op && refersTo(Op, Names, Depth + 1))
      return true;
  return false;
}

// The hook as the app must write it: void (const void *old, void *new).
bool hookSignature(const Function &F) {
  FunctionType *T = F.getFunctionType();
  return T->getReturnType()->isVoidTy() && T->getNumParams() == 2 &&
         T->getParamType(0)->isPointerTy() && T->getParamType(1)->isPointerTy();
}

// Whether M's start-up code registers G's destructor (C++: __cxa_atexit
// from G's dynamic initialiser). At exit it would run on the storage the
// process started with, in the destructor's new code: the old layout read
// as the new one.
bool registersDestructor(const Module &M, const GlobalVariable &G) {
  const Function *AtExit = M.getFunction("__cxa_atexit");
  if (!AtExit)
    return false;
  StringSet<> Name;
  Name.insert(G.getName());
  for (const User *U : AtExit->users())
    if (auto *Call = dyn_cast<CallBase>(U))
      for (const Use &A : Call->args())
        if (auto *C = dyn_cast<Constant>(A.get()); C && refersTo(C, Name))
          return true;
  return false;
}

// Moves of the globals of one hooked type that unit U defines; external
// ones an earlier unit already moves are left to it (an inline variable is
// defined by every unit including it).
Error planType(const UnitLayouts &U, const LayoutChange::Changed &C,
               const std::string &Hook, unsigned Generation,
               const StringSet<> &HooksInPatch,
               const StringSet<> &MovedExternals, std::vector<GlobalMove> &Out) {
  StructType *ST = layoutType(*U.M, C.IRType);
  if (!ST)
    return Error::success();
  for (const GlobalVariable &G : U.M->globals()) {
    if (G.isDeclaration() ||
        (G.getValueType() != ST &&
         !debugHolds(debugTypeOf(G), recordOf(C.IRType), /*Itself=*/true)))
      continue;
    bool Local = G.hasLocalLinkage();
    if (Local && G.isConstant())
      continue; // a private copy in every patch (jit/patch_module.cpp)
    const LiveSymbol *L = U.View->find(G.getName(), Local);
    if (!L || (!Local && MovedExternals.contains(G.getName())))
      continue; // new in the edit, or moved by another unit
    if (G.isThreadLocal())
      return refusal(formatv(
          "{0}: {1}, a {2}, is thread-local: each thread has its own copy, "
          "which hotc cannot move to the new layout. Nothing was applied; "
          "restart the process to run this edit.",
          U.File, G.getName(), C.Type));
    if (registersDestructor(*U.M, G))
      return refusal(formatv(
          "{0}: {1}, a {2}, has a destructor the process registered at "
          "start-up: at exit it would run the new code on the old storage. "
          "hotc moves only globals without one; nothing was applied. "
          "Restart the process to run this edit.",
          U.File, G.getName(), C.Type));
    if (U.ByBuildCompiler)
      return refusal(formatv(
          "{0}: {1}, a {2}, would move to the new layout, but the patches "
          "of this unit are compiled by the build's own compiler (Clang's "
          "view of it differs), which hotc does not move globals for yet: "
          "nothing was applied. Restart the process to run this edit.",
          U.File, G.getName(), C.Type));
    const Function *Defined = U.M->getFunction(Hook);
    bool Here = Defined && !Defined->isDeclaration();
    // Defined in another unit of the patch, its new code is not linked yet
    // when this unit's initialiser calls it.
    if (!Here && (HooksInPatch.contains(Hook) || !U.View->find(Hook, false)))
      return refusal(formatv(
          "{0}: {1}, a {2}, must move to the new layout, but {3} is not "
          "defined in this unit (nor only in the process): define it beside "
          "the global (HOTRELOAD_MIGRATE, hotreload.h). Nothing was applied.",
          U.File, G.getName(), C.Type, Hook));
    Out.push_back({G.getName().str(), Local, C.Type, recordOf(C.IRType).str(), C.Before,
                   C.After, Hook,
                   formatv("{0}.hotc{1}", G.getName(), Generation).str(),
                   L->Address, 0});
  }
  return Error::success();
}

} // namespace

std::string migrationHookName(StringRef IRType) {
  StringRef Name = IRType;
  if (!Name.consume_front("struct.") && !Name.consume_front("class.") &&
      !Name.consume_front("union."))
    return "";
  if (Name.empty() || Name == "anon" || Name.starts_with("anon.") ||
      !all_of(Name, [](char C) { return isAlnum(C) || C == '_' || C == ':'; }))
    return "";
  std::string Out = HookPrefix.str();
  for (size_t I = 0; I < Name.size(); ++I) {
    if (Name.substr(I).starts_with("::")) {
      Out += '_';
      ++I;
    } else {
      Out += Name[I];
    }
  }
  return Out;
}

Expected<MovePlan> planGlobalMoves(ArrayRef<UnitLayouts> Units,
                                   unsigned Generation) {
  MovePlan Plan;
  Plan.ByUnit.resize(Units.size());
  StringSet<> Hooks; // defined in a unit of the patch
  for (const UnitLayouts &U : Units)
    for (const Function &F : *U.M)
      if (!F.isDeclaration() && F.getName().starts_with(HookPrefix)) {
        if (!hookSignature(F))
          return refusal(formatv(
              "{0}: {1} must be void {1}(const void *old, void *new) "
              "(HOTRELOAD_MIGRATE, hotreload.h): nothing was applied",
              U.File, F.getName()));
        Hooks.insert(F.getName());
      }
  StringSet<> MovedExternals;
  std::set<std::string> Hooked; // types with a hook, for the warning below
  for (size_t I = 0; I < Units.size(); ++I) {
    const UnitLayouts &U = Units[I];
    std::vector<LayoutChange::Changed> Refused;
    std::string Hint;
    for (const LayoutChange::Changed &C : U.Changes) {
      std::string Hook = migrationHookName(C.IRType);
      if (Hook.empty() || (!Hooks.contains(Hook) && !U.View->find(Hook, false))) {
        if (!Hook.empty() && Hint.empty())
          Hint = formatv("To move the process's globals of {0} to the new "
                         "layout instead, define HOTRELOAD_MIGRATE({1}) "
                         "(hotreload.h) beside them.",
                         C.Type, StringRef(Hook).drop_front(HookPrefix.size()))
                     .str();
        Refused.push_back(C);
        continue;
      }
      Hooked.insert(C.Type);
      // Which globals are of the type is read from the debug info.
      if (U.M->debug_compile_units().empty() ||
          any_of(U.M->debug_compile_units(), [](const DICompileUnit *CU) {
            return CU->getEmissionKind() != DICompileUnit::FullDebug;
          }))
        return refusal(formatv(
            "{0}: {1} would move its globals to the new layout, but the unit "
            "is built without full debug info (-g), from which hotc tells which "
            "globals are of it: nothing was applied. Build with -g, or "
            "restart the process to run this edit.",
            U.File, C.Type));
      if (Error E = planType(U, C, Hook, Generation, Hooks, MovedExternals,
                             Plan.ByUnit[I]))
        return std::move(E);
      for (const GlobalMove &M : Plan.ByUnit[I])
        if (!M.Local)
          MovedExternals.insert(M.Name);
    }
    if (!Refused.empty())
      return make_error<LayoutChange>(U.File, std::move(Refused), Hint);
  }
  for (const std::string &T : Hooked) {
    bool Any = any_of(Plan.ByUnit, [&](const std::vector<GlobalMove> &Ms) {
      return any_of(Ms, [&](const GlobalMove &M) { return M.Type == T; });
    });
    if (!Any)
      Plan.Warnings.push_back(
          "the layout of " + T + " changed and a hook to move it is defined, "
          "but the units of this patch define no global of it the process "
          "has: objects of it on the heap or the stack keep the old layout");
  }
  // Data that holds a moved global's address keeps the old address.
  for (size_t I = 0; I < Units.size(); ++I) {
    StringSet<> Moved = movedNamesFor(Plan, I);
    if (Moved.empty())
      continue;
    for (const GlobalVariable &G : Units[I].M->globals())
      if (G.hasInitializer() && refersTo(G.getInitializer(), Moved) &&
          Units[I].View->find(G.getName(), G.hasLocalLinkage()))
        Plan.Warnings.push_back(
            G.getName().str() + " (" + Units[I].File +
            ") holds the address of a moved global: the process's copy "
            "still points at the old storage, which new code no longer reads");
  }
  return std::move(Plan);
}

std::string recordFileOf(const Module &M, StringRef Record) {
  DebugInfoFinder Finder;
  Finder.processModule(M);
  for (const DIType *T : Finder.types()) {
    std::string Name;
    auto *C = dyn_cast_or_null<DICompositeType>(withoutQualifiers(T, &Name));
    if (C && !C->isForwardDecl() && C->getFile() && Name == Record)
      return absolutePath(C->getFilename(), C->getDirectory());
  }
  return "";
}

bool movesExternals(const MovePlan &Plan) {
  return any_of(Plan.ByUnit, [](const std::vector<GlobalMove> &Ms) {
    return any_of(Ms, [](const GlobalMove &M) { return !M.Local; });
  });
}

StringSet<> movedNamesFor(const MovePlan &Plan, size_t Unit) {
  StringSet<> Out;
  for (size_t I = 0; I < Plan.ByUnit.size(); ++I)
    for (const GlobalMove &M : Plan.ByUnit[I])
      if (!M.Local || I == Unit)
        Out.insert(M.Name);
  return Out;
}

void addUsersOfMoved(const Module &M, const StringSet<> &Moved,
                     const LiveView &View, StringSet<> &Users) {
  if (Moved.empty())
    return;
  // Functions of M reaching a moved global, directly or through functions
  // M defines: a helper the optimiser inlined into its callers in the
  // binary (no symbol of it lives) leaves its callers holding the access.
  std::set<const Function *> Reach;
  for (const Function &F : M) {
    if (F.isDeclaration())
      continue;
    for (const Instruction &I : instructions(F))
      if (any_of(I.operands(), [&](const Use &U) {
            auto *C = dyn_cast<Constant>(U.get());
            return C && !isa<Function>(C) && refersTo(C, Moved);
          })) {
        Reach.insert(&F);
        break;
      }
  }
  for (bool Grew = true; Grew;) {
    Grew = false;
    for (const Function &F : M) {
      if (F.isDeclaration() || Reach.count(&F))
        continue;
      bool Calls = false;
      for (const Instruction &I : instructions(F))
        if (auto *CB = dyn_cast<CallBase>(&I))
          if (const Function *Callee = CB->getCalledFunction();
              Callee && Reach.count(Callee))
            Calls = true;
      if (Calls)
        Grew = Reach.insert(&F).second;
    }
  }
  for (const Function *F : Reach)
    if (View.find(F->getName(), F->hasLocalLinkage()))
      Users.insert(F->getName());
}

Error checkNothingStaleHolds(const Module &M, ArrayRef<std::string> MovedTypes,
                             const StringSet<> &Moved, const LiveView &View,
                             StringRef Unit) {
  for (const std::string &IRType : MovedTypes) {
    StructType *ST = layoutType(M, IRType);
    if (!ST)
      continue;
    for (const GlobalVariable &G : M.globals()) {
      if (Moved.contains(G.getName()) || (G.hasLocalLinkage() && G.isConstant()))
        continue;
      // A global typed by its initialiser (a literal struct) with no debug
      // info may be of the type: unsure, it counts as holding it.
      auto *Literal = dyn_cast<StructType>(G.getValueType());
      bool Unsure = Literal && Literal->isLiteral() && !debugTypeOf(G) &&
                    !G.isConstant();
      if (!Unsure && !holds(G.getValueType(), ST) &&
          !debugHolds(debugTypeOf(G), recordOf(IRType), /*Itself=*/false))
        continue;
      if (!View.find(G.getName(), G.hasLocalLinkage()))
        continue; // new in the edit: it has the new layout from the start
      return refusal(formatv(
          "{0}: {1} holds a {2} the process has, which hotc cannot move to "
          "the new layout ({3}): nothing was applied. hotc moves globals of "
          "the type itself that the save recompiles; restart the process to "
          "run this edit.",
          Unit, G.getName(),
          ST->getName().starts_with("struct.")
              ? ("struct " + ST->getName().drop_front(7)).str()
              : ST->getName().str(),
          !debugHolds(debugTypeOf(G), recordOf(IRType), /*Itself=*/true) &&
                  G.getValueType() != ST
              ? "it is inside an array or another struct"
          : G.isDeclaration() ? "it is defined in a unit the save does not "
                                "recompile, or moved by none"
                              : "its symbol is not the binary's"));
    }
  }
  return Error::success();
}

} // namespace hotc::jit
