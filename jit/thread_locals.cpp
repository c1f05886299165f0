#include "jit/thread_locals.h"

#include "llvm/IR/Constants.h"
#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/IntrinsicInst.h"
#include "llvm/IR/ReplaceConstant.h"
#include "llvm/Demangle/Demangle.h"

#include <vector>

using namespace llvm;

namespace hotc::jit {
namespace {

// libgcc's struct __emutls_object: size, align, the per-variable index it
// assigns on first use (0 until then), and the initial image (null: zeros).
StructType *controlType(LLVMContext &C) {
  Type *Word = Type::getInt64Ty(C);
  Type *Ptr = PointerType::getUnqual(C);
  return StructType::get(C, {Word, Word, Ptr, Ptr});
}

// The control object of a variable the patch defines.
Constant *controlOf(Module &M, GlobalVariable &G, StringRef Name) {
  LLVMContext &C = M.getContext();
  const DataLayout &DL = M.getDataLayout();
  Type *Value = G.getValueType();
  Type *Word = Type::getInt64Ty(C);
  auto *Null = ConstantPointerNull::get(PointerType::getUnqual(C));
  Align A = G.getAlign().value_or(DL.getABITypeAlign(Value));
  Constant *Template = Null;
  if (!G.getInitializer()->isNullValue()) {
    auto *T = new GlobalVariable(M, Value, /*isConstant=*/true,
                                 GlobalValue::PrivateLinkage, G.getInitializer(),
                                 "__emutls_t." + Name);
    T->setUnnamedAddr(GlobalValue::UnnamedAddr::Global);
    T->setAlignment(A);
    Template = T;
  }
  return ConstantStruct::get(
      controlType(C), {ConstantInt::get(Word, DL.getTypeAllocSize(Value)),
                       ConstantInt::get(Word, A.value()), Null, Template});
}

// Every use of G in an instruction is the address of the current thread's
// copy: the llvm.threadlocal.address hint, or G itself (Clang's TLS
// initialiser passes it to the constructor directly).
Error emulate(Module &M, GlobalVariable &G, StringRef Unit) {
  // Constant expressions over G (a member's address) become instructions,
  // so that each use can be given the thread's address.
  convertUsersOfConstantsToInstructions({&G});
  std::vector<Use *> Uses;
  for (Use &U : G.uses()) {
    if (!isa<Instruction>(U.getUser()))
      return createStringError(
          inconvertibleErrorCode(),
          "%s: the new thread-local variable %s is used outside code (in a "
          "constant initialiser): hotc cannot give it per-thread storage; "
          "nothing was applied",
          Unit.str().c_str(), demangle(G.getName().str()).c_str());
    Uses.push_back(&U);
  }
  LLVMContext &C = M.getContext();
  std::string Name = G.getName().str();
  G.setName(Name + ".hotc.tls");
  auto *Control = new GlobalVariable(
      M, controlType(C), /*isConstant=*/false,
      G.isDeclaration() ? GlobalValue::ExternalLinkage : G.getLinkage(),
      G.isDeclaration() ? nullptr : controlOf(M, G, Name), Name);
  Control->setVisibility(G.getVisibility());
  Control->setAlignment(Align(8));
  Type *Ptr = PointerType::getUnqual(C);
  FunctionCallee Get = M.getOrInsertFunction(
      "__emutls_get_address", FunctionType::get(Ptr, {Ptr}, false));
  for (Use *U : Uses) {
    auto *I = cast<Instruction>(U->getUser());
    if (auto *II = dyn_cast<IntrinsicInst>(I);
        II && II->getIntrinsicID() == Intrinsic::threadlocal_address) {
      IRBuilder<> B(II);
      II->replaceAllUsesWith(B.CreateCall(Get, {Control}));
      II->eraseFromParent();
      continue;
    }
    // A phi's operand is computed in the block it comes from.
    Instruction *Before = I;
    if (auto *Phi = dyn_cast<PHINode>(I))
      Before = Phi->getIncomingBlock(*U)->getTerminator();
    IRBuilder<> B(Before);
    U->set(B.CreateCall(Get, {Control}));
  }
  G.eraseFromParent();
  return Error::success();
}

// Codegen picks initial-exec for a non-local TLS access in a PIE (the
// build's "PIE Level"): a GOT entry holding the tp offset, which JITLink
// does not make. Without the flag the access is general-dynamic.
void dropPieLevel(Module &M) {
  NamedMDNode *Flags = M.getModuleFlagsMetadata();
  if (!Flags)
    return;
  std::vector<MDNode *> Keep;
  for (MDNode *F : Flags->operands())
    if (!(F->getNumOperands() == 3 && isa<MDString>(F->getOperand(1)) &&
          cast<MDString>(F->getOperand(1))->getString() == "PIE Level"))
      Keep.push_back(F);
  Flags->clearOperands();
  for (MDNode *F : Keep)
    Flags->addOperand(F);
}

} // namespace

Error lowerThreadLocals(Module &M, const LiveView &Live, StringRef Unit) {
  std::vector<GlobalVariable *> Tls;
  for (GlobalVariable &G : M.globals())
    if (G.isThreadLocal())
      Tls.push_back(&G);
  bool ReachesLiveTls = false;
  for (GlobalVariable *G : Tls) {
    const LiveSymbol *L = Live.find(G->getName(), G->hasLocalLinkage());
    if (L && L->TlsModule) {
      // __tls_get_addr works for every module; the initial- and local-exec
      // sequences a tls_model attribute asks for do not reach a JIT object.
      G->setThreadLocalMode(GlobalValue::GeneralDynamicTLSModel);
      ReachesLiveTls = true;
      // Its DWARF location (DW_OP_GNU_push_tls_address) needs a DTPOFF64
      // relocation JITLink does not apply; the binary's DWARF has it.
      G->eraseMetadata(LLVMContext::MD_dbg);
      continue;
    }
    // Neither live nor defined here: the resolvability check names it.
    if (!L && G->isDeclaration())
      continue;
    // New (defined here and not live), or the control object an earlier
    // patch created under this name.
    if (Error E = emulate(M, *G, Unit))
      return E;
  }
  if (ReachesLiveTls)
    dropPieLevel(M);
  return Error::success();
}

} // namespace hotc::jit
