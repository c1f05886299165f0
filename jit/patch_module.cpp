#include "jit/patch_module.h"

#include "jit/global_moves.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/InstIterator.h"
#include "llvm/Support/FormatVariadic.h"

#include <set>

using namespace llvm;

namespace hotc::jit {

const LiveSymbol *LiveView::find(StringRef Name, bool Local) const {
  const SymbolTable *T = Local ? Locals : Globals;
  if (!T)
    return nullptr;
  auto It = T->find(Name);
  return It == T->end() ? nullptr : &It->second;
}

namespace {

// A declaration may carry no body, personality or prefix data.
void dropBody(Function &F) {
  F.setPersonalityFn(nullptr);
  F.deleteBody();
}

void makeDeclaration(GlobalValue &GV) {
  if (auto *F = dyn_cast<Function>(&GV))
    dropBody(*F);
  else if (auto *G = dyn_cast<GlobalVariable>(&GV))
    G->setInitializer(nullptr);
  GV.setLinkage(GlobalValue::ExternalLinkage);
  if (auto *GO = dyn_cast<GlobalObject>(&GV))
    GO->setComdat(nullptr);
}

void exportDefinition(GlobalObject &GO) {
  GO.setLinkage(GlobalValue::ExternalLinkage);
  GO.setVisibility(GlobalValue::DefaultVisibility);
  GO.setComdat(nullptr);
}

// Keeps F's body under a versioned name; its uses (calls, address-taken)
// move to a declaration of the original name: the live, re-pointed entry.
void replaceWithVersioned(Function &F, const std::string &Versioned) {
  std::string Name = F.getName().str();
  F.setName(Versioned);
  Function *Decl = Function::Create(F.getFunctionType(),
                                    GlobalValue::ExternalLinkage, Name,
                                    F.getParent());
  Decl->setAttributes(F.getAttributes());
  Decl->setCallingConv(F.getCallingConv());
  F.replaceAllUsesWith(Decl);
  exportDefinition(F);
}

// Aliases (Clang's constructor aliases) cannot point at declarations: turn
// each one the process has into a declaration of its own.
void demoteAliases(Module &M, const LiveView &Live) {
  std::vector<GlobalAlias *> Aliases;
  for (GlobalAlias &A : M.aliases())
    Aliases.push_back(&A);
  for (GlobalAlias *A : Aliases) {
    if (!Live.find(A->getName(), A->hasLocalLinkage()))
      continue;
    std::string Name = A->getName().str();
    A->setName(Name + ".alias");
    GlobalValue *Decl;
    if (auto *FT = dyn_cast<FunctionType>(A->getValueType()))
      Decl = Function::Create(FT, GlobalValue::ExternalLinkage, Name, M);
    else
      Decl = new GlobalVariable(M, A->getValueType(), false,
                                GlobalValue::ExternalLinkage, nullptr, Name);
    A->replaceAllUsesWith(Decl);
    A->eraseFromParent();
  }
}

void collectGlobals(const Constant *C, std::set<const GlobalVariable *> &Out) {
  if (auto *G = dyn_cast<GlobalVariable>(C)) {
    Out.insert(G);
    return;
  }
  for (const Use &U : C->operands())
    if (auto *Op = dyn_cast<Constant>(U.get()))
      collectGlobals(Op, Out);
}

// True when F writes or reads no global state but the new globals (and
// constants): running it cannot disturb what the process already has.
bool touchesOnlyNew(const Function &F,
                    const std::set<const GlobalVariable *> &New) {
  std::set<const GlobalVariable *> Used;
  for (const Instruction &I : instructions(F))
    for (const Use &U : I.operands())
      if (auto *C = dyn_cast<Constant>(U.get()))
        collectGlobals(C, Used);
  for (const GlobalVariable *G : Used)
    if (!G->isConstant() && G->getName() != "__dso_handle" && !New.count(G))
      return false;
  return true;
}

// Replaces llvm.global_ctors by one exported function that runs only the
// initialisers of new globals (and of `hotc: rerun` ones: Fresh); existing
// state is never initialised again. Stores: rerun globals with a constant
// initialiser, and the value to store.
using ConstantStores = std::vector<std::pair<GlobalVariable *, Constant *>>;
// A moved global: the hook fills New (the patch's storage) from Old (a
// declaration bound to the storage the process ran with).
struct MoveCall {
  Function *Hook;
  GlobalVariable *Old, *New;
};
std::string buildInitFunction(Module &M,
                              const std::set<const GlobalVariable *> &New,
                              const ConstantStores &Stores,
                              const std::vector<MoveCall> &Moves) {
  GlobalVariable *Ctors = M.getNamedGlobal("llvm.global_ctors");
  std::vector<Function *> ToRun;
  if (Ctors && Ctors->hasInitializer())
    if (auto *Array = dyn_cast<ConstantArray>(Ctors->getInitializer()))
      for (const Use &Entry : Array->operands()) {
        auto *Sub = dyn_cast<Function>(
            cast<ConstantStruct>(Entry.get())->getOperand(1));
        if (!Sub || Sub->isDeclaration())
          continue;
        // An inline variable's initialiser stands in the list itself (its
        // comdat is the variable's), not behind a _GLOBAL__sub_I_ wrapper.
        if (Sub->getName().starts_with("__cxx_global_var_init")) {
          if (touchesOnlyNew(*Sub, New))
            ToRun.push_back(Sub);
          continue;
        }
        for (Instruction &I : instructions(*Sub))
          if (auto *Call = dyn_cast<CallBase>(&I))
            if (Function *Init = Call->getCalledFunction();
                Init && !Init->isDeclaration() && touchesOnlyNew(*Init, New))
              ToRun.push_back(Init);
      }
  if (Ctors)
    Ctors->eraseFromParent();
  if (GlobalVariable *Dtors = M.getNamedGlobal("llvm.global_dtors"))
    Dtors->eraseFromParent();
  if (ToRun.empty() && Stores.empty() && Moves.empty())
    return "";
  auto *Init = Function::Create(
      FunctionType::get(Type::getVoidTy(M.getContext()), false),
      GlobalValue::ExternalLinkage, "__hotc_init", M);
  IRBuilder<> B(BasicBlock::Create(M.getContext(), "entry", Init));
  for (auto &[G, Value] : Stores)
    B.CreateStore(Value, G);
  // Before the initialisers of new globals, which may read moved ones.
  for (const MoveCall &C : Moves)
    B.CreateCall(C.Hook, {C.Old, C.New});
  for (Function *F : ToRun)
    B.CreateCall(F);
  B.CreateRetVoid();
  return Init->getName().str();
}

} // namespace

bool isRtti(StringRef Name) {
  return Name.starts_with("_ZTI") || Name.starts_with("_ZTS") ||
         Name.starts_with("_ZTV");
}

PatchPlan preparePatchModule(Module &M, const StringSet<> &Changed,
                             const LiveView &Live, const PatchOptions &Opts) {
  PatchPlan Plan;
  demoteAliases(M, Live);

  std::vector<Function *> Functions;
  for (Function &F : M)
    if (!F.isDeclaration())
      Functions.push_back(&F);
  for (Function *F : Functions) {
    if (F->hasAvailableExternallyLinkage()) {
      // An extern template's inline member (std::allocator<char>::allocate
      // at -O2): the library rarely exports it; keep a private copy then.
      if (Live.find(F->getName(), false))
        dropBody(*F);
      else
        F->setLinkage(GlobalValue::InternalLinkage);
      continue;
    }
    std::string Name = F->getName().str();
    bool Local = F->hasLocalLinkage();
    const LiveSymbol *L = Live.find(Name, Local);
    bool ElsewhereReplaced =
        !Local && Opts.ReplacedElsewhere && Opts.ReplacedElsewhere->contains(Name);
    if (Changed.contains(Name) && L && !ElsewhereReplaced) {
      std::string Versioned = formatv("{0}.hotc{1}", Name, Opts.Generation);
      // GCC may call local functions with only 8-byte stack alignment
      // (-fipa-stack-alignment); the replacement must not assume more.
      if (Local && Opts.OptLevel > 0)
        F->addFnAttr("stackrealign");
      replaceWithVersioned(*F, Versioned);
      Plan.Replaced.push_back({Name, Versioned, Local});
    } else if (L || ElsewhereReplaced) {
      makeDeclaration(*F);
    } else if (Changed.contains(Name)) {
      exportDefinition(*F); // new: this definition is its stable home
      Plan.Created.push_back({Name, Local, true});
    } else {
      F->setLinkage(GlobalValue::InternalLinkage); // private copy
      F->setComdat(nullptr);
    }
  }

  std::set<const GlobalVariable *> NewGlobals; // and rerun ones
  ConstantStores Stores;
  std::vector<std::pair<GlobalVariable *, const GlobalMove *>> Moving;
  for (GlobalVariable &G : M.globals()) {
    if (G.isDeclaration() || G.getName().starts_with("llvm."))
      continue;
    bool Local = G.hasLocalLinkage();
    if (Opts.Moves) {
      auto It = find_if(*Opts.Moves, [&](const GlobalMove &Mv) {
        return Mv.Name == G.getName() && Mv.Local == Local;
      });
      if (It != Opts.Moves->end()) {
        Moving.emplace_back(&G, &*It);
        continue;
      }
    }
    // A constant of the unit (a table, a literal, lua's dispatch table of
    // label addresses) is a private copy even when the process has one:
    // its bytes are the edit's (the live copy holds the old values, or the
    // addresses of older code), and nothing writes it. RTTI keeps binding:
    // exceptions and dynamic_cast compare it by address.
    if (Local && G.isConstant() && !isRtti(G.getName()))
      continue;
    if (Live.find(G.getName(), Local)) {
      if (Opts.Rerun && Opts.Rerun->contains(G.getName())) {
        NewGlobals.insert(&G); // its dynamic initialiser may run
        if (!G.getInitializer()->isNullValue())
          Stores.emplace_back(&G, G.getInitializer());
      }
      makeDeclaration(G);
    } else {
      exportDefinition(G);
      NewGlobals.insert(&G);
      Plan.Created.push_back({G.getName().str(), Local, false});
    }
  }
  // A moved global keeps its definition (and so every use in M) under its
  // new storage's name; its old name declares the process's storage.
  std::vector<MoveCall> Moves;
  for (auto &[G, Mv] : Moving) {
    G->setName(Mv->Versioned);
    exportDefinition(*G);
    G->setConstant(false); // the hook writes it, even a `const` global's
    auto *Old = new GlobalVariable(M, G->getValueType(), false,
                                   GlobalValue::ExternalLinkage, nullptr,
                                   Mv->Name);
    // An edited hook already in the process: its new code, not the entry
    // (re-pointed only after the initialiser ran).
    auto Edited = find_if(Plan.Replaced, [&](const Replacement &Rep) {
      return Rep.Name == Mv->Hook;
    });
    Function *Hook =
        Edited != Plan.Replaced.end()
            ? M.getFunction(Edited->Versioned)
            : cast<Function>(
                  M.getOrInsertFunction(
                       Mv->Hook,
                       FunctionType::get(Type::getVoidTy(M.getContext()),
                                         {G->getType(), G->getType()}, false))
                      .getCallee());
    Moves.push_back({Hook, Old, G});
    Plan.MovedStorage.push_back(Mv->Versioned);
  }
  Plan.InitFunction = buildInitFunction(M, NewGlobals, Stores, Moves);

  // Live code can be anywhere in the address space: reach it through the
  // GOT/PLT, never with a 32-bit PC-relative reference.
  for (GlobalValue &GV : M.global_values())
    if (GV.isDeclaration() && !GV.getName().starts_with("llvm.")) {
      GV.setDSOLocal(false);
      GV.setVisibility(GlobalValue::DefaultVisibility);
    }
  return Plan;
}

std::string unversionedName(StringRef Linked) {
  size_t At = Linked.rfind(".hotc");
  return At == StringRef::npos ? Linked.str() : Linked.substr(0, At).str();
}

} // namespace hotc::jit
