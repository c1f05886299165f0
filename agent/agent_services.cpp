#include "agent/agent_services.h"

#include "agent/crash_guard.h"
#include "agent/debug_object_list.h"
#include "agent/entry_patcher.h"
#include "agent/patch_hooks.h"
#include "agent/safe_point.h"
#include "hotreload/hotreload.h"
#include "protocol/agent_protocol.h"

#include "llvm/ExecutionEngine/Orc/Shared/WrapperFunctionUtils.h"
#include "llvm/ExecutionEngine/Orc/TargetProcess/JITLoaderGDB.h"
#include "llvm/ExecutionEngine/Orc/TargetProcess/RegisterEHFrames.h"

#include <algorithm>
#include <elf.h>
#include <link.h>
#include <map>
#include <string>
#include <mutex>
#include <tuple>

using namespace llvm;
using namespace llvm::orc;
using namespace llvm::orc::shared;

namespace hotc::agent {
namespace {

using ModuleInfo = std::tuple<std::string, uint64_t, std::string, uint64_t>;
using SymbolRecord = std::tuple<std::string, std::string, ExecutorAddr>;

EntryPatcher &patcher() {
  static auto *P = new EntryPatcher; // never destroyed: patches outlive exit
  return *P;
}

std::mutex RecordLock;
std::vector<SymbolRecord> &records() {
  static auto *R = new std::vector<SymbolRecord>;
  return *R;
}

std::string buildIdOf(const dl_phdr_info *Info) {
  for (int I = 0; I < Info->dlpi_phnum; ++I) {
    const ElfW(Phdr) &P = Info->dlpi_phdr[I];
    if (P.p_type != PT_NOTE)
      continue;
    auto *Cur = reinterpret_cast<const char *>(Info->dlpi_addr + P.p_vaddr);
    const char *End = Cur + P.p_memsz;
    while (Cur + sizeof(ElfW(Nhdr)) <= End) {
      auto *N = reinterpret_cast<const ElfW(Nhdr) *>(Cur);
      const char *Name = Cur + sizeof(*N);
      const char *Desc = Name + ((N->n_namesz + 3) & ~3u);
      if (N->n_type == NT_GNU_BUILD_ID && N->n_namesz == 4 &&
          memcmp(Name, "GNU", 4) == 0) {
        static const char Hex[] = "0123456789abcdef";
        std::string Out;
        for (unsigned J = 0; J < N->n_descsz; ++J) {
          auto B = static_cast<unsigned char>(Desc[J]);
          Out += Hex[B >> 4];
          Out += Hex[B & 15];
        }
        return Out;
      }
      Cur = Desc + ((N->n_descsz + 3) & ~3u);
    }
  }
  return "";
}

std::vector<ModuleInfo> listModules() {
  std::vector<ModuleInfo> Out;
  dl_iterate_phdr(
      [](dl_phdr_info *Info, size_t, void *Data) {
        auto &V = *static_cast<std::vector<ModuleInfo> *>(Data);
        V.emplace_back(Info->dlpi_name ? Info->dlpi_name : "", Info->dlpi_addr,
                       buildIdOf(Info), uint64_t(Info->dlpi_tls_modid));
        return 0;
      },
      &Out);
  return Out;
}

using PatchedCodeArg = std::tuple<ExecutorAddr, uint64_t, bool>;
using EntryArg = std::tuple<ExecutorAddr, ExecutorAddr, uint64_t>;

// The code is guarded before any entry leads to it.
// The size of each function's code hotc linked, by start: the old code
// of an entry re-pointed again is its current target's.
std::mutex CodeSizeLock;
std::map<uint64_t, uint64_t> LinkedCodeSizes;

// What each entry runs before this patch: its original code, and the code
// of the version it jumps to now.
std::vector<OldCode> oldCodeOf(const std::vector<EntryPatch> &Patches) {
  std::vector<OldCode> Out;
  std::lock_guard<std::mutex> Guard(CodeSizeLock);
  for (const EntryPatch &P : Patches) {
    Out.push_back({P.Entry, P.Entry + P.Room, P.Entry});
    if (uint64_t T = patcher().currentTarget(P.Entry))
      if (auto It = LinkedCodeSizes.find(T); It != LinkedCodeSizes.end())
        Out.push_back({T, T + It->second, P.Entry});
  }
  return Out;
}

using PatchResult =
    std::tuple<std::vector<std::tuple<uint64_t, ExecutorAddr>>,
               std::vector<std::tuple<uint64_t, uint64_t, ExecutorAddr>>,
               std::vector<std::tuple<uint64_t, std::vector<uint64_t>, std::string>>>;

PatchResult resultOf(const OldCodeScan &Scan) {
  PatchResult R;
  for (const OldCodeFrame &F : Scan.found())
    std::get<0>(R).emplace_back(static_cast<uint64_t>(F.Tid), ExecutorAddr(F.Entry));
  for (const OldCode &C : Scan.ranges())
    std::get<1>(R).emplace_back(C.Start, C.End, ExecutorAddr(C.Entry));
  for (const ThreadStack &T : Scan.stacks())
    std::get<2>(R).emplace_back(
        static_cast<uint64_t>(T.Tid), std::vector<uint64_t>(T.Regs, T.Regs + 8),
        std::string(Scan.bytes().data() + T.Offset, T.Length));
  return R;
}

using NoticeArg = std::tuple<uint8_t, uint64_t, std::vector<std::string>,
                             std::vector<std::string>>;

// Re-points the entries (world stopped, or on the thread at a safe point:
// Self), with the application's hooks around it.
std::string repoint(const patch_hooks::PatchNotice &Notice,
                    const std::vector<PatchedCode> &Guarded,
                    const std::vector<EntryPatch> &Patches, OldCodeScan &Scan,
                    const StoppedThread *Self) {
  patch_hooks::runBefore(Notice);
  std::string Why = patcher().apply(Notice.Version, Patches, &Scan, Self);
  if (!Why.empty())
    return Why;
  {
    std::lock_guard<std::mutex> Guard(CodeSizeLock);
    for (const PatchedCode &C : Guarded)
      LinkedCodeSizes[C.Start] = C.Size;
  }
  patch_hooks::runAfter(Notice, patcher().appliedCount());
  return "";
}

Expected<PatchResult>
applyPatches(uint64_t Version, uint8_t Policy,
             const std::vector<PatchedCodeArg> &Code,
             const std::vector<EntryArg> &In, const NoticeArg &NoticeIn) {
  auto &[ApplyAt, TimeoutMs, Files, Functions] = NoticeIn;
  if (ApplyAt > uint8_t(protocol::ApplyAt::SafePoint))
    return createStringError(inconvertibleErrorCode(),
                             "unknown way to apply a patch: %u", ApplyAt);
  std::vector<PatchedCode> Guarded;
  for (auto &[Start, Size, Leavable] : Code)
    Guarded.push_back({Start.getValue(), Size, Version, Leavable});
  crash_guard::protect(Guarded.data(), Guarded.size(), Policy);
  std::vector<EntryPatch> Patches;
  for (auto &[Entry, Target, Room] : In)
    Patches.push_back({Entry.getValue(), Target.getValue(), Room});
  patch_hooks::PatchNotice Notice{Version, Functions, Files};
  OldCodeScan Scan;
  Scan.prepare(oldCodeOf(Patches));
  std::string Why;
  if (ApplyAt == uint8_t(protocol::ApplyAt::SafePoint)) {
    // Capped: hotc waits on this call.
    unsigned Ms = static_cast<unsigned>(std::min<uint64_t>(TimeoutMs, 3600000));
    if (!safe_point::run(
            [&](const StoppedThread &Self) {
              Why = repoint(Notice, Guarded, Patches, Scan, &Self);
            },
            Ms))
      Why = "no thread called hotreload_safe_point() within " +
            std::to_string(Ms) + " ms (safe_points = true); nothing was "
            "patched";
  } else {
    Why = repoint(Notice, Guarded, Patches, Scan, nullptr);
  }
  if (!Why.empty()) {
    crash_guard::forget(Version);
    return createStringError(inconvertibleErrorCode(), Why);
  }
  return resultOf(Scan);
}

Expected<std::vector<uint64_t>> undoVersions(uint64_t From) {
  std::vector<uint64_t> Undone;
  std::string Why = patcher().undoFrom(From, Undone);
  if (!Why.empty())
    return createStringError(inconvertibleErrorCode(), Why);
  return Undone;
}

Error redoVersion(uint64_t Version) {
  std::string Why = patcher().redo(Version);
  if (!Why.empty())
    return createStringError(inconvertibleErrorCode(), Why);
  return Error::success();
}

// protocol::kReleaseFn. The world is stopped only for the stack scan.
std::string releaseVersion(uint64_t Version, uint64_t Horizon,
                           const std::vector<std::tuple<uint64_t, uint64_t>> &Code) {
  patcher().forgetUpTo(Horizon);
  if (Version == 0 || Version > Horizon)
    return "version " + std::to_string(Version) +
           " is still in the undo history";
  std::vector<OldCode> Ranges;
  for (auto &[Start, End] : Code)
    if (Start < End)
      Ranges.push_back({Start, End, Start});
  if (Ranges.empty())
    return "no code to release";
  OldCodeScan Scan;
  Scan.prepare(Ranges, /*Whole=*/true);
  if (std::string Why = patcher().findUsers(Scan); !Why.empty())
    return Why;
  crash_guard::forget(Version);
  {
    std::lock_guard<std::mutex> Guard(CodeSizeLock);
    for (const OldCode &R : Ranges)
      LinkedCodeSizes.erase(LinkedCodeSizes.lower_bound(R.Start),
                            LinkedCodeSizes.lower_bound(R.End));
  }
  unregisterDebugObjectsIn(Ranges);
  return "";
}

CWrapperFunctionResult releaseWrapper(const char *Data, size_t Size) {
  return WrapperFunction<protocol::SPSReleaseSig>::handle(Data, Size,
                                                          releaseVersion)
      .release();
}

CWrapperFunctionResult undoWrapper(const char *Data, size_t Size) {
  return WrapperFunction<protocol::SPSUndoSig>::handle(Data, Size,
                                                       undoVersions)
      .release();
}

CWrapperFunctionResult redoWrapper(const char *Data, size_t Size) {
  return WrapperFunction<protocol::SPSRedoSig>::handle(Data, Size, redoVersion)
      .release();
}

CWrapperFunctionResult modulesWrapper(const char *Data, size_t Size) {
  return WrapperFunction<protocol::SPSModulesSig>::handle(Data, Size,
                                                          listModules)
      .release();
}

CWrapperFunctionResult patchWrapper(const char *Data, size_t Size) {
  return WrapperFunction<protocol::SPSPatchSig>::handle(Data, Size,
                                                        applyPatches)
      .release();
}

// What ld.so does for an STT_GNU_IFUNC symbol on x86-64 (elf_ifunc_invoke):
// call the resolver with no arguments; its result is the function to bind.
std::vector<ExecutorAddr> resolveIfuncs(const std::vector<ExecutorAddr> &Resolvers) {
  std::vector<ExecutorAddr> Out;
  Out.reserve(Resolvers.size());
  for (ExecutorAddr R : Resolvers)
    Out.push_back(ExecutorAddr::fromPtr(R.toPtr<void *(*)()>()()));
  return Out;
}

CWrapperFunctionResult resolveIfuncsWrapper(const char *Data, size_t Size) {
  return WrapperFunction<protocol::SPSResolveIfuncsSig>::handle(Data, Size,
                                                                resolveIfuncs)
      .release();
}

CWrapperFunctionResult recordWrapper(const char *Data, size_t Size) {
  return WrapperFunction<protocol::SPSRecordSymbolsSig>::handle(
             Data, Size,
             [](std::vector<SymbolRecord> New) {
               std::lock_guard<std::mutex> Guard(RecordLock);
               auto &R = records();
               R.insert(R.end(), New.begin(), New.end());
             })
      .release();
}

CWrapperFunctionResult recordedWrapper(const char *Data, size_t Size) {
  return WrapperFunction<protocol::SPSRecordedSymbolsSig>::handle(
             Data, Size,
             []() {
               std::lock_guard<std::mutex> Guard(RecordLock);
               return records();
             })
      .release();
}

} // namespace

bool initServices(std::string &Why) {
  return WorldStop::installHandler(Why) &&
         crash_guard::install(patcher(), protocol::crashLogPath(getpid()), Why);
}

void addServiceSymbols(StringMap<ExecutorAddr> &S) {
  S[protocol::kModulesFn] = ExecutorAddr::fromPtr(&modulesWrapper);
  S[protocol::kPatchFn] = ExecutorAddr::fromPtr(&patchWrapper);
  S[protocol::kUndoFn] = ExecutorAddr::fromPtr(&undoWrapper);
  S[protocol::kRedoFn] = ExecutorAddr::fromPtr(&redoWrapper);
  S[protocol::kReleaseFn] = ExecutorAddr::fromPtr(&releaseWrapper);
  S[protocol::kResolveIfuncsFn] = ExecutorAddr::fromPtr(&resolveIfuncsWrapper);
  S[protocol::kRecordSymbolsFn] = ExecutorAddr::fromPtr(&recordWrapper);
  S[protocol::kRecordedSymbolsFn] = ExecutorAddr::fromPtr(&recordedWrapper);
  S[protocol::kRegisterEHFramesFn] =
      ExecutorAddr::fromPtr(&llvm_orc_registerEHFrameSectionWrapper);
  S[protocol::kDeregisterEHFramesFn] =
      ExecutorAddr::fromPtr(&llvm_orc_deregisterEHFrameSectionWrapper);
  S[protocol::kRegisterDebugObjectFn] =
      ExecutorAddr::fromPtr(&llvm_orc_registerJITLoaderGDBWrapper);
}

} // namespace hotc::agent

// The public C API of hotreload/hotreload.h.
extern "C" {
__attribute__((visibility("default"))) const char *hotreload_agent_version(void) {
  return "0.1.0";
}

__attribute__((visibility("default"))) unsigned long
hotreload_patch_count(void) {
  return hotc::agent::patcher().appliedCount();
}

}
