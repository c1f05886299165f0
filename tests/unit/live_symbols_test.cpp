#include "jit/live_symbols.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <dlfcn.h>
#include <link.h>
#include <mutex>
#include <unistd.h>

using namespace hotc;

// Internal-linkage symbols of this TU, to be found under its STT_FILE.
static int marker_state = 42;
static int __attribute__((noinline)) marker_function() { return ++marker_state; }
namespace {
int __attribute__((used)) anon_marker = 7;
}
int exported_marker() { return marker_function(); }
// Lua's LUAI_FUNC: a global of the program, invisible outside it. GNU ld
// makes it a local with default visibility, after an empty STT_FILE.
extern "C" __attribute__((visibility("internal"), noinline, used)) int
internal_marker() {
  return 3;
}

namespace {

std::vector<jit::LoadedModule> ownModules() {
  std::vector<jit::LoadedModule> Out;
  dl_iterate_phdr(
      [](dl_phdr_info *I, size_t, void *D) {
        static_cast<std::vector<jit::LoadedModule> *>(D)->push_back(
            {I->dlpi_name ? I->dlpi_name : "", I->dlpi_addr, "",
             uint64_t(I->dlpi_tls_modid)});
        return 0;
      },
      &Out);
  return Out;
}

TEST(LiveSymbols, FindsExternalAndInternalSymbolsOfThisProcess) {
  auto Live = jit::LiveSymbols::read(getpid(), ownModules());
  ASSERT_TRUE(bool(Live)) << llvm::toString(Live.takeError());
  auto G = Live->globals().find("_Z15exported_markerv");
  ASSERT_NE(G, Live->globals().end());
  EXPECT_EQ(G->second.Address, reinterpret_cast<uint64_t>(&exported_marker));
  EXPECT_TRUE(G->second.IsFunction);
  EXPECT_GE(G->second.Room, 5u);

  auto Locals = Live->localsOf("live_symbols_test.cpp");
  ASSERT_TRUE(bool(Locals)) << llvm::toString(Locals.takeError());
  ASSERT_TRUE(*Locals);
  auto S = (*Locals)->find("_ZL12marker_state");
  ASSERT_NE(S, (*Locals)->end());
  EXPECT_EQ(S->second.Address, reinterpret_cast<uint64_t>(&marker_state));
  auto F = (*Locals)->find("_ZL15marker_functionv");
  ASSERT_NE(F, (*Locals)->end());
  EXPECT_NE((*Locals)->find("_ZN12_GLOBAL__N_111anon_markerE"), (*Locals)->end());
  // Shared libraries without .symtab are read through .dynsym.
  EXPECT_NE(Live->globals().find("malloc"), Live->globals().end());
}

// Every unit of the program calls it, and so may a patch of any of them:
// bound as a global, not as a local of some unit.
TEST(LiveSymbols, InternalVisibilitySymbolsAreGlobalsOfTheProgram) {
  auto Live = jit::LiveSymbols::read(getpid(), ownModules());
  ASSERT_TRUE(bool(Live)) << llvm::toString(Live.takeError());
  auto G = Live->globals().find("internal_marker");
  ASSERT_NE(G, Live->globals().end());
  EXPECT_EQ(G->second.Address, reinterpret_cast<uint64_t>(&internal_marker));
}

TEST(LiveSymbols, UnknownTranslationUnitHasNoLocals) {
  auto Live = jit::LiveSymbols::read(getpid(), ownModules());
  ASSERT_TRUE(bool(Live));
  auto Locals = Live->localsOf("no_such_file.cpp");
  ASSERT_TRUE(bool(Locals));
  EXPECT_EQ(*Locals, nullptr);
}

} // namespace

