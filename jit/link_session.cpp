#include "jit/link_session.h"

#include "jit/literal_pool.h"
#include "jit/patched_code.h"
#include "jit/tls_descriptors.h"

#include "protocol/agent_protocol.h"

#include "llvm/ExecutionEngine/Orc/DebugObjectManagerPlugin.h"
#include "llvm/ExecutionEngine/Orc/EPCDebugObjectRegistrar.h"
#include "llvm/ExecutionEngine/Orc/EPCDynamicLibrarySearchGenerator.h"
#include "llvm/ExecutionEngine/Orc/EPCEHFrameRegistrar.h"
#include "llvm/ExecutionEngine/Orc/SimpleRemoteEPC.h"
#include "llvm/ExecutionEngine/Orc/TaskDispatch.h"
#include "llvm/Support/Path.h"

#include <cassert>
#include <cerrno>
#include <fstream>
#include <cstring>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

using namespace llvm;
using namespace llvm::orc;

namespace hotc::jit {
namespace {

Expected<int> connectToAgent(int Pid) {
  std::string Path = protocol::socketPath(Pid);
  sockaddr_un Addr{};
  Addr.sun_family = AF_UNIX;
  if (Path.size() >= sizeof(Addr.sun_path))
    return createStringError(inconvertibleErrorCode(),
                             "socket path too long: %s", Path.c_str());
  memcpy(Addr.sun_path, Path.c_str(), Path.size() + 1);
  int FD = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (FD >= 0 &&
      ::connect(FD, reinterpret_cast<sockaddr *>(&Addr), sizeof(Addr)) == 0)
    return FD;
  int E = errno;
  if (FD >= 0)
    close(FD);
  const char *Hint =
      E == ENOENT || E == ECONNREFUSED
          ? "is the process running with the agent (hotc run, hotc watch "
            "--exec, or linked with HotReload::agent)?"
      : E == EACCES ? "the socket belongs to another user" : "";
  return createStringError(std::error_code(E, std::generic_category()),
                           "cannot connect to the agent of pid %d at %s: %s; %s",
                           Pid, Path.c_str(), strerror(E), Hint);
}

// The agent greets a peer it accepts; it closes on one it refuses, and
// does not answer while another hotc is attached.
Error awaitGreeting(int FD, int Pid) {
  pollfd P{FD, POLLIN, 0};
  char C = 0;
  if (poll(&P, 1, 5000) != 1)
    return createStringError(inconvertibleErrorCode(),
                             "the agent of pid %d does not answer", Pid);
  if (read(FD, &C, 1) != 1)
    return createStringError(inconvertibleErrorCode(),
                             "the agent of pid %d refused the session: only "
                             "the user running the process may patch it",
                             Pid);
  if (C == protocol::kBusy)
    return createStringError(std::make_error_code(std::errc::device_or_resource_busy),
                             "another hotc is attached to pid %d; stop it "
                             "first (one hotc per process)",
                             Pid);
  if (C != protocol::kGreeting)
    return createStringError(inconvertibleErrorCode(),
                             "pid %d's socket does not speak hotc's protocol",
                             Pid);
  return Error::success();
}

JITSymbolFlags flagsOf(bool IsFunction) {
  JITSymbolFlags F = JITSymbolFlags::Exported;
  if (IsFunction)
    F |= JITSymbolFlags::Callable;
  return F;
}

SymbolMap toSymbolMap(ExecutionSession &ES, const SymbolTable &T) {
  SymbolMap Out;
  for (const auto &E : T)
    Out[ES.intern(E.getKey())] = {ExecutorAddr(E.second.Address),
                                  flagsOf(E.second.IsFunction)};
  return Out;
}

// Gone, or dead and not yet reaped by its parent.
bool processEnded(int Pid) {
  std::ifstream Stat("/proc/" + std::to_string(Pid) + "/stat");
  std::string Line;
  if (!std::getline(Stat, Line))
    return true;
  size_t Paren = Line.rfind(')');
  return Paren != std::string::npos && Paren + 2 < Line.size() &&
         (Line[Paren + 2] == 'Z' || Line[Paren + 2] == 'X');
}

} // namespace

LinkSession::~LinkSession() { detach(); }

std::string LinkSession::triple() const {
  return ES->getTargetTriple().str();
}

Expected<std::unique_ptr<LinkSession>> LinkSession::connect(int Pid) {
  std::unique_ptr<LinkSession> S(new LinkSession);
  S->Pid = Pid;
  auto FD = connectToAgent(Pid);
  if (!FD)
    return FD.takeError();
  S->Socket = *FD;
  if (Error E = awaitGreeting(*FD, Pid)) {
    close(*FD);
    S->Socket = -1;
    return std::move(E);
  }
  auto EPC = SimpleRemoteEPC::Create<FDSimpleRemoteEPCTransport>(
      std::make_unique<DynamicThreadPoolTaskDispatcher>(std::nullopt),
      SimpleRemoteEPC::Setup(), *FD, *FD);
  if (!EPC)
    return createStringError(inconvertibleErrorCode(),
                             "the agent of pid %d refused the session: %s", Pid,
                             toString(EPC.takeError()).c_str());
  S->ES = std::make_unique<ExecutionSession>(std::move(*EPC));
  S->ES->setErrorReporter([Reported = S->Reported](Error E) {
    Reported->push_back(toString(std::move(E)));
  });
  if (Error E = S->setUp())
    return std::move(E);
  return std::move(S);
}

Error LinkSession::setUp() {
  ExecutorProcessControl &EPC = ES->getExecutorProcessControl();
  std::optional<uint64_t> Version;
  if (Error E = EPC.getBootstrapMapValue<uint64_t, uint64_t>(
          protocol::kVersionKey, Version))
    return E;
  if (Version != protocol::kProtocolVersion)
    return createStringError(
        inconvertibleErrorCode(),
        "the agent of pid %d speaks protocol %llu, this hotc speaks %llu: "
        "restart the process with this hotc's agent",
        Pid, (unsigned long long)Version.value_or(0),
        (unsigned long long)protocol::kProtocolVersion);
  ExecutorAddr RegisterEH, DeregisterEH, RegisterDebug;
  if (Error E = EPC.getBootstrapSymbols(
          {{ModulesFn, protocol::kModulesFn},
           {PatchFn, protocol::kPatchFn},
           {UndoFn, protocol::kUndoFn},
           {RedoFn, protocol::kRedoFn},
           {ReleaseFn, protocol::kReleaseFn},
           {ResolveIfuncsFn, protocol::kResolveIfuncsFn},
           {RecordFn, protocol::kRecordSymbolsFn},
           {RecordedFn, protocol::kRecordedSymbolsFn},
           {RegisterEH, protocol::kRegisterEHFramesFn},
           {DeregisterEH, protocol::kDeregisterEHFramesFn},
           {RegisterDebug, protocol::kRegisterDebugObjectFn}}))
    return E;

  std::vector<std::tuple<std::string, uint64_t, std::string, uint64_t>> Modules;
  if (Error E = ES->callSPSWrapper<protocol::SPSModulesSig>(ModulesFn, Modules))
    return E;
  std::vector<LoadedModule> Loaded;
  for (auto &[Path, Bias, BuildId, TlsModule] : Modules)
    Loaded.push_back({Path, Bias, BuildId, TlsModule});
  auto Live = LiveSymbols::read(Pid, Loaded);
  if (!Live)
    return Live.takeError();
  Process = std::move(*Live);
  Dwarf = LiveDwarf(Pid, Loaded);
  Unwinder = std::make_unique<StackUnwinder>(Pid, Loaded);
  if (Error E = bindIfuncs())
    return E;
  Globals = Process.globals();

  Linker = std::make_unique<ObjectLinkingLayer>(*ES);
  Linker->addPlugin(std::make_unique<EHFrameRegistrationPlugin>(
      *ES, std::make_unique<EPCEHFrameRegistrar>(*ES, RegisterEH, DeregisterEH)));
  Linker->addPlugin(std::make_unique<DebugObjectManagerPlugin>(
      *ES, std::make_unique<EPCDebugObjectRegistrar>(*ES, RegisterDebug),
      /*RequireDebugSections=*/true, /*AutoRegisterCode=*/true));
  auto Tls = std::make_unique<TlsDescriptorPlugin>();
  TlsDescriptors = Tls.get();
  Linker->addPlugin(std::move(Tls));
  // Before CodeMapPlugin: a pooled literal does not pin the version.
  Linker->addPlugin(std::make_unique<LiteralPoolPlugin>(
      ES->getExecutorProcessControl().getMemMgr()));
  auto Map = std::make_unique<CodeMapPlugin>();
  CodeMap = Map.get();
  Linker->addPlugin(std::move(Map));

  ProcessDylib = &ES->createBareJITDylib("<process>");
  if (Error E = ProcessDylib->define(absoluteSymbols(toSymbolMap(*ES, Globals))))
    return E;
  auto DlsymGen = EPCDynamicLibrarySearchGenerator::GetForTargetProcess(*ES);
  if (!DlsymGen)
    return DlsymGen.takeError();
  ProcessDylib->addGenerator(std::move(*DlsymGen));
  return adoptRecordedSymbols();
}

// An IFUNC's symbol value is its resolver: bound as it is, a call to
// strlen would return the address of __strlen_evex. Let the process pick
// the implementations, as its dynamic linker did.
Error LinkSession::bindIfuncs() {
  std::vector<uint64_t> Resolvers = Process.ifuncResolvers();
  if (Resolvers.empty())
    return Error::success();
  std::vector<ExecutorAddr> Args, Chosen;
  for (uint64_t R : Resolvers)
    Args.push_back(ExecutorAddr(R));
  if (Error E = ES->callSPSWrapper<protocol::SPSResolveIfuncsSig>(ResolveIfuncsFn,
                                                                  Chosen, Args))
    return E;
  if (Chosen.size() != Resolvers.size())
    return createStringError(inconvertibleErrorCode(),
                             "the agent resolved %zu of %zu IFUNCs", Chosen.size(),
                             Resolvers.size());
  std::vector<uint64_t> Implementations;
  for (ExecutorAddr A : Chosen)
    Implementations.push_back(A.getValue());
  Process.bindIfuncs(Resolvers, Implementations);
  return Error::success();
}

// The scope of a moved external global's record: unlike a created symbol's,
// it replaces the binary's symbol of that name.
constexpr StringLiteral MovedScope = "<moved>";

// Symbols that patches of an earlier hotc created live on in the process;
// bind to them rather than creating them again.
Error LinkSession::adoptRecordedSymbols() {
  std::vector<std::tuple<std::string, std::string, ExecutorAddr>> Records;
  if (Error E = ES->callSPSWrapper<protocol::SPSRecordedSymbolsSig>(RecordedFn,
                                                                   Records))
    return E;
  for (auto &[Scope, Name, Addr] : Records) {
    if (Scope == MovedScope) { // a moved global's storage is the newest
      AdoptedMoves = true;
      Globals[Name] = {Addr.getValue(), 0, false};
      if (Error E = defineCreated(*ProcessDylib, Name, Addr.getValue(), false))
        return E;
    } else if (Scope.empty()) {
      if (Globals.count(Name))
        continue;
      Globals[Name] = {Addr.getValue(), 16, true};
      if (Error E = defineCreated(*ProcessDylib, Name, Addr.getValue(), true))
        return E;
    } else {
      CreatedLocals[Scope][Name] = {Addr.getValue(), 16, true};
    }
  }
  return Error::success();
}

// Defines Name at Addr in JD, replacing an earlier definition: a symbol
// created again by a later patch, or bound anew, must not keep the old
// address.
Error LinkSession::defineCreated(JITDylib &JD, StringRef Name, uint64_t Addr,
                                 bool IsFunction) {
  SymbolStringPtr Sym = ES->intern(Name);
  // SymbolsNotFound is the usual case (nothing defined yet), not a failure.
  if (Error E = JD.remove({Sym}))
    if (Error Other = handleErrors(std::move(E), [](const SymbolsNotFound &) {}))
      return Other;
  SymbolMap M;
  M[Sym] = {ExecutorAddr(Addr), flagsOf(IsFunction)};
  return JD.define(absoluteSymbols(std::move(M)));
}

Expected<JITDylib *> LinkSession::localsDylib(StringRef SourcePath) {
  if (auto It = LocalDylibs.find(SourcePath); It != LocalDylibs.end())
    return It->second;
  auto Table = Process.localsOf(sys::path::filename(SourcePath));
  if (!Table)
    return Table.takeError();
  SymbolTable &Mine = Locals[SourcePath];
  if (*Table)
    Mine = **Table;
  for (const auto &E : CreatedLocals[SourcePath])
    Mine[E.getKey()] = E.second;
  JITDylib &JD = ES->createBareJITDylib(("<locals of " + SourcePath + ">").str());
  if (!Mine.empty())
    if (Error E = JD.define(absoluteSymbols(toSymbolMap(*ES, Mine))))
      return std::move(E);
  LocalDylibs[SourcePath] = &JD;
  return &JD;
}

Error LinkSession::bindLiveSymbol(StringRef SourcePath, StringRef Name,
                                  uint64_t Address, bool Local, bool IsFunction) {
  LiveSymbol L{Address, 0, IsFunction};
  if (!Local) {
    Globals[Name] = L;
    return defineCreated(*ProcessDylib, Name, Address, IsFunction);
  }
  Locals[SourcePath][Name] = L;
  auto JD = localsDylib(SourcePath);
  if (!JD)
    return JD.takeError();
  return defineCreated(**JD, Name, Address, IsFunction);
}

Expected<LiveView> LinkSession::viewOf(StringRef SourcePath) {
  if (auto JD = localsDylib(SourcePath); !JD)
    return JD.takeError();
  return LiveView{&Globals, &Locals[SourcePath]};
}

Expected<LinkedObject> LinkSession::link(StringRef SourcePath,
                                         StringRef DylibName,
                                         std::unique_ptr<MemoryBuffer> Object,
                                         ArrayRef<std::string> Names) {
  return linkWith(SourcePath, DylibName, Names, [&](JITDylib &JD) {
    return Linker->add(JD, std::move(Object));
  });
}

Expected<LinkedObject> LinkSession::link(StringRef SourcePath,
                                         StringRef DylibName,
                                         std::unique_ptr<jitlink::LinkGraph> Graph,
                                         ArrayRef<std::string> Names) {
  return linkWith(SourcePath, DylibName, Names, [&](JITDylib &JD) {
    return Linker->add(JD, std::move(Graph));
  });
}

Expected<LinkedObject>
LinkSession::linkWith(StringRef SourcePath, StringRef DylibName,
                      ArrayRef<std::string> Names,
                      function_ref<Error(JITDylib &)> Add) {
  auto LocalsJD = localsDylib(SourcePath);
  if (!LocalsJD)
    return LocalsJD.takeError();
  LinkedObject Out;
  Out.Dylib = &ES->createBareJITDylib(DylibName.str());
  Out.Dylib->addToLinkOrder(**LocalsJD, JITDylibLookupFlags::MatchAllSymbols);
  Out.Dylib->addToLinkOrder(*ProcessDylib, JITDylibLookupFlags::MatchAllSymbols);
  Reported->clear();
  TlsDescriptors->setScope(&Locals[SourcePath], &Globals);
  (void)CodeMap->take(); // what a failed link left
  if (Error E = Add(*Out.Dylib)) {
    discard(Out);
    return std::move(E);
  }
  SymbolLookupSet Wanted;
  for (const std::string &N : Names)
    Wanted.add(ES->intern(N));
  auto Found = ES->lookup(
      makeJITDylibSearchOrder(Out.Dylib, JITDylibLookupFlags::MatchAllSymbols),
      std::move(Wanted));
  if (!Found) {
    discard(Out);
    Error E = Found.takeError();
    // Prefer the cause (undefined symbol, bad relocation) over the summary.
    for (std::string &Cause : *Reported)
      E = joinErrors(createStringError(inconvertibleErrorCode(), Cause),
                     std::move(E));
    Reported->clear();
    return std::move(E);
  }
  for (auto &[Name, Def] : *Found)
    Out.Addresses[*Name] = Def.getAddress().getValue();
  Out.Code = CodeMap->take();
  return std::move(Out);
}

Expected<std::vector<std::string>>
LinkSession::unresolved(StringRef SourcePath, ArrayRef<std::string> Names) {
  auto LocalsJD = localsDylib(SourcePath);
  if (!LocalsJD)
    return LocalsJD.takeError();
  SymbolLookupSet Wanted;
  for (const std::string &N : Names)
    Wanted.add(ES->intern(N), SymbolLookupFlags::WeaklyReferencedSymbol);
  JITDylibSearchOrder Order = {
      {*LocalsJD, JITDylibLookupFlags::MatchAllSymbols},
      {ProcessDylib, JITDylibLookupFlags::MatchAllSymbols}};
  auto Found = ES->lookup(Order, std::move(Wanted), LookupKind::Static,
                          SymbolState::Ready);
  if (!Found)
    return Found.takeError();
  std::vector<std::string> Missing;
  for (const std::string &N : Names)
    if (!Found->count(ES->intern(N)))
      Missing.push_back(N);
  return Missing;
}

void LinkSession::discard(LinkedObject &Linked) {
  // removeJITDylib fails only when the dylib is already gone or its
  // memory cannot be released: either way nothing reaches its code.
  if (Linked.Dylib)
    consumeError(ES->removeJITDylib(*Linked.Dylib));
  Linked.Dylib = nullptr;
}

Error LinkSession::publish(StringRef SourcePath,
                           ArrayRef<CreatedSymbol> Created,
                           const StringMap<uint64_t> &Addresses) {
  for (const CreatedSymbol &C : Created) {
    auto It = Addresses.find(C.Name);
    if (It == Addresses.end())
      continue;
    LiveSymbol L{It->second, 16, C.IsFunction};
    JITDylib *JD = ProcessDylib;
    if (C.Local) {
      CreatedLocals[SourcePath][C.Name] = L;
      Locals[SourcePath][C.Name] = L;
      auto Mine = localsDylib(SourcePath);
      if (!Mine)
        return Mine.takeError();
      JD = *Mine;
    } else {
      Globals[C.Name] = L;
    }
    if (Error E = defineCreated(*JD, C.Name, L.Address, C.IsFunction))
      return E;
  }
  return Error::success();
}

void LinkSession::unpublish(StringRef SourcePath,
                            ArrayRef<CreatedSymbol> Created) {
  for (const CreatedSymbol &C : Created) {
    JITDylib *JD = ProcessDylib;
    if (C.Local) {
      CreatedLocals[SourcePath].erase(C.Name);
      Locals[SourcePath].erase(C.Name);
      JD = LocalDylibs.lookup(SourcePath);
    } else {
      Globals.erase(C.Name);
    }
    // A symbol a failed define never added is simply not there.
    if (JD)
      consumeError(JD->remove({ES->intern(C.Name)}));
  }
}

Error LinkSession::recordCreated(StringRef SourcePath,
                                 ArrayRef<CreatedSymbol> Created,
                                 const StringMap<uint64_t> &Addresses) {
  std::vector<std::tuple<std::string, std::string, ExecutorAddr>> Records;
  for (const CreatedSymbol &C : Created)
    if (auto It = Addresses.find(C.Name); It != Addresses.end())
      Records.emplace_back(C.Local ? SourcePath.str() : "", C.Name,
                           ExecutorAddr(It->second));
  return ES->callSPSWrapper<protocol::SPSRecordSymbolsSig>(RecordFn, Records);
}

Error LinkSession::recordMoved(StringRef SourcePath, ArrayRef<GlobalMove> Moves) {
  std::vector<std::tuple<std::string, std::string, ExecutorAddr>> Records;
  for (const GlobalMove &M : Moves)
    Records.emplace_back(M.Local ? SourcePath.str() : MovedScope.str(), M.Name,
                         ExecutorAddr(M.NewAddress));
  return ES->callSPSWrapper<protocol::SPSRecordSymbolsSig>(RecordFn, Records);
}

Error LinkSession::runInitialiser(uint64_t Address) {
  if (!Address) // never jump to nothing in someone's process
    return createStringError(inconvertibleErrorCode(),
                             "internal error: initialiser not linked");
  auto R = ES->getExecutorProcessControl().runAsVoidFunction(
      ExecutorAddr(Address));
  return R ? Error::success() : R.takeError();
}

Expected<OldCodeReport>
LinkSession::repointEntries(uint64_t Version, uint8_t Policy,
                            ArrayRef<GuardedFunction> Code,
                            ArrayRef<EntryRepoint> Entries,
                            const PatchNotice &Notice) {
  std::vector<std::tuple<ExecutorAddr, uint64_t, bool>> Guarded;
  for (const GuardedFunction &F : Code)
    Guarded.emplace_back(ExecutorAddr(F.Start), F.Size, F.Leavable);
  std::vector<std::tuple<ExecutorAddr, ExecutorAddr, uint64_t>> Args;
  for (const EntryRepoint &E : Entries)
    Args.emplace_back(ExecutorAddr(E.Entry), ExecutorAddr(E.Target), E.Room);
  using Result_t =
      std::tuple<std::vector<std::tuple<uint64_t, ExecutorAddr>>,
                 std::vector<std::tuple<uint64_t, uint64_t, ExecutorAddr>>,
                 std::vector<std::tuple<uint64_t, std::vector<uint64_t>, std::string>>>;
  Expected<Result_t> Result = Result_t();
  auto ApplyAt = Notice.AtSafePoint ? protocol::ApplyAt::SafePoint
                                    : protocol::ApplyAt::Now;
  auto NoticeArg = std::make_tuple(static_cast<uint8_t>(ApplyAt),
                                   uint64_t(Notice.SafePointTimeoutMs),
                                   Notice.Files, Notice.Functions);
  if (Error E = ES->callSPSWrapper<protocol::SPSPatchSig>(
          PatchFn, Result, Version, Policy, Guarded, Args, NoticeArg)) {
    consumeError(Result.takeError()); // never set: the call did not return
    if (processEnded(Pid)) // "disconnecting" would say nothing
      return joinErrors(
          createStringError(inconvertibleErrorCode(),
                            "the process ended while patch %llu was applied "
                            "(its code may have run already)",
                            (unsigned long long)Version),
          std::move(E));
    return std::move(E);
  }
  if (!Result)
    return Result.takeError();
  OldCodeReport Out;
  for (const auto &[Tid, Entry] : std::get<0>(*Result))
    Out.Certain.push_back({static_cast<int>(Tid), Entry.getValue()});
  for (const auto &[Start, End, Entry] : std::get<1>(*Result))
    Out.Ranges.push_back({Start, End, Entry.getValue()});
  for (auto &[Tid, Regs, Bytes] : std::get<2>(*Result)) {
    if (Regs.size() != 8)
      continue; // not the agent's shape: nothing to walk
    ThreadStack T;
    T.Tid = static_cast<int>(Tid);
    std::copy(Regs.begin(), Regs.end(), T.Regs);
    T.Bytes = std::move(Bytes);
    Out.Candidates.push_back(std::move(T));
  }
  return Out;
}

void LinkSession::detach() {
  if (Socket < 0)
    return;
  // close() alone does not wake the transport's reader; ending the session
  // would free the JIT memory the patched entries jump to. Shut the socket
  // down and leak the session objects instead.
  shutdown(Socket, SHUT_RDWR);
  if (!ES) { // the agent went away before the session was set up
    close(Socket);
    Socket = -1;
    return;
  }
  // The socket is shut down already: the disconnect's error says only that.
  consumeError(ES->getExecutorProcessControl().disconnect());
  Socket = -1;
  (void)Linker.release();
  (void)ES.release();
}

} // namespace hotc::jit
