#include "jit/live_symbols.h"

#include "llvm/Object/ELFObjectFile.h"
#include "llvm/Object/ObjectFile.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <cassert>
#include <cstring>

using namespace llvm;
using namespace llvm::object;

namespace hotc::jit {
namespace {

std::string hexOf(ArrayRef<uint8_t> Bytes) {
  std::string Out;
  for (uint8_t B : Bytes)
    Out += formatv("{0:x-2}", B).str();
  return Out;
}

std::string buildIdOf(const ELF64LEObjectFile &Obj) {
  const auto &File = Obj.getELFFile();
  auto Sections = File.sections();
  if (!Sections) // no build id: the symbol cache is keyed by path alone
    return (consumeError(Sections.takeError()), "");
  for (const auto &Sec : *Sections) {
    if (Sec.sh_type != ELF::SHT_NOTE)
      continue;
    // A damaged note section is one without a build id: its error says
    // no more than that.
    Error Err = Error::success();
    for (const auto &Note : File.notes(Sec, Err))
      if (Note.getType() == ELF::NT_GNU_BUILD_ID && Note.getName() == "GNU")
        return (consumeError(std::move(Err)), hexOf(Note.getDesc(4)));
    consumeError(std::move(Err));
  }
  return "";
}

struct RawSymbol {
  std::string Name;
  uint64_t Address;
  uint64_t Size;
  bool IsFunction;
  bool IsIfunc;
  bool IsLocal;
  std::string File; // STT_FILE scope for locals
  bool IsTls;
};

// .gnu.version of a module, parallel to .dynsym: a symbol whose entry has
// the hidden bit is a non-default version (memcpy@GLIBC_2.2.5 beside
// memcpy@@GLIBC_2.14); a static linker never binds a new reference to it,
// so neither may a patch. Empty when the module has no versions.
std::vector<uint16_t> versionsOf(const ELF64LEObjectFile &Obj) {
  const auto &File = Obj.getELFFile();
  auto Sections = File.sections();
  if (!Sections) {
    consumeError(Sections.takeError()); // no sections: no versions either
    return {};
  }
  for (const auto &Sec : *Sections) {
    if (Sec.sh_type != ELF::SHT_GNU_versym)
      continue;
    auto Data = File.getSectionContents(Sec);
    if (!Data) {
      consumeError(Data.takeError()); // unreadable: treat all as default
      return {};
    }
    std::vector<uint16_t> Out(Data->size() / 2);
    memcpy(Out.data(), Data->data(), Out.size() * 2);
    return Out;
  }
  return {};
}

} // namespace

Error LiveSymbols::readModule(const std::string &File, const LoadedModule &M) {
  auto Bin = ObjectFile::createObjectFile(File);
  if (!Bin)
    return createStringError(inconvertibleErrorCode(), "cannot read %s: %s",
                             File.c_str(), toString(Bin.takeError()).c_str());
  auto *Obj = dyn_cast<ELF64LEObjectFile>(Bin->getBinary());
  if (!Obj)
    return Error::success(); // not an x86-64 ELF: nothing to bind to
  if (!M.BuildId.empty() && buildIdOf(*Obj) != M.BuildId)
    return createStringError(
        inconvertibleErrorCode(),
        "%s on disk is not the file the process loaded (build-id differs): "
        "it was rebuilt; restart the process",
        File.c_str());

  bool HasSymtab = Obj->symbol_begin() != Obj->symbol_end();
  auto Symbols = HasSymtab ? Obj->symbols() : Obj->getDynamicSymbolIterators();
  std::vector<uint16_t> Versions = HasSymtab ? std::vector<uint16_t>() : versionsOf(*Obj);
  std::vector<RawSymbol> Raw;
  std::string Scope;
  bool LinkerLocals = false; // after the empty-named STT_FILE GNU ld writes
  for (ELFSymbolRef S : Symbols) {
    uint8_t Type = S.getELFType();
    if (Type == ELF::STT_FILE) {
      auto Name = S.getName();
      // A damaged STT_FILE name: the locals after it get no file scope.
      Scope = Name ? Name->str() : (consumeError(Name.takeError()), "");
      LinkerLocals = Name && Scope.empty();
      continue;
    }
    bool Tls = Type == ELF::STT_TLS;
    if (Type != ELF::STT_FUNC && Type != ELF::STT_OBJECT &&
        Type != ELF::STT_NOTYPE && Type != ELF::STT_GNU_IFUNC && !Tls)
      continue;
    // A module's thread-local variables are reached through its TLS module
    // id; without one (not loaded with TLS) they cannot be bound.
    if (Tls && !M.TlsModule)
      continue;
    auto Name = S.getName();
    auto Addr = S.getAddress();
    auto Sec = S.getSection();
    // A TLS symbol's value is its offset in the module's TLS block: 0 is
    // the first variable, not an undefined one.
    if (!Name || !Addr || !Sec || Name->empty() || *Sec == Obj->section_end() ||
        (*Addr == 0 && !Tls)) {
      // Unnamed, undefined or damaged entries cannot be bound to anyway.
      consumeError(Name.takeError());
      consumeError(Addr.takeError());
      consumeError(Sec.takeError());
      continue;
    }
    uint64_t Index = S.getRawDataRefImpl().d.b; // in its symbol table
    if (Index < Versions.size() && (Versions[Index] & ELF::VERSYM_HIDDEN))
      continue;
    bool Local = S.getBinding() == ELF::STB_LOCAL;
    // A hidden or internal symbol (visibility("hidden"), Lua's LUAI_FUNC
    // is "internal") was global while the module was linked: its other
    // units call it, and so may a patch of any of them. The linker turned
    // it local: GNU ld also clears its visibility and lists it after an
    // STT_FILE with an empty name, at the end of the locals.
    bool Hidden = Local && (S.getOther() == ELF::STV_HIDDEN ||
                            S.getOther() == ELF::STV_INTERNAL || LinkerLocals);
    // Linker-made locals (.L labels, section markers) are not C/C++ names.
    if (Type == ELF::STT_NOTYPE && (Local || Name->starts_with(".")))
      continue;
    Raw.push_back({Name->str(), Tls ? *Addr : *Addr + M.Bias, S.getSize(),
                   Type == ELF::STT_FUNC || Type == ELF::STT_GNU_IFUNC,
                   Type == ELF::STT_GNU_IFUNC, Local && !Hidden, Local ? Scope : "",
                   Tls});
  }

  // Room of a function: up to the next function start (padding included).
  std::vector<uint64_t> Starts;
  for (const RawSymbol &R : Raw)
    if (R.IsFunction)
      Starts.push_back(R.Address);
  std::sort(Starts.begin(), Starts.end());
  StringMap<SymbolTable *> ScopeTable;
  for (const RawSymbol &R : Raw) {
    uint64_t Room = R.Size;
    if (R.IsFunction) {
      auto Next = std::upper_bound(Starts.begin(), Starts.end(), R.Address);
      if (Next != Starts.end())
        Room = std::max(Room, *Next - R.Address);
    }
    LiveSymbol L{R.Address, Room, R.IsFunction, R.IsIfunc,
                 R.IsTls ? M.TlsModule : 0};
    ++Count;
    if (!R.IsLocal) {
      // Hidden ones included (__dso_handle): the executable, read first,
      // gives the patch its own.
      Globals.try_emplace(R.Name, L);
    } else if (!R.File.empty()) {
      SymbolTable *&T = ScopeTable[R.File];
      if (!T) {
        auto &Tables = LocalsByFile[sys::path::filename(R.File)];
        Tables.emplace_back();
        T = &Tables.back();
      }
      T->try_emplace(R.Name, L);
    }
  }
  return Error::success();
}

Expected<LiveSymbols> LiveSymbols::read(int Pid,
                                        const std::vector<LoadedModule> &Mods) {
  LiveSymbols Out;
  for (const LoadedModule &M : Mods) {
    std::string File = M.Path.empty() ? formatv("/proc/{0}/exe", Pid).str()
                                      : M.Path;
    if (!M.Path.empty() && (M.Path.find("linux-vdso") != std::string::npos ||
                            sys::path::filename(M.Path) == "libhotagent.so"))
      continue;
    if (!M.Path.empty() && !sys::fs::exists(File))
      continue;
    // The running executable is read through /proc, which is the loaded
    // inode even if a rebuild replaced the file: no build-id check needed.
    LoadedModule Checked = M;
    if (M.Path.empty())
      Checked.BuildId.clear();
    if (Error E = Out.readModule(File, Checked))
      return std::move(E);
  }
  return std::move(Out);
}

std::vector<uint64_t> LiveSymbols::ifuncResolvers() const {
  std::vector<uint64_t> Out;
  auto Add = [&](const SymbolTable &T) {
    for (const auto &E : T)
      if (E.second.IsIfunc)
        Out.push_back(E.second.Address);
  };
  Add(Globals);
  for (const auto &F : LocalsByFile)
    for (const SymbolTable &T : F.second)
      Add(T);
  std::sort(Out.begin(), Out.end());
  Out.erase(std::unique(Out.begin(), Out.end()), Out.end());
  return Out;
}

void LiveSymbols::bindIfuncs(ArrayRef<uint64_t> Resolvers,
                             ArrayRef<uint64_t> Implementations) {
  assert(Resolvers.size() == Implementations.size());
  auto Bind = [&](SymbolTable &T) {
    std::vector<std::string> Unbound;
    for (auto &E : T) {
      if (!E.second.IsIfunc)
        continue;
      auto It = std::lower_bound(Resolvers.begin(), Resolvers.end(), E.second.Address);
      if (It == Resolvers.end() || *It != E.second.Address || !Implementations[It - Resolvers.begin()]) {
        Unbound.push_back(E.getKey().str());
        continue;
      }
      E.second.Address = Implementations[It - Resolvers.begin()];
      E.second.IsIfunc = false;
      E.second.Room = 0; // the implementation is not ours to re-point
    }
    for (const std::string &N : Unbound)
      T.erase(N);
  };
  Bind(Globals);
  for (auto &F : LocalsByFile)
    for (SymbolTable &T : F.second)
      Bind(T);
}

Expected<const SymbolTable *> LiveSymbols::localsOf(StringRef Basename) const {
  auto It = LocalsByFile.find(Basename);
  if (It == LocalsByFile.end())
    return nullptr;
  if (It->second.size() > 1)
    return createStringError(
        inconvertibleErrorCode(),
        "%zu translation units named %s are linked into the process; hotc "
        "cannot yet tell their internal symbols apart",
        It->second.size(), Basename.str().c_str());
  return &It->second.front();
}

} // namespace hotc::jit
