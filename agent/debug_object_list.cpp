#include "agent/debug_object_list.h"

#include "llvm/ExecutionEngine/Orc/TargetProcess/JITLoaderGDB.h"

#include <cstring>
#include <elf.h>

// Defined by LLVM's JITLoaderGDB, linked into the agent (gdb's names).
extern "C" jit_descriptor __jit_debug_descriptor;
extern "C" void __jit_debug_register_code();

namespace hotc::agent {
namespace {

bool inside(uint64_t A, const std::vector<OldCode> &Ranges) {
  for (const OldCode &R : Ranges)
    if (A >= R.Start && A < R.End)
      return true;
  return false;
}

// The debug object is the patch's ELF file with the addresses its sections
// were loaded at written into its section headers (LLVM's ELFDebugObject):
// whether one of them is in Ranges says whose object it is.
bool describes(const jit_code_entry &E, const std::vector<OldCode> &Ranges) {
  if (!E.symfile_addr || E.symfile_size < sizeof(Elf64_Ehdr))
    return false;
  Elf64_Ehdr H;
  memcpy(&H, E.symfile_addr, sizeof(H));
  if (memcmp(H.e_ident, ELFMAG, SELFMAG) != 0 || H.e_ident[EI_CLASS] != ELFCLASS64 ||
      H.e_shentsize != sizeof(Elf64_Shdr) || H.e_shoff > E.symfile_size ||
      H.e_shnum > (E.symfile_size - H.e_shoff) / sizeof(Elf64_Shdr))
    return false;
  for (unsigned I = 0; I < H.e_shnum; ++I) {
    Elf64_Shdr S;
    memcpy(&S, E.symfile_addr + H.e_shoff + I * sizeof(S), sizeof(S));
    if ((S.sh_flags & SHF_ALLOC) && S.sh_addr && inside(S.sh_addr, Ranges))
      return true;
  }
  return false;
}

} // namespace

// hotc calls the agent's wrappers one at a time, and registration happens
// only while hotc finalises a link: nothing changes the list meanwhile.
size_t unregisterDebugObjectsIn(const std::vector<OldCode> &Ranges) {
  size_t Removed = 0;
  jit_code_entry *E = __jit_debug_descriptor.first_entry;
  while (E) {
    jit_code_entry *Next = E->next_entry;
    if (describes(*E, Ranges)) {
      if (E->prev_entry)
        E->prev_entry->next_entry = E->next_entry;
      else
        __jit_debug_descriptor.first_entry = E->next_entry;
      if (E->next_entry)
        E->next_entry->prev_entry = E->prev_entry;
      __jit_debug_descriptor.relevant_entry = E;
      __jit_debug_descriptor.action_flag = JIT_UNREGISTER_FN;
      __jit_debug_register_code(); // gdb drops the objfile of E here
      __jit_debug_descriptor.action_flag = JIT_NOACTION;
      __jit_debug_descriptor.relevant_entry = nullptr;
      delete E; // allocated with new by JITLoaderGDB
      ++Removed;
    }
    E = Next;
  }
  return Removed;
}

} // namespace hotc::agent
