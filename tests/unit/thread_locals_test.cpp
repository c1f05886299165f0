#include "ir_fixture.h"
#include "jit/thread_locals.h"

#include "llvm/IR/Instructions.h"
#include "llvm/IR/IntrinsicInst.h"

#include <gtest/gtest.h>

using namespace hotc;
using namespace llvm;

namespace {

const char *kUnit = R"(
thread_local int live_counter;
extern thread_local int library_flag __attribute__((tls_model("initial-exec")));
static thread_local long new_counter = 40;
int bump() { return ++live_counter + library_flag + (int)++new_counter; }
)";

struct Lowered {
  jit::CompiledTu Tu;
  jit::SymbolTable Globals, Locals;
};

Lowered lower(bool EarlierPatchCreatedCounter) {
  Lowered L;
  L.Tu = test::compileSnippet("tls.cpp", kUnit);
  L.Globals["live_counter"] = {0x10, 4, false, false, /*TlsModule=*/1};
  L.Globals["library_flag"] = {0x8, 4, false, false, /*TlsModule=*/3};
  if (EarlierPatchCreatedCounter)
    L.Locals["_ZL11new_counter"] = {0x7f0000001000, 32, false};
  jit::LiveView View{&L.Globals, &L.Locals};
  Error E = jit::lowerThreadLocals(*L.Tu.Module, View, "tls.cpp");
  EXPECT_FALSE(bool(E)) << toString(std::move(E));
  return L;
}

bool callsEmutlsWith(const Module &M, const GlobalVariable *Control) {
  for (const Function &F : M)
    for (const BasicBlock &B : F)
      for (const Instruction &I : B)
        if (auto *C = dyn_cast<CallInst>(&I))
          if (C->getCalledFunction() &&
              C->getCalledFunction()->getName() == "__emutls_get_address" &&
              C->getArgOperand(0) == Control)
            return true;
  return false;
}

TEST(ThreadLocals, LiveVariablesStayGeneralDynamicTls) {
  Lowered L = lower(false);
  for (const char *Name : {"live_counter", "library_flag"}) {
    GlobalVariable *G = L.Tu.Module->getNamedGlobal(Name);
    ASSERT_TRUE(G) << Name;
    EXPECT_TRUE(G->isThreadLocal()) << Name;
    // Initial-exec would need a GOT entry of the tp offset, which JITLink
    // does not make: every live access goes through __tls_get_addr.
    EXPECT_EQ(G->getThreadLocalMode(), GlobalValue::GeneralDynamicTLSModel) << Name;
  }
}

// The emulated variable: a plain global under its name, read through libgcc.
GlobalVariable *emulatedCounter(Module &M) {
  GlobalVariable *Control = M.getNamedGlobal("_ZL11new_counter");
  EXPECT_TRUE(Control && !Control->isThreadLocal() && callsEmutlsWith(M, Control));
  return Control;
}

TEST(ThreadLocals, NewVariableBecomesAnEmutlsControlObject) {
  Lowered L = lower(false);
  Module &M = *L.Tu.Module;
  GlobalVariable *Control = emulatedCounter(M);
  ASSERT_TRUE(Control);
  EXPECT_TRUE(Control->hasLocalLinkage()) << "keeps the variable's linkage";
  auto *Init = dyn_cast<ConstantStruct>(Control->getInitializer());
  ASSERT_TRUE(Init);
  EXPECT_EQ(cast<ConstantInt>(Init->getOperand(0))->getZExtValue(), 8u); // size
  EXPECT_EQ(cast<ConstantInt>(Init->getOperand(1))->getZExtValue(), 8u); // align
  EXPECT_TRUE(Init->getOperand(2)->isNullValue()) << "index: assigned on first use";
  auto *Template = dyn_cast<GlobalVariable>(Init->getOperand(3));
  ASSERT_TRUE(Template) << "a non-zero initial value needs a template";
  EXPECT_EQ(cast<ConstantInt>(Template->getInitializer())->getSExtValue(), 40);
  for (const GlobalVariable &G : M.globals())
    if (!L.Globals.count(G.getName()))
      EXPECT_FALSE(G.isThreadLocal())
          << G.getName().str() << ": JITLink cannot link TLS storage";
}

TEST(ThreadLocals, LaterPatchReachesTheControlObjectAnEarlierOneCreated) {
  Lowered L = lower(true);
  EXPECT_TRUE(emulatedCounter(*L.Tu.Module));
}

} // namespace
