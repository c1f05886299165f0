// The connection to one running process: ORC's controller side over the
// agent's socket, the symbol tables of the live modules, and the JIT
// dylibs patches are linked into. Kept alive across edits, so the per-edit
// path never re-reads symbol tables.
#pragma once

#include "jit/global_moves.h"
#include "jit/live_dwarf.h"
#include "jit/stack_unwind.h"
#include "jit/live_symbols.h"
#include "jit/patch_module.h"
#include "jit/patched_code.h"

#include "llvm/ExecutionEngine/Orc/Core.h"
#include "llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <string>

namespace hotc::jit {

class TlsDescriptorPlugin;
class CodeMapPlugin;

// A function entry to re-point, as sent to the agent.
struct EntryRepoint {
  std::string Name;
  uint64_t Entry = 0;
  uint64_t Target = 0;
  uint64_t Room = 0;
};

// How the agent applies a patch, and what it tells the application's hooks
// (hotreload.h) of it.
struct PatchNotice {
  // Re-pointed by the next thread in hotreload_safe_point() rather than
  // with the world stopped; refused if none comes within the timeout.
  bool AtSafePoint = false;
  unsigned SafePointTimeoutMs = 10000;
  std::vector<std::string> Files;     // sources recompiled
  std::vector<std::string> Functions; // re-pointed, demangled
};

// A thread that keeps running the old code of Entry after a patch (its
// program counter, or the return address of one of its frames, is in it).
struct OldCodeThread {
  int Tid = 0;
  uint64_t Entry = 0;
};

// What the agent found of threads inside the code a patch replaced
// (agent/old_code_frames.h): certain ones, and the stacks of candidates
// with the ranges of old code to check their frames against.
struct OldCodeReport {
  std::vector<OldCodeThread> Certain;
  struct Range {
    uint64_t Start, End, Entry;
  };
  std::vector<Range> Ranges;
  std::vector<ThreadStack> Candidates;
};

struct LinkedObject {
  llvm::orc::JITDylib *Dylib = nullptr;
  llvm::StringMap<uint64_t> Addresses; // of the symbols asked for
  LinkedCode Code;                     // every function it linked
};

// Code the agent guards: a crash in it is reported and, under the rollback
// policy, left (when the function returns in registers).
struct GuardedFunction {
  uint64_t Start = 0;
  uint64_t Size = 0;
  bool Leavable = false;
};

class LinkSession {
public:
  // Connects to the agent of Pid (its socket must exist) and reads the
  // symbol tables of every module the process has loaded.
  static llvm::Expected<std::unique_ptr<LinkSession>> connect(int Pid);
  ~LinkSession();

  int pid() const { return Pid; }
  const LiveSymbols &process() const { return Process; }
  // The binary's DWARF: static variables by source identity.
  LiveDwarf &dwarf() { return Dwarf; }
  // Walks the frames of the process's threads (jit/stack_unwind.h).
  StackUnwinder &unwinder() { return *Unwinder; }
  // Binds Name, as a patch of the TU spells it, to the live variable or
  // function at Address (found by identity: the binary spells it otherwise).
  llvm::Error bindLiveSymbol(llvm::StringRef SourcePath, llvm::StringRef Name,
                      uint64_t Address, bool Local, bool IsFunction = false);
  std::string triple() const;

  // What exists live for the TU with this source path.
  llvm::Expected<LiveView> viewOf(llvm::StringRef SourcePath);

  // Links Object into a fresh dylib that resolves against the TU's live
  // internals and the process; looks up Names (all must be defined).
  llvm::Expected<LinkedObject> link(llvm::StringRef SourcePath,
                                    llvm::StringRef DylibName,
                                    std::unique_ptr<llvm::MemoryBuffer> Object,
                                    llvm::ArrayRef<std::string> Names);
  // The same for a graph already cut to the patch (a GCC object,
  // jit/build_compiler_patch.h).
  llvm::Expected<LinkedObject> link(llvm::StringRef SourcePath,
                                    llvm::StringRef DylibName,
                                    std::unique_ptr<llvm::jitlink::LinkGraph> Graph,
                                    llvm::ArrayRef<std::string> Names);
  // Of Names (symbols a patch of the TU refers to), those neither the
  // process nor earlier patches define.
  llvm::Expected<std::vector<std::string>>
  unresolved(llvm::StringRef SourcePath, llvm::ArrayRef<std::string> Names);

  // Undoes a link whose patch will not be applied (nothing of it ran).
  void discard(LinkedObject &Linked);