// glibc's strlen is an STT_GNU_IFUNC: its symbol's value is the resolver.
// Bound as the resolver picks in this process, it is the very function a
// call of strlen() here reaches.
TEST(LiveSymbols, IfuncsAreBoundToTheImplementationTheResolverPicks) {
  auto Live = jit::LiveSymbols::read(getpid(), ownModules());
  ASSERT_TRUE(bool(Live)) << llvm::toString(Live.takeError());
  auto S = Live->globals().find("strlen");
  ASSERT_NE(S, Live->globals().end());
  EXPECT_TRUE(S->second.IsIfunc);
  std::vector<uint64_t> Resolvers = Live->ifuncResolvers();
  ASSERT_TRUE(std::is_sorted(Resolvers.begin(), Resolvers.end()));
  std::vector<uint64_t> Chosen;
  for (uint64_t R : Resolvers) // what the agent does in the target
    Chosen.push_back(reinterpret_cast<uint64_t>(reinterpret_cast<void *(*)()>(R)()));
  Live->bindIfuncs(Resolvers, Chosen);
  S = Live->globals().find("strlen");
  ASSERT_NE(S, Live->globals().end());
  EXPECT_FALSE(S->second.IsIfunc);
  using Strlen = size_t (*)(const char *);
  const char *volatile Text = "hello";
  EXPECT_EQ(reinterpret_cast<Strlen>(S->second.Address)(Text), 5u);
  EXPECT_TRUE(Live->ifuncResolvers().empty());
}

// memcpy@GLIBC_2.2.5 (a hidden, non-default version) must not win over
// memcpy@@GLIBC_2.14: only default versions are bound.
TEST(LiveSymbols, OnlyDefaultSymbolVersionsAreBound) {
  auto Live = jit::LiveSymbols::read(getpid(), ownModules());
  ASSERT_TRUE(bool(Live));
  std::vector<uint64_t> Resolvers = Live->ifuncResolvers();
  std::vector<uint64_t> Chosen;
  for (uint64_t R : Resolvers)
    Chosen.push_back(reinterpret_cast<uint64_t>(reinterpret_cast<void *(*)()>(R)()));
  Live->bindIfuncs(Resolvers, Chosen);
  auto S = Live->globals().find("memcpy");
  ASSERT_NE(S, Live->globals().end());
  void *(*Default)(void *, const void *, size_t) = &memcpy; // ld.so's binding
  char From[8] = "abcdefg", To[8] = {};
  reinterpret_cast<decltype(Default)>(S->second.Address)(To, From, 8);
  EXPECT_STREQ(To, "abcdefg");
  EXPECT_EQ(S->second.Address, reinterpret_cast<uint64_t>(dlsym(RTLD_DEFAULT, "memcpy")));
}

// A patch reaches a live thread-local variable with __tls_get_addr({module
// id, offset}): the table must give exactly what the dynamic linker uses.
thread_local int tls_marker = 11;
static thread_local long tls_local_marker = 12;
extern "C" void *__tls_get_addr(void *);

TEST(LiveSymbols, ThreadLocalsAreModuleIdAndOffset) {
  tls_local_marker += tls_marker; // keep both
  auto Live = jit::LiveSymbols::read(getpid(), ownModules());
  ASSERT_TRUE(bool(Live)) << llvm::toString(Live.takeError());
  auto G = Live->globals().find("tls_marker");
  ASSERT_NE(G, Live->globals().end());
  ASSERT_NE(G->second.TlsModule, 0u);
  uint64_t Index[2] = {G->second.TlsModule, G->second.Address};
  EXPECT_EQ(__tls_get_addr(Index), static_cast<void *>(&tls_marker));

  auto Locals = Live->localsOf("live_symbols_test.cpp");
  ASSERT_TRUE(bool(Locals) && *Locals);
  auto L = (*Locals)->find("_ZL16tls_local_marker");
  ASSERT_NE(L, (*Locals)->end());
  uint64_t LocalIndex[2] = {L->second.TlsModule, L->second.Address};
  EXPECT_EQ(__tls_get_addr(LocalIndex), static_cast<void *>(&tls_local_marker));

  // libstdc++'s (std::call_once): another module, another id.
  auto Once = Live->globals().find("_ZSt15__once_callable");
  ASSERT_NE(Once, Live->globals().end());
  EXPECT_NE(Once->second.TlsModule, G->second.TlsModule);
  uint64_t OnceIndex[2] = {Once->second.TlsModule, Once->second.Address};
  EXPECT_EQ(__tls_get_addr(OnceIndex), static_cast<void *>(&std::__once_callable));
}
