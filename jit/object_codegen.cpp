#include "jit/object_codegen.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Verifier.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Passes/StandardInstrumentations.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/SmallVectorMemoryBuffer.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Transforms/IPO/GlobalDCE.h"

using namespace llvm;

namespace hotc::jit {

Expected<std::unique_ptr<ObjectCodegen>>
ObjectCodegen::create(const std::string &Triple) {
  InitializeNativeTarget();
  InitializeNativeTargetAsmPrinter();
  // Inline asm in a patch (a syscall, a pause in a spin loop) is assembled
  // by the object streamer: without the parser LLVM aborts the whole hotc.
  InitializeNativeTargetAsmParser();
  std::string Err;
  const Target *T = TargetRegistry::lookupTarget(Triple, Err);
  if (!T)
    return createStringError(inconvertibleErrorCode(),
                             "no code generator for %s: %s", Triple.c_str(),
                             Err.c_str());
  TargetOptions Options;
  Options.FunctionSections = true;
  Options.DataSections = true;
  auto Out = std::make_unique<ObjectCodegen>();
  Out->TM.reset(T->createTargetMachine(Triple, "generic", "", Options,
                                       Reloc::PIC_, CodeModel::Small,
                                       CodeGenOptLevel::Default));
  if (!Out->TM)
    return createStringError(inconvertibleErrorCode(),
                             "cannot create a target machine for %s",
                             Triple.c_str());
  return std::move(Out);
}

Expected<std::unique_ptr<MemoryBuffer>> ObjectCodegen::emit(Module &M,
                                                             unsigned OptLevel) {
  M.setDataLayout(TM->createDataLayout());
  M.setTargetTriple(TM->getTargetTriple().str());
  std::string Broken;
  raw_string_ostream BrokenOS(Broken);
  if (verifyModule(M, &BrokenOS)) {
    // Keep the evidence for the bug report.
    SmallString<128> Path;
    sys::fs::createTemporaryFile("hotc-invalid-patch", "ll", Path);
    std::error_code EC;
    raw_fd_ostream IR(Path, EC);
    if (!EC)
      M.print(IR, nullptr);
    return createStringError(inconvertibleErrorCode(),
                             "hotc produced invalid IR (a bug in hotc; the IR "
                             "is in %s): %s",
                             Path.c_str(), Broken.c_str());
  }

  LoopAnalysisManager LAM;
  FunctionAnalysisManager FAM;
  CGSCCAnalysisManager CGAM;
  ModuleAnalysisManager MAM;
  // The new pass manager skips `optnone` functions (a user's, or those
  // `hotc debug` keeps unoptimised) only through this instrumentation.
  PassInstrumentationCallbacks PIC;
  StandardInstrumentations SI(M.getContext(), /*DebugLogging=*/false);
  SI.registerCallbacks(PIC, &MAM);
  PassBuilder PB(TM.get(), PipelineTuningOptions(), std::nullopt, &PIC);
  PB.registerModuleAnalyses(MAM);
  PB.registerCGSCCAnalyses(CGAM);
  PB.registerFunctionAnalyses(FAM);
  PB.registerLoopAnalyses(LAM);
  PB.crossRegisterProxies(LAM, FAM, CGAM, MAM);
  static const OptimizationLevel Levels[] = {
      OptimizationLevel::O0, OptimizationLevel::O1, OptimizationLevel::O2,
      OptimizationLevel::O3};
  ModulePassManager MPM =
      OptLevel == 0 ? PB.buildO0DefaultPipeline(OptimizationLevel::O0)
                    : PB.buildPerModuleDefaultPipeline(Levels[std::min(OptLevel, 3u)]);
  // Private copies nothing uses (most of a TU's inline functions) would
  // only cost code generation time.
  MPM.addPass(GlobalDCEPass());
  MPM.run(M, MAM);

  SmallVector<char, 0> Bytes;
  raw_svector_ostream OS(Bytes);
  legacy::PassManager CodegenPM;
  if (TM->addPassesToEmitFile(CodegenPM, OS, nullptr,
                              CodeGenFileType::ObjectFile))
    return createStringError(inconvertibleErrorCode(),
                             "the target cannot emit object files");
  CodegenPM.run(M);

  return std::make_unique<SmallVectorMemoryBuffer>(
      std::move(Bytes), M.getModuleIdentifier(), false);
}

} // namespace hotc::jit