  // Makes symbols a linked patch created visible to what is linked after
  // it (a new unit's functions, called by an edit in the same save).
  llvm::Error publish(llvm::StringRef SourcePath, llvm::ArrayRef<CreatedSymbol> Created,
               const llvm::StringMap<uint64_t> &Addresses);
  // Takes them back when the patch is not applied.
  void unpublish(llvm::StringRef SourcePath,
                 llvm::ArrayRef<CreatedSymbol> Created);
  // Records published symbols in the agent, once the patch is applied, so
  // that a reconnecting hotc binds to the same instances.
  llvm::Error recordCreated(llvm::StringRef SourcePath,
                            llvm::ArrayRef<CreatedSymbol> Created,
                            const llvm::StringMap<uint64_t> &Addresses);

  // Records moved globals' new storage in the agent the same way; for a
  // reconnecting hotc it overrides the binary's symbol.
  llvm::Error recordMoved(llvm::StringRef SourcePath,
                          llvm::ArrayRef<GlobalMove> Moves);
  // An earlier hotc moved globals in this process (its records say so).
  bool adoptedMoves() const { return AdoptedMoves; }

  llvm::Error runInitialiser(uint64_t Address);
  // Re-points Entries as patch Version, with Code guarded under Policy
  // (protocol::CrashPolicy) from before the first entry leads to it.
  // Returns what the agent found of threads still inside old code.
  llvm::Expected<OldCodeReport>
  repointEntries(uint64_t Version, uint8_t Policy,
                 llvm::ArrayRef<GuardedFunction> Code,
                 llvm::ArrayRef<EntryRepoint> Entries,
                 const PatchNotice &Notice);
  // The agent undoes every applied version from Version up (newest first,
  // threads stopped) and returns the versions it undid.
  llvm::Expected<std::vector<uint64_t>> undoFrom(uint64_t Version);
  // The agent applies the undone Version again.
  llvm::Error redo(uint64_t Version);
  // Frees the memory of Version (its code blocks Code, linked into
  // Dylibs) if the agent finds nothing reaches it, after forgetting every
  // version up to Horizon (protocol::kReleaseFn). Returns "" when freed,
  // else the agent's reason to keep it.
  llvm::Expected<std::string>
  release(uint64_t Version, uint64_t Horizon,
          llvm::ArrayRef<std::pair<uint64_t, uint64_t>> Code,
          llvm::ArrayRef<llvm::orc::JITDylib *> Dylibs);

  // Leaves the process running the patched code: the JIT memory stays, the
  // session is not ended.
  void detach();

private:
  LinkSession() = default;
  llvm::Error setUp();
  llvm::Error adoptRecordedSymbols();
  llvm::Error bindIfuncs();
  llvm::Expected<llvm::orc::JITDylib *> localsDylib(llvm::StringRef SourcePath);
  llvm::Expected<LinkedObject>
  linkWith(llvm::StringRef SourcePath, llvm::StringRef DylibName,
           llvm::ArrayRef<std::string> Names,
           llvm::function_ref<llvm::Error(llvm::orc::JITDylib &)> Add);
  llvm::Error defineCreated(llvm::orc::JITDylib &JD, llvm::StringRef Name, uint64_t Addr,
                     bool IsFunction);

  int Pid = 0;
  int Socket = -1;
  // ORC reports a failed link's cause to the session's error reporter, and
  // only "failed to materialize" to the lookup: keep the causes.
  std::shared_ptr<std::vector<std::string>> Reported =
      std::make_shared<std::vector<std::string>>();
  LiveSymbols Process;
  LiveDwarf Dwarf;
  std::unique_ptr<StackUnwinder> Unwinder;
  SymbolTable Globals; // process externals + externals created by patches
  bool AdoptedMoves = false;
  llvm::StringMap<SymbolTable> Locals;                 // by TU source path
  llvm::StringMap<llvm::orc::JITDylib *> LocalDylibs; // by TU source path
  // Internal symbols created by patches of a TU, by source path.
  llvm::StringMap<SymbolTable> CreatedLocals;
  std::unique_ptr<llvm::orc::ExecutionSession> ES;
  std::unique_ptr<llvm::orc::ObjectLinkingLayer> Linker;
  TlsDescriptorPlugin *TlsDescriptors = nullptr; // owned by Linker
  CodeMapPlugin *CodeMap = nullptr;               // owned by Linker
  llvm::orc::JITDylib *ProcessDylib = nullptr;
  llvm::orc::ExecutorAddr PatchFn, UndoFn, RedoFn, ReleaseFn, RecordFn, RecordedFn, ModulesFn, ResolveIfuncsFn;
};

} // namespace hotc::jit
